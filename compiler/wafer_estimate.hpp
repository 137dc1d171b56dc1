#pragma once
// The training estimate on a wafer cluster, end to end (what `wafersim estimate` runs for
// kind: wafer_cluster): characterize the wafers, calibrate one representative layer, search
// the parallelism layouts on N wafers, or find the fewest wafers that train the model in D days;
// and how that answer moves when one assumption moves (the sensitivity table).
#include <cstdint>
#include <string>
#include <vector>

#include "compiler/training_estimate.hpp"
#include "compiler/wafer_cluster.hpp"

namespace wafersim::compiler {

// Whole-run losses, as fractions of wall-clock time (inputs, not constants): time lost to
// failures and restarts (work since the last checkpoint, restart time), and time spent writing
// checkpoints. Days = steps x step time / (1 - restarts - checkpoints).
struct RunLosses {
  double restarts = 0, checkpoints = 0;
  double factor() const { return 1.0 / (1.0 - restarts - checkpoints); }
};
void apply_run_losses(TrainingEstimate& e, const RunLosses& losses);

// The best layouts on `wafers` wafers (run losses applied).
SearchResult search_wafers(const ModelSpec& model, ClusterSpec cluster, std::int64_t wafers, const RunLosses& losses,
                           const Parallelism::Overlap& overlap = {});

// The fewest wafers whose best layout trains the model in at most `days`: a bisection over the
// wafer counts some layout can use (tp x pp x dp with tp <= 8, pp dividing the layers, dp x
// micro-batch dividing the global batch), up to `max_wafers`. Throws InputError when even
// max_wafers is too slow.
struct Sizing {
  std::int64_t wafers = 0;
  SearchResult search;      // at that count
  std::size_t counts_tried = 0;
  std::size_t layouts_searched = 0;
};
Sizing wafers_for_days(const ModelSpec& model, const ClusterSpec& cluster, double days, const RunLosses& losses,
                       std::int64_t max_wafers = 1'000'000, const Parallelism::Overlap& overlap = {});

// One row of the sensitivity table: the answer (wafers for the target days, or days on the given
// wafers) with one knob moved, everything else at the base.
struct SensitivityRow {
  std::string knob, setting;
  double answer = 0;        // wafers, or days
  double days = 0, mfu = 0, capital_usd = 0, power_mw = 0;
  std::string limit;        // the largest term of the step
};
struct SensitivityQuestion {
  double target_days = 0;   // > 0: answer in wafers
  std::int64_t wafers = 0;  // else: answer in days on this many
};
// Rows: the base; D0 x0.5, x2, x4; spares 0 and 2x; off-wafer bandwidth x0.25, x4; clock x0.8,
// x1.2; external memory bandwidth x0.5, x2; SRAM per tile x0.5, x4; on-wafer communication x0.5
// and x0.1 (a better mapping). The representative layer is calibrated once, on the base system,
// at each micro-batch in `cals`; the rows re-sample the wafers (D0, spares, clock), rebuild the
// links, or scale the calibrated factor. The SRAM rows compile the layer again at the same
// micro-batches (`matmul_mappings` as the base used), since what fits changes.
std::vector<SensitivityRow> sensitivity(const ModelSpec& model, const WaferClusterSpec& cluster, const std::vector<LayerCalibration>& cals,
                                        const SensitivityQuestion& question, const RunLosses& losses, std::uint64_t seed,
                                        const std::vector<std::string>& matmul_mappings = {});

// The largest term of a step, in words ("on-wafer communication", "compute", ...).
std::string limiting_term(const StepBreakdown& t);

// The silicon's bounds on one training step of a layout, per wafer (compiler/silicon_bounds.hpp):
// tile compute (the model's FLOPs at the usable peak), the on-wafer network (the representative
// layer's largest network bound, scaled like its roofline), external memory bandwidth (the
// weights streamed), off-wafer links (the collectives' busy time as costed) and SRAM.
// `cals`: the representative layer per micro-batch (the layout's own is used).
SiliconBounds step_bounds(const ClusterSpec& cluster, const TrainingEstimate& e, const std::vector<LayerCalibration>& cals);

// With --target-days: what would have to grow, and by how much, for `e` to take `days` on the
// same wafers. One line per resource whose bound alone is over the target step, and SRAM per tile.
std::vector<std::string> growth_needed(const ClusterSpec& cluster, const TrainingEstimate& e, const std::vector<LayerCalibration>& cals, double days);

}  // namespace wafersim::compiler
