// The portable generator against published reference outputs, and its distributions against their
// exact moments and probability mass functions.
#include "core/random.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <vector>

namespace wafersim {
namespace {

TEST(Rng, Xoshiro256StarStarMatchesReferenceOutputs) {
  // State {1, 2, 3, 4}: the test vector of the reference implementation (as used by Rust's
  // rand_xoshiro, `Xoshiro256StarStar::reference`).
  Rng rng = Rng::from_state(1, 2, 3, 4);
  const std::uint64_t expected[] = {11520u,
                                    0u,
                                    1509978240u,
                                    1215971899390074240u,
                                    1216172134540287360u,
                                    607988272756665600u,
                                    16172922978634559625u,
                                    8476171486693032832u,
                                    10595114339597558777u,
                                    2904607092377533576u};
  for (std::uint64_t e : expected) EXPECT_EQ(rng.next_u64(), e);
}

TEST(Rng, SplitMix64MatchesReferenceOutputs) {
  // splitmix64 seeded with 0 outputs 0xe220a8397b1dcdaf, 0x6e789e6aa1b965f4, ... (Vigna).
  EXPECT_EQ(mix64(0x9e3779b97f4a7c15ULL), 0xe220a8397b1dcdafULL);
  EXPECT_EQ(mix64(0x9e3779b97f4a7c15ULL * 2), 0x6e789e6aa1b965f4ULL);
}

TEST(Rng, SameSeedSameStreamAndStreamsDiffer) {
  Rng a(42), b(42), c(43);
  for (int i = 0; i < 100; ++i) {
    const auto x = a.next_u64();
    EXPECT_EQ(x, b.next_u64());
    EXPECT_NE(x, c.next_u64());
  }
  Rng base(7);
  Rng s1 = base.stream(1), s1b = base.stream(1), s2 = base.stream(2);
  EXPECT_EQ(s1.next_u64(), s1b.next_u64());
  EXPECT_NE(base.stream(1).next_u64(), s2.next_u64());
}

TEST(Rng, UniformIsInRangeAndUnbiased) {
  Rng rng(1);
  constexpr int kBins = 7, kDraws = 700000;
  std::vector<int> count(kBins, 0);
  for (int i = 0; i < kDraws; ++i) ++count[rng.uniform_int(kBins)];
  double chi2 = 0;
  for (int c : count) chi2 += (c - kDraws / kBins) * (c - kDraws / kBins) / double(kDraws / kBins);
  EXPECT_LT(chi2, 22.46);  // chi-square, 6 dof, p = 0.001
  for (int i = 0; i < 10000; ++i) {
    const double u = rng.uniform01();
    ASSERT_GE(u, 0.0);
    ASSERT_LT(u, 1.0);
    ASSERT_GT(rng.uniform_open0(), 0.0);
  }
}

struct Moments {
  double mean, var;
};
template <typename F>
Moments moments(int n, F draw) {
  double s = 0, ss = 0;
  for (int i = 0; i < n; ++i) {
    const double x = draw();
    s += x;
    ss += x * x;
  }
  const double m = s / n;
  return {m, ss / n - m * m};
}

TEST(Distributions, NormalHasUnitVarianceAndLognormalItsMean) {
  Rng rng(3);
  const Moments m = moments(400000, [&] { return normal(rng); });
  EXPECT_NEAR(m.mean, 0.0, 5 * std::sqrt(1.0 / 400000));
  EXPECT_NEAR(m.var, 1.0, 0.01);
  // E[lognormal(0, s)] = exp(s^2 / 2).
  const Moments l = moments(400000, [&] { return lognormal(rng, 0.0, 0.5); });
  EXPECT_NEAR(l.mean, std::exp(0.125), 0.005);
}

TEST(Distributions, GammaHasMeanKThetaAndVarianceKTheta2) {
  for (double k : {0.3, 0.5, 1.0, 2.0, 10.0}) {
    Rng rng(static_cast<std::uint64_t>(k * 100));
    const double theta = 1.7;
    const int n = 300000;
    const Moments m = moments(n, [&] { return gamma(rng, k, theta); });
    const double se_mean = std::sqrt(k * theta * theta / n);
    EXPECT_NEAR(m.mean, k * theta, 5 * se_mean) << "shape " << k;
    EXPECT_NEAR(m.var / (k * theta * theta), 1.0, 0.05) << "shape " << k;
  }
}

// Chi-square of observed counts against an exact pmf, bins with expected count < 5 pooled.
double chi_square(const std::vector<double>& pmf, const std::vector<int>& count, int n, int* dof) {
  double chi2 = 0, pooled_expected = 0, pooled_observed = 0;
  *dof = -1;
  for (std::size_t k = 0; k < pmf.size(); ++k) {
    const double e = pmf[k] * n;
    const double o = k < count.size() ? count[k] : 0;
    if (e < 5) {
      pooled_expected += e;
      pooled_observed += o;
      continue;
    }
    chi2 += (o - e) * (o - e) / e;
    ++*dof;
  }
  if (pooled_expected > 0) {
    chi2 += (pooled_observed - pooled_expected) * (pooled_observed - pooled_expected) / pooled_expected;
    ++*dof;
  }
  return chi2;
}

TEST(Distributions, PoissonMatchesItsPmfInBothRegimes) {
  // mean 3 uses inversion, mean 40 and 400 the PTRS rejection sampler.
  for (double mean : {0.2, 3.0, 40.0, 400.0}) {
    Rng rng(static_cast<std::uint64_t>(mean * 10) + 1);
    const int n = 200000;
    const int kmax = static_cast<int>(mean + 12 * std::sqrt(mean) + 20);
    std::vector<int> count(kmax + 1, 0);
    for (int i = 0; i < n; ++i) {
      const auto k = poisson(rng, mean);
      ++count[std::min<std::uint64_t>(k, kmax)];
    }
    std::vector<double> pmf(kmax + 1);
    for (int k = 0; k <= kmax; ++k) pmf[k] = std::exp(-mean + k * std::log(mean) - std::lgamma(k + 1.0));
    int dof = 0;
    const double chi2 = chi_square(pmf, count, n, &dof);
    // 99.9% point of chi-square: dof + 3.1 sqrt(2 dof) + 7 is above it for dof >= 5.
    EXPECT_LT(chi2, dof + 3.1 * std::sqrt(2.0 * dof) + 7) << "mean " << mean << " dof " << dof;
  }
}

TEST(Distributions, BinomialMatchesItsPmfInBothRegimes) {
  struct Case {
    std::uint64_t n;
    double p;
  };
  // n p < 10 uses inversion; the others BTRS (p > 0.5 through symmetry).
  for (Case c : {Case{20, 0.3}, Case{1000, 0.004}, Case{1000, 0.4}, Case{5000, 0.93}}) {
    Rng rng(c.n + static_cast<std::uint64_t>(c.p * 1000));
    const int n = 200000;
    std::vector<int> count(c.n + 1, 0);
    for (int i = 0; i < n; ++i) ++count[binomial(rng, c.n, c.p)];
    std::vector<double> pmf(c.n + 1);
    for (std::uint64_t k = 0; k <= c.n; ++k) {
      pmf[k] = std::exp(std::lgamma(c.n + 1.0) - std::lgamma(k + 1.0) - std::lgamma(c.n - k + 1.0) + k * std::log(c.p) +
                        (c.n - k) * std::log1p(-c.p));
    }
    int dof = 0;
    const double chi2 = chi_square(pmf, count, n, &dof);
    EXPECT_LT(chi2, dof + 3.1 * std::sqrt(2.0 * dof) + 7) << "n " << c.n << " p " << c.p;
  }
}

TEST(Distributions, RejectsInvalidParameters) {
  Rng rng(1);
  EXPECT_THROW(gamma(rng, 0.0, 1.0), std::invalid_argument);
  EXPECT_THROW(poisson(rng, -1.0), std::invalid_argument);
  // A mean past 2^53 used to come back as an overflowed cast (0 defects at d0 = 1e300).
  EXPECT_THROW(poisson(rng, 1e300), std::invalid_argument);
  EXPECT_THROW(poisson(rng, std::nan("")), std::invalid_argument);
  EXPECT_THROW(binomial(rng, 10, 1.5), std::invalid_argument);
  EXPECT_THROW(rng.uniform_int(0), std::invalid_argument);
}

}  // namespace
}  // namespace wafersim
