#pragma once
// Static metrics of a repaired fabric, on its graph of working routers and working links
// (Boost.Graph breadth-first search on the implicit FabricGraph, mesh/fabric_graph.hpp).
//
// - components: connected components that hold at least one endpoint; the largest by endpoints.
// - reachable_pair_fraction: of all ordered pairs of distinct endpoints, the fraction with a path;
//   exact, from the component sizes: sum e_i (e_i - 1) / (E (E - 1)).
// - stretch: hops of the shortest path / Manhattan distance in logical coordinates, for every
//   endpoint reachable from each of `stretch_sources` sources drawn (seeded) among all endpoints.
//   Mean over those (source, target) pairs, and the maximum. 1 means no detour anywhere.
// - link lengths: the fabric's histogram of working links by physical length in tiles.
#include <cstdint>
#include <vector>

#include "mesh/fabric.hpp"

namespace wafersim::mesh {

struct FabricMetrics {
  std::size_t endpoints = 0;
  std::size_t components = 0;
  std::size_t largest_component = 0;  // endpoints in it
  double largest_component_fraction = 0.0;
  double reachable_pair_fraction = 0.0;
  double stretch_mean = 0.0;  // NaN when there is no pair to measure
  double stretch_max = 0.0;
  std::size_t stretch_pairs = 0;
  std::vector<std::size_t> link_length_histogram;
  std::size_t graph_bytes = 0;  // memory the graph and its work arrays took
};

FabricMetrics measure_fabric(const Fabric& fabric, std::size_t stretch_sources, std::uint64_t seed);

// Connected components of the working routers: label per node (kNoComponent for dead routers),
// endpoints per label, and the largest by endpoints (ties: the lowest label, which holds the
// lowest node id). Work placed on the fabric must stay inside one component: no route leaves it.
struct FabricComponents {
  static constexpr std::uint32_t kNoComponent = 0xFFFFFFFFu;
  std::vector<std::uint32_t> label;
  std::vector<std::size_t> endpoints;  // per label
  std::uint32_t largest = kNoComponent;
  std::size_t pieces() const;          // components holding at least one endpoint
  bool in_largest(NodeId n) const { return largest != kNoComponent && label[n] == largest; }
};
FabricComponents fabric_components(const Fabric& fabric);

}  // namespace wafersim::mesh
