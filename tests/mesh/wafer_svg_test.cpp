// The wafer map's frame worked out by hand for a 30 x 30 array of 1 mm tiles: the view zooms to
// the array (half-size 15 x 1.08 = 16.2 mm), so 900 px / 32.4 mm = 27.78 px/mm; with no notes the
// map square starts at (76, 52). Column c's centre is at -14.5 + c mm, row r's at svg y -14.5 + r.
#include "mesh/wafer_svg.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "test_util.hpp"

namespace wafersim::mesh {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

TEST(WaferSvg, LayoutOfAZoomedArray) {
  const MapLayout l = map_layout(16.2, 0);
  EXPECT_DOUBLE_EQ(l.px_per_mm, 900 / 32.4);
  EXPECT_DOUBLE_EQ(l.top, 52);
  EXPECT_DOUBLE_EQ(map_layout(16.2, 2).top, 92);  // 20 px per note line
  EXPECT_DOUBLE_EQ(map_layout(150, 0).px_per_mm, 3);  // the whole 300 mm wafer
}

TEST(WaferSvg, HasAMillimetreScaleBarAndRowAndColumnTicks) {
  testing::HandMesh m(30, 30);
  m.kill(3, 4);
  const Fabric f = m.fabric();
  SvgOptions o;
  o.title = "30 x 30 <test>";
  const std::string svg = render_wafer_svg(m.wafer, m.map, &f, o);
  // Scale bar: a quarter of the map is 225 px = 8.1 mm -> 5 mm = 138.89 px, from the square's
  // left edge, 62 px under its bottom (52 + 900 + 62 = 1014).
  EXPECT_THAT(svg, HasSubstr(R"(<line x1="76" y1="1014" x2="214.89" y2="1014" stroke="#000000" stroke-width="2")"));
  EXPECT_THAT(svg, HasSubstr(">5 mm</text>"));
  // Column ticks every 5 tiles (nice_ticks(0, 29, 10, 1)), under the square (axis at 956): col 0's
  // centre at 76 + (16.2 - 14.5) x 27.78 = 123.22 px, col 25's at 76 + 26.7 x 27.78 = 817.67 px.
  EXPECT_THAT(svg, HasSubstr(R"(<line x1="123.22" y1="956" x2="123.22" y2="961")"));
  EXPECT_THAT(svg, HasSubstr(R"(<line x1="817.67" y1="956" x2="817.67" y2="961")"));
  EXPECT_THAT(svg, HasSubstr(">25</text>"));
  EXPECT_THAT(svg, Not(HasSubstr(">30</text>")));  // no column 30
  // Row ticks left of the square (axis at 72), row 0 at the top: 52 + 1.7 x 27.78 = 99.22 px.
  EXPECT_THAT(svg, HasSubstr(R"(<line x1="72" y1="99.22" x2="67" y2="99.22")"));
  EXPECT_THAT(svg, HasSubstr(">column (tile index)</text>"));
  EXPECT_THAT(svg, HasSubstr(">row (tile index)</text>"));
  EXPECT_THAT(svg, HasSubstr(">30 x 30 &lt;test&gt;</text>"));
  EXPECT_THAT(svg, HasSubstr(">dead router: 1</text>"));
  // The tiles are drawn in mm, scaled into the square: translate(76 + 16.2 x 27.78, 52 + 16.2 x 27.78).
  EXPECT_THAT(svg, HasSubstr(R"~(<g transform="translate(526.0000 502.0000) scale(27.777778)">)~"));
  EXPECT_THAT(svg, Not(HasSubstr("dominant-baseline")));
}

TEST(WaferSvg, ALinkHeatMapHasAColourBarWithItsUnit) {
  testing::HandMesh m(8, 8);
  const Fabric f = m.fabric();
  std::vector<float> load(f.nodes() * 4, 0.1f);
  load[5] = 0.5f;  // the busiest link
  SvgOptions o;
  o.link_load = &load;
  o.link_load_unit = "flits/cycle";
  const std::string svg = render_wafer_svg(m.wafer, m.map, &f, o);
  EXPECT_THAT(svg, HasSubstr(">Busiest output link per cell</text>"));
  EXPECT_THAT(svg, HasSubstr(">link load (flits/cycle)</text>"));
  EXPECT_THAT(svg, HasSubstr(">max 0.5</text>"));
  EXPECT_THAT(svg, HasSubstr(">0.4</text>"));  // colour-bar ticks 0, 0.2, 0.4
  // Without a load there is no colour bar.
  EXPECT_THAT(render_wafer_svg(m.wafer, m.map, &f, {}), Not(HasSubstr("link load")));
}

}  // namespace
}  // namespace wafersim::mesh
