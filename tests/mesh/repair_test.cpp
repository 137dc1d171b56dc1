// Repair on hand-built maps with known answers, and the spare-window closed form against Monte Carlo.
#include "mesh/repair.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cmath>

#include "mesh/yield_study.hpp"
#include "test_util.hpp"

namespace wafersim::mesh {
namespace {

using ::testing::HasSubstr;

struct Built {
  SystemConfig cfg;
  Wafer wafer;
  DefectMap map;
  explicit Built(const std::string& yaml) : cfg(testing::config_from(yaml)), wafer(cfg.wafer), map(wafer) {}
  Fabric repair() const { return cfg.repair.impl->repair(wafer, map); }
};

TEST(Repair, NoneLeavesADeadRouterAsAHole) {
  Built b(testing::rect_wafer(5, 5) + "repair: {strategy: none}\n");
  b.map.kill_router(b.wafer.id(2, 2));
  b.map.kill_compute(b.wafer.id(0, 4));
  const Fabric f = b.repair();
  EXPECT_EQ(f.rows(), 5);
  EXPECT_FALSE(f.formed);
  EXPECT_FALSE(f.router_alive(f.node(2, 2)));
  EXPECT_TRUE(f.router_alive(f.node(0, 4)));  // compute dead: still forwards
  EXPECT_FALSE(f.endpoint(f.node(0, 4)));
  EXPECT_EQ(f.endpoint_count(), 23u);
  EXPECT_EQ(f.east_length(f.node(2, 1)), 0);
  EXPECT_EQ(f.south_length(f.node(1, 2)), 0);
  EXPECT_EQ(f.east_length(f.node(2, 0)), 1);
  EXPECT_EQ(f.role(b.wafer.id(2, 2)), TileRole::kDeadRouter);
  EXPECT_EQ(f.role(b.wafer.id(0, 4)), TileRole::kDeadCompute);
  // 40 links in a 5 x 5 mesh, 4 lost with the dead router.
  EXPECT_EQ(f.link_length_histogram()[1], 36u);
}

// 6 x 2 tiles, windows of 3 with 1 spare: logical 4 x 2.
const std::string kSpare = testing::rect_wafer(6, 2) + "repair: {strategy: spare_rows, window: 3, spares: 1}\n";

TEST(Repair, SpareRowsShiftsPastADeadTileAndLaysBypassLinks) {
  Built b(kSpare);
  b.map.kill_compute(b.wafer.id(1, 0));
  const Fabric f = b.repair();
  ASSERT_TRUE(f.formed);
  EXPECT_EQ(f.rows(), 4);
  EXPECT_EQ(f.cols(), 2);
  EXPECT_EQ(f.physical(f.node(0, 0)), b.wafer.id(0, 0));
  EXPECT_EQ(f.physical(f.node(1, 0)), b.wafer.id(2, 0));  // shifted past (1, 0)
  EXPECT_EQ(f.physical(f.node(1, 1)), b.wafer.id(1, 1));
  EXPECT_EQ(f.physical(f.node(2, 0)), b.wafer.id(3, 0));
  EXPECT_EQ(f.south_length(f.node(0, 0)), 2);  // bypass over the dead tile
  EXPECT_EQ(f.east_length(f.node(1, 0)), 2);   // (2,0) to (1,1): one across, one up
  EXPECT_EQ(f.south_length(f.node(1, 0)), 1);
  EXPECT_EQ(f.spares_used, 1u);
  EXPECT_EQ(f.role(b.wafer.id(1, 0)), TileRole::kDeadCompute);
  EXPECT_EQ(f.role(b.wafer.id(2, 0)), TileRole::kShifted);
  EXPECT_EQ(f.role(b.wafer.id(2, 1)), TileRole::kIdleSpare);
  EXPECT_EQ(f.role(b.wafer.id(5, 0)), TileRole::kIdleSpare);
  // 10 logical links, 3 of them 2 tiles long: over the dead tile, across to the shifted tile, and
  // in column 1 over its idle spare (2, 1) between the two windows.
  EXPECT_EQ(f.south_length(f.node(1, 1)), 2);
  const auto h = f.link_length_histogram();
  ASSERT_EQ(h.size(), 3u);
  EXPECT_EQ(h[1], 7u);
  EXPECT_EQ(h[2], 3u);
}

TEST(Repair, TooManyDeadInAWindowShrinksTheArray) {
  Built b(kSpare);
  b.map.kill_compute(b.wafer.id(0, 0));
  b.map.kill_router(b.wafer.id(1, 0));
  const Fabric f = b.repair();
  EXPECT_FALSE(f.formed);
  EXPECT_EQ(f.nominal_rows, 4);
  EXPECT_EQ(f.rows(), 3);  // band 0 supplies 1 row in column 0, so 1 row everywhere
  EXPECT_EQ(f.physical(f.node(0, 0)), b.wafer.id(2, 0));
  EXPECT_EQ(f.physical(f.node(1, 0)), b.wafer.id(3, 0));
  EXPECT_EQ(f.role(b.wafer.id(1, 1)), TileRole::kUnused);
  EXPECT_EQ(f.role(b.wafer.id(2, 0)), TileRole::kShifted);
}

TEST(Repair, ADeadPhysicalLinkBetweenLogicalNeighboursIsADeadLogicalLink) {
  Built b(kSpare);
  b.map.kill_south_link(b.wafer.id(3, 1));
  const Fabric f = b.repair();
  EXPECT_TRUE(f.formed);
  EXPECT_EQ(f.south_length(f.node(2, 1)), 0);
  EXPECT_EQ(f.dead_logical_links, 1u);
}

TEST(Repair, SpareColsIsTheSameAlongRows) {
  Built b(testing::rect_wafer(2, 6) + "repair: {strategy: spare_cols, window: 3, spares: 1}\n");
  b.map.kill_compute(b.wafer.id(0, 1));
  const Fabric f = b.repair();
  EXPECT_TRUE(f.formed);
  EXPECT_EQ(f.rows(), 2);
  EXPECT_EQ(f.cols(), 4);
  EXPECT_EQ(f.physical(f.node(0, 1)), b.wafer.id(0, 2));
  EXPECT_EQ(f.east_length(f.node(0, 0)), 2);
  EXPECT_EQ(f.south_length(f.node(0, 1)), 2);
}

TEST(Repair, PoissonBinomialTailByHand) {
  // Three events with p = 0.1, 0.2, 0.5: P(none) = 0.9 * 0.8 * 0.5 = 0.36;
  // P(exactly one) = 0.1*0.8*0.5 + 0.9*0.2*0.5 + 0.9*0.8*0.5 = 0.04 + 0.09 + 0.36 = 0.49.
  EXPECT_NEAR(probability_at_most({0.1, 0.2, 0.5}, 0), 0.36, 1e-12);
  EXPECT_NEAR(probability_at_most({0.1, 0.2, 0.5}, 1), 0.85, 1e-12);
  EXPECT_NEAR(probability_at_most({0.1, 0.2, 0.5}, 3), 1.0, 1e-12);
}

// [P(at most s dead of the B in a window)]^windows against 10,000 Monte Carlo wafers; the
// binomial tail is written out here, independently of the code's Poisson-binomial recursion.
TEST(Repair, SpareWindowClosedFormMatchesMonteCarlo) {
  struct Case {
    const char* model;
    int spares;
  };
  for (Case c : {Case{"poisson", 1}, Case{"poisson", 2}, Case{"negative_binomial", 1}}) {
    const SystemConfig cfg = testing::config_from(
        testing::rect_wafer(20, 10) + "defects: {model: " + c.model + ", d0_per_cm2: 2, cluster_block: tile," +
        (std::string(c.model) == "poisson" ? "" : " alpha: 0.5,") +
        " critical_area: {compute: 0.8, router: 0.2, link: 0}}\n"
        "repair: {strategy: spare_rows, window: 10, spares: " + std::to_string(c.spares) + "}\n");
    const double lambda = 2 * 0.01;  // D0 x 1 mm^2
    const double q = std::string(c.model) == "poisson" ? std::exp(-lambda) : std::pow(1 + lambda / 0.5, -0.5);
    const double p = 1 - q;
    double window_ok = std::pow(q, 10) + 10 * p * std::pow(q, 9);
    if (c.spares == 2) window_ok += 45 * p * p * std::pow(q, 8);
    const double expected = std::pow(window_ok, 20);  // 2 windows in each of 10 columns
    StudyOptions o;
    o.stretch_sources = 0;
    const auto r = run_study(cfg, 7, 10000, o);
    ASSERT_TRUE(r && r->closed && r->closed->wafer_yield);
    EXPECT_NEAR(*r->closed->wafer_yield, expected, 1e-12) << c.model << " " << c.spares;
    EXPECT_NEAR(r->wafer_yield.mean, expected, 3 * std::sqrt(expected * (1 - expected) / 10000)) << c.model << " " << c.spares;
  }
}

TEST(Repair, ConfigErrors) {
  auto error = [](const std::string& yaml) {
    try {
      testing::config_from(yaml);
    } catch (const ConfigError& e) {
      return std::string(e.what());
    }
    return std::string("(accepted)");
  };
  EXPECT_THAT(error("wafer: {tile: {width_mm: 1, height_mm: 1}}\nrepair: {strategy: spare_rows}\n"),
              HasSubstr("repair.strategy: spare_rows forms a logical rectangle from a physical one: it needs wafer.placement: rectangle"));
  EXPECT_THAT(error(testing::rect_wafer(6, 2) + "repair: {strategy: spare_rows, window: 8}\n"),
              HasSubstr("repair.window: window of 8 tiles is longer than the 6 tiles of a column"));
  EXPECT_THAT(error(testing::rect_wafer(6, 2) + "repair: {strategy: spare_rows, window: 3, spares: 3}\n"), HasSubstr("repair.spares: must be in [0, 2]"));
  EXPECT_THAT(error(testing::rect_wafer(6, 2) + "repair: {strategy: spare_row}\n"), HasSubstr("did you mean 'spare_rows'?"));
  EXPECT_THAT(error(testing::rect_wafer(6, 2) + "repair: {strategy: none, window: 3}\n"), HasSubstr("repair.window: unknown key"));
}

}  // namespace
}  // namespace wafersim::mesh
