#pragma once
// The building blocks every mapping style is made of, emitting sim::Workload items into a Plan:
// - summa(): a matmul over a 2D grid of tiles, SUMMA-style (van de Geijn & Watts 1997): for each
//   panel kk of the shared dimension, the holder of A(i, kk) multicasts it along row i and the
//   holder of B(kk, j) down column j (one injection each, replicated by the routers along the XY
//   tree, sim/multicast.hpp; where the routing carries no trees the engine and the cost model send
//   the copies as unicasts), then every tile adds A(i, kk) B(kk, j) into its C(i, j). Panels are
//   pipelined: panel kk + 1's broadcasts wait only for their data, not for panel kk's products.
// - redistribute(): a tensor moving between two layouts (grid to attention heads, tokens to MoE
//   experts and back, one region to the next): every tile that needs a rectangle gets the overlap
//   from every tile that holds part of it. This is where all-to-all traffic comes from.
// Many-to-many exchanges (redistributions, weight-stationary gathers and reduce-scatters) are
// emitted in staggered rounds: in round k, source rank r sends to destination rank r + k (mod n).
// Each source injects its messages in that order, so when all become ready together no
// destination is the first target of every source at once; a destination-major order makes
// exactly that hotspot, and wormhole flow control spreads it back into every source as
// head-of-line blocking (measured: 1.8x slower steps on the GPT-2 block, docs/compiler.md).
// Both record what each item does to data when the plan is functional, so that the plan can be
// executed numerically (compiler/functional_check.hpp).
#include <cstdint>
#include <functional>
#include <vector>

#include "compiler/plan.hpp"
#include "compiler/wafer_system.hpp"

namespace wafersim::compiler {

inline constexpr std::uint32_t kNoItem = 0xFFFFFFFFu;

// [i n / p, (i + 1) n / p): block i of n split as evenly as possible over p.
inline std::int64_t part_begin(std::int64_t n, int p, int i) { return n * i / p; }
inline std::int64_t part_end(std::int64_t n, int p, int i) { return n * (i + 1) / p; }

// A tile and the rectangle of a tensor it holds (with the items that must finish first) or needs.
struct Piece {
  std::uint32_t tile = 0;
  Slice rect;
  std::vector<std::uint32_t> ready;
};

using Deps = std::vector<std::vector<std::uint32_t>>;  // per position: items to wait for

// The rows of the weight grid (a divisor of `tiles`) that minimize weight-stationary traffic for
// a K x N weight: K (tiles / rows) + N rows.
int weight_grid_rows(std::size_t tiles, std::int64_t K, std::int64_t N);

// A ring over p positions of a line laid out so that ring neighbours are at most two positions
// apart: ring index r sits at position 2r on the way out and 2(p - 1 - r) + 1 on the way back.
inline int folded_ring_position(int p, int r) { return r < (p + 1) / 2 ? 2 * r : 2 * (p - 1 - r) + 1; }

// Steps merged into one task, out of p: w = sqrt(p F / t_s) within [1, p], which balances the
// fixed cost F of a task (saved (p / w)(w - 1) times) against the wait for the first w of the
// steps' blocks, t_s each (paid w - 1 times). Cannon's merged steps and streamed attention use it.
int merged_steps(int p, double fixed_cycles, double step_cycles);

// The largest square part of g: its first p rows and first p columns, p = min(pr, pc).
TileGrid square_part(const TileGrid& g);

// SUMMA's layout of B[K x N] on g: block (kk, j) (K in pc panels, N in pc columns) is held by
// position (kk mod pr, j). Returns (position, slice) of every non-empty block.
std::vector<std::pair<std::size_t, Slice>> summa_b_blocks(const TileGrid& g, int tensor, std::int64_t K, std::int64_t N);

class PlanBuilder {
 public:
  // `edge_tile(t)`: where data for tile t enters from off-wafer memory (and leaves to it).
  PlanBuilder(Plan& plan, const TileComputeSpec& tile, double element_bytes, bool functional,
              std::function<std::uint32_t(std::uint32_t)> edge_tile = {});

