// Functional check of mapped plans: execute the plan numerically, each tile computing with Eigen on
// the data the plan's messages delivered to it, and compare with one Eigen computation of the
// whole thing. Fabrics of 4 x 4 and 8 x 8 with dead tiles; a plan that reads data no message
// delivered (or delivered without ordering it first) must fail.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <set>

#include "../mesh/test_util.hpp"
#include "../sim/sim_test_util.hpp"
#include "compiler/functional_check.hpp"
#include "compiler/layouts.hpp"
#include "compiler/moe_mapping.hpp"
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
// Micro-batches in flight share a resident weight that Cannon shifts around and puts back: three
// uses taking turns give three right products; without the turns, a use reads blocks of B that
// the previous use's shifts overwrote, and the check fails.
TEST(Functional, CannonUsesOfOneResidentWeightTakeTurns) {
  for (const Case& c : kCases)
    for (const int w : {1, 2}) {
      sim::testing::TestNetwork net(c.rows, c.cols, "duato", c.dead);
      const std::int64_t M = 13, K = 17, N = 11;
      const Eigen::MatrixXd bm = random_matrix(K, N, 2);
      std::map<int, Eigen::MatrixXd> in{{1, bm}};
      for (int u = 0; u < 3; ++u) in[u == 0 ? 0 : 1 + 2 * u] = random_matrix(M, K, 10 + static_cast<unsigned>(u));
      const auto out = execute_plan(plan_matmul_cannon_shared(net.fabric, small_tile(), M, K, N, 3, true, w), in);
      for (int u = 0; u < 3; ++u) {
        EXPECT_LT((out.at(u == 0 ? 2 : 2 + 2 * u) - in.at(u == 0 ? 0 : 1 + 2 * u) * bm).cwiseAbs().maxCoeff(), 1e-12)
            << c.rows << "x" << c.cols << " w " << w << " use " << u;
      }
      EXPECT_THROW(execute_plan(plan_matmul_cannon_shared(net.fabric, small_tile(), M, K, N, 3, false, w), in), FunctionalError);
    }
}

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

// A skewed top-2 (or top-1) router over E experts: token t's experts and gates, from a fixed
// integer hash (no library generator: the same routing everywhere).
MoeRouting skewed_routing(std::int64_t T, int E) {
  MoeRouting r;
  r.experts = E;
  for (std::int64_t t = 0; t < T; ++t) {
    const auto h = static_cast<std::uint32_t>((t * 2654435761u) >> 7);
    const int e1 = static_cast<int>((h % 7) % E);  // 7 residues folded onto E: the low experts get more
    const int e2 = (e1 + 1 + static_cast<int>((h >> 5) % static_cast<unsigned>(E - 1))) % E;
    const double g1 = 0.25 + 0.5 * static_cast<double>(h % 101) / 100.0;
    if (t % 5 == 3) r.choices.push_back({{e1, 1.0}});  // a token whose second slot was dropped
    else r.choices.push_back({{e1, g1}, {e2, 1.0 - g1}});
  }
  return r;
}

// Each MoE mapping (experts on groups of their own, tokens by an all-to-all; or every expert over
// the whole grid) gives sum over a token's choices of gate x X_t W_e, on fabrics with dead tiles,
// with an expert count that divides the grid and one that does not.
TEST(Functional, MoeLayerOnFabricsWithDeadTiles) {
  const auto& reg = MoeMappingRegistry::instance();
  ASSERT_GE(reg.names().size(), 2u);
  for (const Case& c : kCases)
    for (const int E : {3, 4}) {
      const std::int64_t T = 37, d = 12;
      const MoeRouting routing = skewed_routing(T, E);
      const Eigen::MatrixXd x = random_matrix(T, d, 7);
      std::map<int, Eigen::MatrixXd> in{{0, x}};
      for (int e = 0; e < E; ++e) in[1 + e] = random_matrix(d, d, 10 + static_cast<unsigned>(e));
      Eigen::MatrixXd ref = Eigen::MatrixXd::Zero(T, d);
      for (std::int64_t t = 0; t < T; ++t)
        for (const auto& [e, gate] : routing.choices[static_cast<std::size_t>(t)]) ref.row(t) += gate * x.row(t) * in.at(1 + e);
      for (const std::string& name : reg.names()) {
        sim::testing::TestNetwork net(c.rows, c.cols, "duato", c.dead);
        const Plan plan = plan_moe_layer(net.fabric, small_tile(), d, routing, *reg.find(name));
        const auto out = execute_plan(plan, in);
        EXPECT_LT((out.at(1 + 3 * E) - ref).cwiseAbs().maxCoeff(), 1e-12) << name << " " << c.rows << "x" << c.cols << " E " << E;
        // Where the token rows (tensors P_e) go and the products run: on an expert's own group
        // where it has one; else within the tile's grid column (the rows beyond its even share).
        const TileGrid g = make_grid(net.fabric, 0, 0, c.rows, c.cols, c.rows, c.cols);
        std::map<std::uint32_t, int> column;
        for (std::size_t p = 0; p < g.size(); ++p) column[g.tiles[p]] = static_cast<int>(p) % g.pc;
        const auto& groups_of = reg.find(name)->expert_groups;
        const std::vector<TileGrid> groups = groups_of ? groups_of(g, E) : std::vector<TileGrid>{};
        auto in_group = [&](int e, std::uint32_t tile) {
          const auto& own = groups[static_cast<std::size_t>(e)].tiles;
          return std::find(own.begin(), own.end(), tile) != own.end();
        };
        for (std::size_t i = 0; i < plan.workload.items.size(); ++i) {
          const auto& w = plan.workload.items[i];
          const int tensor = plan.item_data[i].out.tensor;
          if (w.kind == sim::WorkItem::Kind::kMessage && !w.multicast() && tensor > E && tensor <= 2 * E) {  // not SUMMA's broadcasts
            if (groups.empty()) {
              EXPECT_EQ(column.at(w.src), column.at(w.dst)) << name;
            } else {
              EXPECT_TRUE(in_group(tensor - 1 - E, w.dst)) << name;
            }
          }
          if (w.kind == sim::WorkItem::Kind::kTask && plan.item_data[i].kind == ItemData::Kind::kMatMulAcc && !groups.empty()) {
            EXPECT_TRUE(in_group(tensor - 1 - 2 * E, w.tile)) << name;
          }
        }
        net.options.record_deliveries = true;
        auto e = net.engine();
        e->set_trace({});
        EXPECT_GT(sim::run_workload(*e, net.fabric, *net.clocks, plan.workload, net.options, {}).makespan_ps, 0) << name;
      }
    }
}

