#include "mesh/route_metrics.hpp"

#include <algorithm>
#include <cmath>
#include <cstdlib>

#include "core/random.hpp"

namespace wafersim::mesh {
namespace {

constexpr std::uint32_t kNoState = 0xffffffffu;
constexpr std::uint32_t kDeliver = 0xfffffffeu;  // successor meaning "ejected at the destination"

// Options with the flow policy applied: adaptive first, the escape only as the fallback.
void policy(const Routing& r, RouteSet& set) {
  const int escape = r.escape_class();
  if (escape < 0) return;
  RouteSet kept;
  for (const RouteOption& o : set) {
    if (o.vc != escape || o.port == kLocal) kept.add(o.port, o.vc);
  }
  if (!kept.empty()) set = kept;
}

// Unweighted hop distances from `d` over working links.
void shortest_paths(const FabricGraph& g, NodeId d, std::vector<std::uint32_t>& dist, std::vector<NodeId>& queue) {
  std::fill(dist.begin(), dist.end(), 0xffffffffu);
  dist[d] = 0;
  queue.assign(1, d);
  for (std::size_t h = 0; h < queue.size(); ++h) {
    const NodeId u = queue[h];
    for (int p = 0; p < 4; ++p) {
      if (!(g.mask(u) & (1u << p))) continue;
      const NodeId v = g.neighbour(u, p);
      if (dist[v] == 0xffffffffu) {
        dist[v] = dist[u] + 1;
        queue.push_back(v);
      }
    }
  }
}

}  // namespace

RouteMetrics measure_routing(const Routing& r, const RouteMetricsOptions& options) {
  const Fabric& f = r.fabric();
  const FabricGraph& g = r.graph();
  const std::size_t n = f.nodes();
  const int classes = r.vc_classes();
  RouteMetrics m;
  m.algorithm = r.name();
  m.state_bytes_per_node = r.state_bytes();
  m.link_load.assign(n * 4, 0.0f);

  std::vector<NodeId> endpoints;
  for (NodeId v = 0; v < n; ++v) {
    if (f.endpoint(v)) endpoints.push_back(v);
  }
  std::vector<NodeId> dests = endpoints;
  if (options.destinations > 0 && options.destinations < endpoints.size()) {
    Rng rng = Rng(options.seed).stream(0xde57);
    for (std::size_t i = 0; i < options.destinations; ++i) std::swap(dests[i], dests[i + rng.uniform_int(dests.size() - i)]);
    dests.resize(options.destinations);
    std::sort(dests.begin(), dests.end());
    m.exact = false;
  }
  m.destinations = dests.size();

  // Per-destination work arrays over states s = node * classes + class.
  const std::size_t states = n * classes;
  std::vector<std::uint32_t> succ;                                   // successors of discovered states (CSR)
  std::vector<std::uint32_t> index(states, kNoState), order, indeg;  // discovered states in topological order
  std::vector<double> flow, deliver_p, hops_p;                        // per discovered state
  std::vector<std::uint32_t> longest;
  std::vector<double> load(n * 4, 0.0);
  std::vector<std::uint32_t> sp(n);
  std::vector<NodeId> queue;
  RouteSet set;
  double delivered_sum = 0, hops_sum = 0, sm_sum = 0, ss_sum = 0;

  std::vector<std::uint32_t> found, sbeg;            // discovered state ids; their successor ranges
  std::vector<std::uint32_t> src_begin(endpoints.size() + 1), src_next;  // each source's first hops
  for (const NodeId d : dests) {
    shortest_paths(g, d, sp, queue);
    // Discover the states reachable from the sources' first hops, with their successors.
    found.clear();
    sbeg.assign(1, 0);
    succ.clear();
    src_next.clear();
    auto discover = [&](std::uint32_t s) {
      if (index[s] != kNoState) return;
      index[s] = static_cast<std::uint32_t>(found.size());
      found.push_back(s);
    };
    auto next_state = [&](NodeId at, const RouteOption& o) -> std::uint32_t {
      if (o.port == kLocal) return kDeliver;
      return static_cast<std::uint32_t>(r.neighbour(at, o.port) * classes + o.vc);
    };
    for (std::size_t i = 0; i < endpoints.size(); ++i) {
      const NodeId s = endpoints[i];
      src_begin[i] = static_cast<std::uint32_t>(src_next.size());
      if (s == d) continue;
      r.route(s, d, kLocal, 0, set);
      policy(r, set);
      for (const RouteOption& o : set) {
        const std::uint32_t t = next_state(s, o);
        src_next.push_back(t);
        if (t != kDeliver) discover(t);
      }
    }
    src_begin[endpoints.size()] = static_cast<std::uint32_t>(src_next.size());
    auto first_hops = [&](std::size_t i) {
      return std::pair{src_next.begin() + src_begin[i], src_next.begin() + src_begin[i + 1]};
    };
    for (std::size_t k = 0; k < found.size(); ++k) {
      const std::uint32_t s = found[k];
      const NodeId at = static_cast<NodeId>(s / classes);
      r.route(at, d, kNorth, static_cast<int>(s % classes), set);  // any input port but kLocal
      policy(r, set);
      for (const RouteOption& o : set) {
        const std::uint32_t t = next_state(at, o);
        succ.push_back(t);
        if (t != kDeliver) discover(t);
      }
      sbeg.push_back(static_cast<std::uint32_t>(succ.size()));
    }
    const std::size_t count = found.size();
    // Kahn's order over the discovered states.
    indeg.assign(count, 0);
    for (std::uint32_t t : succ) {
      if (t != kDeliver) ++indeg[index[t]];
    }
    order.clear();
    for (std::size_t k = 0; k < count; ++k) {
      if (indeg[k] == 0) order.push_back(static_cast<std::uint32_t>(k));
    }
    for (std::size_t h = 0; h < order.size(); ++h) {
      const std::uint32_t k = order[h];
      for (std::uint32_t e = sbeg[k]; e < sbeg[k + 1]; ++e) {
        if (succ[e] != kDeliver && --indeg[index[succ[e]]] == 0) order.push_back(index[succ[e]]);
      }
    }
    m.stuck_states += count - order.size();

    // Forward: flow and link loads.
    flow.assign(count, 0.0);
    for (std::size_t i = 0; i < endpoints.size(); ++i) {
      const auto [next_begin, next_end] = first_hops(i);
      for (auto it = next_begin; it != next_end; ++it) {
        const std::uint32_t t = *it;
        const double share = 1.0 / static_cast<double>(next_end - next_begin);
        if (t == kDeliver) continue;
        flow[index[t]] += share;
        const NodeId s = endpoints[i];
        for (int p = 0; p < 4; ++p) {
          if (r.has_link(s, p) && r.neighbour(s, p) == t / classes) load[s * 4 + p] += share;
        }
      }
    }
    for (std::uint32_t k : order) {
      const std::uint32_t degree = sbeg[k + 1] - sbeg[k];
      if (degree == 0 || flow[k] == 0.0) continue;
      const NodeId at = static_cast<NodeId>(found[k] / classes);
      const double share = flow[k] / degree;
      for (std::uint32_t e = sbeg[k]; e < sbeg[k + 1]; ++e) {
        const std::uint32_t t = succ[e];
        if (t == kDeliver) continue;
        flow[index[t]] += share;
        const NodeId v = static_cast<NodeId>(t / classes);
        for (int p = 0; p < 4; ++p) {
          if (r.has_link(at, p) && r.neighbour(at, p) == v) load[at * 4 + p] += share;
        }
      }
    }
    // Backward: delivery probability, expected hops on delivery (weighted), longest delivered path.
    deliver_p.assign(count, 0.0);
    hops_p.assign(count, 0.0);
    longest.assign(count, 0);
    for (std::size_t h = order.size(); h-- > 0;) {
      const std::uint32_t k = order[h];
      const std::uint32_t degree = sbeg[k + 1] - sbeg[k];
      if (degree == 0) continue;
      double pr = 0, hp = 0;
      std::uint32_t lo = 0;
      for (std::uint32_t e = sbeg[k]; e < sbeg[k + 1]; ++e) {
        if (succ[e] == kDeliver) {
          pr += 1.0;
          continue;
        }
        const std::uint32_t j = index[succ[e]];
        pr += deliver_p[j];
        hp += deliver_p[j] + hops_p[j];
        if (deliver_p[j] > 0) lo = std::max(lo, longest[j] + 1);
      }
      deliver_p[k] = pr / degree;
      hops_p[k] = hp / degree;
      longest[k] = lo;
    }
    for (std::size_t i = 0; i < endpoints.size(); ++i) {
      const NodeId s = endpoints[i];
      if (s == d) continue;
      ++m.pairs;
      const auto [next_begin, next_end] = first_hops(i);
      if (next_begin == next_end) continue;
      const double options = static_cast<double>(next_end - next_begin);
      double pr = 0, hp = 0;
      std::uint32_t lo = 0;
      for (auto it = next_begin; it != next_end; ++it) {
        const std::uint32_t t = *it;
        if (t == kDeliver) continue;
        const std::uint32_t j = index[t];
        pr += deliver_p[j];
        hp += deliver_p[j] + hops_p[j];
        if (deliver_p[j] > 0) lo = std::max(lo, longest[j] + 1);
      }
      pr /= options;
      hp /= options;
      if (pr <= 0) continue;
      const double hops = hp / pr;
      const double manhattan = std::abs(f.row_of(s) - f.row_of(d)) + std::abs(f.col_of(s) - f.col_of(d));
      delivered_sum += pr;
      hops_sum += pr * hops;
      sm_sum += pr * hops / manhattan;
      ss_sum += pr * hops / sp[s];
      m.hops_max = std::max(m.hops_max, static_cast<double>(lo));
      m.stretch_manhattan_max = std::max(m.stretch_manhattan_max, lo / manhattan);
      m.stretch_shortest_max = std::max(m.stretch_shortest_max, lo / static_cast<double>(sp[s]));
    }
    for (std::uint32_t s : found) index[s] = kNoState;
  }

  m.reachability = m.pairs ? delivered_sum / static_cast<double>(m.pairs) : 0.0;
  if (delivered_sum > 0) {
    m.hops_mean = hops_sum / delivered_sum;
    m.stretch_manhattan_mean = sm_sum / delivered_sum;
    m.stretch_shortest_mean = ss_sum / delivered_sum;
  }
  const double per_destination = dests.empty() ? 0.0 : 1.0 / static_cast<double>(dests.size());
  for (std::size_t c = 0; c < load.size(); ++c) {
    m.link_load[c] = static_cast<float>(load[c] * per_destination);
    m.max_channel_load = std::max(m.max_channel_load, load[c] * per_destination);
  }
  m.throughput_bound = m.max_channel_load > 0 ? 1.0 / m.max_channel_load : 0.0;
  if (!m.exact) m.max_channel_load = m.throughput_bound = std::nan("");
  return m;
}

}  // namespace wafersim::mesh
