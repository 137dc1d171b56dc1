// The cycle engine's speed (issue 4): uniform random traffic on fault-free k x k meshes with the
// router of configs/noc/booksim-like.yaml (2 VCs x 8-flit buffers, input speedup 2, iSLIP, 1-flit
// packets), at 0.01 and 0.05 flits/node/cycle, one core. Each iteration first warms the network
// up (untimed: 3 x the zero-load latency of the farthest pair, at least 2000 cycles) and then
// times a run of `cycles`. Counter: router-cycles per second (routers x cycles / wall time).
// Targets: >= 20e6 on 8 x 8 at 0.05, >= 5e6 on 32 x 32 at 0.05 (one thread). The threads = 2 rows
// show the partitioned engine (bands of rows, identical results) on two cores. (256 x 256 at 0.05
// is past its saturation, ~4/256 = 0.016: the figure is for a full network.)
// The WSE-2-scale run (~850k routers, 10,000 cycles at 0.01) is a command, not a benchmark:
//   /usr/bin/time -v ./build/wafersim noc configs/noc/wse2-uniform.yaml --cycles 10000 --out out/wse2
// (README, "Performance", has its figures).
#include <benchmark/benchmark.h>

#include <algorithm>

#include "core/yaml_reader.hpp"
#include "mesh/routing.hpp"
#include "mesh/system_config.hpp"
#include "mesh/yield_study.hpp"
#include "sim/engine.hpp"

namespace {

using namespace wafersim;

mesh::SystemConfig mesh_config(int k) {
  const std::string yaml = "wafer:\n  tile: {width_mm: 0.5, height_mm: 0.5}\n  placement: rectangle\n  edge_exclusion_mm: 0\n  rows: " +
                           std::to_string(k) + "\n  cols: " + std::to_string(k) +
                           "\ndefects: {dead_tile_fraction: 0}\nrepair: {strategy: none}\nrouting: {algorithm: xy}\n";
  return mesh::SystemConfig::from_yaml(YamlNode::parse(yaml, "bench-mesh.yaml"));
}

void BM_Noc(benchmark::State& state) {
  const int k = static_cast<int>(state.range(0));
  const double rate = static_cast<double>(state.range(1)) / 100.0;
  const auto cycles = static_cast<std::int64_t>(state.range(2));
  const int threads = static_cast<int>(state.range(3));
  const mesh::SystemConfig config = mesh_config(k);
  const mesh::Wafer wafer(config.wafer);
  const mesh::WaferSample s = mesh::sample_wafer(config, wafer, 1, 0);
  const auto routing = config.routing.build(s.fabric);
  const sim::ClockDomains clocks = sim::ClockDomains::single(s.fabric.nodes(), 1000);
  const sim::TrafficContext ctx = sim::TrafficContext::build(s.fabric);
  sim::EngineOptions opt;
  opt.router.num_vcs = 2;
  opt.router.vc_buf_size = 8;
  opt.router.input_speedup = 2;
  opt.router.sw_allocator = "islip";
  opt.threads = threads;
  sim::TrafficSpec traffic;
  traffic.rate = rate;
  traffic.packet_size = 1;
  traffic.node = YamlNode::parse("pattern: uniform", "bench");
  // Long enough for the farthest packets to arrive (capped: a 256 x 256 warm-up is costly).
  const std::int64_t warmup =
      std::clamp<std::int64_t>(static_cast<std::int64_t>(3 * sim::Engine::zero_load_latency(opt.router, opt.channels, 2 * (k - 1), 1)), 2000, 4000);
  double moved = 0;
  for (auto _ : state) {
    state.PauseTiming();
    sim::Engine engine(s.fabric, *routing, clocks, opt);
    engine.set_traffic(traffic, ctx);
    engine.run_until(warmup * 1000);
    const auto before = engine.stats().flits_moved;
    state.ResumeTiming();
    engine.run_until((warmup + cycles) * 1000);
    state.PauseTiming();
    moved = static_cast<double>(engine.stats().flits_moved - before);
    state.ResumeTiming();
  }
  const double router_cycles = static_cast<double>(k) * k * cycles;
  state.counters["router_cycles_per_s"] = benchmark::Counter(router_cycles * state.iterations(), benchmark::Counter::kIsRate);
  state.counters["flit_hops_per_router_cycle"] = moved / router_cycles;
}

BENCHMARK(BM_Noc)
    ->ArgNames({"k", "rate_pct", "cycles", "threads"})
    ->Args({8, 1, 200000, 1})
    ->Args({8, 5, 200000, 1})
    ->Args({32, 1, 20000, 1})
    ->Args({32, 5, 20000, 1})
    ->Args({32, 5, 20000, 2})
    ->Unit(benchmark::kMillisecond)
    ->UseRealTime()
    ->Iterations(1)
    ->Repetitions(5)
    ->ReportAggregatesOnly(true);
BENCHMARK(BM_Noc)
    ->ArgNames({"k", "rate_pct", "cycles", "threads"})
    ->Args({256, 1, 1000, 1})
    ->Args({256, 5, 1000, 1})
    ->Args({256, 1, 1000, 2})
    ->Args({256, 5, 1000, 2})
    ->Unit(benchmark::kMillisecond)
    ->UseRealTime()
    ->Iterations(1)
    ->Repetitions(3)
    ->ReportAggregatesOnly(true);

}  // namespace
