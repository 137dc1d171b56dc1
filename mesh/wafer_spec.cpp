#include "mesh/wafer_spec.hpp"

#include <fmt/format.h>

#include <cmath>

namespace wafersim::mesh {

WaferSpec WaferSpec::from_yaml(const YamlNode& node) {
  node.check_keys({"diameter_mm", "edge_exclusion_mm", "reticle", "tile", "scribe_mm", "placement", "rows", "cols"});
  WaferSpec s;
  // Silicon wafers are 100-300 mm (450 mm was planned); panels for packaging reach ~600 mm.
  s.diameter_mm = node.get_double("diameter_mm", s.diameter_mm, Range::closed(1.0, 1000.0));
  s.edge_exclusion_mm = node.get_double("edge_exclusion_mm", s.edge_exclusion_mm, Range::closed(0, 100));
  if (s.usable_radius_mm() <= 0) node.child("edge_exclusion_mm").fail(fmt::format("leaves no usable wafer (diameter {} mm)", s.diameter_mm));

  const YamlNode reticle = node.child("reticle");
  reticle.check_keys({"width_mm", "height_mm"});
  s.reticle_width_mm = reticle.get_double("width_mm", s.reticle_width_mm, Range::closed(0.1, 1000));
  s.reticle_height_mm = reticle.get_double("height_mm", s.reticle_height_mm, Range::closed(0.1, 1000));

  const YamlNode tile = node.require("tile");
  tile.check_keys({"width_mm", "height_mm"});
  // A tile holds at least a router: 10 um is far below any real one.
  s.tile_width_mm = tile.require("width_mm").as_double(Range::closed(0.01, 1000.0));
  s.tile_height_mm = tile.require("height_mm").as_double(Range::closed(0.01, 1000.0));
  s.scribe_mm = node.get_double("scribe_mm", s.scribe_mm, Range::closed(0, 10));

  const double usable_diameter = 2.0 * s.usable_radius_mm();
  if (std::hypot(s.tile_width_mm, s.tile_height_mm) > usable_diameter) {
    tile.fail(fmt::format("a {} x {} mm tile is larger than the usable wafer ({} mm across)", s.tile_width_mm,
                          s.tile_height_mm, usable_diameter));
  }
  if (s.tile_width_mm > s.reticle_width_mm || s.tile_height_mm > s.reticle_height_mm) {
    tile.fail(fmt::format("a {} x {} mm tile does not fit in one {} x {} mm reticle field", s.tile_width_mm,
                          s.tile_height_mm, s.reticle_width_mm, s.reticle_height_mm));
  }

  const std::string placement = node.get_choice("placement", "disk", {"disk", "rectangle"});
  s.placement = placement == "disk" ? Placement::kDisk : Placement::kRectangle;
  if (s.placement == Placement::kRectangle) {
    s.rows = static_cast<int>(node.require("rows").as_int(Range::closed(1, 1 << 15)));
    s.cols = static_cast<int>(node.require("cols").as_int(Range::closed(1, 1 << 15)));
    const double half_w = (s.cols * s.pitch_x_mm() - s.scribe_mm) / 2.0;
    const double half_h = (s.rows * s.pitch_y_mm() - s.scribe_mm) / 2.0;
    if (std::hypot(half_w, half_h) > s.usable_radius_mm() * (1 + 1e-12)) {
      node.child("rows").fail(fmt::format(
          "a {} x {} tile rectangle ({:.1f} x {:.1f} mm) does not fit on the usable disk ({:.1f} mm across)", s.rows,
          s.cols, 2 * half_h, 2 * half_w, usable_diameter));
    }
  } else {
    for (const char* key : {"rows", "cols"}) {
      if (node.has(key)) node.child(key).fail("only used with placement: rectangle");
    }
  }
  // Every per-tile array (defect map, fabric, routing, engine) is sized by the grid: bound it
  // before anything is allocated.
  const double cells = s.placement == Placement::kRectangle
                           ? static_cast<double>(s.rows) * s.cols
                           : (std::ceil(usable_diameter / s.pitch_x_mm()) + 3) * (std::ceil(usable_diameter / s.pitch_y_mm()) + 3);
  if (cells > kMaxGridCells)
    tile.fail(fmt::format("{} x {} mm tiles make a grid of {:.3g} cells on this wafer; at most {:.2g} (larger tiles or a smaller wafer)",
                          s.tile_width_mm, s.tile_height_mm, cells, kMaxGridCells));
  return s;
}

}  // namespace wafersim::mesh
