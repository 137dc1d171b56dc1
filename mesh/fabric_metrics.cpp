#include "mesh/fabric_metrics.hpp"

#include <boost/graph/breadth_first_search.hpp>
#include <boost/graph/compressed_sparse_row_graph.hpp>
#include <boost/graph/two_bit_color_map.hpp>
#include <cmath>
#include <cstdlib>
#include <limits>

#include "core/random.hpp"

namespace wafersim::mesh {
namespace {

using Graph = boost::compressed_sparse_row_graph<boost::directedS, boost::no_property, boost::no_property,
                                                 boost::no_property, std::uint32_t, std::uint32_t>;
using Vertex = boost::graph_traits<Graph>::vertex_descriptor;
constexpr std::uint32_t kUnreached = std::numeric_limits<std::uint32_t>::max();

// Arcs in both directions between working routers joined by a working link, sorted by source.
Graph build_graph(const Fabric& f) {
  std::vector<std::pair<std::uint32_t, std::uint32_t>> arcs;
  arcs.reserve(f.nodes() * 4);
  const int cols = f.cols();
  for (NodeId n = 0; n < f.nodes(); ++n) {
    if (!f.router_alive(n)) continue;
    const int r = f.row_of(n), c = f.col_of(n);
    // Neighbours in increasing id: north, west, east, south.
    if (r > 0 && f.south_length(n - cols) > 0 && f.router_alive(n - cols)) arcs.emplace_back(n, n - cols);
    if (c > 0 && f.east_length(n - 1) > 0 && f.router_alive(n - 1)) arcs.emplace_back(n, n - 1);
    if (c + 1 < cols && f.east_length(n) > 0 && f.router_alive(n + 1)) arcs.emplace_back(n, n + 1);
    if (r + 1 < f.rows() && f.south_length(n) > 0 && f.router_alive(n + cols)) arcs.emplace_back(n, n + cols);
  }
  return Graph(boost::edges_are_sorted, arcs.begin(), arcs.end(), static_cast<std::uint32_t>(f.nodes()));
}

// Records, for every vertex a BFS reaches, its hop distance from the source.
struct DistanceRecorder : boost::default_bfs_visitor {
  std::vector<std::uint32_t>* dist;
  template <typename Edge, typename G>
  void tree_edge(Edge e, const G& g) const {
    (*dist)[boost::target(e, g)] = (*dist)[boost::source(e, g)] + 1;
  }
};

// Labels every vertex a BFS reaches with the component number.
struct ComponentLabeller : boost::default_bfs_visitor {
  std::vector<std::uint32_t>* label;
  std::uint32_t id;
  template <typename V, typename G>
  void discover_vertex(V v, const G&) const {
    (*label)[v] = id;
  }
};

}  // namespace

FabricMetrics measure_fabric(const Fabric& f, std::size_t stretch_sources, std::uint64_t seed) {
  FabricMetrics m;
  m.link_length_histogram = f.link_length_histogram();
  const Graph g = build_graph(f);
  const std::size_t n = f.nodes();
  m.graph_bytes = (n + 1) * sizeof(std::uint32_t) + boost::num_edges(g) * sizeof(std::uint32_t);

  // Components.
  std::vector<std::uint32_t> label(n, kUnreached);
  m.graph_bytes += n * sizeof(std::uint32_t) * 2;  // labels, then distances
  std::vector<std::size_t> endpoints_in;
  {
    boost::two_bit_color_map<> color(n);
    boost::queue<Vertex> queue;
    for (NodeId v = 0; v < n; ++v) {
      if (!f.router_alive(v) || label[v] != kUnreached) continue;
      ComponentLabeller vis;
      vis.label = &label;
      vis.id = static_cast<std::uint32_t>(endpoints_in.size());
      boost::breadth_first_visit(g, v, queue, vis, color);
      endpoints_in.push_back(0);
    }
  }
  std::vector<NodeId> endpoint_list;
  for (NodeId v = 0; v < n; ++v) {
    if (f.endpoint(v)) {
      ++endpoints_in[label[v]];
      endpoint_list.push_back(v);
    }
  }
  m.endpoints = endpoint_list.size();
  double pairs = 0.0;
  for (std::size_t e : endpoints_in) {
    if (e == 0) continue;
    ++m.components;
    m.largest_component = std::max(m.largest_component, e);
    pairs += static_cast<double>(e) * static_cast<double>(e - 1);
  }
  const double E = static_cast<double>(m.endpoints);
  m.largest_component_fraction = m.endpoints ? static_cast<double>(m.largest_component) / E : 0.0;
  m.reachable_pair_fraction = m.endpoints > 1 ? pairs / (E * (E - 1.0)) : 0.0;

  // Stretch from seeded sources, chosen without replacement (partial Fisher-Yates).
  m.stretch_mean = std::nan("");
  m.stretch_max = std::nan("");
  if (m.endpoints > 1 && stretch_sources > 0) {
    Rng rng = Rng(seed).stream(0x57e7c4);
    const std::size_t k = std::min(stretch_sources, endpoint_list.size());
    for (std::size_t i = 0; i < k; ++i) std::swap(endpoint_list[i], endpoint_list[i + rng.uniform_int(endpoint_list.size() - i)]);
    std::vector<std::uint32_t> dist(n);
    boost::queue<Vertex> queue;
    double sum = 0.0, max = 0.0;
    std::size_t count = 0;
    for (std::size_t i = 0; i < k; ++i) {
      const NodeId s = endpoint_list[i];
      std::fill(dist.begin(), dist.end(), kUnreached);
      dist[s] = 0;
      boost::two_bit_color_map<> color(n);
      DistanceRecorder vis;
      vis.dist = &dist;
      boost::breadth_first_visit(g, s, queue, vis, color);
      const int sr = f.row_of(s), sc = f.col_of(s);
      for (NodeId t = 0; t < n; ++t) {
        if (t == s || dist[t] == kUnreached || !f.endpoint(t)) continue;
        const double manhattan = std::abs(f.row_of(t) - sr) + std::abs(f.col_of(t) - sc);
        const double stretch = dist[t] / manhattan;
        sum += stretch;
        max = std::max(max, stretch);
        ++count;
      }
    }
    if (count) {
      m.stretch_mean = sum / static_cast<double>(count);
      m.stretch_max = max;
    }
    m.stretch_pairs = count;
  }
  return m;
}

}  // namespace wafersim::mesh
