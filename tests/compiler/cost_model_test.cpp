// The analytic (flow-level) cost model against hand-worked timings on a 4 x 4 mesh with XY
// routing and BookSim's router (hop delay 3 cycles, VC buffers of 8 flits, 1-cycle links and
// injection/ejection channels, 1 ns cycles): zero load, a shared link, a shared ejection port,
// and wormhole blocking that reaches back to the source.
#include <gtest/gtest.h>

#include <random>

#include "../sim/sim_test_util.hpp"
#include "compiler/cost_model.hpp"

namespace wafersim::compiler {
namespace {

using sim::testing::TestNetwork;

// inj 1 + (hops + 1) x 3 + hops x 1 + ej 1 + (flits - 1), in cycles.
double zero_load(int hops, int flits) { return 1 + (hops + 1) * 3 + hops + 1 + (flits - 1); }

PlanEstimate estimate(const TestNetwork& net, const sim::Workload& w) {
  return analytic_estimate(w, *net.routing, *net.clocks, net.options, sim::WorkloadRunOptions{});
}

double cycles(double ps) { return ps / 1000.0; }

TEST(CostModel, OneMessageOnAnIdleNetworkTakesTheZeroLoadLatency) {
  TestNetwork net(4, 4);
  sim::Workload w;
  const auto t0 = w.add_task(net.fabric.node(0, 0), 10, {});
  const auto m = w.add_message(net.fabric.node(0, 0), net.fabric.node(0, 3), 64, {t0});  // 4 flits of 16 bytes, 3 hops
  w.add_task(net.fabric.node(0, 3), 20, {m});
  const auto e = estimate(net, w);
  EXPECT_DOUBLE_EQ(cycles(e.end_ps[m]), 10 + zero_load(3, 4));
  EXPECT_DOUBLE_EQ(cycles(e.makespan_ps), 10 + zero_load(3, 4) + 20);
  EXPECT_DOUBLE_EQ(cycles(e.critical_path.compute_ps), 30);
  EXPECT_DOUBLE_EQ(cycles(e.critical_path.on_wafer_ps), zero_load(3, 4));
  EXPECT_DOUBLE_EQ(e.critical_path.waiting_ps, 0);
}

TEST(CostModel, ASharedLinkDelaysTheLaterHead) {
  TestNetwork net(4, 4);
  sim::Workload w;
  // B (0,1) -> (0,3) gets link (0,1)->(0,2) at cycle 4 (inj 1 + hop 3) and holds it 16 cycles. A
  // (0,0) -> (0,3) wants it at cycle 8 and waits until 20: 12 cycles late, everything after it
  // free (B is 4 cycles ahead on each later link, and A's tail follows B's).
  const auto b = w.add_message(net.fabric.node(0, 1), net.fabric.node(0, 3), 256, {});
  const auto a = w.add_message(net.fabric.node(0, 0), net.fabric.node(0, 3), 256, {});
  const auto e = estimate(net, w);
  EXPECT_DOUBLE_EQ(cycles(e.end_ps[b]), zero_load(2, 16));
  EXPECT_DOUBLE_EQ(cycles(e.end_ps[a]), zero_load(3, 16) + 12);
  EXPECT_DOUBLE_EQ(cycles(e.link_busy_max_ps), 32);  // (0,1)->(0,2): B's 16 cycles and A's 16
}

TEST(CostModel, TwoMessagesIntoOneTileShareItsEjectionPort) {
  TestNetwork net(4, 4);
  sim::Workload w;
  // Both 3 hops, no link in common (XY: one along row 0, one up column 3): they reach (0,3)'s
  // ejection port together and the second waits the first's 4 flits.
  const auto a = w.add_message(net.fabric.node(0, 0), net.fabric.node(0, 3), 64, {});
  const auto b = w.add_message(net.fabric.node(3, 3), net.fabric.node(0, 3), 64, {});
  const auto e = estimate(net, w);
  EXPECT_DOUBLE_EQ(cycles(e.end_ps[a]), zero_load(3, 4));
  EXPECT_DOUBLE_EQ(cycles(e.end_ps[b]), zero_load(3, 4) + 4);
}

TEST(CostModel, ABlockedHeadHoldsTheLinksBehindItAndItsSource) {
  TestNetwork net(4, 4);
  sim::Workload w;
  // B: (1,3) -> (0,3), 64 flits, holds (0,3)'s ejection port from cycle 8 to 72.
  // A: (0,0) -> (0,3), 16 flits: its head waits at (0,3) from cycle 16 to 72. Its tail leaves
  //    (0,3)'s ejection at 88; with 8-flit buffers each link behind is held until 8 cycles
  //    earlier than the one after it: (0,2)->(0,3) to 80, (0,1)->(0,2) to 72, (0,0)->(0,1) to 64,
  //    and the source's injection port to 56.
  // C: (0,0) -> (1,0), 4 flits, queued behind A at (0,0): injected at 56, then 1 hop.
  const auto b = w.add_message(net.fabric.node(1, 3), net.fabric.node(0, 3), 1024, {});
  const auto a = w.add_message(net.fabric.node(0, 0), net.fabric.node(0, 3), 256, {});
  const auto c = w.add_message(net.fabric.node(0, 0), net.fabric.node(1, 0), 64, {});
  const auto e = estimate(net, w);
  EXPECT_DOUBLE_EQ(cycles(e.end_ps[b]), zero_load(1, 64));
  EXPECT_DOUBLE_EQ(cycles(e.end_ps[a]), 72 + 1 + 15);
  EXPECT_DOUBLE_EQ(cycles(e.end_ps[c]), 56 + 3 + 1 + 3 + 1 + 3);
  // A's wait is waiting, not on-wafer time, on the critical path (A ends last).
  EXPECT_DOUBLE_EQ(cycles(e.makespan_ps), 88);
  EXPECT_DOUBLE_EQ(cycles(e.critical_path.on_wafer_ps), zero_load(3, 16));
  EXPECT_DOUBLE_EQ(cycles(e.critical_path.waiting_ps), 88 - zero_load(3, 16));
}

// A multicast over the XY tree: one injection, each tree link held once, every member at the
// unicast zero-load latency of its own distance, done at the deepest member's.
TEST(CostModel, AMulticastTakesTheDeepestMembersZeroLoadLatencyAndEachTreeLinkOnce) {
  TestNetwork net(4, 4);
  sim::Workload w;
  const auto& f = net.fabric;
  // From (1, 1) to (1, 3), (0, 0) and (3, 2): 2, 2 and 3 hops; the tree has 2 + 2 + 3 - 1 = 6
  // links ((1,1)->(1,2) is shared by (1,3) and (3,2)'s routes).
  const auto m = w.add_multicast(f.node(1, 1), {f.node(1, 3), f.node(0, 0), f.node(3, 2)}, 64, {});
  const auto e = estimate(net, w);
  EXPECT_DOUBLE_EQ(cycles(e.end_ps[m]), zero_load(3, 4));
  EXPECT_DOUBLE_EQ(cycles(e.critical_path.on_wafer_ps), zero_load(3, 4));
  EXPECT_DOUBLE_EQ(cycles(e.link_busy_max_ps), 4);  // no link carries it twice
  EXPECT_DOUBLE_EQ(e.hops_mean, (2.0 + 2.0 + 3.0) / 3);
  // The same copies as unicasts queue at the source's injection port: the last one leaves two
  // messages (8 flits) later.
  sim::Workload u;
  for (const auto z : {f.node(1, 3), f.node(0, 0), f.node(3, 2)}) u.add_message(f.node(1, 1), z, 64, {});
  EXPECT_DOUBLE_EQ(cycles(estimate(net, u).makespan_ps), 8 + zero_load(3, 4));
}

// Where the routing carries no trees (up_down), a multicast's copies go as unicasts.
TEST(CostModel, AMulticastWithoutTreesIsSentAsUnicasts) {
  TestNetwork net(4, 4, "up_down");
  sim::Workload w, u;
  const auto& f = net.fabric;
  w.add_multicast(f.node(0, 0), {f.node(0, 1), f.node(0, 2), f.node(0, 3)}, 64, {});
  for (const auto z : {f.node(0, 1), f.node(0, 2), f.node(0, 3)}) u.add_message(f.node(0, 0), z, 64, {});
  EXPECT_DOUBLE_EQ(estimate(net, w).makespan_ps, estimate(net, u).makespan_ps);
}

// The lower bound, hand-worked: a tile's tasks back to back; a source's flits one per cycle
// through its injection port, a destination's through its ejection port, each port less the last
// flit's cycle, a multicast leaving its source once; the flits that must cross a cut one way over
// its links; or a chain of dependent items, each message at its zero-load latency over a
// Manhattan route without the links' cycle: inj 1 + (hops + 1) x 3 + ej 1 + (flits - 1).
TEST(CostModel, LowerBoundIsTheBusiestTileCutOrChain) {
  TestNetwork net(4, 4);
  const auto& f = net.fabric;
  const auto bound = [&](const sim::Workload& w) { return cycles(makespan_lower_bound_ps(w, *net.routing, *net.clocks, net.options)); };
  const auto chain = [](int hops, int flits) { return 1 + (hops + 1) * 3 + 1 + (flits - 1); };
  sim::Workload compute;
  compute.add_task(f.node(1, 1), 10, {});
  compute.add_task(f.node(1, 1), 20, {});
  compute.add_task(f.node(2, 2), 25, {});
  EXPECT_DOUBLE_EQ(bound(compute), 30);
  sim::Workload inject;  // 8 messages of 4 flits out of (0,0), half to each neighbour
  for (int k = 0; k < 8; ++k) inject.add_message(f.node(0, 0), k % 2 ? f.node(0, 1) : f.node(1, 0), 64, {});
  EXPECT_DOUBLE_EQ(bound(inject), 32 - 1);
  sim::Workload eject;  // 4 flits into (1,1) from each of six tiles
  for (const auto a : {f.node(0, 1), f.node(1, 0), f.node(1, 2), f.node(2, 1), f.node(0, 0), f.node(2, 2)}) eject.add_message(a, f.node(1, 1), 64, {});
  EXPECT_DOUBLE_EQ(bound(eject), 24 - 1);
  sim::Workload path;  // a task, a 3-hop message of 4 flits after it, a task after that
  const auto t0 = path.add_task(f.node(0, 0), 10, {});
  const auto m = path.add_message(f.node(0, 0), f.node(0, 3), 64, {t0});
  path.add_task(f.node(0, 3), 20, {m});
  EXPECT_DOUBLE_EQ(bound(path), 10 + chain(3, 4) + 20);
  sim::Workload cut;  // 64 flits from each tile of columns 0 and 1 to one of columns 2 and 3: 8 x 64 flits over 4 links
  for (int r = 0; r < 4; ++r)
    for (int c = 0; c < 2; ++c) cut.add_message(f.node(r, c), f.node(3 - r, 3 - c), 1024, {});
  EXPECT_DOUBLE_EQ(bound(cut), 8 * 64 / 4 - 1);
  sim::Workload multicast;  // 8 multicasts of 4 flits from (1,1), to two of its neighbours in turn
  for (int k = 0; k < 8; ++k)
    multicast.add_multicast(f.node(1, 1), k % 2 ? std::vector<std::uint32_t>{f.node(1, 2), f.node(2, 1)} : std::vector<std::uint32_t>{f.node(0, 1), f.node(1, 0)}, 64, {});
  EXPECT_DOUBLE_EQ(bound(multicast), 32 - 1);
}

// The bound never exceeds the model's makespan, on random dependent workloads of tasks,
// messages and multicasts (what lets `auto` skip a candidate on it without changing its pick).
TEST(CostModel, LowerBoundNeverExceedsTheMakespan) {
  TestNetwork net(4, 4);
  std::mt19937_64 rng(7);
  for (int trial = 0; trial < 200; ++trial) {
    sim::Workload w;
    const int items = 5 + static_cast<int>(rng() % 40);
    for (int i = 0; i < items; ++i) {
      std::vector<std::uint32_t> after;
      if (i > 0 && rng() % 2) after.push_back(static_cast<std::uint32_t>(rng() % static_cast<std::uint64_t>(i)));
      const auto tile = [&] { return static_cast<std::uint32_t>(rng() % 16); };
      // Every other trial sends everything from one tile, so that its port binds.
      const auto source = [&] { return trial % 2 ? 5u : tile(); };
      switch (rng() % 3) {
        case 0: w.add_task(tile(), 1 + rng() % 50, after); break;
        case 1: w.add_message(source(), tile(), 1 + rng() % 300, after); break;
        default: w.add_multicast(source(), {tile(), tile(), tile()}, 1 + rng() % 300, after); break;
      }
    }
    EXPECT_LE(makespan_lower_bound_ps(w, *net.routing, *net.clocks, net.options), estimate(net, w).makespan_ps) << "trial " << trial;
  }
}

}  // namespace
}  // namespace wafersim::compiler
