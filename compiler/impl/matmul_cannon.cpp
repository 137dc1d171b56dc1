// cannon: Cannon's algorithm with every grid row and column folded into a ring, so that each
// shift goes at most two tiles (WaferLLM's MeshGEMM), on the largest square part of the region's
// grid (PlanBuilder::cannon). A and C are redistributed from and to the region's grid layout (the
// skew, and on a non-square grid the change of blocks). A resident weight is stored pre-skewed
// twice, as W for the forward and as W^T for the input gradient (one extra copy in SRAM), and
// shifted home after each use; a streamed one is loaded pre-skewed. The weight gradient X^T dY
// takes X from where the forward's input lies (the transpose is part of its skew) and dY as B.
// Each tile multiplies several steps' blocks per task where SRAM allows
// (PlanBuilder::cannon_steps_per_task).
#include <algorithm>

#include "compiler/layouts.hpp"
#include "compiler/matmul_mapping.hpp"

namespace wafersim::compiler {
namespace {

std::string unusable(const TileGrid& g, MatmulB) {
  if (std::min(g.pr, g.pc) < 2) return "needs a grid of at least 2 x 2 tiles";
  return {};
}

Deps emit(const MatmulCall& c) {
  const TileGrid sq = square_part(c.g);
  std::vector<Piece> a_have;
  if (c.role == MatmulRole::kWeightGrad) {
    // A = X^T [M x K] where X [K x M] is in the grid layout.
    a_have = grid_pieces(c.g, -1, c.K, c.M, c.a_ready);
    for (Piece& p : a_have) p.rect = Slice{-1, p.rect.c0, p.rect.c1, p.rect.r0, p.rect.r1};
  } else {
    a_have = grid_pieces(c.g, -1, c.M, c.K, c.a_ready);
  }
  // g's position of each of sq's.
  Deps b_ready_sq(sq.size());
  if (c.b_kind != MatmulB::kActivation)  // streamed: gates the load; resident: the weight's previous user
    for (int i = 0; i < sq.pr; ++i)
      for (int j = 0; j < sq.pc; ++j) b_ready_sq[static_cast<std::size_t>(i) * sq.pc + j] = c.b_ready[static_cast<std::size_t>(i) * c.g.pc + j];
  const auto kind = c.b_kind == MatmulB::kResident ? PlanBuilder::CannonB::kResident
                    : c.b_kind == MatmulB::kStreamed ? PlanBuilder::CannonB::kOffwafer
                                                     : PlanBuilder::CannonB::kMoved;
  const std::vector<Piece> b_have = kind == PlanBuilder::CannonB::kMoved ? grid_pieces(c.g, -1, c.K, c.N, c.b_ready) : std::vector<Piece>{};
  const int w = PlanBuilder::cannon_steps_per_task(c.b.tile(), sq.pr, c.M, c.K, c.N, c.b.element_bytes(), c.link_bytes_per_cycle,
                                                   c.buffer_bytes);
  if (c.buffer_bytes_used && w > 1) {
    const std::int64_t p = sq.pr, m = (c.M + p - 1) / p, kb = (c.K + p - 1) / p, n = (c.N + p - 1) / p;
    *c.buffer_bytes_used = std::max(*c.buffer_bytes_used, 2.0 * (w - 1) * static_cast<double>(m * kb + kb * n) * c.b.element_bytes());
  }
  Deps free_sq;
  const Deps out = c.b.cannon(sq, c.M, c.K, c.N, -1, -1, -1, a_have, kind, b_have, b_ready_sq, c.op, w, c.weight_free ? &free_sq : nullptr);
  if (c.weight_free) {
    c.weight_free->assign(c.g.size(), {});
    for (int i = 0; i < sq.pr; ++i)
      for (int j = 0; j < sq.pc; ++j) (*c.weight_free)[static_cast<std::size_t>(i) * c.g.pc + j] = free_sq[static_cast<std::size_t>(i) * sq.pc + j];
  }
  if (sq.size() == c.g.size()) return out;
  return c.b.redistribute(grid_pieces(sq, -1, c.M, c.N, out), grid_pieces(c.g, -1, c.M, c.N, {}), 1.0, c.op);
}

const Registration<MatmulMappingEntry> kRegister{{"cannon",
                                                  "Cannon's shifts between ring neighbours on folded rows and columns (at most 2 hops); "
                                                  "weights pre-skewed, twice (W and W^T)",
                                                  unusable, 1.0, false, emit, true}};

}  // namespace
}  // namespace wafersim::compiler
