#include "mesh/channel_dependency.hpp"
#include "mesh/implicit_graph.hpp"

#include <fmt/format.h>

#include <boost/graph/depth_first_search.hpp>
#include <boost/graph/graph_traits.hpp>
#include <boost/graph/two_bit_color_map.hpp>
#include <boost/iterator/counting_iterator.hpp>
#include <boost/iterator/iterator_facade.hpp>
#include <algorithm>

namespace wafersim::mesh {

// The CDG as an implicit graph. Channel id = (node * 4 + port) * classes + class.
class DependencyGraph {
 public:
  DependencyGraph(const Routing& r, int only_class) : r_(&r), classes_(r.vc_classes()), only_(only_class) {}
  // Use these arcs (sorted by source) instead of the turn rules.
  void use_arcs(std::vector<std::pair<std::uint32_t, std::uint32_t>> arcs) {
    exact_ = true;
    begin_.assign(size() + 1, 0);
    for (const auto& a : arcs) ++begin_[a.first + 1];
    for (std::size_t i = 1; i < begin_.size(); ++i) begin_[i] += begin_[i - 1];
    targets_.resize(arcs.size());
    for (std::size_t i = 0; i < arcs.size(); ++i) targets_[i] = arcs[i].second;
  }
  std::uint32_t size() const { return static_cast<std::uint32_t>(r_->fabric().nodes() * 4 * classes_); }
  std::uint32_t id(NodeId n, int port, int vc) const { return static_cast<std::uint32_t>((n * 4 + port) * classes_ + vc); }
  Channel channel(std::uint32_t id) const {
    return {static_cast<NodeId>(id / classes_ / 4), static_cast<int>(id / classes_ % 4), static_cast<int>(id % classes_)};
  }
  bool exists(std::uint32_t id) const {
    const Channel c = channel(id);
    return r_->has_link(c.from, c.port) && (only_ < 0 || c.vc == only_);
  }
  // Channels a packet holding `id` may request next.
  int successors(std::uint32_t id, std::uint32_t* out) const {
    if (!exists(id)) return 0;
    if (exact_) {
      int k = 0;
      for (std::uint32_t e = begin_[id]; e < begin_[id + 1] && k < 8; ++e) {
        if (only_ < 0 || channel(targets_[e]).vc == only_) out[k++] = targets_[e];
      }
      return k;
    }
    const Channel c = channel(id);
    const NodeId v = r_->neighbour(c.from, c.port);
    RouteSet t;
    r_->turns(v, opposite(static_cast<Port>(c.port)), c.vc, t);
    int k = 0;
    for (const RouteOption& o : t) {
      if (o.port == kLocal || (only_ >= 0 && o.vc != only_)) continue;
      out[k++] = this->id(v, o.port, o.vc);
    }
    return k;
  }

 private:
  const Routing* r_;
  int classes_;
  int only_;
  bool exact_ = false;
  std::vector<std::uint32_t> begin_, targets_;
};

using Dependency = ImplicitEdge;

class DependencyIterator
    : public boost::iterator_facade<DependencyIterator, Dependency, boost::forward_traversal_tag, Dependency> {
 public:
  DependencyIterator() = default;
  DependencyIterator(const DependencyGraph* g, std::uint32_t v, bool end) : v_(v) {
    if (!end) {
      count_ = g->successors(v, targets_);
      i_ = 0;
    }
  }

 private:
  friend class boost::iterator_core_access;
  void increment() { ++i_; }
  bool equal(const DependencyIterator& o) const {
    const bool at_end = i_ < 0 || i_ >= count_, other_end = o.i_ < 0 || o.i_ >= o.count_;
    if (at_end || other_end) return at_end == other_end;
    return i_ == o.i_ && v_ == o.v_;
  }
  Dependency dereference() const { return {v_, targets_[i_]}; }
  std::uint32_t v_ = 0;
  std::uint32_t targets_[8] = {};
  int count_ = 0;
  int i_ = -1;
};

inline auto vertices(const DependencyGraph& g) { return vertex_range(g.size()); }
inline std::uint32_t num_vertices(const DependencyGraph& g) { return g.size(); }
inline std::pair<DependencyIterator, DependencyIterator> out_edges(std::uint32_t v, const DependencyGraph& g) {
  return {DependencyIterator(&g, v, false), DependencyIterator(&g, v, true)};
}
inline std::uint32_t out_degree(std::uint32_t v, const DependencyGraph& g) {
  std::uint32_t targets[8];
  return static_cast<std::uint32_t>(g.successors(v, targets));
}
inline std::uint32_t source(const Dependency& e, const DependencyGraph&) { return e.first; }
inline std::uint32_t target(const Dependency& e, const DependencyGraph&) { return e.second; }

}  // namespace wafersim::mesh

