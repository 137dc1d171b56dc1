// Clock domains: synchronizer latency at crossings, throttling by a slow domain, clock-tree skew.
#include <gtest/gtest.h>

#include "sim/clock_domains.hpp"
#include "sim/engine.hpp"
#include "sim_test_util.hpp"

namespace wafersim::sim {
namespace {

using testing::TestNetwork;

// One 1-flit packet from node 0 (1 GHz, phase 0) to node 1 (period p1, phase phi), created at
// cycle 10 of node 0; latency in ps.
std::int64_t crossing_latency(std::int64_t p1, std::int64_t phi, int stages) {
  TestNetwork net(1, 2);
  net.clocks = std::make_unique<ClockDomains>(std::vector<ClockDomain>{{1000, 0}, {p1, phi}}, std::vector<std::uint32_t>{0, 1});
  net.options.synchronizer_stages = stages;
  net.options.record_deliveries = true;
  auto engine = net.engine();
  engine->set_trace({{10, 0, 1, 1}});
  engine->run_until(1000000);
  EXPECT_EQ(engine->deliveries().size(), 1u);
  return engine->deliveries().at(0).ejected_ps - engine->deliveries().at(0).created_ps;
}

TEST(Clock, CrossingPaysTheWaitForTheReceiverEdgeAndTheSynchronizer) {
  // Hand-worked with booksim-like delays: created at sender cycle 10 (t = 10000 ps), injected then,
  // usable at the router at cycle 11, VC allocation at 11, switch at 12, on the link at 14, at the
  // far end at sender cycle 15: t_a = 15000 ps. The receiver captures it at its first edge at or
  // after t_a, e = phi + ceil((t_a - phi) / p1) * p1, and can use it `stages` cycles later; then
  // VA, SA (+1), switch and ejection channel (+3): ejected at e + (stages + 4) * p1.
  const std::int64_t p1 = 1250;
  const int stages = 2;
  double mean_wait = 0.0;
  for (std::int64_t phi = 0; phi < p1; ++phi) {
    const std::int64_t ta = 15000;
    const std::int64_t e = phi + (ta - phi + p1 - 1) / p1 * p1;
    const std::int64_t expected = e + (stages + 4) * p1 - 10000;
    ASSERT_EQ(crossing_latency(p1, phi, stages), expected) << "phase " << phi;
    mean_wait += static_cast<double>(e - ta) / p1;
  }
  // Over uniformly random phases the wait for the receiver edge averages (p1 - 1) / 2 ps
  // (integer-picosecond phases), so the mean crossing costs (p1 - 1) / 2 + stages * p1.
  EXPECT_NEAR(mean_wait, (p1 - 1) / 2.0, 1e-9);
}

// Flits per reference cycle (1000 ps) delivered by a saturating flow 0 -> 2 on a 1 x 3 array whose
// middle router runs with period `slow`.
double throttled_rate(std::int64_t slow) {
  TestNetwork net(1, 3);
  net.clocks = std::make_unique<ClockDomains>(std::vector<ClockDomain>{{1000, 0}, {slow, 0}}, std::vector<std::uint32_t>{0, 1, 0});
  net.options.router.vc_buf_size = 32;  // cover the credit round trip through two synchronizers
  auto engine = net.engine();
  std::vector<TracePacket> trace;
  for (std::uint64_t c = 0; c < 60000; c += 4) trace.push_back({c, 0, 2, 4});
  engine->set_trace(trace);
  const std::int64_t begin = 10'000'000, end = begin + 40 * slow * 1000;  // whole slow periods
  engine->set_window(begin, end);
  engine->run_until(end);
  return static_cast<double>(engine->stats().flits_ejected_in_window) / ((end - begin) / 1000.0);
}

TEST(Clock, ASlowDomainThrottlesByExactlyItsFrequencyRatio) {
  EXPECT_NEAR(throttled_rate(1000), 1.0, 1e-9);
  EXPECT_NEAR(throttled_rate(2000), 0.5, 1e-4);
  EXPECT_NEAR(throttled_rate(1250), 0.8, 1e-4);
  EXPECT_NEAR(throttled_rate(3000), 1.0 / 3.0, 1e-4);
}

TEST(Clock, SpeedFactorsAreBinnedDownAndDomainsFollowTheMode) {
  mesh::testing::HandMesh hand(4, 4);
  hand.map.set_speed(hand.wafer.id(1, 2), 0.93f);
  hand.map.set_speed(hand.wafer.id(3, 3), 0.71f);
  const mesh::Fabric fabric = hand.fabric();
  ClockSpec spec;
  spec.frequency_ghz = 1.0;
  spec.domains = ClockSpec::Domains::kPerTile;
  spec.bins_ghz = {1.0, 0.9, 0.8};
  const ClockDomains tiles = ClockDomains::build(spec, hand.wafer, hand.map, fabric, 1);
  EXPECT_EQ(tiles.size(), 16u);
  EXPECT_EQ(tiles.domain(tiles.of(fabric.node(0, 0))).period_ps, 1000);
  EXPECT_EQ(tiles.domain(tiles.of(fabric.node(1, 2))).period_ps, 1111);  // 0.93 GHz -> 0.9 bin
  EXPECT_EQ(tiles.domain(tiles.of(fabric.node(3, 3))).period_ps, 1409);  // below every bin: own ceil(1000 / 0.71)
  EXPECT_EQ(tiles.report.unbinned_domains, 1u);
  spec.domains = ClockSpec::Domains::kGlobal;
  const ClockDomains global = ClockDomains::build(spec, hand.wafer, hand.map, fabric, 1);
  EXPECT_EQ(global.size(), 1u);
  EXPECT_EQ(global.domain(0).period_ps, 1409);  // the slowest tile sets a global clock
  spec.random_phase = true;
  spec.domains = ClockSpec::Domains::kPerTile;
  const ClockDomains random = ClockDomains::build(spec, hand.wafer, hand.map, fabric, 7);
  for (std::uint32_t d = 0; d < random.size(); ++d) EXPECT_LT(random.domain(d).phase_ps, random.domain(d).period_ps);
}

TEST(Clock, WorstTreeSkewIsAcrossTheRootSplit) {
  // 8 x 8 tiles of 1 mm: the root splits the 8 mm x 8 mm array; neighbours across that line
  // share only the root, so they see skew_per_mm x (8 + 8) mm.
  mesh::testing::HandMesh hand(8, 8);
  const mesh::Fabric fabric = hand.fabric();
  EXPECT_DOUBLE_EQ(worst_link_skew_ps(hand.wafer, fabric, 1.5), 1.5 * 16.0);
  ClockSpec spec;
  spec.skew_ps_per_mm = 1.5;
  spec.derate_for_skew = true;
  const ClockDomains c = ClockDomains::build(spec, hand.wafer, hand.map, fabric, 1);
  EXPECT_EQ(c.domain(0).period_ps, 1024);
  EXPECT_NEAR(c.report.skew_limited_ghz, 1000.0 / 1024.0, 1e-12);
}

}  // namespace
}  // namespace wafersim::sim
