// The synthetic traffic patterns on their own: each permutation against its definition worked out
// in the test, and the random ones' destinations against the sets they must come from.
#include "sim/traffic_pattern.hpp"

#include <gtest/gtest.h>

#include <map>
#include <set>

#include "sim_test_util.hpp"

namespace wafersim::sim {
namespace {

std::unique_ptr<TrafficPattern> pattern(const testing::TestNetwork& net, const std::string& yaml) {
  const YamlNode node = YamlNode::parse(yaml, "traffic.yaml");
  const std::string name = node.child("pattern").as_string();
  return TrafficPatternRegistry::instance().find(name)->create(net.ctx, node);
}

std::uint32_t id(const mesh::Fabric& f, int r, int c) { return static_cast<std::uint32_t>(r * f.cols() + c); }

TEST(TrafficPatterns, PermutationsAreTheirDefinitions) {
  const testing::TestNetwork net(4, 4);
  const mesh::Fabric& f = net.fabric;
  Rng rng(1);
  const auto transpose = pattern(net, "pattern: transpose");
  const auto bitcomp = pattern(net, "pattern: bitcomp");
  const auto bitrev = pattern(net, "pattern: bitrev");
  for (int r = 0; r < 4; ++r)
    for (int c = 0; c < 4; ++c) {
      const std::uint32_t s = id(f, r, c);
      EXPECT_EQ(transpose->destination(s, rng), id(f, c, r));
      EXPECT_EQ(bitcomp->destination(s, rng), id(f, 3 - r, 3 - c));
      // 16 nodes: the 4 bits of the index reversed, e.g. 0001 -> 1000.
      std::uint32_t rev = 0;
      for (int b = 0; b < 4; ++b) rev |= ((s >> b) & 1u) << (3 - b);
      EXPECT_EQ(bitrev->destination(s, rng), rev);
    }
}

TEST(TrafficPatterns, RandomPatternsDrawFromTheirSets) {
  const testing::TestNetwork net(4, 4);
  const mesh::Fabric& f = net.fabric;
  Rng rng(3);
  // neighbor: exactly the mesh neighbours, each about equally often.
  const auto neighbor = pattern(net, "pattern: neighbor");
  std::map<std::uint32_t, int> seen;
  const std::uint32_t inner = id(f, 1, 1);
  for (int i = 0; i < 4000; ++i) ++seen[neighbor->destination(inner, rng)];
  EXPECT_EQ(seen.size(), 4u);
  for (std::uint32_t n : {id(f, 0, 1), id(f, 2, 1), id(f, 1, 0), id(f, 1, 2)}) {
    EXPECT_GT(seen[n], 850) << n;  // 1000 expected, 4.7 sigma below
    EXPECT_LT(seen[n], 1150) << n;
  }
  // uniform without itself: never the source, every other tile.
  const auto uniform = pattern(net, "pattern: uniform\nself_destinations: false");
  std::set<std::uint32_t> dests;
  for (int i = 0; i < 4000; ++i) {
    const std::uint32_t d = uniform->destination(inner, rng);
    EXPECT_NE(d, inner);
    dests.insert(d);
  }
  EXPECT_EQ(dests.size(), 15u);
  // hotspot with fraction 1: only the hotspots.
  const auto hot = pattern(net, "pattern: hotspot\nhotspots: [[0, 0], [3, 2]]\nhotspot_fraction: 1.0");
  for (int i = 0; i < 200; ++i) {
    const std::uint32_t d = hot->destination(id(f, 2, 2), rng);
    EXPECT_TRUE(d == id(f, 0, 0) || d == id(f, 3, 2)) << d;
  }
}

TEST(TrafficPatterns, ADeadDestinationIsNotMade) {
  const testing::TestNetwork net(4, 4, "up_down", {{2, 1}});
  Rng rng(1);
  const auto transpose = pattern(net, "pattern: transpose");
  EXPECT_EQ(transpose->destination(id(net.fabric, 1, 2), rng), kNoDestination);  // (1,2) -> dead (2,1)
  EXPECT_EQ(transpose->destination(id(net.fabric, 0, 3), rng), id(net.fabric, 3, 0));
}

}  // namespace
}  // namespace wafersim::sim
