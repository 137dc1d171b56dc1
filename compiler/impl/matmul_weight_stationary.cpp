// weight_stationary: the weight never moves (PlanBuilder::weight_stationary). It lies on a weight
// grid over the region's tiles shaped for its K x N; each tile gathers the activation rows of its
// K block, multiplies, and the partial products are reduce-scattered back into the grid layout.
// The input gradient uses the same weight grid transposed, and the weight gradient X^T dY is
// computed in place from the X and dY those two gathered (no traffic of its own).
#include "compiler/matmul_mapping.hpp"

namespace wafersim::compiler {
namespace {

std::string unusable(const TileGrid&, MatmulB b) {
  if (b != MatmulB::kResident) return "needs the weight resident in SRAM";
  return {};
}

Deps emit(const MatmulCall& c) {
  if (c.role == MatmulRole::kWeightGrad && c.gathered_x && c.gathered_dy) {
    // dW [K x N] (K = the forward's k, the contraction over the M tokens), on the weight grid.
    const PlanBuilder::WeightGrid& w = c.weight_grid;
    Deps out(c.g.size());
    for (std::size_t q = 0; q < c.g.size(); ++q) {
      const int i = static_cast<int>(q) / w.cols, j = static_cast<int>(q) % w.cols;
      const std::int64_t kk = part_end(c.M, w.rows, i) - part_begin(c.M, w.rows, i);
      const std::int64_t nn = part_end(c.N, w.cols, j) - part_begin(c.N, w.cols, j);
      if (kk <= 0 || nn <= 0) continue;
      std::vector<std::uint32_t> after = (*c.gathered_x)[q];
      after.insert(after.end(), (*c.gathered_dy)[q].begin(), (*c.gathered_dy)[q].end());
      out[q] = {c.b.task(c.g.tiles[q], c.b.tile().matmul_cycles(kk, c.K, nn), after, c.op)};
    }
    return out;
  }
  if (c.role == MatmulRole::kWeightGrad) {  // nothing gathered (no forward on these tiles): SUMMA
    return c.b.summa(c.g, c.M, c.K, c.N, -1, -1, c.op, c.a_ready, c.b_ready, c.op, false);
  }
  return c.b.weight_stationary(c.g, c.M, c.K, c.N, c.a_ready, c.op, c.weight_grid, c.gathered);
}

const Registration<MatmulMappingEntry> kRegister{{"weight_stationary",
                                                  "the weight stays put on a grid shaped for it; activations are gathered to it and "
                                                  "partial products reduce-scattered back",
                                                  unusable, 0.0, true, emit}};

}  // namespace
}  // namespace wafersim::compiler
