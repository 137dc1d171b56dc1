#include "compiler/key_ring.hpp"

#include <stdexcept>

namespace wafersim::compiler {

KeyRing::KeyRing(PlanBuilder& b, std::vector<std::uint32_t> tiles, std::vector<Slice> blocks, Deps own, int w, int op)
    : b_(b), tiles_(std::move(tiles)), blocks_(std::move(blocks)), w_(std::max(1, w)), op_(op) {
  const std::size_t n = tiles_.size();
  if (blocks_.size() != n || own.size() != n) throw std::logic_error("KeyRing: one block and one ready list per member");
  at_.assign(n, std::vector<std::vector<std::uint32_t>>(n));
  sent_.assign(n, std::vector<std::uint32_t>(n, kNoItem));
  for (std::size_t q = 0; q < n; ++q) at_[q][0] = std::move(own[q]);
}

Deps KeyRing::arrive(std::size_t t, const Deps& done) {
  if (t != next_step_) throw std::logic_error("KeyRing: steps are emitted in order, each once");
  ++next_step_;
  const std::size_t n = tiles_.size();
  const auto W = static_cast<std::size_t>(w_);
  for (std::size_t j = std::max<std::size_t>(1, first(t)); j < last(t); ++j)
    for (std::size_t q = 0; q < n; ++q) {
      const std::size_t from = (q + n - 1) % n;
      if (tiles_[from] == tiles_[q]) {  // two members on one tile: nothing moves
        at_[q][j] = at_[from][j - 1];
        continue;
      }
      std::vector<std::uint32_t> after = at_[from][j - 1];
      if (t >= 2) {
        // The buffer it lands in held ring position j - 2w: used by step t - 2, and forwarded.
        after.insert(after.end(), done[q].begin(), done[q].end());
        const std::size_t old = j - 2 * W;
        if (old + 1 < n && sent_[(q + 1) % n][old + 1] != kNoItem) after.push_back(sent_[(q + 1) % n][old + 1]);
      }
      const Slice& s = blocks_[owner(q, j)];
      const std::uint32_t m = b_.message(tiles_[from], tiles_[q], static_cast<double>(s.rows() * s.cols()) * b_.element_bytes(), std::move(after), op_, s);
      sent_[q][j] = m;
      at_[q][j] = {m};
    }
  Deps out(n);
  for (std::size_t q = 0; q < n; ++q)
    for (std::size_t j = first(t); j < last(t); ++j) out[q].insert(out[q].end(), at_[q][j].begin(), at_[q][j].end());
  return out;
}

}  // namespace wafersim::compiler
