// A training estimate as estimate.json holds it, from a hand-made estimate: the layout's degrees,
// the step and its breakdown in seconds, memory in GB, and the "estimated" mark.
#include "compiler/estimate_json.hpp"

#include <gtest/gtest.h>

namespace wafersim::compiler {
namespace {

TEST(EstimateJson, HoldsTheLayoutTheStepInSecondsAndTheMemoryInGigabytes) {
  TrainingEstimate e;
  e.par.tp = 8, e.par.pp = 4, e.par.dp = 16, e.par.micro_batch = 2;
  e.par.overlap.tp = true, e.par.overlap.dp = false;
  e.time.compute = 1.5, e.time.tp_comm = 0.25, e.time.bubble = 0.5, e.time.dp_comm = 0.125;
  e.time.hidden.tp = 0.75;
  e.time.step = 2.375;
  e.memory.weights = 21.9e9, e.memory.gradients = 21.9e9, e.memory.optimizer = 65.6e9, e.memory.activations = 3.1e9;
  e.memory_per_device_bytes = e.memory.total();
  e.tokens_per_s = 1e6, e.mfu = 0.5, e.days = 0.25;
  const auto j = training_estimate_json(e);
  EXPECT_EQ(j["tp"], 8);
  EXPECT_EQ(j["pp"], 4);
  EXPECT_EQ(j["dp"], 16);
  EXPECT_EQ(j["micro_batch"], 2);
  EXPECT_EQ(j["overlap"]["tp"], true);
  EXPECT_EQ(j["overlap"]["dp"], false);
  EXPECT_DOUBLE_EQ(j["step_s"].get<double>(), 2.375);
  EXPECT_DOUBLE_EQ(j["breakdown_s"]["compute"].get<double>(), 1.5);
  EXPECT_DOUBLE_EQ(j["breakdown_s"]["tp_comm"].get<double>(), 0.25);
  EXPECT_DOUBLE_EQ(j["breakdown_s"]["bubble"].get<double>(), 0.5);
  EXPECT_DOUBLE_EQ(j["hidden_by_overlap_s"]["tp"].get<double>(), 0.75);
  EXPECT_EQ(j["limited_by"], "compute");  // the largest term
  EXPECT_NEAR(j["memory_gb"]["optimizer"].get<double>(), 65.6, 1e-12);
  EXPECT_NEAR(j["memory_per_device_gb"].get<double>(), 21.9 + 21.9 + 65.6 + 3.1, 1e-9);
  EXPECT_DOUBLE_EQ(j["days"].get<double>(), 0.25);
  EXPECT_EQ(j["estimated"], true);
}

}  // namespace
}  // namespace wafersim::compiler
