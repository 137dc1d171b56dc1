#pragma once
// The Boost.Graph traits shared by our implicit directed graphs (FabricGraph, the channel-
// dependency graph): vertices are dense uint32 ids, edges (source, target) pairs, and the graphs
// model VertexListGraph and IncidenceGraph only. Specialise boost::graph_traits<G> by deriving from
// ImplicitDigraphTraits<OutEdgeIterator>.
#include <boost/graph/graph_traits.hpp>
#include <boost/iterator/counting_iterator.hpp>
#include <cstdint>
#include <utility>

namespace wafersim::mesh {

using ImplicitEdge = std::pair<std::uint32_t, std::uint32_t>;  // (source, target)

template <typename OutEdgeIterator>
struct ImplicitDigraphTraits {
  using vertex_descriptor = std::uint32_t;
  using edge_descriptor = ImplicitEdge;
  using directed_category = boost::directed_tag;
  using edge_parallel_category = boost::disallow_parallel_edge_tag;
  struct traversal_category : boost::incidence_graph_tag, boost::vertex_list_graph_tag {};
  using out_edge_iterator = OutEdgeIterator;
  using vertex_iterator = boost::counting_iterator<std::uint32_t>;
  using degree_size_type = std::uint32_t;
  using vertices_size_type = std::uint32_t;
  using edges_size_type = std::size_t;
  using in_edge_iterator = void;
  using edge_iterator = void;
  using adjacency_iterator = void;
  static vertex_descriptor null_vertex() { return 0xffffffffu; }
};

// Vertex range [0, n).
inline std::pair<boost::counting_iterator<std::uint32_t>, boost::counting_iterator<std::uint32_t>> vertex_range(std::uint32_t n) {
  return {boost::counting_iterator<std::uint32_t>(0), boost::counting_iterator<std::uint32_t>(n)};
}

}  // namespace wafersim::mesh
