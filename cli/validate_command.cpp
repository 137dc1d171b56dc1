// `wafersim validate`: the training estimate against every published run of a validation set
// (configs/validation/*.yaml, docs/validation.md), row by row.
#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include <cmath>

#include "cli/commands.hpp"
#include "compiler/validation_set.hpp"
#include "core/input_error.hpp"
#include "core/json_file.hpp"

namespace wafersim::cli {

int run_validate_command(const ValidateArgs& a) {
  const auto rows = compiler::load_validation_set(a.set);
  fmt::print("{} published runs in {} (ESTIMATED against measured)\n", rows.size(), a.set.string());
  fmt::print("{:<34} {:>16} {:>12} {:>12} {:>8}  {}\n", "run", "metric", "published", "estimated", "error", "layout");
  nlohmann::ordered_json j = nlohmann::ordered_json::array();
  double sum = 0, worst = 0;
  std::size_t outside = 0;
  for (const auto& r : rows) {
    compiler::TrainingEstimate e;
    try {
      e = compiler::estimate_training(r.model, r.cluster, r.layout);
    } catch (const InputError& x) {  // a layout the model refuses (memory, divisibility) is a miss, not the end
      fmt::print("{:<34} rejected: {}\n", r.name, x.what());
      ++outside, worst = 1, sum += 1;
      j.push_back({{"name", r.name}, {"file", r.file}, {"rejected", x.what()}});
      continue;
    }
    const double est = r.estimated(e), err = est / r.published - 1;
    sum += std::abs(err), worst = std::max(worst, std::abs(err));
    if (std::abs(err) > r.tolerance) ++outside;
    fmt::print("{:<34} {:>16} {:>12.4g} {:>12.4g} {:>+7.1f}%{} {}{}\n", r.name, r.metric_name(), r.published, est, 100 * err,
               std::abs(err) > r.tolerance ? "!" : r.shortfall.empty() ? " " : "*", r.layout.describe(),
               r.shortfall.empty() ? "" : "\n    * known shortfall: " + r.shortfall);
    j.push_back({{"name", r.name}, {"file", r.file}, {"metric", r.metric_name()}, {"published", r.published}, {"estimated", est},
                 {"error", err}, {"tolerance", r.tolerance}, {"shortfall", r.shortfall}, {"layout", r.layout.describe()},
                 {"step_s", e.time.step}});
  }
  fmt::print("mean |error| {:.2f}%, worst {:.2f}%, {} of {} outside their tolerance (marked !; a rejected row counts 100%)\n", 100 * sum / static_cast<double>(rows.size()),
             100 * worst, outside, rows.size());
  if (!a.out_dir.empty()) {
    std::filesystem::create_directories(a.out_dir);
    write_json_file(a.out_dir / "validation.json", j);
    fmt::print("wrote {}\n", (a.out_dir / "validation.json").string());
  }
  return 0;
}

}  // namespace wafersim::cli
