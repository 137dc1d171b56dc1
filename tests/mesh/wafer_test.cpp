// Tile sites on the wafer against an independent count and the textbook gross-die formula.
#include "mesh/wafer.hpp"

#include <gtest/gtest.h>

#include <cmath>

#include "core/input_error.hpp"
#include "test_util.hpp"

namespace wafersim::mesh {
namespace {

// Independent count of w x h dies wholly inside a circle of radius R, grid lines through the
// centre: for each column, the corner farthest from the axis limits the half-height available.
long exact_count(double R, double w, double h) {
  long n = 0;
  const int kmax = static_cast<int>(R / w) + 2;
  for (int i = -kmax; i < kmax; ++i) {
    const double x = std::max(std::fabs(i * w), std::fabs((i + 1) * w));
    if (x > R) continue;
    n += 2 * static_cast<long>(std::floor(std::sqrt(R * R - x * x) / h + 1e-12));
  }
  return n;
}

// Textbook gross dies per wafer: pi d^2 / (4 S) - pi d / sqrt(2 S).
double textbook(double d, double S) { return M_PI * d * d / (4 * S) - M_PI * d / std::sqrt(2 * S); }

Wafer disk_wafer(double w, double h, double exclusion = 0) {
  WaferSpec s;
  s.tile_width_mm = w;
  s.tile_height_mm = h;
  s.edge_exclusion_mm = exclusion;
  return Wafer(s);
}

// Sizes outside a physical range, and grids too large to allocate, are input errors naming the
// key (tiles of 1e-8 mm and a 1e300 mm wafer overflowed the grid to "-2 x -2", and 0.001 mm tiles
// tried to allocate 9e10 cells).
TEST(Wafer, SizesOutOfRangeAndHugeGridsAreInputErrors) {
  auto error_of = [](const std::string& wafer) {
    try {
      testing::config_from("wafer: {" + wafer + ", edge_exclusion_mm: 0}\nrepair: {strategy: none}\n");
    } catch (const InputError& e) {
      return std::string(e.what());
    }
    return std::string("accepted");
  };
  EXPECT_NE(error_of("tile: {width_mm: 1e-8, height_mm: 1}").find("wafer.tile.width_mm: must be in [0.01, 1000]"), std::string::npos);
  EXPECT_NE(error_of("tile: {width_mm: 1, height_mm: 1}, diameter_mm: 1e300").find("wafer.diameter_mm: must be in [1, 1000]"), std::string::npos);
  EXPECT_NE(error_of("tile: {width_mm: 0.02, height_mm: 0.02}").find("make a grid of 2.25e+08 cells"), std::string::npos)
      << error_of("tile: {width_mm: 0.02, height_mm: 0.02}");
  EXPECT_EQ(error_of("tile: {width_mm: 0.1, height_mm: 0.1}"), "accepted");  // 3000 x 3000
}

TEST(Wafer, DiskSitesMatchAnIndependentCornerInCircleCount) {
  EXPECT_EQ(disk_wafer(10, 10).site_count(), 648u);  // also known by hand for 10 mm dies on 300 mm
  for (auto [w, h] : {std::pair{5.0, 5.0}, {26.0, 33.0}, {20.0, 20.0}, {1.0, 1.0}, {7.3, 11.1}, {0.5, 0.5}}) {
    EXPECT_EQ(static_cast<long>(disk_wafer(w, h).site_count()), exact_count(150, w, h)) << w << " x " << h;
  }
  EXPECT_EQ(static_cast<long>(disk_wafer(10, 10, 5).site_count()), exact_count(145, 10, 10));
}

TEST(Wafer, TextbookGrossDieFormulaIsCloseForSmallDies) {
  // The formula approximates the edge loss; it is good to ~1% for dies up to 10 x 10 mm and
  // degrades for reticle-sized dies (it gives 59.6 where 64 fit for 26 x 33 mm).
  for (double a : {0.5, 1.0, 5.0, 10.0}) {
    const double n = static_cast<double>(disk_wafer(a, a).site_count());
    EXPECT_NEAR(n / textbook(300, a * a), 1.0, 0.015) << a;
  }
  EXPECT_NEAR(disk_wafer(26, 33).site_count() / textbook(300, 26 * 33), 1.0, 0.10);
}

TEST(Wafer, SitesLieOnTheUsableDisk) {
  const Wafer w = disk_wafer(10, 10, 3);
  for (int r = 0; r < w.rows(); ++r) {
    for (int c = 0; c < w.cols(); ++c) {
      if (!w.is_site(r, c)) continue;
      for (double dx : {0.0, 10.0}) {
        for (double dy : {0.0, 10.0}) EXPECT_LE(std::hypot(w.tile_x_mm(c) + dx, w.tile_y_mm(r) + dy), 147.0 + 1e-9);
      }
    }
  }
}

TEST(Wafer, ReticleFieldsAndTheLinksThatCrossThem) {
  // 1 mm tiles, 0.1 mm scribe: a 26 mm field holds floor(26.1 / 1.1) = 23 tiles across,
  // a 33 mm field floor(33.1 / 1.1) = 30 down.
  const SystemConfig cfg = testing::config_from(
      "wafer: {tile: {width_mm: 1, height_mm: 1}, scribe_mm: 0.1, placement: rectangle, rows: 60, cols: 50}\n");
  const Wafer w(cfg.wafer);
  EXPECT_EQ(w.tiles_per_reticle_x(), 23);
  EXPECT_EQ(w.tiles_per_reticle_y(), 30);
  EXPECT_EQ(w.reticle_col_boundaries(), (std::vector<int>{23, 46}));
  EXPECT_EQ(w.reticle_row_boundaries(), (std::vector<int>{30}));
  EXPECT_TRUE(w.crosses_reticle(w.id(0, 22), w.id(0, 23)));
  EXPECT_FALSE(w.crosses_reticle(w.id(0, 21), w.id(0, 22)));
  EXPECT_TRUE(w.crosses_reticle(w.id(29, 5), w.id(30, 5)));
  EXPECT_EQ(w.reticle_count(), 6u);
  EXPECT_EQ(w.site_count(), 3000u);
}

TEST(Wafer, DiskReticleGridIsCentred) {
  const Wafer w = disk_wafer(1, 1);
  // Column boundaries symmetric about the centre line: as many fields left as right of it.
  const auto b = w.reticle_col_boundaries();
  ASSERT_FALSE(b.empty());
  EXPECT_DOUBLE_EQ(w.tile_x_mm(b.front()) + w.tile_x_mm(b.back()), 0.0);
}

}  // namespace
}  // namespace wafersim::mesh
