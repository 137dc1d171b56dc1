#include "compiler/plan_builder.hpp"

#include <algorithm>
#include <cmath>
#include <stdexcept>

namespace wafersim::compiler {
namespace {

std::vector<std::uint32_t> joined(std::vector<std::uint32_t> a, const std::vector<std::uint32_t>& b) {
  a.insert(a.end(), b.begin(), b.end());
  a.erase(std::remove(a.begin(), a.end(), kNoItem), a.end());
  std::sort(a.begin(), a.end());
  a.erase(std::unique(a.begin(), a.end()), a.end());
  return a;
}

std::uint64_t whole_bytes(double b) { return std::max<std::uint64_t>(1, static_cast<std::uint64_t>(std::ceil(b))); }

}  // namespace

std::vector<std::pair<std::size_t, Slice>> summa_b_blocks(const TileGrid& g, int tensor, std::int64_t K, std::int64_t N) {
  std::vector<std::pair<std::size_t, Slice>> out;
  for (int kk = 0; kk < g.pc; ++kk)
    for (int j = 0; j < g.pc; ++j) {
      const Slice s{tensor, part_begin(K, g.pc, kk), part_end(K, g.pc, kk), part_begin(N, g.pc, j), part_end(N, g.pc, j)};
      if (!s.empty()) out.emplace_back(static_cast<std::size_t>(kk % g.pr) * g.pc + j, s);
    }
  return out;
}

PlanBuilder::PlanBuilder(Plan& plan, const TileComputeSpec& tile, double element_bytes, bool functional,
                         std::function<std::uint32_t(std::uint32_t)> edge_tile)
    : plan_(plan), tile_(tile), elem_(element_bytes), functional_(functional), edge_tile_(std::move(edge_tile)) {}

std::uint32_t PlanBuilder::push(std::uint32_t id, int op, const ItemData& d) {
  plan_.item_op.push_back(op);
  if (functional_) plan_.item_data.push_back(d);
  return id;
}

std::uint32_t PlanBuilder::task(std::uint32_t tile, std::uint64_t cycles, std::vector<std::uint32_t> after, int op, ItemData data) {
  return push(plan_.workload.add_task(tile, cycles, joined(std::move(after), {}), op), op, data);
}

std::uint32_t PlanBuilder::message(std::uint32_t src, std::uint32_t dst, double bytes, std::vector<std::uint32_t> after, int op,
                                   Slice carried) {
  ItemData d;
  d.kind = ItemData::Kind::kCarry;
  d.out = carried;
  return push(plan_.workload.add_message(src, dst, whole_bytes(bytes), joined(std::move(after), {}), op), op, d);
}

std::uint32_t PlanBuilder::multicast(std::uint32_t src, std::vector<std::uint32_t> dsts, double bytes, std::vector<std::uint32_t> after,
                                     int op, Slice carried) {
  ItemData d;
  d.kind = ItemData::Kind::kCarry;
  d.out = carried;
  return push(plan_.workload.add_multicast(src, std::move(dsts), whole_bytes(bytes), joined(std::move(after), {}), op), op, d);
}

std::vector<std::uint32_t> PlanBuilder::exchange(const std::vector<Exchange>& m, std::size_t ranks, int op) {
  const std::size_t n = std::max<std::size_t>(1, ranks);
  std::vector<std::size_t> order(m.size());
  for (std::size_t k = 0; k < m.size(); ++k) order[k] = k;
  auto round = [&](std::size_t k) { return (m[k].dst_rank % n + n - m[k].src_rank % n) % n; };
  std::stable_sort(order.begin(), order.end(), [&](std::size_t a, std::size_t b) {
    return round(a) != round(b) ? round(a) < round(b) : m[a].src_rank < m[b].src_rank;
  });
  std::vector<std::uint32_t> ids(m.size());
  for (const std::size_t k : order) ids[k] = message(m[k].src, m[k].dst, m[k].bytes, m[k].after, op, m[k].carried);
  return ids;
}

std::uint32_t PlanBuilder::load(std::uint32_t dst, double bytes, std::vector<std::uint32_t> after, int op, Slice carried) {
  if (!edge_tile_) throw std::logic_error("PlanBuilder::load without an edge");
  ItemData d;
  d.kind = ItemData::Kind::kCarry;
  d.out = carried;
  return push(plan_.workload.add_offwafer(sim::kOffWafer, dst, edge_tile_(dst), whole_bytes(bytes), joined(std::move(after), {}), op), op,
              d);
}

std::uint32_t PlanBuilder::store(std::uint32_t src, double bytes, std::vector<std::uint32_t> after, int op) {
  if (!edge_tile_) throw std::logic_error("PlanBuilder::store without an edge");
  return push(plan_.workload.add_offwafer(src, sim::kOffWafer, edge_tile_(src), whole_bytes(bytes), joined(std::move(after), {}), op), op,
              {});
}

Deps PlanBuilder::summa(const TileGrid& g, std::int64_t M, std::int64_t K, std::int64_t N, int ta, int tb, int tc, const Deps& a_ready,
                        const Deps& b_ready, int op, bool b_offwafer) {
  const int pr = g.pr, pc = g.pc;
  auto pos = [&](int i, int j) { return static_cast<std::size_t>(i) * pc + j; };
  Deps last(g.size());
  // B blocks that come from off-wafer memory are loaded into their holder first.
  Deps b_have = b_ready;
  if (b_offwafer)
    for (const auto& [h, s] : summa_b_blocks(g, tb, K, N))
      b_have[h].push_back(load(g.tiles[h], static_cast<double>(s.rows() * s.cols()) * elem_, b_ready[h], op, s));
  for (int kk = 0; kk < pc; ++kk) {
    const std::int64_t k0 = part_begin(K, pc, kk), k1 = part_end(K, pc, kk);
    if (k1 <= k0) continue;
    // Row broadcasts of A(i, kk) and column broadcasts of B(kk, j).
    std::vector<std::vector<std::uint32_t>> a_at(g.size()), b_at(g.size());
    // A broadcast from position h to the positions `to` (h among them keeps its own copy).
    auto broadcast = [&](std::size_t h, const std::vector<std::size_t>& to, const Slice& s, const std::vector<std::uint32_t>& ready,
                         std::vector<std::vector<std::uint32_t>>& at) {
      std::vector<std::uint32_t> tiles;
      for (const std::size_t p : to)
        if (p != h) tiles.push_back(g.tiles[p]);
      const std::vector<std::uint32_t> copy =
          tiles.empty() ? std::vector<std::uint32_t>{}
                        : std::vector<std::uint32_t>{multicast(g.tiles[h], tiles, static_cast<double>(s.rows() * s.cols()) * elem_, ready, op, s)};
      for (const std::size_t p : to) at[p] = p == h ? ready : copy;
    };
    std::vector<std::size_t> line;
    for (int i = 0; i < pr; ++i) {
      const Slice s{ta, part_begin(M, pr, i), part_end(M, pr, i), k0, k1};
      if (s.empty()) continue;
      line.clear();
      for (int j = 0; j < pc; ++j) line.push_back(pos(i, j));
      broadcast(pos(i, kk), line, s, a_ready[pos(i, kk)], a_at);
    }
    for (int j = 0; j < pc; ++j) {
      const Slice s{tb, k0, k1, part_begin(N, pc, j), part_end(N, pc, j)};
      if (s.empty()) continue;
      const std::size_t h = pos(kk % pr, j);
      line.clear();
      for (int i = 0; i < pr; ++i) line.push_back(pos(i, j));
      broadcast(h, line, s, b_have[h], b_at);
    }
    for (int i = 0; i < pr; ++i)
      for (int j = 0; j < pc; ++j) {
        const std::int64_t m0 = part_begin(M, pr, i), m1 = part_end(M, pr, i), n0 = part_begin(N, pc, j), n1 = part_end(N, pc, j);
        if (m1 <= m0 || n1 <= n0) continue;
        const std::size_t p = pos(i, j);
        ItemData d;
        d.kind = ItemData::Kind::kMatMulAcc;
        d.out = {tc, m0, m1, n0, n1};
        d.a = {ta, m0, m1, k0, k1};
        d.b = {tb, k0, k1, n0, n1};
        d.first = last[p].empty();
        auto after = joined(joined(a_at[p], b_at[p]), last[p]);
        if (last[p].empty()) after = joined(after, a_ready[p]);  // whatever else this position waited for
        last[p] = {task(g.tiles[p], tile_.matmul_cycles(m1 - m0, k1 - k0, n1 - n0), after, op, d)};
      }
  }
  return last;
}

int weight_grid_rows(std::size_t tiles, std::int64_t K, std::int64_t N) {
  int best = 1;
  double best_cost = -1;
  for (std::size_t d = 1; d <= tiles; ++d) {
    if (tiles % d) continue;
    const double cost = static_cast<double>(K) * static_cast<double>(tiles / d) + static_cast<double>(N) * static_cast<double>(d);
    if (best_cost < 0 || cost < best_cost) best_cost = cost, best = static_cast<int>(d);
  }
  return best;
}

Deps PlanBuilder::weight_stationary(const TileGrid& g, std::int64_t M, std::int64_t K, std::int64_t N, const Deps& a_ready, int op,
                                    WeightGrid w, Deps* gathered_out) {
  if (static_cast<std::size_t>(w.rows) * static_cast<std::size_t>(w.cols) != g.size())
    throw std::logic_error("weight_stationary: the weight grid does not cover the tiles");
  const std::size_t P = g.size();
  // K and N blocks of weight position q.
  const int kparts = w.transposed ? w.cols : w.rows, nparts = w.transposed ? w.rows : w.cols;
  auto kblock = [&](std::size_t q) { return static_cast<int>(w.transposed ? q % w.cols : q / w.cols); };
  auto nblock = [&](std::size_t q) { return static_cast<int>(w.transposed ? q / w.cols : q % w.cols); };
  // The grid layout on g of an M x width tensor: (i, j) holds (M block i, width block j).
  auto grid_layout = [&](std::int64_t width, const Deps& ready) {
    std::vector<Piece> pieces;
    for (std::size_t p = 0; p < P; ++p) {
      const int i = static_cast<int>(p) / g.pc, j = static_cast<int>(p) % g.pc;
      pieces.push_back({g.tiles[p], Slice{-1, part_begin(M, g.pr, i), part_end(M, g.pr, i), part_begin(width, g.pc, j), part_end(width, g.pc, j)},
                        ready.empty() ? std::vector<std::uint32_t>{} : ready[p]});
    }
    return pieces;
  };

  // Every weight position gathers A(all M, its K block) from A's grid layout.
  std::vector<std::size_t> active;  // weight positions with a non-empty block
  std::vector<Piece> a_need;
  for (std::size_t q = 0; q < P; ++q) {
    const Slice a{-1, 0, M, part_begin(K, kparts, kblock(q)), part_end(K, kparts, kblock(q))};
    if (a.empty() || part_end(N, nparts, nblock(q)) <= part_begin(N, nparts, nblock(q))) continue;
    active.push_back(q);
    a_need.push_back({g.tiles[q], a, {}});
  }
  const Deps gathered = redistribute(grid_layout(K, a_ready), a_need, 1.0, op);
  if (gathered_out) {
    gathered_out->assign(P, {});
    for (std::size_t k = 0; k < active.size(); ++k) (*gathered_out)[active[k]] = gathered[k];
  }
  // Partial products C(all M, N block) at each weight position ...
  std::vector<Piece> partials;
  for (std::size_t k = 0; k < active.size(); ++k) {
    const std::size_t q = active[k];
    const Slice c{-1, 0, M, part_begin(N, nparts, nblock(q)), part_end(N, nparts, nblock(q))};
    partials.push_back({g.tiles[q], c, {task(g.tiles[q], tile_.matmul_cycles(M, a_need[k].rect.cols(), c.cols()), gathered[k], op)}});
  }
  // ... reduce-scattered into C's grid layout on g: each element sums kparts partial products.
  const std::vector<Piece> c_need = grid_layout(N, {});
  const Deps summed = redistribute(partials, c_need, 1.0, op);
  Deps out(P);
  for (std::size_t p = 0; p < P; ++p) {
    const Slice& c = c_need[p].rect;
    if (c.empty()) continue;
    out[p] = {task(g.tiles[p], tile_.vector_cycles(static_cast<double>(c.rows() * c.cols() * (kparts - 1))), summed[p], op)};
  }
  return out;
}

Deps PlanBuilder::redistribute(const std::vector<Piece>& have, const std::vector<Piece>& need, double scale, int op) {
  Deps out(need.size());
  std::vector<Exchange> moves;
  std::vector<std::size_t> move_to;  // need index of each move
  for (std::size_t n = 0; n < need.size(); ++n) {
    const Slice& w = need[n].rect;
    for (std::size_t k = 0; k < have.size(); ++k) {
      const Piece& h = have[k];
      const Slice o{w.tensor, std::max(w.r0, h.rect.r0), std::min(w.r1, h.rect.r1), std::max(w.c0, h.rect.c0), std::min(w.c1, h.rect.c1)};
      if (o.empty()) continue;
      if (h.tile == need[n].tile) {
        out[n] = joined(out[n], h.ready);
        continue;
      }
      // Ranks on a common scale, so that rounds spread sources over destinations when the two
      // layouts have different numbers of pieces.
      const std::size_t ranks = std::max(have.size(), need.size());
      moves.push_back({k * ranks / have.size(), n * ranks / need.size(), h.tile, need[n].tile,
                       static_cast<double>(o.rows() * o.cols()) * elem_ * scale, h.ready, o});
      move_to.push_back(n);
    }
  }
  const auto ids = exchange(moves, std::max(have.size(), need.size()), op);
  for (std::size_t k = 0; k < moves.size(); ++k) out[move_to[k]].push_back(ids[k]);
  return out;
}

Deps PlanBuilder::multicast_allgather(const std::vector<std::uint32_t>& tiles, const std::vector<Slice>& blocks, const Deps& own, int op) {
  const std::size_t n = tiles.size();
  Deps all = own;
  for (std::size_t q = 0; q < n; ++q) {
    if (blocks[q].empty()) continue;
    std::vector<std::uint32_t> to;
    for (std::size_t d = 0; d < n; ++d)
      if (tiles[d] != tiles[q] && std::find(to.begin(), to.end(), tiles[d]) == to.end()) to.push_back(tiles[d]);
    std::vector<std::uint32_t> got = own[q];
    if (!to.empty()) got = {multicast(tiles[q], std::move(to), static_cast<double>(blocks[q].rows() * blocks[q].cols()) * elem_, own[q], op, blocks[q])};
    for (std::size_t d = 0; d < n; ++d)
      if (d != q) all[d].insert(all[d].end(), got.begin(), got.end());
  }
  return all;
}

Deps PlanBuilder::ring_reduce_scatter(const std::vector<std::uint32_t>& tiles, const std::vector<double>& bytes, const Deps& ready, int op) {
  const std::size_t n = tiles.size();
  Deps carry = ready;  // carry[q]: when member q holds the running sum it sends next
  for (std::size_t s = 0; s + 1 < n; ++s) {
    Deps next(n);
    for (std::size_t q = 0; q < n; ++q) {
      const std::size_t to = (q + 1) % n, block = (q + n - s) % n;
      std::vector<std::uint32_t> got = carry[q];
      if (tiles[to] != tiles[q]) got = {message(tiles[q], tiles[to], bytes[block], carry[q], op)};
      got.insert(got.end(), ready[to].begin(), ready[to].end());
      // Adds its own partial: bytes / element size additions.
      next[to] = {task(tiles[to], tile_.vector_cycles(bytes[block] / elem_), got, op)};
    }
    carry = std::move(next);
  }
  return carry;
}

Deps PlanBuilder::elementwise(const TileGrid& g, std::int64_t rows, double flops, bool row_reduction, const Deps& ready, int op) {
  Deps out(g.size());
  const double share = flops / static_cast<double>(g.size());
  if (!row_reduction || g.pc == 1) {
    for (std::size_t p = 0; p < g.size(); ++p) out[p] = {task(g.tiles[p], tile_.vector_cycles(share), ready[p], op)};
    return out;
  }
  // Local statistics, to the row's leftmost tile, combined there, and back.
  for (int i = 0; i < g.pr; ++i) {
    const double stat_bytes = 8.0 * static_cast<double>(std::max<std::int64_t>(1, part_end(rows, g.pr, i) - part_begin(rows, g.pr, i)));
    std::vector<std::uint32_t> local(g.pc), to_leader;
    for (int j = 0; j < g.pc; ++j) {
      const std::size_t p = static_cast<std::size_t>(i) * g.pc + j;
      local[j] = task(g.at(i, j), tile_.vector_cycles(share / 2), ready[p], op);
      if (j > 0) to_leader.push_back(message(g.at(i, j), g.at(i, 0), stat_bytes, {local[j]}, op));
    }
    to_leader.push_back(local[0]);
    const std::uint32_t combined = task(g.at(i, 0), tile_.vector_cycles(static_cast<double>(g.pc) * stat_bytes / 4), to_leader, op);
    for (int j = 0; j < g.pc; ++j) {
      const std::size_t p = static_cast<std::size_t>(i) * g.pc + j;
      const std::uint32_t back = j == 0 ? combined : message(g.at(i, 0), g.at(i, j), stat_bytes, {combined}, op);
      out[p] = {task(g.at(i, j), tile_.vector_cycles(share / 2), {back, local[j]}, op)};
    }
  }
  return out;
}

}  // namespace wafersim::compiler
