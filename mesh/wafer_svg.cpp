#include "mesh/wafer_svg.hpp"

#include <fmt/format.h>

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

const char* colour_of(TileRole r) {
  for (const auto& s : kStyles) {
    if (s.role == r) return s.colour;
  }
  return "#ffffff";
}

std::string escape(const std::string& s) {
  std::string out;
  for (char c : s) {
    if (c == '<') out += "&lt;";
    else if (c == '>') out += "&gt;";
    else if (c == '&') out += "&amp;";
    else out += c;
  }
  return out;
}

}  // namespace

std::string render_wafer_svg(const Wafer& wafer, const DefectMap& map, const Fabric* fabric, const SvgOptions& options) {
  const WaferSpec& spec = wafer.spec();
  const double R = spec.diameter_mm / 2.0;
  const double pitch_x = spec.pitch_x_mm(), pitch_y = spec.pitch_y_mm();
  const double w = spec.tile_width_mm, h = spec.tile_height_mm;
  const double margin = 8.0, legend_width = 120.0, header = 22.0 + 6.0 * options.notes.size();
  const double min_x = -R - margin, min_y = -R - margin - header;
  const double view_w = 2 * R + 2 * margin + legend_width, view_h = 2 * R + 2 * margin + header;
  const bool markers = std::min(pitch_x, pitch_y) < 1.0;  // tiles too small to see one by one
  const double marker_r = 0.9;

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
      min_x, min_y, view_w, view_h, view_w * 3, view_h * 3);
  svg += fmt::format("<rect x=\"{:.3f}\" y=\"{:.3f}\" width=\"{:.3f}\" height=\"{:.3f}\" fill=\"white\"/>\n", min_x, min_y, view_w, view_h);
  svg += fmt::format("<text x=\"{:.1f}\" y=\"{:.1f}\" font-size=\"7\">{}</text>\n", -R, -R - margin - header + 9, escape(options.title));
  for (std::size_t i = 0; i < options.notes.size(); ++i) {
    svg += fmt::format("<text x=\"{:.1f}\" y=\"{:.1f}\" font-size=\"4\" fill=\"#333\">{}</text>\n", -R,
                       -R - margin - header + 16 + 6.0 * i, escape(options.notes[i]));
  }
  svg += fmt::format("<defs><clipPath id=\"disk\"><circle cx=\"0\" cy=\"0\" r=\"{:.3f}\"/></clipPath></defs>\n", R);
  svg += fmt::format("<circle cx=\"0\" cy=\"0\" r=\"{:.3f}\" fill=\"#eceff1\" stroke=\"#37474f\" stroke-width=\"0.6\"/>\n", R);
  svg += fmt::format("<circle cx=\"0\" cy=\"0\" r=\"{:.3f}\" fill=\"none\" stroke=\"#90a4ae\" stroke-width=\"0.3\" stroke-dasharray=\"2 1.5\"/>\n",
                     spec.usable_radius_mm());

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
  svg += "</g>\n<g>\n";
  for (TileId t = 0; t < wafer.cells(); ++t) {
    if (!wafer.is_site(t)) continue;
    const TileRole role = role_of(t);
    ++count[static_cast<std::size_t>(role)];
    if (!is_dead(role)) continue;
    const int r = wafer.row_of(t), c = wafer.col_of(t);
    if (markers) {
      svg += fmt::format("<circle cx=\"{:.3f}\" cy=\"{:.3f}\" r=\"{:.2f}\" fill=\"{}\"/>\n", wafer.tile_x_mm(c) + w / 2,
                         top_y(r) + h / 2, marker_r, colour_of(role));
    } else {
      svg += fmt::format("<rect x=\"{:.3f}\" y=\"{:.3f}\" width=\"{:.3f}\" height=\"{:.3f}\" fill=\"{}\"/>\n", wafer.tile_x_mm(c),
                         top_y(r), w, h, colour_of(role));
    }
  }
  // Dead links: a dark bar on the shared edge.
  std::size_t dead_links = 0;
  const double bar = markers ? 0.6 : std::min(w, h) * 0.2;
  for (TileId t = 0; t < wafer.cells(); ++t) {
    if (!wafer.is_site(t)) continue;
    const int r = wafer.row_of(t), c = wafer.col_of(t);
    if (wafer.is_site(r, c + 1) && !map.east_link_alive(t)) {
      ++dead_links;
      const double x = wafer.tile_x_mm(c) + w + spec.scribe_mm / 2;
      svg += fmt::format("<line x1=\"{:.3f}\" y1=\"{:.3f}\" x2=\"{:.3f}\" y2=\"{:.3f}\" stroke=\"#212121\" stroke-width=\"{:.2f}\"/>\n", x,
                         top_y(r) - (markers ? 0.8 : 0), x, top_y(r) + h + (markers ? 0.8 : 0), bar);
    }
    if (wafer.is_site(r + 1, c) && !map.south_link_alive(t)) {
      ++dead_links;
      const double y = top_y(r) + h + spec.scribe_mm / 2;
      svg += fmt::format("<line x1=\"{:.3f}\" y1=\"{:.3f}\" x2=\"{:.3f}\" y2=\"{:.3f}\" stroke=\"#212121\" stroke-width=\"{:.2f}\"/>\n",
                         wafer.tile_x_mm(c) - (markers ? 0.8 : 0), y, wafer.tile_x_mm(c) + w + (markers ? 0.8 : 0), y, bar);
    }
  }
  svg += "</g>\n";

  // Reticle-field grid, clipped to the wafer.
  svg += "<g clip-path=\"url(#disk)\" stroke=\"#263238\" stroke-width=\"0.25\" opacity=\"0.7\">\n";
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
  double y = -R + 4;
  const double x = R + margin + 4;
  svg += fmt::format("<text x=\"{:.1f}\" y=\"{:.1f}\" font-size=\"5\">Tiles ({})</text>\n", x, y, wafer.site_count());
  y += 8;
  for (const auto& s : kStyles) {
    const std::size_t n = count[static_cast<std::size_t>(s.role)];
    if (!fabric && (s.role == TileRole::kShifted || s.role == TileRole::kIdleSpare || s.role == TileRole::kUnused)) continue;
    svg += fmt::format("<rect x=\"{:.1f}\" y=\"{:.1f}\" width=\"5\" height=\"4\" fill=\"{}\" stroke=\"#555\" stroke-width=\"0.2\"/>\n", x,
                       y - 3.5, s.colour);
    svg += fmt::format("<text x=\"{:.1f}\" y=\"{:.1f}\" font-size=\"3.6\">{}: {}</text>\n", x + 7, y, role_name(s.role), n);
    y += 6;
  }
  svg += fmt::format("<line x1=\"{:.1f}\" y1=\"{:.1f}\" x2=\"{:.1f}\" y2=\"{:.1f}\" stroke=\"#212121\" stroke-width=\"1\"/>\n", x, y - 1.5,
                     x + 5, y - 1.5);
  svg += fmt::format("<text x=\"{:.1f}\" y=\"{:.1f}\" font-size=\"3.6\">dead link: {}</text>\n", x + 7, y, dead_links);
  y += 6;
  svg += fmt::format("<line x1=\"{:.1f}\" y1=\"{:.1f}\" x2=\"{:.1f}\" y2=\"{:.1f}\" stroke=\"#263238\" stroke-width=\"0.4\"/>\n", x,
                     y - 1.5, x + 5, y - 1.5);
  svg += fmt::format("<text x=\"{:.1f}\" y=\"{:.1f}\" font-size=\"3.6\">reticle field {} x {} mm</text>\n", x + 7, y,
                     spec.reticle_width_mm, spec.reticle_height_mm);
  y += 6;
  svg += fmt::format("<text x=\"{:.1f}\" y=\"{:.1f}\" font-size=\"3.2\" fill=\"#555\">tile {} x {} mm, pitch {:.3f} mm</text>\n", x, y,
                     w, h, pitch_x);
  if (markers) {
    y += 5;
    svg += fmt::format("<text x=\"{:.1f}\" y=\"{:.1f}\" font-size=\"3.2\" fill=\"#555\">dead tiles drawn enlarged</text>\n", x, y);
  }
  svg += "</svg>\n";
  return svg;
}

}  // namespace wafersim::mesh
