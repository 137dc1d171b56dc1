// Cannon's algorithm on folded rings: PlanBuilder::cannon() (see compiler/plan_builder.hpp).
#include <algorithm>
#include <cmath>
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

int PlanBuilder::cannon_steps_per_task(const TileComputeSpec& t, int p, std::int64_t M, std::int64_t K, std::int64_t N, double elem,
                                       double link_bytes_per_cycle, double buffer_bytes) {
  if (p <= 1) return 1;
  const std::int64_t m = (M + p - 1) / p, kb = (K + p - 1) / p, n = (N + p - 1) / p;
  const double out_tiles = static_cast<double>(((m + t.array - 1) / t.array) * ((n + t.array - 1) / t.array));
  const double fixed = out_tiles * t.array + t.task_overhead_cycles;
  const double shift = static_cast<double>(std::max(m * kb, kb * n)) * elem / std::max(1e-9, link_bytes_per_cycle);
  int w = merged_steps(p, fixed, shift);
  const double block_pair = static_cast<double>(m * kb + kb * n) * elem;
  if (block_pair > 0) w = std::min(w, std::max(1, static_cast<int>(std::lround(std::min(static_cast<double>(p), buffer_bytes / (2.0 * block_pair))))));
  return w;
}

int merged_steps(int p, double fixed_cycles, double step_cycles) {
  const double w = step_cycles > 0 ? std::sqrt(p * fixed_cycles / step_cycles) : p;
  return std::clamp(static_cast<int>(std::lround(w)), 1, p);
}

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
                         const std::vector<Piece>& a_have, CannonB b_kind, const std::vector<Piece>& b_have, const Deps& b_ready, int op,
                         int steps_per_task, Deps* b_free) {
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
  const int w = std::clamp(steps_per_task, 1, p);
  // History of the last 2w + 1 steps, per position: the task that used the step's blocks, and the
  // forwards of them it sent (the buffers a block coming 2w steps later reuses).
  const int H = 2 * w + 1;
  auto at_step = [&](std::vector<std::uint32_t>& v, int step, std::size_t q) -> std::uint32_t& {
    return v[static_cast<std::size_t>(step % H) * P + q];
  };
  std::vector<std::uint32_t> used_by(static_cast<std::size_t>(H) * P, kNoItem), a_sent(used_by), b_sent(used_by);
  // Per position: the steps waiting for their task, and what their blocks wait for.
  std::vector<int> first_pending(P, -1), last_k(P, 0);
  std::vector<std::vector<std::uint32_t>> pending_after(P);
  const bool b_home = b_kind == CannonB::kResident;
  for (int s = 0; s < p; ++s) {
    for (int x = 0; x < p; ++x)
      for (int y = 0; y < p; ++y) {
        const std::size_t q = pos(x, y);
        const int k = kblock(x, y, s);
        at_step(used_by, s, q) = kNoItem;  // set when the step's group has its task
        if (!a_slice(x, k).empty() && !b_slice(k, y).empty()) {
          if (first_pending[q] < 0) first_pending[q] = s;
          last_k[q] = k;
          auto& after = pending_after[q];
          after.insert(after.end(), a_at[q].begin(), a_at[q].end());
          after.insert(after.end(), b_at[q].begin(), b_at[q].end());
        }
        // The group ends after w steps, at the last step, or where the next block wraps to 0.
        const int s0 = first_pending[q];
        if (s0 < 0 || (s - s0 + 1 < w && s + 1 < p && k + 1 < p)) continue;
        const int k0 = kblock(x, y, s0);
        auto& after = pending_after[q];
        const Slice a{ta, part_begin(M, p, x), part_end(M, p, x), part_begin(K, p, k0), part_end(K, p, last_k[q])};
        const Slice b{tb, a.c0, a.c1, part_begin(N, p, y), part_end(N, p, y)};
        ItemData d;
        d.kind = ItemData::Kind::kMatMulAcc;
        d.out = {tc, a.r0, a.r1, b.c0, b.c1};
        d.a = a;
        d.b = b;
        d.first = last[q].empty();
        after.insert(after.end(), last[q].begin(), last[q].end());
        last[q] = {task(sq.tiles[q], tile_.matmul_cycles(a.rows(), a.cols(), b.cols()), std::move(after), op, d)};
        after.clear();
        for (int t = s0; t <= s; ++t) at_step(used_by, t, q) = last[q][0];
        first_pending[q] = -1;
      }
    // The shifts into step s + 1 (and B's way home after the last step).
    const bool a_moves = s + 1 < p, b_moves = s + 1 < p || b_home;
    if (!a_moves && !b_moves) break;
    const int reuse = s + 1 - 2 * w;  // the step whose buffer a block for step s + 1 takes
    Deps a_next(P), b_next(P);
    for (int x = 0; x < p; ++x)
      for (int y = 0; y < p; ++y) {
        const std::size_t q = pos(x, y);
        const int k = kblock(x, y, s);
        auto shift = [&](std::size_t to, const Slice& what, const Deps& at, std::vector<std::uint32_t>& sent, Deps& next) {
          at_step(sent, s, q) = kNoItem;
          if (what.empty()) {
            next[to] = at[q];
            return;
          }
          std::vector<std::uint32_t> after = at[q];
          if (reuse >= 0) {
            for (const std::uint32_t u : {at_step(used_by, reuse, to), at_step(sent, reuse, to)})
              if (u != kNoItem) after.push_back(u);
          } else if (b_home && !b_ready.empty()) {  // the buffers are the previous user's until it is done there
            after.insert(after.end(), b_ready[to].begin(), b_ready[to].end());
          }
          const std::uint32_t m = sq.tiles[to] == sq.tiles[q] ? kNoItem
                                                              : message(sq.tiles[q], sq.tiles[to], static_cast<double>(what.rows() * what.cols()) * elem_,
                                                                        after, op, what);
          next[to] = m == kNoItem ? at[q] : std::vector<std::uint32_t>{m};
          at_step(sent, s, q) = m;
        };
        if (a_moves) shift(row_pred(x, y), a_slice(x, k), a_at, a_sent, a_next);
        if (b_moves) shift(col_pred(x, y), b_slice(k, y), b_at, b_sent, b_next);
      }
    a_at = std::move(a_next);
    b_at = std::move(b_next);
  }
  if (b_free) {
    b_free->assign(P, {});
    for (std::size_t q = 0; q < P; ++q) {
      (*b_free)[q] = last[q];
      if (b_home) (*b_free)[q].insert((*b_free)[q].end(), b_at[q].begin(), b_at[q].end());
    }
  }
  return last;
}

}  // namespace wafersim::compiler
