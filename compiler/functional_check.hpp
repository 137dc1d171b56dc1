#pragma once
// Executes a functional plan numerically: each tile keeps the slices it holds; a message copies a
// slice from its source tile's store to its destination's; a task computes its block (Eigen) from
// what is in its own tile's store. A read succeeds only from data that is there initially or was
// put there by an item the reader depends on (directly or through others): a plan that reads data
// no message delivered, or delivered without ordering it first, fails with FunctionalError.
//
// Also here: the small plans the check runs, built with the same PlanBuilder and layouts as the
// compiler's mapping styles: a SUMMA matmul, and one causal attention head (Q, K, V projections
// by SUMMA, redistribution to query-block units, attention per unit, and back to the grid).
#include <Eigen/Dense>

#include <map>
#include <stdexcept>
#include <string>

#include "compiler/moe_mapping.hpp"
#include "compiler/plan.hpp"
#include "compiler/wafer_system.hpp"
#include "mesh/fabric.hpp"

namespace wafersim::compiler {

struct FunctionalError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

// `tensors`: the whole value of every tensor named by the plan's initial slices.
// Returns every tensor named by the plan's outputs, assembled from the tiles holding them.
std::map<int, Eigen::MatrixXd> execute_plan(const Plan& plan, const std::map<int, Eigen::MatrixXd>& tensors);

// Tensors 0: A [M x K], 1: B [K x N], 2: C = A B, on the working tiles of the whole fabric.
Plan plan_matmul(const mesh::Fabric& fabric, const TileComputeSpec& tile, std::int64_t M, std::int64_t K, std::int64_t N);

// The same by Cannon on folded rings (PlanBuilder::cannon) on the largest square part of the
// working tiles: A from the grid layout of all of them, B resident pre-skewed (b_resident) or in
// the grid layout; C is left in the square's grid layout. steps_per_task: PlanBuilder::cannon's.
Plan plan_matmul_cannon(const mesh::Fabric& fabric, const TileComputeSpec& tile, std::int64_t M, std::int64_t K, std::int64_t N,
                        bool b_resident, int steps_per_task = 1);

// `uses` matmuls by Cannon with the one resident pre-skewed B (tensor 1), as micro-batches in
// flight use a weight: use u multiplies A_u by B into C_u (use 0: tensors 0 and 2; use u >= 1:
// 1 + 2u and 2 + 2u). With take_turns, each use waits position by position until the previous
// one is done with B there (PlanBuilder::cannon's b_free); without, nothing orders them.
Plan plan_matmul_cannon_shared(const mesh::Fabric& fabric, const TileComputeSpec& tile, std::int64_t M, std::int64_t K, std::int64_t N,
                               int uses, bool take_turns, int steps_per_task = 1);

// Tensors 0: X [S x d], 1-3: Wq, Wk, Wv [d x hd], 4-6: Q, K, V, 7: context (in head layout),
// 8: context back in grid layout = softmax(mask(Q K^T / sqrt(hd))) V with a causal mask.
// stream_blocks_per_step 0: keys and values all-gathered by multicast (the `gathered` attention
// mapping); w > 0: streamed around the head's ring w blocks a step (compiler/key_ring.hpp, the
// `streamed` mapping), one online-softmax task per block.
Plan plan_attention_head(const mesh::Fabric& fabric, const TileComputeSpec& tile, std::int64_t S, std::int64_t d, std::int64_t hd,
                         int stream_blocks_per_step = 0);

// A router's explicit choice: per token, its (expert, gate) pairs (distinct experts).
struct MoeRouting {
  int experts = 0;
  std::vector<std::vector<std::pair<int, double>>> choices;
};

// One MoE layer by an MoE mapping (compiler/moe_mapping.hpp), with one d x d matmul per expert.
// Tensors 0: X [T x d] (T tokens: routing.choices.size()) in the grid layout of the whole fabric;
// 1 + e: W_e, expert e's weight; 1 + E + e: P_e, the rows of X routed to e in token order; 1 + 2E
// + e: Y_e = P_e W_e; 1 + 3E: the output, row t = sum over t's choices (e, g) of g X_t W_e, in X's
// layout. Each grid tile gathers its tokens' rows for each expert (a row-sum task), sends them to
// the expert's tiles in the layout SUMMA wants there (the all-to-all; within tile columns when
// every expert uses the whole grid), the expert's SUMMA runs on its tiles, its output rows come
// back to the tiles of their tokens, and each tile sums its tokens' rows with their gates.
Plan plan_moe_layer(const mesh::Fabric& fabric, const TileComputeSpec& tile, std::int64_t d, const MoeRouting& routing,
                    const MoeMappingEntry& mapping);

}  // namespace wafersim::compiler
