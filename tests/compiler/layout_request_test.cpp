// A layout as the command line gives it: degrees, dp from the devices, and the flags' own errors.
#include "compiler/layout_request.hpp"

#include <gtest/gtest.h>

#include "core/input_error.hpp"

namespace wafersim::compiler {
namespace {

std::string error_of(const std::function<void()>& f) {
  try {
    f();
  } catch (const InputError& e) {
    return e.what();
  }
  return "(no error)";
}

TEST(LayoutRequest, DataParallelIsWhatTheOtherDegreesLeave) {
  LayoutRequest r;
  r.tp = 8, r.pp = 16, r.cp = 2;
  const Parallelism p = layout_of(r, 3072, "devices");
  EXPECT_EQ(p.dp, 3072 / (8 * 16 * 2));
  EXPECT_EQ(p.tp * p.pp * p.cp * p.dp, 3072);
  r.dp = 4;  // given: kept as it is, the estimate checks it against the devices
  EXPECT_EQ(layout_of(r, 3072, "devices").dp, 4);
  r.dp = 0, r.cp = 5;
  EXPECT_EQ(error_of([&] { layout_of(r, 3072, "devices"); }), "--tp 8 x --cp 5 x --pp 16 does not divide the 3072 devices");
  r.cp = 1, r.pp = 7;
  EXPECT_EQ(error_of([&] { layout_of(r, 64, "wafers"); }), "--tp 8 x --pp 7 does not divide the 64 wafers");
}

TEST(LayoutRequest, OverlapAndStageLayersParse) {
  EXPECT_TRUE(parse_overlap("all").tp && parse_overlap("all").dp && parse_overlap("all").pp);
  const Parallelism::Overlap none = parse_overlap("none");
  EXPECT_FALSE(none.tp || none.dp || none.pp);
  const Parallelism::Overlap some = parse_overlap("dp,pp");
  EXPECT_TRUE(!some.tp && some.dp && some.pp);
  EXPECT_EQ(error_of([] { parse_overlap("tp,zz"); }), "--overlap tp,zz: 'zz' is not tp, dp or pp (or give all or none)");
  EXPECT_EQ(parse_stage_layers("5,6,6,5"), (std::vector<std::int64_t>{5, 6, 6, 5}));
  EXPECT_TRUE(parse_stage_layers("").empty());
  for (const char* bad : {"5,,6", "5,x", "0", "-1", "5,"})
    EXPECT_NE(error_of([&] { parse_stage_layers(bad); }).find("is not a positive layer count"), std::string::npos) << bad;
}

}  // namespace
}  // namespace wafersim::compiler
