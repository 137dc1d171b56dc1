// Connectivity and stretch on small fabrics whose answers are worked out by hand.
#include "mesh/fabric_metrics.hpp"

#include <gtest/gtest.h>

#include "test_util.hpp"

namespace wafersim::mesh {
namespace {

struct Mesh : testing::HandMesh {
  explicit Mesh(int k) : HandMesh(k, k) {}
  FabricMetrics measure(std::size_t sources = 1000) const { return measure_fabric(fabric(), sources, 1); }
};

TEST(FabricMetrics, FaultFreeMeshIsOneComponentWithNoStretch) {
  Mesh m(8);
  const FabricMetrics f = m.measure();
  EXPECT_EQ(f.endpoints, 64u);
  EXPECT_EQ(f.components, 1u);
  EXPECT_DOUBLE_EQ(f.reachable_pair_fraction, 1.0);
  EXPECT_DOUBLE_EQ(f.stretch_mean, 1.0);
  EXPECT_DOUBLE_EQ(f.stretch_max, 1.0);
  EXPECT_EQ(f.stretch_pairs, 64u * 63u);  // every endpoint a source
  EXPECT_EQ(f.link_length_histogram[1], 2u * 8u * 7u);
}

// 3 x 3 with the centre router dead: the 8 others form a ring. Only the two pairs across the hole
// ((0,1)-(2,1) and (1,0)-(1,2), both directions) detour: Manhattan 2, 4 hops. Mean over the 56
// ordered pairs: (52 * 1 + 4 * 2) / 56.
TEST(FabricMetrics, DeadCentreRouterMakesARing) {
  Mesh m(3);
  m.map.kill_router(m.wafer.id(1, 1));
  const FabricMetrics f = m.measure();
  EXPECT_EQ(f.endpoints, 8u);
  EXPECT_EQ(f.components, 1u);
  EXPECT_EQ(f.stretch_pairs, 56u);
  EXPECT_NEAR(f.stretch_mean, 60.0 / 56.0, 1e-12);
  EXPECT_DOUBLE_EQ(f.stretch_max, 2.0);
}

// The same tile with only its compute dead still forwards: no detour at all.
TEST(FabricMetrics, DeadComputeStillForwards) {
  Mesh m(3);
  m.map.kill_compute(m.wafer.id(1, 1));
  const FabricMetrics f = m.measure();
  EXPECT_EQ(f.endpoints, 8u);
  EXPECT_DOUBLE_EQ(f.stretch_mean, 1.0);
}

// Corner (0,0) cut off by its two dead links: components of 8 and 1 endpoints; reachable pairs
// 8 * 7 / (9 * 8) = 7/9.
TEST(FabricMetrics, TileCutOffEntirely) {
  Mesh m(3);
  m.map.kill_east_link(m.wafer.id(0, 0));
  m.map.kill_south_link(m.wafer.id(0, 0));
  const FabricMetrics f = m.measure();
  EXPECT_EQ(f.components, 2u);
  EXPECT_EQ(f.largest_component, 8u);
  EXPECT_NEAR(f.largest_component_fraction, 8.0 / 9.0, 1e-12);
  EXPECT_NEAR(f.reachable_pair_fraction, 7.0 / 9.0, 1e-12);
}

// A dead link in a 1 x 4 line splits it 2 + 2: reachable 2 * (2 * 1) / (4 * 3) = 1/3.
TEST(FabricMetrics, DeadLinkSplitsALine) {
  const SystemConfig cfg = testing::config_from(testing::rect_wafer(1, 4));
  const Wafer w(cfg.wafer);
  DefectMap map(w);
  map.kill_east_link(w.id(0, 1));
  const FabricMetrics f = measure_fabric(cfg.repair.impl->repair(w, map), 10, 1);
  EXPECT_EQ(f.components, 2u);
  EXPECT_NEAR(f.reachable_pair_fraction, 1.0 / 3.0, 1e-12);
  EXPECT_DOUBLE_EQ(f.stretch_mean, 1.0);
}

TEST(FabricMetrics, SourcesAreASeededSample) {
  Mesh m(16);
  m.map.kill_router(m.wafer.id(5, 5));
  m.map.kill_router(m.wafer.id(9, 3));
  const Fabric fabric = m.cfg.repair.impl->repair(m.wafer, m.map);
  const FabricMetrics a = measure_fabric(fabric, 4, 123), b = measure_fabric(fabric, 4, 123);
  EXPECT_EQ(a.stretch_pairs, 4u * 253u);
  EXPECT_EQ(a.stretch_mean, b.stretch_mean);
  EXPECT_GE(a.stretch_mean, 1.0);
}

}  // namespace
}  // namespace wafersim::mesh
