// The workload runner against hand-worked timings: a tile runs one task at a time, a message takes
// the zero-load latency of docs/noc.md on an empty network, an off-wafer message adds bytes /
// bandwidth + latency, and a chain's critical path adds up.
#include <gtest/gtest.h>

#include "sim/workload_run.hpp"
#include "sim_test_util.hpp"

namespace wafersim::sim {
namespace {

using testing::TestNetwork;

WorkloadResult run(TestNetwork& net, const Workload& w, WorkloadRunOptions o = {}) {
  net.options.record_deliveries = true;
  auto e = net.engine();
  e->set_trace({});
  return run_workload(*e, net.fabric, *net.clocks, w, net.options, o);
}

// Zero-load latency of a packet, hand-worked for the booksim router (hop delay 3: VA, SA, ST) and
// 1-cycle links/injection/ejection: inj 1 + (hops + 1) x 3 + hops x 1 + ej 1 + (flits - 1).
std::int64_t zero_load_cycles(int hops, int flits) { return 1 + (hops + 1) * 3 + hops + 1 + (flits - 1); }

TEST(Workload, TasksOnOneTileRunOneAtATime) {
  TestNetwork net(4, 4);
  Workload w;
  w.add_task(5, 100, {});
  w.add_task(5, 50, {});
  w.add_task(6, 70, {});
  const auto r = run(net, w);
  EXPECT_EQ(r.makespan_ps, 150'000);
  EXPECT_EQ(r.timing[0].start_ps, 0);
  EXPECT_EQ(r.timing[1].start_ps, 100'000);
  EXPECT_EQ(r.timing[2].end_ps, 70'000);
  EXPECT_DOUBLE_EQ(r.tile_busy_ps, 220'000);
}

TEST(Workload, MessageTakesTheZeroLoadLatency) {
  TestNetwork net(4, 4);
  Workload w;
  // (0,0) -> (0,3): 3 hops, 64 bytes = 4 flits of 16 bytes in one packet.
  const auto t0 = w.add_task(net.fabric.node(0, 0), 10, {});
  const auto m = w.add_message(net.fabric.node(0, 0), net.fabric.node(0, 3), 64, {t0});
  w.add_task(net.fabric.node(0, 3), 20, {m});
  const auto r = run(net, w);
  EXPECT_EQ(r.timing[m].hops, 3u);
  EXPECT_EQ(r.timing[m].end_ps - r.timing[m].ready_ps, zero_load_cycles(3, 4) * 1000);
  EXPECT_EQ(r.makespan_ps, (10 + zero_load_cycles(3, 4) + 20) * 1000);
  // The whole run is on the critical path: 30 cycles of compute, the message's zero-load time.
  EXPECT_DOUBLE_EQ(r.critical_path.compute_ps, 30'000);
  EXPECT_DOUBLE_EQ(r.critical_path.on_wafer_ps, zero_load_cycles(3, 4) * 1000.0);
  EXPECT_DOUBLE_EQ(r.critical_path.waiting_ps, 0);
  EXPECT_EQ(r.flits, 4u);
}

TEST(Workload, LongMessagesAreCutIntoPackets) {
  TestNetwork net(4, 4);
  Workload w;
  // 100 flits in packets of at most 16: 7 packets; one source serializes them at one flit a cycle,
  // so the tail arrives (flits - 1) cycles after a one-flit packet would.
  const auto m = w.add_message(net.fabric.node(1, 0), net.fabric.node(1, 2), 1600, {});
  const auto r = run(net, w);
  EXPECT_EQ(r.packets, 7u);
  EXPECT_EQ(r.flits, 100u);
  EXPECT_EQ(r.timing[m].end_ps, zero_load_cycles(2, 100) * 1000);
}

TEST(Workload, OffWaferMessagesQueueForTheEdgeChannel) {
  TestNetwork net(4, 4);
  Workload w;
  WorkloadRunOptions o;
  o.io_bytes_per_ps_per_side = 0.016;  // 16 GB/s: 16 bytes per 1 ns cycle
  o.io_latency_ps = 5000;
  // Two 1600-byte loads through the west edge at (2,0): each 100 ns on the channel, one after the
  // other; then 1 hop to (2,1) as 100 flits.
  const auto a = w.add_offwafer(kOffWafer, net.fabric.node(2, 1), net.fabric.node(2, 0), 1600, {});
  const auto b = w.add_offwafer(kOffWafer, net.fabric.node(2, 0), net.fabric.node(2, 0), 1600, {});
  const auto r = run(net, w, o);
  EXPECT_EQ(r.timing[a].end_ps, 100'000 + 5000 + zero_load_cycles(1, 100) * 1000);
  EXPECT_EQ(r.timing[b].end_ps, 200'000 + 5000);  // waited for a; already at its edge tile
  EXPECT_EQ(w.off_wafer_bytes(), 3200u);
  EXPECT_EQ(w.on_wafer_bytes(), 1600u);
}

TEST(Workload, ContentionShowsAsWaiting) {
  TestNetwork net(4, 4);
  Workload w;
  // Eight sources send 64 flits each into one sink: its ejection port is the bottleneck.
  std::vector<std::uint32_t> msgs;
  for (int c = 0; c < 4; ++c)
    for (int r : {0, 2}) msgs.push_back(w.add_message(net.fabric.node(r, c), net.fabric.node(1, 1), 1024, {}));
  w.add_task(net.fabric.node(1, 1), 1, msgs);
  const auto r = run(net, w);
  EXPECT_GE(r.makespan_ps, 8 * 64 * 1000);  // 512 flits through one ejection port
  EXPECT_GT(r.critical_path.waiting_ps, 0.5 * static_cast<double>(r.makespan_ps));
}

TEST(Workload, DependenciesMustComeFirstAndTilesMustWork) {
  TestNetwork net(4, 4, "xy", {{1, 1}});
  Workload w;
  w.add_task(0, 1, {1});
  EXPECT_THROW(w.validate(net.fabric), std::invalid_argument);
  Workload w2;
  w2.add_task(net.fabric.node(1, 1), 1, {});
  EXPECT_THROW(w2.validate(net.fabric), std::invalid_argument);
}

TEST(Workload, QuantumBoundsTheError) {
  TestNetwork net(4, 4);
  Workload w;
  std::uint32_t prev = w.add_task(0, 3, {});
  for (int i = 0; i < 10; ++i) {
    const auto m = w.add_message(i % 2 ? 15 : 0, i % 2 ? 0 : 15, 32, {prev});
    prev = w.add_task(i % 2 ? 0 : 15, 3, {m});
  }
  const auto exact = run(net, w);
  WorkloadRunOptions coarse;
  coarse.quantum_cycles = 8;
  const auto r8 = run(net, w, coarse);
  EXPECT_GE(r8.makespan_ps, exact.makespan_ps);
  EXPECT_LE(r8.makespan_ps, exact.makespan_ps + 10 * 8 * 1000);
  // Exact: 11 tasks of 3 cycles, 10 messages of 6 hops and 2 flits back to back.
  EXPECT_EQ(exact.makespan_ps, (11 * 3 + 10 * zero_load_cycles(6, 2)) * 1000);
}

}  // namespace
}  // namespace wafersim::sim
