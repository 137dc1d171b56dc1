#include "sim/noc_report.hpp"

#include <fmt/format.h>

namespace wafersim::sim {

nlohmann::ordered_json noc_result_json(const NocResult& r) {
  return {{"status", r.status},
          {"status_detail", r.status_detail},
          {"offered_flits_per_node_cycle", r.offered},
          {"accepted_flits_per_node_cycle", r.accepted},
          {"latency_cycles", {{"mean", r.latency_mean}, {"p50", r.latency_p50}, {"p99", r.latency_p99}, {"max", r.latency_max}}},
          {"network_latency_mean_cycles", r.network_latency_mean},
          {"hops_mean", r.hops_mean},
          {"zero_load_latency_formula_cycles", r.zero_load_latency},
          {"packets", {{"measured", r.packets_measured}, {"delivered", r.packets_delivered}, {"suppressed", r.packets_suppressed}}},
          {"links", {{"utilization_max", r.link_utilization_max},
                     {"utilization_mean", r.link_utilization_mean},
                     {"energy_pj", r.link_energy_pj},
                     {"power_mw", r.link_power_mw}}},
          {"clock_crossings", {{"flits", r.flit_crossings}, {"credits", r.credit_crossings}}},
          {"cycles", r.cycles},
          {"wall_seconds", r.wall_seconds},
          {"router_cycles_per_second", r.router_cycles_per_second},
          {"engine_bytes", r.engine_bytes}};
}

const std::vector<std::string>& noc_sweep_columns() {
  static const std::vector<std::string> columns = {
      "rate",         "status",      "offered",     "accepted",    "latency_mean",      "latency_p50",
      "latency_p99",  "latency_max", "network_latency_mean",       "hops_mean",         "zero_load_latency",
      "link_utilization_max",        "link_power_mw",              "packets_measured",  "packets_delivered",
      "cycles",       "wall_s"};
  return columns;
}

std::vector<std::string> noc_sweep_row(double rate, const NocResult& r) {
  auto f = [](double x) { return fmt::format("{:.6g}", x); };
  return {f(rate),
          r.status,
          f(r.offered),
          f(r.accepted),
          f(r.latency_mean),
          f(r.latency_p50),
          f(r.latency_p99),
          f(r.latency_max),
          f(r.network_latency_mean),
          f(r.hops_mean),
          f(r.zero_load_latency),
          f(r.link_utilization_max),
          f(r.link_power_mw),
          std::to_string(r.packets_measured),
          std::to_string(r.packets_delivered),
          std::to_string(r.cycles),
          fmt::format("{:.3f}", r.wall_seconds)};
}

std::string latency_histogram_csv(const NocResult& r) {
  std::string out = "latency_cycles,packets\n";
  const auto& bins = r.stats.latency_cycles.bins();
  for (std::size_t i = 0; i < bins.size(); ++i)
    if (bins[i]) out += fmt::format("{},{}\n", i, bins[i]);
  if (r.stats.latency_cycles.overflow()) out += fmt::format(">={},{}\n", bins.size(), r.stats.latency_cycles.overflow());
  return out;
}

std::string domains_csv(const ClockDomains& clocks, const NocResult& r) {
  std::string out = "domain,period_ps,phase_ps,flits_in,flits_out,credits_in,credits_out\n";
  for (std::uint32_t i = 0; i < clocks.size(); ++i)
    out += fmt::format("{},{},{},{},{},{},{}\n", i, clocks.domain(i).period_ps, clocks.domain(i).phase_ps, r.stats.domain_flits_in[i],
                       r.stats.domain_flits_out[i], r.stats.domain_credits_in[i], r.stats.domain_credits_out[i]);
  return out;
}

}  // namespace wafersim::sim
