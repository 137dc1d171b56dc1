#pragma once
// Where a mixture-of-experts layer's experts run on a region's grid of tiles, and so how the
// tokens reach them: a family registered by name (compiler/impl/moe_*.cpp), chosen with
// `--moe-mapping NAME` or `auto` (MapOptions::moe_mapping).
//
// Every entry computes the same thing: each expert's FFN on the token slots the router sends it
// (compiler/moe_routing.hpp; expected counts in the mapper, an explicit routing in the functional
// check), and the combine, each token's gate-weighted sum of its top_k experts' outputs, back in
// the grid layout of the tokens. They differ in where an expert's weights live:
// - expert_parallel: each expert on its own group of tiles (a rectangle of the grid, all groups
//   the same shape). The tokens go to their experts' groups by an all-to-all inside the wafer and
//   come back the same way; the experts run side by side, so the busiest expert sets the time.
// - expert_sliced: every expert's weights spread over the whole grid (expert tensor parallelism).
//   Each tile row keeps its own tokens and computes their rows of every expert in turn: no
//   all-to-all, but each expert's matmuls are a top_k / E sliver of the tokens over every tile.
//   (The few rows a tile row has more or fewer than the even split are moved within its tile
//   columns in the functional check; the mapper's expected counts are even, and move nothing.)
#include <functional>
#include <string>
#include <vector>

#include "compiler/plan.hpp"
#include "core/registry.hpp"

namespace wafersim::compiler {

struct MoeMappingEntry {
  std::string name;
  std::string summary;
  // Place in the order auto tries entries; 0: auto does not try it.
  int auto_order = 0;
  // Each expert's own tiles out of the region grid g (one group per expert, each a grid), or
  // empty: every expert uses all of g, and the tokens stay where the grid layout has them.
  std::function<std::vector<TileGrid>(const TileGrid& g, int experts)> expert_groups;
};
using MoeMappingRegistry = Registry<MoeMappingEntry>;

// g cut into one rectangle per expert: er x ec cells (er <= pr, ec <= pc, er ec >= experts) with
// the fewest idle cells, then the squarest cells; expert e gets cell e (row-major). With more
// experts than tiles, every tile is a cell and expert e shares cell e mod (pr pc).
std::vector<TileGrid> expert_rectangles(const TileGrid& g, int experts);

}  // namespace wafersim::compiler
