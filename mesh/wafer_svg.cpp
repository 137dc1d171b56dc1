#include "mesh/wafer_svg.hpp"

#include "core/xml_text.hpp"

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

std::string render_wafer_svg(const Wafer& wafer, const DefectMap& map, const Fabric* fabric, const SvgOptions& options) {
  const WaferSpec& spec = wafer.spec();
  const double R = spec.diameter_mm / 2.0;
  const double pitch_x = spec.pitch_x_mm(), pitch_y = spec.pitch_y_mm();
  const double w = spec.tile_width_mm, h = spec.tile_height_mm;
  // The view: the whole wafer, or, when the tile array covers under half of it, the array alone
  // (a 16 x 16 test mesh would be a dot on a 300 mm disk). Text and strokes scale with the view.
  const double array_left = wafer.tile_x_mm(0), array_right = wafer.tile_x_mm(wafer.cols() - 1) + w;
  const double array_bottom = wafer.tile_y_mm(wafer.rows() - 1), array_top = wafer.tile_y_mm(0) + h;
  const double array_half = std::max(array_right - array_left, array_top - array_bottom) / 2.0;
  const bool zoom = array_half < R / 2.0;
  const double V = zoom ? array_half * 1.08 : R;  // half-size of the drawn square
  const double cx = zoom ? (array_left + array_right) / 2.0 : 0.0, cy = zoom ? -(array_top + array_bottom) / 2.0 : 0.0;
  const double k = V / R;  // layout scale
  const double margin = 8.0 * k, legend_width = 120.0 * k, header = (22.0 + 6.0 * options.notes.size()) * k;
  const double min_x = cx - V - margin, min_y = cy - V - margin - header;
  const double view_w = 2 * V + 2 * margin + legend_width, view_h = 2 * V + 2 * margin + header;
  const bool markers = std::min(pitch_x, pitch_y) < 1.0 * k;  // tiles too small to see one by one
  const double marker_r = 0.9 * k;
  const bool heatmap = options.link_load && fabric;

  auto role_of = [&](TileId t) {
    if (fabric) return fabric->role(t);
    if (!map.router_alive(t)) return TileRole::kDeadRouter;
    if (!map.compute_alive(t)) return TileRole::kDeadCompute;
    return TileRole::kWorking;
  };
  auto is_dead = [](TileRole r) { return r == TileRole::kDeadCompute || r == TileRole::kDeadRouter; };
  // svg y of the top edge of a row
  auto top_y = [&](int row) { return -(wafer.tile_y_mm(row) + h); };

  std::string svg;
  svg += fmt::format(
      "<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"{:.3f} {:.3f} {:.3f} {:.3f}\" width=\"{:.0f}\" height=\"{:.0f}\" "
      "font-family=\"sans-serif\">\n",
      min_x, min_y, view_w, view_h, view_w / k * 3, view_h / k * 3);
  svg += fmt::format("<rect x=\"{:.3f}\" y=\"{:.3f}\" width=\"{:.3f}\" height=\"{:.3f}\" fill=\"white\"/>\n", min_x, min_y, view_w, view_h);
  svg += fmt::format("<defs><clipPath id=\"disk\"><circle cx=\"0\" cy=\"0\" r=\"{:.3f}\"/></clipPath></defs>\n", R);
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
  if (options.link_load && fabric) {
    std::vector<float> tile_load(wafer.cells(), -1.0f);
    for (NodeId n = 0; n < fabric->nodes(); ++n) {
      const TileId t = fabric->physical(n);
      if (t == kNoTile) continue;
      float v = 0.0f;
      for (int p = 0; p < 4; ++p) v = std::max(v, (*options.link_load)[n * 4 + p]);
      tile_load[t] = v;
      max_load = std::max(max_load, static_cast<double>(v));
    }
    const int cell = std::max(1, std::max(wafer.rows(), wafer.cols()) / 160);
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

  // Legend.
  const double x = cx + V + margin + 4 * k;
  double y = cy - V + 4 * k;
  auto text = [&](double tx, double ty, double size, const std::string& t, const char* extra = "") {
    svg += fmt::format("<text x=\"{:.3f}\" y=\"{:.3f}\" font-size=\"{:.3f}\"{}>{}</text>\n", tx, ty, size * k, extra, xml_escape(t));
  };
  text(x, y, 5, fmt::format("Tiles ({})", wafer.site_count()));
  y += 8 * k;
  for (const auto& st : kStyles) {
    const std::size_t n = count[static_cast<std::size_t>(st.role)];
    if (!fabric && (st.role == TileRole::kShifted || st.role == TileRole::kIdleSpare || st.role == TileRole::kUnused)) continue;
    svg += fmt::format("<rect x=\"{:.3f}\" y=\"{:.3f}\" width=\"{:.3f}\" height=\"{:.3f}\" fill=\"{}\" stroke=\"#555\" stroke-width=\"{:.3f}\"/>\n",
                       x, y - 3.5 * k, 5 * k, 4 * k, colour_of(st.role, heatmap), 0.2 * k);
    text(x + 7 * k, y, 3.6, fmt::format("{}: {}", role_name(st.role), n));
    y += 6 * k;
  }
  svg += fmt::format("<line x1=\"{:.3f}\" y1=\"{:.3f}\" x2=\"{:.3f}\" y2=\"{:.3f}\" stroke=\"#212121\" stroke-width=\"{:.3f}\"/>\n", x,
                     y - 1.5 * k, x + 5 * k, y - 1.5 * k, 1 * k);
  text(x + 7 * k, y, 3.6, fmt::format("dead link: {}", dead_links));
  y += 6 * k;
  svg += fmt::format("<line x1=\"{:.3f}\" y1=\"{:.3f}\" x2=\"{:.3f}\" y2=\"{:.3f}\" stroke=\"#263238\" stroke-width=\"{:.3f}\"/>\n", x,
                     y - 1.5 * k, x + 5 * k, y - 1.5 * k, 0.4 * k);
  text(x + 7 * k, y, 3.6, fmt::format("reticle field {} x {} mm", spec.reticle_width_mm, spec.reticle_height_mm));
  y += 6 * k;
  text(x, y, 3.2, fmt::format("tile {} x {} mm, pitch {:.3f} mm", w, h, pitch_x), " fill=\"#555\"");
  if (markers) {
    y += 5 * k;
    text(x, y, 3.2, "dead tiles drawn enlarged", " fill=\"#555\"");
  }
  if (zoom) {
    y += 5 * k;
    text(x, y, 3.2, fmt::format("view: the tile array ({:.1f} mm across) of a {} mm wafer", 2 * array_half, spec.diameter_mm), " fill=\"#555\"");
  }
  if (options.link_load && fabric) {
    y += 10 * k;
    text(x, y, 4, "Busiest link per cell");
    y += 3 * k;
    for (int i = 0; i <= 20; ++i) {
      svg += fmt::format("<rect x=\"{:.3f}\" y=\"{:.3f}\" width=\"{:.3f}\" height=\"{:.3f}\" fill=\"{}\"/>\n", x + i * 4 * k, y, 4.2 * k,
                         5 * k, heat_colour(i / 20.0));
    }
    y += 10 * k;
    text(x, y, 3.4, "0");
    text(x + 84 * k, y, 3.4, fmt::format("{:.3g}", max_load), " text-anchor=\"end\"");
    y += 5 * k;
    text(x, y, 3.2, options.link_load_unit, " fill=\"#555\"");
  }
  // Title last, so that nothing is drawn over it.
  svg += fmt::format("<text x=\"{:.3f}\" y=\"{:.3f}\" font-size=\"{:.3f}\">{}</text>\n", cx - V, cy - V - margin - header + 9 * k,
                     7 * k, xml_escape(options.title));
  for (std::size_t i = 0; i < options.notes.size(); ++i) {
    svg += fmt::format("<text x=\"{:.3f}\" y=\"{:.3f}\" font-size=\"{:.3f}\" fill=\"#333\">{}</text>\n", cx - V,
                       cy - V - margin - header + (16 + 6.0 * i) * k, 4 * k, xml_escape(options.notes[i]));
  }
  svg += "</svg>\n";
  return svg;
}

}  // namespace wafersim::mesh
