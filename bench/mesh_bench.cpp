// Full-wafer sampling at WSE-2 scale: one iteration draws a defect map for configs/systems/
// wse2-like.yaml (853,776 tiles), repairs it with spare rows, and measures the fabric
// (components, reachable pairs, stretch from 16 sources). Target (issue 2): <= 250 ms median on
// one core, <= 64 bytes per tile for map plus fabric.
//
//   make bench        (5 repetitions, median reported)
// Counters: tiles, ms per wafer (median in the aggregate rows), bytes per tile of the defect map
// and the fabric, and of the metric pass's graph and work arrays (transient).
// Run with --benchmark_filter=Stage to see the time of each stage.
#include <benchmark/benchmark.h>
#include <fmt/format.h>

#include <chrono>

#include "mesh/defect_sampler.hpp"
#include "mesh/fabric_metrics.hpp"
#include "mesh/system_config.hpp"
#include "mesh/yield_study.hpp"

namespace {

using namespace wafersim::mesh;

const SystemConfig& wse2() {
  static const SystemConfig c = SystemConfig::load(std::string(WAFERSIM_SOURCE_DIR) + "/configs/systems/wse2-like.yaml");
  return c;
}

void BM_FullWaferSampleWse2(benchmark::State& state) {
  const SystemConfig& config = wse2();
  const Wafer wafer(config.wafer);
  std::uint64_t seed = 1;
  double map_bytes = 0, fabric_bytes = 0, graph_bytes = 0;
  for (auto _ : state) {
    WaferSample s = sample_wafer(config, wafer, seed++, 16);
    benchmark::DoNotOptimize(s.metrics.stretch_mean);
    map_bytes = static_cast<double>(s.map.memory_bytes());
    fabric_bytes = static_cast<double>(s.fabric.memory_bytes());
    graph_bytes = static_cast<double>(s.metrics.graph_bytes);
  }
  const double tiles = static_cast<double>(wafer.site_count());
  state.counters["tiles"] = tiles;
  state.counters["map_B_per_tile"] = map_bytes / tiles;
  state.counters["fabric_B_per_tile"] = fabric_bytes / tiles;
  state.counters["map+fabric_B_per_tile"] = (map_bytes + fabric_bytes) / tiles;
  state.counters["graph_B_per_tile"] = graph_bytes / tiles;
}
BENCHMARK(BM_FullWaferSampleWse2)->Unit(benchmark::kMillisecond)->UseRealTime();

// The stages on their own, to see where the time goes.
void BM_Stage(benchmark::State& state) {
  const SystemConfig& config = wse2();
  const Wafer wafer(config.wafer);
  const DefectMap map = sample_defects(wafer, config.defects, 1);
  const Fabric fabric = config.repair.impl->repair(wafer, map);
  for (auto _ : state) {
    switch (state.range(0)) {
      case 0: benchmark::DoNotOptimize(sample_defects(wafer, config.defects, 2)); break;
      case 1: benchmark::DoNotOptimize(config.repair.impl->repair(wafer, map)); break;
      case 2: benchmark::DoNotOptimize(measure_fabric(fabric, 0, 1)); break;
      case 3: benchmark::DoNotOptimize(measure_fabric(fabric, 16, 1)); break;
    }
  }
  static const char* names[] = {"defects", "repair", "graph+components", "graph+components+stretch16"};
  state.SetLabel(names[state.range(0)]);
}
BENCHMARK(BM_Stage)->DenseRange(0, 3)->Unit(benchmark::kMillisecond)->UseRealTime();

}  // namespace
