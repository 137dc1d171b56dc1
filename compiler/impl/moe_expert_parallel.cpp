// expert_parallel: each expert on its own rectangle of tiles, tokens by an all-to-all
// (compiler/moe_mapping.hpp).
#include <cmath>
#include <limits>

#include "compiler/moe_mapping.hpp"
#include "compiler/plan_builder.hpp"

namespace wafersim::compiler {

std::vector<TileGrid> expert_rectangles(const TileGrid& g, int experts) {
  int best_r = g.pr, best_c = g.pc;
  double best_idle = std::numeric_limits<double>::infinity(), best_aspect = 0;
  for (int er = 1; er <= std::min(g.pr, experts); ++er) {
    const int ec = (experts + er - 1) / er;
    if (ec > g.pc) continue;
    const double idle = er * ec - experts;
    const double aspect = std::abs(std::log((static_cast<double>(g.pr) / er) / (static_cast<double>(g.pc) / ec)));
    if (idle < best_idle || (idle == best_idle && aspect < best_aspect)) best_idle = idle, best_aspect = aspect, best_r = er, best_c = ec;
  }
  std::vector<TileGrid> out(static_cast<std::size_t>(experts));
  for (int e = 0; e < experts; ++e) {
    const int cell = e % (best_r * best_c), ci = cell / best_c, cj = cell % best_c;
    const int r0 = static_cast<int>(part_begin(g.pr, best_r, ci)), r1 = static_cast<int>(part_end(g.pr, best_r, ci));
    const int c0 = static_cast<int>(part_begin(g.pc, best_c, cj)), c1 = static_cast<int>(part_end(g.pc, best_c, cj));
    TileGrid& s = out[static_cast<std::size_t>(e)];
    s.pr = r1 - r0;
    s.pc = c1 - c0;
    for (int i = r0; i < r1; ++i)
      for (int j = c0; j < c1; ++j) s.tiles.push_back(g.at(i, j));
  }
  return out;
}

namespace {

const Registration<MoeMappingEntry> kRegister{{
    "expert_parallel",
    "each expert on its own rectangle of tiles; tokens go to their experts and back by an all-to-all inside the wafer, the experts "
    "run side by side",
    1,
    expert_rectangles,
}};

}  // namespace
}  // namespace wafersim::compiler
