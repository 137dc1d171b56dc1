#include "compiler/functional_check.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <limits>

#include "compiler/key_ring.hpp"
#include "compiler/layouts.hpp"

namespace wafersim::compiler {
namespace {

constexpr std::uint32_t kInitial = 0xFFFFFFFFu;

struct Stored {
  Slice s;
  Eigen::MatrixXd v;
  std::uint32_t writer;
  Eigen::VectorXd row_max, row_sum;  // an attention step's running statistics (else empty)
};

class Executor {
 public:
  Executor(const Plan& p, const std::map<int, Eigen::MatrixXd>& t) : plan_(p) {
    const auto& items = p.workload.items;
    if (p.item_data.size() != items.size()) throw std::invalid_argument("execute_plan: the plan carries no data semantics");
    words_ = (items.size() + 63) / 64;
    anc_.assign(items.size() * words_, 0);
    for (const auto& [tile, s] : p.initial) {
      const auto it = t.find(s.tensor);
      if (it == t.end()) throw std::invalid_argument(fmt::format("execute_plan: no value for tensor {}", s.tensor));
      store_[tile].push_back({s, it->second.block(s.r0, s.c0, s.rows(), s.cols()), kInitial, {}, {}});
    }
  }

  void run() {
    const auto& items = plan_.workload.items;
    for (std::uint32_t i = 0; i < items.size(); ++i) {
      std::uint64_t* a = &anc_[i * words_];
      for (std::uint32_t d : items[i].after) {
        a[d / 64] |= std::uint64_t{1} << (d % 64);
        const std::uint64_t* ad = &anc_[d * words_];
        for (std::size_t w = 0; w < words_; ++w) a[w] |= ad[w];
      }
      const ItemData& d = plan_.item_data[i];
      const sim::WorkItem& it = items[i];
      switch (d.kind) {
        case ItemData::Kind::kNone: break;
        case ItemData::Kind::kCarry:
          if (d.out.empty()) break;
          if (it.src == sim::kOffWafer) throw FunctionalError("functional plans load nothing from off-wafer");
          for (const std::uint32_t dst : it.destinations()) put(dst, d.out, read(it.src, d.out, i), i);
          break;
        case ItemData::Kind::kMatMulAcc: {
          Eigen::MatrixXd c = d.first ? Eigen::MatrixXd::Zero(d.out.rows(), d.out.cols()) : read(it.tile, d.out, i);
          c += read(it.tile, d.a, i) * read(it.tile, d.b, i);
          put(it.tile, d.out, std::move(c), i);
          break;
        }
        case ItemData::Kind::kCopy:
          put(it.tile, d.out, read(it.tile, d.a, i), i);
          break;
        case ItemData::Kind::kAttention: {
          const Eigen::MatrixXd q = read(it.tile, d.a, i), k = read(it.tile, d.b, i), v = read(it.tile, d.c, i);
          Eigen::MatrixXd s = q * k.transpose() / std::sqrt(static_cast<double>(q.cols()));
          for (Eigen::Index r = 0; r < s.rows(); ++r) {
            const std::int64_t pos = d.a.r0 + r - d.b.r0;  // query position within the sequence's keys
            for (Eigen::Index c = pos + 1; c < s.cols(); ++c) s(r, c) = -std::numeric_limits<double>::infinity();
            const double mx = s.row(r).maxCoeff();
            s.row(r) = (s.row(r).array() - mx).exp().matrix();
            s.row(r) /= s.row(r).sum();
          }
          put(it.tile, d.out, s * v, i);
          break;
        }
        case ItemData::Kind::kAttentionStep: attention_step(it.tile, d, i); break;
        case ItemData::Kind::kRowSum: {
          Eigen::MatrixXd out = Eigen::MatrixXd::Zero(d.out.rows(), d.out.cols());
          for (const ItemData::RowTerm& t : d.terms) {
            if (t.dst_row < d.out.r0 || t.dst_row >= d.out.r1) throw std::invalid_argument("execute_plan: a row-sum term outside its output");
            out.row(t.dst_row - d.out.r0) += t.weight * read(it.tile, Slice{t.tensor, t.src_row, t.src_row + 1, d.out.c0, d.out.c1}, i);
          }
          put(it.tile, d.out, std::move(out), i);
          break;
        }
      }
    }
  }

