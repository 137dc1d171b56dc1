// The estimator against every published run of configs/validation (docs/validation.md), and the
// fitted device efficiencies against their fit.
#include <gtest/gtest.h>

#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <map>

#include "compiler/validation_set.hpp"
#include "core/input_error.hpp"

namespace wafersim::compiler {
namespace {

const std::string kRoot = WAFERSIM_SOURCE_DIR;

std::vector<ValidationRow> validation_set() { return load_validation_set(kRoot + "/configs/validation"); }

double error_of(const ValidationRow& r) { return r.estimated(estimate_training(r.model, r.cluster, r.layout)) / r.published - 1; }

// Mean |error| over the rows run on `device`, with its efficiencies replaced.
double mean_error(std::vector<ValidationRow> rows, const std::string& device, double bf16, double fp8) {
  double sum = 0;
  int n = 0;
  for (ValidationRow& r : rows) {
    if (r.cluster.device.name != device) continue;
    r.cluster.device.matmul_efficiency = bf16;
    r.cluster.device.fp8_matmul_efficiency = fp8;
    sum += std::abs(error_of(r)), ++n;
  }
  return sum / n;
}

// Megatron-LM SC'21 Table 1 (10 rows), MT-NLG 530B (3) and NeMo 24.12 on H100 in FP8 (6), with one
// set of device efficiencies fitted on them together (never per row). The target is every row
// within 8% and a mean |error| of at most 3.5%. Rows the model misses say so (`shortfall:`, with
// the reason in docs/validation.md); their tolerance is the achieved error rounded up to the next
// percent, a ratchet: a change that makes them worse fails, and the count of misses is pinned so
// that a new one cannot hide. Every other row is held to 8%, and their mean to 3.5%.
TEST(ValidationSet, EveryPublishedRunWithinItsTolerance) {
  const auto rows = validation_set();
  ASSERT_EQ(rows.size(), 19u);
  double sum = 0, sum_met = 0;
  int met = 0, short_of_target = 0;
  for (const ValidationRow& r : rows) {
    const double err = error_of(r);
    EXPECT_LE(std::abs(err), r.tolerance) << r.name << ": " << 100 * err << "% (" << r.layout.describe() << ")";
    sum += std::abs(err);
    if (r.shortfall.empty()) {
      EXPECT_LE(r.tolerance, 0.08) << r.name;
      sum_met += std::abs(err), ++met;
    } else {
      ++short_of_target;
      EXPECT_GT(std::abs(err), 0.08) << r.name << " meets the target now: drop its shortfall";
      std::printf("known shortfall: %s at %+.1f%%: %s\n", r.name.c_str(), 100 * err, r.shortfall.c_str());
    }
  }
  EXPECT_EQ(short_of_target, 4);
  EXPECT_LE(sum_met / met, 0.035);
  std::printf("mean |error| %.2f%% over all %zu rows, %.2f%% over the %d that meet the target\n", 100 * sum / static_cast<double>(rows.size()),
              rows.size(), 100 * sum_met / met, met);
}

// Where a source states the parameter count, the model's shape gives it within 3% (1.7B is 1.65B
// by the formula 12 l h^2 + V h the SC'21 paper uses; its other rows agree to 0.5%).
TEST(ValidationSet, PublishedParameterCountsMatchTheShapes) {
  int stated = 0;
  for (const ValidationRow& r : validation_set()) {
    if (r.published_params <= 0) continue;
    ++stated;
    EXPECT_NEAR(static_cast<double>(r.model.total_params()), r.published_params, 0.03 * r.published_params) << r.name;
  }
  EXPECT_EQ(stated, 10);
}

// The efficiencies in the device files are the fit docs/validation.md describes (bench/estimator_fit):
// a step of 0.01 either way in any of them makes its device's mean |error| worse.
TEST(ValidationSet, DeviceEfficienciesAreTheFit) {
  const auto rows = validation_set();
  std::map<std::string, DeviceSpec> devices;
  for (const auto& r : rows) devices[r.cluster.device.name] = r.cluster.device;
  ASSERT_EQ(devices.size(), 2u);
  for (const auto& [name, d] : devices) {
    const double at_fit = mean_error(rows, name, d.matmul_efficiency, d.fp8_matmul_efficiency);
    for (const double step : {-0.01, 0.01}) {
      EXPECT_GT(mean_error(rows, name, d.matmul_efficiency + step, d.fp8_matmul_efficiency), at_fit) << name << " bf16 " << step;
      if (d.fp8_peak_flops > 0) {
        EXPECT_GT(mean_error(rows, name, d.matmul_efficiency, d.fp8_matmul_efficiency + step), at_fit) << name << " fp8 " << step;
      }
    }
  }
}

// A mistake in a validation file is one line naming the file and the key.
TEST(ValidationSet, BadRowsNameTheFileAndKey) {
  const auto dir = std::filesystem::temp_directory_path() / "wafersim-validation-test";
  std::filesystem::create_directories(dir);
  auto error_for = [&](const std::string& row) {
    const auto f = dir / "bad.yaml";
    std::ofstream(f) << "system: " << kRoot << "/configs/systems/selene-a100.yaml\nmodels:\n  m: {name: m, vocab: 1000, d_model: 64, "
                        "layers: 2, heads: 4, ffn: {size: 256}, sequence: 128, global_batch: 8}\nrows:\n" << row;
    try {
      load_validation_set(f);
    } catch (const std::exception& e) {
      return std::string(e.what());
    }
    return std::string("no error");
  };
  const std::string ok = "  - {name: r, model: m, gpus: 8, published: {iteration_s: 1}, ";
  EXPECT_NE(error_for(ok + "layout: {tp: 2, pipeline: 2}}\n").find("bad.yaml:5"), std::string::npos);
  EXPECT_NE(error_for(ok + "layout: {tp: 2, pipeline: 2}}\n").find("pipeline"), std::string::npos);
  EXPECT_NE(error_for(ok + "layout: {overlap: [tp, zz]}}\n").find("zz"), std::string::npos);
  EXPECT_NE(error_for(ok + "layout: {tp: 3}}\n").find("not a multiple of tp x cp x pp = 3"), std::string::npos);
  EXPECT_NE(error_for("  - {name: r, model: {base: m, zz: 1}, gpus: 8, layout: {}, published: {iteration_s: 1}}\n").find("bad.yaml:5:"),
            std::string::npos);  // the override's own line, not the merged map's
  EXPECT_NE(error_for("  - {name: r, model: nope, gpus: 8, layout: {}, published: {iteration_s: 1}}\n").find("no model 'nope'"), std::string::npos);
  std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace wafersim::compiler
