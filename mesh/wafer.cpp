#include "mesh/wafer.hpp"

#include <algorithm>
#include <cmath>

#include "core/input_error.hpp"

namespace wafersim::mesh {
namespace {

// Tiles of pitch p that fit in a field of width w when neighbours are p - tile apart:
// n tiles span n * p - scribe.
int tiles_per_field(double field_mm, double pitch_mm, double scribe_mm) {
  return std::max(1, static_cast<int>(std::floor((field_mm + scribe_mm) / pitch_mm + 1e-9)));
}

}  // namespace

Wafer::Wafer(const WaferSpec& spec) : spec_(spec) {
  const double px = spec.pitch_x_mm();
  const double py = spec.pitch_y_mm();
  const double w = spec.tile_width_mm;
  const double h = spec.tile_height_mm;
  tiles_per_reticle_x_ = tiles_per_field(spec.reticle_width_mm, px, spec.scribe_mm);
  tiles_per_reticle_y_ = tiles_per_field(spec.reticle_height_mm, py, spec.scribe_mm);

  if (spec.placement == Placement::kRectangle) {
    rows_ = spec.rows;
    cols_ = spec.cols;
    x0_mm_ = -(cols_ * px - spec.scribe_mm) / 2.0;
    y0_mm_ = (rows_ * py - spec.scribe_mm) / 2.0 - h;
    reticle_col_origin_ = 0;
    reticle_row_origin_ = 0;
    site_.assign(cells(), 1);
    site_count_ = cells();
    return;
  }

  // Disk placement. Column k spans x in [k px, k px + w]; row m spans y in [m py, m py + h]; the
  // tile is a site when all four corners lie within the usable radius.
  const double r = spec.usable_radius_mm();
  const double r2 = r * r;
  const int kmax = static_cast<int>(std::ceil(r / px)) + 1;
  const int mmax = static_cast<int>(std::ceil(r / py)) + 1;
  auto fits = [&](int k, int m) {
    const double xa = k * px, xb = k * px + w, ya = m * py, yb = m * py + h;
    const double fx = std::max(xa * xa, xb * xb), fy = std::max(ya * ya, yb * yb);
    return fx + fy <= r2;
  };
  int kmin_site = kmax, kmax_site = -kmax - 1, mmin_site = mmax, mmax_site = -mmax - 1;
  for (int m = -mmax; m <= mmax; ++m) {
    for (int k = -kmax; k <= kmax; ++k) {
      if (!fits(k, m)) continue;
      kmin_site = std::min(kmin_site, k);
      kmax_site = std::max(kmax_site, k);
      mmin_site = std::min(mmin_site, m);
      mmax_site = std::max(mmax_site, m);
    }
  }
  if (kmin_site > kmax_site) {
    throw InputError("wafer: no tile fits on the usable disk (the tile is too large for the wafer)");
  }
  cols_ = kmax_site - kmin_site + 1;
  rows_ = mmax_site - mmin_site + 1;
  x0_mm_ = kmin_site * px;
  y0_mm_ = mmax_site * py;  // row 0 is the top row, m = mmax_site
  reticle_col_origin_ = -kmin_site;
  reticle_row_origin_ = mmax_site + 1;  // the row just below the centre line starts a field going down
  site_.assign(cells(), 0);
  for (int row = 0; row < rows_; ++row) {
    const int m = mmax_site - row;
    for (int col = 0; col < cols_; ++col) {
      if (fits(kmin_site + col, m)) {
        site_[static_cast<std::size_t>(row) * cols_ + col] = 1;
        ++site_count_;
      }
    }
  }
}

double Wafer::tile_center_radius_mm(int row, int col) const {
  const double cx = tile_x_mm(col) + spec_.tile_width_mm / 2.0;
  const double cy = tile_y_mm(row) + spec_.tile_height_mm / 2.0;
  return std::hypot(cx, cy);
}

std::uint32_t Wafer::reticle_index(int row, int col) const {
  const int rc0 = reticle_col(0), rr0 = reticle_row(0);
  const int ncols = reticle_col(cols_ - 1) - rc0 + 1;
  return static_cast<std::uint32_t>((reticle_row(row) - rr0) * ncols + (reticle_col(col) - rc0));
}

std::uint32_t Wafer::reticle_count() const {
  const int ncols = reticle_col(cols_ - 1) - reticle_col(0) + 1;
  const int nrows = reticle_row(rows_ - 1) - reticle_row(0) + 1;
  return static_cast<std::uint32_t>(ncols * nrows);
}

std::vector<int> Wafer::reticle_col_boundaries() const {
  std::vector<int> out;
  for (int c = 1; c < cols_; ++c) {
    if (reticle_col(c) != reticle_col(c - 1)) out.push_back(c);
  }
  return out;
}

std::vector<int> Wafer::reticle_row_boundaries() const {
  std::vector<int> out;
  for (int r = 1; r < rows_; ++r) {
    if (reticle_row(r) != reticle_row(r - 1)) out.push_back(r);
  }
  return out;
}

}  // namespace wafersim::mesh
