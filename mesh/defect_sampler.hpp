#pragma once
// Draws one wafer's DefectMap from a DefectSpec.
//
// For each clustering block (a tile, a reticle field or the whole wafer) the density multiplier M
// is drawn from the yield model; the block then gets Poisson(lambda_tile * M * sum of the radial
// weights of its sites) killer defects, each placed on one of its sites with probability
// proportional to the site's radial weight. (Per tile this is Poisson(lambda_tile * w * M), by the
// splitting property, so a tile's marginal survival is exactly Y(lambda_tile * w * share).) Each
// defect lands on a part of the tile by the critical-area split: compute, router, or one of four
// link halves; a hit on a link half towards a non-site kills nothing.
//
// Speed factors are exp(sigma * (sqrt(rho) Z_block + sqrt(1 - rho) Z_tile)), so the log-variance
// is sigma^2 for every tile and rho is the correlation of two tiles in the same block.
//
// Randomness: three independent streams of Rng(seed) (multipliers, placement, speed), each
// consumed in a fixed order, so a seed gives the same map everywhere.
#include <cstdint>

#include "mesh/defect_map.hpp"
#include "mesh/defect_spec.hpp"
#include "mesh/wafer.hpp"

namespace wafersim::mesh {

// The most killer defects a sampled wafer may expect (d0 x area x critical area, before the yield
// model's multiplier): each is placed one by one, about 1e8 per second. An InputError beyond.
inline constexpr double kMaxDefectsPerWafer = 1e8;

DefectMap sample_defects(const Wafer& wafer, const DefectSpec& spec, std::uint64_t seed);

// The clustering blocks of a wafer as half-open rectangles of grid cells [r0, r1) x [c0, c1), in the
// order the sampler draws them (one per tile for Block::kTile).
struct CellRect {
  int r0, r1, c0, c1;
};
std::vector<CellRect> cluster_block_rects(const Wafer& wafer, Block block);

// Radial density weight of every cell (0 for non-sites).
std::vector<double> radial_weights(const Wafer& wafer, const DefectSpec& spec);

}  // namespace wafersim::mesh
