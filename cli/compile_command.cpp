#include <fmt/format.h>

#include <algorithm>
#include <chrono>

#include "cli/commands.hpp"
#include "core/provenance.hpp"
#include "compiler/silicon_bounds.hpp"
#include "compiler/step.hpp"
#include "compiler/timeline.hpp"
#include "core/input_error.hpp"
#include "core/interrupt.hpp"
#include "core/json_file.hpp"
#include "core/progress.hpp"

namespace wafersim::cli {
namespace {

compiler::CompiledStep compile(const StepArgs& a) {
  compiler::StepOptions o;
  o.style = a.style;
  o.recompute = compiler::parse_recompute(a.recompute);
  o.layers = a.layers;
  o.sequence = a.sequence;
  o.micro_batch = a.micro_batch;
  o.seed = static_cast<std::uint64_t>(a.seed);
  RunProvenance::current().set_seed(o.seed);
  o.dead_fraction = a.dead_fraction;
  o.quantum_cycles = a.quantum;
  compiler::parse_matmul_mappings(a.matmul_mappings, o.matmul_mapping, o.matmul_overrides);
  o.attention_mapping = a.attention_mapping;
  o.moe_mapping = a.moe_mapping;
  o.micro_batches_in_flight = a.in_flight;
  return compiler::compile_step(a.model_file, a.system_file, o);
}

double ms(double ps) { return ps * 1e-9; }

// What the workload is: "one micro-batch", or "2 micro-batches in flight".
std::string workload_what(const compiler::Plan& p) {
  return p.micro_batches_in_flight > 1 ? fmt::format("{} micro-batches in flight", p.micro_batches_in_flight) : "one micro-batch";
}
// ", 0.1 ms each" after a time of the micro-batches in flight, or nothing.
std::string each(const compiler::Plan& p, double ps) {
  return p.micro_batches_in_flight > 1 ? fmt::format(", {:.4g} ms each", ms(ps) / p.micro_batches_in_flight) : "";
}

void print_plan(const compiler::CompiledStep& s) {
  const auto& p = s.plan;
  const auto& f = s.net->sample.fabric;
  std::size_t used = 0;
  for (const auto& r : p.regions) used += r.grid.size();
  fmt::print("{} on {} ({} x {} fabric, {} working tiles): {}\n", s.model.name, s.system.mesh.name, f.rows(), f.cols(), f.endpoint_count(), p.style);
  fmt::print("  one micro-batch: {} sequences x {} tokens, {} layers; {:.4g} micro-batches per step{}\n", s.model.micro_batch, s.model.sequence,
             s.model.layers, s.micro_batches,
             p.micro_batches_in_flight > 1 ? fmt::format(", {} in flight together on the same tiles", p.micro_batches_in_flight) : "");
  for (std::size_t r = 0; r < p.regions.size() && r < 12; ++r)
    fmt::print("  region {:<12} {:>4} x {:<4} tiles  {:10.4g} GFLOP\n", p.regions[r].name, p.regions[r].grid.pr, p.regions[r].grid.pc,
               p.regions[r].flops / 1e9);
  if (p.regions.size() > 12) fmt::print("  ... {} regions in all (plan.json)\n", p.regions.size());
  if (p.fabric_pieces > 1)
    fmt::print("  dead tiles split the fabric into {} pieces that no route joins: placed on the largest, {} working tiles of the "
               "others left out\n",
               p.fabric_pieces, p.tiles_cut_off);
  fmt::print("  tiles used {} of {}; SRAM per tile max {:.3g} MiB, mean {:.3g} MiB (capacity {:.3g} MiB)\n", used, f.endpoint_count(),
             p.sram_max_bytes / 1048576, p.sram_mean_bytes / 1048576, s.system.compute.sram_bytes() / 1048576);
  if (p.weights_stream) fmt::print("  off-wafer memory {:.4g} GB (weights, gradients, optimizer state)\n", p.external_memory_bytes / 1e9);
  fmt::print("  {:.4g} GFLOP on the wafer{}; {:.4g} MB moved on-wafer, {:.4g} MB off-wafer; {} tasks, {} messages\n", p.flops / 1e9,
             p.offwafer_flops > 0 ? fmt::format(" (+{:.4g} GFLOP optimizer off-wafer, not simulated)", p.offwafer_flops / 1e9) : "",
             static_cast<double>(p.workload.on_wafer_bytes()) / 1e6, static_cast<double>(p.workload.off_wafer_bytes()) / 1e6, p.workload.tasks(),
             p.workload.messages());
  for (const auto& line : compiler::mapping_choice_lines(p)) fmt::print("  {}\n", line);
  const auto& a = s.analytic;
  fmt::print("  analytic: {} {:.4g} ms{} (critical path: compute {:.4g}, on-wafer {:.4g}, off-wafer {:.4g}, waiting {:.4g} ms)\n",
             workload_what(p), ms(a.makespan_ps), each(p, a.makespan_ps), ms(a.critical_path.compute_ps), ms(a.critical_path.on_wafer_ps), ms(a.critical_path.off_wafer_ps),
             ms(a.critical_path.waiting_ps));
  for (const auto& line : compiler::plan_bounds(*s.graph, p, s.system, f, *s.net->clocks, a.makespan_ps).lines()) fmt::print("  {}\n", line);
  fmt::print("  full step ESTIMATED from {} ({}): {:.4g} s\n", workload_what(p),
             p.micro_batches_in_flight > 1 ? (p.pipelined ? "pipeline: (micro-batches / in flight + stages - 1) x stage" : "micro-batches / in flight x them")
                                           : (p.pipelined ? "pipeline: (micro-batches + stages - 1) x stage" : "micro-batches x one"),
             s.full_step_s(a.makespan_ps));
}

std::size_t tiles_used(const compiler::Plan& p) {
  std::size_t used = 0;
  for (const auto& r : p.regions) used += r.grid.size();
  return used;
}

// On a fabric with dead tiles: the same model compiled on the clean fabric, and what changed.
void explain_defects(const compiler::CompiledStep& s, const StepArgs& a) {
  const auto& f = s.net->sample.fabric;
  const std::size_t all = static_cast<std::size_t>(f.rows()) * static_cast<std::size_t>(f.cols());
  if (f.endpoint_count() >= all) return;
  StepArgs clean_args = a;
  clean_args.dead_fraction = 0;
  const auto clean = compile(clean_args);
  const auto& c = clean.analytic;
  const auto& d = s.analytic;
  fmt::print("  vs the clean fabric ({} dead of {} tiles, {:.1f}%): analytic {:.4g} -> {:.4g} ms ({:+.1f}%)\n", all - f.endpoint_count(), all,
             100.0 * static_cast<double>(all - f.endpoint_count()) / static_cast<double>(all), ms(c.makespan_ps), ms(d.makespan_ps),
             100 * (d.makespan_ps / c.makespan_ps - 1));
  fmt::print("    fewer tiles: {} -> {} tiles used ({:+.1f}%), compute on the critical path {:.4g} -> {:.4g} ms\n", tiles_used(clean.plan),
             tiles_used(s.plan), 100 * (static_cast<double>(tiles_used(s.plan)) / static_cast<double>(tiles_used(clean.plan)) - 1),
             ms(c.critical_path.compute_ps), ms(d.critical_path.compute_ps));
  fmt::print("    longer paths: messages travel {:.3g} -> {:.3g} hops on average ({:.3f} x their Manhattan distance: detours around dead routers); "
             "network time on the critical path {:.4g} -> {:.4g} ms\n",
             c.hops_mean, d.hops_mean, d.manhattan_mean > 0 ? d.hops_mean / d.manhattan_mean : 1.0,
             ms(c.critical_path.on_wafer_ps + c.critical_path.waiting_ps), ms(d.critical_path.on_wafer_ps + d.critical_path.waiting_ps));
}

}  // namespace

int run_compile_command(const StepArgs& a) {
  const auto s = compile(a);
  print_plan(s);
  explain_defects(s, a);
  compiler::write_plan(s, a.out_dir);
  fmt::print("wrote {}/plan.json, placement.svg\n", a.out_dir.string());
  return 0;
}

int run_simulate_command(const StepArgs& a) {
  const auto s = compile(a);
  print_plan(s);
  explain_defects(s, a);
  Progress progress(fmt::format("simulating {} tasks and {} messages", s.plan.workload.tasks(), s.plan.workload.messages()),
                    s.plan.workload.items.size(), Progress::stderr_is_terminal());
  const auto t0 = std::chrono::steady_clock::now();
  install_interrupt_handler();
  const auto r = compiler::simulate_step(s, [&](std::size_t, std::size_t) { progress.advance(); });
  progress.finish();
  const double wall = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  if (r.interrupted) {  // a part of a micro-batch has no time to report; the plan is kept
    if (!a.out_dir.empty()) compiler::write_plan(s, a.out_dir);
    fmt::print(stderr, "wafersim: interrupted after {:.4g} ms simulated ({} of {} items done, {:.1f} s){}\n", ms(static_cast<double>(r.makespan_ps)),
               r.items_done, s.plan.workload.items.size(), wall, a.out_dir.empty() ? "" : "; wrote plan.json, placement.svg");
    return 130;
  }
  const auto& b = r.critical_path;
  const double an = s.analytic.makespan_ps, me = static_cast<double>(r.makespan_ps);
  fmt::print("simulated (cycle engine): {} {:.4g} ms{} = {:.3f} x analytic ({:+.1f}%)\n", workload_what(s.plan), ms(me), each(s.plan, me), me / an,
             100 * (me / an - 1));
  fmt::print("  critical path: compute {:.4g} ms, on-wafer {:.4g} ms, off-wafer {:.4g} ms, waiting {:.4g} ms\n", ms(b.compute_ps),
             ms(b.on_wafer_ps), ms(b.off_wafer_ps), ms(b.waiting_ps));
  fmt::print("  {} packets, {} flits; tiles busy {:.1f}% of the time; {:.1f} s of simulation\n", r.packets, r.flits,
             100 * r.tile_busy_ps / (me * static_cast<double>(s.net->sample.fabric.endpoint_count())), wall);
  const double extra_wait = b.waiting_ps - s.analytic.critical_path.waiting_ps;
  fmt::print("  difference to analytic: {:+.4g} ms of waiting on the critical path (the engine arbitrates packet by packet, round "
             "robin, where the flow model reserves whole messages first come, first served, so messages finish in another order), "
             "{:+.4g} ms of on-wafer zero-load time (routes: {:.3g} hops per flit on average in the engine, {:.3g} in the model)\n",
             ms(extra_wait), ms(b.on_wafer_ps - s.analytic.critical_path.on_wafer_ps), r.delivered_flits ? r.flit_hops / static_cast<double>(r.delivered_flits) : 0.0,
             s.analytic.hops_mean);
  const auto sb = compiler::plan_bounds(*s.graph, s.plan, s.system, s.net->sample.fabric, *s.net->clocks, me);
  fmt::print("  simulated: limited by {}\n", sb.limited_by());
  fmt::print("  full step ESTIMATED from the simulated {}: {:.4g} s\n", s.plan.micro_batches_in_flight > 1 ? "micro-batches in flight" : "micro-batch", s.full_step_s(me));
  if (!a.trace_file.empty()) {
    compiler::write_chrome_trace(s.plan, *s.graph, r, a.trace_file);
    fmt::print("wrote {} (trace events: open it at ui.perfetto.dev)\n", a.trace_file.string());
  }
  if (!a.out_dir.empty()) {
    compiler::write_plan(s, a.out_dir);
    nlohmann::ordered_json j;
    j["micro_batch_s"] = {{"simulated", me * 1e-12}, {"analytic", an * 1e-12}, {"ratio", me / an}};
    j["critical_path_s"] = {{"compute", b.compute_ps * 1e-12}, {"on_wafer", b.on_wafer_ps * 1e-12}, {"off_wafer", b.off_wafer_ps * 1e-12},
                            {"waiting", b.waiting_ps * 1e-12}};
    j["packets"] = r.packets;
    j["flits"] = r.flits;
    j["full_step_s_extrapolated"] = s.full_step_s(me);
    j["wall_seconds"] = wall;
    write_json_file(a.out_dir / "simulate.json", j);
    fmt::print("wrote {}/simulate.json, plan.json, placement.svg\n", a.out_dir.string());
  }
  return 0;
}

}  // namespace wafersim::cli
