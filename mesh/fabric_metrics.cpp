#include "mesh/fabric_metrics.hpp"

#include <boost/graph/breadth_first_search.hpp>
#include <boost/property_map/property_map.hpp>
#include <cmath>
#include <cstdlib>
#include <limits>

#include "core/random.hpp"
#include "mesh/fabric_graph.hpp"

namespace wafersim::mesh {
namespace {

constexpr std::uint32_t kUnreached = std::numeric_limits<std::uint32_t>::max();

// The BFS colour map read off a per-vertex array that the visitor fills (distances or component
// labels): a vertex is white until the visitor has written it. breadth_first_visit calls the
// visitor's tree_edge / discover_vertex before it would colour a vertex gray, so nothing needs
// storing, and no separate colour array has to be cleared before every search.
struct ReachedColorMap {
  const std::uint32_t* value;
};

}  // namespace
}  // namespace wafersim::mesh

namespace boost {
template <>
struct property_traits<wafersim::mesh::ReachedColorMap> {
  using value_type = default_color_type;
  using reference = default_color_type;
  using key_type = std::uint32_t;
  using category = read_write_property_map_tag;
};
}  // namespace boost

namespace wafersim::mesh {
namespace {

inline boost::default_color_type get(const ReachedColorMap& m, std::uint32_t v) {
  return m.value[v] == kUnreached ? boost::white_color : boost::black_color;
}
inline void put(const ReachedColorMap&, std::uint32_t, boost::default_color_type) {}

// Labels every vertex a BFS reaches with the component number.
struct ComponentLabeller : boost::default_bfs_visitor {
  std::uint32_t* label;
  std::uint32_t id;
  template <typename V, typename G>
  void discover_vertex(V v, const G&) const {
    label[v] = id;
  }
};

// Hop distances from the source, and the stretch of every endpoint as it is reached.
struct StretchRecorder : boost::default_bfs_visitor {
  std::uint32_t* dist;
  const Fabric* fabric;
  int source_row, source_col;
  double* sum;
  double* max;
  std::size_t* count;
  template <typename E, typename G>
  void tree_edge(E e, const G& g) const {
    const std::uint32_t t = target(e, g);
    const std::uint32_t d = dist[source(e, g)] + 1;
    dist[t] = d;
    if (!fabric->endpoint(t)) return;
    const int manhattan = std::abs(fabric->row_of(t) - source_row) + std::abs(fabric->col_of(t) - source_col);
    const double stretch = static_cast<double>(d) / manhattan;
    *sum += stretch;
    if (stretch > *max) *max = stretch;
    ++*count;
  }
};

}  // namespace

std::size_t FabricComponents::pieces() const {
  std::size_t k = 0;
  for (const std::size_t e : endpoints) k += e > 0;
  return k;
}

FabricComponents fabric_components(const Fabric& f) {
  FabricComponents c;
  const FabricGraph g(f);
  const std::size_t n = f.nodes();
  FifoQueue queue(n);
  c.label.assign(n, kUnreached);
  const ReachedColorMap reached{c.label.data()};
  for (NodeId v = 0; v < n; ++v) {
    if (!f.router_alive(v) || c.label[v] != kUnreached) continue;
    ComponentLabeller vis;
    vis.label = c.label.data();
    vis.id = static_cast<std::uint32_t>(c.endpoints.size());
    c.label[v] = vis.id;
    queue.clear();
    boost::breadth_first_visit(g, v, queue, vis, reached);
    c.endpoints.push_back(0);
  }
  for (NodeId v = 0; v < n; ++v)
    if (f.endpoint(v) && c.label[v] != kUnreached) ++c.endpoints[c.label[v]];
  for (std::uint32_t k = 0; k < c.endpoints.size(); ++k)
    if (c.endpoints[k] > 0 && (c.largest == FabricComponents::kNoComponent || c.endpoints[k] > c.endpoints[c.largest])) c.largest = k;
  return c;
}

FabricMetrics measure_fabric(const Fabric& f, std::size_t stretch_sources, std::uint64_t seed) {
  FabricMetrics m;
  m.link_length_histogram = f.link_length_histogram();
  const FabricGraph g(f);
  const std::size_t n = f.nodes();
  FifoQueue queue(n);
  std::vector<std::uint32_t> work(n, kUnreached);  // distances
  const ReachedColorMap reached{work.data()};
  m.graph_bytes = g.memory_bytes() + n * sizeof(std::uint32_t) * 3;  // masks, labels, work array, queue

  // Components.
  const FabricComponents comp = fabric_components(f);
  std::vector<NodeId> endpoint_list;
  for (NodeId v = 0; v < n; ++v)
    if (f.endpoint(v)) endpoint_list.push_back(v);
  m.endpoints = endpoint_list.size();
  double pairs = 0.0;
  for (std::size_t e : comp.endpoints) {
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
    double sum = 0.0, max = 0.0;
    std::size_t count = 0;
    for (std::size_t i = 0; i < k; ++i) {
      const NodeId s = endpoint_list[i];
      std::fill(work.begin(), work.end(), kUnreached);
      work[s] = 0;
      StretchRecorder vis;
      vis.dist = work.data();
      vis.fabric = &f;
      vis.source_row = f.row_of(s);
      vis.source_col = f.col_of(s);
      vis.sum = &sum;
      vis.max = &max;
      vis.count = &count;
      queue.clear();
      boost::breadth_first_visit(g, s, queue, vis, reached);
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
