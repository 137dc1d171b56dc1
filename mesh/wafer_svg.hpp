#pragma once
// The wafer map as SVG: the wafer disk and its usable edge, the reticle-field grid, every tile
// coloured by its state (or, with a fabric, by its role after repair: working, shifted onto a
// spare, idle spare, unused, dead compute, dead router), dead links, and a legend with counts.
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

// `fabric` may be null: tiles are then coloured by the defect map alone.
std::string render_wafer_svg(const Wafer& wafer, const DefectMap& map, const Fabric* fabric, const SvgOptions& options);

}  // namespace wafersim::mesh
