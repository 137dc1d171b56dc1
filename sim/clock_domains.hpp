#pragma once
// Which clock each router runs on. Every node of the fabric belongs to one ClockDomain (period and
// phase in integer picoseconds); the engine steps a router at its domain's edges, phase + k *
// period, and a flit or credit that crosses into another domain waits for the first receiver edge
// at or after its arrival and then `synchronizer_stages` more receiver cycles.
//
// Built from a ClockSpec: one global domain, one per reticle field, or one per tile; each domain's
// frequency is the nominal one derated to the slowest working tile in it (speed factors of the
// defect map) and binned down to the configured frequencies. In the global mode the report also
// gives the clock-tree skew and the frequency that skew allows (see skew_ps_per_mm in
// sim/clock_spec.hpp): an H-tree over the tile grid, where two tiles disagree by skew_ps_per_mm
// times the unshared tree wire between them, taken as the width plus height of the smallest tree
// region holding both (each branch below that region's root runs about half of each). Adjacent
// tiles on either side of the root's split are the worst pair, so the worst skew grows with the
// size of the array: the reason wafer-scale designs go GALS.
#include <cstdint>
#include <vector>

#include "mesh/defect_map.hpp"
#include "mesh/fabric.hpp"
#include "mesh/wafer.hpp"
#include "sim/clock_spec.hpp"

namespace wafersim::sim {

struct ClockDomain {
  std::int64_t period_ps = 1000;
  std::int64_t phase_ps = 0;  // in [0, period)
};

struct ClockReport {
  std::int64_t nominal_period_ps = 1000;
  std::size_t domains = 1;
  std::int64_t min_period_ps = 0, max_period_ps = 0;
  std::size_t unbinned_domains = 0;  // slower than every bin: clocked at their own frequency
  // Global mode only (0 otherwise).
  double worst_skew_ps = 0.0;
  double skew_limited_ghz = 0.0;  // 1 / (nominal period + worst skew)
  bool derated_for_skew = false;
};

class ClockDomains {
 public:
  ClockDomains(std::vector<ClockDomain> domains, std::vector<std::uint32_t> domain_of_node);
  // Every node in one domain.
  static ClockDomains single(std::size_t nodes, std::int64_t period_ps, std::int64_t phase_ps = 0);
  static ClockDomains build(const ClockSpec& spec, const mesh::Wafer& wafer, const mesh::DefectMap& map,
                            const mesh::Fabric& fabric, std::uint64_t seed);

  std::size_t size() const { return domains_.size(); }
  const ClockDomain& domain(std::uint32_t d) const { return domains_[d]; }
  std::uint32_t of(std::uint32_t node) const { return domain_of_node_[node]; }
  const std::vector<std::uint32_t>& domain_of_node() const { return domain_of_node_; }

  std::int64_t edge_ps(std::uint32_t d, std::uint64_t k) const {
    return domains_[d].phase_ps + static_cast<std::int64_t>(k) * domains_[d].period_ps;
  }
  // Index of the first edge of domain d at or after time t (>= 0).
  std::uint64_t first_edge_at_or_after(std::uint32_t d, std::int64_t t) const {
    const std::int64_t rel = t - domains_[d].phase_ps;
    if (rel <= 0) return 0;
    return static_cast<std::uint64_t>((rel + domains_[d].period_ps - 1) / domains_[d].period_ps);
  }

  ClockReport report;

 private:
  std::vector<ClockDomain> domains_;
  std::vector<std::uint32_t> domain_of_node_;
};

// Worst skew (ps) over the working links of the fabric under the H-tree model above.
double worst_link_skew_ps(const mesh::Wafer& wafer, const mesh::Fabric& fabric, double skew_ps_per_mm);

}  // namespace wafersim::sim
