#pragma once
// What the user says about the wafer's geometry (the `wafer:` section of a system config).
//
//   wafer:
//     diameter_mm: 300          # default 300 (SEMI M1 standard wafer); 1 to 1000
//     edge_exclusion_mm: 3      # unusable ring at the rim; default 3
//     reticle: {width_mm: 26, height_mm: 33}   # default: the 26 x 33 mm full field of a scanner
//     tile: {width_mm: 0.2, height_mm: 0.2}    # required; 0.01 to 1000 mm each
//     scribe_mm: 0.0            # lane between neighbouring tiles (tile pitch = tile + scribe)
//     placement: disk           # disk: every tile whose rectangle lies on the usable disk
//                               # rectangle: a centred block of rows x cols tiles (WSE-style square)
//     rows: 922                 # rectangle only
//     cols: 922                 # rectangle only
#include <string>

#include "core/yaml_reader.hpp"

namespace wafersim::mesh {

enum class Placement { kDisk, kRectangle };

// The most grid cells a wafer may have (8000 x 8000): every per-tile array of the defect map,
// fabric, routing and engine is sized by the grid, at tens to hundreds of bytes per cell in all.
inline constexpr double kMaxGridCells = 6.4e7;

struct WaferSpec {
  double diameter_mm = 300.0;
  double edge_exclusion_mm = 3.0;
  double reticle_width_mm = 26.0;
  double reticle_height_mm = 33.0;
  double tile_width_mm = 0.0;
  double tile_height_mm = 0.0;
  double scribe_mm = 0.0;
  Placement placement = Placement::kDisk;
  int rows = 0;  // rectangle placement only
  int cols = 0;

  double pitch_x_mm() const { return tile_width_mm + scribe_mm; }
  double pitch_y_mm() const { return tile_height_mm + scribe_mm; }
  double usable_radius_mm() const { return diameter_mm / 2.0 - edge_exclusion_mm; }
  double tile_area_mm2() const { return tile_width_mm * tile_height_mm; }

  static WaferSpec from_yaml(const YamlNode& node);
};

}  // namespace wafersim::mesh
