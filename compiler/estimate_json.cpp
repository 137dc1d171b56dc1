#include "compiler/estimate_json.hpp"

#include "compiler/wafer_estimate.hpp"

namespace wafersim::compiler {

nlohmann::ordered_json training_estimate_json(const TrainingEstimate& e) {
  const auto& t = e.time;
  return {{"layout", e.par.describe()},
          {"tp", e.par.tp}, {"pp", e.par.pp}, {"dp", e.par.dp}, {"ep", e.par.ep}, {"micro_batch", e.par.micro_batch},
          {"cp", e.par.cp}, {"interleave", e.par.interleave}, {"stage_layers", e.par.stage_layers}, {"sequence_parallel", e.par.sequence_parallel},
          {"flash_attention", e.par.flash_attention}, {"fp8", e.par.fp8}, {"zero_stage", e.par.zero_stage},
          {"overlap", {{"tp", e.par.overlap.tp}, {"dp", e.par.overlap.dp}, {"pp", e.par.overlap.pp}}},
          {"step_s", t.step},
          {"breakdown_s", {{"compute", t.compute}, {"memory_bound", t.memory}, {"tp_comm", t.tp_comm}, {"ep_comm", t.ep_comm},
                           {"cp_comm", t.cp_comm}, {"pp_comm", t.pp_comm}, {"bubble", t.bubble}, {"dp_comm", t.dp_comm},
                           {"onwafer_comm", t.onwafer_comm}, {"streaming", t.streaming}}},
          {"hidden_by_overlap_s", {{"tp", t.hidden.tp}, {"dp", t.hidden.dp}, {"pp", t.hidden.pp}}},
          {"limited_by", limiting_term(t)},
          {"memory_per_device_gb", e.memory_per_device_bytes / 1e9},
          {"memory_gb", {{"weights", e.memory.weights / 1e9}, {"gradients", e.memory.gradients / 1e9}, {"optimizer", e.memory.optimizer / 1e9},
                         {"activations", e.memory.activations / 1e9}}},
          {"tokens_per_s", e.tokens_per_s}, {"mfu", e.mfu}, {"tflops_per_device_executed", e.achieved_tflops_per_device},
          {"days", e.days}, {"power_mw", e.power_mw}, {"energy_mwh", e.energy_mwh}, {"capital_usd", e.capital_usd},
          {"estimated", true}};
}

}  // namespace wafersim::compiler
