// Multicast (sim/multicast.hpp) against independent references: the XY tree is the union of XY
// paths (walked here step by step), the engine delivers exactly one copy per member and none
// elsewhere, conserves flits, meets the zero-load formula for every member, and does not deadlock
// at saturation with unicasts on a faulty fabric; the trees' CDG is acyclic.
#include <gtest/gtest.h>

#include <map>
#include <set>

#include "core/random.hpp"
#include "mesh/channel_dependency.hpp"
#include "sim/multicast.hpp"
#include "sim/workload_run.hpp"
#include "sim_test_util.hpp"

namespace wafersim::sim {
namespace {

using testing::TestNetwork;

// The links (node * 4 + port) of the XY path from a to z, walked here without the library.
std::set<std::uint32_t> xy_links(const mesh::Fabric& f, std::uint32_t a, std::uint32_t z) {
  std::set<std::uint32_t> out;
  int r = f.row_of(a), c = f.col_of(a);
  while (r != f.row_of(z) || c != f.col_of(z)) {
    const std::uint32_t n = f.node(r, c);
    if (c < f.col_of(z)) out.insert(n * 4 + mesh::kEast), ++c;
    else if (c > f.col_of(z)) out.insert(n * 4 + mesh::kWest), --c;
    else if (r < f.row_of(z)) out.insert(n * 4 + mesh::kSouth), ++r;
    else out.insert(n * 4 + mesh::kNorth), --r;
  }
  return out;
}

// Walks the tree tree_ports() describes from src: its links and the nodes where it ejects.
void walk_tree(const mesh::Fabric& f, const DestinationSet& set, std::uint32_t src, std::set<std::uint32_t>& links,
               std::multiset<std::uint32_t>& ejected) {
  std::vector<std::pair<std::uint32_t, int>> stack{{src, mesh::kLocal}};
  const int step[4][2] = {{-1, 0}, {0, -1}, {0, 1}, {1, 0}};  // N W E S as (dr, dc)
  while (!stack.empty()) {
    const auto [n, in] = stack.back();
    stack.pop_back();
    const unsigned ports = set.tree_ports(src, n, in);
    if (ports >> mesh::kLocal & 1) ejected.insert(n);
    for (int p = 0; p < 4; ++p) {
      if (!(ports >> p & 1)) continue;
      ASSERT_TRUE(links.insert(n * 4 + p).second) << "a tree link taken twice";
      const std::uint32_t next = f.node(f.row_of(n) + step[p][0], f.col_of(n) + step[p][1]);
      stack.push_back({next, mesh::opposite(static_cast<mesh::Port>(p))});
    }
  }
}

TEST(Multicast, TreeIsTheUnionOfXyPathsAndEjectsAtEveryMemberOnce) {
  TestNetwork net(6, 7);
  const mesh::Fabric& f = net.fabric;
  Rng rng(11);
  for (int trial = 0; trial < 200; ++trial) {
    const auto src = static_cast<std::uint32_t>(rng.uniform_int(f.nodes()));
    std::vector<std::uint32_t> members;
    const int count = static_cast<int>(1 + rng.uniform_int(12));
    for (int k = 0; k < count; ++k) {
      const auto m = static_cast<std::uint32_t>(rng.uniform_int(f.nodes()));
      if (m != src) members.push_back(m);
    }
    if (members.empty()) continue;
    const DestinationSet set(f, members);
    std::set<std::uint32_t> expected_links;
    for (const std::uint32_t m : set.nodes())
      for (const std::uint32_t l : xy_links(f, src, m)) expected_links.insert(l);
    std::set<std::uint32_t> links;
    std::multiset<std::uint32_t> ejected;
    walk_tree(f, set, src, links, ejected);
    EXPECT_EQ(links, expected_links) << "trial " << trial;
    EXPECT_EQ(std::vector<std::uint32_t>(ejected.begin(), ejected.end()), set.nodes()) << "trial " << trial;
    int depth = 0;
    for (const std::uint32_t m : set.nodes()) depth = std::max(depth, static_cast<int>(xy_links(f, src, m).size()));
    EXPECT_EQ(set.depth(src), depth);
  }
}

TEST(Multicast, RectanglesAndTheirBadInput) {
  TestNetwork net(4, 4, "duato", {{1, 2}});
  const auto row = rectangle_members(net.fabric, 1, 1, 0, 3);  // (1, 2) is dead: not a member
  EXPECT_EQ(row, (std::vector<std::uint32_t>{4, 5, 7}));
  EXPECT_EQ(rectangle_members(net.fabric, 0, 3, 0, 3).size(), 15u);
  EXPECT_THROW(rectangle_members(net.fabric, 0, 4, 0, 0), InputError);
  EXPECT_THROW(rectangle_members(net.fabric, 2, 1, 0, 0), InputError);
  // A workload naming a dead or out-of-range tile, or its source, is refused with the reason.
  Workload w;
  w.add_task(0, 1, {});
  w.add_multicast(0, {1, 6}, 64, {0});
  EXPECT_THROW(w.validate(net.fabric), std::invalid_argument);
  Workload far;
  far.add_multicast(0, {1, 99}, 64, {});
  try {
    far.validate(net.fabric);
    ADD_FAILURE() << "an out-of-range member was accepted";
  } catch (const std::invalid_argument& e) {
    EXPECT_NE(std::string(e.what()).find("outside"), std::string::npos) << e.what();
  }
  EXPECT_THROW(Workload().add_multicast(3, {3}, 64, {}), std::invalid_argument);
}

TEST(Multicast, TreesAreDeadlockFreeOnTheirChannelDependencyGraph) {
  for (const char* algorithm : {"xy", "duato"}) {
    TestNetwork net(8, 8, algorithm, std::string(algorithm) == "xy" ? std::vector<std::pair<int, int>>{}
                                                                    : std::vector<std::pair<int, int>>{{2, 3}, {5, 5}, {6, 1}});
    const auto r = mesh::check_multicast_deadlock(*net.routing);
    EXPECT_TRUE(r.deadlock_free) << r.verdict();
    EXPECT_GT(r.dependencies, 0u);
  }
  TestNetwork ud(4, 4, "up_down");
  EXPECT_EQ(ud.routing->multicast_class(), -1);
  EXPECT_THROW(mesh::check_multicast_deadlock(*ud.routing), std::invalid_argument);
}

// Single multicasts far apart in time on an empty network: every member gets exactly one copy,
// after exactly the unicast zero-load latency of its XY distance (docs/noc.md: replication adds
// no delay), and the flits balance.
TEST(Multicast, EngineDeliversOneCopyPerMemberAtTheZeroLoadLatency) {
  TestNetwork net(6, 6);
  net.options.record_deliveries = true;
  auto e = net.engine();
  e->set_trace({});
  const mesh::Fabric& f = net.fabric;
  const RouterSpec& r = net.options.router;
  const ChannelSpec& c = net.options.channels;
  const int per_router = r.routing_delay + r.vc_alloc_delay + r.sw_alloc_delay + r.st_final_delay;
  Rng rng(5);
  std::int64_t t = 0;
  for (int trial = 0; trial < 40; ++trial, t += 400'000) {
    const auto src = static_cast<std::uint32_t>(rng.uniform_int(f.nodes()));
    std::vector<std::uint32_t> members;
    for (int k = 0; k < 8; ++k) {
      const auto m = static_cast<std::uint32_t>(rng.uniform_int(f.nodes()));
      if (m != src) members.push_back(m);
    }
    const DestinationSet set(f, members);
    if (set.size() < 2) continue;
    const int flits = 1 + trial % 5;
    e->inject_multicast(e->add_multicast(src, set), static_cast<std::uint32_t>(flits), t);
    e->run_until(t + 400'000);
    std::map<std::uint32_t, int> copies;
    for (const Delivery& d : e->deliveries()) {
      ++copies[d.dst];
      EXPECT_EQ(d.src, src);
      const int hops = std::abs(f.row_of(src) - f.row_of(d.dst)) + std::abs(f.col_of(src) - f.col_of(d.dst));
      EXPECT_EQ(d.hops, static_cast<std::uint32_t>(hops));
      EXPECT_EQ(d.ejected_ps - d.created_ps, 1000 * (c.injection_latency + (hops + 1) * per_router + hops * c.latency + c.ejection_latency + flits - 1))
          << "trial " << trial << " member " << d.dst;
    }
    EXPECT_EQ(copies.size(), set.size());
    for (const auto& [dst, n] : copies) {
      EXPECT_TRUE(set.contains(dst)) << "a copy at " << dst << ", not a member";
      EXPECT_EQ(n, 1) << "member " << dst;
    }
    e->clear_deliveries();
    EXPECT_EQ(e->flits_in_network(), 0u);
    EXPECT_EQ(e->packets_in_flight(), 0u);
  }
  const Stats& s = e->stats();
  EXPECT_EQ(s.flits_injected + s.flits_copied, s.flits_ejected);
}

// Saturation: every tile keeps a backlog of unicasts and multicasts to random rectangles on a
// faulty 8 x 8 fabric under duato (trees on the adaptive class, the holes' members by unicast).
// The sources offer more than the network accepts (copies waiting pile up to the top-up
// threshold), the network keeps moving in every window, and it drains completely once the
// sources stop.
void saturate(std::uint64_t cycles, int threads) {
  TestNetwork net(8, 8, "duato", {{2, 3}, {5, 5}, {6, 1}});
  net.options.router.num_vcs = 4;
  net.options.record_deliveries = true;
  net.options.threads = threads;
  auto e = net.engine();
  e->set_trace({});
  const mesh::Fabric& f = net.fabric;
  Rng rng(2026);
  std::map<std::pair<std::uint32_t, std::uint32_t>, std::uint64_t> expected;  // (src, dst) -> copies
  std::uint64_t moved = 0, offered = 0, delivered = 0;
  const std::uint64_t backlog = 100 * f.endpoint_count();  // copies offered and not yet delivered
  const std::int64_t window = 500 * 1000;
  for (std::int64_t t = 0; t < static_cast<std::int64_t>(cycles) * 1000; t += window) {
    if (offered - delivered < backlog)
      for (std::uint32_t s = 0; s < f.nodes(); ++s) {
        if (!f.endpoint(s) || !f.router_alive(s)) continue;
        for (int k = 0; k < 60; ++k) {  // 240 flits per 500 cycles and source, more with the copies
          if (rng.uniform01() < 0.3) {
            const int r0 = static_cast<int>(rng.uniform_int(8)), c0 = static_cast<int>(rng.uniform_int(8));
            const int r1 = std::min(7, r0 + static_cast<int>(rng.uniform_int(4))), c1 = std::min(7, c0 + static_cast<int>(rng.uniform_int(4)));
            std::vector<std::uint32_t> members = rectangle_members(f, r0, r1, c0, c1);
            members.erase(std::remove(members.begin(), members.end(), s), members.end());
            const TreeSplit split = e->split_multicast(s, members);
            if (split.tree.size() < 2) continue;
            e->inject_multicast(e->add_multicast(s, DestinationSet(f, split.tree)), 4, t);
            for (const auto m : split.tree) ++expected[{s, m}];
            offered += split.tree.size();
          } else {
            const auto d = static_cast<std::uint32_t>(rng.uniform_int(f.nodes()));
            if (d == s || !f.endpoint(d) || !f.router_alive(d)) continue;
            e->inject(s, d, 4, t);
            ++expected[{s, d}];
            ++offered;
          }
        }
      }
    e->run_until(t + window);
    ASSERT_GT(e->stats().flits_moved, moved) << "no flit moved in the window ending at cycle " << (t + window) / 1000;
    moved = e->stats().flits_moved;
    delivered = e->deliveries().size();
  }
  EXPECT_GT(offered - delivered, backlog / 2) << "the sources never backed up: not saturated";
  // Drain.
  std::int64_t t = static_cast<std::int64_t>(cycles) * 1000;
  for (int k = 0; k < 10000 && e->packets_in_flight() > 0; ++k, t += window) e->run_until(t + window);
  ASSERT_EQ(e->packets_in_flight(), 0u);
  EXPECT_EQ(e->flits_in_network(), 0u);
  std::map<std::pair<std::uint32_t, std::uint32_t>, std::uint64_t> got;
  for (const Delivery& d : e->deliveries()) ++got[{d.src, d.dst}];
  EXPECT_EQ(got, expected);
  const Stats& s = e->stats();
  EXPECT_EQ(s.flits_injected + s.flits_copied, s.flits_ejected);
  EXPECT_GT(s.flits_copied, 0u);
}

TEST(Multicast, NoDeadlockAtSaturationMixedWithUnicastOnAFaultyFabric) {
  // 10^6 cycles take about a minute (docs/noc.md, "Multicast", gives the measured run); the suite
  // runs a shorter window, shorter still under the sanitizers (~5x slower per cycle).
#ifdef WAFERSIM_SANITIZED
  saturate(50'000, 1);
#else
  saturate(200'000, 1);
#endif
}

TEST(Multicast, SameResultsForAnyThreadCount) {
  // Deliveries are logged per copy; with 3 threads members of one packet eject in different
  // partitions in the same step.
  auto deliveries = [](int threads) {
    TestNetwork net(8, 8, "duato", {{2, 3}});
    net.options.record_deliveries = true;
    net.options.threads = threads;
    auto e = net.engine();
    e->set_trace({});
    for (std::uint32_t s = 0; s < net.fabric.nodes(); s += 3) {
      if (!net.fabric.router_alive(s)) continue;
      std::vector<std::uint32_t> members = rectangle_members(net.fabric, 0, 7, static_cast<int>(s % 8), static_cast<int>(s % 8));
      members.erase(std::remove(members.begin(), members.end(), s), members.end());
      const TreeSplit split = e->split_multicast(s, members);
      if (split.tree.size() >= 2) e->inject_multicast(e->add_multicast(s, DestinationSet(net.fabric, split.tree)), 6, 0);
      e->inject(s, static_cast<std::uint32_t>((s * 7 + 3) % 64 == 19 ? 20 : (s * 7 + 3) % 64), 3, 0);
    }
    e->run_until(2'000'000);
    std::vector<std::tuple<std::uint32_t, std::uint32_t, std::uint64_t, std::int64_t, std::uint32_t>> out;
    for (const Delivery& d : e->deliveries()) out.emplace_back(d.src, d.dst, d.seq, d.ejected_ps, d.hops);
    return std::make_pair(out, e->stats().latency_sum_ps);
  };
  const auto one = deliveries(1);
  EXPECT_FALSE(one.first.empty());
  EXPECT_EQ(deliveries(3), one);
}

// The workload runner: a multicast is done when every member has its copy; on a fabric whose
// routing carries no trees (up_down) the same message goes as unicasts and takes longer.
TEST(Multicast, WorkloadRunnerCompletesAMulticastWhenEveryMemberHasIt) {
  auto makespan = [](const std::string& algorithm) {
    TestNetwork net(4, 8, algorithm);
    net.options.record_deliveries = true;
    auto e = net.engine();
    e->set_trace({});
    Workload w;
    const std::uint32_t m = w.add_multicast(0, rectangle_members(net.fabric, 0, 3, 0, 7), 16 * 64, {});
    w.add_task(31, 10, {m});
    const auto r = run_workload(*e, net.fabric, *net.clocks, w, net.options, {});
    EXPECT_EQ(r.delivered_flits, 31u * 64u);
    return r.makespan_ps;
  };
  const std::int64_t tree = makespan("xy"), unicast = makespan("up_down");
  // The tree: 64 flits (16 B each) in 8 packets of 8 (a multicast packet is one VC buffer long);
  // the deepest member (3, 7) is 10 hops away. Its last tail arrives once the 63 flits before it
  // have left the source at one per cycle, plus the pipeline: injection 1, 11 routers of 3
  // cycles, 10 links, ejection 1 (booksim router, 1-cycle links); then the 10-cycle task.
  EXPECT_EQ(tree, (63 + 1 + 11 * 3 + 10 + 1 + 10) * 1000);
  EXPECT_GE(unicast, 31 * 64 * 1000);  // 31 copies of 64 flits, one after another from the source
}

}  // namespace
}  // namespace wafersim::sim
