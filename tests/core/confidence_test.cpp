// Intervals against tabulated quantiles and hand-computed Wilson intervals.
#include "core/confidence.hpp"

#include <gtest/gtest.h>

#include <cmath>

namespace wafersim {
namespace {

TEST(Confidence, StudentTQuantilesMatchTables) {
  EXPECT_NEAR(student_t_975(1), 12.706, 1e-3);
  EXPECT_NEAR(student_t_975(10), 2.228, 1e-3);
  EXPECT_NEAR(student_t_975(40), 2.021, 1e-3);   // table value 2.0211
  EXPECT_NEAR(student_t_975(100), 1.984, 1e-3);  // 1.9840
  EXPECT_NEAR(student_t_975(1000), 1.962, 1e-3); // 1.9623
}

TEST(Confidence, MeanIntervalByHand) {
  // 1, 2, 3, 4: mean 2.5, s = sqrt(5/3), se = s / 2, t(3) = 3.182.
  const Estimate e = mean_interval({1, 2, 3, 4});
  EXPECT_DOUBLE_EQ(e.mean, 2.5);
  const double half = 3.182 * std::sqrt(5.0 / 3.0) / 2.0;
  EXPECT_NEAR(e.lo, 2.5 - half, 1e-9);
  EXPECT_NEAR(e.hi, 2.5 + half, 1e-9);
}

TEST(Confidence, WilsonIntervalByHand) {
  // 0 of 10: [0, z^2 / (n + z^2)] = [0, 0.27754].
  Estimate e = proportion_interval(0, 10);
  EXPECT_DOUBLE_EQ(e.mean, 0.0);
  EXPECT_DOUBLE_EQ(e.lo, 0.0);
  EXPECT_NEAR(e.hi, 0.27754, 1e-5);
  // 5 of 10: 0.5 +- 0.26340 -> [0.23659, 0.76341].
  e = proportion_interval(5, 10);
  EXPECT_NEAR(e.lo, 0.23659, 1e-5);
  EXPECT_NEAR(e.hi, 0.76341, 1e-5);
}

}  // namespace
}  // namespace wafersim
