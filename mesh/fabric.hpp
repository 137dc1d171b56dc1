#pragma once
// The repaired fabric: what the user's program sees. A logical rows x cols mesh of nodes; each node
// is placed on one physical tile (or is a hole), has a router that may forward traffic, and may be a
// compute endpoint. Each node holds its east and south logical link with the link's physical length
// in tiles: 1 for a neighbour link, more for a bypass link that repair laid past dead tiles (later
// issues charge latency for it), 0 where there is no working link.
//
// Per physical tile the fabric also records the tile's role (working, shifted, idle spare, dead,
// unused), for the wafer map.
#include <cstdint>
#include <string>
#include <vector>

#include "mesh/wafer.hpp"

namespace wafersim::mesh {

using NodeId = std::uint32_t;

enum class TileRole : std::uint8_t {
  kNotSite = 0,
  kWorking,      // in the logical array, at its unrepaired position
  kShifted,      // in the logical array, moved along its window past a dead tile
  kIdleSpare,    // alive, a spare nobody needed
  kUnused,       // alive but not in the logical array (its row was dropped, or no repair place)
  kDeadCompute,  // compute dead, router alive: forwards traffic only
  kDeadRouter,   // router dead (whatever the compute): a hole
};
const char* role_name(TileRole r);

class Fabric {
 public:
  Fabric(int rows, int cols, std::size_t physical_cells);

  int rows() const { return rows_; }
  int cols() const { return cols_; }
  std::size_t nodes() const { return static_cast<std::size_t>(rows_) * cols_; }
  NodeId node(int row, int col) const { return static_cast<NodeId>(row) * cols_ + col; }
  int row_of(NodeId n) const { return static_cast<int>(n / cols_); }
  int col_of(NodeId n) const { return static_cast<int>(n % cols_); }

  TileId physical(NodeId n) const { return physical_[n]; }
  bool router_alive(NodeId n) const { return flags_[n] & kRouter; }
  bool endpoint(NodeId n) const { return flags_[n] & kEndpoint; }
  // Physical length in tiles of the working link to the east / south neighbour; 0 if none.
  int east_length(NodeId n) const { return east_len_[n]; }
  int south_length(NodeId n) const { return south_len_[n]; }
  bool east_crosses_reticle(NodeId n) const { return flags_[n] & kEastCrossesReticle; }
  bool south_crosses_reticle(NodeId n) const { return flags_[n] & kSouthCrossesReticle; }
  TileRole role(TileId t) const { return role_[t]; }
  // The side of the logical array nearest to n (0 west, 1 east, 2 north, 3 south; ties in that
  // order) and n's distance to it in nodes: where off-wafer traffic for n crosses the edge.
  int nearest_side(NodeId n) const;
  int distance_to_side(NodeId n, int side) const;

  // Building.
  void place(NodeId n, TileId t, bool router_alive, bool endpoint);
  void set_east(NodeId n, int length_tiles, bool crosses_reticle);
  void set_south(NodeId n, int length_tiles, bool crosses_reticle);
  void set_role(TileId t, TileRole r) { role_[t] = r; }

  // Repair report.
  std::string strategy;
  int nominal_rows = 0;  // the logical array asked for
  int nominal_cols = 0;
  bool formed = false;   // the whole nominal logical array exists with every tile working
  std::size_t spares_used = 0;
  std::size_t dead_logical_links = 0;  // logical neighbour pairs of working routers with no working link

  std::size_t endpoint_count() const;
  // histogram[k] = number of working logical links of physical length k tiles.
  std::vector<std::size_t> link_length_histogram() const;
  std::size_t memory_bytes() const;

 private:
  static constexpr std::uint8_t kRouter = 1, kEndpoint = 2, kEastCrossesReticle = 4, kSouthCrossesReticle = 8;
  int rows_;
  int cols_;
  std::vector<TileId> physical_;
  std::vector<std::uint8_t> flags_;
  std::vector<std::uint8_t> east_len_;
  std::vector<std::uint8_t> south_len_;
  std::vector<TileRole> role_;
};

}  // namespace wafersim::mesh
