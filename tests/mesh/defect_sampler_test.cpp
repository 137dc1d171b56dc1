// The defect sampler: determinism, the critical-area split, the radial profile and speed factors.
#include "mesh/defect_sampler.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <filesystem>
#include <memory>

#include "core/csv.hpp"
#include "core/input_error.hpp"
#include "mesh/yield_model.hpp"
#include "test_util.hpp"

namespace wafersim::mesh {
namespace {

TEST(DefectSampler, SameSeedSameMapOtherSeedOtherMap) {
  const SystemConfig cfg = testing::config_from(testing::rect_wafer(60, 60) +
                                                "defects: {model: negative_binomial, alpha: 1, d0_per_cm2: 5, cluster_block: reticle,"
                                                " speed: {sigma: 0.1}}\n");
  const Wafer w(cfg.wafer);
  const auto dir = std::filesystem::temp_directory_path();
  sample_defects(w, cfg.defects, 11).save_csv(dir / "ws_a.csv");
  sample_defects(w, cfg.defects, 11).save_csv(dir / "ws_b.csv");
  sample_defects(w, cfg.defects, 12).save_csv(dir / "ws_c.csv");
  EXPECT_EQ(read_text_file(dir / "ws_a.csv"), read_text_file(dir / "ws_b.csv"));
  EXPECT_NE(read_text_file(dir / "ws_a.csv"), read_text_file(dir / "ws_c.csv"));
}

// Absurd densities are input errors with their range (d0 = 1e300 sampled 0 defects beside a
// closed-form yield of 0; 1e12 placed defects one by one for ever), and the work a sampled wafer
// takes is bounded before it starts.
TEST(DefectSampler, DensitiesOutOfRangeAndUnboundedWorkAreRefused) {
  for (const char* d0 : {"1e300", "1e12", "-1"})
    try {
      testing::config_from(testing::rect_wafer(8, 8) + "defects: {model: poisson, d0_per_cm2: " + d0 + "}\n");
      ADD_FAILURE() << d0;
    } catch (const InputError& e) {
      EXPECT_NE(std::string(e.what()).find("defects.d0_per_cm2: must be in [0, 10000]"), std::string::npos) << e.what();
    }
  SystemConfig cfg = testing::config_from(testing::rect_wafer(60, 60) + "defects: {model: poisson, d0_per_cm2: 1}\n");
  cfg.defects.d0_per_cm2 = 1e9;  // past the YAML range, as a program could set it: 3.6e9 defects
  const Wafer w(cfg.wafer);
  try {
    sample_defects(w, cfg.defects, 1);
    ADD_FAILURE() << "sampled";
  } catch (const InputError& e) {
    EXPECT_NE(std::string(e.what()).find("killer defects per sampled wafer"), std::string::npos) << e.what();
  }
}

TEST(DefectSampler, CriticalAreaSplitDecidesWhatDies) {
  const std::string wafer = testing::rect_wafer(50, 50);
  {
    const SystemConfig cfg = testing::config_from(wafer + "defects: {d0_per_cm2: 20, critical_area: {compute: 1, router: 0, link: 0}}\n");
    const auto c = sample_defects(Wafer(cfg.wafer), cfg.defects, 1).counts();
    EXPECT_GT(c.compute_dead, 300u);
    EXPECT_EQ(c.router_dead, 0u);
    EXPECT_EQ(c.links_dead, 0u);
  }
  {
    const SystemConfig cfg = testing::config_from(wafer + "defects: {d0_per_cm2: 20, critical_area: {compute: 0, router: 0, link: 0.25}}\n");
    const auto c = sample_defects(Wafer(cfg.wafer), cfg.defects, 1).counts();
    EXPECT_EQ(c.compute_dead + c.router_dead, 0u);
    // 2500 tiles x lambda 0.2 = 500 defects, each on one of four link halves; those on the rim's
    // outward halves (200 of 10000) kill nothing. Links dead ~ 490, some hit twice.
    EXPECT_GT(c.links_dead, 380u);
    EXPECT_LT(c.links_dead, 560u);
  }
  {
    // Half compute, half router: equal counts within binomial noise (n ~ 500, sd ~ 11).
    const SystemConfig cfg = testing::config_from(wafer + "defects: {d0_per_cm2: 20, critical_area: {compute: 0.5, router: 0.5, link: 0}}\n");
    const auto c = sample_defects(Wafer(cfg.wafer), cfg.defects, 3).counts();
    EXPECT_NEAR(static_cast<double>(c.compute_dead) / (c.compute_dead + c.router_dead), 0.5, 0.08);
  }
}

// Edge 4x worse than the centre: the inner and outer tiles each match the mean of
// Y(lambda * w(r)) over their own tiles.
TEST(DefectSampler, RadialProfileMakesTheRimWorseAsTheClosedFormSays) {
  for (const char* block : {"tile", "wafer"}) {
    const SystemConfig cfg = testing::config_from(
        "wafer: {tile: {width_mm: 2, height_mm: 2}, edge_exclusion_mm: 0}\n"
        "defects: {d0_per_cm2: 5, cluster_block: " + std::string(block) +
        ", radial: {edge_factor: 4, exponent: 2}, critical_area: {compute: 1, router: 0, link: 0}}\n");
    const Wafer w(cfg.wafer);
    const std::vector<double> weight = radial_weights(w, cfg.defects);
    const double lambda = cfg.defects.lambda_per_tile(4.0);
    double expected[2] = {0, 0};
    std::size_t n[2] = {0, 0}, alive[2] = {0, 0};
    auto ring = [&](TileId t) { return w.tile_center_radius_mm(w.row_of(t), w.col_of(t)) < 100.0 ? 0 : 1; };
    for (TileId t = 0; t < w.cells(); ++t) {
      if (w.is_site(t)) expected[ring(t)] += std::exp(-lambda * weight[t]);
    }
    const int wafers = 8;
    for (int s = 0; s < wafers; ++s) {
      const DefectMap m = sample_defects(w, cfg.defects, 100 + s);
      for (TileId t = 0; t < w.cells(); ++t) {
        if (!w.is_site(t)) continue;
        ++n[ring(t)];
        alive[ring(t)] += m.tile_alive(t);
      }
    }
    for (int i = 0; i < 2; ++i) {
      const double y = expected[i] / (n[i] / wafers);
      EXPECT_NEAR(static_cast<double>(alive[i]) / n[i], y, 3 * std::sqrt(y * (1 - y) / n[i])) << block << " ring " << i;
    }
    EXPECT_LT(expected[1] / (n[1] / wafers), expected[0] / (n[0] / wafers) - 0.05);
  }
}

TEST(DefectSampler, SpeedFactorsHaveTheirLogVarianceAndBlockCorrelation) {
  const SystemConfig cfg = testing::config_from(testing::rect_wafer(100, 104, "{width_mm: 26, height_mm: 25}") +
                                                "defects: {speed: {sigma: 0.1, correlation: 0.6, block: reticle}}\n");
  const Wafer w(cfg.wafer);
  double s = 0, ss = 0, same = 0, other = 0;
  std::size_t n = 0, n_same = 0, n_other = 0;
  for (int seed = 1; seed <= 40; ++seed) {
    const DefectMap m = sample_defects(w, cfg.defects, seed);
    for (TileId t = 0; t < w.cells(); ++t) {
      const double x = std::log(m.speed(t));
      s += x;
      ss += x * x;
      ++n;
    }
    // Pairs in one 26 x 25 field, (r, 1)-(r+20, 21), and in neighbouring fields, (r, 1)-(r, 31).
    for (int k = 0; k < 4; ++k) {
      const int r = 25 * k;
      const double a2 = std::log(m.speed(w.id(r, 1))), b2 = std::log(m.speed(w.id(r + 20, 21))), c2 = std::log(m.speed(w.id(r, 31)));
      same += a2 * b2;
      other += a2 * c2;
      n_same++;
      n_other++;
    }
  }
  EXPECT_NEAR(s / n, 0.0, 0.01);
  EXPECT_NEAR(ss / n, 0.01, 0.001);
  EXPECT_NEAR(same / n_same / 0.01, 0.6, 0.25);
  EXPECT_NEAR(other / n_other / 0.01, 0.0, 0.25);
}

// A density multiplier of any size (a Moore draw 1 / (2 Z^2) can be 1e300; the mean of Moore's M
// is infinite) costs a bounded number of draws: each part of a tile is hit at least once with
// probability 1 - exp(-mean x share), which is what placing the Poisson(mean) defects one by one
// decides (that never ended, or threw past 1e15 defects).
struct FixedMultiplier final : YieldModel {
  double m;
  explicit FixedMultiplier(double multiplier) : m(multiplier) {}
  std::string name() const override { return "fixed"; }
  double yield(double lambda) const override { return std::exp(-lambda * m); }
  double sample_multiplier(Rng&) const override { return m; }
};

TEST(DefectSampler, HugeDensityMultipliersSaturateTilesInBoundedTime) {
  for (const char* block : {"tile", "reticle", "wafer"}) {
    SystemConfig cfg = testing::config_from(testing::rect_wafer(40, 40) + "defects: {model: poisson, d0_per_cm2: 1, cluster_block: " + block +
                                            ", critical_area: {compute: 0.5, router: 0.3, link: 0.05}}\n");
    const Wafer w(cfg.wafer);
    cfg.defects.model = std::make_shared<FixedMultiplier>(1e300);
    const DefectMap all = sample_defects(w, cfg.defects, 3);
    const auto c = all.counts();
    EXPECT_EQ(c.tiles_alive, 0u) << block;
    EXPECT_EQ(c.links_dead, c.links) << block;
    EXPECT_GE(all.killer_defects(), 9'000'000'000'000'000'000u) << block;  // saturated, not wrapped

    // A mean of 2 defects a tile (lambda is 0.01 for 1 mm^2 at d0 = 1): compute (0.5 of the
    // critical area 0.5 + 0.3 + 4 x 0.05) dies with probability 1 - exp(-2 x 0.5), within 4 sigma
    // over the 1600 tiles.
    cfg.defects.model = std::make_shared<FixedMultiplier>(200.0);
    const double lambda = cfg.defects.lambda_per_tile(w.spec().tile_area_mm2()) * 200.0;
    const double p = 1.0 - std::exp(-lambda * 0.5);
    const double dead = static_cast<double>(sample_defects(w, cfg.defects, 4).counts().compute_dead);
    EXPECT_NEAR(dead / 1600.0, p, 4.0 * std::sqrt(p * (1 - p) / 1600.0)) << block << " lambda " << lambda;
  }
}

}  // namespace
}  // namespace wafersim::mesh