  std::map<int, Eigen::MatrixXd> outputs() {
    std::map<int, Eigen::MatrixXd> out;
    std::map<int, std::pair<std::int64_t, std::int64_t>> shape;
    for (const auto& [tile, s] : plan_.outputs) {
      auto& sh = shape[s.tensor];
      sh.first = std::max(sh.first, s.r1);
      sh.second = std::max(sh.second, s.c1);
    }
    for (const auto& [t, sh] : shape) out[t] = Eigen::MatrixXd::Constant(sh.first, sh.second, std::nan(""));
    for (const auto& [tile, s] : plan_.outputs) out[s.tensor].block(s.r0, s.c0, s.rows(), s.cols()) = read(tile, s, kInitial);
    return out;
  }

 private:
  // One block of keys and values into the running output (see ItemData::Kind::kAttentionStep).
  void attention_step(std::uint32_t tile, const ItemData& d, std::uint32_t i) {
    const Eigen::MatrixXd q = read(tile, d.a, i), k = read(tile, d.b, i), v = read(tile, d.c, i);
    const Eigen::Index rows = q.rows();
    Eigen::MatrixXd acc = Eigen::MatrixXd::Zero(rows, v.cols());
    Eigen::VectorXd mx = Eigen::VectorXd::Constant(rows, -std::numeric_limits<double>::infinity()), sum = Eigen::VectorXd::Zero(rows);
    if (!d.first) {
      const Stored* prev = state(tile, d.out, i);
      acc = prev->v, mx = prev->row_max, sum = prev->row_sum;
    }
    const Eigen::MatrixXd s = q * k.transpose() / std::sqrt(static_cast<double>(q.cols()));
    for (Eigen::Index r = 0; r < rows; ++r) {
      double block_max = -std::numeric_limits<double>::infinity();
      for (Eigen::Index c = 0; c < s.cols(); ++c)
        if (d.b.r0 + c <= d.a.r0 + r) block_max = std::max(block_max, s(r, c));  // causal: keys up to the query's position
      if (block_max == -std::numeric_limits<double>::infinity()) continue;  // the whole block is masked for this row
      const double m_new = std::max(mx(r), block_max), rescale = std::exp(mx(r) - m_new);
      acc.row(r) *= rescale;
      sum(r) *= rescale;
      for (Eigen::Index c = 0; c < s.cols(); ++c) {
        if (d.b.r0 + c > d.a.r0 + r) continue;
        const double p = std::exp(s(r, c) - m_new);
        sum(r) += p;
        acc.row(r) += p * v.row(c);
      }
      mx(r) = m_new;
    }
    if (d.last) {
      for (Eigen::Index r = 0; r < rows; ++r) acc.row(r) /= sum(r);
      put(tile, d.out, std::move(acc), i);
      return;
    }
    Stored& now = put(tile, d.out, std::move(acc), i);
    now.row_max = std::move(mx);
    now.row_sum = std::move(sum);
  }

  // The running state of an attention step at exactly slice s, written by an item `reader` depends on.
  const Stored* state(std::uint32_t tile, const Slice& s, std::uint32_t reader) const {
    const auto it = store_.find(tile);
    if (it != store_.end())
      for (const Stored& p : it->second)
        if (p.s.tensor == s.tensor && p.s.r0 == s.r0 && p.s.r1 == s.r1 && p.s.c0 == s.c0 && p.s.c1 == s.c1 && p.row_max.size() > 0 &&
            ordered_before(p.writer, reader))
          return &p;
    throw FunctionalError(fmt::format("item {} continues an attention on tile {} (tensor {} rows [{}, {})) whose earlier blocks it does not "
                                      "depend on",
                                      reader, tile, s.tensor, s.r0, s.r1));
  }

