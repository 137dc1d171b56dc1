#pragma once
// How the tiles are clocked:
//
//   clock:
//     frequency_ghz: 1.0         # nominal frequency of a tile with speed factor 1
//     domains: global            # global | per_field (one per reticle field) | per_tile
//     phase: aligned             # aligned (all phases 0) | random (uniform in [0, period), seeded)
//     speed_factors: true        # derate each domain to its slowest working tile's speed factor
//                                #   (defect map); a global clock runs at the wafer's slowest tile
//     bins_ghz: []               # allowed frequencies, e.g. [1.0, 0.9, 0.8]: a domain gets the
//                                #   highest bin it can meet; empty = its own frequency (period
//                                #   rounded up to a whole picosecond)
//     synchronizer_stages: 2     # receiver cycles a crossing flit or credit spends in the
//                                #   synchronizer after the first receiver edge at or after arrival
//     skew_ps_per_mm: 1.5        # global clock tree: skew per mm of unshared tree path
//     derate_for_skew: false     # global: run at the frequency the worst skew allows
//
// Time in the engine is integer picoseconds; a domain's edges are phase + k * period.
#include <string>
#include <vector>

#include "core/yaml_reader.hpp"

namespace wafersim::sim {

// Skew of a global clock tree: on-chip variation makes the two branches below a tree node
// disagree by a few percent of their insertion delay; a repeated clock wire costs ~30-50 ps/mm, so
// 3-5% of it is ~1.5 ps per mm of unshared path (order of magnitude of published H-tree skew
// budgets; set it from your own clock-tree analysis).
inline constexpr double kDefaultSkewPsPerMm = 1.5;

struct ClockSpec {
  enum class Domains { kGlobal, kPerField, kPerTile };
  double frequency_ghz = 1.0;
  Domains domains = Domains::kGlobal;
  bool random_phase = false;
  bool speed_factors = true;
  std::vector<double> bins_ghz;  // sorted descending
  int synchronizer_stages = 2;
  double skew_ps_per_mm = kDefaultSkewPsPerMm;
  bool derate_for_skew = false;

  static ClockSpec from_yaml(const YamlNode& node);
};

const char* domains_name(ClockSpec::Domains d);

}  // namespace wafersim::sim
