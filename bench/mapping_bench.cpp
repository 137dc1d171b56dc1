// Mesh-native mappings against the silicon's bounds (issue 17), in the cycle engine and the cost
// model, printed as achieved / bound per resource:
// - the largest bf16 matmul whose Cannon blocks fit in a tiny-3nm tile's SRAM (two buffers of A
//   and B in bf16 and C in fp32: 12 b^2 bytes <= 512 KiB, b = 208), on a clean 32 x 32 window:
//   target >= 60% of the tile-compute roofline in the engine;
// - the GPT-4 representative layer (forward and backward, the estimate's calibration with
//   --simulate-layer): target >= 30% of the roofline in the engine and the cost model, which agree
//   within 15%.
// Minutes in all; run once (--benchmark_repetitions=1). Counters: roofline fractions and ratios.
#include <benchmark/benchmark.h>
#include <fmt/format.h>

#include <cmath>

#include "compiler/cost_model.hpp"
#include "compiler/plan_builder.hpp"
#include "compiler/silicon_bounds.hpp"
#include "compiler/wafer_estimate.hpp"
#include "core/yaml_reader.hpp"
#include "mesh/repair.hpp"
#include "sim/noc_run.hpp"
#include "sim/workload_run.hpp"

namespace {

using namespace wafersim;

const std::string kRoot = WAFERSIM_SOURCE_DIR;

void print(const compiler::SiliconBounds& b, const std::string& what) {
  fmt::print("{}:\n", what);
  for (const auto& line : b.lines()) fmt::print("  {}\n", line);
}

void BM_LargeCannonMatmulOn32x32Window(benchmark::State& state) {
  compiler::WaferSystem win = compiler::WaferSystem::load(kRoot + "/configs/systems/tiny-3nm.yaml");
  win.mesh.wafer.placement = mesh::Placement::kRectangle;
  win.mesh.wafer.rows = win.mesh.wafer.cols = 32;
  win.mesh.repair = mesh::RepairSpec::from_yaml(YamlNode::parse("{strategy: none}", "window"), win.mesh.wafer);
  sim::NocConfig noc;
  noc.name = "tiny-3nm-window";
  noc.system = win.mesh;
  noc.system.defects = mesh::DefectSpec{};
  noc.system.defects.dead_tile_fraction = 0;
  noc.seed = 1;
  noc.router = win.router;
  noc.channels = win.channels;
  noc.clock = win.clock;
  const sim::NocNetwork net(noc);
  const mesh::Fabric& f = net.sample.fabric;
  const std::int64_t b = 208, n = 32 * b;
  compiler::Plan plan;
  compiler::TileGrid g;
  g.pr = g.pc = 32;
  for (std::uint32_t t = 0; t < f.nodes(); ++t)
    if (f.endpoint(t) && f.router_alive(t)) g.tiles.push_back(t);
  compiler::PlanBuilder pb(plan, win.compute, 2.0, false);
  std::vector<compiler::Piece> a;
  for (int i = 0; i < 32; ++i)
    for (int j = 0; j < 32; ++j)
      a.push_back({g.at(i, j), compiler::Slice{0, i * b, (i + 1) * b, j * b, (j + 1) * b}, {}});
  pb.cannon(g, n, n, n, 0, 1, 2, a, compiler::PlanBuilder::CannonB::kResident, {}, compiler::Deps(g.size()), -1);
  plan.regions.push_back(compiler::Region{"window", 0, 0, 32, 32, g, {}, 0, 0});
  plan.sram_max_bytes = 12.0 * b * b;
  sim::EngineOptions eo;
  eo.router = win.router;
  eo.channels = win.channels;
  eo.record_deliveries = true;
  sim::WorkloadRunOptions ro;
  ro.max_packet_flits = win.packet_flits;
  const auto model = compiler::analytic_estimate(plan.workload, *net.routing, *net.clocks, eo, ro);
  double engine_ps = 0;
  for (auto _ : state) {
    sim::Engine e(f, *net.routing, *net.clocks, eo);
    e.set_trace({});
    engine_ps = static_cast<double>(sim::run_workload(e, f, *net.clocks, plan.workload, eo, ro).makespan_ps);
  }
  compiler::PlanWork work;
  work.matmul_flops = 2.0 * std::pow(static_cast<double>(n), 3);
  work.matmul_words_bytes_per_region = {compiler::matmul_words_lower_bound(n, n, n, 1024) * 2.0};
  const auto eb = compiler::plan_bounds(work, plan, win, f, *net.clocks, engine_ps);
  const auto mb = compiler::plan_bounds(work, plan, win, f, *net.clocks, model.makespan_ps);
  print(eb, fmt::format("Cannon {} x {} x {} bf16 on a clean 32 x 32 tiny-3nm window, cycle engine", n, n, n));
  fmt::print("  cost model {:.4g} ms; engine / model {:.3f}\n", model.makespan_ps * 1e-9, engine_ps / model.makespan_ps);
  state.counters["engine_of_roofline"] = eb.bounds[0].bound_s / eb.achieved_s;
  state.counters["model_of_roofline"] = mb.bounds[0].bound_s / mb.achieved_s;
  state.counters["engine_over_model"] = engine_ps / model.makespan_ps;
}
BENCHMARK(BM_LargeCannonMatmulOn32x32Window)->Unit(benchmark::kSecond)->Iterations(1);

// At micro-batch 1 and 2 (the estimate's search picks 2 on tiny-3nm-cluster: its layer's fill,
// drain and message latencies weigh less per token).
void BM_Gpt4RepresentativeLayer(benchmark::State& state) {
  auto model = compiler::ModelSpec::load(kRoot + "/workloads/gpt4-moe.yaml");
  model.micro_batch = state.range(0);
  const auto spec = compiler::WaferClusterSpec::load(kRoot + "/configs/systems/tiny-3nm-cluster.yaml");
  const auto w = compiler::characterize_wafers(spec, 1);
  compiler::LayerCalibration cal;
  for (auto _ : state) cal = compiler::calibrate_on_wafer(model, spec, w, true, 1);
  print(cal.bounds, fmt::format("GPT-4 representative layer (forward and backward) at micro-batch {}, cycle engine", model.micro_batch));
  for (const auto& line : cal.matmul_mappings) fmt::print("  {}\n", line);
  fmt::print("  roofline {:.4g} ms; cost model {:.4g} ms ({:.1f}% of roofline); engine {:.4g} ms ({:.1f}%); engine / model {:.3f}\n",
             cal.roofline_s * 1e3, cal.analytic_s * 1e3, 100 * cal.roofline_s / cal.analytic_s, cal.simulated_s * 1e3,
             100 * cal.roofline_s / cal.simulated_s, cal.simulated_s / cal.analytic_s);
  state.counters["engine_of_roofline"] = cal.roofline_s / cal.simulated_s;
  state.counters["model_of_roofline"] = cal.roofline_s / cal.analytic_s;
  state.counters["engine_over_model"] = cal.simulated_s / cal.analytic_s;
}
BENCHMARK(BM_Gpt4RepresentativeLayer)->Arg(1)->Arg(2)->Unit(benchmark::kSecond)->Iterations(1);

}  // namespace
