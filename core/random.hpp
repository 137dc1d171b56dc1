#pragma once
// The portable random generator and its distributions.
//
// Everything that draws randomness goes through Rng, never through <random>'s distributions: those
// differ between standard libraries, and results must be bit-identical on every machine and for
// every thread count. The engine is xoshiro256** (Blackman & Vigna, 2018), seeded through
// splitmix64. Independent streams are derived by key (Rng::stream), never by sharing a generator
// between threads, so the order in which work runs cannot change any draw.
//
// The distributions use only +, -, *, /, sqrt (exact in IEEE 754) and exp/log/pow from the C
// library. glibc's exp, log and pow are correctly rounded in practice on x86-64 and arm64, which
// is what keeps streams identical across the machines we run on.
#include <cstdint>

namespace wafersim {

class Rng {
 public:
  explicit Rng(std::uint64_t seed);
  // A generator in a given raw xoshiro256** state (not all zero); for checking against the
  // reference implementation's published outputs.
  static Rng from_state(std::uint64_t s0, std::uint64_t s1, std::uint64_t s2, std::uint64_t s3);

  // A statistically independent generator for the sub-task named by `key` (a replicate number, a
  // purpose tag, a block index). The same (seed, key) always gives the same stream.
  Rng stream(std::uint64_t key) const;

  std::uint64_t next_u64();
  // Uniform on [0, 1) with 53 random bits.
  double uniform01();
  // Uniform on (0, 1]: safe to take the logarithm of.
  double uniform_open0();
  // Uniform integer in [0, n), unbiased (Lemire's multiply-and-reject). n must be > 0.
  std::uint64_t uniform_int(std::uint64_t n);

 private:
  Rng() = default;
  std::uint64_t s_[4]{};
  std::uint64_t seed_ = 0;
};

// splitmix64 finaliser: a good 64-bit mixing function, used to derive seeds and hash keys.
std::uint64_t mix64(std::uint64_t x);

// Uniform on [lo, hi).
double uniform(Rng& rng, double lo, double hi);
// Standard normal, Marsaglia's polar method.
double normal(Rng& rng);
double normal(Rng& rng, double mean, double sigma);
// exp(normal(mu, sigma)).
double lognormal(Rng& rng, double mu, double sigma);
// Exponential with the given mean.
double exponential(Rng& rng, double mean);
// Gamma with shape k > 0 and scale theta > 0 (mean k * theta): Marsaglia & Tsang (2000), with the
// U^(1/k) boost for k < 1.
double gamma(Rng& rng, double shape, double scale);
// Poisson with mean >= 0: inversion by sequential search below mean 10, Hörmann's PTRS
// transformed rejection (1993) above.
std::uint64_t poisson(Rng& rng, double mean);
// Binomial(n, p): inversion when n * min(p, 1-p) < 10, Hörmann's BTRS transformed rejection above.
std::uint64_t binomial(Rng& rng, std::uint64_t n, double p);

}  // namespace wafersim
