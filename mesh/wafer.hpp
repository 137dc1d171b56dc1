#pragma once
// The tile sites of one wafer: a grid of tiles at the tile pitch, with the reticle-field grid over
// it, clipped to the usable disk.
//
// Tiles are addressed by their cell in the bounding grid, TileId = row * cols + col, row 0 at the
// top (largest y) and col 0 at the left; cells that are not sites (off the disk) exist in the
// indexing but hold no tile. Coordinates in mm have the wafer centre at (0, 0).
//
// Grid alignment: the tile grid and the reticle grid are both centred on the wafer. With disk
// placement a tile-grid line and a reticle-field boundary pass through the centre in x and in y;
// with rectangle placement the block of rows x cols is centred, and the reticle grid is laid from
// the block's top-left corner (fields are stepped from the array's origin, as a stepper exposes
// a stitched array).
#include <cstdint>
#include <vector>

#include "mesh/wafer_spec.hpp"

namespace wafersim::mesh {

using TileId = std::uint32_t;
inline constexpr TileId kNoTile = 0xffffffffu;

class Wafer {
 public:
  explicit Wafer(const WaferSpec& spec);

  const WaferSpec& spec() const { return spec_; }
  int rows() const { return rows_; }
  int cols() const { return cols_; }
  std::size_t cells() const { return static_cast<std::size_t>(rows_) * cols_; }
  std::size_t site_count() const { return site_count_; }
  bool is_site(int row, int col) const {
    return row >= 0 && col >= 0 && row < rows_ && col < cols_ && site_[static_cast<std::size_t>(row) * cols_ + col];
  }
  bool is_site(TileId id) const { return id < cells() && site_[id]; }
  TileId id(int row, int col) const { return static_cast<TileId>(row) * cols_ + col; }
  int row_of(TileId id) const { return static_cast<int>(id / cols_); }
  int col_of(TileId id) const { return static_cast<int>(id % cols_); }

  // Lower-left corner of a tile, in mm from the wafer centre (y grows upwards, rows downwards).
  double tile_x_mm(int col) const { return x0_mm_ + col * spec_.pitch_x_mm(); }
  double tile_y_mm(int row) const { return y0_mm_ - row * spec_.pitch_y_mm(); }
  double tile_center_radius_mm(int row, int col) const;

  // Reticle field coordinates of a tile, and the field grid.
  int reticle_col(int col) const { return floor_div(col - reticle_col_origin_, tiles_per_reticle_x_); }
  int reticle_row(int row) const { return floor_div(row - reticle_row_origin_, tiles_per_reticle_y_); }
  int tiles_per_reticle_x() const { return tiles_per_reticle_x_; }
  int tiles_per_reticle_y() const { return tiles_per_reticle_y_; }
  // Index of a tile's reticle field, dense over the fields that hold at least one grid cell.
  std::uint32_t reticle_index(int row, int col) const;
  std::uint32_t reticle_count() const;
  // Do two tiles lie in different reticle fields (a link between them crosses a stitch boundary)?
  bool crosses_reticle(TileId a, TileId b) const {
    return reticle_col(col_of(a)) != reticle_col(col_of(b)) || reticle_row(row_of(a)) != reticle_row(row_of(b));
  }
  // Field boundaries as grid-line indices (a boundary before column c / row r), for drawing.
  std::vector<int> reticle_col_boundaries() const;
  std::vector<int> reticle_row_boundaries() const;

  std::size_t memory_bytes() const { return site_.capacity(); }

 private:
  static int floor_div(int a, int b) { return a >= 0 ? a / b : -((-a + b - 1) / b); }
  WaferSpec spec_;
  int rows_ = 0;
  int cols_ = 0;
  double x0_mm_ = 0.0;  // left edge of column 0
  double y0_mm_ = 0.0;  // bottom edge of row 0
  int tiles_per_reticle_x_ = 1;
  int tiles_per_reticle_y_ = 1;
  int reticle_col_origin_ = 0;  // a column that starts a field
  int reticle_row_origin_ = 0;
  std::vector<std::uint8_t> site_;
  std::size_t site_count_ = 0;
};

}  // namespace wafersim::mesh
