#pragma once
// Runs the points of a SweepPlan and keeps DIR/results.csv and DIR/meta.json.
//
// - Each finished point is appended to results.csv at once, in one write, and flushed.
// - A rerun with the same DIR skips the points whose hash is already there (resume); a trailing
//   half-written line from a killed run is dropped.
// - Ctrl-C stops handing out points; what finished is kept; the file stays valid CSV.
// - When every point is done, the file is rewritten in plan order, so its bytes do not depend on
//   the number of jobs or on how often the sweep was interrupted.
#include <filesystem>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "core/sweep_plan.hpp"
#include "core/yaml_json.hpp"

namespace wafersim {

struct SweepRunOptions {
  std::filesystem::path out_dir;
  unsigned jobs = 1;
  bool show_progress = false;
  nlohmann::ordered_json extra_meta;  // merged into meta.json
};

struct SweepOutcome {
  std::size_t total = 0;
  std::size_t computed = 0;  // in this run
  std::size_t reused = 0;    // found done in DIR
  bool interrupted = false;
  double wall_seconds = 0.0;
  std::filesystem::path results_csv;
};

// Computes one point: the metric cells in the order of `metric_columns`, or nullopt if it stopped
// because of an interrupt. May throw InputError for a bad point.
using PointEvaluator = std::function<std::optional<std::vector<std::string>>(const SweepPoint&)>;

SweepOutcome run_sweep(const SweepPlan& plan, const std::vector<std::string>& metric_columns,
                       const PointEvaluator& evaluate, const SweepRunOptions& options);

// The header results.csv gets for this plan and these metric columns.
std::vector<std::string> sweep_header(const SweepPlan& plan, const std::vector<std::string>& metric_columns);

}  // namespace wafersim
