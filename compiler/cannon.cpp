// Cannon's algorithm on folded rings: PlanBuilder::cannon() (see compiler/plan_builder.hpp).
#include <algorithm>
#include <stdexcept>

#include "compiler/plan_builder.hpp"

namespace wafersim::compiler {
namespace {

// Ring index of every position of a line of p (the inverse of folded_ring_position()).
std::vector<int> ring_index(int p) {
  std::vector<int> r(static_cast<std::size_t>(p));
  for (int k = 0; k < p; ++k) r[static_cast<std::size_t>(folded_ring_position(p, k))] = k;
  return r;
}

int mod(int a, int p) { return ((a % p) + p) % p; }

}  // namespace

TileGrid square_part(const TileGrid& g) {
  const int p = std::min(g.pr, g.pc);
  TileGrid s;
  s.pr = s.pc = p;
  for (int i = 0; i < p; ++i)
    for (int j = 0; j < p; ++j) s.tiles.push_back(g.at(i, j));
  return s;
}

std::vector<std::pair<std::size_t, Slice>> PlanBuilder::cannon_b_blocks(const TileGrid& sq, int tensor, std::int64_t K, std::int64_t N) {
  const int p = sq.pr;
  const auto r = ring_index(p);
  std::vector<std::pair<std::size_t, Slice>> out;
  for (int k = 0; k < p; ++k)
    for (int y = 0; y < p; ++y) {
      const Slice s{tensor, part_begin(K, p, k), part_end(K, p, k), part_begin(N, p, y), part_end(N, p, y)};
      if (s.empty()) continue;
      const int x = folded_ring_position(p, mod(k - r[static_cast<std::size_t>(y)], p));
      out.emplace_back(static_cast<std::size_t>(x) * p + y, s);
    }
  return out;
}

Deps PlanBuilder::cannon(const TileGrid& sq, std::int64_t M, std::int64_t K, std::int64_t N, int ta, int tb, int tc,
                         const std::vector<Piece>& a_have, CannonB b_kind, const std::vector<Piece>& b_have, const Deps& b_ready, int op) {
  if (sq.pr != sq.pc || sq.size() == 0) throw std::logic_error("cannon: the grid is not square");
  const int p = sq.pr;
  const std::size_t P = sq.size();
  const auto r = ring_index(p);
  auto pos = [&](int x, int y) { return static_cast<std::size_t>(x) * p + y; };
  auto kblock = [&](int x, int y, int s) { return mod(r[static_cast<std::size_t>(x)] + r[static_cast<std::size_t>(y)] + s, p); };
  auto a_slice = [&](int x, int k) { return Slice{ta, part_begin(M, p, x), part_end(M, p, x), part_begin(K, p, k), part_end(K, p, k)}; };
  auto b_slice = [&](int k, int y) { return Slice{tb, part_begin(K, p, k), part_end(K, p, k), part_begin(N, p, y), part_end(N, p, y)}; };
  // The ring predecessor's position: where a block goes to be used one step later.
  auto row_pred = [&](int x, int y) { return pos(x, folded_ring_position(p, mod(r[static_cast<std::size_t>(y)] - 1, p))); };
  auto col_pred = [&](int x, int y) { return pos(folded_ring_position(p, mod(r[static_cast<std::size_t>(x)] - 1, p)), y); };

  // Step 0's blocks: the skew.
  std::vector<Piece> a_need, b_need;
  for (int x = 0; x < p; ++x)
    for (int y = 0; y < p; ++y) {
      a_need.push_back({sq.at(x, y), a_slice(x, kblock(x, y, 0)), {}});
      b_need.push_back({sq.at(x, y), b_slice(kblock(x, y, 0), y), {}});
    }
  Deps a_at = redistribute(a_have, a_need, 1.0, op);
  Deps b_at(P);
  switch (b_kind) {
    case CannonB::kMoved: b_at = redistribute(b_have, b_need, 1.0, op); break;
    case CannonB::kResident: b_at = b_ready.empty() ? Deps(P) : b_ready; break;
    case CannonB::kOffwafer:
      for (std::size_t q = 0; q < P; ++q) {
        const Slice& s = b_need[q].rect;
        b_at[q] = s.empty() ? b_ready[q] : std::vector<std::uint32_t>{load(sq.tiles[q], static_cast<double>(s.rows() * s.cols()) * elem_, b_ready[q], op, s)};
      }
      break;
  }

  Deps last(P);
  // Per position: its tasks of the last two steps and the forwards it sent in them (the buffers).
  std::vector<std::uint32_t> task_prev(P, kNoItem), task_prev2(P, kNoItem);
  std::vector<std::uint32_t> a_sent_prev(P, kNoItem), b_sent_prev(P, kNoItem);
  const bool b_home = b_kind == CannonB::kResident;
  for (int s = 0; s < p; ++s) {
    for (int x = 0; x < p; ++x)
      for (int y = 0; y < p; ++y) {
        const std::size_t q = pos(x, y);
        const int k = kblock(x, y, s);
        const Slice a = a_slice(x, k), b = b_slice(k, y);
        task_prev2[q] = task_prev[q];
        task_prev[q] = kNoItem;
        if (a.empty() || b.empty()) continue;
        ItemData d;
        d.kind = ItemData::Kind::kMatMulAcc;
        d.out = {tc, a.r0, a.r1, b.c0, b.c1};
        d.a = a;
        d.b = b;
        d.first = last[q].empty();
        std::vector<std::uint32_t> after = a_at[q];
        after.insert(after.end(), b_at[q].begin(), b_at[q].end());
        after.insert(after.end(), last[q].begin(), last[q].end());
        last[q] = {task(sq.tiles[q], tile_.matmul_cycles(a.rows(), a.cols(), b.cols()), after, op, d)};
        task_prev[q] = last[q][0];
      }
    // The shifts into step s + 1 (and B's way home after the last step).
    const bool a_moves = s + 1 < p, b_moves = s + 1 < p || b_home;
    if (!a_moves && !b_moves) break;
    Deps a_next(P), b_next(P);
    std::vector<std::uint32_t> a_sent(P, kNoItem), b_sent(P, kNoItem);
    for (int x = 0; x < p; ++x)
      for (int y = 0; y < p; ++y) {
        const std::size_t q = pos(x, y);
        const int k = kblock(x, y, s);
        // Into the receiver's buffer of step s - 1: free once it computed that step and forwarded its block.
        auto shift = [&](std::size_t to, const Slice& what, const Deps& at, const std::vector<std::uint32_t>& sent_prev, Deps& next,
                         std::vector<std::uint32_t>& sent) {
          if (what.empty()) {
            next[to] = at[q];
            return;
          }
          std::vector<std::uint32_t> after = at[q];
          for (const std::uint32_t w : {task_prev2[to], sent_prev[to]})
            if (w != kNoItem) after.push_back(w);
          const std::uint32_t m = sq.tiles[to] == sq.tiles[q] ? kNoItem
                                                              : message(sq.tiles[q], sq.tiles[to], static_cast<double>(what.rows() * what.cols()) * elem_,
                                                                        after, op, what);
          next[to] = m == kNoItem ? at[q] : std::vector<std::uint32_t>{m};
          sent[q] = m;
        };
        if (a_moves) shift(row_pred(x, y), a_slice(x, k), a_at, a_sent_prev, a_next, a_sent);
        if (b_moves) shift(col_pred(x, y), b_slice(k, y), b_at, b_sent_prev, b_next, b_sent);
      }
    a_at = std::move(a_next);
    b_at = std::move(b_next);
    a_sent_prev = a_sent;
    b_sent_prev = b_sent;
  }
  return last;
}

}  // namespace wafersim::compiler