namespace boost {
template <>
struct graph_traits<wafersim::mesh::DependencyGraph> : wafersim::mesh::ImplicitDigraphTraits<wafersim::mesh::DependencyIterator> {};
}  // namespace boost

namespace wafersim::mesh {
namespace {

struct CycleFound {
  Dependency back_edge;
};

struct CycleDetector : boost::default_dfs_visitor {
  std::uint32_t* parent;
  std::size_t* arcs;
  template <typename E, typename G>
  void examine_edge(E, const G&) const {
    ++*arcs;
  }
  template <typename E, typename G>
  void tree_edge(E e, const G& g) const {
    parent[target(e, g)] = source(e, g);
  }
  template <typename E, typename G>
  void back_edge(E e, const G&) const {
    throw CycleFound{e};
  }
};

// Pieces of working routers (for the escape connectivity condition).
std::size_t router_pieces(const FabricGraph& g, const Fabric& f) {
  std::vector<std::uint8_t> seen(f.nodes(), 0);
  std::vector<NodeId> queue;
  std::size_t pieces = 0;
  for (NodeId s = 0; s < f.nodes(); ++s) {
    if (!f.router_alive(s) || seen[s]) continue;
    ++pieces;
    queue.assign(1, s);
    seen[s] = 1;
    for (std::size_t h = 0; h < queue.size(); ++h) {
      for (int p = 0; p < 4; ++p) {
        if (!(g.mask(queue[h]) & (1u << p))) continue;
        const NodeId v = g.neighbour(queue[h], p);
        if (!seen[v]) {
          seen[v] = 1;
          queue.push_back(v);
        }
      }
    }
  }
  return pieces;
}

}  // namespace

std::string DeadlockReport::verdict() const {
  if (deadlock_free) {
    return fmt::format("{}: deadlock-free ({} of {} channels, {} dependencies, acyclic{})", algorithm, scope, channels,
                       dependencies, escape_connected && scope.rfind("escape", 0) == 0 ? "; escape routing connected" : "");
  }
  if (!acyclic) return fmt::format("{}: NOT deadlock-free: the CDG over {} has a cycle of {} channels", algorithm, scope, cycle.size());
  return fmt::format("{}: NOT deadlock-free: the escape routing does not connect every piece of the fabric", algorithm);
}

std::string DeadlockReport::describe_cycle(const Fabric& f, std::size_t max_channels) const {
  std::string s;
  for (std::size_t i = 0; i < cycle.size() && i < max_channels; ++i) {
    const Channel& c = cycle[i];
    s += fmt::format("{}({},{})->{} vc{}", i ? " => " : "", f.row_of(c.from), f.col_of(c.from), port_name(c.port), c.vc);
  }
  if (cycle.size() > max_channels) s += fmt::format(" => ... ({} more)", cycle.size() - max_channels);
  return s;
}

std::vector<std::pair<Channel, Channel>> exact_dependencies(const Routing& r) {
  const DependencyGraph g(r, -1);
  std::vector<std::pair<std::uint32_t, std::uint32_t>> arcs;
  const Fabric& f = r.fabric();
  std::vector<std::uint32_t> stamp(g.size(), 0xffffffffu), queue;
  RouteSet set;
  for (NodeId d = 0; d < f.nodes(); ++d) {
    if (!f.endpoint(d)) continue;
    queue.clear();
    auto occupy = [&](std::uint32_t c) {
      if (stamp[c] != d) {
        stamp[c] = d;
        queue.push_back(c);
      }
    };
    for (NodeId s = 0; s < f.nodes(); ++s) {
      if (!f.endpoint(s) || s == d) continue;
      r.route(s, d, kLocal, 0, set);
      for (const RouteOption& o : set) {
        if (o.port != kLocal) occupy(g.id(s, o.port, o.vc));
      }
    }
    for (std::size_t h = 0; h < queue.size(); ++h) {
      const Channel c = g.channel(queue[h]);
      const NodeId v = r.neighbour(c.from, c.port);
      r.route(v, d, opposite(static_cast<Port>(c.port)), c.vc, set);
      for (const RouteOption& o : set) {
        if (o.port == kLocal) continue;
        const std::uint32_t next = g.id(v, o.port, o.vc);
        arcs.push_back({queue[h], next});
        occupy(next);
      }
    }
  }
  std::sort(arcs.begin(), arcs.end());
  arcs.erase(std::unique(arcs.begin(), arcs.end()), arcs.end());
  std::vector<std::pair<Channel, Channel>> out;
  for (const auto& [a, b] : arcs) out.push_back({g.channel(a), g.channel(b)});
  return out;
}

namespace {

// Counts the graph's channels and arcs and looks for a cycle (Boost's DFS, back-edge visitor).
void find_cycle(const DependencyGraph& g, DeadlockReport& report) {
  for (std::uint32_t v = 0; v < g.size(); ++v) report.channels += g.exists(v);
  std::vector<std::uint32_t> parent(g.size(), 0xffffffffu);
  CycleDetector visitor;
  visitor.parent = parent.data();
  visitor.arcs = &report.dependencies;
  try {
    boost::depth_first_search(g, visitor, boost::two_bit_color_map<>(g.size()));
    report.acyclic = true;
  } catch (const CycleFound& found) {
    // The back edge u -> v closes the cycle v -> ... -> u on the DFS tree path.
    std::vector<std::uint32_t> ids{found.back_edge.first};
    for (std::uint32_t c = found.back_edge.first; c != found.back_edge.second;) {
      c = parent[c];
      ids.push_back(c);
    }
    for (auto it = ids.rbegin(); it != ids.rend(); ++it) report.cycle.push_back(g.channel(*it));
    report.acyclic = false;
  }
}

// The turns multicast trees make on `tree_class`, as a Routing for the CDG: XY's rule (on in X,
// X into Y, on in Y), over the working links of the routing it is built from.
class TreeTurns final : public Routing {
 public:
  TreeTurns(const Routing& r, int tree_class) : Routing(r.fabric()), base_(r), class_(tree_class) {}
  std::string name() const override { return base_.name() + " multicast trees"; }
  int vc_classes() const override { return base_.vc_classes(); }
  std::size_t state_bytes() const override { return 0; }
  void route(NodeId, NodeId, Port, int, RouteSet& out) const override { out.clear(); }
  void turns(NodeId at, Port in_port, int in_vc, RouteSet& out) const override {
    out.clear();
    if (in_port != kLocal && in_vc != class_) return;
    const bool horizontal_in = in_port == kWest || in_port == kEast;
    for (int p = 0; p < 4; ++p)
      if (base_.has_link(at, p) && p != in_port && (in_port == kLocal || horizontal_in || p == opposite(in_port))) out.add(p, class_);
  }

