#include "compiler/sensitivity_chart.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>

#include "core/svg.hpp"

namespace wafersim::compiler {

// A tornado chart: each row's answer against the base, on a log scale.
std::string sensitivity_svg(const std::vector<SensitivityRow>& rows, const std::string& title, const std::string& unit) {
  const double base = rows.front().answer;
  double lo = 1, hi = 1;
  for (const auto& r : rows)
    if (r.answer > 0) lo = std::min(lo, r.answer / base), hi = std::max(hi, r.answer / base);
  lo = std::min(lo, 0.5), hi = std::max(hi, 2.0);
  const double x0 = 430, width = 420, row_h = 22;
  const double plot_bottom = 40 + row_h * static_cast<double>(rows.size()) + 4;
  const svg::LogScale X{lo, hi, x0, x0 + width};
  svg::Document doc(x0 + width + 130, plot_bottom + 52);
  doc.text(8, 20, title, {.size_px = 15});

  // The log axis under the rows, a light grid line up through them at each tick, the base darker.
  svg::Axis axis{.side = svg::Side::kBottom, .at = plot_bottom, .from_px = x0, .to_px = x0 + width,
                 .title = fmt::format("{} relative to the base (log scale)", unit), .grid = true, .grid_to = 30};
  for (const double t : svg::log_ticks(lo, hi, 10)) axis.ticks.push_back({X.px(t), fmt::format("x{}", svg::number_label(t))});
  doc.axis(axis);
  doc.line(X.px(1.0), 30, X.px(1.0), plot_bottom, "#000000", 1);

  const svg::TextStyle label{.size_px = 12};
  double y = 40;
  for (const auto& r : rows) {
    doc.text(8, y + 13, fmt::format("{}: {}", r.knob, r.setting), label);
    if (r.answer > 0) {
      const double a = X.px(1.0), b = X.px(r.answer / base);
      doc.rect(std::min(a, b), y + 2, std::max(1.0, std::abs(b - a)), row_h - 6, r.answer > base ? "#c0504d" : "#4f81bd");
      doc.text(std::max(a, b) + 4, y + 13, fmt::format("{:.4g} {}", r.answer, unit), label);
    } else {
      doc.text(X.px(1.0) + 4, y + 13, r.limit, label);
    }
    y += row_h;
  }
  return doc.str();
}

}  // namespace wafersim::compiler
