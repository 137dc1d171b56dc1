// Co-simulation speed (Verilated RTL + SystemC + the C++ models): simulated cycles per second of
// wall time for the single-router testbench (RTL router, model router, stimulus, scoreboard) and
// the 4 x 4 mixed mesh (6 RTL routers, 10 model routers, 16 sources and sinks). Each iteration is
// a fresh co-simulation in its own process; the time is the simulation's own (sc_start), without
// the fork and elaboration. Run with --benchmark_repetitions for medians.
#include <benchmark/benchmark.h>

#include "rtl/isolated.hpp"
#include "rtl/mesh_cosim.hpp"
#include "rtl/router_cosim.hpp"

namespace {

void BM_RouterCosim(benchmark::State& state) {
  wafersim::rtl::RouterCosimOptions o;
  o.config = "booksim";
  o.cycles = static_cast<std::uint64_t>(state.range(0));
  double cycles = 0, secs = 0;
  for (auto _ : state) {
    const auto r = wafersim::rtl::run_isolated([&] { return wafersim::rtl::run_router_cosim(o); });
    if (!r["pass"].get<bool>()) state.SkipWithError("router co-simulation failed");
    state.SetIterationTime(r["seconds"].get<double>());
    cycles += static_cast<double>(r["cycles"].get<std::uint64_t>());
    secs += r["seconds"].get<double>();
  }
  state.counters["cycles_per_s"] = cycles / secs;
}
BENCHMARK(BM_RouterCosim)->Arg(200000)->UseManualTime()->Unit(benchmark::kMillisecond);

void BM_MixedMeshCosim(benchmark::State& state) {
  wafersim::rtl::MeshCosimOptions o;
  o.traffic_cycles = static_cast<std::uint64_t>(state.range(0));
  o.rate = 0.15;
  double cycles = 0, secs = 0, rtl_routers = 0;
  for (auto _ : state) {
    const auto r = wafersim::rtl::run_isolated([&] { return wafersim::rtl::run_mesh_cosim(o); });
    if (!r["pass"].get<bool>()) state.SkipWithError("mesh co-simulation failed");
    state.SetIterationTime(r["seconds"].get<double>());
    cycles += static_cast<double>(r["cycles"].get<std::uint64_t>());
    secs += r["seconds"].get<double>();
    rtl_routers = static_cast<double>(r["rtl_nodes"].size());
  }
  state.counters["cycles_per_s"] = cycles / secs;
  state.counters["rtl_routers"] = rtl_routers;
}
BENCHMARK(BM_MixedMeshCosim)->Arg(20000)->UseManualTime()->Unit(benchmark::kMillisecond);

}  // namespace
