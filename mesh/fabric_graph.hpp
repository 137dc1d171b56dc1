#pragma once
// The Fabric seen as a Boost.Graph: an implicit graph (no copy of the mesh) whose vertices are the
// fabric's nodes and whose arcs join working routers over working links, both directions. It
// models VertexListGraph and IncidenceGraph, so Boost's traversal algorithms (breadth_first_visit,
// depth_first_search, ...) run on it directly. Its only storage is one byte per node: the mask of
// directions with a working link to a working router, worked out once.
//
// FifoQueue is a Buffer for breadth_first_visit over a preallocated array: Boost's default
// std::deque-based queue costs a large share of a wafer-scale BFS.
#include <boost/graph/graph_traits.hpp>
#include <boost/iterator/counting_iterator.hpp>
#include <boost/iterator/iterator_facade.hpp>
#include <cstdint>
#include <utility>
#include <vector>

#include "mesh/fabric.hpp"
#include "mesh/implicit_graph.hpp"

namespace wafersim::mesh {

class FabricGraph {
 public:
  explicit FabricGraph(const Fabric& fabric);
  const Fabric& fabric() const { return *fabric_; }
  std::uint32_t num_nodes() const { return static_cast<std::uint32_t>(mask_.size()); }
  // Bit d set: a working arc in direction d (0 north, 1 west, 2 east, 3 south).
  std::uint8_t mask(std::uint32_t v) const { return mask_[v]; }
  std::uint32_t neighbour(std::uint32_t v, int direction) const { return v + offset_[direction]; }
  std::size_t arcs() const;
  std::size_t memory_bytes() const { return mask_.capacity(); }

 private:
  const Fabric* fabric_;
  std::vector<std::uint8_t> mask_;
  std::int64_t offset_[4];
};

using FabricArc = ImplicitEdge;

class FabricOutArcIterator
    : public boost::iterator_facade<FabricOutArcIterator, FabricArc, boost::forward_traversal_tag, FabricArc> {
 public:
  FabricOutArcIterator() = default;
  FabricOutArcIterator(const FabricGraph* g, std::uint32_t v, int direction) : g_(g), v_(v), d_(direction) { skip(); }

 private:
  friend class boost::iterator_core_access;
  void skip() {
    while (d_ < 4 && !(g_->mask(v_) & (1u << d_))) ++d_;
  }
  void increment() {
    ++d_;
    skip();
  }
  bool equal(const FabricOutArcIterator& o) const { return d_ == o.d_ && v_ == o.v_; }
  FabricArc dereference() const { return {v_, g_->neighbour(v_, d_)}; }
  const FabricGraph* g_ = nullptr;
  std::uint32_t v_ = 0;
  int d_ = 4;
};

// Boost.Graph's interface, found by argument-dependent lookup.
inline auto vertices(const FabricGraph& g) { return vertex_range(g.num_nodes()); }
inline std::uint32_t num_vertices(const FabricGraph& g) { return g.num_nodes(); }
inline std::pair<FabricOutArcIterator, FabricOutArcIterator> out_edges(std::uint32_t v, const FabricGraph& g) {
  return {FabricOutArcIterator(&g, v, 0), FabricOutArcIterator(&g, v, 4)};
}
inline std::uint32_t out_degree(std::uint32_t v, const FabricGraph& g) { return static_cast<std::uint32_t>(__builtin_popcount(g.mask(v))); }
inline std::uint32_t source(const FabricArc& e, const FabricGraph&) { return e.first; }
inline std::uint32_t target(const FabricArc& e, const FabricGraph&) { return e.second; }

// A FIFO of vertex ids over one preallocated array (each vertex enters a BFS at most once).
class FifoQueue {
 public:
  using value_type = std::uint32_t;
  explicit FifoQueue(std::size_t capacity) : items_(capacity) {}
  void push(std::uint32_t v) { items_[tail_++] = v; }
  void pop() { ++head_; }
  std::uint32_t& top() { return items_[head_]; }
  const std::uint32_t& top() const { return items_[head_]; }
  bool empty() const { return head_ == tail_; }
  std::size_t size() const { return tail_ - head_; }
  void clear() { head_ = tail_ = 0; }

 private:
  std::vector<std::uint32_t> items_;
  std::size_t head_ = 0;
  std::size_t tail_ = 0;
};

}  // namespace wafersim::mesh

namespace boost {
template <>
struct graph_traits<wafersim::mesh::FabricGraph> : wafersim::mesh::ImplicitDigraphTraits<wafersim::mesh::FabricOutArcIterator> {};
}  // namespace boost
