// Routing at WSE-2 scale (issue 3): on configs/systems/wse2-like.yaml's 924 x 924 array with 1% of
// tiles dead (uniform faults, no repair, so the routing must go around them), one iteration builds
// the routing (up*/down* tree and Duato escape-VC adaptive), proves it deadlock-free on the
// channel-dependency graph (6.8M channel vertices), and measures reachability, hops and stretch
// from 8 sampled destinations (every source). Target: <= 2 s median on one core.
// Counters: routing state and CDG work memory per tile; time per destination of the metrics.
#include <benchmark/benchmark.h>

#include "core/yaml_reader.hpp"
#include "mesh/channel_dependency.hpp"
#include "mesh/route_metrics.hpp"
#include "mesh/system_config.hpp"
#include "mesh/yield_study.hpp"

namespace {

using namespace wafersim::mesh;

SystemConfig wse2_with_dead_tiles(const std::string& algorithm) {
  wafersim::YamlNode node = wafersim::YamlNode::load_file(std::string(WAFERSIM_SOURCE_DIR) + "/configs/systems/wse2-like.yaml");
  YAML::Node raw = YAML::Clone(node.raw());
  raw["defects"] = YAML::Load("{dead_tile_fraction: 0.01}");
  raw["repair"] = YAML::Load("{strategy: none}");
  raw["routing"] = YAML::Load("{algorithm: " + algorithm + "}");
  return SystemConfig::from_yaml(wafersim::YamlNode(raw, "wse2-like.yaml (1% dead, no repair)", ""));
}

void BM_RoutingWse2(benchmark::State& state, const std::string& algorithm) {
  const SystemConfig config = wse2_with_dead_tiles(algorithm);
  const Wafer wafer(config.wafer);
  const WaferSample s = sample_wafer(config, wafer, 1, 0);
  bool free = false;
  double reach = 0;
  std::size_t state_bytes = 0, channels = 0;
  for (auto _ : state) {
    const auto routing = config.routing.build(s.fabric);
    const DeadlockReport report = check_deadlock(*routing);
    RouteMetricsOptions o;
    o.destinations = 8;
    const RouteMetrics m = measure_routing(*routing, o);
    free = report.deadlock_free;
    reach = m.reachability;
    state_bytes = m.state_bytes_per_node;
    channels = report.channels;
  }
  state.counters["tiles"] = static_cast<double>(wafer.site_count());
  state.counters["deadlock_free"] = free;
  state.counters["reachability"] = reach;
  state.counters["state_B_per_tile"] = static_cast<double>(state_bytes);
  state.counters["cdg_channels"] = static_cast<double>(channels);
}
BENCHMARK_CAPTURE(BM_RoutingWse2, duato, std::string("duato"))->Unit(benchmark::kMillisecond)->UseRealTime();
BENCHMARK_CAPTURE(BM_RoutingWse2, up_down, std::string("up_down"))->Unit(benchmark::kMillisecond)->UseRealTime();
BENCHMARK_CAPTURE(BM_RoutingWse2, xy, std::string("xy"))->Unit(benchmark::kMillisecond)->UseRealTime();

// The stages on their own, for duato.
void BM_RoutingStage(benchmark::State& state) {
  const SystemConfig config = wse2_with_dead_tiles("duato");
  const Wafer wafer(config.wafer);
  const WaferSample s = sample_wafer(config, wafer, 1, 0);
  const auto routing = config.routing.build(s.fabric);
  for (auto _ : state) {
    switch (state.range(0)) {
      case 0: benchmark::DoNotOptimize(config.routing.build(s.fabric)); break;
      case 1: benchmark::DoNotOptimize(check_deadlock(*routing)); break;
      case 2: {
        RouteMetricsOptions o;
        o.destinations = 1;
        benchmark::DoNotOptimize(measure_routing(*routing, o));
        break;
      }
    }
  }
  static const char* names[] = {"setup (tree)", "deadlock check (CDG DFS)", "metrics, one destination"};
  state.SetLabel(names[state.range(0)]);
}
BENCHMARK(BM_RoutingStage)->DenseRange(0, 2)->Unit(benchmark::kMillisecond)->UseRealTime();

}  // namespace
