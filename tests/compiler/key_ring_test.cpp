// KeyRing (compiler/key_ring.hpp): keys around a ring of members, w blocks a step, two steps
// buffered. Checked by hand-worked expectations on a 5-member ring: who sends what to whom, and
// which credits each message waits for.
#include <gtest/gtest.h>

#include <algorithm>

#include "compiler/key_ring.hpp"

namespace wafersim::compiler {
namespace {

bool waits_for(const sim::Workload& w, std::uint32_t item, std::uint32_t dep) {
  const auto& a = w.items[item].after;
  return std::find(a.begin(), a.end(), dep) != a.end();
}

TEST(KeyRing, EveryMemberGetsEveryOtherBlockFromItsPredecessorWithTwoStepsOfCredit) {
  Plan plan;
  TileComputeSpec tile;
  PlanBuilder b(plan, tile, 2.0, true);
  const std::size_t n = 5;
  const int w = 2;
  std::vector<std::uint32_t> tiles;
  std::vector<Slice> blocks;
  Deps own(n);
  for (std::size_t q = 0; q < n; ++q) {
    tiles.push_back(static_cast<std::uint32_t>(10 + q));
    blocks.push_back({7, static_cast<std::int64_t>(4 * q), static_cast<std::int64_t>(4 * q + 4), 0, 3});
    own[q] = {b.task(tiles[q], 1, {}, -1)};  // "holds its own block"
  }
  KeyRing ring(b, tiles, blocks, own, w, -1);
  ASSERT_EQ(ring.steps(), 3u);  // positions {0, 1}, {2, 3}, {4}
  std::vector<std::vector<std::uint32_t>> done(ring.steps(), std::vector<std::uint32_t>(n));
  std::vector<std::vector<std::uint32_t>> got(n, std::vector<std::uint32_t>(n, kNoItem));  // [member][position]: message
  for (std::size_t t = 0; t < ring.steps(); ++t) {
    Deps credit(n);
    if (t >= 2)
      for (std::size_t q = 0; q < n; ++q) credit[q] = {done[t - 2][q]};
    const std::size_t before = plan.workload.items.size();
    const Deps at = ring.arrive(t, credit);
    for (std::size_t i = before; i < plan.workload.items.size(); ++i) {
      const auto& m = plan.workload.items[i];
      ASSERT_EQ(m.kind, sim::WorkItem::Kind::kMessage);
      const std::size_t q = m.dst - 10, from = m.src - 10;
      EXPECT_EQ(from, (q + n - 1) % n);  // from its ring predecessor
      // The block it carries: position j of member q is member q - j's block.
      const std::size_t j = static_cast<std::size_t>((q + n - static_cast<std::size_t>(plan.item_data[i].out.r0 / 4)) % n);
      EXPECT_GE(j, ring.first(t));
      EXPECT_LT(j, ring.last(t));
      EXPECT_EQ(got[q][j], kNoItem);
      got[q][j] = static_cast<std::uint32_t>(i);
    }
    for (std::size_t q = 0; q < n; ++q) {
      // What step t waits for: exactly its positions' blocks (its own block at position 0).
      std::size_t expected = 0;
      for (std::size_t j = ring.first(t); j < ring.last(t); ++j) {
        const std::uint32_t want = j == 0 ? own[q][0] : got[q][j];
        EXPECT_TRUE(std::find(at[q].begin(), at[q].end(), want) != at[q].end()) << "member " << q << " position " << j;
        ++expected;
      }
      EXPECT_EQ(at[q].size(), expected);
      done[t][q] = b.task(tiles[q], 1, at[q], -1);
    }
  }
  for (std::size_t q = 0; q < n; ++q) {
    EXPECT_EQ(got[q][0], kNoItem);
    for (std::size_t j = 1; j < n; ++j) {
      ASSERT_NE(got[q][j], kNoItem) << "member " << q << " never got position " << j;
      // Forwarded: it leaves the predecessor only once the predecessor holds it.
      const std::uint32_t held = j == 1 ? own[(q + n - 1) % n][0] : got[(q + n - 1) % n][j - 1];
      EXPECT_TRUE(waits_for(plan.workload, got[q][j], held));
    }
    // Positions 4 (step 2) land in the buffer of position 0 (step 0): after step 0's task, and
    // after position 0's block was forwarded (member q + 1's position 1).
    EXPECT_TRUE(waits_for(plan.workload, got[q][4], done[0][q]));
    EXPECT_TRUE(waits_for(plan.workload, got[q][4], got[(q + 1) % n][1]));
    // Steps 0 and 1 need no credit.
    EXPECT_FALSE(waits_for(plan.workload, got[q][3], done[0][q]));
  }
}

}  // namespace
}  // namespace wafersim::compiler
