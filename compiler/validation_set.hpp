#pragma once
// The published training runs `wafersim estimate` is checked against (configs/validation/*.yaml,
// docs/validation.md), each a model, a machine, the layout it ran with and what it measured:
//
//   source: Narayanan et al., SC 2021, Table 1       # where the rows come from
//   system: ../systems/selene-a100.yaml              # relative to this file
//   models:                                          # named models, each a workloads/*.yaml mapping
//     gpt: {name: gpt, vocab: 51200, d_model: 2304, ...}
//   rows:
//     - name: 1.7B on 32 GPUs
//       model: {base: gpt, d_model: 2304, layers: 24} # a named model, or one with keys replaced
//       gpus: 32
//       layout: {tp: 1, pp: 1, cp: 1, ep: 1, micro_batch: 1, interleave: 1, sp: false, zero: 0,
//                recompute: full, attention: standard, fp8: false, overlap: none, stage_layers: [..]}
//       published: {tflops_per_gpu: 137}            # or iteration_s, or tokens_per_s_per_gpu
//       tolerance: 0.10                             # |estimated / published - 1| allowed
//       params_b: 1.7                               # optional: the parameters the source states, billions
//       shortfall: why                              # optional: a row the model misses (its tolerance is
//                                                   # then what the model achieves, not the target)
//
// The data-parallel degree is gpus / (tp cp pp). `overlap` is all, none, or a list of tp, dp, pp.
// Every key is checked: a mistake gets one line naming the file, the row and the key.
#include <filesystem>
#include <string>
#include <vector>

#include "compiler/cluster_spec.hpp"
#include "compiler/model_spec.hpp"
#include "compiler/training_estimate.hpp"
#include "core/yaml_reader.hpp"

namespace wafersim::compiler {

struct ValidationRow {
  std::string file, name, source;
  ModelSpec model;
  ClusterSpec cluster;
  Parallelism layout;
  enum class Metric { kTflopsPerGpu, kIterationSeconds, kTokensPerSecondPerGpu } metric = Metric::kTflopsPerGpu;
  double published = 0;
  double tolerance = 0.1;
  double published_params = 0;  // the source's parameter count (0: not stated)
  std::string shortfall;        // why the model misses this row (empty: it meets the target)

  const char* metric_name() const;  // "TFLOP/s per GPU", "s per iteration", "tokens/s per GPU"
  // The estimate's figure for the metric.
  double estimated(const TrainingEstimate& e) const;
};

// The rows of one file, or of every *.yaml in a directory (sorted by name). Throws ConfigError or
// InputError naming the file and key.
std::vector<ValidationRow> load_validation_set(const std::filesystem::path& file_or_dir);

// A layout mapping as the rows state it (keys above; tp, pp, ... default 1, recompute full,
// attention standard, fp8 off, overlap all).
Parallelism layout_from_yaml(const YamlNode& node);

}  // namespace wafersim::compiler
