#include "core/random.hpp"

#include <cmath>
#include <stdexcept>

namespace wafersim {
namespace {

constexpr std::uint64_t rotl(std::uint64_t x, int k) { return (x << k) | (x >> (64 - k)); }

std::uint64_t splitmix64_next(std::uint64_t& state) {
  state += 0x9e3779b97f4a7c15ULL;
  return mix64(state);
}

}  // namespace

std::uint64_t mix64(std::uint64_t z) {
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
  return z ^ (z >> 31);
}

Rng::Rng(std::uint64_t seed) : seed_(seed) {
  std::uint64_t state = seed;
  for (auto& word : s_) word = splitmix64_next(state);
}

Rng Rng::from_state(std::uint64_t s0, std::uint64_t s1, std::uint64_t s2, std::uint64_t s3) {
  Rng r;
  r.s_[0] = s0;
  r.s_[1] = s1;
  r.s_[2] = s2;
  r.s_[3] = s3;
  r.seed_ = s0 ^ s1 ^ s2 ^ s3;
  return r;
}

Rng Rng::stream(std::uint64_t key) const {
  // Two rounds of mixing so that nearby keys of nearby seeds land far apart.
  return Rng(mix64(seed_ ^ mix64(key ^ 0x6a09e667f3bcc909ULL)));
}

std::uint64_t Rng::next_u64() {
  const std::uint64_t result = rotl(s_[1] * 5, 7) * 9;
  const std::uint64_t t = s_[1] << 17;
  s_[2] ^= s_[0];
  s_[3] ^= s_[1];
  s_[1] ^= s_[2];
  s_[0] ^= s_[3];
  s_[2] ^= t;
  s_[3] = rotl(s_[3], 45);
  return result;
}

double Rng::uniform01() { return static_cast<double>(next_u64() >> 11) * 0x1.0p-53; }

double Rng::uniform_open0() { return (static_cast<double>(next_u64() >> 11) + 1.0) * 0x1.0p-53; }

std::uint64_t Rng::uniform_int(std::uint64_t n) {
  __extension__ typedef unsigned __int128 u128;  // GCC and clang on every 64-bit target we build for
  if (n == 0) throw std::invalid_argument("Rng::uniform_int: n must be > 0");
  u128 m = static_cast<u128>(next_u64()) * n;
  auto low = static_cast<std::uint64_t>(m);
  if (low < n) {
    const std::uint64_t threshold = (0 - n) % n;
    while (low < threshold) {
      m = static_cast<u128>(next_u64()) * n;
      low = static_cast<std::uint64_t>(m);
    }
  }
  return static_cast<std::uint64_t>(m >> 64);
}

double uniform(Rng& rng, double lo, double hi) { return lo + (hi - lo) * rng.uniform01(); }

double normal(Rng& rng) {
  // Stateless polar method: the second variate is discarded so that a draw never depends on
  // what an earlier caller left behind.
  for (;;) {
    const double u = 2.0 * rng.uniform01() - 1.0;
    const double v = 2.0 * rng.uniform01() - 1.0;
    const double s = u * u + v * v;
    if (s >= 1.0 || s == 0.0) continue;
    return u * std::sqrt(-2.0 * std::log(s) / s);
  }
}

double normal(Rng& rng, double mean, double sigma) { return mean + sigma * normal(rng); }

double lognormal(Rng& rng, double mu, double sigma) { return std::exp(normal(rng, mu, sigma)); }

double exponential(Rng& rng, double mean) { return -mean * std::log(rng.uniform_open0()); }

double gamma(Rng& rng, double shape, double scale) {
  if (!(shape > 0.0) || !(scale > 0.0)) throw std::invalid_argument("gamma: shape and scale must be > 0");
  if (shape < 1.0) {
    // Gamma(k) = Gamma(k + 1) * U^(1/k)  (Marsaglia & Tsang, section 6).
    const double g = gamma(rng, shape + 1.0, 1.0);
    return scale * g * std::pow(rng.uniform_open0(), 1.0 / shape);
  }
  const double d = shape - 1.0 / 3.0;
  const double c = 1.0 / std::sqrt(9.0 * d);
  for (;;) {
    const double x = normal(rng);
    double v = 1.0 + c * x;
    if (v <= 0.0) continue;
    v = v * v * v;
    const double u = rng.uniform_open0();
    const double x2 = x * x;
    if (u < 1.0 - 0.0331 * x2 * x2) return scale * d * v;
    if (std::log(u) < 0.5 * x2 + d * (1.0 - v + std::log(v))) return scale * d * v;
  }
}

std::uint64_t poisson(Rng& rng, double mean) {
  if (!(mean >= 0.0) || !std::isfinite(mean)) throw std::invalid_argument("poisson: mean must be finite and >= 0");
  // Counts go out as 64-bit integers, and the transformed rejection below loses its integers past
  // 2^53: callers bound what they draw (mesh/defect_sampler.hpp).
  if (mean > 1e15) throw std::invalid_argument("poisson: mean above 1e15");
  if (mean == 0.0) return 0;
  if (mean < 10.0) {
    // Inversion by sequential search from 0.
    double p = std::exp(-mean);
    double cdf = p;
    const double u = rng.uniform01();
    std::uint64_t k = 0;
    while (u > cdf && k < 1000) {
      ++k;
      p *= mean / static_cast<double>(k);
      cdf += p;
    }
    return k;
  }
  // PTRS: W. Hörmann, "The transformed rejection method for generating Poisson random variables",
  // Insurance: Mathematics and Economics 12 (1993) 39-45.
  const double smu = std::sqrt(mean);
  const double b = 0.931 + 2.53 * smu;
  const double a = -0.059 + 0.02483 * b;
  const double inv_alpha = 1.1239 + 1.1328 / (b - 3.4);
  const double vr = 0.9277 - 3.6224 / (b - 2.0);
  const double log_mean = std::log(mean);
  for (;;) {
    const double u = rng.uniform01() - 0.5;
    const double v = rng.uniform01();
    const double us = 0.5 - std::fabs(u);
    const double k = std::floor((2.0 * a / us + b) * u + mean + 0.43);
    if (us >= 0.07 && v <= vr) return static_cast<std::uint64_t>(k);
    if (k < 0.0 || (us < 0.013 && v > us)) continue;
    if (std::log(v) + std::log(inv_alpha) - std::log(a / (us * us) + b) <=
        -mean + k * log_mean - std::lgamma(k + 1.0)) {
      return static_cast<std::uint64_t>(k);
    }
  }
}

std::uint64_t binomial(Rng& rng, std::uint64_t n, double p) {
  if (!(p >= 0.0 && p <= 1.0)) throw std::invalid_argument("binomial: p must be in [0, 1]");
  if (n == 0 || p == 0.0) return 0;
  if (p == 1.0) return n;
  if (p > 0.5) return n - binomial(rng, n, 1.0 - p);
  const double nd = static_cast<double>(n);
  const double q = 1.0 - p;
  if (nd * p < 10.0) {
    // Inversion: walk the pmf upwards from 0 with f(k+1) = f(k) * (n-k)/(k+1) * p/q.
    const double r = p / q;
    double f = std::pow(q, nd);
    double cdf = f;
    const double u = rng.uniform01();
    std::uint64_t k = 0;
    while (u > cdf && k < n) {
      f *= static_cast<double>(n - k) / static_cast<double>(k + 1) * r;
      ++k;
      cdf += f;
    }
    return k;
  }
  // BTRS: W. Hörmann, "The generation of binomial random variates", J. Statist. Comput. Simul.
  // 46 (1993) 101-110.
  const double spq = std::sqrt(nd * p * q);
  const double b = 1.15 + 2.53 * spq;
  const double a = -0.0873 + 0.0248 * b + 0.01 * p;
  const double c = nd * p + 0.5;
  const double vr = 0.92 - 4.2 / b;
  const double alpha = (2.83 + 5.1 / b) * spq;
  const double lpq = std::log(p / q);
  const double m = std::floor((nd + 1.0) * p);
  const double h = std::lgamma(m + 1.0) + std::lgamma(nd - m + 1.0);
  for (;;) {
    const double u = rng.uniform01() - 0.5;
    double v = rng.uniform01();
    const double us = 0.5 - std::fabs(u);
    const double k = std::floor((2.0 * a / us + b) * u + c);
    if (k < 0.0 || k > nd) continue;
    if (us >= 0.07 && v <= vr) return static_cast<std::uint64_t>(k);
    v = v * alpha / (a / (us * us) + b);
    if (std::log(v) <= h - std::lgamma(k + 1.0) - std::lgamma(nd - k + 1.0) + (k - m) * lpq) {
      return static_cast<std::uint64_t>(k);
    }
  }
}

}  // namespace wafersim
