// Routing functions, the deadlock check and the route metrics, against closed forms and cases
// worked out by hand.
#include "mesh/routing.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <set>

#include "core/random.hpp"
#include "mesh/channel_dependency.hpp"
#include "mesh/route_metrics.hpp"
#include "mesh/up_down_tree.hpp"
#include "test_util.hpp"

namespace wafersim::mesh {
namespace {

using Mesh = testing::HandMesh;

std::unique_ptr<Routing> make(const std::string& name, const Fabric& f) {
  return RoutingRegistry::instance().find(name)->create(f);
}

const char* kAll[] = {"xy", "up_down", "duato", "minimal_adaptive"};

// Mean distance of uniform traffic on a k x k mesh, self-destinations included: 2 (k^2 - 1) / (3k);
// xy's busiest channel for even k carries k/4 per unit injection, so throughput <= 4/k.
TEST(Routing, FaultFreeMeshMatchesClosedForms) {
  for (int k : {4, 6, 8}) {
    Mesh m(k, k);
    const Fabric f = m.fabric();
    const double n = k * k;
    for (const char* name : {"xy", "duato", "minimal_adaptive"}) {
      const RouteMetrics r = measure_routing(*make(name, f), {});
      EXPECT_TRUE(r.exact);
      EXPECT_DOUBLE_EQ(r.reachability, 1.0) << name;
      EXPECT_NEAR(r.hops_mean * (n - 1) / n, 2.0 * (k * k - 1) / (3.0 * k), 1e-9) << name << " k=" << k;
      EXPECT_NEAR(r.stretch_manhattan_mean, 1.0, 1e-12) << name;
      EXPECT_NEAR(r.stretch_manhattan_max, 1.0, 1e-12) << name;
      EXPECT_NEAR(r.stretch_shortest_max, 1.0, 1e-12) << name;
    }
    const RouteMetrics xy = measure_routing(*make("xy", f), {});
    EXPECT_NEAR(xy.throughput_bound, 4.0 / k, 1e-9) << k;
    EXPECT_NEAR(xy.max_channel_load, k / 4.0, 1e-9) << k;
  }
}

// 5 x 5 with the centre router dead. xy cannot serve a pair whose XY path runs through (2,2):
// sources in row 2 left of it to columns 2..4 (and mirrored): 4 sources x 14 = 56 pairs; sources
// above row 2 to (3,2),(4,2) and below to (0,2),(1,2): 20 + 20. So 456 of 24 x 23 = 552 served.
TEST(Routing, XyCannotRouteAroundAHole) {
  Mesh m(5, 5);
  m.kill(2, 2);
  const Fabric f = m.fabric();
  const RouteMetrics xy = measure_routing(*make("xy", f), {});
  EXPECT_EQ(xy.pairs, 552u);
  EXPECT_NEAR(xy.reachability, 456.0 / 552.0, 1e-12);
  for (const char* name : {"up_down", "duato"}) EXPECT_DOUBLE_EQ(measure_routing(*make(name, f), {}).reachability, 1.0) << name;
}

// A tile cut off entirely (3 x 3, corner (0,0) without links): 8 x 7 of the 9 x 8 pairs remain
// for up_down and duato. xy also loses the 4 pairs whose X-first path turns at the corner:
// (0,1) and (0,2) to (1,0) and (2,0). So 52 / 72.
TEST(Routing, CutOffTileIsUnreachableForEveryAlgorithm) {
  Mesh m(3, 3);
  m.map.kill_east_link(m.wafer.id(0, 0));
  m.map.kill_south_link(m.wafer.id(0, 0));
  const Fabric f = m.fabric();
  for (const char* name : {"up_down", "duato"}) {
    EXPECT_NEAR(measure_routing(*make(name, f), {}).reachability, 56.0 / 72.0, 1e-12) << name;
  }
  EXPECT_NEAR(measure_routing(*make("xy", f), {}).reachability, 52.0 / 72.0, 1e-12);
  EXPECT_TRUE(check_deadlock(*make("duato", f)).deadlock_free);  // one escape tree per piece
}

// Follows route() from s to d, choosing among the options with `rng`; returns hops, or -1.
int walk(const Routing& r, NodeId s, NodeId d, Rng& rng, bool check_turns, const Fabric& f) {
  NodeId at = s;
  Port in = kLocal;
  int vc = 0, hops = 0;
  RouteSet set;
  for (;;) {
    r.route(at, d, in, vc, set);
    if (set.empty()) return -1;
    const RouteOption o = set.options[rng.uniform_int(set.count)];
    if (o.port == kLocal) return at == d ? hops : -2;
    if (r.escape_class() >= 0 && in != kLocal && vc == r.escape_class()) {
      EXPECT_EQ(o.vc, r.escape_class()) << "left the escape";
    }
    const NodeId next = r.neighbour(at, o.port);
    if (check_turns) {
      // The deadlock proof is over the turn rules, so every hop a route takes must be one of them.
      // (The up*/down* order itself is checked against independently computed BFS levels in
      // UpDownRoutesNeverTurnFromDownToUp.)
      RouteSet allowed;
      r.turns(at, in, vc, allowed);
      bool ok = in == kLocal;
      for (const RouteOption& a : allowed) ok = ok || (a.port == o.port && a.vc == o.vc);
      EXPECT_TRUE(ok) << "illegal turn at (" << f.row_of(at) << "," << f.col_of(at) << ")";
    }
    in = opposite(static_cast<Port>(o.port));
    vc = o.vc;
    at = next;
    if (++hops > static_cast<int>(4 * f.nodes())) return -3;
  }
}

// Faulty meshes: a dead row segment and an L-shaped hole. Every pair in one piece is delivered by
// up_down and duato whatever option is taken, every route obeys the algorithm's own turn rules,
// and duato never leaves the escape once on it.
TEST(Routing, UpDownAndDuatoDeliverEveryPairLegally) {
  Mesh a(7, 7);
  for (int c = 1; c <= 4; ++c) a.kill(3, c);  // row segment
  Mesh b(7, 7);
  for (auto [r, c] : {std::pair{1, 4}, {2, 4}, {3, 4}, {4, 4}, {4, 3}, {4, 2}}) b.kill(r, c);  // L
  for (Mesh* m : {&a, &b}) {
    const Fabric f = m->fabric();
    for (const char* name : {"up_down", "duato"}) {
      const auto r = make(name, f);
      Rng rng(5);
      for (NodeId s = 0; s < f.nodes(); ++s) {
        for (NodeId d = 0; d < f.nodes(); ++d) {
          if (!f.endpoint(s) || !f.endpoint(d)) continue;
          for (int trial = 0; trial < 3; ++trial) ASSERT_GE(walk(*r, s, d, rng, true, f), 0) << name;
        }
      }
      EXPECT_DOUBLE_EQ(measure_routing(*r, {}).reachability, 1.0) << name;
    }
  }
}

// The detour around a dead centre: duato's shortest-path stretch is exactly 1 where a minimal
// productive path exists; (2,0) -> (2,4) has none (Manhattan 4, shortest 6).
TEST(Routing, StretchAgainstShortestPathsAroundAHole) {
  Mesh m(5, 5);
  m.kill(2, 2);
  const Fabric f = m.fabric();
  const RouteMetrics d = measure_routing(*make("duato", f), {});
  EXPECT_GT(d.stretch_manhattan_max, 1.0);
  EXPECT_GE(d.stretch_shortest_mean, 1.0);
  EXPECT_LT(d.stretch_shortest_mean, 1.1);
  EXPECT_GE(d.hops_max, 6.0);
}

TEST(Routing, DeadlockFreeAlgorithmsAreProvenAndMinimalAdaptiveHasACycle) {
  Mesh m(6, 6);
  m.kill(2, 3);
  m.kill(4, 1);
  m.map.kill_east_link(m.wafer.id(0, 0));
  const Fabric f = m.fabric();
  for (const char* name : {"xy", "up_down", "duato"}) {
    for (bool exact : {false, true}) {
      const DeadlockReport rep = check_deadlock(*make(name, f), exact);
      EXPECT_TRUE(rep.deadlock_free) << name << " exact=" << exact << ": " << rep.verdict();
      EXPECT_GT(rep.dependencies, 0u);
    }
  }
  const DeadlockReport bad = check_deadlock(*make("minimal_adaptive", f), true);
  ASSERT_FALSE(bad.acyclic);
  EXPECT_FALSE(bad.deadlock_free);
  ASSERT_GE(bad.cycle.size(), 4u);
  // The reported channels form a closed loop: each ends where the next starts.
  for (std::size_t i = 0; i < bad.cycle.size(); ++i) {
    const Channel& c = bad.cycle[i];
    const Channel& next = bad.cycle[(i + 1) % bad.cycle.size()];
    EXPECT_EQ(make("xy", f)->neighbour(c.from, c.port), next.from);
  }
  EXPECT_NE(bad.describe_cycle(f).find("=>"), std::string::npos);
}

// The turn rules may allow more than the routes use, never less: every dependency of the exact
// CDG (built from the channels routes really occupy) is in the rule-based one.
TEST(Routing, TurnRulesContainEveryDependencyTheRoutesCreate) {
  Mesh m(5, 6);
  m.kill(1, 2);
  m.kill(3, 3);
  const Fabric f = m.fabric();
  for (const char* name : kAll) {
    const auto r = make(name, f);
    const auto exact = exact_dependencies(*r);
    ASSERT_FALSE(exact.empty()) << name;
    for (const auto& [from, to] : exact) {
      RouteSet rules;
      r->turns(r->neighbour(from.from, from.port), opposite(static_cast<Port>(from.port)), from.vc, rules);
      bool found = false;
      for (const RouteOption& o : rules) found = found || (o.port == to.port && o.vc == to.vc);
      EXPECT_TRUE(found) << name << ": (" << f.row_of(from.from) << "," << f.col_of(from.from) << ")->" << port_name(from.port)
                         << " vc" << from.vc << " then " << port_name(to.port) << " vc" << to.vc;
    }
  }
}

// up*/down* legality, independently: the tree's levels must be BFS distances from its root (checked
// here with our own BFS), and along every route, once a hop has gone down (to a higher (level, id)),
// no later hop may go up.
TEST(Routing, UpDownRoutesNeverTurnFromDownToUp) {
  Mesh m(9, 9);
  for (auto [r, c] : {std::pair{4, 4}, {4, 5}, {3, 5}, {6, 2}, {1, 1}, {7, 7}, {2, 6}}) m.kill(r, c);
  const Fabric f = m.fabric();
  const FabricGraph g(f);
  const UpDownTree tree(f, g);
  NodeId root = 0;
  while (!(tree.in_tree(root) && tree.level(root) == 0)) ++root;
  std::vector<int> dist(f.nodes(), -1);
  std::vector<NodeId> queue{root};
  dist[root] = 0;
  for (std::size_t h = 0; h < queue.size(); ++h) {
    for (int p = 0; p < 4; ++p) {
      if (!(g.mask(queue[h]) & (1u << p))) continue;
      const NodeId v = g.neighbour(queue[h], p);
      if (dist[v] < 0) {
        dist[v] = dist[queue[h]] + 1;
        queue.push_back(v);
      }
    }
  }
  for (NodeId v = 0; v < f.nodes(); ++v) {
    if (f.router_alive(v)) {
      EXPECT_EQ(static_cast<int>(tree.level(v)), dist[v]);
    }
  }
  auto up = [&](NodeId from, NodeId to) { return dist[to] < dist[from] || (dist[to] == dist[from] && to < from); };
  const auto r = make("up_down", f);
  Rng rng(11);
  RouteSet set;
  for (NodeId s = 0; s < f.nodes(); ++s) {
    for (NodeId d = 0; d < f.nodes(); ++d) {
      if (!f.endpoint(s) || !f.endpoint(d)) continue;
      NodeId at = s;
      bool gone_down = false;
      for (int hop = 0; at != d; ++hop) {
        ASSERT_LT(hop, 200);
        r->route(at, d, kLocal, 0, set);
        ASSERT_FALSE(set.empty());
        const NodeId next = r->neighbour(at, set.options[rng.uniform_int(set.count)].port);
        if (up(at, next)) {
          EXPECT_FALSE(gone_down) << "down-then-up on the way from " << s << " to " << d;
        } else {
          gone_down = true;
        }
        at = next;
      }
    }
  }
}

TEST(Routing, StateMemoryIsPerNodeNotPerPair) {
  Mesh m(4, 4);
  const Fabric f = m.fabric();
  EXPECT_EQ(make("xy", f)->state_bytes(), 0u);
  EXPECT_EQ(make("up_down", f)->state_bytes(), 13u);
  EXPECT_EQ(make("duato", f)->state_bytes(), 0u);  // whole: the escape is XY
  Mesh holey(4, 4);
  holey.kill(1, 1);
  EXPECT_EQ(make("duato", holey.fabric())->state_bytes(), 13u);  // up*/down* around the hole
}

// On a whole mesh duato's escape is dimension order: a packet that takes it at its source and
// stays on it moves in X until the column matches and arrives in exactly the Manhattan distance
// (the up*/down* tree, rooted at the centre, is longer for most pairs: fails on the tree escape).
// The escape CDG alone is acyclic, exactly and by turns.
TEST(Routing, DuatoEscapeOnAWholeMeshIsMinimalDimensionOrder) {
  Mesh m(8, 8);
  const Fabric f = m.fabric();
  const auto r = make("duato", f);
  EXPECT_EQ(r->escape_trees(), 1u);
  for (NodeId s = 0; s < f.nodes(); ++s) {
    for (NodeId d = 0; d < f.nodes(); ++d) {
      RouteSet set;
      NodeId at = s;
      Port in = kLocal;
      int hops = 0;
      for (bool first = true;; first = false) {
        r->route(at, d, in, first ? 0 : r->escape_class(), set);
        const RouteOption* esc = nullptr;
        for (const RouteOption& o : set) {
          if (o.vc == r->escape_class() || o.port == kLocal) esc = &o;
        }
        ASSERT_NE(esc, nullptr) << s << " -> " << d;
        if (esc->port == kLocal) break;
        // XY: no Y step while the column differs.
        if (f.col_of(at) != f.col_of(d)) {
          EXPECT_TRUE(esc->port == kEast || esc->port == kWest);
        }
        in = opposite(static_cast<Port>(esc->port));
        at = r->neighbour(at, esc->port);
        ASSERT_LE(++hops, 14);
      }
      EXPECT_EQ(at, d);
      EXPECT_EQ(hops, std::abs(f.row_of(s) - f.row_of(d)) + std::abs(f.col_of(s) - f.col_of(d)));
    }
  }
  for (bool exact : {false, true}) {
    EXPECT_TRUE(check_deadlock(*r, exact).deadlock_free) << exact;
  }
}

}  // namespace
}  // namespace wafersim::mesh
