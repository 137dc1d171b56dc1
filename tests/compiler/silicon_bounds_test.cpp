// The silicon's bounds, against counts worked out by hand on a 4 x 4 mesh at 1 GHz with 32-byte
// flits (32 GB/s per link and per port).
#include <gtest/gtest.h>

#include <cmath>

#include "../sim/sim_test_util.hpp"
#include "compiler/graph.hpp"
#include "compiler/silicon_bounds.hpp"
#include "compiler/step.hpp"

namespace wafersim::compiler {
namespace {

const std::filesystem::path kRoot = WAFERSIM_SOURCE_DIR;

double bound(const SiliconBounds& b, const std::string& prefix) {
  for (const auto& r : b.bounds)
    if (r.resource.rfind(prefix, 0) == 0) return r.bound_s;
  ADD_FAILURE() << "no bound " << prefix;
  return -1;
}

TEST(SiliconBounds, NetworkCountsMatchHandWorkedCases) {
  sim::testing::TestNetwork net(4, 4);
  ModelSpec m = ModelSpec::load(kRoot / "workloads/gpt2-small.yaml");
  m.layers = 1;
  m.sequence = 16;
  m.micro_batch = 1;
  const Graph g = Graph::build(m, {});
  WaferSystem sys;
  sys.channels.flit_bytes = 32;
  sys.io.bandwidth_tb_s = 4;  // 1 TB/s per side
  Plan plan;
  Region r;
  r.grid.pr = r.grid.pc = 4;
  for (std::uint32_t t = 0; t < 16; ++t) r.grid.tiles.push_back(t);
  r.layers = {-1, 0};
  plan.regions.push_back(r);
  // Corner to corner (crosses both middle cuts), and a multicast from tile 0 to 3, 12 and 15: its
  // XY tree crosses the middle column once (along row 0) and the middle row twice (down columns
  // 0 and 3). West to east: 2 x 3200 B; north to south: 3 x 3200 B over 4 links.
  plan.workload.add_message(0, 15, 3200, {});
  plan.workload.add_multicast(0, {3, 12, 15}, 3200, {});
  // 4 MB in from off-wafer memory through tile 5's edge.
  plan.workload.add_offwafer(sim::kOffWafer, 5, 4, 4000000, {});
  const SiliconBounds b = plan_bounds(g, plan, sys, net.fabric, *net.clocks, 1e9);
  const double port = 32e9;  // bytes per second
  EXPECT_NEAR(bound(b, "network: injection"), 6400 / port, 1e-15);
  EXPECT_NEAR(bound(b, "network: ejection"), 4000000 / port, 1e-12);  // tile 5 takes in the load
  EXPECT_NEAR(bound(b, "network: bisection"), 3 * 3200 / (4 * port), 1e-15);
  EXPECT_NEAR(bound(b, "wafer edge I/O"), 4000000 / 4e12, 1e-15);
  // Compute: the graph's matmul FLOPs over 16 tiles of array^2 MACs at 1 GHz.
  double mm = 0;
  for (std::size_t v = 0; v < g.size(); ++v)
    if (g.op(v).kind == OpKind::kMatMul || g.op(v).kind == OpKind::kAttnMatMul) mm += g.op(v).flops;
  EXPECT_NEAR(bound(b, "tile compute (matmul array)"), mm / (16 * 2.0 * sys.compute.array * sys.compute.array * 1e9), 1e-12);
  EXPECT_DOUBLE_EQ(b.achieved_s, 1e-3);
  for (const auto& r : b.bounds) EXPECT_LE(r.bound_s, b.binding().bound_s) << r.resource;
  EXPECT_NE(b.limited_by().find(b.binding().resource), std::string::npos);
}

// Irony-Toledo-Tiskin on one square matmul: n x n x n on P tiles receives at least
// 3 n^2 / P^(2/3) - 3 n^2 / P elements per tile; for the layer's matmuls the bound is below what
// any mapping moves, so every compiled plan's ejection bound is at least the ITT bound.
TEST(SiliconBounds, MatmulWordsBoundIsBelowEveryMappingsTraffic) {
  for (const std::string mapping : {"summa", "cannon", "weight_stationary"}) {
    StepOptions o;
    o.layers = 1;
    o.sequence = 64;
    o.micro_batch = 1;
    o.matmul_mapping = mapping;
    const CompiledStep s = compile_step(kRoot / "workloads/gpt2-small.yaml", kRoot / "configs/systems/tiny-3nm-32x32.yaml", o);
    const SiliconBounds b = plan_bounds(*s.graph, s.plan, s.system, s.net->sample.fabric, *s.net->clocks, s.analytic.makespan_ps);
    EXPECT_GT(bound(b, "network: matmul words"), 0) << mapping;
    EXPECT_LE(bound(b, "network: matmul words"), bound(b, "network: ejection")) << mapping;
    for (const auto& r : b.bounds) EXPECT_LE(r.bound_s, b.achieved_s * (1 + 1e-9)) << mapping << ": " << r.resource;
  }
}

}  // namespace
}  // namespace wafersim::compiler
