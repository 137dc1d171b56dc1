#pragma once
// What the engine counts and when (the definitions are BookSim2's, in sim/stats.hpp): the
// measurement window, a measured packet's delivery, clock-crossing counts, and the fixed order of
// the delivery log. Each partition counts into its own Stats (sim/impl/partition.hpp); the engine
// merges them when a run returns, so no counter has two writers.
#include <algorithm>
#include <cstdint>
#include <limits>
#include <tuple>
#include <vector>

#include "sim/engine.hpp"
#include "sim/stats.hpp"

// Hidden: the engine's private parts are no symbols of the shared library, so a call the compiler
// does not inline is a direct call, never a PLT hop (sim/engine.cpp).
#pragma GCC visibility push(hidden)
namespace wafersim::sim::engine_impl {

// Packets created in [begin_ps, end_ps) are measured; flits ejected and links used then are
// counted (Engine::set_window). The default measures everything.
struct MeasurementWindow {
  std::int64_t begin_ps = 0, end_ps = std::numeric_limits<std::int64_t>::max();
  bool contains(std::int64_t t_ps) const { return t_ps >= begin_ps && t_ps < end_ps; }
};

// A measured packet's tail ejected at t_ps: its latency from creation (source queue included),
// its network latency from the head's injection, its hops, and its latency in reference cycles
// for the histogram.
[[gnu::always_inline]] inline void count_delivery(Stats& stats, std::int64_t created_ps, std::int64_t injected_ps, std::int64_t t_ps,
                                                  std::uint32_t hops, std::int64_t reference_period_ps) {
  const auto lat = static_cast<std::uint64_t>(t_ps - created_ps);
  ++stats.packets_measured_done;
  stats.latency_sum_ps += lat;
  stats.network_latency_sum_ps += static_cast<std::uint64_t>(t_ps - injected_ps);
  stats.hops_sum += hops;
  stats.max_latency_ps = std::max(stats.max_latency_ps, lat);
  stats.latency_cycles.add(lat / static_cast<std::uint64_t>(reference_period_ps));
}

// A flit (or a credit) sent from domain `from` into domain `to` in the window.
inline void count_crossing(Stats& stats, std::uint32_t from, std::uint32_t to, bool credit) {
  if (credit) {
    ++stats.domain_credits_out[from];
    ++stats.domain_credits_in[to];
  } else {
    ++stats.domain_flits_out[from];
    ++stats.domain_flits_in[to];
  }
}

// Sizes the per-domain crossing counters for `domains` clock domains.
inline void size_domain_counters(Stats& s, std::size_t domains) {
  s.domain_flits_in.assign(domains, 0);
  s.domain_flits_out.assign(domains, 0);
  s.domain_credits_in.assign(domains, 0);
  s.domain_credits_out.assign(domains, 0);
}

// Puts the deliveries from `first` on in the one order every partitioning gives: ejection time,
// destination, source, sequence.
inline void sort_deliveries(std::vector<Delivery>& log, std::size_t first) {
  std::sort(log.begin() + static_cast<std::ptrdiff_t>(first), log.end(), [](const Delivery& a, const Delivery& b) {
    return std::tie(a.ejected_ps, a.dst, a.src, a.seq) < std::tie(b.ejected_ps, b.dst, b.src, b.seq);
  });
}

}  // namespace wafersim::sim::engine_impl
#pragma GCC visibility pop
