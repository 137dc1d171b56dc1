// Fits the estimator's device efficiencies once, on the whole validation set (configs/validation):
// the grid point, in steps of 0.01, with the least mean |estimated / published - 1| over all
// rows together. Each device's efficiencies move only its own rows, so each device is fitted on
// its rows' share of that sum: A100 (bf16) on Megatron-LM SC'21 and MT-NLG, H100 (bf16, FP8) on
// NeMo's FP8 rows. Prints the grid around the optimum; docs/validation.md records the result.
//
//   ./build/bench/estimator_fit [configs/validation]
#include <fmt/format.h>

#include <cmath>
#include <limits>
#include <map>
#include <string>

#include "compiler/validation_set.hpp"
#include "core/input_error.hpp"

using namespace wafersim::compiler;

namespace {

double mean_error(std::vector<ValidationRow>& rows, const std::string& device, double bf16, double fp8, double* worst) {
  double sum = 0;
  int n = 0;
  *worst = 0;
  for (ValidationRow& r : rows) {
    if (r.cluster.device.name != device) continue;
    r.cluster.device.matmul_efficiency = bf16;
    if (r.cluster.device.fp8_peak_flops > 0) r.cluster.device.fp8_matmul_efficiency = fp8;
    double err = 1.0;  // out of memory counts as 100% off
    try {
      err = std::abs(r.estimated(estimate_training(r.model, r.cluster, r.layout)) / r.published - 1);
    } catch (const wafersim::InputError&) {
    }
    sum += err, ++n, *worst = std::max(*worst, err);
  }
  return sum / n;
}

}  // namespace

int main(int argc, char** argv) {
  auto rows = load_validation_set(argc > 1 ? argv[1] : WAFERSIM_SOURCE_DIR "/configs/validation");
  std::map<std::string, bool> devices;
  for (const auto& r : rows) devices[r.cluster.device.name] = r.cluster.device.fp8_peak_flops > 0;
  for (const auto& [device, has_fp8] : devices) {
    double best = std::numeric_limits<double>::infinity(), best_bf16 = 0, best_fp8 = 0, best_worst = 0;
    // A coarse grid (0.05) over [0.30, 0.95], then the fine one (0.01) around its best.
    auto scan = [&](int lo_i, int hi_i, int lo_j, int hi_j, int step) {
      for (int i = lo_i; i <= hi_i; i += step)
        for (int j = has_fp8 ? lo_j : 100; j <= (has_fp8 ? hi_j : 100); j += step) {
          double worst = 0;
          const double e = mean_error(rows, device, i / 100.0, j / 100.0, &worst);
          if (e < best - 1e-12) best = e, best_bf16 = i / 100.0, best_fp8 = j / 100.0, best_worst = worst;
        }
    };
    scan(30, 95, 30, 95, 5);
    const int ci = static_cast<int>(std::lround(best_bf16 * 100)), cj = static_cast<int>(std::lround(best_fp8 * 100));
    scan(ci - 5, ci + 5, cj - 5, cj + 5, 1);
    fmt::print("{}: matmul_efficiency {:.2f}{}: mean |error| {:.2f}%, worst {:.2f}%\n", device, best_bf16,
               has_fp8 ? fmt::format(", fp8_matmul_efficiency {:.2f}", best_fp8) : "", 100 * best, 100 * best_worst);
    for (int di = -2; di <= 2; ++di) {
      double worst = 0;
      const double e = mean_error(rows, device, best_bf16 + di / 100.0, has_fp8 ? best_fp8 : 1.0, &worst);
      fmt::print("  matmul_efficiency {:.2f}: mean {:.2f}%, worst {:.2f}%\n", best_bf16 + di / 100.0, 100 * e, 100 * worst);
    }
    if (has_fp8)
      for (int dj = -2; dj <= 2; ++dj) {
        double worst = 0;
        const double e = mean_error(rows, device, best_bf16, best_fp8 + dj / 100.0, &worst);
        fmt::print("  fp8_matmul_efficiency {:.2f}: mean {:.2f}%, worst {:.2f}%\n", best_fp8 + dj / 100.0, 100 * e, 100 * worst);
      }
  }
}
