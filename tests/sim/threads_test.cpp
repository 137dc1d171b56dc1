// The engine split over threads (bands of rows, mail between them at each step) gives exactly the
// single-threaded result: every counter, every histogram bin, every link count and every delivery.
#include <gtest/gtest.h>

#include "../common/little_memory.hpp"
#include "core/input_error.hpp"
#include "sim/engine.hpp"
#include "sim_test_util.hpp"

namespace wafersim::sim {
namespace {

using testing::TestNetwork;

struct Outcome {
  Stats stats;
  std::vector<Delivery> deliveries;
  std::uint64_t in_network = 0, packets_live = 0;
};

// Runs in chunks (so the threads stop and restart many times), with a measurement window.
Outcome run(TestNetwork& net, int threads, const TrafficSpec& traffic, std::int64_t cycles) {
  net.options.threads = threads;
  net.options.record_deliveries = true;
  auto engine = net.engine();
  engine->set_traffic(traffic, net.ctx);
  engine->set_window(cycles / 4 * 1000, cycles / 2 * 1000);
  for (std::int64_t c = 0; c < cycles; c += 997) engine->run_until(std::min(c + 997, cycles) * 1000);
  return {engine->stats(), engine->deliveries(), engine->flits_in_network(), engine->packets_in_flight()};
}

void expect_same(const Outcome& a, const Outcome& b, int threads) {
  SCOPED_TRACE("threads " + std::to_string(threads));
  const Stats &x = a.stats, &y = b.stats;
  EXPECT_GT(x.flits_moved, 0u);
  EXPECT_EQ(x.packets_created, y.packets_created);
  EXPECT_EQ(x.packets_suppressed, y.packets_suppressed);
  EXPECT_EQ(x.packets_measured, y.packets_measured);
  EXPECT_EQ(x.packets_measured_done, y.packets_measured_done);
  EXPECT_EQ(x.latency_sum_ps, y.latency_sum_ps);
  EXPECT_EQ(x.network_latency_sum_ps, y.network_latency_sum_ps);
  EXPECT_EQ(x.hops_sum, y.hops_sum);
  EXPECT_EQ(x.max_latency_ps, y.max_latency_ps);
  EXPECT_EQ(x.latency_cycles.bins(), y.latency_cycles.bins());
  EXPECT_EQ(x.flits_offered_in_window, y.flits_offered_in_window);
  EXPECT_EQ(x.flits_ejected_in_window, y.flits_ejected_in_window);
  EXPECT_EQ(x.flits_injected, y.flits_injected);
  EXPECT_EQ(x.flits_ejected, y.flits_ejected);
  EXPECT_EQ(x.flits_moved, y.flits_moved);
  EXPECT_EQ(x.link_flits, y.link_flits);
  EXPECT_EQ(x.domain_flits_in, y.domain_flits_in);
  EXPECT_EQ(x.domain_flits_out, y.domain_flits_out);
  EXPECT_EQ(x.domain_credits_in, y.domain_credits_in);
  EXPECT_EQ(x.domain_credits_out, y.domain_credits_out);
  EXPECT_EQ(a.in_network, b.in_network);
  EXPECT_EQ(a.packets_live, b.packets_live);
  ASSERT_EQ(a.deliveries.size(), b.deliveries.size());
  for (std::size_t i = 0; i < a.deliveries.size(); ++i) {
    const Delivery &p = a.deliveries[i], &q = b.deliveries[i];
    ASSERT_TRUE(p.src == q.src && p.dst == q.dst && p.seq == q.seq && p.created_ps == q.created_ps && p.ejected_ps == q.ejected_ps &&
                p.hops == q.hops && p.flits == q.flits)
        << "delivery " << i;
  }
}

TEST(EngineThreads, OneClockXyNearSaturationIsIdenticalForAnyThreadCount) {
  TestNetwork net(8, 8);
  const TrafficSpec t = testing::traffic("uniform", 0.35, 4);
  const Outcome one = run(net, 1, t, 12000);
  for (const int threads : {2, 3, 4, 8}) expect_same(one, run(net, threads, t, 12000), threads);
}

TEST(EngineThreads, ManyClocksAndAdaptiveRoutingOnAFaultyFabricAreIdenticalForAnyThreadCount) {
  // Per-tile clocks of different periods and phases (every hop crosses domains), duato routing
  // around dead tiles, bursty sources, multi-flit packets.
  TestNetwork net(9, 7, "duato", {{2, 2}, {5, 4}, {6, 1}});
  std::vector<ClockDomain> domains;
  std::vector<std::uint32_t> of;
  for (std::uint32_t n = 0; n < net.fabric.nodes(); ++n) {
    domains.push_back({900 + static_cast<std::int64_t>((n * 37) % 300), static_cast<std::int64_t>((n * 101) % 700)});
    of.push_back(n);
  }
  net.clocks = std::make_unique<ClockDomains>(domains, of);
  TrafficSpec t = testing::traffic("uniform", 0.3, 3);
  t.injection = TrafficSpec::Injection::kBursty;
  t.burst_length = 8;
  t.on_rate = 0.6;
  const Outcome one = run(net, 1, t, 3000);
  EXPECT_GT(one.stats.domain_flits_in[10], 0u);
  for (const int threads : {2, 4}) expect_same(one, run(net, threads, t, 3000), threads);
}

TEST(EngineThreads, AnErrorInAnyThreadReachesTheCaller) {
  // Cycle stamps are 32-bit: a packet created past ~4.2e9 cycles throws in the thread stepping its
  // source (the last band here), after the engine has skipped the idle cycles before it.
  TestNetwork net(4, 4);
  net.options.threads = 4;
  auto engine = net.engine();
  engine->set_trace({{5, 0, 15, 2}, {7, 15, 0, 2}, {4'290'000'000, 15, 0, 1}});
  engine->run_until(1000 * 1000);
  EXPECT_EQ(engine->stats().flits_ejected, 4u);
  EXPECT_THROW(engine->run_until(std::int64_t{4'300'000'000} * 1000), std::runtime_error);
}

TEST(EngineThreads, ThreadCountIsChecked) {
  TestNetwork net(4, 4);
  net.options.threads = 0;
  EXPECT_THROW(net.engine(), InputError);
  net.options.threads = 65;
  EXPECT_THROW(net.engine(), InputError);
  net.options.threads = 16;  // more than rows: one band per row
  auto engine = net.engine();
  engine->set_traffic(testing::traffic("uniform", 0.1, 1), net.ctx);
  engine->run_until(2000 * 1000);
  EXPECT_GT(engine->stats().flits_ejected, 0u);
}

#if !defined(WAFERSIM_SANITIZED)
// An engine that cannot start its threads says so, after ending the ones it started (they wait
// at the start barrier for the full team, and used to keep the process from ever ending).
TEST(EngineThreads, FailingToStartThemIsAClearError) {
  TestNetwork net(64, 4);
  net.options.threads = 64;
  const int code = wafersim::testing::in_child_with_little_memory(std::size_t{160} << 20, [&] {
    try {
      auto engine = net.engine();
      return 1;  // started them all: the limit did not bite
    } catch (const InputError& e) {
      return std::string(e.what()).find("cannot start 64 engine threads") != std::string::npos ? 0 : 2;
    }
  });
  EXPECT_EQ(code, 0);
}
#endif

// The CLI runs only threads that pay: one per kRoutersPerThread routers, and no more than CPUs.
TEST(EngineThreads, OnlyThreadsThatPayAreUsed) {
  EXPECT_EQ(Engine::useful_threads(8, 64, 2), 1);  // 8 x 8: ran 40x slower with 8 threads on 2 CPUs
  EXPECT_EQ(Engine::useful_threads(2, 1024, 16), 1);
  EXPECT_EQ(Engine::useful_threads(4, 5000, 16), 2);
  EXPECT_EQ(Engine::useful_threads(8, 840000, 2), 2);
  EXPECT_EQ(Engine::useful_threads(8, 840000, 64), 8);
  EXPECT_EQ(Engine::useful_threads(0, 840000, 64), 1);
}

}  // namespace
}  // namespace wafersim::sim
