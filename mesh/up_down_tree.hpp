#pragma once
// The up*/down* structure over a fabric: a BFS spanning tree per connected piece of working
// routers, a total order that makes every link "up" or "down", and DFS intervals that answer "is d
// below n?" in O(1). 13 bytes per node: BFS level, preorder number, last preorder number in the
// subtree, and the port towards the parent.
#include <cstdint>
#include <vector>

#include "mesh/fabric.hpp"
#include "mesh/fabric_graph.hpp"

namespace wafersim::mesh {

struct RouteSet;

class UpDownTree {
 public:
  UpDownTree(const Fabric& fabric, const FabricGraph& graph);

  bool in_tree(NodeId n) const { return pre_[n] != kNone; }
  // Is `d` in the subtree of `n` (n itself included)?
  bool below(NodeId n, NodeId d) const { return pre_[d] != kNone && pre_[n] <= pre_[d] && pre_[d] <= last_[n]; }
  // Is the link from `from` to `to` an up link? (towards the lower (level, id))
  bool is_up(NodeId from, NodeId to) const {
    return level_[to] < level_[from] || (level_[to] == level_[from] && to < from);
  }
  int parent_port(NodeId n) const { return parent_port_[n]; }
  std::uint32_t level(NodeId n) const { return level_[n]; }
  std::size_t roots() const { return roots_; }

  // up*/down* routing on class `vc` (see mesh/routing.hpp).
  void route(NodeId at, NodeId dest, int vc, RouteSet& out) const;
  // Turns after arriving at `at` from port `in_port` (kLocal: any): up or down after an up link,
  // only down after a down link.
  void turns(NodeId at, int in_port, int vc, RouteSet& out) const;

  static constexpr std::size_t kBytesPerNode = 3 * sizeof(std::uint32_t) + 1;

 private:
  static constexpr std::uint32_t kNone = 0xffffffffu;
  const FabricGraph* graph_;
  std::vector<std::uint32_t> level_, pre_, last_;
  std::vector<std::uint8_t> parent_port_;  // 255 for a root or a node not in any tree
  std::size_t roots_ = 0;
};

}  // namespace wafersim::mesh
