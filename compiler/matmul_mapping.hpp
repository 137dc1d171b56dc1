#pragma once
// How one matmul of a region's grid is carried out on its tiles: a family registered by name
// (compiler/impl/matmul_*.cpp), chosen for the whole model (`--matmul-mapping NAME`) or per matmul
// (`--matmul-mapping OP=NAME`), or `auto`: the mapper costs every usable entry on each weight's
// forward, input-gradient and weight-gradient matmuls with the analytic cost model (the three
// alone on the region's tiles) and keeps the fastest (compiler/mapper.hpp reports the choice).
//
// Every entry takes A (and, when B is an activation, B) in the region grid's layout and leaves C
// there, so entries can be mixed op by op. A weight lies wherever its entry wants it (it is
// placed there once, when the model is loaded), and all three matmuls of a weight use the same
// entry.
#include <cstdint>
#include <functional>
#include <string>

#include "compiler/plan_builder.hpp"
#include "core/registry.hpp"

namespace wafersim::compiler {

// What B of a matmul is.
enum class MatmulB : std::uint8_t {
  kActivation,     // a tensor in the grid layout, ready per position after b_ready
  kResident,       // a weight in SRAM, laid out as the entry wants (b_ready empty)
  kStreamed,       // a weight loaded from off-wafer memory just before use (b_ready gates each load)
};

// Which matmul of a weight W (forward Y = X W): forward, input gradient dX = dY W^T, weight
// gradient dW = X^T dY, or a matmul of two activations.
enum class MatmulRole : std::uint8_t { kActivations, kForward, kInputGrad, kWeightGrad };

struct MatmulCall {
  PlanBuilder& b;
  const TileGrid& g;
  std::int64_t M = 0, K = 0, N = 0;
  MatmulRole role = MatmulRole::kActivations;
  MatmulB b_kind = MatmulB::kActivation;
  const Deps& a_ready;  // per position of g: A (for kWeightGrad, X, of which A = X^T) in the grid layout
  const Deps& b_ready;
  int op = -1;
  // Weight-stationary layout of the weight (rows x cols of g's tiles), chosen by the mapper.
  PlanBuilder::WeightGrid weight_grid;
  // kForward / kInputGrad of an entry with weight_grad_in_place: receives, per position, what
  // the gathered operand waits for; kWeightGrad: the two gathered operands (X and dY).
  Deps* gathered = nullptr;
  const Deps* gathered_x = nullptr;
  const Deps* gathered_dy = nullptr;
  // Bytes per cycle of one link (the shifts' pace), and SRAM per tile free for operand buffers
  // beyond the two blocks of each operand every entry may keep; an entry that keeps more adds
  // its peak per tile to *buffer_bytes_used (the plan's SRAM counts it).
  double link_bytes_per_cycle = 32;
  double buffer_bytes = 0;
  double* buffer_bytes_used = nullptr;
  // A resident weight the entry moves (moves_resident_weight), used by several matmuls one after
  // another (micro-batches in flight): b_ready is, per position of g, when the previous use is
  // done with it there, and weight_free (if set) receives the same for the next use.
  Deps* weight_free = nullptr;
};

struct MatmulMappingEntry {
  std::string name;
  std::string summary;
  // Why it cannot do this matmul on g (empty: it can).
  std::function<std::string(const TileGrid& g, MatmulB b)> unusable;
  // Copies of each resident weight it keeps beyond the one every entry keeps (SRAM).
  double extra_weight_copies = 0;
  // Its weight gradient needs no traffic of its own: computed from operands gathered by the
  // forward and the input gradient (which then fill MatmulCall::gathered).
  bool weight_grad_in_place = false;
  // Emits the items; returns, per position of g, C's block in the grid layout's last item.
  std::function<Deps(const MatmulCall&)> emit;
  // It moves a resident weight while it multiplies (and puts it back after): the matmuls that use
  // the weight (a forward and its recomputation, micro-batches in flight) take turns with it
  // (MatmulCall::weight_free).
  bool moves_resident_weight = false;
};
using MatmulMappingRegistry = Registry<MatmulMappingEntry>;

}  // namespace wafersim::compiler
