// The shared SVG writer against numbers worked out by hand: tick values and positions, the scale
// bar's length, the colour bar's ticks, text placed with dy and escaped, and none of the features
// that librsvg, Inkscape and browsers render differently.
#include "core/svg.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace wafersim::svg {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::Not;

TEST(Svg, NiceTicksAreMultiplesOfOneTwoOrFive) {
  // 0..29 in at most 8: steps 1 (30 ticks) and 2 (15) are too fine, 5 gives 6.
  EXPECT_THAT(nice_ticks(0, 29, 8), ElementsAre(0, 5, 10, 15, 20, 25));
  EXPECT_THAT(nice_ticks(0, 923, 10, 1), ElementsAre(0, 100, 200, 300, 400, 500, 600, 700, 800, 900));
  // Tile indices: never a step under 1, though 0.5 would fit ten ticks.
  EXPECT_THAT(nice_ticks(0, 3, 10, 1), ElementsAre(0, 1, 2, 3));
  // 0..0.52 in at most 5: 0.1 gives 6, 0.2 gives 3.
  const auto t = nice_ticks(0, 0.52, 5);
  ASSERT_EQ(t.size(), 3u);
  EXPECT_DOUBLE_EQ(t[1], 0.2);
  EXPECT_DOUBLE_EQ(t[2], 0.4);
}

TEST(Svg, LogTicksAreOneTwoFiveThenOneThreeThenDecades) {
  EXPECT_THAT(log_ticks(0.5, 2, 10), ElementsAre(0.5, 1, 2));
  // 0.03..1: 1-2-5 gives 0.05 0.1 0.2 0.5 1 (5); with room for 4 only, 1-3 gives 0.03 0.1 0.3 1.
  EXPECT_THAT(log_ticks(0.03, 1, 5), ElementsAre(0.05, 0.1, 0.2, 0.5, 1));
  EXPECT_THAT(log_ticks(0.03, 1, 4), ElementsAre(0.03, 0.1, 0.3, 1));  // 0.3 exactly, not 3 * 0.1
  EXPECT_THAT(log_ticks(1, 1e6, 4), ElementsAre(1, 100, 10000, 1e6));  // every other decade
  EXPECT_EQ(number_label(0.3), "0.3");
  EXPECT_EQ(number_label(0.03), "0.03");
  EXPECT_EQ(number_label(2.5), "2.5");
  EXPECT_EQ(number_label(1e6), "1e+06");
  EXPECT_EQ(number_label(1e-17), "0");
}

TEST(Svg, LinearAndLogScalesMapByHand) {
  const LinearScale y{0, 10, 300, 100};  // upwards: 0 at 300 px, 10 at 100 px
  EXPECT_DOUBLE_EQ(y.px(2.5), 250);
  const LogScale x{0.5, 2, 430, 850};  // the tornado chart's axis: x1 in the middle
  EXPECT_DOUBLE_EQ(x.px(1), 640);
  EXPECT_DOUBLE_EQ(x.px(2), 850);
}