  std::uint32_t task(std::uint32_t tile, std::uint64_t cycles, std::vector<std::uint32_t> after, int op, ItemData data = {});
  std::uint32_t message(std::uint32_t src, std::uint32_t dst, double bytes, std::vector<std::uint32_t> after, int op, Slice carried = {});
  // One message from src to every tile of dsts (src itself is left out; see sim::Workload).
  std::uint32_t multicast(std::uint32_t src, std::vector<std::uint32_t> dsts, double bytes, std::vector<std::uint32_t> after, int op,
                          Slice carried = {});
  // From / to off-wafer memory through the tile's edge tile.
  std::uint32_t load(std::uint32_t dst, double bytes, std::vector<std::uint32_t> after, int op, Slice carried = {});
  std::uint32_t store(std::uint32_t src, double bytes, std::vector<std::uint32_t> after, int op);

  // C[M x N] = A[M x K] B[K x N] on grid g (tensors ta, tb, tc). A(i, kk) is held by position
  // (i, kk) (K split in pc panels) and is ready after a_ready; B(kk, j) by (kk mod pr, j), ready
  // after b_ready, or loaded from off-wafer memory into that position first when b_offwafer
  // (b_ready then gates the load: double buffering). Returns, per position, C(i, j)'s last task.
  Deps summa(const TileGrid& g, std::int64_t M, std::int64_t K, std::int64_t N, int ta, int tb, int tc, const Deps& a_ready,
             const Deps& b_ready, int op, bool b_offwafer = false);

  // Weight-stationary C[M x N] = A[M x K] W[K x N]: the weight never moves. It lies on a logical
  // w.rows x w.cols grid over g's tiles (row-major): position (i', j') holds W(K block i', N block
  // j'), or with w.transposed (the dX = dY W^T of a forward W laid out that way) W(K block j', N
  // block i'). Each position gathers A(all M, its K block) from A's grid layout on g (ready per
  // position), multiplies, and the partial products are reduce-scattered so that g's (i, j) ends
  // with C(M block i, N block j), the grid layout. Traffic is about M (K w.cols + N w.rows)
  // elements, so the mapper picks the weight grid's shape per matrix (weight_grid_rows()). Moves
  // activations only: the right choice when weights are resident and a micro-batch has few tokens.
  struct WeightGrid {
    int rows = 1, cols = 1;
    bool transposed = false;
  };
  // `gathered` (optional) receives, per weight position, what its gathered A waits for: a weight
  // gradient computed in place (X^T dY from the gathered X and dY) needs nothing more.
  Deps weight_stationary(const TileGrid& g, std::int64_t M, std::int64_t K, std::int64_t N, const Deps& a_ready, int op, WeightGrid w,
                         Deps* gathered = nullptr);


