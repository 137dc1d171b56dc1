#include "compiler/functional_check.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <limits>

#include "compiler/layouts.hpp"

namespace wafersim::compiler {
namespace {

constexpr std::uint32_t kInitial = 0xFFFFFFFFu;

struct Stored {
  Slice s;
  Eigen::MatrixXd v;
  std::uint32_t writer;
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
      store_[tile].push_back({s, it->second.block(s.r0, s.c0, s.rows(), s.cols()), kInitial});
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

  void put(std::uint32_t tile, const Slice& s, Eigen::MatrixXd v, std::uint32_t writer) {
    auto& list = store_[tile];
    for (Stored& p : list)
      if (p.s.tensor == s.tensor && p.s.r0 == s.r0 && p.s.r1 == s.r1 && p.s.c0 == s.c0 && p.s.c1 == s.c1) {
        p.v = std::move(v);
        p.writer = writer;
        return;
      }
    list.push_back({s, std::move(v), writer});
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

Plan plan_attention_head(const mesh::Fabric& fabric, const TileComputeSpec& tile, std::int64_t S, std::int64_t d, std::int64_t hd) {
  Plan plan;
  plan.style = "summa+attention";
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
  std::vector<Piece> need_q, need_kv;
  for (std::size_t u = 0; u < units.count(); ++u) {
    need_q.push_back({units.tile(u, g), units.rect(u, 4, false, 1, hd), {}});
    need_kv.push_back({units.tile(u, g), units.rect(u, 5, true, 1, hd), {}});
  }
  const Deps q_in = b.redistribute(grid_pieces(g, 4, S, hd, qkv[0]), need_q, 1.0, -1);
  // Keys and values as the mapper moves them: each unit gets its own query block's rows, then
  // multicasts them to the others.
  auto around_the_ring = [&](int tensor, const Deps& ready) {
    std::vector<Piece> own;
    std::vector<std::uint32_t> tiles;
    std::vector<Slice> blocks;
    for (std::size_t u = 0; u < units.count(); ++u) {
      own.push_back({units.tile(u, g), units.rect(u, tensor, false, 1, hd), {}});
      tiles.push_back(own.back().tile);
      blocks.push_back(own.back().rect);
    }
    return b.multicast_allgather(tiles, blocks, b.redistribute(grid_pieces(g, tensor, S, hd, ready), own, 1.0, -1), -1);
  };
  const Deps k_in = around_the_ring(5, qkv[1]);
  for (auto& p : need_kv) p.rect.tensor = 6;
  const Deps v_in = around_the_ring(6, qkv[2]);
  std::vector<Piece> ctx;
  for (std::size_t u = 0; u < units.count(); ++u) {
    ItemData a;
    a.kind = ItemData::Kind::kAttention;
    a.a = need_q[u].rect;
    a.b = units.rect(u, 5, true, 1, hd);
    a.c = need_kv[u].rect;
    a.out = units.rect(u, 7, false, 1, hd);
    const std::int64_t rows = a.a.rows();
    std::vector<std::uint32_t> after = q_in[u];
    after.insert(after.end(), k_in[u].begin(), k_in[u].end());
    after.insert(after.end(), v_in[u].begin(), v_in[u].end());
    const std::uint32_t t = b.task(units.tile(u, g), tile.matmul_cycles(rows, hd, S) + tile.matmul_cycles(rows, S, hd) +
                                                         tile.vector_cycles(5.0 * static_cast<double>(rows * S)), after, -1, a);
    ctx.push_back({units.tile(u, g), a.out, {t}});
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

}  // namespace wafersim::compiler
