// `wafersim estimate`: training time on a GPU cluster (compiler/training_estimate.hpp).
#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include <chrono>

#include "cli/commands.hpp"
#include "compiler/training_estimate.hpp"
#include "core/input_error.hpp"
#include "core/json_file.hpp"

namespace wafersim::cli {

namespace {

void print_estimate(const compiler::ModelSpec& m, const compiler::ClusterSpec& c, const compiler::TrainingEstimate& e) {
  const auto& t = e.time;
  auto pct = [&](double x) { return 100.0 * x / t.step; };
  fmt::print("layout: {} ({} devices), {} micro-batches per step\n", e.par.describe(), e.par.devices(), e.micro_batches);
  fmt::print("  step {:.3f} s (ESTIMATED, analytic; nothing simulated): {:.4g} tokens/s, MFU {:.1f}%, {:.1f} TFLOP/s per device "
             "(Megatron-LM's count)\n",
             t.step, e.tokens_per_s, 100 * e.mfu, e.achieved_tflops_per_device);
  fmt::print("  breakdown: compute {:.1f}%, memory-bound ops {:.1f}%, tensor-parallel comm {:.1f}%, expert all-to-all {:.1f}%, "
             "pipeline sends {:.1f}%, pipeline bubble {:.1f}%, gradient all-reduce {:.1f}%\n",
             pct(t.compute), pct(t.memory), pct(t.tp_comm), pct(t.ep_comm), pct(t.pp_comm), pct(t.bubble), pct(t.dp_comm));
  fmt::print("  memory per device {:.1f} GB of {:.0f} GB\n", e.memory_per_device_bytes / 1e9, c.device.memory_bytes / 1e9);
  if (m.training_tokens > 0) {
    fmt::print("  training run: {:.4g} tokens = {:.4g} steps -> {:.1f} days", m.training_tokens, e.steps, e.days);
    if (e.power_mw > 0) fmt::print(", {:.2f} MW of devices, {:.0f} MWh", e.power_mw, e.energy_mwh);
    fmt::print("\n");
  } else {
    fmt::print("  (the model states no training_tokens: no time to train)\n");
  }
  if (e.capital_usd > 0) fmt::print("  devices cost ${:.3g}\n", e.capital_usd);
}

nlohmann::ordered_json to_json(const compiler::TrainingEstimate& e) {
  const auto& t = e.time;
  return {{"layout", e.par.describe()},
          {"tp", e.par.tp}, {"pp", e.par.pp}, {"dp", e.par.dp}, {"ep", e.par.ep}, {"micro_batch", e.par.micro_batch},
          {"interleave", e.par.interleave}, {"sequence_parallel", e.par.sequence_parallel}, {"zero_stage", e.par.zero_stage},
          {"step_s", t.step},
          {"breakdown_s", {{"compute", t.compute}, {"memory_bound", t.memory}, {"tp_comm", t.tp_comm}, {"ep_comm", t.ep_comm},
                           {"pp_comm", t.pp_comm}, {"bubble", t.bubble}, {"dp_comm", t.dp_comm}}},
          {"memory_per_device_gb", e.memory_per_device_bytes / 1e9},
          {"tokens_per_s", e.tokens_per_s}, {"mfu", e.mfu}, {"tflops_per_device_megatron_count", e.achieved_tflops_per_device},
          {"days", e.days}, {"power_mw", e.power_mw}, {"energy_mwh", e.energy_mwh}, {"capital_usd", e.capital_usd},
          {"estimated", true}};
}

}  // namespace

int run_estimate_command(const EstimateArgs& a) {
  const auto model = compiler::ModelSpec::load(a.model_file);
  auto cluster = compiler::ClusterSpec::load(a.system_file);
  if (a.devices > 0) {
    if (a.devices > cluster.devices)
      throw InputError(fmt::format("--devices {}: system '{}' has {} devices", a.devices, cluster.name, cluster.devices));
    cluster.devices = a.devices;
  }
  // Printed once the layout is known to be legal: a bad input gives its one error line only.
  auto header = [&] {
    fmt::print("{} on {} ({} x {}): {} parameters, {} sequences of {} tokens per step\n", model.name, cluster.name, cluster.devices,
               cluster.device.name, model.total_params(), model.global_batch, model.sequence);
    if (model.training_tokens > 0)
      fmt::print("  dense training FLOPs (6 N T, N = {:.4g} parameters used per token, T = {:.4g} tokens): {:.3g}\n",
                 static_cast<double>(model.active_params()), model.training_tokens,
                 compiler::dense_training_flops(model, model.training_tokens));
  };
  nlohmann::ordered_json j;
  j["model"] = model.name;
  j["system"] = cluster.name;
  j["devices"] = cluster.devices;
  if (model.training_tokens > 0) j["dense_training_flops"] = compiler::dense_training_flops(model, model.training_tokens);
  if (a.tp > 0 || a.pp > 0) {
    compiler::Parallelism p;
    p.tp = a.tp > 0 ? a.tp : 1;
    p.pp = a.pp > 0 ? a.pp : 1;
    if (a.dp > 0) {
      p.dp = a.dp;
    } else {
      if (cluster.devices % (p.tp * p.pp) != 0)
        throw InputError(fmt::format("--tp {} x --pp {} does not divide the {} devices", p.tp, p.pp, cluster.devices));
      p.dp = cluster.devices / (p.tp * p.pp);
    }
    p.ep = a.ep;
    p.micro_batch = a.micro_batch;
    p.interleave = a.interleave;
    p.sequence_parallel = a.sequence_parallel;
    p.zero_stage = a.zero;
    p.recompute = compiler::parse_recompute(a.recompute);
    const auto e = compiler::estimate_training(model, cluster, p);
    header();
    print_estimate(model, cluster, e);
    j["estimate"] = to_json(e);
  } else {
    const auto t0 = std::chrono::steady_clock::now();
    const auto r = compiler::search_parallelism(model, cluster, cluster.devices);
    const double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    if (r.ranked.empty())
      throw InputError(fmt::format("{} does not fit on {} devices of '{}' in any layout (memory or divisibility)", model.name,
                                   cluster.devices, cluster.name));
    header();
    fmt::print("searched {} layouts ({} illegal or out of memory) in {:.2f} s: {:.0f} layouts/s\n", r.considered, r.rejected, secs,
               static_cast<double>(r.considered) / std::max(secs, 1e-9));
    print_estimate(model, cluster, r.ranked.front());
    fmt::print("next best:\n");
    for (std::size_t i = 1; i < r.ranked.size() && i < static_cast<std::size_t>(a.top); ++i)
      fmt::print("  {:.3f} s/step ({:+.1f}%)  {}\n", r.ranked[i].time.step, 100 * (r.ranked[i].time.step / r.ranked[0].time.step - 1),
                 r.ranked[i].par.describe());
    j["searched"] = r.considered;
    j["rejected"] = r.rejected;
    j["layouts_per_s"] = static_cast<double>(r.considered) / std::max(secs, 1e-9);
    j["best"] = nlohmann::ordered_json::array();
    for (std::size_t i = 0; i < r.ranked.size() && i < static_cast<std::size_t>(a.top); ++i) j["best"].push_back(to_json(r.ranked[i]));
  }
  if (!a.out_dir.empty()) {
    std::filesystem::create_directories(a.out_dir);
    write_json_file(a.out_dir / "estimate.json", j);
    fmt::print("wrote {}\n", (a.out_dir / "estimate.json").string());
  }
  return 0;
}

}  // namespace wafersim::cli
