// duration_text: each scale against hand-converted values, and its boundaries.
#include <gtest/gtest.h>

#include <limits>

#include "core/duration_text.hpp"

namespace wafersim {
namespace {

TEST(DurationText, EachScaleInItsOwnUnit) {
  EXPECT_EQ(duration_text(4.6 * 86400), "4.6 days");
  EXPECT_EQ(duration_text(1800), "30.0 minutes");         // the half-hour run that printed "0.0 days"
  EXPECT_EQ(duration_text(7.3 * 3600), "7.3 hours");
  EXPECT_EQ(duration_text(45.2), "45.2 s");
  EXPECT_EQ(duration_text(0.38), "380 ms");
  EXPECT_EQ(duration_text(20 * 365.25 * 86400), "20 years");
  EXPECT_EQ(duration_text(400 * 86400), "400.0 days");    // under ten years stays in days
}

TEST(DurationText, Boundaries) {
  EXPECT_EQ(duration_text(86400), "1.0 days");
  EXPECT_EQ(duration_text(86399), "24.0 hours");
  EXPECT_EQ(duration_text(3600), "1.0 hours");
  EXPECT_EQ(duration_text(60), "1.0 minutes");
  EXPECT_EQ(duration_text(1), "1 s");
  EXPECT_EQ(duration_text(0), "0 ms");
  EXPECT_EQ(duration_text(std::numeric_limits<double>::infinity()), "unbounded time");
}

}  // namespace
}  // namespace wafersim
