#include "compiler/cost_model.hpp"

#include <algorithm>
#include <cstdlib>

namespace wafersim::compiler {

PlanEstimate analytic_estimate(const sim::Workload& w, const mesh::Fabric& f, const sim::ClockDomains& clk, const sim::EngineOptions& eo,
                               const sim::WorkloadRunOptions& ro) {
  using Kind = sim::WorkItem::Kind;
  const std::size_t n = w.items.size();
  const double period = static_cast<double>(clk.report.nominal_period_ps);
  std::vector<double> end(n, 0), ready(n, 0), zero_load(n, 0), io(n, 0);
  std::vector<std::uint32_t> resource_prev(n, 0xFFFFFFFFu);
  std::vector<double> tile_free(f.nodes(), 0), inj_free(f.nodes(), 0), ej_free(f.nodes(), 0);
  std::vector<std::uint32_t> tile_last(f.nodes(), 0xFFFFFFFFu);
  double io_free[4] = {0, 0, 0, 0};
  // The network leg from a to z starting no earlier than t: returns its end.
  auto network = [&](std::size_t i, std::uint32_t a, std::uint32_t z, double t) {
    if (a == z) return t;
    const double flits = std::ceil(static_cast<double>(w.items[i].bytes) / eo.channels.flit_bytes);
    const double pkt = std::min<double>(flits, ro.max_packet_flits);
    const int hops = std::abs(f.row_of(a) - f.row_of(z)) + std::abs(f.col_of(a) - f.col_of(z));
    const double zl = (sim::Engine::zero_load_latency(eo.router, eo.channels, hops, static_cast<int>(pkt)) + flits - pkt) * period;
    const double start = std::max(t, inj_free[a]);
    inj_free[a] = start + flits * period;
    const double arrive = std::max(start + zl, ej_free[z] + flits * period);
    ej_free[z] = arrive;
    zero_load[i] += zl;
    return arrive;
  };
  for (std::size_t i = 0; i < n; ++i) {
    const sim::WorkItem& it = w.items[i];
    for (auto a : it.after) ready[i] = std::max(ready[i], end[a]);
    if (it.kind == Kind::kTask) {
      const auto d = clk.of(it.tile);
      const double p = static_cast<double>(clk.domain(d).period_ps);
      double start = std::max(ready[i], tile_free[it.tile]);
      start = static_cast<double>(clk.edge_ps(d, clk.first_edge_at_or_after(d, static_cast<std::int64_t>(std::ceil(start)))));
      if (tile_free[it.tile] > ready[i]) resource_prev[i] = tile_last[it.tile];
      end[i] = start + static_cast<double>(it.cycles) * p;
      tile_free[it.tile] = end[i];
      tile_last[it.tile] = static_cast<std::uint32_t>(i);
      continue;
    }
    double t = ready[i];
    auto io_leg = [&](std::uint32_t edge) {
      const double bytes_ps = ro.io_bytes_per_ps_per_side;
      const int s = f.nearest_side(edge);
      const double start = std::max(t, io_free[s]);
      const double transfer = static_cast<double>(it.bytes) / bytes_ps;
      io_free[s] = start + transfer;
      io[i] += transfer + static_cast<double>(ro.io_latency_ps);
      t = start + transfer + static_cast<double>(ro.io_latency_ps);
    };
    if (it.src == sim::kOffWafer) {
      io_leg(it.edge_tile);
      t = network(i, it.edge_tile, it.dst, t);
    } else if (it.dst == sim::kOffWafer) {
      t = network(i, it.src, it.edge_tile, t);
      io_leg(it.edge_tile);
    } else {
      t = network(i, it.src, it.dst, t);
    }
    end[i] = t;
  }
  PlanEstimate e;
  std::size_t i = 0;
  for (std::size_t k = 0; k < n; ++k)
    if (end[k] > end[i]) i = k;
  e.makespan_ps = n ? end[i] : 0;
  // Critical path: back through the dependency that finished last, or the task the tile ran before.
  while (n) {
    const sim::WorkItem& it = w.items[i];
    const double dur = end[i] - ready[i];
    if (it.kind == Kind::kTask) {
      const double p = static_cast<double>(clk.domain(clk.of(it.tile)).period_ps);
      e.critical_path.compute_ps += static_cast<double>(it.cycles) * p;
      if (resource_prev[i] != 0xFFFFFFFFu) {
        i = resource_prev[i];
        continue;
      }
      e.critical_path.waiting_ps += dur - static_cast<double>(it.cycles) * p;
    } else {
      e.critical_path.on_wafer_ps += zero_load[i];
      e.critical_path.off_wafer_ps += io[i];
      e.critical_path.waiting_ps += std::max(0.0, dur - zero_load[i] - io[i]);
    }
    if (it.after.empty()) break;
    std::uint32_t next = it.after[0];
    for (auto a : it.after)
      if (end[a] > end[next]) next = a;
    i = next;
  }
  return e;
}

}  // namespace wafersim::compiler
