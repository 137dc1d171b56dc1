// Repair strategies "spare_rows" and "spare_cols": spare tiles in every window of a line, dead tiles
// shifted past, as WSE-class parts present a perfect logical rectangle.
//
// spare_rows: each physical column is cut, from the top, into windows of `window` tiles; `spares` of
// each window's tiles are spare. Within a window the logical tiles are the first window - spares
// working tiles in order, so a dead tile pushes the ones below it down by one, into the spare. If a
// window of some column has more than `spares` dead tiles, that band of windows cannot supply all
// its logical rows in that column; the band then keeps only as many logical rows as its worst
// column can supply (the logical array stays rectangular but shrinks) and the array is not formed.
// spare_cols does the same along rows.
//
// Links: two logically adjacent tiles that are physical neighbours use their physical link (dead if
// the defect map says so). Otherwise they use a bypass wire of the redundancy network whose
// physical length in tiles is |dp| along the line (dp = difference of positions), or
// 1 + |dp| across lines. Bypass wires are assumed to work: their own defects are not modelled.
//
// Keys: window (2..127, default 100), spares (0..window-1, default 1): about 1% redundancy, the
// figure Cerebras gives for its WSE parts (Hot Chips 31, 2019).
#include <fmt/format.h>

#include <algorithm>
#include <cstdlib>

#include "mesh/repair.hpp"

namespace wafersim::mesh {
namespace {

class SpareShiftRepair final : public RepairStrategy {
 public:
  SpareShiftRepair(std::string name, bool along_columns, int window, int spares)
      : name_(std::move(name)), along_columns_(along_columns), window_(window), spares_(spares) {}

  std::string name() const override { return name_; }

  std::pair<int, int> nominal_shape(const Wafer& wafer) const override {
    int logical = 0;
    for (int w = 0; w < band_count(wafer); ++w) logical += std::max(0, band_size(wafer, w) - spares_);
    return along_columns_ ? std::pair{logical, wafer.cols()} : std::pair{wafer.rows(), logical};
  }

  double formed_probability(const Wafer& wafer, const std::vector<double>& p_dead) const override {
    double p = 1.0;
    std::vector<double> window_p;
    for (int line = 0; line < line_count(wafer); ++line) {
      for (int w = 0; w < band_count(wafer); ++w) {
        window_p.clear();
        for (int pos = w * window_; pos < w * window_ + band_size(wafer, w); ++pos) window_p.push_back(p_dead[tile(wafer, line, pos)]);
        p *= probability_at_most(window_p, spares_);
      }
    }
    return p;
  }

  Fabric repair(const Wafer& wafer, const DefectMap& map) const override {
    const int lines = line_count(wafer);
    const int bands = band_count(wafer);
    // Pass 1: how many logical positions each band can supply in every line.
    std::vector<int> surviving(bands);
    bool formed = true;
    for (int w = 0; w < bands; ++w) {
      const int need = std::max(0, band_size(wafer, w) - spares_);
      int supply = need;
      for (int line = 0; line < lines; ++line) {
        int alive = 0;
        for (int pos = w * window_; pos < w * window_ + band_size(wafer, w); ++pos) alive += map.tile_alive(tile(wafer, line, pos));
        supply = std::min(supply, alive);
      }
      surviving[w] = supply;
      formed = formed && supply == need;
    }
    int logical_len = 0;
    for (int s : surviving) logical_len += s;
    const auto [nominal_rows, nominal_cols] = nominal_shape(wafer);
    Fabric f(along_columns_ ? logical_len : wafer.rows(), along_columns_ ? wafer.cols() : logical_len, wafer.cells());
    f.strategy = name_;
    f.nominal_rows = nominal_rows;
    f.nominal_cols = nominal_cols;
    f.formed = formed;

    // Pass 2: place logical positions on the first working tiles of each window; record roles.
    std::vector<int> phys_pos(static_cast<std::size_t>(lines) * logical_len);  // physical position of (line, k)
    for (int line = 0; line < lines; ++line) {
      int k = 0;
      for (int w = 0; w < bands; ++w) {
        const int start = w * window_;
        const int need = std::max(0, band_size(wafer, w) - spares_);
        int used = 0;
        for (int pos = start; pos < start + band_size(wafer, w); ++pos) {
          const TileId t = tile(wafer, line, pos);
          if (!map.tile_alive(t)) {
            f.set_role(t, map.router_alive(t) ? TileRole::kDeadCompute : TileRole::kDeadRouter);
            continue;
          }
          if (used < surviving[w]) {
            const NodeId n = node(f, line, k);
            f.place(n, t, true, true);
            f.set_role(t, pos - start == used ? TileRole::kWorking : TileRole::kShifted);
            if (pos - start >= need) ++f.spares_used;
            phys_pos[static_cast<std::size_t>(line) * logical_len + k] = pos;
            ++used;
            ++k;
          } else {
            f.set_role(t, surviving[w] == need ? TileRole::kIdleSpare : TileRole::kUnused);
          }
        }
      }
    }

    // Pass 3: links.
    auto pos_of = [&](int line, int k) { return phys_pos[static_cast<std::size_t>(line) * logical_len + k]; };
    for (int line = 0; line < lines; ++line) {
      for (int k = 0; k < logical_len; ++k) {
        const int p = pos_of(line, k);
        const TileId a = tile(wafer, line, p);
        const NodeId n = node(f, line, k);
        if (k + 1 < logical_len) {  // along the line
          const int q = pos_of(line, k + 1);
          const TileId b = tile(wafer, line, q);
          const bool neighbour = q == p + 1;
          const bool alive = !neighbour || (along_columns_ ? map.south_link_alive(a) : map.east_link_alive(a));
          set_along(f, n, alive ? q - p : 0, wafer.crosses_reticle(a, b));
          if (!alive) ++f.dead_logical_links;
        }
        if (line + 1 < lines) {  // across to the next line
          const int q = pos_of(line + 1, k);
          const TileId b = tile(wafer, line + 1, q);
          const bool neighbour = q == p;
          const bool alive = !neighbour || (along_columns_ ? map.east_link_alive(a) : map.south_link_alive(a));
          set_across(f, n, alive ? 1 + std::abs(q - p) : 0, wafer.crosses_reticle(a, b));
          if (!alive) ++f.dead_logical_links;
        }
      }
    }
    return f;
  }