// expert_rectangles: one rectangle per expert, disjoint, all of the grid's tiles when the count
// factors (16 experts on 16 x 8: 4 x 4 cells of 4 x 2), and shared cells beyond the tile count.
TEST(Functional, ExpertRectanglesCutTheGridIntoEqualGroups) {
  TileGrid g;
  g.pr = 16;
  g.pc = 8;
  for (std::uint32_t t = 0; t < 128; ++t) g.tiles.push_back(t);
  const auto r16 = expert_rectangles(g, 16);
  std::set<std::uint32_t> seen;
  for (const TileGrid& s : r16) {
    EXPECT_EQ(s.pr, 4);
    EXPECT_EQ(s.pc, 2);
    seen.insert(s.tiles.begin(), s.tiles.end());
  }
  EXPECT_EQ(seen.size(), 128u);
  // 3 experts on 4 x 4: 3 cells of 4 x 1 would idle a column; 1 x 3 cells of 4 x (1 or 2) idle none.
  TileGrid s4;
  s4.pr = s4.pc = 4;
  for (std::uint32_t t = 0; t < 16; ++t) s4.tiles.push_back(t);
  std::size_t tiles = 0;
  for (const TileGrid& s : expert_rectangles(s4, 3)) tiles += s.size();
  EXPECT_EQ(tiles, 16u);
  // 20 experts on 4 tiles: every tile is a cell, expert e on tile e mod 4.
  TileGrid s2;
  s2.pr = s2.pc = 2;
  s2.tiles = {0, 1, 2, 3};
  const auto r20 = expert_rectangles(s2, 20);
  ASSERT_EQ(r20.size(), 20u);
  for (int e = 0; e < 20; ++e) EXPECT_EQ(r20[static_cast<std::size_t>(e)].tiles, std::vector<std::uint32_t>{static_cast<std::uint32_t>(e % 4)});
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
  // 5. MoE: a token row sent to an expert that its product no longer waits for, and an expert's
  // output row that never comes back to its token's tile.
  for (const std::string& name : MoeMappingRegistry::instance().names()) {
    const int E = 3;
    const Plan moe = plan_moe_layer(net.fabric, small_tile(), 6, skewed_routing(19, E), *MoeMappingRegistry::instance().find(name));
    std::map<int, Eigen::MatrixXd> moe_in{{0, random_matrix(19, 6, 1)}};
    for (int e = 0; e < E; ++e) moe_in[1 + e] = random_matrix(6, 6, 2 + static_cast<unsigned>(e));
    ASSERT_NO_THROW(execute_plan(moe, moe_in)) << name;
    std::size_t sent = moe.workload.items.size(), back = sent;
    for (std::size_t i = 0; i < moe.workload.items.size(); ++i) {
      if (moe.workload.items[i].kind != sim::WorkItem::Kind::kMessage || moe.workload.items[i].multicast()) continue;
      const int t = moe.item_data[i].out.tensor;
      if (t > E && t <= 2 * E && sent == moe.workload.items.size()) sent = i;
      if (t > 2 * E && t <= 3 * E) back = i;
    }
    ASSERT_LT(sent, moe.workload.items.size()) << name;
    ASSERT_LT(back, moe.workload.items.size()) << name;
    Plan unwaited = moe;
    for (auto& item : unwaited.workload.items) std::erase(item.after, static_cast<std::uint32_t>(sent));
    EXPECT_THROW(execute_plan(unwaited, moe_in), FunctionalError) << name;
    Plan lost = moe;
    lost.item_data[back].out.r1 = lost.item_data[back].out.r0;
    EXPECT_THROW(execute_plan(lost, moe_in), FunctionalError) << name;
  }
}

}  // namespace
}  // namespace wafersim::compiler