TEST(Svg, ScaleBarIsTheLongestRoundLengthThatFits) {
  // The full 300 mm wafer on 900 px: 3 px/mm; a quarter of the map, 225 px, is 75 mm -> 50 mm, 150 px.
  const ScaleBarSize wafer = scale_bar_size(3, 225);
  EXPECT_DOUBLE_EQ(wafer.length, 50);
  EXPECT_DOUBLE_EQ(wafer.length_px, 150);
  // 50 px/mm, 225 px: 4.5 mm -> 2 mm, 100 px. Exactly 100 mm at 1 px/mm in 100 px fits.
  EXPECT_DOUBLE_EQ(scale_bar_size(50, 225).length, 2);
  EXPECT_DOUBLE_EQ(scale_bar_size(50, 225).length_px, 100);
  EXPECT_DOUBLE_EQ(scale_bar_size(1, 100).length, 100);
  EXPECT_DOUBLE_EQ(scale_bar_size(0.1, 4).length, 20);  // 40 units fit -> 20

  Document d(300, 100);
  d.scale_bar(10, 50, wafer, "mm");
  const std::string svg = d.str();
  EXPECT_THAT(svg, HasSubstr(R"(<line x1="10" y1="50" x2="160" y2="50" stroke="#000000" stroke-width="2")"));
  EXPECT_THAT(svg, HasSubstr(R"(x="85" y="56" dy="7.92")"));  // label centred under the bar, top at y + 6
  EXPECT_THAT(svg, HasSubstr(">50 mm</text>"));
}

TEST(Svg, TextIsEscapedAndPlacedWithAttributesEveryViewerReadsAlike) {
  Document d(200, 80);
  d.text(10, 20, "a<b & \"c\"", {.size_px = 12, .anchor = Anchor::kMiddle, .valign = VAlign::kMiddle});
  d.text(5, 60, "up", {.size_px = 10, .rotate_deg = -90});
  const std::string svg = d.str();
  EXPECT_THAT(svg, HasSubstr(R"(<text x="10" y="20" dy="4.2" font-family="DejaVu Sans, Arial, Helvetica, sans-serif" font-size="12" )"
                             R"(text-anchor="middle">a&lt;b &amp; &quot;c&quot;</text>)"));
  EXPECT_THAT(svg, HasSubstr(R"~(transform="rotate(-90 5 60)">up</text>)~"));
  EXPECT_THAT(svg, HasSubstr(R"(<svg xmlns="http://www.w3.org/2000/svg" width="200" height="80" viewBox="0 0 200 80")"));
  for (const char* unportable : {"dominant-baseline", "alignment-baseline", "<style", "class=", "textLength", "font-size=\"12px\""})
    EXPECT_THAT(svg, Not(HasSubstr(unportable))) << unportable;
  EXPECT_DOUBLE_EQ(text_dy(VAlign::kTop, 10), 7.2);
  EXPECT_DOUBLE_EQ(text_dy(VAlign::kBaseline, 10), 0);
}

TEST(Svg, AxisTicksPointOutwardWithLabelsBeyondThem) {
  Document d(400, 200);
  Axis bottom{.side = Side::kBottom, .at = 100, .from_px = 10, .to_px = 210, .title = "D0 (defects/cm^2)"};
  bottom.ticks = {{10, "0"}, {60, "0.25"}};
  d.axis(bottom);
  Axis left{.side = Side::kLeft, .at = 10, .from_px = 0, .to_px = 100};
  left.ticks = {{30, "7"}};
  d.axis(left);
  const std::string svg = d.str();
  EXPECT_THAT(svg, HasSubstr(R"(<line x1="10" y1="100" x2="210" y2="100")"));  // the axis line
  EXPECT_THAT(svg, HasSubstr(R"(<line x1="60" y1="100" x2="60" y2="105")"));   // a 5 px tick, downwards
  EXPECT_THAT(svg, HasSubstr(R"(<text x="60" y="108" dy="7.92")"));            // label top 3 px under it (11 px font)
  EXPECT_THAT(svg, HasSubstr(">0.25</text>"));
  // Title under the labels: 100 + 8 + 1.1 x 11 + 4 = 124.1, top-aligned (12 px: dy 8.64).
  EXPECT_THAT(svg, HasSubstr(R"(<text x="110" y="124.1" dy="8.64")"));
  EXPECT_THAT(svg, HasSubstr(">D0 (defects/cm^2)</text>"));
  EXPECT_THAT(svg, HasSubstr(R"(<line x1="10" y1="30" x2="5" y2="30")"));  // left: leftwards
  EXPECT_THAT(svg, HasSubstr(R"(<text x="2" y="30" dy="3.85")"));           // right-aligned, centred on the tick
  EXPECT_THAT(svg, Not(HasSubstr("#dddddd")));                               // no grid unless asked
}

TEST(Svg, ColourBarTicksAtRoundValuesAlongItsLength) {
  Document d(300, 100);
  d.colour_bar(0, 40, 200, 10, 0.5, [](double t) { return t < 0.5 ? std::string("#000000") : std::string("#ffffff"); }, "link load (flits/cycle)", 4);
  const std::string svg = d.str();
  // 0..0.5 on 200 px: ticks 0, 0.2, 0.4 at 0, 80, 160.
  EXPECT_THAT(svg, HasSubstr(R"(<line x1="80" y1="50" x2="80" y2="54")"));
  EXPECT_THAT(svg, HasSubstr(R"(<line x1="160" y1="50" x2="160" y2="54")"));
  EXPECT_THAT(svg, HasSubstr(">0.4</text>"));
  EXPECT_THAT(svg, HasSubstr(">link load (flits/cycle)</text>"));
  EXPECT_THAT(svg, HasSubstr(R"(<text x="205" y="45" dy="3.85")"));  // "max 0.5" right of the bar, centred on it
  EXPECT_THAT(svg, HasSubstr(">max 0.5</text>"));
  // Four bands of 50 px, coloured at their middles (0.125 .. 0.875).
  EXPECT_THAT(svg, HasSubstr(R"(<rect x="100" y="40" width="50.5" height="10" fill="#ffffff"/>)"));
  EXPECT_THAT(svg, HasSubstr(R"(<rect x="0" y="40" width="50.5" height="10" fill="#000000"/>)"));
}

}  // namespace
}  // namespace wafersim::svg
