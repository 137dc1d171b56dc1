#pragma once
// Keys or values streamed around the ring of a head's units, flash-attention style (Dao et al.
// 2022; around a ring of devices, Liu et al. 2023's ring attention): no unit ever holds the
// whole sequence's keys.
//
// Member q of an n-member ring starts with block q (its own query block's rows of the tensor).
// At ring position j = 1 .. n - 1 it receives from member q - 1 the block of member q - j (mod n),
// which that member received at position j - 1 (or owns, j = 1), and forwards it in turn as soon
// as it is there. The consumer works on w blocks at a time: step t covers positions
// [t w, (t + 1) w). Each member buffers two steps' blocks, so a block comes in only after
//   - the member's tasks of step t - 2 have finished with the block it overwrites (`done`), and
//   - the member has forwarded that block (its message to member q + 1 has arrived).
// The ring's traffic is one block per link per position: n - 1 blocks in and out of every member,
// against an all-gather's n - 1 blocks in and one multicast out.
#include <cstdint>
#include <vector>

#include "compiler/plan_builder.hpp"

namespace wafersim::compiler {

class KeyRing {
 public:
  // tiles[q], blocks[q]: member q's tile and block (bytes: its elements x the builder's element
  // size); own[q]: when member q holds its own block. w >= 1 blocks per step.
  KeyRing(PlanBuilder& b, std::vector<std::uint32_t> tiles, std::vector<Slice> blocks, Deps own, int w, int op);

  std::size_t members() const { return tiles_.size(); }
  int blocks_per_step() const { return w_; }
  std::size_t steps() const { return (tiles_.size() + static_cast<std::size_t>(w_) - 1) / static_cast<std::size_t>(w_); }
  // Ring positions [first, last) of step t.
  std::size_t first(std::size_t t) const { return t * static_cast<std::size_t>(w_); }
  std::size_t last(std::size_t t) const { return std::min(tiles_.size(), (t + 1) * static_cast<std::size_t>(w_)); }
  // The member whose block member q holds at ring position j.
  std::size_t owner(std::size_t q, std::size_t j) const { return (q + tiles_.size() - j % tiles_.size()) % tiles_.size(); }
  const Slice& block(std::size_t member) const { return blocks_[member]; }

  // Emits step t's messages (steps in order, each once). done[q]: member q's tasks of step t - 2
  // (ignored for t < 2). Returns, per member, what its step-t tasks wait for: its blocks of step t.
  Deps arrive(std::size_t t, const Deps& done);

 private:
  PlanBuilder& b_;
  std::vector<std::uint32_t> tiles_;
  std::vector<Slice> blocks_;
  int w_, op_;
  // at_[q][j]: what member q waits for to hold its block of ring position j (filled up to the
  // last step emitted); sent_[q][j]: the message that brought it (kNoItem: none, it was there).
  std::vector<std::vector<std::vector<std::uint32_t>>> at_;
  std::vector<std::vector<std::uint32_t>> sent_;
  std::size_t next_step_ = 0;
};

}  // namespace wafersim::compiler
