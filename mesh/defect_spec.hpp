#pragma once
// The `defects:` section of a system config: how killer defects and tile speeds are drawn.
//
//   defects:
//     model: negative_binomial     # see mesh/yield_model.hpp; default poisson
//     d0_per_cm2: 0.1              # mean killer-defect density (per critical layer for bose_einstein)
//     alpha: 2                     # model-specific keys (negative_binomial: alpha; bose_einstein: layers)
//     cluster_block: reticle       # tile | reticle | wafer: area that shares one density draw
//     critical_area:               # where in a tile a defect is fatal, and what it kills
//       ratio: 1.0                 # fraction of the tile area that is critical (D0 * ratio * area = lambda)
//       compute: 0.85              # shares of the critical area; they must sum to 1
//       router: 0.11
//       link: 0.01                 # per link; each tile owns its half of 4 links
//     radial:                      # optional: the rim is worse than the centre
//       edge_factor: 1.0           # density at the usable edge / density at the centre
//       exponent: 2                # density ~ 1 + (edge_factor - 1) (r / R)^exponent
//     speed:                       # per-tile speed factor for the clock work
//       sigma: 0.0                 # lognormal sigma of the factor (0 = every tile nominal)
//       correlation: 0.0           # share of the log-variance common to a block, in [0, 1]
//       block: reticle             # tile | reticle | wafer
//   or, instead of all of the above:
//     map_file: maps/wafer17.csv   # load a defect map (relative to the config file)
//   or uniform random faults, the usual set-up of fault-tolerant routing studies:
//     dead_tile_fraction: 0.05     # exactly round(f x sites) tiles dead (compute and router),
//                                  # chosen uniformly without replacement
#include <filesystem>
#include <memory>
#include <optional>
#include <string>

#include "core/yaml_reader.hpp"
#include "mesh/yield_model.hpp"

namespace wafersim::mesh {

enum class Block { kTile, kReticle, kWafer };
const char* block_name(Block b);

struct CriticalArea {
  double ratio = 1.0;
  double compute = 0.85;
  double router = 0.11;
  double link = 0.01;  // per link, 4 per tile
};

struct RadialProfile {
  double edge_factor = 1.0;
  double exponent = 2.0;
  bool uniform() const { return edge_factor == 1.0; }
  // Relative density at radius r of a disk of usable radius R.
  double weight(double r, double R) const;
};

struct SpeedSpec {
  double sigma = 0.0;
  double correlation = 0.0;
  Block block = Block::kReticle;
};

struct DefectSpec {
  std::string model_name = "poisson";
  std::shared_ptr<const YieldModel> model;  // null for map_file and dead_tile_fraction
  double d0_per_cm2 = 0.0;
  Block cluster_block = Block::kTile;
  CriticalArea critical;
  RadialProfile radial;
  SpeedSpec speed;
  std::optional<std::filesystem::path> map_file;  // resolved against the config file's folder
  std::optional<double> dead_tile_fraction;       // uniform faults instead of a yield model

  // Mean killer-defect count of a tile at relative density weight 1, i.e. D0 * ratio * area.
  double lambda_per_tile(double tile_area_mm2) const { return d0_per_cm2 * critical.ratio * tile_area_mm2 / 100.0; }
  // Shares of the critical area that kill the tile as a compute site (compute or router).
  double tile_kill_share() const { return critical.compute + critical.router; }

  static DefectSpec from_yaml(const YamlNode& node);
};

}  // namespace wafersim::mesh