  // Cannon's algorithm (Cannon 1969) on the square grid sq (p x p), every row and column folded
  // into a ring (folded_ring_position()) so that each shift goes at most two positions, as
  // WaferLLM's MeshGEMM does. K is cut into p blocks. Position (x, y) computes C(M block x, N block
  // y); at step s it holds A(x, k) and B(k, y) with k = (r(x) + r(y) + s) mod p, r being a
  // position's index on its ring, multiplies them into C, and passes A to its predecessor on the
  // row's ring and B to its predecessor on the column's ring (forwarded as soon as they arrive,
  // while it computes). Two buffers per operand: a block comes in only once the receiver has
  // finished the step before the one it is using, and has forwarded that step's block.
  // The initial skew is a redistribution from where A is (`a_have`, any layout: the grid layout,
  // or the transposed one of a backward matmul) to where step 0 wants it. B is either resident,
  // stored pre-skewed (B(k, y) on the position of row ring index (k - r(y)) mod p; ready after
  // b_ready), and shifted home again after the last step (one more shift), or loaded there from
  // off-wafer memory (b_ready gating the load), or redistributed from `b_have` like A.
  // With steps_per_task w > 1, a position multiplies w consecutive steps' blocks (K-contiguous:
  // a group also ends where k wraps around to block 0) in one task, so that the array's fill and
  // drain and the task overhead are paid once per w blocks; it then keeps 2w blocks of each
  // operand (a block comes in once the task that used the block 2w steps earlier has finished).
  // Returns, per position of sq, C(x, y)'s last task (C in sq's grid layout).
  // A resident B is shared by the matmuls that use it one after another (micro-batches in
  // flight): b_ready is then, per position, when the previous user is done there (its last task,
  // and B back home); it gates B's use there and, in the first 2w steps, every block shifted in
  // (the previous user's buffers are free only then). `b_free` (optional) receives the same for
  // the next user: per position, this one's last task and B's arrival home.
  enum class CannonB : std::uint8_t { kResident, kOffwafer, kMoved };
  Deps cannon(const TileGrid& sq, std::int64_t M, std::int64_t K, std::int64_t N, int ta, int tb, int tc, const std::vector<Piece>& a_have,
              CannonB b_kind, const std::vector<Piece>& b_have, const Deps& b_ready, int op, int steps_per_task = 1, Deps* b_free = nullptr);
  // The w for cannon() on a p x p grid: merging w steps saves (p / w)(w - 1) x F cycles of fixed
  // cost per tile (F: the array's fill and drain over the block's output tiles plus the task
  // overhead) and delays the first product by w - 1 shifts of t_s cycles (the larger of the A
  // and B blocks over one link of link_bytes_per_cycle), so w = sqrt(p F / t_s), within [1, p]
  // and within buffer_bytes of SRAM per tile for the 2w blocks of each operand.
  static int cannon_steps_per_task(const TileComputeSpec& tile, int p, std::int64_t M, std::int64_t K, std::int64_t N, double element_bytes,
                                   double link_bytes_per_cycle, double buffer_bytes);
  // Where B(k, y) lies when resident for cannon() on sq: (position, slice), non-empty blocks.
  static std::vector<std::pair<std::size_t, Slice>> cannon_b_blocks(const TileGrid& sq, int tensor, std::int64_t K, std::int64_t N);

  // Every need piece gets the overlap of every have piece (bytes = overlap elements x element
  // size x scale; scale < 1 models tokens that go to only some experts). Returns per need piece
  // the items to wait for: the messages, or the holder's ready items where it is the same tile.
  Deps redistribute(const std::vector<Piece>& have, const std::vector<Piece>& need, double scale, int op);

  // All-gather among members (tiles; several may share one): member q starts with block q (ready
  // after own[q]) and multicasts it to every other member's tile in one injection, replicated by
  // the routers. Returns per member what it waits for to hold all blocks.
  Deps multicast_allgather(const std::vector<std::uint32_t>& tiles, const std::vector<Slice>& blocks, const Deps& own, int op);
  // Collectives around a ring of members (tiles in ring order; neighbours should be near), on a
  // tensor cut into one block per member.
  // Reduce-scatter: every member holds a partial of every block (after ready[q]); block c leaves
  // member c, and each member on its way adds its partial (a vector task), so that the sum of
  // block c ends on member (c + n - 1) mod n. Returns, per member, when it holds its summed block.
  Deps ring_reduce_scatter(const std::vector<std::uint32_t>& tiles, const std::vector<double>& bytes, const Deps& ready, int op);

  // An element-wise step over the positions of g (flops in total, split evenly); with
  // row_reduction, each row of the grid first exchanges per-row statistics (8 bytes per row of
  // its block) with its leftmost tile and back.
  Deps elementwise(const TileGrid& g, std::int64_t rows, double flops, bool row_reduction, const Deps& ready, int op);

  const TileComputeSpec& tile() const { return tile_; }
  double element_bytes() const { return elem_; }

 private:
  Plan& plan_;
  const TileComputeSpec& tile_;
  double elem_;
  bool functional_;
  std::function<std::uint32_t(std::uint32_t)> edge_tile_;
  std::uint32_t push(std::uint32_t id, int op, const ItemData& d);

  // One message of an exchange among ranks (positions in the exchange's source and destination lists).
  struct Exchange {
    std::size_t src_rank = 0, dst_rank = 0;
    std::uint32_t src = 0, dst = 0;
    double bytes = 0;
    std::vector<std::uint32_t> after;
    Slice carried;
  };
  // Creates the messages in staggered rounds (see above); returns their ids in the given order.
  std::vector<std::uint32_t> exchange(const std::vector<Exchange>& messages, std::size_t ranks, int op);
};

}  // namespace wafersim::compiler
