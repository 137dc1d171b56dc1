#pragma once
// Where the tiles of a region are and which part of a tensor each holds.
//
// - make_grid(): the working tiles of a rectangle of the fabric used as a pr x pc grid. Grid row i
//   is a fabric row; its positions are that row's first pc working tiles, so a dead tile shifts
//   the rest of its row one place east (paid for in longer paths) and a row with fewer than pc
//   working tiles is left out (paid for in fewer tiles). pc is chosen to maximize pr x pc.
// - Grid layout of a [rows x cols] tensor: position (i, j) holds row block i, column block j.
// - Head layout: attention unit u = (sequence b, head h, query block q) on position u size / count
//   (u mod size when there are more units than tiles); it needs its query rows of head h's
//   columns, and all rows of its sequence for keys and values. Each unit gets its own query
//   block's rows of keys and values and multicasts them to the other units of its head
//   (PlanBuilder::multicast_allgather); their gradients are reduce-scattered around the head's
//   query blocks as a ring (PlanBuilder::ring_reduce_scatter).
#include <cstdint>
#include <vector>

#include "compiler/plan_builder.hpp"
#include "mesh/fabric.hpp"

namespace wafersim::compiler {

TileGrid make_grid(const mesh::Fabric& fabric, int row0, int col0, int rows, int cols, int max_pr, int max_pc);

std::vector<Piece> grid_pieces(const TileGrid& g, int tensor, std::int64_t rows, std::int64_t cols, const Deps& ready);

struct HeadUnits {
  std::int64_t sequences = 1, heads = 1, seq_len = 1;
  int query_blocks = 1;
  std::size_t count() const { return static_cast<std::size_t>(sequences * heads) * query_blocks; }
  // Unit u's rectangle in a [sequences x seq_len, heads_in_tensor x head_cols] tensor. `key_rows`:
  // every row of its sequence (keys, values, their gradients); else its query block. A tensor with
  // fewer heads (GQA's keys and values) maps head h to h / (heads / tensor_heads).
  Slice rect(std::size_t u, int tensor, bool key_rows, std::int64_t tensor_heads, std::int64_t head_cols) const;
  // Units spread evenly over the grid in order (so a head's query blocks are neighbours, and the
  // units of a layer do not crowd into the grid's first rows); more units than tiles wrap around.
  std::uint32_t tile(std::size_t u, const TileGrid& g) const {
    return count() <= g.size() ? g.tiles[u * g.size() / count()] : g.tiles[u % g.size()];
  }
};

}  // namespace wafersim::compiler
