#pragma once
// The wafer map as SVG: the wafer disk and its usable edge, the reticle-field grid, every tile
// coloured by its state (or, with a fabric, by its role after repair: working, shifted onto a
// spare, idle spare, unused, dead compute, dead router), dead links, and a legend with counts.
//
// The page is in px: the title and notes on top, the map square (900 px) with the row indices of
// the tiles on its left, the column indices and a mm scale bar under it, and the legend on the
// right (with a colour bar for a link heat map). Shapes inside the square are in mm, scaled.
//
// Sizes: runs of equal tiles in a row are one rectangle, so a WSE-scale map (~850k tiles) stays a
// few hundred kB. When tiles are smaller than about a millimetre, dead tiles are drawn as enlarged
// markers so that they are visible at all; the legend says so.
#include <string>
#include <vector>

#include "mesh/defect_map.hpp"
#include "mesh/fabric.hpp"
#include "mesh/wafer.hpp"

namespace wafersim::mesh {

struct SvgOptions {
  std::string title;
  std::vector<std::string> notes;  // extra lines under the title
  // Optional link-load heatmap: per logical node of the fabric, the load of its 4 output links
  // (N, W, E, S), as RouteMetrics::link_load. Drawn per cell of at most ~1/160 of the array (the
  // busiest link in the cell), over the tiles; needs the fabric.
  const std::vector<float>* link_load = nullptr;
  std::string link_load_unit = "flits/cycle per flit/node/cycle";
};

// Where things go on the page, px (map_layout: for a view of +-half_view_mm and that many notes).
struct MapLayout {
  double side = 900;         // the map square
  double left = 76;          // its left edge: row ticks and their title to the left of it
  double top = 0;            // its top edge: under the title and the notes
  double legend_width = 330;
  double scale_bar_below = 62;  // the scale bar's line, under the square's bottom edge
  double title_baseline = 30;
  double px_per_mm = 0;
  double width = 0, height = 0;
};
MapLayout map_layout(double half_view_mm, std::size_t notes);

// `fabric` may be null: tiles are then coloured by the defect map alone.
std::string render_wafer_svg(const Wafer& wafer, const DefectMap& map, const Fabric* fabric, const SvgOptions& options);

}  // namespace wafersim::mesh
