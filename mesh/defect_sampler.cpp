#include "mesh/defect_sampler.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>

#include "core/input_error.hpp"
#include "core/random.hpp"

namespace wafersim::mesh {
namespace {

enum Part { kCompute, kRouter, kLinkEast, kLinkNorth, kLinkWest, kLinkSouth };

struct PartPicker {
  double cut[5];
  explicit PartPicker(const CriticalArea& ca) {
    const double total = ca.compute + ca.router + 4 * ca.link;
    cut[0] = ca.compute / total;
    cut[1] = cut[0] + ca.router / total;
    cut[2] = cut[1] + ca.link / total;
    cut[3] = cut[2] + ca.link / total;
    cut[4] = cut[3] + ca.link / total;
  }
  Part pick(double u) const {
    for (int i = 0; i < 5; ++i) {
      if (u < cut[i]) return static_cast<Part>(i);
    }
    return kLinkSouth;
  }
  double share(int part) const { return part == 0 ? cut[0] : part < 5 ? cut[part] - cut[part - 1] : 1.0 - cut[4]; }
};

void hit(DefectMap& map, const Wafer& wafer, TileId t, Part part) {
  const int r = wafer.row_of(t), c = wafer.col_of(t);
  switch (part) {
    case kCompute: map.kill_compute(t); break;
    case kRouter: map.kill_router(t); break;
    case kLinkEast:
      if (wafer.is_site(r, c + 1)) map.kill_east_link(t);
      break;
    case kLinkSouth:
      if (wafer.is_site(r + 1, c)) map.kill_south_link(t);
      break;
    case kLinkWest:
      if (wafer.is_site(r, c - 1)) map.kill_east_link(wafer.id(r, c - 1));
      break;
    case kLinkNorth:
      if (wafer.is_site(r - 1, c)) map.kill_south_link(wafer.id(r - 1, c));
      break;
  }
}

// Poisson(mean) defects on tile t, spread over its parts, decide only which parts are hit at least
// once: by Poisson splitting, part j is hit with probability 1 - exp(-mean share_j), independently
// of the others. Drawing that directly costs 6 draws however large the mean (a Moore multiplier
// can be 1e300: placing its defects one by one never ended).
void hit_parts(DefectMap& map, const Wafer& wafer, TileId t, double mean, const PartPicker& picker, Rng& rng) {
  for (int part = 0; part < 6; ++part)
    if (rng.uniform01() < -std::expm1(-mean * picker.share(part))) hit(map, wafer, t, static_cast<Part>(part));
}

// Defects drawn in a block, for the killer count: Poisson, or its mean where that is past the
// range of exact draws (the relative spread is then below 1e-7).
std::uint64_t defect_count(Rng& rng, double mean) {
  if (mean <= 1e15) return poisson(rng, mean);
  return mean >= 9e18 ? std::uint64_t{9'000'000'000'000'000'000u} : static_cast<std::uint64_t>(std::llround(mean));
}

std::uint64_t saturating_add(std::uint64_t a, std::uint64_t b) { return a > UINT64_MAX - b ? UINT64_MAX : a + b; }

// Defects placed one by one cost a draw each; above this many per cell of a block, each tile's
// parts are drawn instead (hit_parts): the same law, at 6 draws a cell.
constexpr double kPerPartAbove = 6.0;

}  // namespace

std::vector<CellRect> cluster_block_rects(const Wafer& wafer, Block block) {
  std::vector<CellRect> out;
  if (block == Block::kTile) {
    for (int r = 0; r < wafer.rows(); ++r) {
      for (int c = 0; c < wafer.cols(); ++c) out.push_back({r, r + 1, c, c + 1});
    }
    return out;
  }
  if (block == Block::kWafer) {
    out.push_back({0, wafer.rows(), 0, wafer.cols()});
    return out;
  }
  // Reticle fields: runs of rows / cols with the same field index.
  auto runs = [](int n, const std::vector<int>& boundaries) {
    std::vector<std::pair<int, int>> r;
    int start = 0;
    for (int b : boundaries) {
      r.push_back({start, b});
      start = b;
    }
    r.push_back({start, n});
    return r;
  };
  for (const auto& [r0, r1] : runs(wafer.rows(), wafer.reticle_row_boundaries())) {
    for (const auto& [c0, c1] : runs(wafer.cols(), wafer.reticle_col_boundaries())) out.push_back({r0, r1, c0, c1});
  }
  return out;
}

std::vector<double> radial_weights(const Wafer& wafer, const DefectSpec& spec) {
  std::vector<double> w(wafer.cells(), 0.0);
  const double R = wafer.spec().usable_radius_mm();
  for (int r = 0; r < wafer.rows(); ++r) {
    for (int c = 0; c < wafer.cols(); ++c) {
      if (wafer.is_site(r, c)) w[wafer.id(r, c)] = spec.radial.weight(wafer.tile_center_radius_mm(r, c), R);
    }
  }
  return w;
}

DefectMap sample_defects(const Wafer& wafer, const DefectSpec& spec, std::uint64_t seed) {
  DefectMap map(wafer);
  const Rng base(seed);
  Rng multiplier_rng = base.stream(1);
  Rng place_rng = base.stream(2);
  Rng speed_rng = base.stream(3);
  const PartPicker picker(spec.critical);
  const double lambda = spec.lambda_per_tile(wafer.spec().tile_area_mm2());
  std::uint64_t killers = 0;

  if (spec.dead_tile_fraction) {
    // Exactly round(f x sites) dead tiles, uniformly without replacement (partial Fisher-Yates).
    std::vector<TileId> sites;
    for (TileId t = 0; t < wafer.cells(); ++t) {
      if (wafer.is_site(t)) sites.push_back(t);
    }
    const auto dead = static_cast<std::size_t>(std::llround(*spec.dead_tile_fraction * static_cast<double>(sites.size())));
    for (std::size_t i = 0; i < dead; ++i) {
      std::swap(sites[i], sites[i + place_rng.uniform_int(sites.size() - i)]);
      map.kill_compute(sites[i]);
      map.kill_router(sites[i]);
    }
    killers = dead;
  } else if (lambda > 0.0) {
    const bool radial = !spec.radial.uniform();
    std::vector<double> weight;
    if (radial) weight = radial_weights(wafer, spec);
    auto w = [&](TileId t) { return radial ? weight[t] : 1.0; };
    // Every defect is placed one by one: bound the work before starting.
    double expected = 0.0;
    for (TileId t = 0; t < wafer.cells(); ++t)
      if (wafer.is_site(t)) expected += lambda * w(t);
    if (expected > kMaxDefectsPerWafer)
      throw InputError(fmt::format("defects: d0_per_cm2 {:g} on this wafer's {} tile sites is {:.3g} killer defects per sampled wafer "
                                   "to place one by one; at most {:.0e} (lower d0_per_cm2 or the wafer's size)",
                                   spec.d0_per_cm2, wafer.site_count(), expected, kMaxDefectsPerWafer));

    if (spec.cluster_block == Block::kTile) {
      for (TileId t = 0; t < wafer.cells(); ++t) {
        if (!wafer.is_site(t)) continue;
        const double m = spec.model->sample_multiplier(multiplier_rng);
        const double mean = lambda * w(t) * m;
        if (mean > kPerPartAbove) {
          killers = saturating_add(killers, defect_count(place_rng, mean));
          hit_parts(map, wafer, t, mean, picker, place_rng);
          continue;
        }
        const std::uint64_t n = poisson(place_rng, mean);
        for (std::uint64_t k = 0; k < n; ++k) hit(map, wafer, t, picker.pick(place_rng.uniform01()));
        killers += n;
      }
    } else {
      for (const CellRect& b : cluster_block_rects(wafer, spec.cluster_block)) {
        double weight_sum = 0.0, weight_max = 0.0;
        for (int r = b.r0; r < b.r1; ++r) {
          for (int c = b.c0; c < b.c1; ++c) {
            if (!wafer.is_site(r, c)) continue;
            weight_sum += w(wafer.id(r, c));
            weight_max = std::max(weight_max, w(wafer.id(r, c)));
          }
        }
        const double m = spec.model->sample_multiplier(multiplier_rng);
        if (weight_sum == 0.0) continue;
        const double mean = lambda * weight_sum * m;
        const std::uint64_t width = static_cast<std::uint64_t>(b.c1 - b.c0);
        const std::uint64_t cells = width * static_cast<std::uint64_t>(b.r1 - b.r0);
        if (mean > kPerPartAbove * static_cast<double>(cells)) {
          killers = saturating_add(killers, defect_count(place_rng, mean));
          for (int r = b.r0; r < b.r1; ++r)
            for (int c = b.c0; c < b.c1; ++c)
              if (wafer.is_site(r, c)) hit_parts(map, wafer, wafer.id(r, c), mean * w(wafer.id(r, c)) / weight_sum, picker, place_rng);
          continue;
        }
        const std::uint64_t n = poisson(place_rng, mean);
        for (std::uint64_t k = 0; k < n; ++k) {
          // Uniform cell of the block, kept if it is a site, with probability w / w_max.
          for (;;) {
            const std::uint64_t cell = place_rng.uniform_int(cells);
            const int r = b.r0 + static_cast<int>(cell / width), c = b.c0 + static_cast<int>(cell % width);
            if (!wafer.is_site(r, c)) continue;
            const TileId t = wafer.id(r, c);
            if (radial && place_rng.uniform01() * weight_max >= w(t)) continue;
            hit(map, wafer, t, picker.pick(place_rng.uniform01()));
            break;
          }
        }
        killers += n;
      }
    }
  }
  map.set_killer_defects(killers);

  if (spec.speed.sigma > 0.0) {
    const double shared = std::sqrt(spec.speed.correlation), own = std::sqrt(1.0 - spec.speed.correlation);
    std::vector<double> block_z;
    if (spec.speed.block == Block::kWafer) block_z.push_back(normal(speed_rng));
    if (spec.speed.block == Block::kReticle) {
      block_z.resize(wafer.reticle_count());
      for (double& z : block_z) z = normal(speed_rng);
    }
    for (TileId t = 0; t < wafer.cells(); ++t) {
      if (!wafer.is_site(t)) continue;
      double zb = 0.0;
      if (spec.speed.block == Block::kTile) zb = normal(speed_rng);
      if (spec.speed.block == Block::kWafer) zb = block_z[0];
      if (spec.speed.block == Block::kReticle) zb = block_z[wafer.reticle_index(wafer.row_of(t), wafer.col_of(t))];
      const double zt = normal(speed_rng);
      map.set_speed(t, static_cast<float>(std::exp(spec.speed.sigma * (shared * zb + own * zt))));
    }
  }
  return map;
}

}  // namespace wafersim::mesh
