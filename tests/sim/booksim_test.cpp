// configs/noc/booksim-like.yaml against BookSim2's input-queued router, cycle for cycle at zero
// load. BookSim2 (iq router, routing_delay 0, vc_alloc_delay 1, sw_alloc_delay 1,
// st_prepare_delay 0, st_final_delay 1, channels of latency 1) reports a packet latency
// (creation to tail ejection) of
//   4 D + 6 + (F - 1)
// for D router-to-router hops and F flits, and 6 for a packet to its own tile: the generation
// cycle (the source writes the flit into its injection channel in the cycle it creates it), the
// injection channel, VA, SA and ST in each of the D + 1 routers, D links, the ejection channel.
// The table in docs/noc.md ("Side by side with BookSim2") maps each of these onto the config.
// The formula is written out here from BookSim's pipeline, not from the config's keys, so the test
// fails if the config (or the engine) drifts from BookSim by a cycle anywhere on the path.
#include <gtest/gtest.h>

#include <cstdlib>
#include <string>
#include <vector>

#include "sim/engine.hpp"
#include "sim/noc_config.hpp"
#include "sim/noc_run.hpp"

namespace wafersim::sim {
namespace {

std::int64_t booksim_latency(int hops, int flits) { return 4 * hops + 6 + (flits - 1); }

NocConfig booksim_like() { return NocConfig::load(std::string(WAFERSIM_SOURCE_DIR) + "/configs/noc/booksim-like.yaml"); }

EngineOptions options_of(const NocConfig& c) {
  EngineOptions o;
  o.router = c.router;
  o.channels = c.channels;
  o.synchronizer_stages = c.clock.synchronizer_stages;
  o.seed = c.seed;
  o.check_invariants = true;
  o.record_deliveries = true;
  return o;
}

TEST(BookSim, FormulaIsHandWorked) {
  // 3 hops, 1 flit: generation 1 + injection channel 1 + 4 routers x (VA 1 + SA 1 + ST 1)
  // + 3 links x 1 + ejection channel 1 = 18; to itself: 1 + 1 + 3 + 1 = 6.
  EXPECT_EQ(booksim_latency(3, 1), 18);
  EXPECT_EQ(booksim_latency(0, 1), 6);
}

// Single packets, one at a time, on the config's 8 x 8 mesh: from (0, 0) to tiles at every
// distance 0..14, from an inner tile to its own tile and its neighbours, of 1, 2, 4 and 9 flits.
TEST(BookSim, SinglePacketLatencyIsBookSimsAtEveryDistanceAndSize) {
  const NocConfig config = booksim_like();
  const NocNetwork net(config);
  const mesh::Fabric& f = net.sample.fabric;
  ASSERT_EQ(f.rows(), 8);
  ASSERT_EQ(f.cols(), 8);
  std::vector<std::pair<std::uint32_t, std::uint32_t>> pairs;
  for (int d = 0; d <= 14; ++d) pairs.emplace_back(f.node(0, 0), f.node(d / 2, d - d / 2));
  const std::uint32_t inner = f.node(3, 4);
  for (std::uint32_t m : {inner, f.node(2, 4), f.node(4, 4), f.node(3, 3), f.node(3, 5), f.node(7, 0)}) pairs.emplace_back(inner, m);
  for (int flits : {1, 2, 4, 9}) {
    Engine engine(f, *net.routing, *net.clocks, options_of(config));
    std::vector<TracePacket> trace;
    std::uint64_t cycle = 5;
    for (auto [s, d] : pairs) {
      trace.push_back({cycle, s, d, static_cast<std::uint32_t>(flits)});
      cycle += 200;  // far apart: no packet ever meets another
    }
    engine.set_trace(trace);
    const std::int64_t P = engine.reference_period_ps();
    engine.run_until(static_cast<std::int64_t>(cycle + 1000) * P);
    ASSERT_EQ(engine.deliveries().size(), trace.size()) << flits << " flits";
    for (const Delivery& d : engine.deliveries()) {
      const int hops = std::abs(f.row_of(d.src) - f.row_of(d.dst)) + std::abs(f.col_of(d.src) - f.col_of(d.dst));
      EXPECT_EQ(d.hops, static_cast<std::uint32_t>(hops));
      EXPECT_EQ((d.ejected_ps - d.created_ps) % P, 0);
      EXPECT_EQ((d.ejected_ps - d.created_ps) / P, booksim_latency(hops, flits)) << "D=" << hops << " F=" << flits;
    }
  }
}

// The config as `wafersim noc` runs it (Bernoulli uniform traffic, warm-up, window, drain) at a
// very low load: every packet takes at least BookSim's zero-load latency at its distance, so the
// mean is at least 4 x mean hops + 6 + (F - 1), and at this load it is hardly more. Packet and
// network latency coincide at zero load in both simulators (BookSim's itime is the cycle the
// head is written into the injection channel, our `injected` the cycle the source sends it).
TEST(BookSim, LowLoadMeanLatencyIsBookSimsZeroLoadAtTheMeanDistance) {
  NocConfig config = booksim_like();
  const NocNetwork net(config);
  for (int flits : {1, 4}) {
    TrafficSpec t = config.traffic;
    t.packet_size = flits;
    t.rate = 0.002 * flits;
    const NocResult r = run_noc(net, config, t);
    ASSERT_EQ(r.status, "ok") << r.status_detail;
    ASSERT_GT(r.packets_delivered, 500u);
    const double zero_load = 4 * r.hops_mean + 6 + (flits - 1);
    EXPECT_GE(r.latency_mean, zero_load - 1e-9) << flits << " flits";
    EXPECT_LT(r.latency_mean, zero_load + 0.25) << flits << " flits";
    EXPECT_GE(r.network_latency_mean, zero_load - 1e-9) << flits << " flits";
    EXPECT_NEAR(r.zero_load_latency, zero_load, 1e-9) << "the engine's formula for the report";
  }
}

}  // namespace
}  // namespace wafersim::sim
