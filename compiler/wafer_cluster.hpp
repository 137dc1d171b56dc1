#pragma once
// A machine of many wafers for the training-time estimate (`wafersim estimate`), as
// configs/systems/*.yaml with `kind: wafer_cluster` describe it:
//
//   name: tiny-3nm-cluster
//   kind: wafer_cluster
//   wafer: tiny-3nm.yaml            # a wafer system (relative to this file): geometry, defects,
//                                   #   repair, compute tile, network and clocks
//   wafers: 4096                    # default count (--wafers, --target-days override)
//   yield: {samples: 8, accept_tile_fraction: 0.95}
//                                   # wafers sampled; one is accepted (sold) when its usable tiles
//                                   #   reach this share of the repaired logical array
//   off_wafer:                      # links between wafers
//     gb_s_per_edge: 1000           # per wafer edge (4 edges), per direction
//     latency_us: 1
//     topology: torus_2d            # torus_2d | fat_tree | switched
//   external_memory: {capacity_tb: 24, tb_s: 2}   # per wafer: where streamed weights live
//   power:
//     tile_active_w: 0.20           # one tile computing
//     tile_idle_w: 0.04             # one tile idle (leakage, clock)
//     pj_per_bit_hop: 0.1           # on-wafer network, per bit per hop
//     pj_per_bit_off_wafer: 5       # off-wafer links and external memory
//     overhead: 1.3                 # facility factor (power delivery, cooling)
//   cost: {wafer_usd: 20000, system_usd_per_wafer: 250000}
//   calibration: {window: 32}       # side of the tile window the representative layer runs on
//
// How a wafer becomes a device of the estimator (compiler/training_estimate.hpp):
// 1. characterize_wafers samples `yield.samples` wafers from the wafer's defect model, repairs
//    them and builds their clocks: usable tiles, the mean clock of a usable tile, and the wafer
//    yield. The device's peak is usable tiles x 2 x MACs x that clock.
// 2. calibrate_on_wafer compiles one representative layer on a window x window piece of the
//    wafer (its defect model sampled there) with the compiler's mapper (style layer_sequential:
//    every op on all the window's tiles, weights resident, as each layer on the full wafer) and
//    analytic cost model,
//    and optionally runs it through the cycle engine: the model's layer scaled by s = window /
//    sqrt(usable tiles) in width, heads, FFN and tokens. A layer's work goes as s^3 and its tiles
//    as s^2, and so do its bytes and its hop counts (the fabric's side goes as s): each tile's
//    work, its traffic and the distances shrink by the same factor s, so the network's share of
//    the layer time stays, to first order. Fixed costs (per-task overhead, router pipeline) weigh
//    more in the window: the calibration errs on the slow side. Its time against the roofline of
//    the same ops gives the compute and on-wafer communication factors every layer of the full
//    model is then charged with (extrapolated, and said so in the output). How far the bytes go
//    is measured rather than assumed: the mappings keep much of the traffic between neighbours
//    (Cannon's shifts, key rings), which go as far on any fabric, so the layer is compiled again
//    at s / 2 on a half window and the bit-hops per FLOP (the network's energy) extrapolated to
//    the whole wafer as side^alpha from the two (bit_hops_growth).
// 3. as_training_cluster: the wafer as a device (ClusterSpec with WaferTerms). Collectives between
//    wafers run on the off-wafer links: rings at 2 edges' bandwidth on a torus (both directions),
//    4 edges' into a switch; all-to-all on a torus is bisection-bound.
#include <cstdint>
#include <filesystem>
#include <functional>
#include <string>
#include <vector>

#include "compiler/cluster_spec.hpp"
#include "compiler/model_spec.hpp"
#include "compiler/plan.hpp"
#include "compiler/silicon_bounds.hpp"
#include "compiler/wafer_system.hpp"
#include "core/confidence.hpp"

namespace wafersim::compiler {

struct WaferClusterSpec {
  std::string name, description;
  std::filesystem::path wafer_file;
  ConfigMount wafer_mount;  // where the wafer file sits for --set (read again for the sensitivity's variants)
  WaferSystem wafer;
  std::int64_t wafers = 1;
  int yield_samples = 8;
  double accept_tile_fraction = 0.95;
  LinkSpec edge;                  // per wafer edge, per direction
  std::string topology = "torus_2d";
  double memory_bytes = 0, memory_bytes_per_s = 0;  // external, per wafer
  double tile_active_w = 0, tile_idle_w = 0, pj_per_bit_hop = 0, pj_per_bit_off_wafer = 0, power_overhead = 1.0;
  double wafer_usd = 0, system_usd_per_wafer = 0;
  int window = 32;

