#include "core/svg.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>

#include "core/xml_text.hpp"

namespace wafersim::svg {
namespace {

// Coordinates to 0.01 px: finer than any screen or print, and short.
std::string num(double v) {
  std::string s = fmt::format("{:.2f}", v);
  while (s.back() == '0') s.pop_back();
  if (s.back() == '.') s.pop_back();
  return s == "-0" ? "0" : s;
}

const char* anchor_name(Anchor a) { return a == Anchor::kMiddle ? "middle" : a == Anchor::kEnd ? "end" : "start"; }

// A rough width of a label, for placing an axis title beyond the tick labels (DejaVu Sans digits
// are ~0.64 em wide).
double label_width(std::string_view s, double font_px) { return 0.64 * font_px * static_cast<double>(s.size()); }

}  // namespace

double LogScale::px(double v) const { return p0 + (std::log(v) - std::log(d0)) * (p1 - p0) / (std::log(d1) - std::log(d0)); }

std::vector<double> nice_ticks(double lo, double hi, int max_ticks, double min_step) {
  if (!(hi > lo) || max_ticks < 2) return {lo};
  const double range = hi - lo;
  int k = static_cast<int>(std::floor(std::log10(range / max_ticks)));
  for (;; ++k) {
    for (const double m : {1.0, 2.0, 5.0}) {
      const double step = m * std::pow(10.0, k);
      if (step < min_step) continue;
      const double first = std::ceil(lo / step - 1e-9), last = std::floor(hi / step + 1e-9);
      if (last - first + 1 > max_ticks) continue;
      std::vector<double> out;
      for (double i = first; i <= last; ++i) out.push_back(i * step);
      return out;
    }
  }
}

std::vector<double> log_ticks(double lo, double hi, int max_ticks) {
  if (!(lo > 0) || !(hi >= lo)) return {};
  const int k0 = static_cast<int>(std::floor(std::log10(lo))), k1 = static_cast<int>(std::ceil(std::log10(hi)));
  auto within = [&](const std::vector<double>& mantissas, int every) {
    std::vector<double> out;
    for (int k = k0; k <= k1; ++k) {
      if ((k - k0) % every != 0) continue;
      for (const double m : mantissas) {
        // 3 x 0.1 is 0.30000000000000004: the value from its decimal text, as a reader means it.
        const double v = std::stod(fmt::format("{}e{}", m, k));
        if (v >= lo * (1 - 1e-9) && v <= hi * (1 + 1e-9)) out.push_back(v);
      }
    }
    return out;
  };
  for (const auto& mantissas : {std::vector<double>{1, 2, 5}, std::vector<double>{1, 3}, std::vector<double>{1}}) {
    auto t = within(mantissas, 1);
    if (static_cast<int>(t.size()) <= max_ticks) return t;
  }
  for (int every = 2;; ++every) {
    auto t = within({1}, every);
    if (static_cast<int>(t.size()) <= std::max(1, max_ticks)) return t;
  }
}

std::string number_label(double v) {
  if (std::abs(v) < 1e-12) return "0";
  return fmt::format("{:.4g}", v);
}

ScaleBarSize scale_bar_size(double px_per_unit, double max_px) {
  if (!(px_per_unit > 0) || !(max_px > 0)) return {};
  const double max_length = max_px / px_per_unit;
  const double p = std::pow(10.0, std::floor(std::log10(max_length)));
  double length = p;
  for (const double m : {5.0, 2.0, 1.0}) {
    if (m * p <= max_length * (1 + 1e-9)) {
      length = m * p;
      break;
    }
  }
  return {length, length * px_per_unit};
}

double text_dy(VAlign valign, double size_px) {
  switch (valign) {
    case VAlign::kMiddle: return 0.35 * size_px;
    case VAlign::kTop: return 0.72 * size_px;
    default: return 0.0;
  }
}

Document::Document(double width_px, double height_px) : width_(width_px), height_(height_px) {}

void Document::rect(double x, double y, double w, double h, std::string_view fill, std::string_view extra) {
  body_ += fmt::format("<rect x=\"{}\" y=\"{}\" width=\"{}\" height=\"{}\" fill=\"{}\"{}{}/>\n", num(x), num(y), num(w), num(h), fill,
                       extra.empty() ? "" : " ", extra);
}

void Document::line(double x1, double y1, double x2, double y2, std::string_view stroke, double width_px, std::string_view extra) {
  body_ += fmt::format("<line x1=\"{}\" y1=\"{}\" x2=\"{}\" y2=\"{}\" stroke=\"{}\" stroke-width=\"{}\"{}{}/>\n", num(x1), num(y1), num(x2),
                       num(y2), stroke, num(width_px), extra.empty() ? "" : " ", extra);
}

void Document::text(double x, double y, std::string_view content, const TextStyle& s) {
  std::string attrs = fmt::format("x=\"{}\" y=\"{}\"", num(x), num(y));
  if (const double dy = text_dy(s.valign, s.size_px); dy != 0) attrs += fmt::format(" dy=\"{}\"", num(dy));
  attrs += fmt::format(" font-family=\"{}\" font-size=\"{}\"", kFontFamily, num(s.size_px));
  if (s.anchor != Anchor::kStart) attrs += fmt::format(" text-anchor=\"{}\"", anchor_name(s.anchor));
  if (s.bold) attrs += " font-weight=\"bold\"";
  if (s.fill != "#000000") attrs += fmt::format(" fill=\"{}\"", s.fill);
  if (s.rotate_deg != 0) attrs += fmt::format(" transform=\"rotate({} {} {})\"", num(s.rotate_deg), num(x), num(y));
  body_ += fmt::format("<text {}>{}</text>\n", attrs, xml_escape(content));
}

void Document::axis(const Axis& a) {
  const bool horizontal = a.side == Side::kBottom || a.side == Side::kTop;
  const double out = a.side == Side::kBottom || a.side == Side::kRight ? 1.0 : -1.0;  // direction away from the plot
  if (a.grid) {
    for (const auto& t : a.ticks) {
      if (horizontal) line(t.px, a.at, t.px, a.grid_to, a.grid_colour, 1);
      else line(a.at, t.px, a.grid_to, t.px, a.grid_colour, 1);
    }
  }
  if (a.line) {
    if (horizontal) line(a.from_px, a.at, a.to_px, a.at, a.colour, 1);
    else line(a.at, a.from_px, a.at, a.to_px, a.colour, 1);
  }
  TextStyle label{.size_px = a.font_px, .fill = a.colour};
  double widest = 0;
  for (const auto& t : a.ticks) {
    const double tip = a.at + out * a.tick_px;
    if (horizontal) {
      line(t.px, a.at, t.px, tip, a.colour, 1);
      label.anchor = Anchor::kMiddle;
      label.valign = a.side == Side::kBottom ? VAlign::kTop : VAlign::kBaseline;
      text(t.px, tip + out * 3, t.label, label);
    } else {
      line(a.at, t.px, tip, t.px, a.colour, 1);
      label.anchor = a.side == Side::kLeft ? Anchor::kEnd : Anchor::kStart;
      label.valign = VAlign::kMiddle;
      text(tip + out * 3, t.px, t.label, label);
      widest = std::max(widest, label_width(t.label, a.font_px));
    }
  }
  if (a.title.empty()) return;
  TextStyle title{.size_px = a.title_font_px, .anchor = Anchor::kMiddle, .fill = a.colour};
  const double mid = (a.from_px + a.to_px) / 2;
  const double beyond = a.tick_px + 3;  // the tick and the gap before its label
  switch (a.side) {
    case Side::kBottom:
      title.valign = VAlign::kTop;
      text(mid, a.at + beyond + a.font_px * 1.1 + 4, a.title, title);
      break;
    case Side::kTop: text(mid, a.at - beyond - a.font_px * 1.1 - 4, a.title, title); break;
    case Side::kLeft:
      title.rotate_deg = -90;  // reads upwards; the glyphs stand left of the baseline at x
      text(a.at - beyond - widest - 6, mid, a.title, title);
      break;
    case Side::kRight:
      title.rotate_deg = -90;
      text(a.at + beyond + widest + 6 + 0.75 * a.title_font_px, mid, a.title, title);
      break;
  }
}

void Document::scale_bar(double x, double y, const ScaleBarSize& size, std::string_view unit, double font_px) {
  const std::string tag = "stroke-linecap=\"butt\"";
  line(x, y, x + size.length_px, y, "#000000", 2, tag);
  line(x, y - 4, x, y + 4, "#000000", 1);
  line(x + size.length_px, y - 4, x + size.length_px, y + 4, "#000000", 1);
  text(x + size.length_px / 2, y + 6, fmt::format("{} {}", number_label(size.length), unit),
       {.size_px = font_px, .anchor = Anchor::kMiddle, .valign = VAlign::kTop});
}

void Document::colour_bar(double x, double y, double w, double h, double max_value, const std::function<std::string(double)>& colour,
                          std::string_view title, int steps, double font_px) {
  text(x, y - 5, title, {.size_px = font_px});
  if (max_value > 0)  // right of the bar, clear of a long title
    text(x + w + 5, y + h / 2, fmt::format("max {}", number_label(max_value)), {.size_px = font_px, .valign = VAlign::kMiddle, .fill = "#333333"});
  body_ += "<g shape-rendering=\"crispEdges\">\n";
  for (int i = 0; i < steps; ++i) {
    // Each band overlaps the next by half a px, so that no seam shows between them.
    rect(x + i * w / steps, y, w / steps + (i + 1 < steps ? 0.5 : 0), h, colour((i + 0.5) / steps));
  }
  body_ += "</g>\n";
  rect(x, y, w, h, "none", "stroke=\"#555555\" stroke-width=\"0.5\"");
  const std::vector<double> ticks = max_value > 0 ? nice_ticks(0, max_value, 5) : std::vector<double>{0.0};
  for (const double v : ticks) {
    const double px = max_value > 0 ? x + v / max_value * w : x;
    line(px, y + h, px, y + h + 4, "#333333", 1);
    text(px, y + h + 6, number_label(v), {.size_px = font_px, .anchor = Anchor::kMiddle, .valign = VAlign::kTop, .fill = "#333333"});
  }
}

void Document::raw(std::string_view markup) { body_ += markup; }

std::string Document::str() const {
  return fmt::format("<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{0}\" height=\"{1}\" viewBox=\"0 0 {0} {1}\" font-family=\"{2}\">\n"
                     "<rect x=\"0\" y=\"0\" width=\"{0}\" height=\"{1}\" fill=\"#ffffff\"/>\n{3}</svg>\n",
                     num(width_), num(height_), kFontFamily, body_);
}

}  // namespace wafersim::svg
