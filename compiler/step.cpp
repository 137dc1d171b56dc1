#include "compiler/step.hpp"

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <fstream>

#include "compiler/onnx_import.hpp"
#include "core/config_overrides.hpp"
#include "core/input_error.hpp"
#include "core/json_file.hpp"
#include "core/svg.hpp"

namespace wafersim::compiler {

double CompiledStep::full_step_s(double makespan_ps) const {
  // The workload is plan.micro_batches_in_flight micro-batches: a step runs it this many times.
  const double t = makespan_ps * 1e-12, groups = micro_batches / std::max(1, plan.micro_batches_in_flight);
  if (plan.pipelined) return (groups + stages - 1.0) * t / stages;
  return groups * t;
}

CompiledStep compile_step(const std::filesystem::path& model_file, const std::filesystem::path& system_file, const StepOptions& o) {
  if (is_onnx_path(model_file))
    throw InputError(fmt::format("{}: compile and simulate take YAML model descriptions (workloads/*.yaml); the mapper places "
                                 "transformer layers by their structure, which an ONNX graph does not state. `wafersim graph --model {}` "
                                 "shows the ONNX graph's ops, parameters and FLOPs",
                                 model_file.string(), model_file.string()));
  // The command's files: its --set overrides land in them (model.*, system.*).
  const ModelSpec model = ModelSpec::load(model_file, ConfigMount::at("model"));
  const WaferSystem system = WaferSystem::load(system_file, ConfigMount::at("system"));
  command_overrides().check_all_taken();
  return compile_step(model, system, o);
}

CompiledStep compile_step(const ModelSpec& model, const WaferSystem& system, const StepOptions& o) {
  CompiledStep s;
  s.model = model;
  s.system = system;
  if (o.layers > 0) {
    if (o.layers > s.model.layers) throw InputError(fmt::format("--layers {}: the model has {} layers", o.layers, s.model.layers));
    s.model.layers = o.layers;
  }
  s.model.override_shape(o.sequence, o.micro_batch);
  s.micro_batches = static_cast<double>(s.model.global_batch) / static_cast<double>(s.model.micro_batch);
  if (o.micro_batches_in_flight > 1 && o.micro_batches_in_flight > s.micro_batches)
    throw InputError(fmt::format("--in-flight {}: a step of model '{}' has {:g} micro-batch{} (global_batch {} / micro_batch {})",
                                 o.micro_batches_in_flight, s.model.name, s.micro_batches, s.micro_batches == 1 ? "" : "es",
                                 s.model.global_batch, s.model.micro_batch));

  s.noc.name = s.system.mesh.name;
  s.noc.system = s.system.mesh;
  if (o.dead_fraction >= 0) {
    if (o.dead_fraction >= 1) throw InputError("--dead-fraction must be in [0, 1)");
    s.noc.system.defects = mesh::DefectSpec{};
    s.noc.system.defects.dead_tile_fraction = o.dead_fraction;
  }
  s.noc.seed = o.seed;
  s.noc.router = s.system.router;
  s.noc.channels = s.system.channels;
  s.noc.clock = s.system.clock;
  s.net = std::make_unique<sim::NocNetwork>(s.noc);
  const mesh::Fabric& fabric = s.net->sample.fabric;

  GraphOptions go;
  go.recompute = o.recompute;
  s.graph = std::make_unique<Graph>(Graph::build(s.model, go));
  s.engine.router = s.system.router;
  s.engine.channels = s.system.channels;
  s.engine.synchronizer_stages = s.system.clock.synchronizer_stages;
  s.engine.seed = o.seed;
  s.engine.record_deliveries = true;
  s.run.max_packet_flits = s.system.packet_flits;
  s.run.quantum_cycles = o.quantum_cycles;
  s.run.io_bytes_per_ps_per_side = s.system.io.bytes_per_ps_per_side();
  s.run.io_latency_ps = static_cast<std::int64_t>(s.system.io.latency_ns * 1000.0);

  MapOptions mo;
  mo.style = o.style;
  mo.recompute = o.recompute;
  mo.matmul_mapping = o.matmul_mapping;
  mo.matmul_overrides = o.matmul_overrides;
  mo.attention_mapping = o.attention_mapping;
  mo.attention_key_scale = o.attention_key_scale;
  mo.moe_mapping = o.moe_mapping;
  mo.micro_batches_in_flight = o.micro_batches_in_flight;
  mo.cost_ps = [&s](const sim::Workload& w) { return analytic_estimate(w, *s.net->routing, *s.net->clocks, s.engine, s.run).makespan_ps; };
  mo.bound_ps = [&s](const sim::Workload& w) { return makespan_lower_bound_ps(w, *s.net->routing, *s.net->clocks, s.engine); };
  s.plan = map_model(*s.graph, s.system, fabric, mo);
  s.plan.system = s.system.mesh.name;
  s.stages = static_cast<double>(s.plan.regions.size());

  s.analytic = analytic_estimate(s.plan.workload, *s.net->routing, *s.net->clocks, s.engine, s.run);
  return s;
}

sim::WorkloadResult simulate_step(const CompiledStep& s, const std::function<void(std::size_t, std::size_t)>& on_progress) {
  sim::Engine engine(s.net->sample.fabric, *s.net->routing, *s.net->clocks, s.engine);
  engine.set_trace({});
  sim::WorkloadRunOptions run = s.run;
  run.on_progress = on_progress;
  return sim::run_workload(engine, s.net->sample.fabric, *s.net->clocks, s.plan.workload, s.engine, run);
}

namespace {

// One colour per region, dead tiles black, unused working tiles light grey; row and column
// indices of the logical fabric along the left and bottom edges.
std::string placement_svg(const CompiledStep& s) {
  const mesh::Fabric& f = s.net->sample.fabric;
  std::vector<int> region(f.nodes(), -1);
  for (std::size_t r = 0; r < s.plan.regions.size(); ++r)
    for (auto t : s.plan.regions[r].grid.tiles) region[t] = static_cast<int>(r);
  const double cell = std::max(1.0, 800.0 / std::max(f.rows(), f.cols()));
  const double W = cell * f.cols(), H = cell * f.rows();
  const double left = 70, top = 40;
  const std::size_t legend_rows = std::min<std::size_t>(s.plan.regions.size(), 60) + 2;
  svg::Document doc(left + W + 300, top + std::max(H + 60, 20.0 + 18.0 * static_cast<double>(legend_rows)));
  doc.text(left, 22, fmt::format("{} on {} ({}), {} x {} fabric", s.model.name, s.system.mesh.name, s.plan.style, f.rows(), f.cols()),
           {.size_px = 15});
  auto colour = [](int r) {
    if (r < 0) return std::string("#e4e4e4");
    return fmt::format("hsl({},65%,{}%)", (r * 137) % 360, 45 + (r % 3) * 10);
  };
  doc.raw("<g shape-rendering=\"crispEdges\">\n");
  for (int row = 0; row < f.rows(); ++row) {
    for (int c = 0; c < f.cols();) {
      const auto n = f.node(row, c);
      const bool dead = !f.endpoint(n) || !f.router_alive(n);
      const std::string fill = dead ? "#000000" : colour(region[n]);
      int e = c + 1;
      while (e < f.cols()) {
        const auto m = f.node(row, e);
        const bool d2 = !f.endpoint(m) || !f.router_alive(m);
        if ((d2 ? "#000000" : colour(region[m])) != fill) break;
        ++e;
      }
      doc.rect(left + c * cell, top + row * cell, (e - c) * cell, cell, fill);
      c = e;
    }
  }
  doc.raw("</g>\n");
  svg::Axis cols{.side = svg::Side::kBottom, .at = top + H + 3, .from_px = left, .to_px = left + W, .title = "column (logical tile index)"};
  for (const double c : svg::nice_ticks(0, f.cols() - 1, 10, 1)) cols.ticks.push_back({left + (c + 0.5) * cell, svg::number_label(c)});
  doc.axis(cols);
  svg::Axis rows{.side = svg::Side::kLeft, .at = left - 3, .from_px = top, .to_px = top + H, .title = "row (logical tile index)"};
  for (const double r : svg::nice_ticks(0, f.rows() - 1, 10, 1)) rows.ticks.push_back({top + (r + 0.5) * cell, svg::number_label(r)});
  doc.axis(rows);
  const double lx = left + W + 16;
  double y = top + 12;
  const svg::TextStyle item{.size_px = 12};
  for (std::size_t r = 0; r < s.plan.regions.size() && r < 60; ++r, y += 18) {
    const Region& g = s.plan.regions[r];
    doc.rect(lx, y - 10, 12, 12, colour(static_cast<int>(r)));
    doc.text(lx + 18, y, fmt::format("{}: {} x {} tiles", g.name, g.grid.pr, g.grid.pc), item);
  }
  doc.rect(lx, y - 10, 12, 12, "#000000");
  doc.text(lx + 18, y, "dead", item);
  doc.rect(lx, y + 8, 12, 12, "#e4e4e4");
  doc.text(lx + 18, y + 18, "working, unused", item);
  return doc.str();
}

}  // namespace

void write_plan(const CompiledStep& s, const std::filesystem::path& dir) {
  std::filesystem::create_directories(dir);
  const Plan& p = s.plan;
  nlohmann::ordered_json j;
  j["model"] = s.model.name;
  j["system"] = s.system.mesh.name;
  j["style"] = p.style;
  j["fabric"] = {{"rows", s.net->sample.fabric.rows()}, {"cols", s.net->sample.fabric.cols()},
                 {"working_tiles", s.net->sample.fabric.endpoint_count()}};
  // The layer mappings used (compiler/*_mapping.hpp): MoE is null for a dense model.
  auto& maps = j["mappings"];
  maps["moe"] = p.moe_mapping.empty() ? nlohmann::ordered_json() : nlohmann::ordered_json(p.moe_mapping);
  maps["attention"] = p.attention_mapping;
  maps["attention_blocks_per_step"] = p.attention_blocks_per_step;
  maps["matmul"] = nlohmann::ordered_json::object();
  for (const auto& c : p.matmul_choices) maps["matmul"][c.op] = c.mapping;
  j["tokens_per_micro_batch"] = s.graph->tokens();
  j["micro_batches_per_step"] = s.micro_batches;
  j["micro_batches_in_flight"] = p.micro_batches_in_flight;
  auto& regions = j["regions"] = nlohmann::ordered_json::array();
  for (const Region& r : p.regions)
    regions.push_back({{"name", r.name}, {"layers", r.layers}, {"rect", {r.row0, r.col0, r.rows, r.cols}}, {"grid", {r.grid.pr, r.grid.pc}},
                       {"tiles", r.grid.size()}, {"gflop", r.flops / 1e9}});
  std::size_t used = 0;
  for (const Region& r : p.regions) used += r.grid.size();
  j["tiles_used"] = used;
  j["sram_per_tile_bytes"] = {{"max", p.sram_max_bytes}, {"mean", p.sram_mean_bytes}, {"capacity", s.system.compute.sram_bytes()}};
  j["external_memory_bytes"] = p.external_memory_bytes;
  j["flops_on_wafer"] = p.flops;
  j["flops_off_wafer"] = p.offwafer_flops;
  j["bytes_on_wafer"] = p.workload.on_wafer_bytes();
  j["bytes_off_wafer"] = p.workload.off_wafer_bytes();
  j["tasks"] = p.workload.tasks();
  j["messages"] = p.workload.messages();
  const auto& a = s.analytic;
  j["analytic"] = {{"micro_batch_s", a.makespan_ps * 1e-12},
                   {"critical_path_s", {{"compute", a.critical_path.compute_ps * 1e-12}, {"on_wafer", a.critical_path.on_wafer_ps * 1e-12},
                                        {"off_wafer", a.critical_path.off_wafer_ps * 1e-12}, {"waiting", a.critical_path.waiting_ps * 1e-12}}},
                   {"full_step_s_extrapolated", s.full_step_s(a.makespan_ps)}};
  write_json_file(dir / "plan.json", j);
  std::ofstream(dir / "placement.svg") << placement_svg(s);
}

}  // namespace wafersim::compiler
