#include "sim/traffic_pattern.hpp"

#include "mesh/fabric_graph.hpp"

namespace wafersim::sim {

TrafficContext TrafficContext::build(const mesh::Fabric& fabric) {
  TrafficContext ctx;
  ctx.fabric = &fabric;
  const mesh::FabricGraph graph(fabric);
  ctx.component.assign(fabric.nodes(), kNoDestination);
  std::vector<std::uint32_t> queue(fabric.nodes());
  for (mesh::NodeId s = 0; s < fabric.nodes(); ++s) {
    if (!fabric.router_alive(s) || ctx.component[s] != kNoDestination) continue;
    const auto id = static_cast<std::uint32_t>(ctx.endpoints_of.size());
    ctx.endpoints_of.emplace_back();
    std::size_t head = 0, tail = 0;
    queue[tail++] = s;
    ctx.component[s] = id;
    while (head < tail) {
      const std::uint32_t v = queue[head++];
      for (int d = 0; d < 4; ++d) {
        if (!(graph.mask(v) & (1u << d))) continue;
        const std::uint32_t u = graph.neighbour(v, d);
        if (ctx.component[u] == kNoDestination) {
          ctx.component[u] = id;
          queue[tail++] = u;
        }
      }
    }
  }
  for (mesh::NodeId n = 0; n < fabric.nodes(); ++n)
    if (ctx.component[n] != kNoDestination && fabric.endpoint(n)) ctx.endpoints_of[ctx.component[n]].push_back(n);
  return ctx;
}

std::uint32_t uniform_destination(const TrafficContext& ctx, std::uint32_t src, bool self, Rng& rng) {
  const auto& pool = ctx.endpoints_of[ctx.component[src]];
  if (self) return pool[rng.uniform_int(pool.size())];
  if (pool.size() < 2) return kNoDestination;
  // Draw among the others: index into the pool with src's slot skipped (src is an endpoint).
  for (;;) {
    const std::uint32_t d = pool[rng.uniform_int(pool.size())];
    if (d != src) return d;
  }
}

}  // namespace wafersim::sim
