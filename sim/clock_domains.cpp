#include "sim/clock_domains.hpp"

#include <algorithm>
#include <cmath>
#include <map>
#include <stdexcept>

#include "core/random.hpp"

namespace wafersim::sim {

ClockDomains::ClockDomains(std::vector<ClockDomain> domains, std::vector<std::uint32_t> domain_of_node)
    : domains_(std::move(domains)), domain_of_node_(std::move(domain_of_node)) {
  for (const auto& d : domains_)
    if (d.period_ps <= 0 || d.phase_ps < 0 || d.phase_ps >= d.period_ps) throw std::invalid_argument("ClockDomains: bad period/phase");
  for (auto d : domain_of_node_)
    if (d >= domains_.size()) throw std::invalid_argument("ClockDomains: node in an unknown domain");
  report.domains = domains_.size();
  report.nominal_period_ps = domains_.empty() ? 0 : domains_[0].period_ps;
  report.min_period_ps = report.max_period_ps = report.nominal_period_ps;
  for (const auto& d : domains_) {
    report.min_period_ps = std::min(report.min_period_ps, d.period_ps);
    report.max_period_ps = std::max(report.max_period_ps, d.period_ps);
  }
}

ClockDomains ClockDomains::single(std::size_t nodes, std::int64_t period_ps, std::int64_t phase_ps) {
  return ClockDomains({{period_ps, phase_ps}}, std::vector<std::uint32_t>(nodes, 0));
}

namespace {

// H-tree regions over the tile grid: split the longer side at its middle, recursively. Returns the
// size (mm, width + height) of the smallest region that holds both tiles.
double shared_region_span_mm(int r0, int c0, int r1, int c1, int a_row, int a_col, int b_row, int b_col, double px, double py) {
  while (true) {
    const int h = r1 - r0, w = c1 - c0;
    const double span = w * px + h * py;
    if (w * px >= h * py && w > 1) {
      const int mid = c0 + w / 2;
      const bool a_left = a_col < mid, b_left = b_col < mid;
      if (a_left != b_left) return span;
      (a_left ? c1 : c0) = mid;
    } else if (h > 1) {
      const int mid = r0 + h / 2;
      const bool a_top = a_row < mid, b_top = b_row < mid;
      if (a_top != b_top) return span;
      (a_top ? r1 : r0) = mid;
    } else {
      return span;  // the same tile
    }
  }
}

}  // namespace

double worst_link_skew_ps(const mesh::Wafer& wafer, const mesh::Fabric& fabric, double skew_ps_per_mm) {
  const double px = wafer.spec().pitch_x_mm(), py = wafer.spec().pitch_y_mm();
  double worst_span = 0.0;
  auto consider = [&](mesh::NodeId a, mesh::NodeId b) {
    const mesh::TileId ta = fabric.physical(a), tb = fabric.physical(b);
    worst_span = std::max(worst_span, shared_region_span_mm(0, 0, wafer.rows(), wafer.cols(), wafer.row_of(ta), wafer.col_of(ta),
                                                           wafer.row_of(tb), wafer.col_of(tb), px, py));
  };
  for (mesh::NodeId n = 0; n < fabric.nodes(); ++n) {
    if (!fabric.router_alive(n)) continue;
    const int r = fabric.row_of(n), c = fabric.col_of(n);
    if (fabric.east_length(n) > 0 && c + 1 < fabric.cols() && fabric.router_alive(n + 1)) consider(n, n + 1);
    if (fabric.south_length(n) > 0 && r + 1 < fabric.rows() && fabric.router_alive(n + fabric.cols())) consider(n, n + fabric.cols());
  }
  return worst_span * skew_ps_per_mm;
}

ClockDomains ClockDomains::build(const ClockSpec& spec, const mesh::Wafer& wafer, const mesh::DefectMap& map,
                                 const mesh::Fabric& fabric, std::uint64_t seed) {
  const std::int64_t nominal = std::llround(1000.0 / spec.frequency_ghz);
  // Group nodes into domains, dense ids in node order.
  std::map<std::uint64_t, std::uint32_t> ids;
  std::vector<std::uint32_t> of(fabric.nodes(), 0);
  std::vector<double> slowest;  // per domain: the smallest speed factor of its working routers
  for (mesh::NodeId n = 0; n < fabric.nodes(); ++n) {
    std::uint64_t key = 0;
    const mesh::TileId t = fabric.physical(n);
    if (spec.domains == ClockSpec::Domains::kPerTile) key = n;
    if (spec.domains == ClockSpec::Domains::kPerField && t != mesh::kNoTile) key = wafer.reticle_index(wafer.row_of(t), wafer.col_of(t));
    auto [it, fresh] = ids.try_emplace(key, static_cast<std::uint32_t>(ids.size()));
    if (fresh) slowest.push_back(1.0);
    of[n] = it->second;
    if (spec.speed_factors && fabric.router_alive(n) && t != mesh::kNoTile)
      slowest[it->second] = std::min(slowest[it->second], static_cast<double>(map.speed(t)));
  }
  std::vector<ClockDomain> domains(slowest.size());
  std::size_t unbinned = 0;
  const Rng rng(seed);
  for (std::size_t d = 0; d < domains.size(); ++d) {
    const double f = spec.frequency_ghz * slowest[d];
    std::int64_t period = static_cast<std::int64_t>(std::ceil(1000.0 / f - 1e-9));
    if (!spec.bins_ghz.empty()) {
      auto bin = std::find_if(spec.bins_ghz.begin(), spec.bins_ghz.end(), [&](double b) { return b <= f * (1 + 1e-12); });
      if (bin == spec.bins_ghz.end()) ++unbinned;
      else period = std::llround(1000.0 / *bin);
    }
    domains[d].period_ps = std::max<std::int64_t>(period, 1);
  }
  double worst_skew = 0.0, skew_limited_ghz = 0.0;
  if (spec.domains == ClockSpec::Domains::kGlobal) {
    worst_skew = worst_link_skew_ps(wafer, fabric, spec.skew_ps_per_mm);
    skew_limited_ghz = 1000.0 / (domains[0].period_ps + worst_skew);
    if (spec.derate_for_skew) domains[0].period_ps += static_cast<std::int64_t>(std::ceil(worst_skew));
  }
  for (std::size_t d = 0; d < domains.size(); ++d) {
    if (spec.random_phase) {
      Rng r = rng.stream(d);
      domains[d].phase_ps = static_cast<std::int64_t>(r.uniform_int(static_cast<std::uint64_t>(domains[d].period_ps)));
    }
  }
  ClockDomains out(std::move(domains), std::move(of));  // fills domains and the period range
  out.report.nominal_period_ps = nominal;
  out.report.unbinned_domains = unbinned;
  if (spec.domains == ClockSpec::Domains::kGlobal) {
    out.report.worst_skew_ps = worst_skew;
    out.report.derated_for_skew = spec.derate_for_skew;
    out.report.skew_limited_ghz = skew_limited_ghz;
  }
  return out;
}

}  // namespace wafersim::sim
