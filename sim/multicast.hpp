#pragma once
// Multicast on the mesh: a destination set, and the dimension-ordered (XY) tree that carries one
// message from its source to every member in one injection.
//
// The tree. From the source the message travels along the source's row, east and west as far as
// the farthest member column on each side; at every column that holds members it branches north
// and south as far as that column's farthest member on each side, and it is ejected at every
// member it passes. Each branch is therefore the XY route of some member, and the tree is the
// union of the XY routes from the source to the members: every destination receives its copy
// over exactly its unicast XY path (so its zero-load latency is the unicast one, docs/noc.md),
// and every link of the tree carries the message once.
//
// Deadlock freedom (docs/noc.md, "Multicast"). A router replicates a flit to all its branches in
// one switch traversal when they are free, and a flit leaves its input buffer only when every
// branch has taken it (asynchronous replication, as Cerebras' fabric colours and Tenstorrent's
// NoC multicast). A blocked flit waits on the output channels of its branches, all of them XY
// successors of the channel it holds. So a multicast adds to the channel-dependency graph only
// XY turns (X to X, X to Y, Y to Y), which XY's channel order ranks strictly upwards: the graph
// stays acyclic (mesh/channel_dependency.hpp checks it for the tree class). Under duato the trees
// use the adaptive class, whose relation contains every XY step; unicasts there keep their escape,
// and trees never wait on the escape class, so Duato's condition still holds.
//
// Where a member's XY route is broken by a hole (a dead router or link), the tree cannot reach it:
// `split_by_tree()` separates those members, which the caller sends as unicasts over the system's
// fault-tolerant routing (the "unicast fallback").
#include <cstdint>
#include <vector>

#include "mesh/fabric.hpp"

namespace wafersim::sim {

// A set of destination nodes: sorted, distinct, and indexed by column for the tree's branches.
class DestinationSet {
 public:
  DestinationSet() = default;
  // Any node ids of `fabric` (sorted and made distinct here).
  DestinationSet(const mesh::Fabric& fabric, std::vector<std::uint32_t> nodes);

  const std::vector<std::uint32_t>& nodes() const { return nodes_; }
  std::size_t size() const { return nodes_.size(); }
  bool empty() const { return nodes_.empty(); }
  bool contains(std::uint32_t n) const;

  // Output ports (bit p for mesh::Port p, kLocal included) the XY tree from `src` takes at node
  // `at` for a flit that came in on `in_port` (kLocal at the source). `at` must be on the tree.
  unsigned tree_ports(std::uint32_t src, std::uint32_t at, int in_port) const;

  // The deepest member: the most XY hops from `src` to any member (the tree's depth).
  int depth(std::uint32_t src) const;

 private:
  struct Column {
    int col, min_row, max_row;
  };
  const Column* column(int col) const;
  int cols_ = 0;  // the fabric's columns (for row/col of a node id)
  std::vector<std::uint32_t> nodes_;
  std::vector<Column> columns_;  // sorted by col
  int min_col_ = 0, max_col_ = -1;
};

// Members in [r0, r1] x [c0, c1] (inclusive) of the fabric that are working endpoints: the
// rectangle a row segment (r0 == r1), column segment (c0 == c1) or block names. Throws InputError
// when the rectangle leaves the fabric or is empty.
std::vector<std::uint32_t> rectangle_members(const mesh::Fabric& fabric, int r0, int r1, int c0, int c1);

// Splits `members` into those the XY tree from `src` reaches over working routers and links
// (`link_ok(node, port)`: the link from node out of port exists), and the rest.
struct TreeSplit {
  std::vector<std::uint32_t> tree, unicast;
};
template <class LinkOk>
TreeSplit split_by_tree(const mesh::Fabric& fabric, std::uint32_t src, const std::vector<std::uint32_t>& members, LinkOk link_ok);

// The XY path from a to z as (node, out port) steps; false if a link on it is missing.
template <class LinkOk>
bool xy_path_intact(const mesh::Fabric& fabric, std::uint32_t a, std::uint32_t z, LinkOk link_ok) {
  int r = fabric.row_of(a), c = fabric.col_of(a);
  const int zr = fabric.row_of(z), zc = fabric.col_of(z);
  while (r != zr || c != zc) {
    const std::uint32_t n = fabric.node(r, c);
    int port;
    if (c != zc) port = zc > c ? 2 : 1;  // east : west
    else port = zr > r ? 3 : 0;          // south : north
    if (!link_ok(n, port)) return false;
    if (port == 2) ++c;
    else if (port == 1) --c;
    else if (port == 3) ++r;
    else --r;
  }
  return true;
}

template <class LinkOk>
TreeSplit split_by_tree(const mesh::Fabric& fabric, std::uint32_t src, const std::vector<std::uint32_t>& members, LinkOk link_ok) {
  TreeSplit s;
  for (const std::uint32_t m : members) (xy_path_intact(fabric, src, m, link_ok) ? s.tree : s.unicast).push_back(m);
  return s;
}

}  // namespace wafersim::sim
