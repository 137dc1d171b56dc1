#include "sim/stats.hpp"

#include <algorithm>
#include <cmath>

namespace wafersim::sim {

std::uint64_t LatencyHistogram::quantile(double q) const {
  if (count_ == 0) return 0;
  const auto need = static_cast<std::uint64_t>(std::ceil(q * static_cast<double>(count_)));
  std::uint64_t seen = 0;
  for (std::size_t i = 0; i < bins_.size(); ++i) {
    seen += bins_[i];
    if (seen >= need && seen > 0) return i;
  }
  return kBins;
}

void LatencyHistogram::merge(const LatencyHistogram& other) {
  if (other.count_ == 0) return;
  for (std::size_t i = 0; i < kBins; ++i) bins_[i] += other.bins_[i];
  overflow_ += other.overflow_;
  count_ += other.count_;
}

void LatencyHistogram::clear() {
  if (count_ == 0) return;
  std::fill(bins_.begin(), bins_.end(), 0);
  overflow_ = count_ = 0;
}

namespace {
template <typename T>
void add(std::vector<T>& to, const std::vector<T>& from) {
  if (from.empty()) return;
  if (to.size() < from.size()) to.resize(from.size(), 0);
  for (std::size_t i = 0; i < from.size(); ++i) to[i] += from[i];
}
template <typename T>
void zero(std::vector<T>& v) {
  std::fill(v.begin(), v.end(), 0);
}
}  // namespace

void Stats::merge(const Stats& o) {
  packets_created += o.packets_created;
  packets_suppressed += o.packets_suppressed;
  packets_measured += o.packets_measured;
  packets_measured_done += o.packets_measured_done;
  latency_sum_ps += o.latency_sum_ps;
  network_latency_sum_ps += o.network_latency_sum_ps;
  hops_sum += o.hops_sum;
  max_latency_ps = std::max(max_latency_ps, o.max_latency_ps);
  latency_cycles.merge(o.latency_cycles);
  flits_offered_in_window += o.flits_offered_in_window;
  flits_ejected_in_window += o.flits_ejected_in_window;
  flits_injected += o.flits_injected;
  flits_copied += o.flits_copied;
  flits_ejected += o.flits_ejected;
  flits_moved += o.flits_moved;
  add(link_flits, o.link_flits);
  add(domain_flits_in, o.domain_flits_in);
  add(domain_flits_out, o.domain_flits_out);
  add(domain_credits_in, o.domain_credits_in);
  add(domain_credits_out, o.domain_credits_out);
}

void Stats::reset() {
  packets_created = packets_suppressed = packets_measured = packets_measured_done = 0;
  latency_sum_ps = network_latency_sum_ps = hops_sum = max_latency_ps = 0;
  latency_cycles.clear();
  flits_offered_in_window = flits_ejected_in_window = flits_injected = flits_ejected = flits_moved = flits_copied = 0;
  zero(link_flits);
  zero(domain_flits_in);
  zero(domain_flits_out);
  zero(domain_credits_in);
  zero(domain_credits_out);
}

}  // namespace wafersim::sim
