#include "mesh/fabric_graph.hpp"

namespace wafersim::mesh {

FabricGraph::FabricGraph(const Fabric& f) : fabric_(&f), mask_(f.nodes(), 0) {
  const std::int64_t cols = f.cols();
  offset_[0] = -cols;
  offset_[1] = -1;
  offset_[2] = 1;
  offset_[3] = cols;
  const int rows = f.rows();
  for (NodeId n = 0; n < f.nodes(); ++n) {
    if (!f.router_alive(n)) continue;
    const int r = f.row_of(n), c = f.col_of(n);
    std::uint8_t m = 0;
    if (r > 0 && f.south_length(n - cols) > 0 && f.router_alive(n - cols)) m |= 1;
    if (c > 0 && f.east_length(n - 1) > 0 && f.router_alive(n - 1)) m |= 2;
    if (c + 1 < cols && f.east_length(n) > 0 && f.router_alive(n + 1)) m |= 4;
    if (r + 1 < rows && f.south_length(n) > 0 && f.router_alive(n + cols)) m |= 8;
    mask_[n] = m;
  }
}

std::size_t FabricGraph::arcs() const {
  std::size_t n = 0;
  for (std::uint8_t m : mask_) n += static_cast<std::size_t>(__builtin_popcount(m));
  return n;
}

}  // namespace wafersim::mesh
