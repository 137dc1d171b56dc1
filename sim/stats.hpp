#pragma once
// What a NoC run measures, with BookSim2's definitions: a packet is measured if it was created in
// the measurement window; its latency runs from creation (so it includes the source queue) to the
// ejection of its tail; network latency from its head entering the injection channel to the same
// point; hops count router-to-router links. Accepted throughput is flits ejected during the window
// per node (working tile) per cycle. Times are kept in integer picoseconds and reported in cycles
// of the reference clock (the nominal period). A multicast packet counts once per destination in
// the measured, done, latency and offered figures: each copy is a delivery with its own latency.
#include <cstdint>
#include <vector>

namespace wafersim::sim {

// Packet latencies in whole reference cycles: exact 1-cycle bins up to kBins, then one overflow bin.
class LatencyHistogram {
 public:
  static constexpr std::size_t kBins = 1 << 16;
  LatencyHistogram() : bins_(kBins, 0) {}
  void add(std::uint64_t cycles) { ++(cycles < kBins ? bins_[cycles] : overflow_); ++count_; }
  std::uint64_t count() const { return count_; }
  std::uint64_t overflow() const { return overflow_; }
  // The smallest latency L such that at least a fraction q of the samples are <= L (kBins if in
  // the overflow bin); 0 when empty.
  std::uint64_t quantile(double q) const;
  const std::vector<std::uint64_t>& bins() const { return bins_; }
  void merge(const LatencyHistogram& other);
  void clear();

 private:
  std::vector<std::uint64_t> bins_;
  std::uint64_t overflow_ = 0;
  std::uint64_t count_ = 0;
};

struct Stats {
  std::uint64_t packets_created = 0;          // all packets made (all time)
  std::uint64_t packets_suppressed = 0;       // destination dead or unreachable: not made
  std::uint64_t packets_measured = 0;         // made in the window
  std::uint64_t packets_measured_done = 0;    // of those, tails ejected
  std::uint64_t latency_sum_ps = 0;           // over measured, done packets
  std::uint64_t network_latency_sum_ps = 0;
  std::uint64_t hops_sum = 0;
  std::uint64_t max_latency_ps = 0;
  LatencyHistogram latency_cycles;            // measured packets, reference cycles (rounded down)
  std::uint64_t flits_offered_in_window = 0;  // flits of packets created in the window
  std::uint64_t flits_ejected_in_window = 0;
  std::uint64_t flits_injected = 0;           // into the network, all time
  std::uint64_t flits_ejected = 0;            // all time
  std::uint64_t flits_copied = 0;             // extra copies multicast routers made (all time): a flit
                                              // sent to k branches adds k - 1, so injected + copied
                                              // = ejected once the network is empty
  std::uint64_t flits_moved = 0;              // switch traversals, all time (progress indicator)
  std::vector<std::uint32_t> link_flits;      // [node * 4 + port]: flits sent in the window (N, W, E, S)
  std::vector<std::uint64_t> domain_flits_in, domain_flits_out;     // crossings into / out of a domain (window)
  std::vector<std::uint64_t> domain_credits_in, domain_credits_out;

  // Adds another run's (or partition's) counts; vectors are added where the other has them.
  void merge(const Stats& other);
  // Zeroes every count, keeping the vectors' sizes.
  void reset();
};

}  // namespace wafersim::sim