  bool ordered_before(std::uint32_t writer, std::uint32_t reader) const {
    if (writer == kInitial || reader == kInitial) return true;
    return (anc_[reader * words_ + writer / 64] >> (writer % 64)) & 1;
  }

  Eigen::MatrixXd read(std::uint32_t tile, const Slice& s, std::uint32_t reader) const {
    Eigen::MatrixXd m(s.rows(), s.cols());
    Eigen::MatrixXi seen = Eigen::MatrixXi::Zero(s.rows(), s.cols());
    const auto it = store_.find(tile);
    if (it != store_.end())
      for (const Stored& p : it->second) {
        if (p.s.tensor != s.tensor || !ordered_before(p.writer, reader)) continue;
        const std::int64_t r0 = std::max(s.r0, p.s.r0), r1 = std::min(s.r1, p.s.r1), c0 = std::max(s.c0, p.s.c0), c1 = std::min(s.c1, p.s.c1);
        if (r1 <= r0 || c1 <= c0) continue;
        m.block(r0 - s.r0, c0 - s.c0, r1 - r0, c1 - c0) = p.v.block(r0 - p.s.r0, c0 - p.s.c0, r1 - r0, c1 - c0);
        seen.block(r0 - s.r0, c0 - s.c0, r1 - r0, c1 - c0).setOnes();
      }
    if (seen.minCoeff() == 0) {
      Eigen::Index r = 0, c = 0;
      seen.minCoeff(&r, &c);
      throw FunctionalError(fmt::format("item {} reads tensor {} rows [{}, {}) cols [{}, {}) on tile {}, but element ({}, {}) was never "
                                        "delivered there by an item it depends on",
                                        reader == kInitial ? std::string("output") : std::to_string(reader), s.tensor, s.r0, s.r1, s.c0,
                                        s.c1, tile, s.r0 + r, s.c0 + c));
    }
    return m;
  }

  Stored& put(std::uint32_t tile, const Slice& s, Eigen::MatrixXd v, std::uint32_t writer) {
    auto& list = store_[tile];
    for (Stored& p : list)
      if (p.s.tensor == s.tensor && p.s.r0 == s.r0 && p.s.r1 == s.r1 && p.s.c0 == s.c0 && p.s.c1 == s.c1) {
        p.v = std::move(v);
        p.writer = writer;
        p.row_max.resize(0);
        p.row_sum.resize(0);
        return p;
      }
    list.push_back({s, std::move(v), writer, {}, {}});
    return list.back();
  }

