#include "compiler/silicon_bounds.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <map>

namespace wafersim::compiler {

const ResourceBound& SiliconBounds::binding() const {
  return *std::max_element(bounds.begin(), bounds.end(), [](const ResourceBound& a, const ResourceBound& b) { return a.bound_s < b.bound_s; });
}

std::string SiliconBounds::limited_by() const {
  if (bounds.empty()) return "nothing";
  const ResourceBound& b = binding();
  if (achieved_s <= 0 || b.bound_s <= 0) return b.resource;
  return fmt::format("{}, at {:.0f}% of its bound (the time is {:.2f} x the bound)", b.resource, 100.0 * b.bound_s / achieved_s, achieved_s / b.bound_s);
}

std::vector<std::string> SiliconBounds::lines() const {
  std::vector<std::string> out;
  out.push_back(fmt::format("bounds of the silicon (achieved {:.4g} ms; each bound is the least time its resource alone needs):", achieved_s * 1e3));
  for (const ResourceBound& b : bounds)
    out.push_back(fmt::format("  {:<44} {:>10.4g} ms  {:>5.1f}% of achieved{}  {}", b.resource, b.bound_s * 1e3,
                              achieved_s > 0 ? 100.0 * b.bound_s / achieved_s : 0.0, b.as_mapped ? ", as mapped" : "", b.detail));
  out.push_back(fmt::format("  {:<44} {}", "SRAM", sram));
  out.push_back("limited by " + limited_by());
  return out;
}

double matmul_words_lower_bound(double M, double K, double N, double P) {
  const double touched = 3.0 * std::pow(M * K * N / P, 2.0 / 3.0), held = (M * K + K * N + M * N) / P;
  return std::max(0.0, touched - held);
}

PlanWork plan_work(const Graph& graph, const Plan& plan) {
  PlanWork w;
  const ModelSpec& m = graph.model();
  std::vector<int> region_of_layer(static_cast<std::size_t>(m.layers) + 1, 0);
  std::vector<double> region_tiles;
  for (std::size_t r = 0; r < plan.regions.size(); ++r) {
    region_tiles.push_back(static_cast<double>(std::max<std::size_t>(1, plan.regions[r].grid.size())));
    for (const int l : plan.regions[r].layers) region_of_layer[static_cast<std::size_t>(l + 1)] = static_cast<int>(r);
  }
  w.matmul_words_bytes_per_region.assign(region_tiles.size(), 0.0);  // regions work side by side
  for (std::size_t v = 0; v < graph.size(); ++v) {
    const Op& o = graph.op(v);
    if (o.kind == OpKind::kOptimizer && plan.weights_stream) continue;  // runs off the wafer
    if (o.kind == OpKind::kMatMul || o.kind == OpKind::kAttnMatMul) w.matmul_flops += o.flops;
    else w.vector_flops += o.flops;
    if (o.kind != OpKind::kMatMul || region_tiles.empty()) continue;
    const auto r = static_cast<std::size_t>(region_of_layer[static_cast<std::size_t>(o.layer + 1)]);
    double P = region_tiles[r];
    if (o.expert >= 0 && m.is_moe()) P = std::max(1.0, P / m.moe.experts);
    w.matmul_words_bytes_per_region[r] +=
        matmul_words_lower_bound(static_cast<double>(o.m), static_cast<double>(o.k), static_cast<double>(o.n), P) * m.activations.bytes;
  }
  return w;
}

SiliconBounds plan_bounds(const Graph& graph, const Plan& plan, const WaferSystem& sys, const mesh::Fabric& f, const sim::ClockDomains& clocks,
                          double achieved_ps) {
  return plan_bounds(plan_work(graph, plan), plan, sys, f, clocks, achieved_ps);
}

SiliconBounds plan_bounds(const PlanWork& work, const Plan& plan, const WaferSystem& sys, const mesh::Fabric& f, const sim::ClockDomains& clocks,
                          double achieved_ps) {
  SiliconBounds out;
  out.achieved_s = achieved_ps * 1e-12;
  const TileComputeSpec& t = sys.compute;
  // Compute rates of the tiles used, each at its own clock.
  double hz = 0, tiles = 0;
  for (const Region& r : plan.regions) {
    for (const auto tile : r.grid.tiles) hz += 1e12 / static_cast<double>(clocks.domain(clocks.of(tile)).period_ps);
    tiles += static_cast<double>(r.grid.size());
  }
  const double mean_hz = tiles > 0 ? hz / tiles : 1e12 / static_cast<double>(clocks.report.nominal_period_ps);
  const double matmul_flops = work.matmul_flops, vector_flops = work.vector_flops;
  const double itt_bytes = work.matmul_words_bytes_per_region.empty()
                               ? 0.0
                               : *std::max_element(work.matmul_words_bytes_per_region.begin(), work.matmul_words_bytes_per_region.end());
  const double flit = static_cast<double>(sys.channels.flit_bytes);
  out.bounds.push_back({"tile compute (matmul array)", matmul_flops / std::max(1.0, 2.0 * t.macs_per_cycle() * hz), false,
                        fmt::format("{:.4g} GFLOP at {:.4g} TFLOP/s", matmul_flops / 1e9, 2.0 * t.macs_per_cycle() * hz / 1e12)});
  out.bounds.push_back({"tile compute (vector unit)", vector_flops / std::max(1.0, t.vector_flops_per_cycle * hz), false,
                        fmt::format("{:.4g} GFLOP at {:.4g} TFLOP/s", vector_flops / 1e9, t.vector_flops_per_cycle * hz / 1e12)});
  out.bounds.push_back({"network: matmul words (Irony-Toledo-Tiskin)", itt_bytes / (flit * mean_hz), false,
                        fmt::format("{:.4g} KB into each tile of the busiest region at least, one flit per cycle", itt_bytes / 1e3)});

  // As mapped: per tile, across the middle cuts, through the edge.
  std::vector<double> injected(f.nodes(), 0), ejected(f.nodes(), 0);
  const int mid_row = f.rows() / 2, mid_col = f.cols() / 2;
  double cut[4] = {0, 0, 0, 0};  // west->east, east->west, north->south, south->north
  double edge = 0;
  for (const sim::WorkItem& w : plan.workload.items) {
    if (w.kind != sim::WorkItem::Kind::kMessage) continue;
    const double b = static_cast<double>(w.bytes);
    if (w.src == sim::kOffWafer || w.dst == sim::kOffWafer) {
      edge += b;
      const std::uint32_t on = w.src == sim::kOffWafer ? w.dst : w.src;
      (w.src == sim::kOffWafer ? ejected : injected)[on] += b;
      continue;
    }
    injected[w.src] += b;
    const int sr = f.row_of(w.src), sc = f.col_of(w.src);
    bool east = false, west = false;
    std::map<int, int> col_dirs;  // per member column: bit 1 south, bit 2 north of the row cut
    for (const std::uint32_t d : w.destinations()) {
      ejected[d] += b;
      const int dr = f.row_of(d), dc = f.col_of(d);
      east |= sc < mid_col && dc >= mid_col;
      west |= sc >= mid_col && dc < mid_col;
      if (sr < mid_row && dr >= mid_row) col_dirs[dc] |= 1;
      if (sr >= mid_row && dr < mid_row) col_dirs[dc] |= 2;
    }
    cut[0] += east ? b : 0;
    cut[1] += west ? b : 0;
    for (const auto& [c, dirs] : col_dirs) {
      cut[2] += (dirs & 1) ? b : 0;
      cut[3] += (dirs & 2) ? b : 0;
    }
  }
  const double link_bps = flit * 1e12 / static_cast<double>(clocks.report.nominal_period_ps);
  const double inj = *std::max_element(injected.begin(), injected.end()), ej = *std::max_element(ejected.begin(), ejected.end());
  out.bounds.push_back({"network: injection (busiest tile)", inj / (flit * mean_hz), true, fmt::format("{:.4g} KB", inj / 1e3)});
  out.bounds.push_back({"network: ejection (busiest tile)", ej / (flit * mean_hz), true, fmt::format("{:.4g} KB", ej / 1e3)});
  const double v_bytes = std::max(cut[0], cut[1]), h_bytes = std::max(cut[2], cut[3]);
  const double v_cut = v_bytes / (link_bps * f.rows()), h_cut = h_bytes / (link_bps * f.cols());
  out.bounds.push_back({"network: bisection (middle row and column)", std::max(v_cut, h_cut), true,
                        v_cut >= h_cut ? fmt::format("{:.4g} MB one way across the middle column's {} links", v_bytes / 1e6, f.rows())
                                       : fmt::format("{:.4g} MB one way across the middle row's {} links", h_bytes / 1e6, f.cols())});
  out.bounds.push_back({"wafer edge I/O (external memory)", edge / (4.0 * sys.io.bytes_per_ps_per_side() * 1e12), true,
                        fmt::format("{:.4g} MB at {:.4g} TB/s", edge / 1e6, sys.io.bandwidth_tb_s)});

  out.sram_fits = plan.sram_max_bytes <= t.sram_bytes();
  out.sram = fmt::format("{}: {:.3g} of {:.3g} MiB on the busiest tile{}", out.sram_fits ? "fits" : "DOES NOT FIT", plan.sram_max_bytes / 1048576.0,
                         t.sram_bytes() / 1048576.0,
                         plan.weights_stream ? fmt::format("; weights stream ({:.4g} GB held off the wafer)", plan.external_memory_bytes / 1e9) : "");
  return out;
}

}  // namespace wafersim::compiler
