#include "compiler/layouts.hpp"

#include <algorithm>

namespace wafersim::compiler {

TileGrid make_grid(const mesh::Fabric& fabric, int row0, int col0, int rows, int cols, int max_pr, int max_pc) {
  std::vector<std::vector<std::uint32_t>> working(rows);
  for (int r = 0; r < rows; ++r)
    for (int c = 0; c < cols; ++c) {
      const mesh::NodeId n = fabric.node(row0 + r, col0 + c);
      if (fabric.endpoint(n) && fabric.router_alive(n)) working[r].push_back(n);
    }
  TileGrid best;
  for (int pc = std::min(cols, max_pc); pc >= 1; --pc) {
    int pr = 0;
    for (int r = 0; r < rows; ++r) pr += static_cast<int>(working[r].size()) >= pc;
    pr = std::min(pr, max_pr);
    if (pr * pc <= best.pr * best.pc) continue;
    best.pr = pr;
    best.pc = pc;
  }
  for (int r = 0, taken = 0; r < rows && taken < best.pr; ++r) {
    if (static_cast<int>(working[r].size()) < best.pc) continue;
    best.tiles.insert(best.tiles.end(), working[r].begin(), working[r].begin() + best.pc);
    ++taken;
  }
  return best;
}

std::vector<Piece> grid_pieces(const TileGrid& g, int tensor, std::int64_t rows, std::int64_t cols, const Deps& ready) {
  std::vector<Piece> out;
  for (int i = 0; i < g.pr; ++i)
    for (int j = 0; j < g.pc; ++j) {
      const std::size_t p = static_cast<std::size_t>(i) * g.pc + j;
      out.push_back({g.tiles[p], Slice{tensor, part_begin(rows, g.pr, i), part_end(rows, g.pr, i), part_begin(cols, g.pc, j), part_end(cols, g.pc, j)},
                     ready.empty() ? std::vector<std::uint32_t>{} : ready[p]});
    }
  return out;
}

Slice HeadUnits::rect(std::size_t u, int tensor, bool key_rows, std::int64_t tensor_heads, std::int64_t head_cols) const {
  const std::int64_t q = static_cast<std::int64_t>(u % query_blocks);
  const std::int64_t h = static_cast<std::int64_t>(u / query_blocks) % heads;
  const std::int64_t b = static_cast<std::int64_t>(u / query_blocks) / heads;
  const std::int64_t th = tensor_heads >= heads ? h : h / std::max<std::int64_t>(1, heads / tensor_heads);
  const std::int64_t r0 = b * seq_len + (key_rows ? 0 : part_begin(seq_len, query_blocks, static_cast<int>(q)));
  const std::int64_t r1 = b * seq_len + (key_rows ? seq_len : part_end(seq_len, query_blocks, static_cast<int>(q)));
  return Slice{tensor, r0, r1, th * head_cols, (th + 1) * head_cols};
}

}  // namespace wafersim::compiler
