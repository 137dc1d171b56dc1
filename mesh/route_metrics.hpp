#pragma once
// What a routing function does on a fabric, for uniform-random traffic among the working tiles.
//
// For each destination d, every other endpoint injects one unit of flow; at each router the flow
// splits equally over the options route() returns (for an escape-VC scheme: over the adaptive
// options when there are any, the escape only when there are none: the escape is the fallback,
// not a preference), and flows on along a topological order of (router, VC class) states. This
// gives, exactly per pair: the delivered fraction, the expected and the longest hop count, and
// every link's load. Link load per unit injection rate (flits/node/cycle, destinations uniform
// over all endpoints including the source itself) is summed over destinations; the busiest link
// bounds throughput at 1 / its load (links carry one flit per cycle).
//
// With `destinations` = 0 every endpoint is a destination and all figures are exact; otherwise a
// seeded sample of destinations is used and the figures are estimates (`exact` says which). Pair
// averages (reachability, hops, stretch) are unbiased under sampling; the busiest link is not: a
// link next to a sampled destination carries that destination's whole inflow, so the maximum of
// sampled loads overstates the true one many times (64 x 64 xy: 172 from 32 destinations, 16
// exactly). The channel-load bound is therefore reported only when exact (NaN otherwise); the
// per-link loads are still filled, as an estimate, for the heatmap.
// Assumes route() depends on the input port only through "injected here or not", which holds for
// every algorithm in mesh/impl/.
#include <cstdint>
#include <string>
#include <vector>

#include "mesh/routing.hpp"

namespace wafersim::mesh {

struct RouteMetricsOptions {
  std::size_t destinations = 0;  // 0: all endpoints
  std::uint64_t seed = 1;
};

struct RouteMetrics {
  std::string algorithm;
  bool exact = true;
  std::size_t destinations = 0;  // used
  std::size_t pairs = 0;         // ordered (source, destination) pairs of distinct endpoints measured
  double reachability = 0.0;     // delivered fraction of those pairs
  double hops_mean = 0.0, hops_max = 0.0;
  double stretch_manhattan_mean = 0.0, stretch_manhattan_max = 0.0;
  double stretch_shortest_mean = 0.0, stretch_shortest_max = 0.0;
  double max_channel_load = 0.0;  // flits/cycle on the busiest link per flit/node/cycle injected (NaN unless exact)
  double throughput_bound = 0.0;  // flits/node/cycle: 1 / max_channel_load (NaN unless exact)
  std::size_t state_bytes_per_node = 0;
  std::size_t stuck_states = 0;    // states left on a cycle of route() (livelock); 0 for every algorithm here
  std::vector<float> link_load;    // per node x 4 output ports, per unit injection rate
};

RouteMetrics measure_routing(const Routing& routing, const RouteMetricsOptions& options);

// The default number of destinations: all (exact) up to 1024 nodes, where the O(nodes^2) cost is a
// few milliseconds, else a sample of 32.
inline std::size_t default_route_destinations(std::size_t nodes) { return nodes <= 1024 ? 0 : 32; }

}  // namespace wafersim::mesh
