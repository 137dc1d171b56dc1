#include "mesh/wafer_svg.hpp"

#include "core/svg.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <cmath>

namespace wafersim::mesh {
namespace {

struct Style {
  TileRole role;
  const char* colour;
};
constexpr std::array<Style, 6> kStyles{{{TileRole::kWorking, "#7cb342"},
                                        {TileRole::kShifted, "#0288d1"},
                                        {TileRole::kIdleSpare, "#dcedc8"},
                                        {TileRole::kUnused, "#9e9e9e"},
                                        {TileRole::kDeadCompute, "#fb8c00"},
                                        {TileRole::kDeadRouter, "#d32f2f"}}};

// A sequential colour map (dark blue -> green -> yellow -> red) for loads in [0, 1].
std::string heat_colour(double x) {
  static const double stops[][3] = {{49, 54, 149}, {69, 117, 180}, {116, 173, 209}, {171, 217, 233}, {254, 224, 144},
                                    {253, 174, 97}, {244, 109, 67}, {215, 48, 39}, {165, 0, 38}};
  const int n = 9;
  x = std::clamp(x, 0.0, 1.0) * (n - 1);
  const int i = std::min(n - 2, static_cast<int>(x));
  const double t = x - i;
  int rgb[3];
  for (int k = 0; k < 3; ++k) rgb[k] = static_cast<int>(std::lround(stops[i][k] + t * (stops[i + 1][k] - stops[i][k])));
  return fmt::format("#{:02x}{:02x}{:02x}", rgb[0], rgb[1], rgb[2]);
}

const char* colour_of(TileRole r, bool heatmap = false) {
  // Over a heatmap, red would read as "hot": dead tiles go near-black there.
  if (heatmap && (r == TileRole::kDeadCompute || r == TileRole::kDeadRouter)) return r == TileRole::kDeadRouter ? "#111111" : "#5d4037";
  for (const auto& s : kStyles) {
    if (s.role == r) return s.colour;
  }
  return "#ffffff";
}

}  // namespace

MapLayout map_layout(double half_view_mm, std::size_t notes) {
  MapLayout l;
  l.px_per_mm = l.side / (2 * half_view_mm);
  l.title_baseline = 30;
  l.top = l.title_baseline + 20.0 * static_cast<double>(notes) + 22;
  l.width = l.left + l.side + 24 + l.legend_width;
  l.height = l.top + l.side + l.scale_bar_below + 34;
  return l;
}

std::string render_wafer_svg(const Wafer& wafer, const DefectMap& map, const Fabric* fabric, const SvgOptions& options) {
  const WaferSpec& spec = wafer.spec();
  const double R = spec.diameter_mm / 2.0;
  const double pitch_x = spec.pitch_x_mm(), pitch_y = spec.pitch_y_mm();
  const double w = spec.tile_width_mm, h = spec.tile_height_mm;
  // The view: the whole wafer, or, when the tile array covers under half of it, the array alone
  // (a 16 x 16 test mesh would be a dot on a 300 mm disk). Strokes in mm scale with the view.
  const double array_left = wafer.tile_x_mm(0), array_right = wafer.tile_x_mm(wafer.cols() - 1) + w;
  const double array_bottom = wafer.tile_y_mm(wafer.rows() - 1), array_top = wafer.tile_y_mm(0) + h;
  const double array_half = std::max(array_right - array_left, array_top - array_bottom) / 2.0;
  const bool zoom = array_half < R / 2.0;
  const double V = zoom ? array_half * 1.08 : R;  // half-size of the drawn square, mm
  const double cx = zoom ? (array_left + array_right) / 2.0 : 0.0, cy = zoom ? -(array_top + array_bottom) / 2.0 : 0.0;
  const double k = V / R;  // stroke scale in mm
  const bool markers = std::min(pitch_x, pitch_y) < 1.0 * k;  // tiles too small to see one by one
  const double marker_r = 0.9 * k;
  const bool heatmap = options.link_load && fabric;

  // The page in px: the title and notes on top, the map square with row ticks on its left and
  // column ticks and the scale bar under it, the legend on the right.
  const MapLayout L = map_layout(V, options.notes.size());
  svg::Document doc(L.width, L.height);
  // mm (x right, y as svg: -y_mm) to px
  auto px_x = [&](double x_mm) { return L.left + (x_mm - (cx - V)) * L.px_per_mm; };
  auto px_y = [&](double svg_y_mm) { return L.top + (svg_y_mm - (cy - V)) * L.px_per_mm; };

  auto role_of = [&](TileId t) {
    if (fabric) return fabric->role(t);
    if (!map.router_alive(t)) return TileRole::kDeadRouter;
    if (!map.compute_alive(t)) return TileRole::kDeadCompute;
    return TileRole::kWorking;
  };
  auto is_dead = [](TileRole r) { return r == TileRole::kDeadCompute || r == TileRole::kDeadRouter; };
  // svg y of the top edge of a row, mm
  auto top_y = [&](int row) { return -(wafer.tile_y_mm(row) + h); };

  std::string svg;
  // The wafer in mm, scaled into the map square.
  svg += fmt::format("<defs><clipPath id=\"disk\"><circle cx=\"0\" cy=\"0\" r=\"{:.3f}\"/></clipPath>"
                     "<clipPath id=\"square\"><rect x=\"{:.2f}\" y=\"{:.2f}\" width=\"{:.2f}\" height=\"{:.2f}\"/></clipPath></defs>\n",
                     R, L.left, L.top, L.side, L.side);
  svg += fmt::format("<g clip-path=\"url(#square)\"><g transform=\"translate({:.4f} {:.4f}) scale({:.6f})\">\n", px_x(0), px_y(0), L.px_per_mm);
  svg += fmt::format("<circle cx=\"0\" cy=\"0\" r=\"{:.3f}\" fill=\"#eceff1\" stroke=\"#37474f\" stroke-width=\"{:.3f}\"/>\n", R, 0.6 * k);
  svg += fmt::format("<circle cx=\"0\" cy=\"0\" r=\"{:.3f}\" fill=\"none\" stroke=\"#90a4ae\" stroke-width=\"{:.3f}\" stroke-dasharray=\"{:.3f} {:.3f}\"/>\n",
                     spec.usable_radius_mm(), 0.3 * k, 2 * k, 1.5 * k);

  // Tiles: runs along rows of equal role (shifted tiles first drawn as working, then overlaid as
  // runs down columns, where they line up).
  std::array<std::size_t, 8> count{};
  svg += "<g shape-rendering=\"crispEdges\">\n";
  for (int r = 0; r < wafer.rows(); ++r) {
    int c = 0;
    while (c < wafer.cols()) {
      if (!wafer.is_site(r, c)) {
        ++c;
        continue;
      }
      auto base = [&](int col) {
        TileRole role = role_of(wafer.id(r, col));
        if (role == TileRole::kShifted || (markers && is_dead(role))) role = TileRole::kWorking;
        return role;
      };
      const TileRole role = base(c);
      int end = c + 1;
      while (end < wafer.cols() && wafer.is_site(r, end) && base(end) == role) ++end;
      svg += fmt::format("<rect x=\"{:.3f}\" y=\"{:.3f}\" width=\"{:.3f}\" height=\"{:.3f}\" fill=\"{}\"/>\n", wafer.tile_x_mm(c),
                         top_y(r), (end - c) * pitch_x - spec.scribe_mm, h, colour_of(role));
      c = end;
    }
  }
  for (int c = 0; c < wafer.cols(); ++c) {
    int r = 0;
    while (r < wafer.rows()) {
      if (!wafer.is_site(r, c) || role_of(wafer.id(r, c)) != TileRole::kShifted) {
        ++r;
        continue;
      }
      int end = r + 1;
      while (end < wafer.rows() && wafer.is_site(end, c) && role_of(wafer.id(end, c)) == TileRole::kShifted) ++end;
      svg += fmt::format("<rect x=\"{:.3f}\" y=\"{:.3f}\" width=\"{:.3f}\" height=\"{:.3f}\" fill=\"{}\"/>\n", wafer.tile_x_mm(c),
                         top_y(r), w, (end - r) * pitch_y - spec.scribe_mm, colour_of(TileRole::kShifted));
      r = end;
    }
  }
  svg += "</g>\n";

  // Link-load heatmap, per cell of `cell` x `cell` tiles: the busiest output link in the cell.
  double max_load = 0.0;
  const int cell = std::max(1, std::max(wafer.rows(), wafer.cols()) / 160);
  if (heatmap) {
    std::vector<float> tile_load(wafer.cells(), -1.0f);
    for (NodeId n = 0; n < fabric->nodes(); ++n) {
      const TileId t = fabric->physical(n);
      if (t == kNoTile) continue;
      float v = 0.0f;
      for (int p = 0; p < 4; ++p) v = std::max(v, (*options.link_load)[n * 4 + p]);
      tile_load[t] = v;
      max_load = std::max(max_load, static_cast<double>(v));
    }
    svg += "<g shape-rendering=\"crispEdges\">\n";
    for (int r0 = 0; r0 < wafer.rows(); r0 += cell) {
      int run_start = -1;
      std::string run_colour;
      auto flush = [&](int end_col) {
        if (run_start < 0) return;
        const int r1 = std::min(wafer.rows(), r0 + cell);
        svg += fmt::format("<rect x=\"{:.3f}\" y=\"{:.3f}\" width=\"{:.3f}\" height=\"{:.3f}\" fill=\"{}\"/>\n", wafer.tile_x_mm(run_start),
                           top_y(r0), (end_col - run_start) * pitch_x - spec.scribe_mm, (r1 - r0) * pitch_y - spec.scribe_mm, run_colour);
        run_start = -1;
      };
      for (int c0 = 0; c0 < wafer.cols(); c0 += cell) {
        float v = -1.0f;
        for (int r = r0; r < std::min(wafer.rows(), r0 + cell); ++r) {
          for (int c = c0; c < std::min(wafer.cols(), c0 + cell); ++c) v = std::max(v, tile_load[wafer.id(r, c)]);
        }
        const std::string colour = v < 0 ? std::string() : heat_colour(max_load > 0 ? std::round(v / max_load * 32) / 32 : 0.0);
        if (colour != run_colour || colour.empty()) flush(c0);
        if (!colour.empty() && run_start < 0) {
          run_start = c0;
          run_colour = colour;
        }
      }
      flush(wafer.cols());
    }
    svg += "</g>\n";
  }
  svg += "<g>\n";
  for (TileId t = 0; t < wafer.cells(); ++t) {
    if (!wafer.is_site(t)) continue;
    const TileRole role = role_of(t);
    ++count[static_cast<std::size_t>(role)];
    if (!is_dead(role)) continue;
    const int r = wafer.row_of(t), c = wafer.col_of(t);
    if (markers) {
      svg += fmt::format("<circle cx=\"{:.3f}\" cy=\"{:.3f}\" r=\"{:.2f}\" fill=\"{}\"/>\n", wafer.tile_x_mm(c) + w / 2,
                         top_y(r) + h / 2, marker_r, colour_of(role, heatmap));
    } else {
      svg += fmt::format("<rect x=\"{:.3f}\" y=\"{:.3f}\" width=\"{:.3f}\" height=\"{:.3f}\" fill=\"{}\"/>\n", wafer.tile_x_mm(c),
                         top_y(r), w, h, colour_of(role, heatmap));
    }
  }
  // Dead links: a dark bar on the shared edge.
  std::size_t dead_links = 0;
  const double bar = markers ? 0.6 * k : std::min(w, h) * 0.2;
  for (TileId t = 0; t < wafer.cells(); ++t) {
    if (!wafer.is_site(t)) continue;
    const int r = wafer.row_of(t), c = wafer.col_of(t);
    if (wafer.is_site(r, c + 1) && !map.east_link_alive(t)) {
      ++dead_links;
      const double x = wafer.tile_x_mm(c) + w + spec.scribe_mm / 2;
      svg += fmt::format("<line x1=\"{:.3f}\" y1=\"{:.3f}\" x2=\"{:.3f}\" y2=\"{:.3f}\" stroke=\"#212121\" stroke-width=\"{:.2f}\"/>\n", x,
                         top_y(r) - (markers ? 0.8 * k : 0), x, top_y(r) + h + (markers ? 0.8 * k : 0), bar);
    }
    if (wafer.is_site(r + 1, c) && !map.south_link_alive(t)) {
      ++dead_links;
      const double y = top_y(r) + h + spec.scribe_mm / 2;
      svg += fmt::format("<line x1=\"{:.3f}\" y1=\"{:.3f}\" x2=\"{:.3f}\" y2=\"{:.3f}\" stroke=\"#212121\" stroke-width=\"{:.2f}\"/>\n",
                         wafer.tile_x_mm(c) - (markers ? 0.8 * k : 0), y, wafer.tile_x_mm(c) + w + (markers ? 0.8 * k : 0), y, bar);
    }
  }
  svg += "</g>\n";

  // Reticle-field grid, clipped to the wafer.
  svg += fmt::format("<g clip-path=\"url(#disk)\" stroke=\"#263238\" stroke-width=\"{:.3f}\" opacity=\"0.7\">\n", 0.25 * k);
  const double grid_top = top_y(0), grid_bottom = top_y(wafer.rows() - 1) + h;
  const double grid_left = wafer.tile_x_mm(0), grid_right = wafer.tile_x_mm(wafer.cols() - 1) + w;
  for (int c : wafer.reticle_col_boundaries()) {
    const double x = wafer.tile_x_mm(c) - spec.scribe_mm / 2;
    svg += fmt::format("<line x1=\"{:.3f}\" y1=\"{:.3f}\" x2=\"{:.3f}\" y2=\"{:.3f}\"/>\n", x, grid_top, x, grid_bottom);
  }
  for (int r : wafer.reticle_row_boundaries()) {
    const double y = top_y(r) - spec.scribe_mm / 2;
    svg += fmt::format("<line x1=\"{:.3f}\" y1=\"{:.3f}\" x2=\"{:.3f}\" y2=\"{:.3f}\"/>\n", grid_left, y, grid_right, y);
  }
  svg += fmt::format("<rect x=\"{:.3f}\" y=\"{:.3f}\" width=\"{:.3f}\" height=\"{:.3f}\" fill=\"none\"/>\n", grid_left, grid_top,
                     grid_right - grid_left, grid_bottom - grid_top);
  svg += "</g>\n";

  svg += "</g></g>\n";
  doc.raw(svg);

  // Row and column ticks: tile indices at the tile centres, along the left and bottom edges.
  const double square_right = L.left + L.side, square_bottom = L.top + L.side;
  auto clamp_x = [&](double x) { return std::clamp(x, L.left, square_right); };
  auto clamp_y = [&](double y) { return std::clamp(y, L.top, square_bottom); };
  svg::Axis cols_axis{.side = svg::Side::kBottom, .at = square_bottom + 4, .from_px = clamp_x(px_x(array_left)),
                      .to_px = clamp_x(px_x(array_right)), .title = "column (tile index)"};
  for (const double c : svg::nice_ticks(0, wafer.cols() - 1, 10, 1)) {
    const double x = px_x(wafer.tile_x_mm(static_cast<int>(c)) + w / 2);
    if (x >= L.left && x <= square_right) cols_axis.ticks.push_back({x, svg::number_label(c)});
  }
  doc.axis(cols_axis);
  svg::Axis rows_axis{.side = svg::Side::kLeft, .at = L.left - 4, .from_px = clamp_y(px_y(top_y(0))),
                      .to_px = clamp_y(px_y(top_y(wafer.rows() - 1) + h)), .title = "row (tile index)"};
  for (const double r : svg::nice_ticks(0, wafer.rows() - 1, 10, 1)) {
    const double y = px_y(top_y(static_cast<int>(r)) + h / 2);
    if (y >= L.top && y <= square_bottom) rows_axis.ticks.push_back({y, svg::number_label(r)});
  }
  doc.axis(rows_axis);
  // The scale bar, under the column axis at the left: a round length of at most a quarter of the map.
  const svg::ScaleBarSize bar_size = svg::scale_bar_size(L.px_per_mm, L.side / 4);
  doc.scale_bar(L.left, square_bottom + L.scale_bar_below, bar_size, "mm");

  // Legend.
  const double x = square_right + 24;
  double y = L.top + 14;
  const svg::TextStyle heading{.size_px = 15}, item{.size_px = 12}, note{.size_px = 11, .fill = "#555555"};
  doc.text(x, y, fmt::format("Tiles ({})", wafer.site_count()), heading);
  y += 24;
  for (const auto& st : kStyles) {
    const std::size_t n = count[static_cast<std::size_t>(st.role)];
    if (!fabric && (st.role == TileRole::kShifted || st.role == TileRole::kIdleSpare || st.role == TileRole::kUnused)) continue;
    doc.rect(x, y - 10, 16, 12, colour_of(st.role, heatmap), "stroke=\"#555555\" stroke-width=\"0.6\"");
    doc.text(x + 22, y, fmt::format("{}: {}", role_name(st.role), n), item);
    y += 18;
  }
  doc.line(x, y - 4, x + 16, y - 4, "#212121", 3);
  doc.text(x + 22, y, fmt::format("dead link: {}", dead_links), item);
  y += 18;
  doc.line(x, y - 4, x + 16, y - 4, "#263238", 1.2);
  doc.text(x + 22, y, fmt::format("reticle field {} x {} mm", spec.reticle_width_mm, spec.reticle_height_mm), item);
  y += 18;
  doc.text(x, y, fmt::format("tile {} x {} mm, pitch {:.3f} mm", w, h, pitch_x), note);
  if (markers) {
    y += 15;
    doc.text(x, y, "dead tiles drawn enlarged", note);
  }
  if (zoom) {
    y += 15;
    doc.text(x, y, fmt::format("view: the tile array ({:.1f} mm across)", 2 * array_half), note);
    y += 15;
    doc.text(x, y, fmt::format("of a {} mm wafer", spec.diameter_mm), note);
  }
  if (heatmap) {
    y += 30;
    doc.text(x, y, "Busiest output link per cell", heading);
    if (cell > 1) {
      y += 16;
      doc.text(x, y, fmt::format("cell: {} x {} tiles", cell, cell), note);
    }
    y += 34;
    doc.colour_bar(x, y, 240, 14, max_load, heat_colour, fmt::format("link load ({})", options.link_load_unit));
  }
  // Title and notes last, so that nothing is drawn over them.
  doc.text(L.left, L.title_baseline, options.title, {.size_px = 18});
  for (std::size_t i = 0; i < options.notes.size(); ++i)
    doc.text(L.left, L.title_baseline + 20.0 * static_cast<double>(i + 1), options.notes[i], {.size_px = 12, .fill = "#333333"});
  return doc.str();
}

}  // namespace wafersim::mesh
