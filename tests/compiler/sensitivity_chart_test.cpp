// The tornado chart's geometry worked out by hand: the log axis from x0.5 to x2 spans 420 px from
// x = 430, so the base (x1) sits at 640 and a doubled answer ends at 850.
#include "compiler/sensitivity_chart.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace wafersim::compiler {
namespace {

using ::testing::HasSubstr;

TEST(SensitivityChart, BarsRunFromTheBaseOnALogScale) {
  std::vector<SensitivityRow> rows(3);
  rows[0] = {"base", "as configured", 10.0};
  rows[1] = {"defect density D0", "0.2 /cm2 (x2)", 20.0};
  rows[2] = {"clock", "x0.8 <slow>", 0.0};
  rows[2].limit = "no layout fits";
  const std::string svg = sensitivity_svg(rows, "gpt & co <test>", "days");
  EXPECT_THAT(svg, HasSubstr("gpt &amp; co &lt;test&gt;"));
  EXPECT_THAT(svg, HasSubstr(R"(<rect x="640" y="64" width="210" height="16" fill="#c0504d"/>)"));  // second row: 40 + 22 + 2; x1 -> x2, slower: red
  EXPECT_THAT(svg, HasSubstr(">20 days</text>"));
  EXPECT_THAT(svg, HasSubstr("clock: x0.8 &lt;slow&gt;"));
  EXPECT_THAT(svg, HasSubstr(">no layout fits</text>"));
  EXPECT_THAT(svg, HasSubstr(">x0.5</text>"));
  EXPECT_THAT(svg, HasSubstr(">x2</text>"));
  // The ticks sit where the scale puts them: x0.5 at 430, x1 at 640, x2 at 850 (1-2-5 steps, no x0.1).
  EXPECT_THAT(svg, HasSubstr(R"(<line x1="430" y1="110" x2="430" y2="115")"));
  EXPECT_THAT(svg, HasSubstr(R"(<line x1="850" y1="110" x2="850" y2="115")"));
  EXPECT_THAT(svg, ::testing::Not(HasSubstr(">x0.1</text>")));
  EXPECT_THAT(svg, HasSubstr("days relative to the base (log scale)"));
}

}  // namespace
}  // namespace wafersim::compiler