  // Bytes per second a wafer gives a ring collective (both directions of a torus ring, or all
  // four edges into a switch).
  double collective_bytes_per_s() const;
  // `mount`: where the file sits in the command's config tree, for --set; its wafer file is under
  // mount.wafer.
  static WaferClusterSpec from_yaml(const YamlNode& node, const std::filesystem::path& dir, const ConfigMount& mount = {});
  static WaferClusterSpec load(const std::filesystem::path& file, const ConfigMount& mount = {});
};

// Does this YAML describe a wafer cluster (kind: wafer_cluster)?
bool is_wafer_cluster_file(const std::filesystem::path& file);

struct WaferCharacter {
  std::size_t samples = 0, accepted = 0;
  Estimate wafer_yield;        // accepted / samples (Wilson interval)
  Estimate usable_tiles;       // accepted wafers: working tiles in the largest connected piece
  Estimate tile_ghz;           // accepted wafers: mean clock of a usable tile (GALS derating)
  double sites = 0;            // tile sites on the wafer
  double logical_tiles = 0;    // the repaired logical array asked for
  double nominal_peak_flops = 0;  // every site at the nominal clock
  double usable_peak_flops = 0;   // mean usable tiles x their mean clock
  double sram_bytes = 0;          // mean usable tiles x SRAM per tile
};

// Throws InputError when no sampled wafer is accepted.
WaferCharacter characterize_wafers(const WaferClusterSpec& cluster, std::uint64_t seed);

struct LayerCalibration {
  ModelSpec representative;    // one scaled layer (dense equivalent), tiny vocabulary
  double scale = 1;            // s
  std::size_t tiles_used = 0;
  double sram_max_bytes = 0;   // the plan's busiest tile
  double roofline_s = 0;       // its ops on the roofline of the tiles used
  double analytic_s = 0, analytic_compute_s = 0;   // compiler cost model: makespan, compute on the critical path
  bool simulated = false;
  double simulated_s = 0, simulated_compute_s = 0; // cycle engine (when simulated)
  double compute_factor = 1, comm_factor = 0;      // from the engine when simulated, else the cost model
  double bit_hops_per_flop = 0;                    // on the whole wafer: the window's x (1 / s)^bit_hops_growth
  double bit_hops_growth = 1;                      // alpha: bit-hops per FLOP grow as side^alpha (from this and a half window)
  std::vector<std::string> matmul_mappings;        // the layer's matmul mappings and why, for people
  SiliconBounds bounds;                            // of the layer, against its calibrated time
  // Of the on-wafer network bounds, the largest, per roofline second (the step scales it).
  double network_bound_per_roofline_s = 0;
  std::string unfit;  // non-empty: the layer does not map at this micro-batch (why); the rest is unset
};

// Bit-hops of a plan's on-wafer traffic: each message's bytes x 8 x its Manhattan distance on the
// fabric (edge legs from or to their edge tile); a multicast counts the links of its XY tree.
double on_wafer_bit_hops(const Plan& plan, const mesh::Fabric& fabric);

// `simulate`: also run the representative layer through the cycle engine and calibrate on it.
LayerCalibration calibrate_on_wafer(const ModelSpec& model, const WaferClusterSpec& cluster, const WaferCharacter& wafer,
                                    bool simulate, std::uint64_t seed,
                                    const std::function<void(std::size_t, std::size_t)>& on_progress = {},
                                    const std::vector<std::string>& matmul_mappings = {});

// The representative layer compiled at each of `micro_batches` (ascending; the cost model only),
// on up to `threads` threads (results by index: the same on any count). The first must map
// (its errors are the user's: a bad mapping name, a layer too big even alone); a later one whose
// layer does not fit the tiles comes back with `unfit` saying why, and is not a layout.
std::vector<LayerCalibration> calibrate_micro_batches(const ModelSpec& model, const WaferClusterSpec& cluster, const WaferCharacter& wafer,
                                                      const std::vector<std::int64_t>& micro_batches, std::uint64_t seed,
                                                      const std::vector<std::string>& matmul_mappings = {}, unsigned threads = 1);

// The calibration of micro-batch `mb` (InputError if there is none).
const LayerCalibration& calibration_at(const std::vector<LayerCalibration>& cals, std::int64_t mb);
inline LayerCalibration& calibration_at(std::vector<LayerCalibration>& cals, std::int64_t mb) {
  return const_cast<LayerCalibration&>(calibration_at(static_cast<const std::vector<LayerCalibration>&>(cals), mb));
}

// The wafer as a device, charged each layout's factors by its micro-batch.
ClusterSpec as_training_cluster(const WaferClusterSpec& cluster, const WaferCharacter& wafer, const std::vector<LayerCalibration>& cals,
                                const ModelSpec& model);
inline ClusterSpec as_training_cluster(const WaferClusterSpec& cluster, const WaferCharacter& wafer, const LayerCalibration& cal,
                                       const ModelSpec& model) {
  return as_training_cluster(cluster, wafer, std::vector<LayerCalibration>{cal}, model);
}

}  // namespace wafersim::compiler
