#include "mesh/fabric.hpp"

#include <algorithm>
#include <stdexcept>

namespace wafersim::mesh {

const char* role_name(TileRole r) {
  switch (r) {
    case TileRole::kNotSite: return "not a site";
    case TileRole::kWorking: return "working";
    case TileRole::kShifted: return "working, shifted onto a spare";
    case TileRole::kIdleSpare: return "idle spare";
    case TileRole::kUnused: return "alive, unused";
    case TileRole::kDeadCompute: return "dead compute (router forwards)";
    case TileRole::kDeadRouter: return "dead router";
  }
  return "?";
}

Fabric::Fabric(int rows, int cols, std::size_t physical_cells)
    : rows_(rows),
      cols_(cols),
      physical_(static_cast<std::size_t>(rows) * cols, kNoTile),
      flags_(static_cast<std::size_t>(rows) * cols, 0),
      east_len_(static_cast<std::size_t>(rows) * cols, 0),
      south_len_(static_cast<std::size_t>(rows) * cols, 0),
      role_(physical_cells, TileRole::kNotSite) {}

void Fabric::place(NodeId n, TileId t, bool router_alive, bool endpoint) {
  physical_[n] = t;
  flags_[n] = static_cast<std::uint8_t>((flags_[n] & ~(kRouter | kEndpoint)) | (router_alive ? kRouter : 0) |
                                        (router_alive && endpoint ? kEndpoint : 0));
}

void Fabric::set_east(NodeId n, int length_tiles, bool crosses_reticle) {
  if (length_tiles < 0 || length_tiles > 255) throw std::out_of_range("Fabric: link length out of range");
  east_len_[n] = static_cast<std::uint8_t>(length_tiles);
  flags_[n] = static_cast<std::uint8_t>((flags_[n] & ~kEastCrossesReticle) | (crosses_reticle ? kEastCrossesReticle : 0));
}

void Fabric::set_south(NodeId n, int length_tiles, bool crosses_reticle) {
  if (length_tiles < 0 || length_tiles > 255) throw std::out_of_range("Fabric: link length out of range");
  south_len_[n] = static_cast<std::uint8_t>(length_tiles);
  flags_[n] = static_cast<std::uint8_t>((flags_[n] & ~kSouthCrossesReticle) | (crosses_reticle ? kSouthCrossesReticle : 0));
}

std::size_t Fabric::endpoint_count() const {
  return static_cast<std::size_t>(std::count_if(flags_.begin(), flags_.end(), [](std::uint8_t f) { return f & kEndpoint; }));
}

std::vector<std::size_t> Fabric::link_length_histogram() const {
  std::vector<std::size_t> h(2, 0);
  for (std::size_t n = 0; n < nodes(); ++n) {
    for (std::uint8_t len : {east_len_[n], south_len_[n]}) {
      if (len == 0) continue;
      if (len >= h.size()) h.resize(len + 1, 0);
      ++h[len];
    }
  }
  return h;
}

std::size_t Fabric::memory_bytes() const {
  return physical_.capacity() * sizeof(TileId) + flags_.capacity() + east_len_.capacity() + south_len_.capacity() +
         role_.capacity() * sizeof(TileRole);
}

int Fabric::distance_to_side(NodeId n, int side) const {
  const int r = row_of(n), c = col_of(n);
  switch (side) {
    case 0: return c;
    case 1: return cols_ - 1 - c;
    case 2: return r;
    default: return rows_ - 1 - r;
  }
}

int Fabric::nearest_side(NodeId n) const {
  int best = 0;
  for (int s = 1; s < 4; ++s)
    if (distance_to_side(n, s) < distance_to_side(n, best)) best = s;
  return best;
}

}  // namespace wafersim::mesh