  const Plan& plan_;
  std::size_t words_ = 0;
  std::vector<std::uint64_t> anc_;
  std::map<std::uint32_t, std::vector<Stored>> store_;
};

TileGrid whole_fabric_grid(const mesh::Fabric& f) { return make_grid(f, 0, 0, f.rows(), f.cols(), f.rows(), f.cols()); }

}  // namespace

std::map<int, Eigen::MatrixXd> execute_plan(const Plan& plan, const std::map<int, Eigen::MatrixXd>& tensors) {
  Executor e(plan, tensors);
  e.run();
  return e.outputs();
}

Plan plan_matmul(const mesh::Fabric& fabric, const TileComputeSpec& tile, std::int64_t M, std::int64_t K, std::int64_t N) {
  Plan plan;
  plan.style = "summa";
  const TileGrid g = whole_fabric_grid(fabric);
  PlanBuilder b(plan, tile, 2.0, true);
  for (const Piece& p : grid_pieces(g, 0, M, K, {})) plan.initial.emplace_back(p.tile, p.rect);
  for (const auto& [h, s] : summa_b_blocks(g, 1, K, N)) plan.initial.emplace_back(g.tiles[h], s);
  const Deps none(g.size());
  b.summa(g, M, K, N, 0, 1, 2, none, none, -1);
  for (const Piece& p : grid_pieces(g, 2, M, N, {}))
    if (!p.rect.empty()) plan.outputs.emplace_back(p.tile, p.rect);
  return plan;
}

Plan plan_matmul_cannon(const mesh::Fabric& fabric, const TileComputeSpec& tile, std::int64_t M, std::int64_t K, std::int64_t N,
                        bool b_resident, int steps_per_task) {
  Plan plan;
  plan.style = "cannon";
  const TileGrid g = whole_fabric_grid(fabric);
  const TileGrid sq = square_part(g);
  PlanBuilder b(plan, tile, 2.0, true);
  const std::vector<Piece> a = grid_pieces(g, 0, M, K, {});
  for (const Piece& p : a) plan.initial.emplace_back(p.tile, p.rect);
  std::vector<Piece> bp;
  if (b_resident) {
    for (const auto& [h, s] : PlanBuilder::cannon_b_blocks(sq, 1, K, N)) plan.initial.emplace_back(sq.tiles[h], s);
  } else {
    bp = grid_pieces(g, 1, K, N, {});
    for (const Piece& p : bp) plan.initial.emplace_back(p.tile, p.rect);
  }
  b.cannon(sq, M, K, N, 0, 1, 2, a, b_resident ? PlanBuilder::CannonB::kResident : PlanBuilder::CannonB::kMoved, bp, Deps(sq.size()), -1,
           steps_per_task);
  for (const Piece& p : grid_pieces(sq, 2, M, N, {}))
    if (!p.rect.empty()) plan.outputs.emplace_back(p.tile, p.rect);
  return plan;
}

Plan plan_matmul_cannon_shared(const mesh::Fabric& fabric, const TileComputeSpec& tile, std::int64_t M, std::int64_t K, std::int64_t N,
                               int uses, bool take_turns, int steps_per_task) {
  Plan plan;
  plan.style = "cannon, shared resident weight";
  const TileGrid g = whole_fabric_grid(fabric);
  const TileGrid sq = square_part(g);
  PlanBuilder b(plan, tile, 2.0, true);
  for (const auto& [h, s] : PlanBuilder::cannon_b_blocks(sq, 1, K, N)) plan.initial.emplace_back(sq.tiles[h], s);
  Deps free(sq.size());
  for (int u = 0; u < uses; ++u) {
    const int ta = u == 0 ? 0 : 1 + 2 * u, tc = u == 0 ? 2 : 2 + 2 * u;
    const std::vector<Piece> a = grid_pieces(g, ta, M, K, {});
    for (const Piece& p : a) plan.initial.emplace_back(p.tile, p.rect);
    const Deps ready = take_turns ? free : Deps(sq.size());
    b.cannon(sq, M, K, N, ta, 1, tc, a, PlanBuilder::CannonB::kResident, {}, ready, -1, steps_per_task, &free);
    for (const Piece& p : grid_pieces(sq, tc, M, N, {}))
      if (!p.rect.empty()) plan.outputs.emplace_back(p.tile, p.rect);
  }
  return plan;
}

Plan plan_attention_head(const mesh::Fabric& fabric, const TileComputeSpec& tile, std::int64_t S, std::int64_t d, std::int64_t hd,
                         int stream_blocks_per_step) {
  Plan plan;
  plan.style = stream_blocks_per_step > 0 ? "summa+streamed attention" : "summa+attention";
  const TileGrid g = whole_fabric_grid(fabric);
  PlanBuilder b(plan, tile, 2.0, true);
  for (const Piece& p : grid_pieces(g, 0, S, d, {})) plan.initial.emplace_back(p.tile, p.rect);
  for (int w = 1; w <= 3; ++w)
    for (const auto& [h, s] : summa_b_blocks(g, w, d, hd)) plan.initial.emplace_back(g.tiles[h], s);
  const Deps none(g.size());
  Deps qkv[3];
  for (int w = 0; w < 3; ++w) qkv[w] = b.summa(g, S, d, hd, 0, 1 + w, 4 + w, none, none, -1);
  // One head, the sequence cut into as many query blocks as there are tiles (at least 1 row each).
  HeadUnits units{1, 1, S, static_cast<int>(std::min<std::int64_t>(S, static_cast<std::int64_t>(g.size())))};
  std::vector<Piece> need_q;
  for (std::size_t u = 0; u < units.count(); ++u) need_q.push_back({units.tile(u, g), units.rect(u, 4, false, 1, hd), {}});
  const Deps q_in = b.redistribute(grid_pieces(g, 4, S, hd, qkv[0]), need_q, 1.0, -1);
  // Each unit first gets its own query block's rows of keys and values, as the mapper moves them.
  std::vector<std::uint32_t> tiles;
  std::vector<Slice> own_blocks[2];
  std::vector<Piece> own[2];
  Deps own_ready[2];
  for (int w = 0; w < 2; ++w) {
    for (std::size_t u = 0; u < units.count(); ++u) {
      own[w].push_back({units.tile(u, g), units.rect(u, 5 + w, false, 1, hd), {}});
      own_blocks[w].push_back(own[w].back().rect);
      if (w == 0) tiles.push_back(own[w].back().tile);
    }
    own_ready[w] = b.redistribute(grid_pieces(g, 5 + w, S, hd, qkv[1 + w]), own[w], 1.0, -1);
  }
  std::vector<Piece> ctx;
  if (stream_blocks_per_step > 0) {
    // Streamed: keys and values around the ring, one online-softmax task per block.
    KeyRing keys(b, tiles, own_blocks[0], own_ready[0], stream_blocks_per_step, -1), values(b, tiles, own_blocks[1], own_ready[1], stream_blocks_per_step, -1);
    std::vector<std::vector<std::uint32_t>> step_end(keys.steps(), std::vector<std::uint32_t>(units.count(), kNoItem));
    std::vector<std::uint32_t> prev(units.count(), kNoItem);
    for (std::size_t t = 0; t < keys.steps(); ++t) {
      Deps done(units.count());
      if (t >= 2)
        for (std::size_t u = 0; u < units.count(); ++u) done[u] = {step_end[t - 2][u]};
      const Deps k_at = keys.arrive(t, done), v_at = values.arrive(t, done);
      for (std::size_t u = 0; u < units.count(); ++u)
        for (std::size_t j = keys.first(t); j < keys.last(t); ++j) {
          ItemData a;
          a.kind = ItemData::Kind::kAttentionStep;
          a.a = need_q[u].rect;
          a.b = keys.block(keys.owner(u, j));
          a.c = values.block(values.owner(u, j));
          a.out = units.rect(u, 7, false, 1, hd);
          a.first = j == 0;
          a.last = j + 1 == keys.members();
          std::vector<std::uint32_t> after = q_in[u];
          after.insert(after.end(), k_at[u].begin(), k_at[u].end());
          after.insert(after.end(), v_at[u].begin(), v_at[u].end());
          if (prev[u] != kNoItem) after.push_back(prev[u]);
          const std::int64_t rows = a.a.rows(), keys_in = a.b.rows();
          prev[u] = step_end[t][u] = b.task(units.tile(u, g), tile.matmul_cycles(rows, hd, keys_in) + tile.matmul_cycles(rows, keys_in, hd) +
                                                                   tile.vector_cycles(5.0 * static_cast<double>(rows * keys_in)), after, -1, a);
        }
    }
    for (std::size_t u = 0; u < units.count(); ++u) ctx.push_back({units.tile(u, g), units.rect(u, 7, false, 1, hd), {prev[u]}});
  } else {
    // Gathered: each unit multicasts its blocks to the others, then one task over all keys.
    const Deps k_in = b.multicast_allgather(tiles, own_blocks[0], own_ready[0], -1);
    const Deps v_in = b.multicast_allgather(tiles, own_blocks[1], own_ready[1], -1);
    for (std::size_t u = 0; u < units.count(); ++u) {
      ItemData a;
      a.kind = ItemData::Kind::kAttention;
      a.a = need_q[u].rect;
      a.b = units.rect(u, 5, true, 1, hd);
      a.c = units.rect(u, 6, true, 1, hd);
      a.out = units.rect(u, 7, false, 1, hd);
      const std::int64_t rows = a.a.rows();
      std::vector<std::uint32_t> after = q_in[u];
      after.insert(after.end(), k_in[u].begin(), k_in[u].end());
      after.insert(after.end(), v_in[u].begin(), v_in[u].end());
      const std::uint32_t t = b.task(units.tile(u, g), tile.matmul_cycles(rows, hd, S) + tile.matmul_cycles(rows, S, hd) +
                                                           tile.vector_cycles(5.0 * static_cast<double>(rows * S)), after, -1, a);
      ctx.push_back({units.tile(u, g), a.out, {t}});
    }
  }
  std::vector<Piece> back = grid_pieces(g, 7, S, hd, {});
  const Deps got = b.redistribute(ctx, back, 1.0, -1);
  // Each grid tile assembles its block of the context under tensor 8 (a copy task reading it).
  for (std::size_t p = 0; p < back.size(); ++p) {
    if (back[p].rect.empty()) continue;
    ItemData copy;
    copy.kind = ItemData::Kind::kCopy;  // reads every delivered piece of its block
    copy.out = {8, back[p].rect.r0, back[p].rect.r1, back[p].rect.c0, back[p].rect.c1};
    copy.a = back[p].rect;
    b.task(back[p].tile, tile.vector_cycles(static_cast<double>(copy.out.rows() * copy.out.cols())), got[p], -1, copy);
    plan.outputs.emplace_back(back[p].tile, copy.out);
  }
  return plan;
}

Plan plan_moe_layer(const mesh::Fabric& fabric, const TileComputeSpec& tile, std::int64_t d, const MoeRouting& routing,
                    const MoeMappingEntry& mapping) {
  Plan plan;
  plan.style = "summa+" + mapping.name;
  const TileGrid g = whole_fabric_grid(fabric);
  PlanBuilder b(plan, tile, 2.0, true);
  const int E = routing.experts;
  const auto T = static_cast<std::int64_t>(routing.choices.size());
  const int x = 0, out_t = 1 + 3 * E;
  auto w_t = [](int e) { return 1 + e; };
  auto p_t = [E](int e) { return 1 + E + e; };
  auto y_t = [E](int e) { return 1 + 2 * E + e; };
  for (const Piece& p : grid_pieces(g, x, T, d, {})) plan.initial.emplace_back(p.tile, p.rect);
  const std::vector<TileGrid> groups = mapping.expert_groups ? mapping.expert_groups(g, E) : std::vector<TileGrid>{};
  // Expert e's tokens in order, and each token's row in P_e.
  std::vector<std::vector<std::int64_t>> tokens(static_cast<std::size_t>(E));
  std::vector<std::map<std::int64_t, std::int64_t>> row_in(static_cast<std::size_t>(E));
  for (std::int64_t t = 0; t < T; ++t)
    for (const auto& [e, gate] : routing.choices[static_cast<std::size_t>(t)]) {
      if (e < 0 || e >= E) throw std::invalid_argument(fmt::format("plan_moe_layer: token {} is routed to expert {} of {}", t, e, E));
      row_in[static_cast<std::size_t>(e)][t] = static_cast<std::int64_t>(tokens[static_cast<std::size_t>(e)].size());
      tokens[static_cast<std::size_t>(e)].push_back(t);
    }
  // Rows [lo, hi) of P_e that grid row i's tokens make (contiguous: both are in token order).
  auto rows_of_block = [&](int e, int i) {
    const auto& tk = tokens[static_cast<std::size_t>(e)];
    const auto lo = std::lower_bound(tk.begin(), tk.end(), part_begin(T, g.pr, i)) - tk.begin();
    const auto hi = std::lower_bound(tk.begin(), tk.end(), part_end(T, g.pr, i)) - tk.begin();
    return std::make_pair(static_cast<std::int64_t>(lo), static_cast<std::int64_t>(hi));
  };
  Deps back_all(g.size());
  for (int e = 0; e < E; ++e) {
    const auto n = static_cast<std::int64_t>(tokens[static_cast<std::size_t>(e)].size());
    if (n == 0) continue;
    const TileGrid& ge = groups.empty() ? g : groups[static_cast<std::size_t>(e)];
    for (const auto& [h, s] : summa_b_blocks(ge, w_t(e), d, d)) plan.initial.emplace_back(ge.tiles[h], s);
    // Dispatch: each grid tile gathers its tokens' rows for e, and they go where SUMMA on ge wants them.
    std::vector<Piece> have, home;
    for (std::size_t p = 0; p < g.size(); ++p) {
      const int i = static_cast<int>(p) / g.pc, j = static_cast<int>(p) % g.pc;
      const auto [lo, hi] = rows_of_block(e, i);
      const Slice rows{p_t(e), lo, hi, part_begin(d, g.pc, j), part_end(d, g.pc, j)};
      home.push_back({g.tiles[p], Slice{y_t(e), lo, hi, rows.c0, rows.c1}, {}});
      if (rows.empty()) continue;
      ItemData gather;
      gather.kind = ItemData::Kind::kRowSum;
      gather.out = rows;
      for (std::int64_t q = lo; q < hi; ++q) gather.terms.push_back({q, x, tokens[static_cast<std::size_t>(e)][static_cast<std::size_t>(q)], 1.0});
      have.push_back({g.tiles[p], rows, {b.task(g.tiles[p], tile.vector_cycles(static_cast<double>(rows.rows() * rows.cols())), {}, -1, gather)}});
    }
    const Deps a_ready = b.redistribute(have, grid_pieces(ge, p_t(e), n, d, {}), 1.0, -1);
    const Deps y = b.summa(ge, n, d, d, p_t(e), w_t(e), y_t(e), a_ready, Deps(ge.size()), -1);
    // Combine's first half: the output rows go back to the tiles of their tokens.
    const Deps back = b.redistribute(grid_pieces(ge, y_t(e), n, d, y), home, 1.0, -1);
    for (std::size_t p = 0; p < g.size(); ++p) back_all[p].insert(back_all[p].end(), back[p].begin(), back[p].end());
  }
  // Each tile sums its tokens' expert rows with their gates.
  const std::vector<Piece> outs = grid_pieces(g, out_t, T, d, {});
  for (std::size_t p = 0; p < outs.size(); ++p) {
    if (outs[p].rect.empty()) continue;
    ItemData combine;
    combine.kind = ItemData::Kind::kRowSum;
    combine.out = outs[p].rect;
    for (std::int64_t t = combine.out.r0; t < combine.out.r1; ++t)
      for (const auto& [e, gate] : routing.choices[static_cast<std::size_t>(t)])
        combine.terms.push_back({t, y_t(e), row_in[static_cast<std::size_t>(e)].at(t), gate});
    const double elems = static_cast<double>(combine.terms.size()) * static_cast<double>(combine.out.cols());
    b.task(outs[p].tile, tile.vector_cycles(2.0 * elems), back_all[p], -1, combine);
    plan.outputs.emplace_back(outs[p].tile, combine.out);
  }
  return plan;
}

}  // namespace wafersim::compiler
