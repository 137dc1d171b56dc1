#pragma once
// One point of a yield/defect study: `replicates` wafers of one system config, each sampled,
// repaired and measured; Monte Carlo means with 95% intervals beside the closed forms.
//
// Metrics (per wafer, then averaged):
//   tile_yield        fraction of tile sites whose compute and router both work
//                     closed form: mean over sites of Y(lambda_tile * w * (compute + router share))
//   usable_tiles      working tiles in the largest connected piece of the repaired fabric
//   wafer_yield       fraction of wafers whose nominal logical array formed (Wilson interval)
//                     closed form: exact when tiles die independently (poisson model, or
//                     cluster_block: tile); for strategy none also under clustering
//   logical_rows, logical_cols   size of the logical array that survived repair
//   largest_component_frac, reachable_pairs, stretch_mean, stretch_max   (mesh/fabric_metrics.hpp)
//   dead_links        logical neighbour links lost to link defects
//   spares_used       spare tiles that took a logical position
//   bypass_links      working links longer than one tile, and max_link_length
// Routing group: route_reachability, route_hops_mean, route_hops_max, route_stretch_manhattan,
//   route_stretch_shortest, route_throughput_bound (uniform random), route_deadlock_free (share
//   of wafers proven deadlock-free), route_state_bytes (per node), route_exact (all destinations)
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "core/confidence.hpp"
#include "mesh/defect_map.hpp"
#include "mesh/fabric.hpp"
#include "mesh/fabric_metrics.hpp"
#include "mesh/system_config.hpp"
#include "mesh/wafer.hpp"

namespace wafersim::mesh {

// The sweep's `evaluate:` section:
//   stretch_sources: 16          # sources of the fabric stretch sample
//   metrics: [yield, routing]    # metric groups (columns); default [yield]
//   route_destinations: 0        # routing group: 0 = every destination (exact) up to 1024 nodes,
//                                # else a sample of 32; or a number (a sample: estimates)
struct StudyOptions {
  std::size_t stretch_sources = 16;
  bool yield_metrics = true;
  bool routing_metrics = false;
  long route_destinations = -1;  // -1: default_route_destinations()
  static StudyOptions from_yaml(const YamlNode& evaluate);
};

struct WaferSample {
  DefectMap map;
  Fabric fabric;
  FabricMetrics metrics;
};

// The defect map for replicate seed `seed` (sampled, or loaded from defects.map_file), repaired
// and measured.
WaferSample sample_wafer(const SystemConfig& config, const Wafer& wafer, std::uint64_t seed, std::size_t stretch_sources);

// The seed of replicate r of a study seeded with `seed`.
std::uint64_t replicate_seed(std::uint64_t seed, std::size_t replicate);

struct ClosedForms {
  double tile_yield = 0.0;
  double expected_alive_tiles = 0.0;
  std::optional<double> wafer_yield;  // empty where no closed form applies
  std::string wafer_yield_note;       // why not, if empty
};
// Closed forms for the config (none when the defects come from a file).
std::optional<ClosedForms> closed_forms(const SystemConfig& config, const Wafer& wafer);

struct StudyResult {
  std::size_t replicates = 0;
  Estimate tile_yield, usable_tiles, wafer_yield, logical_rows, logical_cols, largest_component_frac,
      reachable_pairs, stretch_mean, stretch_max, dead_links, spares_used, bypass_links;
  int max_link_length = 0;
  std::vector<std::size_t> link_length_histogram;  // summed over replicates
  std::optional<ClosedForms> closed;
  // Routing group (config.routing.algorithm on each repaired fabric; mesh/route_metrics.hpp).
  Estimate route_reachability, route_hops_mean, route_stretch_manhattan, route_stretch_shortest, route_throughput_bound,
      route_deadlock_free;
  double route_hops_max = 0.0;
  bool route_exact = true;
  std::size_t route_state_bytes = 0;
};

// Runs the replicates; `on_sample(r, sample)` sees each wafer (e.g. to draw the first). Returns
// nullopt if `should_stop()` became true before all replicates were done.
std::optional<StudyResult> run_study(const SystemConfig& config, std::uint64_t seed, std::size_t replicates,
                                     const StudyOptions& options,
                                     const std::function<void(std::size_t, const WaferSample&)>& on_sample = {},
                                     const std::function<bool()>& should_stop = {});

// CSV columns of a StudyResult for the selected metric groups, and the matching cells.
std::vector<std::string> study_columns(const StudyOptions& options);
std::vector<std::string> study_cells(const StudyResult& result, const StudyOptions& options);

}  // namespace wafersim::mesh
