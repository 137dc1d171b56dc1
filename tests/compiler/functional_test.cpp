// Functional check of mapped plans: execute the plan numerically, each tile computing with Eigen on
// the data the plan's messages delivered to it, and compare with one Eigen computation of the
// whole thing. Fabrics of 4 x 4 and 8 x 8 with dead tiles; a plan that reads data no message
// delivered (or delivered without ordering it first) must fail.
#include <gtest/gtest.h>

#include <cmath>

#include "../mesh/test_util.hpp"
#include "../sim/sim_test_util.hpp"
#include "compiler/functional_check.hpp"
#include "compiler/plan_builder.hpp"
#include "sim/workload_run.hpp"

namespace wafersim::compiler {
namespace {

Eigen::MatrixXd random_matrix(std::int64_t r, std::int64_t c, unsigned seed) {
  std::srand(seed);  // values only; no result depends on the generator
  return Eigen::MatrixXd::Random(r, c);
}

// One causal attention head computed whole.
Eigen::MatrixXd attention_reference(const Eigen::MatrixXd& x, const Eigen::MatrixXd& wq, const Eigen::MatrixXd& wk, const Eigen::MatrixXd& wv) {
  const Eigen::MatrixXd q = x * wq, k = x * wk, v = x * wv;
  Eigen::MatrixXd s = q * k.transpose() / std::sqrt(static_cast<double>(q.cols()));
  for (Eigen::Index r = 0; r < s.rows(); ++r) {
    for (Eigen::Index c = r + 1; c < s.cols(); ++c) s(r, c) = -1e300;
    s.row(r) = (s.row(r).array() - s.row(r).maxCoeff()).exp().matrix();
    s.row(r) /= s.row(r).sum();
  }
  return s * v;
}

struct Case {
  int rows, cols;
  std::vector<std::pair<int, int>> dead;
};

const Case kCases[] = {{4, 4, {{1, 2}}}, {4, 4, {{0, 0}, {2, 3}, {3, 1}}}, {8, 8, {{0, 3}, {4, 4}, {5, 1}, {7, 7}}}};

TileComputeSpec small_tile() {
  TileComputeSpec t;
  t.array = 4;
  return t;
}

TEST(Functional, SummaMatmulOnFabricsWithDeadTiles) {
  for (const Case& c : kCases) {
    sim::testing::TestNetwork net(c.rows, c.cols, "duato", c.dead);
    const Plan plan = plan_matmul(net.fabric, small_tile(), 37, 29, 41);
    const Eigen::MatrixXd a = random_matrix(37, 29, 1), b = random_matrix(29, 41, 2);
    const auto out = execute_plan(plan, {{0, a}, {1, b}});
    ASSERT_EQ(out.count(2), 1u);
    EXPECT_LT((out.at(2) - a * b).cwiseAbs().maxCoeff(), 1e-12) << c.rows << "x" << c.cols;
    // No dead tile is used, and the plan runs on the engine (every message arrives).
    for (const auto& w : plan.workload.items) {
      if (w.kind == sim::WorkItem::Kind::kTask) {
        EXPECT_TRUE(net.fabric.endpoint(w.tile));
      }
    }
    net.options.record_deliveries = true;
    auto e = net.engine();
    e->set_trace({});
    const auto r = sim::run_workload(*e, net.fabric, *net.clocks, plan.workload, net.options, {});
    EXPECT_GT(r.makespan_ps, 0);
  }
}

TEST(Functional, CannonMatmulOnFabricsWithDeadTiles) {
  for (const Case& c : kCases)
    for (const bool resident : {true, false}) {
      sim::testing::TestNetwork net(c.rows, c.cols, "duato", c.dead);
      const Plan plan = plan_matmul_cannon(net.fabric, small_tile(), 37, 29, 41, resident);
      const Eigen::MatrixXd a = random_matrix(37, 29, 1), b = random_matrix(29, 41, 2);
      const auto out = execute_plan(plan, {{0, a}, {1, b}});
      ASSERT_EQ(out.count(2), 1u);
      EXPECT_LT((out.at(2) - a * b).cwiseAbs().maxCoeff(), 1e-12) << c.rows << "x" << c.cols << " resident " << resident;
      // Every shift between ring neighbours goes at most 2 grid positions; count the shifts that
      // a dead tile stretches (the grid shifts its row east) and check they are routed anyway.
      net.options.record_deliveries = true;
      auto e = net.engine();
      e->set_trace({});
      EXPECT_GT(sim::run_workload(*e, net.fabric, *net.clocks, plan.workload, net.options, {}).makespan_ps, 0);
    }
}

// Several Cannon steps per task: the same product, and one task per run of w consecutive K blocks
// (a run also ends where the blocks wrap around to block 0), counted here from the skew's formula
// k = (r(x) + r(y) + s) mod p.
TEST(Functional, CannonStepsMergedIntoTasksGiveTheSameProduct) {
  for (const Case& c : kCases)
    for (const int w : {2, 3, 64}) {
      sim::testing::TestNetwork net(c.rows, c.cols, "duato", c.dead);
      const Plan plan = plan_matmul_cannon(net.fabric, small_tile(), 37, 29, 41, true, w);
      const Eigen::MatrixXd a = random_matrix(37, 29, 3), b = random_matrix(29, 41, 4);
      const auto out = execute_plan(plan, {{0, a}, {1, b}});
      ASSERT_EQ(out.count(2), 1u);
      EXPECT_LT((out.at(2) - a * b).cwiseAbs().maxCoeff(), 1e-12) << c.rows << "x" << c.cols << " w " << w;
      std::size_t tasks = 0;
      for (const auto& it : plan.workload.items) tasks += it.kind == sim::WorkItem::Kind::kTask;
      int p = 0;
      for (const auto& [tile, s] : plan.outputs) p += s.tensor == 2;
      p = static_cast<int>(std::lround(std::sqrt(p)));
      std::vector<int> ring(static_cast<std::size_t>(p));
      for (int r = 0; r < p; ++r) ring[static_cast<std::size_t>(folded_ring_position(p, r))] = r;
      const int ww = std::min(w, p);
      std::size_t expected = 0;
      for (int x = 0; x < p; ++x)
        for (int y = 0; y < p; ++y) {
          const int k0 = (ring[static_cast<std::size_t>(x)] + ring[static_cast<std::size_t>(y)]) % p;
          expected += static_cast<std::size_t>((p - k0 + ww - 1) / ww + (k0 + ww - 1) / ww);
        }
      EXPECT_EQ(tasks, expected) << c.rows << "x" << c.cols << " w " << w;
      net.options.record_deliveries = true;
      auto e = net.engine();
      e->set_trace({});
      EXPECT_GT(sim::run_workload(*e, net.fabric, *net.clocks, plan.workload, net.options, {}).makespan_ps, 0);
    }
}

// Steps per task, worked by hand for the GPT-4 layer's projection on 32 x 32 (16 x 16 array,
// 16 cycles of overhead): blocks 20 x 24 x 24, 4 output tiles, F = 4 x 16 + 16 = 80 cycles; a
// shift moves the larger block, 24 x 24 x 2 bytes over 32 bytes per cycle = 36 cycles; sqrt(32 x
// 80 / 36) = 8.4. The 2w buffers of (480 + 576) x 2 bytes cap it.
TEST(Functional, CannonStepsPerTaskBalanceFixedCostAgainstShifts) {
  TileComputeSpec t;
  t.array = 16;
  t.task_overhead_cycles = 16;
  EXPECT_EQ(PlanBuilder::cannon_steps_per_task(t, 32, 624, 768, 768, 2.0, 32.0, 1e6), 8);
  EXPECT_EQ(PlanBuilder::cannon_steps_per_task(t, 32, 624, 768, 768, 2.0, 32.0, 20000), 5);  // 20000 / 4224 = 4.7
  EXPECT_EQ(PlanBuilder::cannon_steps_per_task(t, 32, 624, 768, 768, 2.0, 32.0, 0), 1);
  EXPECT_EQ(PlanBuilder::cannon_steps_per_task(t, 1, 624, 768, 768, 2.0, 32.0, 1e6), 1);
}

// On a fabric with holes Duato's escape is the non-minimal up*/down* tree. Taken at once when no
// adaptive VC is free (escape_wait 0), Cannon's neighbour shifts leak onto it and travel further
// than their Manhattan distance; a head that waits for an adaptive VC instead stays minimal. On a
// whole mesh the escape is XY and minimal itself.
TEST(Functional, EscapeWaitKeepsCannonShiftsOnMinimalRoutes) {
  auto hops_over_manhattan = [](int escape_wait, std::vector<std::pair<int, int>> dead) {
    sim::testing::TestNetwork net(8, 8, "duato", dead);
    net.options.router.num_vcs = 4;
    net.options.router.escape_wait = escape_wait;
    net.options.record_deliveries = true;
    TileComputeSpec t;
    t.array = 16;
    const Plan plan = plan_matmul_cannon(net.fabric, t, 160, 192, 192, true);
    sim::WorkloadRunOptions ro;
    ro.max_packet_flits = 16;
    auto e = net.engine();
    e->set_trace({});
    const auto r = sim::run_workload(*e, net.fabric, *net.clocks, plan.workload, net.options, ro);
    double manhattan = 0, flits = 0;
    for (const auto& w : plan.workload.items) {
      if (w.kind != sim::WorkItem::Kind::kMessage) continue;
      const double f = std::ceil(static_cast<double>(w.bytes) / net.options.channels.flit_bytes);
      manhattan += f * (std::abs(net.fabric.row_of(w.src) - net.fabric.row_of(w.dst)) + std::abs(net.fabric.col_of(w.src) - net.fabric.col_of(w.dst)));
      flits += f;
    }
    EXPECT_EQ(static_cast<double>(r.delivered_flits), flits);
    return r.flit_hops / manhattan;
  };
  // A dead corner router: the escape is up*/down*, and without a wait neighbour streams that find
  // both adaptive VCs busy leak onto it; the shifts themselves never need the corner.
  EXPECT_DOUBLE_EQ(hops_over_manhattan(1'000'000, {{7, 7}}), 1.0);
  EXPECT_GT(hops_over_manhattan(0, {{7, 7}}), 1.0);
  // A whole mesh: the escape is XY, so a packet on it stays minimal without any wait.
  EXPECT_DOUBLE_EQ(hops_over_manhattan(0, {}), 1.0);
}

// The folded ring: ring neighbours at most 2 positions apart, every position once.
TEST(Functional, FoldedRingNeighboursAreAtMostTwoApart) {
  for (int p = 1; p <= 9; ++p) {
    std::vector<int> seen(static_cast<std::size_t>(p), 0);
    for (int r = 0; r < p; ++r) {
      const int a = folded_ring_position(p, r), b = folded_ring_position(p, (r + 1) % p);
      ASSERT_GE(a, 0);
      ASSERT_LT(a, p);
      ++seen[static_cast<std::size_t>(a)];
      EXPECT_LE(std::abs(a - b), 2) << p << " " << r;
    }
    for (int k = 0; k < p; ++k) EXPECT_EQ(seen[static_cast<std::size_t>(k)], 1) << p;
  }
}

TEST(Functional, AttentionHeadOnFabricsWithDeadTiles) {
  for (const Case& c : kCases) {
    sim::testing::TestNetwork net(c.rows, c.cols, "duato", c.dead);
    const std::int64_t S = 45, d = 24, hd = 10;
    const Plan plan = plan_attention_head(net.fabric, small_tile(), S, d, hd);
    const Eigen::MatrixXd x = random_matrix(S, d, 3), wq = random_matrix(d, hd, 4), wk = random_matrix(d, hd, 5),
                          wv = random_matrix(d, hd, 6);
    const auto out = execute_plan(plan, {{0, x}, {1, wq}, {2, wk}, {3, wv}});
    const Eigen::MatrixXd ref = attention_reference(x, wq, wk, wv);
    EXPECT_LT((out.at(8) - ref).cwiseAbs().maxCoeff(), 1e-12) << c.rows << "x" << c.cols;
    net.options.record_deliveries = true;
    auto e = net.engine();
    e->set_trace({});
    EXPECT_GT(sim::run_workload(*e, net.fabric, *net.clocks, plan.workload, net.options, {}).makespan_ps, 0);
  }
}

// Keys and values streamed around the head's ring, one online-softmax step per block, with 1, 2
// and 3 blocks a step (the credits between steps differ): the same context as one computation.
TEST(Functional, StreamedAttentionHeadOnFabricsWithDeadTiles) {
  for (const Case& c : kCases)
    for (const int w : {1, 2, 3}) {
      sim::testing::TestNetwork net(c.rows, c.cols, "duato", c.dead);
      const std::int64_t S = 45, d = 24, hd = 10;
      const Plan plan = plan_attention_head(net.fabric, small_tile(), S, d, hd, w);
      const Eigen::MatrixXd x = random_matrix(S, d, 3), wq = random_matrix(d, hd, 4), wk = random_matrix(d, hd, 5),
                            wv = random_matrix(d, hd, 6);
      const auto out = execute_plan(plan, {{0, x}, {1, wq}, {2, wk}, {3, wv}});
      EXPECT_LT((out.at(8) - attention_reference(x, wq, wk, wv)).cwiseAbs().maxCoeff(), 1e-12) << c.rows << "x" << c.cols << " w " << w;
      // No multicast carries keys or values: every unit gets them from its ring predecessor.
      for (std::size_t i = 0; i < plan.workload.items.size(); ++i)
        if (plan.workload.items[i].multicast()) {
          EXPECT_NE(plan.item_data[i].out.tensor, 5);
          EXPECT_NE(plan.item_data[i].out.tensor, 6);
        }
      net.options.record_deliveries = true;
      auto e = net.engine();
      e->set_trace({});
      EXPECT_GT(sim::run_workload(*e, net.fabric, *net.clocks, plan.workload, net.options, {}).makespan_ps, 0);
    }
}

// Breaking a plan in either of the two ways must be caught.
TEST(Functional, PlanReadingUndeliveredDataFails) {
  sim::testing::TestNetwork net(4, 4, "duato", {{1, 2}});
  const Eigen::MatrixXd a = random_matrix(16, 12, 1), b = random_matrix(12, 8, 2);
  const Plan good = plan_matmul(net.fabric, small_tile(), 16, 12, 8);
  ASSERT_NO_THROW(execute_plan(good, {{0, a}, {1, b}}));
  std::size_t msg = 0;
  while (good.workload.items[msg].kind != sim::WorkItem::Kind::kMessage) ++msg;
  // 1. The message goes to the wrong tile. 2. It arrives, but the task that reads it no longer
  // waits for it.
  auto misrouted_and_unwaited_fail = [&](const Plan& plan, std::size_t m) {
    Plan wrong = plan;
    auto& w = wrong.workload.items[m];
    w.dst = w.dst == w.src + 1 ? w.src + 2 : w.src + 1;
    EXPECT_THROW(execute_plan(wrong, {{0, a}, {1, b}}), FunctionalError);
    Plan unordered = plan;
    for (auto& item : unordered.workload.items) std::erase(item.after, static_cast<std::uint32_t>(m));
    EXPECT_THROW(execute_plan(unordered, {{0, a}, {1, b}}), FunctionalError);
  };
  misrouted_and_unwaited_fail(good, msg);
  // 2b. SUMMA's broadcasts are multicasts: one that misses a member of its row or column.
  Plan short_mc = good;
  std::size_t mc = 0;
  while (!short_mc.workload.items[mc].multicast()) ++mc;
  ASSERT_GE(short_mc.workload.items[mc].dsts.size(), 2u);
  short_mc.workload.items[mc].dsts.pop_back();
  EXPECT_THROW(execute_plan(short_mc, {{0, a}, {1, b}}), FunctionalError);
  // 2c. Cannon: a shift that goes to the wrong tile, and one the next step no longer waits for.
  const Plan cannon = plan_matmul_cannon(net.fabric, small_tile(), 16, 12, 8, true);
  ASSERT_NO_THROW(execute_plan(cannon, {{0, a}, {1, b}}));
  // The last message a task reads (B's shifts home at the end are read by nobody).
  std::size_t shift = 0;
  for (const auto& item : cannon.workload.items)
    if (item.kind == sim::WorkItem::Kind::kTask)
      for (const auto d : item.after)
        if (cannon.workload.items[d].kind == sim::WorkItem::Kind::kMessage) shift = std::max<std::size_t>(shift, d);
  ASSERT_GT(shift, 0u);
  misrouted_and_unwaited_fail(cannon, shift);
  // 3. The attention plan without one of its key/value deliveries.
  Plan att = plan_attention_head(net.fabric, small_tile(), 20, 8, 4);
  const auto x = random_matrix(20, 8, 3), wq = random_matrix(8, 4, 4);
  std::size_t last_msg = att.workload.items.size();
  while (att.workload.items[--last_msg].kind != sim::WorkItem::Kind::kMessage) {
  }
  // The last messages bring the context back to the grid: drop one's carried slice.
  att.item_data[last_msg].out.r1 = att.item_data[last_msg].out.r0;
  EXPECT_THROW(execute_plan(att, {{0, x}, {1, wq}, {2, wq}, {3, wq}}), FunctionalError);
  // 4. Streamed attention: a key block's ring message no step waits for, and a step that no longer
  // waits for the unit's previous step (whose running maximum and sum it continues).
  const Plan st = plan_attention_head(net.fabric, small_tile(), 20, 8, 4, 2);
  const std::map<int, Eigen::MatrixXd> in{{0, x}, {1, wq}, {2, wq}, {3, wq}};
  ASSERT_NO_THROW(execute_plan(st, in));
  std::size_t ring_msg = st.workload.items.size(), step = st.workload.items.size();
  for (std::size_t i = 0; i < st.workload.items.size(); ++i) {
    const auto& item = st.workload.items[i];
    if (item.kind != sim::WorkItem::Kind::kTask || st.item_data[i].kind != ItemData::Kind::kAttentionStep) continue;
    for (const auto dep : item.after) {
      // The last key message a step reads is one of the ring's (the own blocks' come first).
      if (st.item_data[dep].kind == ItemData::Kind::kCarry && st.item_data[dep].out.tensor == 5 &&
          (ring_msg == st.workload.items.size() || dep > ring_msg))
        ring_msg = dep;
      if (st.item_data[dep].kind == ItemData::Kind::kAttentionStep && step == st.workload.items.size()) step = i;
    }
  }
  ASSERT_LT(ring_msg, st.workload.items.size());
  ASSERT_LT(step, st.workload.items.size());
  Plan no_key = st;
  for (auto& item : no_key.workload.items) std::erase(item.after, static_cast<std::uint32_t>(ring_msg));
  EXPECT_THROW(execute_plan(no_key, in), FunctionalError);
  // Cut every dependency of the step on earlier attention steps of its tile (its data still
  // arrives, but the state it continues is no longer ordered before it).
  Plan unchained = st;
  auto& cut = unchained.workload.items[step];
  std::erase_if(cut.after, [&](std::uint32_t d) { return st.item_data[d].kind == ItemData::Kind::kAttentionStep; });
  EXPECT_THROW(execute_plan(unchained, in), FunctionalError);
}

}  // namespace
}  // namespace wafersim::compiler
