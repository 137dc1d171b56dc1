// System configs: the shipped ones load with the figures their comments promise, and bad ones are
// rejected with file:line:col, key and problem.
#include "mesh/system_config.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cmath>

#include "mesh/wafer.hpp"
#include "test_util.hpp"

namespace wafersim::mesh {
namespace {

using ::testing::HasSubstr;

TEST(SystemConfigs, ShippedSystemsMatchTheirPublishedSizes) {
  const std::string dir = std::string(WAFERSIM_SOURCE_DIR) + "/configs/systems/";
  const SystemConfig wse2 = SystemConfig::load(dir + "wse2-like.yaml");
  EXPECT_NEAR(Wafer(wse2.wafer).site_count() / 850000.0, 1.0, 0.01);  // 850k cores
  const Wafer w2(wse2.wafer);
  EXPECT_EQ(w2.reticle_count(), 84u);  // 12 x 7 fields
  const SystemConfig wse3 = SystemConfig::load(dir + "wse3-like.yaml");
  EXPECT_NEAR(Wafer(wse3.wafer).site_count() / 900000.0, 1.0, 0.01);  // 900k cores
  EXPECT_EQ(Wafer(wse3.wafer).reticle_count(), 84u);
  const SystemConfig tiny = SystemConfig::load(dir + "tiny-3nm.yaml");
  EXPECT_EQ(Wafer(tiny.wafer).site_count(), 424u * 424u);
  EXPECT_EQ(tiny.process_node_nm, 3);
}

std::string error(const std::string& yaml) {
  try {
    testing::config_from(yaml);
  } catch (const ConfigError& e) {
    return e.what();
  }
  return "(accepted)";
}

TEST(SystemConfigs, BadInputsAreNamedPrecisely) {
  const std::string w = testing::rect_wafer(10, 10);
  EXPECT_THAT(error(w + "defects: {d0_per_cm2: -0.1}\n"), HasSubstr("test.yaml:8:23: defects.d0_per_cm2: must be in [0, 10000], got -0.1"));
  EXPECT_THAT(error(w + "defects: {model: negative_binomial, alpha: 0}\n"), HasSubstr("defects.alpha: must be in [0.001, 1e+06], got 0"));
  EXPECT_THAT(error(w + "defects: {model: negative_binomial, alpha: -2}\n"), HasSubstr("defects.alpha: must be in [0.001, 1e+06], got -2"));
  EXPECT_THAT(error(w + "defects: {alpha: 2}\n"), HasSubstr("defects.alpha: only used by model negative_binomial, not poisson"));
  EXPECT_THAT(error(w + "defects: {d0: 0.1}\n"), HasSubstr("defects.d0: unknown key"));
  EXPECT_THAT(error(w + "defects: {d0_per_cm: 0.1}\n"), HasSubstr("did you mean 'd0_per_cm2'?"));
  EXPECT_THAT(error(w + "defects: {d0_per_cm2: lots}\n"), HasSubstr("defects.d0_per_cm2: expected a number, got 'lots'"));
  EXPECT_THAT(error(w + "defects: {critical_area: {compute: 0.5, router: 0.1, link: 0.01}}\n"),
              HasSubstr("compute + router + 4 * link must be 1"));
  EXPECT_THAT(error(w + "defects: {map_file: m.csv, d0_per_cm2: 1}\n"), HasSubstr("defects.d0_per_cm2: unknown key"));
  EXPECT_THAT(error("wafer: {tile: {width_mm: 400, height_mm: 10}}\n"), HasSubstr("wafer.tile: a 400 x 10 mm tile is larger than the usable wafer"));
  EXPECT_THAT(error("wafer: {tile: {width_mm: 30, height_mm: 10}}\n"), HasSubstr("does not fit in one 26 x 33 mm reticle field"));
  EXPECT_THAT(error("wafer: {tile: {width_mm: 1, height_mm: 1}, placement: rectangle, rows: 300, cols: 10}\n"),
              HasSubstr("a 300 x 10 tile rectangle (300.0 x 10.0 mm) does not fit on the usable disk"));
  EXPECT_THAT(error("wafer: {tile: {width_mm: 1, height_mm: 1}, rows: 3}\n"), HasSubstr("wafer.rows: only used with placement: rectangle"));
  EXPECT_THAT(error("wafer: {tile: {width_mm: 1}}\n"), HasSubstr("wafer.tile: missing required key 'height_mm'"));
  EXPECT_THAT(error("defects: {}\n"), HasSubstr("missing required key 'wafer'"));
  EXPECT_THAT(error("wafer: {tile: {width_mm: 1, height_mm: 1}}\nclock: {}\n"), HasSubstr("clock: unknown key"));
}

}  // namespace
}  // namespace wafersim::mesh
