#include "compiler/sensitivity_chart.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>

#include "core/xml_text.hpp"

namespace wafersim::compiler {

// A tornado chart: each row's answer against the base, on a log scale.
std::string sensitivity_svg(const std::vector<SensitivityRow>& rows, const std::string& title, const std::string& unit) {
  const double base = rows.front().answer;
  double lo = 1, hi = 1;
  for (const auto& r : rows)
    if (r.answer > 0) lo = std::min(lo, r.answer / base), hi = std::max(hi, r.answer / base);
  lo = std::min(lo, 0.5), hi = std::max(hi, 2.0);
  const double x0 = 430, width = 420, row_h = 22;
  const double H = 70 + row_h * static_cast<double>(rows.size());
  auto X = [&](double ratio) { return x0 + width * (std::log(ratio) - std::log(lo)) / (std::log(hi) - std::log(lo)); };
  std::string o = fmt::format(R"(<svg xmlns="http://www.w3.org/2000/svg" width="{:.0f}" height="{:.0f}" font-family="sans-serif" font-size="12">)"
                              "\n<text x=\"8\" y=\"18\" font-size=\"14\">{}</text>\n",
                              x0 + width + 120, H, xml_escape(title));
  for (double t : {0.1, 0.2, 0.5, 1.0, 2.0, 5.0, 10.0, 20.0, 50.0, 100.0}) {
    if (t < lo || t > hi) continue;
    o += fmt::format(R"(<line x1="{0:.1f}" y1="30" x2="{0:.1f}" y2="{1:.0f}" stroke="{2}"/><text x="{0:.1f}" y="{3:.0f}" text-anchor="middle">x{4:g}</text>)" "\n",
                     X(t), H - 30, t == 1.0 ? "#000" : "#ddd", H - 14, t);
  }
  double y = 40;
  for (const auto& r : rows) {
    o += fmt::format(R"(<text x="8" y="{:.0f}">{}: {}</text>)" "\n", y + 13, xml_escape(r.knob), xml_escape(r.setting));
    if (r.answer > 0) {
      const double a = X(1.0), b = X(r.answer / base);
      o += fmt::format(R"(<rect x="{:.1f}" y="{:.0f}" width="{:.1f}" height="{:.0f}" fill="{}"/><text x="{:.1f}" y="{:.0f}">{:.4g} {}</text>)" "\n",
                       std::min(a, b), y + 2, std::max(1.0, std::abs(b - a)), row_h - 6, r.answer > base ? "#c0504d" : "#4f81bd",
                       std::max(a, b) + 4, y + 13, r.answer, unit);
    } else {
      o += fmt::format(R"(<text x="{:.1f}" y="{:.0f}">{}</text>)" "\n", X(1.0) + 4, y + 13, xml_escape(r.limit));
    }
    y += row_h;
  }
  return o + "</svg>\n";
}

}  // namespace wafersim::compiler
