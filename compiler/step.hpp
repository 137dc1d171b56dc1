#pragma once
// One training step of a model on a wafer system, compiled and (optionally) cycle-simulated: what
// `wafersim compile` and `wafersim simulate` do.
//
// The system's defect model is drawn once with `seed` and repaired (mesh/), the network routed,
// the clocks built (sim/); the model's graph for one micro-batch is mapped (compiler/mapper.hpp)
// and costed analytically (compiler/cost_model.hpp); simulate_step runs the same plan through the
// cycle engine. The full step (all micro-batches of the global batch) is extrapolated from one
// micro-batch, and reported as such: micro-batches x time, or, for layer_pipelined, the pipeline
// formula (micro-batches + stages - 1) x the slowest stage.
#include <filesystem>
#include <functional>
#include <memory>
#include <string>

#include "compiler/cost_model.hpp"
#include "compiler/graph.hpp"
#include "compiler/mapper.hpp"
#include "compiler/model_spec.hpp"
#include "compiler/wafer_system.hpp"
#include "sim/noc_run.hpp"
#include "sim/workload_run.hpp"

namespace wafersim::compiler {

struct StepOptions {
  std::string style = "auto";
  Recompute recompute = Recompute::kNone;
  int layers = 0;              // > 0: only the first N layers (embedding and head kept)
  std::int64_t sequence = 0;   // > 0: override the model's sequence length
  std::int64_t micro_batch = 0;
  std::uint64_t seed = 1;      // defect map and clock phases
  double dead_fraction = -1;   // >= 0: uniform random dead tiles instead of the system's defect model
  int quantum_cycles = 1;      // see sim/workload_run.hpp
  // Matmul mappings (compiler/matmul_mapping.hpp): the default, and per weight (MapOptions).
  std::string matmul_mapping = "auto";
  std::vector<std::pair<std::string, std::string>> matmul_overrides;
  std::string attention_mapping = "auto";  // compiler/attention_mapping.hpp
  double attention_key_scale = 1;          // MapOptions::attention_key_scale
  std::string moe_mapping = "auto";        // compiler/moe_mapping.hpp
  int micro_batches_in_flight = 1;         // MapOptions::micro_batches_in_flight
};

struct CompiledStep {
  ModelSpec model;
  WaferSystem system;
  sim::NocConfig noc;
  std::unique_ptr<sim::NocNetwork> net;
  std::unique_ptr<Graph> graph;
  Plan plan;
  sim::EngineOptions engine;
  sim::WorkloadRunOptions run;
  PlanEstimate analytic;          // one micro-batch
  double micro_batches = 1;       // per optimizer step
  double stages = 1;              // pipeline stages (layer_pipelined: regions)
  // Full step from a one-micro-batch time (seconds).
  // The optimizer step from the workload's makespan (one micro-batch, or those in flight together).
  double full_step_s(double makespan_ps) const;
};

// Throws InputError for bad files, overrides that break the model, or a model that fits nowhere.
CompiledStep compile_step(const std::filesystem::path& model_file, const std::filesystem::path& system_file, const StepOptions& options);
// The same for a model and system already loaded (the training estimate's representative layers).
CompiledStep compile_step(const ModelSpec& model, const WaferSystem& system, const StepOptions& options);

sim::WorkloadResult simulate_step(const CompiledStep& step, const std::function<void(std::size_t, std::size_t)>& on_progress = {});

// DIR/plan.json (regions, tiles, SRAM, FLOPs, bytes, analytic estimate) and DIR/placement.svg.
void write_plan(const CompiledStep& step, const std::filesystem::path& dir);

}  // namespace wafersim::compiler
