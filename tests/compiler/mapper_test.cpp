// The mapper end to end on small systems: every op of the graph is mapped (FLOPs conserved), the
// styles use only working tiles, weight streaming moves the weights through the edge, and a model
// that fits nowhere is an input error naming each style's reason.
#include <gtest/gtest.h>

#include "../sim/sim_test_util.hpp"
#include "compiler/cost_model.hpp"
#include "compiler/mapper.hpp"
#include "compiler/step.hpp"
#include "core/input_error.hpp"
#include "sim/workload_run.hpp"

namespace wafersim::compiler {
namespace {

const std::filesystem::path kRoot = WAFERSIM_SOURCE_DIR;

CompiledStep small(const std::string& style, double dead = -1, const std::string& matmul_mapping = "auto") {
  StepOptions o;
  o.style = style;
  o.matmul_mapping = matmul_mapping;
  o.layers = 1;
  o.sequence = 32;
  o.micro_batch = 1;
  o.dead_fraction = dead;
  return compile_step(kRoot / "workloads/gpt2-small.yaml", kRoot / "configs/systems/tiny-3nm-32x32.yaml", o);
}

TEST(Mapper, EveryOpIsMappedOnWorkingTiles) {
  for (const std::string style : {"layer_pipelined", "layer_sequential", "weight_streaming"}) {
    for (double dead : {-1.0, 0.05}) {
      // layer_sequential spreads the head's 50257-wide weight over every tile: one mapping keeps
      // its compile to seconds (auto compiles the plan once per mapping).
      const CompiledStep s = small(style, dead, style == "layer_sequential" ? "summa" : "auto");
      EXPECT_EQ(s.plan.style, style);
      EXPECT_NEAR(s.plan.flops + s.plan.offwafer_flops, s.graph->total_flops(), 1e-9 * s.graph->total_flops());
      EXPECT_NO_THROW(s.plan.workload.validate(s.net->sample.fabric));
      EXPECT_GT(s.analytic.makespan_ps, 0);
      EXPECT_EQ(s.plan.pipelined, style == "layer_pipelined");
      if (style == "layer_sequential") {
        // One region spanning the fabric holds every op; the weights stay (nothing crosses the
        // wafer edge); micro-batches run one after the other.
        ASSERT_EQ(s.plan.regions.size(), 1u);
        EXPECT_EQ(s.plan.regions[0].rows, s.net->sample.fabric.rows());
        EXPECT_EQ(s.plan.regions[0].cols, s.net->sample.fabric.cols());
        EXPECT_FALSE(s.plan.weights_stream);
        EXPECT_EQ(s.plan.workload.off_wafer_bytes(), 0u);
        EXPECT_DOUBLE_EQ(s.full_step_s(1e12), s.micro_batches * 1.0);
      }
    }
  }
}

// A dead column splits an 8 x 8 fabric into 3 and 4 columns that no route joins: the plan uses the
// 4-column piece only and says so, and the cost model and the engine (duato) run it. (Before, the
// mapper placed on both pieces and the cost model stopped with "no route", an internal error.)
TEST(Mapper, FabricSplitByDeadTilesIsMappedOnItsLargestPiece) {
  std::vector<std::pair<int, int>> dead;
  for (int r = 0; r < 8; ++r) dead.emplace_back(r, 3);
  sim::testing::TestNetwork net(8, 8, "duato", dead);
  ModelSpec m = ModelSpec::load(kRoot / "workloads/gpt2-block.yaml");
  m.sequence = 32;
  m.micro_batch = 1;
  const Graph g = Graph::build(m, {});
  WaferSystem sys = WaferSystem::load(kRoot / "configs/systems/tiny-3nm-32x32.yaml");
  MapOptions mo;
  mo.style = "layer_sequential";
  mo.matmul_mapping = "summa";
  const Plan plan = map_model(g, sys, net.fabric, mo);
  EXPECT_EQ(plan.fabric_pieces, 2u);
  EXPECT_EQ(plan.tiles_cut_off, 24u);
  std::size_t used = 0;
  for (const auto& r : plan.regions)
    for (const auto t : r.grid.tiles) {
      EXPECT_GE(net.fabric.col_of(t), 4) << t;
      ++used;
    }
  EXPECT_GT(used, 0u);
  for (const auto& it : plan.workload.items)
    if (it.kind == sim::WorkItem::Kind::kMessage) {
      for (const auto d : it.destinations()) EXPECT_GE(net.fabric.col_of(d), 4);
    }
  sim::WorkloadRunOptions ro;
  EXPECT_GT(analytic_estimate(plan.workload, *net.routing, *net.clocks, net.options, ro).makespan_ps, 0);
  net.options.record_deliveries = true;
  auto e = net.engine();
  e->set_trace({});
  EXPECT_GT(sim::run_workload(*e, net.fabric, *net.clocks, plan.workload, net.options, ro).makespan_ps, 0);
}

TEST(Mapper, WeightStreamingLoadsEveryWeightTwiceAndStoresEveryGradient) {
  const CompiledStep s = small("weight_streaming");
  // Forward and dX each load the weight of every weighted matmul; dW stores a gradient of the
  // same size. Independent count from the graph's forward matmuls (2-byte weights and gradients).
  double weights = 0;
  for (std::size_t v = 0; v < s.graph->size(); ++v) {
    const Op& o = s.graph->op(v);
    if (o.phase == Phase::kForward && o.kind == OpKind::kMatMul && o.weighted) weights += static_cast<double>(o.k * o.n);
  }
  EXPECT_NEAR(static_cast<double>(s.plan.workload.off_wafer_bytes()), 3 * 2 * weights, 0.001 * 6 * weights);
  EXPECT_EQ(s.plan.offwafer_flops, s.graph->flops(Phase::kOptimizer));
}

TEST(Mapper, DeadTilesLeaveFewerTilesAndCostTime) {
  const CompiledStep clean = small("layer_pipelined"), holed = small("layer_pipelined", 0.05);
  std::size_t a = 0, b = 0;
  for (const auto& r : clean.plan.regions) a += r.grid.size();
  for (const auto& r : holed.plan.regions) b += r.grid.size();
  EXPECT_LT(b, a);
  EXPECT_GT(holed.analytic.makespan_ps, clean.analytic.makespan_ps);
}

// Every matmul mapping maps every op; auto keeps the fastest of them by the cost model.
TEST(Mapper, EveryMatmulMappingMapsEveryOpAndAutoKeepsTheFastest) {
  StepOptions o;
  o.style = "layer_pipelined";
  o.layers = 1;
  o.sequence = 32;
  o.micro_batch = 1;
  const auto compile = [&](const std::string& mapping) {
    o.matmul_mapping = mapping;
    return compile_step(kRoot / "workloads/gpt2-small.yaml", kRoot / "configs/systems/tiny-3nm-32x32.yaml", o);
  };
  double fastest = -1;
  for (const std::string mapping : {"summa", "cannon", "weight_stationary"}) {
    const CompiledStep s = compile(mapping);
    EXPECT_NEAR(s.plan.flops + s.plan.offwafer_flops, s.graph->total_flops(), 1e-9 * s.graph->total_flops()) << mapping;
    EXPECT_NO_THROW(s.plan.workload.validate(s.net->sample.fabric)) << mapping;
    ASSERT_FALSE(s.plan.matmul_choices.empty());
    for (const auto& c : s.plan.matmul_choices)
      if (c.note.empty()) {
        EXPECT_EQ(c.mapping, mapping) << c.op;
      }
    if (fastest < 0 || s.analytic.makespan_ps < fastest) fastest = s.analytic.makespan_ps;
  }
  const CompiledStep a = compile("auto");
  EXPECT_EQ(a.plan.matmul_auto.size(), 3u);
  EXPECT_DOUBLE_EQ(a.analytic.makespan_ps, fastest);
}

// The attention mappings compute the same ops; streamed runs each core op as several steps per
// unit and its SRAM does not grow with the keys a unit attends over, gathered's does (it holds
// them all) until it does not fit, where it is an input error and auto takes streamed.
TEST(Mapper, AttentionMappingsMapTheSameOpsAndOnlyGatheredHoldsTheSequence) {
  StepOptions o;
  o.style = "layer_sequential";
  o.matmul_mapping = "summa";
  o.layers = 1;
  o.sequence = 64;
  o.micro_batch = 1;
  const auto compile = [&](const std::string& attention, double key_scale) {
    o.attention_mapping = attention;
    o.attention_key_scale = key_scale;
    return compile_step(kRoot / "workloads/gpt2-block.yaml", kRoot / "configs/systems/tiny-3nm-32x32.yaml", o);
  };
  const CompiledStep g = compile("gathered", 1), s = compile("streamed", 1);
  EXPECT_EQ(g.plan.attention_mapping, "gathered");
  EXPECT_EQ(s.plan.attention_mapping, "streamed");
  EXPECT_GE(s.plan.attention_blocks_per_step, 1);
  EXPECT_DOUBLE_EQ(g.plan.flops, s.plan.flops);
  EXPECT_NO_THROW(s.plan.workload.validate(s.net->sample.fabric));
  // Tasks per core op and unit: 1 gathered; one per step streamed.
  auto core_tasks = [](const CompiledStep& c) {
    std::size_t n = 0;
    for (std::size_t i = 0; i < c.plan.workload.items.size(); ++i)
      if (c.plan.workload.items[i].kind == sim::WorkItem::Kind::kTask && c.plan.item_op[i] >= 0 &&
          c.graph->op(static_cast<std::size_t>(c.plan.item_op[i])).attention_core)
        ++n;
    return n;
  };
  EXPECT_GT(core_tasks(s), core_tasks(g));
  // Auto: both costed, the faster kept.
  const CompiledStep a = compile("auto", 1);
  ASSERT_EQ(a.plan.attention_auto.size(), 2u);
  EXPECT_DOUBLE_EQ(a.analytic.makespan_ps, std::min(g.analytic.makespan_ps, s.analytic.makespan_ps));
  // 64 times the keys (a scaled representative layer's real model): streamed's SRAM is unchanged,
  // gathered no longer fits.
  const CompiledStep s64 = compile("streamed", 64);
  EXPECT_DOUBLE_EQ(s64.plan.sram_max_bytes, s.plan.sram_max_bytes);
  try {
    compile("gathered", 64);
    ADD_FAILURE() << "gathered attention over 64 x 64 keys per unit fitted a 1.5 MiB tile";
  } catch (const InputError& e) {
    EXPECT_NE(std::string(e.what()).find("attention mapping 'gathered' needs"), std::string::npos) << e.what();
  }
  const CompiledStep a64 = compile("auto", 64);
  EXPECT_EQ(a64.plan.attention_mapping, "streamed");
  ASSERT_EQ(a64.plan.attention_auto.size(), 2u);
  EXPECT_LT(a64.plan.attention_auto[1].ps, 0);  // gathered: not usable
  EXPECT_THROW(compile("stream", 1), InputError);
}

// MoE mappings on one wafer (workloads/moe-block.yaml: 8 experts, top-2, 512 tokens of 256):
// the same ops; expert_parallel sends each expert its expected token slots' rows once (an
// all-to-all; the backward reuses them), expert_sliced moves no token; auto costs both.
TEST(Mapper, MoeMappingsMapTheSameOpsAndOnlyExpertParallelMovesTokens) {
  StepOptions o;
  o.style = "layer_sequential";
  o.matmul_mapping = "summa";
  const auto compile = [&](const std::string& moe) {
    o.moe_mapping = moe;
    return compile_step(kRoot / "workloads/moe-block.yaml", kRoot / "configs/systems/tiny-3nm-32x32.yaml", o);
  };
  const CompiledStep par = compile("expert_parallel"), sl = compile("expert_sliced");
  EXPECT_EQ(par.plan.moe_mapping, "expert_parallel");
  EXPECT_EQ(sl.plan.moe_mapping, "expert_sliced");
  EXPECT_DOUBLE_EQ(par.plan.flops, sl.plan.flops);
  EXPECT_NO_THROW(par.plan.workload.validate(par.net->sample.fabric));
  // Unicast bytes of the ops of expert 0's up projection (SUMMA's broadcasts are multicasts).
  const auto unicast_bytes = [](const CompiledStep& c, const std::string& op) {
    double b = 0;
    for (std::size_t i = 0; i < c.plan.workload.items.size(); ++i) {
      const auto& w = c.plan.workload.items[i];
      if (w.kind == sim::WorkItem::Kind::kMessage && !w.multicast() && c.plan.item_op[i] >= 0 &&
          c.graph->op(static_cast<std::size_t>(c.plan.item_op[i])).name == op)
        b += w.bytes;
    }
    return b;
  };
  const ModelSpec& m = par.model;
  // Expert 0 computes 1.25 x 512 x 2 / 8 = 160 slots at most (balanced router: 128); each brings
  // its token's row of d_model and its router row of 8 scores, fp32. The few pieces already on an
  // expert's own tiles move nothing.
  const double slots = static_cast<double>(par.graph->tokens() * m.moe.top_k) / m.moe.experts;
  const double dispatch = slots * static_cast<double>(m.d_model + m.moe.experts) * 4.0;
  EXPECT_LE(unicast_bytes(par, "L0.moe.e0.up"), dispatch * (1 + 1e-9));
  EXPECT_GE(unicast_bytes(par, "L0.moe.e0.up"), 0.8 * dispatch);
  EXPECT_EQ(unicast_bytes(par, "L0.moe.e0.up.dW"), 0.0);  // the tokens the forward sent stay for dW
  EXPECT_EQ(unicast_bytes(sl, "L0.moe.e0.up"), 0.0);
  EXPECT_LT(sl.plan.workload.on_wafer_bytes(), par.plan.workload.on_wafer_bytes());
  const CompiledStep a = compile("auto");
  ASSERT_EQ(a.plan.moe_auto.size(), 2u);
  EXPECT_DOUBLE_EQ(a.analytic.makespan_ps, std::min(par.analytic.makespan_ps, sl.analytic.makespan_ps));
  // Bad names, and a mapping for a model without experts.
  try {
    compile("expert_paralel");
    ADD_FAILURE() << "no error";
  } catch (const InputError& e) {
    EXPECT_NE(std::string(e.what()).find("did you mean 'expert_parallel'"), std::string::npos) << e.what();
  }
  o.moe_mapping = "expert_sliced";
  o.layers = 1;
  o.sequence = 32;
  EXPECT_THROW(compile_step(kRoot / "workloads/gpt2-small.yaml", kRoot / "configs/systems/tiny-3nm-32x32.yaml", o), InputError);
}

// Micro-batches in flight (gpt2-block with 4 micro-batches a step): the graph's dataflow once per
// micro-batch on the same tiles, the optimizer once after all of them; each keeps its
// activations; the work doubles and the time less than doubles.
TEST(Mapper, MicroBatchesInFlightShareTheTilesAndTheOptimizer) {
  ModelSpec m = ModelSpec::load(kRoot / "workloads/gpt2-block.yaml");
  m.global_batch = 4;
  const WaferSystem sys = WaferSystem::load(kRoot / "configs/systems/tiny-3nm-32x32.yaml");
  StepOptions o;
  o.style = "layer_sequential";
  o.matmul_mapping = "summa";
  o.attention_mapping = "gathered";
  const auto compile = [&](int n) {
    o.micro_batches_in_flight = n;
    return compile_step(m, sys, o);
  };
  const CompiledStep one = compile(1), two = compile(2);
  EXPECT_EQ(two.plan.micro_batches_in_flight, 2);
  const double opt = one.graph->flops(Phase::kOptimizer);
  ASSERT_GT(opt, 0);
  EXPECT_NEAR(two.plan.flops, 2 * (one.plan.flops - opt) + opt, 1e-9 * two.plan.flops);
  EXPECT_NO_THROW(two.plan.workload.validate(two.net->sample.fabric));
  // The optimizer's tasks: as many, each waiting for both micro-batches' weight gradients.
  const auto optimizer = [](const CompiledStep& c) {
    std::pair<std::size_t, std::size_t> tasks_deps{0, 0};
    for (std::size_t i = 0; i < c.plan.workload.items.size(); ++i)
      if (c.plan.item_op[i] >= 0 && c.graph->op(static_cast<std::size_t>(c.plan.item_op[i])).kind == OpKind::kOptimizer &&
          c.plan.workload.items[i].kind == sim::WorkItem::Kind::kTask) {
        ++tasks_deps.first;
        tasks_deps.second += c.plan.workload.items[i].after.size();
      }
    return tasks_deps;
  };
  ASSERT_GT(optimizer(one).first, 0u);
  EXPECT_EQ(optimizer(two).first, optimizer(one).first);
  EXPECT_EQ(optimizer(two).second, 2 * optimizer(one).second);
  // Every other item twice.
  EXPECT_EQ(two.plan.workload.items.size() - optimizer(two).first, 2 * (one.plan.workload.items.size() - optimizer(one).first));
  // A second micro-batch's activations on the one region's tiles (the forward ops' outputs).
  double acts = 0;
  for (std::size_t v = 0; v < one.graph->size(); ++v)
    if (one.graph->op(v).phase == Phase::kForward) acts += one.graph->op(v).bytes_written;
  EXPECT_GE(two.plan.sram_mean_bytes - one.plan.sram_mean_bytes, acts / static_cast<double>(one.plan.regions[0].grid.size()) * (1 - 1e-9));
  EXPECT_GT(two.analytic.makespan_ps, one.analytic.makespan_ps);
  EXPECT_LT(two.analytic.makespan_ps, 2 * one.analytic.makespan_ps);
  // The step: two groups of two instead of four of one.
  EXPECT_DOUBLE_EQ(two.full_step_s(two.analytic.makespan_ps), 2 * two.analytic.makespan_ps * 1e-12);
  // More in flight than a step has, none, and a weight-streaming style.
  EXPECT_THROW(compile(5), InputError);
  EXPECT_THROW(compile(0), InputError);
  o.style = "weight_streaming";
  try {
    compile(2);
    ADD_FAILURE() << "no error";
  } catch (const InputError& e) {
    EXPECT_NE(std::string(e.what()).find("micro-batches in flight need them resident"), std::string::npos) << e.what();
  }
}

TEST(Mapper, MatmulMappingThatCannotDoItIsAnInputError) {
  StepOptions o;
  o.style = "weight_streaming";
  o.layers = 1;
  o.sequence = 32;
  o.micro_batch = 1;
  o.matmul_mapping = "weight_stationary";
  try {
    compile_step(kRoot / "workloads/gpt2-small.yaml", kRoot / "configs/systems/tiny-3nm-32x32.yaml", o);
    ADD_FAILURE() << "no error";
  } catch (const InputError& e) {
    EXPECT_NE(std::string(e.what()).find("needs the weight resident in SRAM"), std::string::npos) << e.what();
  }
}

TEST(Mapper, ModelThatFitsNowhereIsAnInputError) {
  StepOptions o;
  try {
    compile_step(kRoot / "workloads/gpt3-175b.yaml", kRoot / "configs/systems/tiny-3nm-32x32.yaml", o);
    FAIL() << "no error";
  } catch (const InputError& e) {
    const std::string m = e.what();
    EXPECT_NE(m.find("does not fit"), std::string::npos) << m;
    EXPECT_NE(m.find("layer_pipelined"), std::string::npos) << m;
    EXPECT_NE(m.find("weight_streaming"), std::string::npos) << m;
  }
  o.style = "weight_stream";
  EXPECT_THROW(compile_step(kRoot / "workloads/gpt2-small.yaml", kRoot / "configs/systems/tiny-3nm-32x32.yaml", o), InputError);
}

}  // namespace
}  // namespace wafersim::compiler
