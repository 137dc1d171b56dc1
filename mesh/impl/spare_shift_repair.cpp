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

  // Every pass visits physical tiles in row-major order, whichever way the windows run, keeping
  // per-line state: walking a column of a wafer-scale array tile by tile would touch a new cache
  // line for every tile of every per-tile array.
  Fabric repair(const Wafer& wafer, const DefectMap& map) const override {
    const int lines = line_count(wafer);
    const int bands = band_count(wafer);
    // Pass 1: working tiles per (band, line); a band supplies, in every line, as many logical
    // positions as its worst line can.
    std::vector<int> band_of(line_length(wafer));
    for (int pos = 0; pos < line_length(wafer); ++pos) band_of[pos] = pos / window_;
    std::vector<int> alive(static_cast<std::size_t>(bands) * lines, 0);
    for (int r = 0; r < wafer.rows(); ++r) {
      for (int c = 0; c < wafer.cols(); ++c) {
        const auto [line, pos] = line_pos(r, c);
        alive[static_cast<std::size_t>(band_of[pos]) * lines + line] += map.tile_alive(wafer.id(r, c));
      }
    }
    std::vector<int> surviving(bands), band_need(bands);
    bool formed = true;
    for (int w = 0; w < bands; ++w) {
      const int need = std::max(0, band_size(wafer, w) - spares_);
      int supply = need;
      for (int line = 0; line < lines; ++line) supply = std::min(supply, alive[static_cast<std::size_t>(w) * lines + line]);
      surviving[w] = supply;
      band_need[w] = need;
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

    // Pass 2: each window's logical positions go to its first working tiles; roles recorded.
    std::vector<int> next_k(lines, 0), used(lines, 0);  // per line: next logical position, used in this band
    std::vector<int> phys_pos(f.nodes(), 0);            // physical position along its line of each node
    for (int r = 0; r < wafer.rows(); ++r) {
      for (int c = 0; c < wafer.cols(); ++c) {
        const auto [line, pos] = line_pos(r, c);
        const int w = band_of[pos], start = w * window_;
        if (pos == start) used[line] = 0;
        const TileId t = wafer.id(r, c);
        if (!map.tile_alive(t)) {
          f.set_role(t, map.router_alive(t) ? TileRole::kDeadCompute : TileRole::kDeadRouter);
          continue;
        }
        const int need = band_need[w];
        if (used[line] < surviving[w]) {
          const NodeId n = node(f, line, next_k[line]);
          f.place(n, t, true, true);
          f.set_role(t, pos - start == used[line] ? TileRole::kWorking : TileRole::kShifted);
          if (pos - start >= need) ++f.spares_used;
          phys_pos[n] = pos;
          ++used[line];
          ++next_k[line];
        } else {
          f.set_role(t, surviving[w] == need ? TileRole::kIdleSpare : TileRole::kUnused);
        }
      }
    }

    // Pass 3: links, node by node in row-major order.
    for (int lr = 0; lr < f.rows(); ++lr) {
      for (int lc = 0; lc < f.cols(); ++lc) {
        const NodeId n = f.node(lr, lc);
        const int line = along_columns_ ? lc : lr, k = along_columns_ ? lr : lc;
        const int p = phys_pos[n];
        const TileId a = tile(wafer, line, p);
        if (k + 1 < logical_len) {  // along the line
          const int q = phys_pos[node(f, line, k + 1)];
          const bool neighbour = q == p + 1;
          const bool ok = !neighbour || (along_columns_ ? map.south_link_alive(a) : map.east_link_alive(a));
          set_along(f, n, ok ? q - p : 0, wafer.crosses_reticle(a, tile(wafer, line, q)));
          if (!ok) ++f.dead_logical_links;
        }
        if (line + 1 < lines) {  // across to the next line
          const int q = phys_pos[node(f, line + 1, k)];
          const bool neighbour = q == p;
          const bool ok = !neighbour || (along_columns_ ? map.east_link_alive(a) : map.south_link_alive(a));
          set_across(f, n, ok ? 1 + std::abs(q - p) : 0, wafer.crosses_reticle(a, tile(wafer, line + 1, q)));
          if (!ok) ++f.dead_logical_links;
        }
      }
    }
    return f;
  }

 private:
  std::pair<int, int> line_pos(int row, int col) const { return along_columns_ ? std::pair{col, row} : std::pair{row, col}; }
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
