#include "sim/multicast.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cstdlib>

#include "core/input_error.hpp"

namespace wafersim::sim {
namespace {
// mesh::Port values, spelled out so that this file needs only the fabric.
constexpr int kN = 0, kW = 1, kE = 2, kS = 3, kL = 4;
}  // namespace

DestinationSet::DestinationSet(const mesh::Fabric& fabric, std::vector<std::uint32_t> nodes) : cols_(fabric.cols()), nodes_(std::move(nodes)) {
  std::sort(nodes_.begin(), nodes_.end());
  nodes_.erase(std::unique(nodes_.begin(), nodes_.end()), nodes_.end());
  std::vector<Column> cols;
  for (const std::uint32_t n : nodes_) {
    const int r = fabric.row_of(n), c = fabric.col_of(n);
    cols.push_back({c, r, r});
  }
  std::sort(cols.begin(), cols.end(), [](const Column& a, const Column& b) { return a.col < b.col; });
  for (const Column& c : cols) {
    if (!columns_.empty() && columns_.back().col == c.col) {
      columns_.back().min_row = std::min(columns_.back().min_row, c.min_row);
      columns_.back().max_row = std::max(columns_.back().max_row, c.max_row);
    } else {
      columns_.push_back(c);
    }
  }
  if (!columns_.empty()) {
    min_col_ = columns_.front().col;
    max_col_ = columns_.back().col;
  }
}

bool DestinationSet::contains(std::uint32_t n) const { return std::binary_search(nodes_.begin(), nodes_.end(), n); }

const DestinationSet::Column* DestinationSet::column(int col) const {
  const auto it = std::lower_bound(columns_.begin(), columns_.end(), col, [](const Column& c, int v) { return c.col < v; });
  return it != columns_.end() && it->col == col ? &*it : nullptr;
}

unsigned DestinationSet::tree_ports(std::uint32_t src, std::uint32_t at, int in_port) const {
  const int r = static_cast<int>(at / static_cast<std::uint32_t>(cols_)), c = static_cast<int>(at % static_cast<std::uint32_t>(cols_));
  const int sr = static_cast<int>(src / static_cast<std::uint32_t>(cols_));
  unsigned out = contains(at) ? 1u << kL : 0u;
  const Column* col = column(c);
  // A flit that came in moving north (entered on the south port) goes on north, and so on.
  if (in_port == kS || in_port == kN) {
    if (col && in_port == kS && col->min_row < r) out |= 1u << kN;
    if (col && in_port == kN && col->max_row > r) out |= 1u << kS;
    return out;
  }
  // On the source's row: along it, then into this column's branches.
  if (r != sr) return out;  // not on the tree (callers route only on it)
  if ((in_port == kL || in_port == kW) && max_col_ > c) out |= 1u << kE;
  if ((in_port == kL || in_port == kE) && min_col_ < c) out |= 1u << kW;
  if (col) {
    if (col->min_row < r) out |= 1u << kN;
    if (col->max_row > r) out |= 1u << kS;
  }
  return out;
}

int DestinationSet::depth(std::uint32_t src) const {
  const auto C = static_cast<std::uint32_t>(cols_);
  const int sr = static_cast<int>(src / C), sc = static_cast<int>(src % C);
  int d = 0;
  for (const std::uint32_t n : nodes_) d = std::max(d, std::abs(static_cast<int>(n / C) - sr) + std::abs(static_cast<int>(n % C) - sc));
  return d;
}

std::vector<std::uint32_t> rectangle_members(const mesh::Fabric& fabric, int r0, int r1, int c0, int c1) {
  if (r0 > r1 || c0 > c1) throw InputError(fmt::format("multicast rectangle rows {}..{} cols {}..{} is empty", r0, r1, c0, c1));
  if (r0 < 0 || c0 < 0 || r1 >= fabric.rows() || c1 >= fabric.cols())
    throw InputError(fmt::format("multicast rectangle rows {}..{} cols {}..{} leaves the {} x {} fabric", r0, r1, c0, c1, fabric.rows(),
                                 fabric.cols()));
  std::vector<std::uint32_t> out;
  for (int r = r0; r <= r1; ++r)
    for (int c = c0; c <= c1; ++c) {
      const std::uint32_t n = fabric.node(r, c);
      if (fabric.endpoint(n) && fabric.router_alive(n)) out.push_back(n);
    }
  return out;
}

}  // namespace wafersim::sim
