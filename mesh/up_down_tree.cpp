#include "mesh/up_down_tree.hpp"

#include <cstdlib>

#include "mesh/routing.hpp"

namespace wafersim::mesh {

UpDownTree::UpDownTree(const Fabric& f, const FabricGraph& g)
    : graph_(&g), level_(f.nodes(), kNone), pre_(f.nodes(), kNone), last_(f.nodes(), kNone), parent_port_(f.nodes(), 255) {
  const std::size_t n = f.nodes();
  // Roots: first the working router nearest the array's centre, then, for every piece it does not
  // reach, that piece's lowest-numbered router.
  NodeId centre = kNone;
  long best = -1;
  for (NodeId v = 0; v < n; ++v) {
    if (!f.router_alive(v)) continue;
    const long dr = 2L * f.row_of(v) - (f.rows() - 1), dc = 2L * f.col_of(v) - (f.cols() - 1);
    const long d2 = dr * dr + dc * dc;
    if (best < 0 || d2 < best) {
      best = d2;
      centre = v;
    }
  }
  if (centre == kNone) return;
  std::vector<NodeId> queue;
  queue.reserve(n);
  std::vector<NodeId> order;  // roots in the order their trees were built
  auto grow = [&](NodeId root) {
    ++roots_;
    order.push_back(root);
    level_[root] = 0;
    queue.clear();
    queue.push_back(root);
    for (std::size_t head = 0; head < queue.size(); ++head) {
      const NodeId u = queue[head];
      for (int p = 0; p < 4; ++p) {
        if (!(g.mask(u) & (1u << p))) continue;
        const NodeId v = g.neighbour(u, p);
        if (level_[v] != kNone) continue;
        level_[v] = level_[u] + 1;
        parent_port_[v] = static_cast<std::uint8_t>(3 - p);
        queue.push_back(v);
      }
    }
  };
  grow(centre);
  for (NodeId v = 0; v < n; ++v) {
    if (f.router_alive(v) && level_[v] == kNone) grow(v);
  }
  // Preorder numbers and subtree intervals by an iterative DFS over tree edges.
  std::uint32_t next = 0;
  std::vector<std::pair<NodeId, int>> stack;
  for (NodeId root : order) {
    stack.push_back({root, 0});
    pre_[root] = next++;
    while (!stack.empty()) {
      auto& [u, port] = stack.back();
      bool descended = false;
      while (port < 4) {
        const int p = port++;
        if (!(g.mask(u) & (1u << p))) continue;
        const NodeId v = g.neighbour(u, p);
        if (parent_port_[v] != 3 - p || pre_[v] != kNone) continue;  // not a child of u
        pre_[v] = next++;
        stack.push_back({v, 0});
        descended = true;
        break;
      }
      if (!descended) {
        last_[u] = next - 1;
        stack.pop_back();
      }
    }
  }
}

void UpDownTree::route(NodeId at, NodeId dest, int vc, RouteSet& out) const {
  if (!in_tree(at) || !in_tree(dest)) return;
  if (at == dest) {
    out.add(kLocal, vc);
    return;
  }
  if (below(at, dest)) {
    for (int p = 0; p < 4; ++p) {
      if (!(graph_->mask(at) & (1u << p))) continue;
      const NodeId v = graph_->neighbour(at, p);
      if (!is_up(at, v) && below(v, dest)) out.add(p, vc);
    }
    return;
  }
  if (parent_port_[at] != 255) out.add(parent_port_[at], vc);  // climb; a root here means another piece
}

void UpDownTree::turns(NodeId at, int in_port, int vc, RouteSet& out) const {
  if (!in_tree(at)) return;
  const bool after_up = in_port == kLocal || is_up(graph_->neighbour(at, in_port), at);
  for (int p = 0; p < 4; ++p) {
    if (!(graph_->mask(at) & (1u << p)) || p == in_port) continue;
    if (after_up || !is_up(at, graph_->neighbour(at, p))) out.add(p, vc);
  }
}

}  // namespace wafersim::mesh