 private:
  int line_count(const Wafer& wafer) const { return along_columns_ ? wafer.cols() : wafer.rows(); }
  int line_length(const Wafer& wafer) const { return along_columns_ ? wafer.rows() : wafer.cols(); }
  int band_count(const Wafer& wafer) const { return (line_length(wafer) + window_ - 1) / window_; }
  int band_size(const Wafer& wafer, int w) const { return std::min(window_, line_length(wafer) - w * window_); }
  TileId tile(const Wafer& wafer, int line, int pos) const { return along_columns_ ? wafer.id(pos, line) : wafer.id(line, pos); }
  NodeId node(const Fabric& f, int line, int k) const { return along_columns_ ? f.node(k, line) : f.node(line, k); }
  void set_along(Fabric& f, NodeId n, int len, bool crosses) const {
    along_columns_ ? f.set_south(n, len, crosses) : f.set_east(n, len, crosses);
  }
  void set_across(Fabric& f, NodeId n, int len, bool crosses) const {
    along_columns_ ? f.set_east(n, len, crosses) : f.set_south(n, len, crosses);
  }

  std::string name_;
  bool along_columns_;
  int window_;
  int spares_;
};

std::unique_ptr<RepairStrategy> make(const YamlNode& node, const WaferSpec& wafer, bool along_columns) {
  const std::string name = along_columns ? "spare_rows" : "spare_cols";
  if (wafer.placement != Placement::kRectangle) {
    node.child("strategy").fail(name + " forms a logical rectangle from a physical one: it needs wafer.placement: rectangle");
  }
  const int window = static_cast<int>(node.get_int("window", 100, Range::closed(2, 127)));
  const int spares = static_cast<int>(node.get_int("spares", 1, Range::closed(0, window - 1)));
  const int length = along_columns ? wafer.rows : wafer.cols;
  if (window > length) {
    node.child("window").fail(fmt::format("window of {} tiles is longer than the {} tiles of a {}", window, length,
                                          along_columns ? "column" : "row"));
  }
  return std::make_unique<SpareShiftRepair>(name, along_columns, window, spares);
}

const RegisterRepair kRows{{"spare_rows", "spare tiles in every window down each column; dead tiles shifted past",
                            {"window", "spares"}, [](const YamlNode& n, const WaferSpec& w) { return make(n, w, true); }}};
const RegisterRepair kCols{{"spare_cols", "spare tiles in every window along each row; dead tiles shifted past",
                            {"window", "spares"}, [](const YamlNode& n, const WaferSpec& w) { return make(n, w, false); }}};

}  // namespace
}  // namespace wafersim::mesh
