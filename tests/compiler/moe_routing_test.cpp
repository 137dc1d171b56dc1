// MoE routing against hand-worked cases: the balanced router, a Zipf router at capacity factor 1.0
// with its dropped slots, the expert-parallel imbalance, and the keys' errors.
#include <gtest/gtest.h>

#include "compiler/graph.hpp"
#include "compiler/model_spec.hpp"
#include "compiler/moe_routing.hpp"
#include "core/input_error.hpp"

namespace wafersim::compiler {
namespace {

TEST(MoeRouting, ABalancedRouterDropsNothing) {
  const MoeLoad load = moe_load(MoeSpec{16, 2, 1.0, 0.0}, 1000);
  ASSERT_EQ(load.processed.size(), 16U);
  for (double p : load.processed) EXPECT_DOUBLE_EQ(p, 1000.0 * 2 / 16);
  EXPECT_DOUBLE_EQ(load.dropped_fraction, 0);
  EXPECT_DOUBLE_EQ(load.imbalance(4), 1.0);
}

// Zipf exponent 1 over 4 experts, top-1: shares 1 : 1/2 : 1/3 : 1/4 = 12/25, 6/25, 4/25, 3/25.
// Capacity factor 1.0 gives each expert T / 4 slots, so the first drops 12/25 - 1/4 = 0.23 of T.
TEST(MoeRouting, ASkewedRouterAtCapacityFactorOneDropsTheOverflow) {
  const double T = 10000;
  const MoeLoad load = moe_load(MoeSpec{4, 1, 1.0, 1.0}, T);
  EXPECT_DOUBLE_EQ(load.processed[0], T / 4);
  EXPECT_NEAR(load.processed[1], T * 6 / 25, 1e-9);
  EXPECT_NEAR(load.processed[2], T * 4 / 25, 1e-9);
  EXPECT_NEAR(load.processed[3], T * 3 / 25, 1e-9);
  EXPECT_NEAR(load.dropped_fraction, 0.23, 1e-12);
  // Two EP ranks: {e0, e1} compute 0.25 + 0.24 of T, {e2, e3} 0.16 + 0.12; the busiest over the mean.
  EXPECT_NEAR(load.imbalance(2), 0.49 / ((0.49 + 0.28) / 2), 1e-12);
  EXPECT_DOUBLE_EQ(load.imbalance(1), 1.0);
  // A capacity factor of 2 holds the whole 12/25: nothing is dropped.
  EXPECT_DOUBLE_EQ(moe_load(MoeSpec{4, 1, 2.0, 1.0}, T).dropped_fraction, 0);
}

// The graph computes only the slots that were kept: the experts' forward FLOPs shrink by exactly
// the dropped fraction.
TEST(MoeRouting, DroppedSlotsAreNotComputed) {
  auto expert_flops = [](double skew) {
    ModelSpec m = ModelSpec::from_yaml(YamlNode::parse(
        "name: m\nvocab: 1000\nd_model: 256\nlayers: 1\nheads: 4\nffn: {size: 512}\nsequence: 1000\nbias: false\n"
        "moe: {experts: 4, top_k: 1, capacity_factor: 1.0}\n", "m.yaml"));
    m.moe.router_skew = skew;
    const Graph g = Graph::build(m);
    double f = 0;
    for (std::size_t v = 0; v < g.size(); ++v)
      if (g.op(v).phase == Phase::kForward && g.op(v).expert >= 0 && g.op(v).kind == OpKind::kMatMul) f += g.op(v).flops;
    return f;
  };
  EXPECT_NEAR(expert_flops(1.0) / expert_flops(0.0), 1 - 0.23, 1e-12);
}

TEST(MoeRouting, BadKeysAreOneClearError) {
  const std::string base = "name: m\nvocab: 1000\nd_model: 256\nlayers: 1\nheads: 4\nffn: {size: 512}\nsequence: 1000\n";
  for (const char* moe : {"moe: {experts: 4, capacity_factor: 0}\n", "moe: {experts: 4, capacity_factor: -1}\n", "moe: {experts: 4, router_skew: -0.5}\n"}) {
    try {
      ModelSpec::from_yaml(YamlNode::parse(base + moe, "m.yaml"));
      ADD_FAILURE() << "accepted " << moe;
    } catch (const ConfigError& e) {
      EXPECT_NE(std::string(e.what()).find("m.yaml:8"), std::string::npos) << e.what();
    }
  }
}

}  // namespace
}  // namespace wafersim::compiler