 private:
  const Routing& base_;
  int class_;
};

}  // namespace

DeadlockReport check_deadlock(const Routing& routing, bool exact) {
  DeadlockReport report;
  report.algorithm = routing.name();
  const int only = routing.escape_class();
  report.scope = only < 0 ? "all VC classes" : fmt::format("escape class {}", only);
  DependencyGraph g(routing, only);
  if (exact) {
    std::vector<std::pair<std::uint32_t, std::uint32_t>> arcs;
    for (const auto& [a, b] : exact_dependencies(routing)) arcs.push_back({g.id(a.from, a.port, a.vc), g.id(b.from, b.port, b.vc)});
    g.use_arcs(std::move(arcs));
  }
  find_cycle(g, report);
  if (only >= 0) report.escape_connected = routing.escape_trees() == router_pieces(routing.graph(), routing.fabric());
  report.deadlock_free = report.acyclic && report.escape_connected;
  return report;
}

DeadlockReport check_multicast_deadlock(const Routing& routing) {
  const int mc = routing.multicast_class();
  if (mc < 0) throw std::invalid_argument(routing.name() + " routing carries no multicast trees");
  const TreeTurns trees(routing, mc);
  DeadlockReport report;
  report.algorithm = trees.name();
  report.scope = fmt::format("multicast trees on class {}", mc);
  const DependencyGraph g(trees, mc);
  find_cycle(g, report);
  report.deadlock_free = report.acyclic;
  return report;
}

}  // namespace wafersim::mesh
