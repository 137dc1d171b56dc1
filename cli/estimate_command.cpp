// `wafersim estimate`: training time on a GPU cluster (compiler/training_estimate.hpp) or a wafer
// cluster (compiler/wafer_estimate.hpp).
#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include <chrono>
#include <cmath>
#include <fstream>
#include <memory>

#include "cli/commands.hpp"
#include "compiler/estimate_json.hpp"
#include "compiler/layout_request.hpp"
#include "compiler/sensitivity_chart.hpp"
#include "core/provenance.hpp"
#include "core/config_overrides.hpp"
#include "core/duration_text.hpp"
#include "compiler/mapper.hpp"
#include "compiler/training_estimate.hpp"
#include "compiler/wafer_estimate.hpp"
#include "core/progress.hpp"
#include "core/input_error.hpp"
#include "core/thread_pool.hpp"
#include "core/json_file.hpp"

namespace wafersim::cli {

namespace {

void print_estimate(const compiler::ModelSpec& m, const compiler::ClusterSpec& c, const compiler::TrainingEstimate& e) {
  const auto& t = e.time;
  auto pct = [&](double x) { return 100.0 * x / t.step; };
  fmt::print("layout: {} ({} devices), {} micro-batches per step\n", e.par.describe(), e.par.devices(), e.micro_batches);
  if (c.wafer.enabled) {
    fmt::print("  step {:.3f} s (ESTIMATED: layers extrapolated from the calibrated representative layer): {:.4g} tokens/s, MFU {:.1f}% "
               "of the nominal peak\n",
               t.step, e.tokens_per_s, 100 * e.mfu);
    fmt::print("  breakdown: compute {:.1f}%, on-wafer comm {:.1f}%, off-wafer comm {:.1f}% (tensor-parallel {:.1f}, expert all-to-all "
               "{:.1f}, pipeline sends {:.1f}), memory streaming {:.1f}%, pipeline bubble {:.1f}%, exposed collectives (gradient "
               "all-reduce) {:.1f}%\n",
               pct(t.compute + t.memory), pct(t.onwafer_comm), pct(t.tp_comm + t.ep_comm + t.pp_comm), pct(t.tp_comm), pct(t.ep_comm),
               pct(t.pp_comm), pct(t.streaming), pct(t.bubble), pct(t.dp_comm));
    fmt::print("  largest term of the step: {}\n", compiler::limiting_term(t));
    fmt::print("  state per wafer {:.1f} GB: {} (SRAM {:.1f} GB, external memory {:.0f} GB){}\n", e.memory_per_device_bytes / 1e9,
               e.resident ? "fits in SRAM, weights resident" : "beyond SRAM: weights stream from external memory",
               c.wafer.sram_bytes / 1e9, (c.device.memory_bytes - c.wafer.sram_bytes) / 1e9,
               e.resident ? "" : fmt::format(", {:.2f} TB streamed per step", e.streamed_bytes_per_step / 1e12));
  } else {
    fmt::print("  step {:.3f} s (ESTIMATED, analytic; nothing simulated): {:.4g} tokens/s, MFU {:.1f}% (of the bf16 peak), {:.1f} TFLOP/s "
               "per device (matmul FLOPs executed, recomputation included)\n",
               t.step, e.tokens_per_s, 100 * e.mfu, e.achieved_tflops_per_device);
    fmt::print("  breakdown: compute {:.1f}%, memory-bound ops {:.1f}%, exposed communication: tensor-parallel {:.1f}%, "
               "context-parallel {:.1f}%, expert all-to-all {:.1f}%, pipeline sends {:.1f}%, data-parallel {:.1f}%; pipeline bubble {:.1f}%\n",
               pct(t.compute), pct(t.memory), pct(t.tp_comm), pct(t.cp_comm), pct(t.ep_comm), pct(t.pp_comm), pct(t.dp_comm), pct(t.bubble));
    fmt::print("  overlap hides: tensor-parallel {:.3f} s, data-parallel {:.3f} s, pipeline sends {:.3f} s per step{}\n", t.hidden.tp,
               t.hidden.dp, t.hidden.pp, e.par.overlap.tp && e.par.overlap.dp && e.par.overlap.pp ? "" : " (--overlap turns the rest on)");
    fmt::print("  memory per device {:.1f} GB of {:.0f} GB on pipeline stage {} ({})\n", e.memory_per_device_bytes / 1e9,
               c.device.memory_bytes / 1e9, e.memory_stage + 1, e.memory.describe());
  }
  if (m.training_tokens > 0) {
    fmt::print("  training run: {:.4g} tokens = {:.4g} steps -> {}", m.training_tokens, e.steps, duration_text(e.days * 86400));
    if (c.wafer.enabled) fmt::print(", {:.1f} MW ({:.1f} kW per wafer with facility overhead), {:.0f} MWh", e.power_mw, e.power_w_per_device / 1e3, e.energy_mwh);
    else if (e.power_mw > 0) fmt::print(", {:.2f} MW of devices, {:.0f} MWh", e.power_mw, e.energy_mwh);
    fmt::print("\n");
  } else {
    fmt::print("  (the model states no training_tokens: no time to train)\n");
  }
  if (c.wafer.enabled) {
    const double n = static_cast<double>(e.par.devices());
    fmt::print("  capital: wafers ${:.3g} (${:.0f} per accepted wafer, yield-adjusted), with systems ${:.3g}\n", n * c.wafer.wafer_usd,
               c.wafer.wafer_usd, e.capital_usd);
  } else if (e.capital_usd > 0) {
    fmt::print("  devices cost ${:.3g}\n", e.capital_usd);
  }
}

void print_header(const compiler::ModelSpec& model, const std::string& system, const std::string& devices) {
  fmt::print("{} on {} ({}): {} parameters, {} sequences of {} tokens per step\n", model.name, system, devices, model.total_params(),
             model.global_batch, model.sequence);
  if (model.training_tokens > 0)
    fmt::print("  dense training FLOPs (6 N T, N = {:.4g} parameters used per token, T = {:.4g} tokens): {:.3g}\n",
               static_cast<double>(model.active_params()), model.training_tokens, compiler::dense_training_flops(model, model.training_tokens));
}

// The items of a comma-separated flag value ("a,b,c"; an empty item stays, to be refused).
// The layout the flags give (--tp, --pp, ...); `attention` is a GPU cluster's.
compiler::LayoutRequest request_of(const EstimateArgs& a) {
  compiler::LayoutRequest r;
  r.tp = a.tp > 0 ? a.tp : 1;
  r.pp = a.pp > 0 ? a.pp : 1;
  r.dp = a.dp;
  r.ep = a.ep, r.cp = a.cp, r.micro_batch = a.micro_batch, r.interleave = a.interleave;
  r.sequence_parallel = a.sequence_parallel;
  r.zero_stage = a.zero;
  r.recompute = a.recompute;
  r.flash_attention = a.attention == "flash";
  r.fp8 = a.fp8;
  r.overlap = a.overlap;
  r.stage_layers = a.stage_layers;
  return r;
}

// A search chooses cp, FP8 and the stages itself.
void refuse_layout_flags_in_search(const EstimateArgs& a) {
  if (a.cp != 1 || a.fp8 || !a.stage_layers.empty())
    throw InputError("--cp, --fp8 and --stage-layers set a given layout (--tp, --pp); the search tries cp 1 to 8 and FP8 itself, with even stages");
}

compiler::RunLosses losses_of(const EstimateArgs& a) {
  if (a.restart_loss + a.checkpoint_loss >= 0.95)
    throw InputError(fmt::format("--restart-loss {} + --checkpoint-loss {} leave no time to train", a.restart_loss, a.checkpoint_loss));
  return {a.restart_loss, a.checkpoint_loss};
}

void print_losses(const compiler::RunLosses& l) {
  if (l.restarts > 0 || l.checkpoints > 0)
    fmt::print("  whole-run losses (inputs): restarts {:.1f}%, checkpoints {:.1f}% of wall-clock time: days x{:.3f}\n", 100 * l.restarts,
               100 * l.checkpoints, l.factor());
  else
    fmt::print("  whole-run losses: none assumed (--restart-loss, --checkpoint-loss)\n");
}

int run_wafer_estimate(const EstimateArgs& a, const compiler::ModelSpec& model) {
  if (a.devices > 0) throw InputError("--devices is for GPU clusters; a wafer cluster takes --wafers N or --target-days D");
  if (a.attention != "standard")
    throw InputError("--attention is for GPU clusters: a wafer cluster's representative layer keeps each head's keys and values whole");
  if (a.cp != 1 || a.fp8)
    throw InputError("--cp and --fp8 are for GPU clusters: a wafer cluster's representative layer is compiled in bf16 with each head's keys "
                     "and values whole");
  const compiler::RunLosses losses = losses_of(a);
  const auto spec = compiler::WaferClusterSpec::load(a.system_file, ConfigMount::at("system"));
  command_overrides().check_all_taken();
  RunProvenance::current().set_seed(a.seed);
  if (model.mode != compiler::Mode::kTraining) throw InputError(fmt::format("{}: the model is in inference mode; the estimate is for training", a.model_file.string()));
  const auto w = compiler::characterize_wafers(spec, a.seed);
  const bool explicit_layout = a.tp > 0 || a.pp > 0;
  if (explicit_layout && a.target_days > 0) throw InputError("--target-days searches the layouts itself; leave out --tp and --pp");
  // The representative layer at every micro-batch a layout may use: the one asked for, or each
  // the search tries (compiled side by side; the cost model only, seconds each).
  std::vector<std::int64_t> micro_batches;
  if (explicit_layout) micro_batches = {a.micro_batch};
  else micro_batches.assign(std::begin(compiler::kSearchMicroBatches), std::end(compiler::kSearchMicroBatches));
  std::string mb_list;
  for (auto mb : micro_batches) mb_list += fmt::format("{}{}", mb_list.empty() ? "" : ", ", mb);
  if (Progress::stderr_is_terminal()) fmt::print(stderr, "compiling the representative layer at micro-batch {}...\n", mb_list);
  auto cals = compiler::calibrate_micro_batches(model, spec, w, micro_batches, a.seed, a.matmul_mappings, available_cpus());
  const std::int64_t wafers = a.wafers > 0 ? a.wafers : spec.wafers;

  nlohmann::ordered_json j;
  j["model"] = model.name;
  j["system"] = spec.name;
  j["estimated"] = true;
  if (model.training_tokens > 0) j["dense_training_flops"] = compiler::dense_training_flops(model, model.training_tokens);

  compiler::ClusterSpec cluster;
  compiler::SearchResult r;
  std::int64_t n = wafers;
  double secs = 0;
  std::size_t searched = 0, counts = 1;
  auto run = [&] {
    cluster = compiler::as_training_cluster(spec, w, cals, model);
    const auto t0 = std::chrono::steady_clock::now();
    r = {};
    searched = 0, counts = 1, n = wafers;
    if (explicit_layout) {
      const compiler::Parallelism p = compiler::layout_of(request_of(a), wafers, "wafers");
      cluster.devices = wafers;
      auto e = compiler::estimate_training(model, cluster, p);
      compiler::apply_run_losses(e, losses);
      r.ranked.push_back(e);
      r.considered = 1;
    } else if (a.target_days > 0) {
      refuse_layout_flags_in_search(a);
      auto s = compiler::wafers_for_days(model, cluster, a.target_days, losses, 1'000'000, compiler::parse_overlap(a.overlap));
      n = s.wafers, r = std::move(s.search), searched = s.layouts_searched, counts = s.counts_tried;
    } else {
      refuse_layout_flags_in_search(a);
      r = compiler::search_wafers(model, cluster, wafers, losses, compiler::parse_overlap(a.overlap));
      searched = r.considered;
      if (r.ranked.empty())
        throw InputError(fmt::format("{} does not fit on {} wafers of '{}' in any layout (memory or divisibility)", model.name, wafers, spec.name));
    }
    secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    cluster.devices = n;
  };
  run();
  // --simulate-layer: the engine runs the chosen layout's micro-batch, its factors replace the
  // cost model's, and the layouts are ranked again, until the winner's micro-batch is simulated.
  std::size_t simulated_runs = 0;
  while (a.simulate_layer) {
    const std::int64_t mb = r.ranked.front().par.micro_batch;
    compiler::LayerCalibration& slot = compiler::calibration_at(cals, mb);
    if (slot.simulated) break;
    if (Progress::stderr_is_terminal()) fmt::print(stderr, "cycle-simulating the representative layer at micro-batch {} (minutes)...\n", mb);
    std::unique_ptr<Progress> bar;
    compiler::ModelSpec at = model;
    at.micro_batch = mb;
    slot = compiler::calibrate_on_wafer(at, spec, w, true, a.seed, [&](std::size_t, std::size_t total) {
      if (!bar) bar = std::make_unique<Progress>("simulating the representative layer", total, Progress::stderr_is_terminal());
      bar->advance();
    }, a.matmul_mappings);
    if (bar) bar->finish();
    ++simulated_runs;
    run();
  }
  const compiler::LayerCalibration& cal = compiler::calibration_at(cals, r.ranked.front().par.micro_batch);

  print_header(model, spec.name, fmt::format("{} wafers of {}", n, spec.wafer.mesh.name));
  fmt::print("wafer ({} sampled, seed {}): {:.0f} usable tiles of {:.0f} sites (repaired logical array {:.0f}), wafer yield {:.0f}% "
             "[{:.0f}%, {:.0f}%] (accepted: >= {:.0f}% of the array); tile clock {:.3f} GHz mean ({} domains, derated to their slowest "
             "tile); peak {:.1f} PFLOP/s usable of {:.1f} nominal; SRAM {:.1f} GB\n",
             w.samples, a.seed, w.usable_tiles.mean, w.sites, w.logical_tiles, 100 * w.wafer_yield.mean, 100 * w.wafer_yield.lo,
             100 * w.wafer_yield.hi, 100 * spec.accept_tile_fraction, w.tile_ghz.mean, sim::domains_name(spec.wafer.clock.domains),
             w.usable_peak_flops / 1e15, w.nominal_peak_flops / 1e15, w.sram_bytes / 1e9);
  const auto& rep = cal.representative;
  const int side = std::min(spec.window, static_cast<int>(std::sqrt(w.usable_tiles.mean)));
  fmt::print("representative layer: one {} layer scaled x{:.4f} (d {}, {} heads, FFN {}{}, sequences of {} tokens kept apart) on a {} x {} "
             "window ({} tiles used), with its defect draw, compiled at micro-batch {}:\n",
             model.name, cal.scale, rep.d_model, rep.heads, rep.ffn_size, model.is_moe() ? " = top-k experts, dense" : "", rep.sequence, side, side,
             cal.tiles_used, mb_list);
  for (const auto& c : cals) {
    if (!c.unfit.empty()) {
      fmt::print("  micro-batch {}: does not map, not a layout: {}\n", c.representative.micro_batch, c.unfit);
      continue;
    }
    const double t = c.simulated ? c.simulated_s : c.analytic_s;
    fmt::print("  micro-batch {}: roofline {:.4f} ms, {} {:.4f} ms ({:.1f}% of roofline): x{:.2f} compute, x{:.2f} on-wafer communication per "
               "roofline second\n",
               c.representative.micro_batch, c.roofline_s * 1e3, c.simulated ? "cycle engine" : "cost model", t * 1e3, 100 * c.roofline_s / t,
               c.compute_factor, c.comm_factor);
  }
  fmt::print("the chosen layout's micro-batch, {} sequence{}:\n", rep.micro_batch, rep.micro_batch > 1 ? "s" : "");
  fmt::print("  roofline {:.4f} ms; compiler cost model {:.4f} ms (compute on the critical path {:.4f} ms)\n", cal.roofline_s * 1e3,
             cal.analytic_s * 1e3, cal.analytic_compute_s * 1e3);
  for (const auto& line : cal.matmul_mappings) fmt::print("  {}\n", line);
  for (const auto& line : cal.bounds.lines()) fmt::print("  {}\n", line);
  if (cal.simulated)
    fmt::print("  SIMULATED (cycle engine): {:.4f} ms (compute on the critical path {:.4f} ms), {:.3f} x the cost model\n", cal.simulated_s * 1e3,
               cal.simulated_compute_s * 1e3, cal.simulated_s / cal.analytic_s);
  else
    fmt::print("  not cycle-simulated (--simulate-layer runs the engine on it, minutes)\n");
  fmt::print("  on-wafer traffic for the power: {:.3g} bit-hops per FLOP on the whole wafer, growing as the fabric's side^{:.2f} "
             "(measured against the layer at half the scale on a half window; ESTIMATED)\n",
             cal.bit_hops_per_flop, cal.bit_hops_growth);
  fmt::print("  every layer, embedding and head of the full model is charged x{:.2f} compute and x{:.2f} on-wafer communication per "
             "roofline second ({}; EXTRAPOLATED from this one layer; each layout the search weighed was charged its own micro-batch's)\n",
             cal.compute_factor, cal.comm_factor, cal.simulated ? "from the engine" : "from the cost model");
  if (simulated_runs > 1)
    fmt::print("  the engine ran {} micro-batches: each time the cost model's factors were replaced by the engine's, the layouts were ranked "
               "again\n", simulated_runs);
  if (a.target_days > 0) {
    fmt::print("fewest wafers for {:g} days: {} (bisection over {} wafer counts, {} layouts in {:.2f} s: {:.0f} layouts/s)\n", a.target_days, n,
               counts, searched, secs, static_cast<double>(searched) / std::max(secs, 1e-9));
  } else if (searched > 0) {
    fmt::print("searched {} layouts ({} illegal or out of memory) in {:.2f} s: {:.0f} layouts/s\n", r.considered, r.rejected, secs,
               static_cast<double>(r.considered) / std::max(secs, 1e-9));
  }
  print_estimate(model, cluster, r.ranked.front());
  const compiler::SiliconBounds bounds = compiler::step_bounds(cluster, r.ranked.front(), cals);
  for (const auto& line : bounds.lines()) fmt::print("  {}\n", line);
  if (a.target_days > 0) {
    // What the configured wafer count lacks for the target (the search above found the count instead).
    std::vector<std::string> lines;
    try {
      const auto at = compiler::search_wafers(model, cluster, spec.wafers, losses);
      if (!at.ranked.empty()) lines = compiler::growth_needed(cluster, at.ranked.front(), cals, a.target_days);
    } catch (const InputError& e) {
      lines = {fmt::format("on the configured {} wafers: {}", spec.wafers, e.what())};
    }
    for (const auto& line : lines) fmt::print("  {}\n", line);
  }
  print_losses(losses);
  if (model.training_tokens > 0) {
    const double flops = compiler::dense_training_flops(model, model.training_tokens);
    const double days = a.target_days > 0 ? a.target_days : r.ranked.front().days;
    fmt::print("  at 100% of the nominal peak ({:.1f} PFLOP/s per wafer), {:.3g} FLOP in {:.3g} days would need {:.0f} wafers: the "
               "utilisation, defects, clocks and communication above cost x{:.1f}\n",
               w.nominal_peak_flops / 1e15, flops, days, std::ceil(flops / (w.nominal_peak_flops * days * 86400.0)),
               static_cast<double>(n) / (flops / (w.nominal_peak_flops * days * 86400.0)));
  }
  {
    const auto& b = r.ranked.front();
    if (b.days > 0)
      fmt::print("answer (ESTIMATED): {} wafers train {} in {} at {:.1f}% MFU, {:.3g} MW, ${:.3g} of wafers (${:.3g} with systems); "
                 "limited by {}\n",
                 n, model.name, duration_text(b.days * 86400), 100 * b.mfu, b.power_mw, static_cast<double>(n) * cluster.wafer.wafer_usd, b.capital_usd,
                 bounds.limited_by());
  }
  if (r.ranked.size() > 1 && a.top > 1) {
    fmt::print("next best:\n");
    for (std::size_t i = 1; i < r.ranked.size() && i < static_cast<std::size_t>(a.top); ++i)
      fmt::print("  {:.3f} s/step ({:+.1f}%)  {}\n", r.ranked[i].time.step, 100 * (r.ranked[i].time.step / r.ranked[0].time.step - 1),
                 r.ranked[i].par.describe());
  }
  j["wafers"] = n;
  {
    nlohmann::ordered_json jb = nlohmann::ordered_json::array();
    for (const auto& b : bounds.bounds) jb.push_back({{"resource", b.resource}, {"bound_s", b.bound_s}, {"as_mapped", b.as_mapped}, {"detail", b.detail}});
    j["bounds"] = {{"step_s", bounds.achieved_s}, {"resources", jb}, {"sram", bounds.sram}, {"limited_by", bounds.binding().resource},
                   {"binding_share_of_step", bounds.binding().bound_s / bounds.achieved_s}};
  }
  j["wafer"] = {{"samples", w.samples}, {"usable_tiles", w.usable_tiles.mean}, {"sites", w.sites}, {"wafer_yield", w.wafer_yield.mean},
                {"tile_ghz", w.tile_ghz.mean}, {"peak_pflops_usable", w.usable_peak_flops / 1e15},
                {"peak_pflops_nominal", w.nominal_peak_flops / 1e15}, {"sram_gb", w.sram_bytes / 1e9}};
  j["calibration"] = {{"scale", cal.scale}, {"d_model", rep.d_model}, {"tokens", rep.sequence * rep.micro_batch}, {"sequences", rep.micro_batch}, {"tiles", cal.tiles_used},
                      {"roofline_s", cal.roofline_s}, {"analytic_s", cal.analytic_s}, {"simulated", cal.simulated},
                      {"simulated_s", cal.simulated_s}, {"compute_factor", cal.compute_factor}, {"comm_factor", cal.comm_factor},
                      {"layers_extrapolated", model.layers}};
  {
    nlohmann::ordered_json jm = nlohmann::ordered_json::array();
    for (const auto& c : cals) {
      nlohmann::ordered_json e = {{"micro_batch", c.representative.micro_batch}, {"maps", c.unfit.empty()}};
      if (c.unfit.empty())
        e.update({{"roofline_s", c.roofline_s}, {"analytic_s", c.analytic_s}, {"simulated", c.simulated}, {"simulated_s", c.simulated_s},
                  {"compute_factor", c.compute_factor}, {"comm_factor", c.comm_factor}});
      else
        e["why_not"] = c.unfit;
      jm.push_back(e);
    }
    j["calibration"]["micro_batches"] = jm;
  }
  j["losses"] = {{"restarts", losses.restarts}, {"checkpoints", losses.checkpoints}};
  j["layouts_per_s"] = static_cast<double>(searched) / std::max(secs, 1e-9);
  j["best"] = nlohmann::ordered_json::array();
  for (std::size_t i = 0; i < r.ranked.size() && i < static_cast<std::size_t>(a.top); ++i) j["best"].push_back(compiler::training_estimate_json(r.ranked[i]));

  if (a.sensitivity) {
    compiler::SensitivityQuestion q;
    if (a.target_days > 0) q.target_days = a.target_days;
    else q.wafers = n;
    const std::string unit = q.target_days > 0 ? "wafers" : "days";
    if (Progress::stderr_is_terminal()) fmt::print(stderr, "sensitivity: re-sampling and re-searching each variant...\n");
    const auto rows = compiler::sensitivity(model, spec, cals, q, losses, a.seed, a.matmul_mappings);
    fmt::print("sensitivity ({}; the representative layer calibrated once, on the base, except for SRAM per tile):\n",
               q.target_days > 0 ? fmt::format("wafers to train in {:g} days", q.target_days) : fmt::format("days on {} wafers", n));
    fmt::print("  {:<34} {:<30} {:>12} {:>8} {:>7} {:>10} {:>9}  {}\n", "knob", "setting", unit, "vs base", "MFU", "capital", "MW", "limited by");
    nlohmann::ordered_json js = nlohmann::ordered_json::array();
    std::string csv = fmt::format("knob,setting,{},ratio_to_base,days,mfu,capital_usd,power_mw,limited_by\n", unit);
    for (const auto& row : rows) {
      if (row.answer > 0)
        fmt::print("  {:<34} {:<30} {:>12.4g} {:>7.2f}x {:>6.1f}% {:>10.3g} {:>9.1f}  {}\n", row.knob, row.setting, row.answer,
                   row.answer / rows.front().answer, 100 * row.mfu, row.capital_usd, row.power_mw, row.limit);
      else
        fmt::print("  {:<34} {:<30} {:>12}  {}\n", row.knob, row.setting, "-", row.limit);
      csv += fmt::format("\"{}\",\"{}\",{},{},{},{},{},{},\"{}\"\n", row.knob, row.setting, row.answer,
                         row.answer > 0 ? row.answer / rows.front().answer : 0.0, row.days, row.mfu, row.capital_usd, row.power_mw, row.limit);
      js.push_back({{"knob", row.knob}, {"setting", row.setting}, {unit, row.answer}, {"days", row.days}, {"mfu", row.mfu},
                    {"capital_usd", row.capital_usd}, {"power_mw", row.power_mw}, {"limited_by", row.limit}});
    }
    j["sensitivity"] = js;
    if (!a.out_dir.empty()) {
      std::filesystem::create_directories(a.out_dir);
      std::ofstream(a.out_dir / "sensitivity.csv") << csv;
      std::ofstream(a.out_dir / "sensitivity.svg")
          << compiler::sensitivity_svg(rows, fmt::format("{} on {}: {} (ESTIMATED)", model.name, spec.name,
                                               q.target_days > 0 ? fmt::format("wafers for {:g} days", q.target_days) : fmt::format("days on {} wafers", n)),
                             unit);
      fmt::print("wrote {}, {}\n", (a.out_dir / "sensitivity.csv").string(), (a.out_dir / "sensitivity.svg").string());
    }
  }
  if (!a.out_dir.empty()) {
    std::filesystem::create_directories(a.out_dir);
    write_json_file(a.out_dir / "estimate.json", j);
    fmt::print("wrote {}\n", (a.out_dir / "estimate.json").string());
  }
  return 0;
}

}  // namespace

int run_estimate_command(const EstimateArgs& a) {
  const auto model = compiler::ModelSpec::load(a.model_file, ConfigMount::at("model"));
  if (compiler::is_wafer_cluster_file(a.system_file)) return run_wafer_estimate(a, model);
  if (a.wafers > 0 || a.target_days > 0 || a.simulate_layer || a.sensitivity)
    throw InputError(fmt::format("--wafers, --target-days, --simulate-layer and --sensitivity are for wafer clusters; {} is not kind: wafer_cluster",
                                 a.system_file.string()));
  const compiler::RunLosses losses = losses_of(a);
  auto cluster = compiler::ClusterSpec::load(a.system_file, ConfigMount::at("system"));
  command_overrides().check_all_taken();
  if (a.devices > 0) {
    if (a.devices > cluster.devices)
      throw InputError(fmt::format("--devices {}: system '{}' has {} devices", a.devices, cluster.name, cluster.devices));
    cluster.devices = a.devices;
  }
  // Printed once the layout is known to be legal: a bad input gives its one error line only.
  auto header = [&] { print_header(model, cluster.name, fmt::format("{} x {}", cluster.devices, cluster.device.name)); };
  nlohmann::ordered_json j;
  j["model"] = model.name;
  j["system"] = cluster.name;
  j["devices"] = cluster.devices;
  if (model.training_tokens > 0) j["dense_training_flops"] = compiler::dense_training_flops(model, model.training_tokens);
  if (a.tp > 0 || a.pp > 0) {
    const compiler::Parallelism p = compiler::layout_of(request_of(a), cluster.devices, "devices");
    auto e = compiler::estimate_training(model, cluster, p);
    compiler::apply_run_losses(e, losses);
    header();
    print_estimate(model, cluster, e);
    print_losses(losses);
    j["estimate"] = compiler::training_estimate_json(e);
  } else {
    if (a.attention != "standard") throw InputError("--attention sets the kernel of a given layout (--tp, --pp); the search tries both kernels");
    const auto t0 = std::chrono::steady_clock::now();
    refuse_layout_flags_in_search(a);
    const auto r = compiler::search_wafers(model, cluster, cluster.devices, losses, compiler::parse_overlap(a.overlap));
    const double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    if (r.ranked.empty())
      throw InputError(fmt::format("{} does not fit on {} devices of '{}' in any layout (memory or divisibility)", model.name,
                                   cluster.devices, cluster.name));
    header();
    fmt::print("searched {} layouts ({} illegal or out of memory) in {:.2f} s: {:.0f} layouts/s\n", r.considered, r.rejected, secs,
               static_cast<double>(r.considered) / std::max(secs, 1e-9));
    print_estimate(model, cluster, r.ranked.front());
    print_losses(losses);
    fmt::print("next best:\n");
    for (std::size_t i = 1; i < r.ranked.size() && i < static_cast<std::size_t>(a.top); ++i)
      fmt::print("  {:.3f} s/step ({:+.1f}%)  {}\n", r.ranked[i].time.step, 100 * (r.ranked[i].time.step / r.ranked[0].time.step - 1),
                 r.ranked[i].par.describe());
    j["searched"] = r.considered;
    j["rejected"] = r.rejected;
    j["layouts_per_s"] = static_cast<double>(r.considered) / std::max(secs, 1e-9);
    j["best"] = nlohmann::ordered_json::array();
    for (std::size_t i = 0; i < r.ranked.size() && i < static_cast<std::size_t>(a.top); ++i) j["best"].push_back(compiler::training_estimate_json(r.ranked[i]));
  }
  if (!a.out_dir.empty()) {
    std::filesystem::create_directories(a.out_dir);
    write_json_file(a.out_dir / "estimate.json", j);
    fmt::print("wrote {}\n", (a.out_dir / "estimate.json").string());
  }
  return 0;
}

}  // namespace wafersim::cli
