#pragma once
// One small SVG writer shared by every picture the C++ side draws (the wafer maps, the link heat
// maps, the placement map, the sensitivity tornado chart): a document in px, text, axes with
// ticks, a scale bar and a colour bar.
//
// Text is written so that librsvg (rsvg-convert), Inkscape and browsers render it alike: an
// explicit font-family list and font-size in px as attributes on each <text>, horizontal
// alignment by text-anchor only, vertical alignment by a dy offset in px (no dominant-baseline or
// alignment-baseline, which librsvg and browsers treat differently), no <style> sheet or CSS
// classes, no textLength. Every string is XML-escaped (core/xml_text.hpp).
#include <functional>
#include <string>
#include <string_view>
#include <vector>

namespace wafersim::svg {

// Fonts every viewer finds: DejaVu on Linux (librsvg, Inkscape), Arial on Windows and macOS.
inline constexpr std::string_view kFontFamily = "DejaVu Sans, Arial, Helvetica, sans-serif";

// A linear map from data values [d0, d1] onto px [p0, p1] (p1 < p0 for an upward y axis).
struct LinearScale {
  double d0 = 0, d1 = 1, p0 = 0, p1 = 1;
  double px(double v) const { return p0 + (v - d0) * (p1 - p0) / (d1 - d0); }
};

// A logarithmic map from data values [d0, d1] (both > 0) onto px [p0, p1].
struct LogScale {
  double d0 = 1, d1 = 10, p0 = 0, p1 = 1;
  double px(double v) const;
};

// Round tick values in [lo, hi]: the multiples of the smallest step of 1, 2 or 5 x 10^k that
// gives at most `max_ticks` ticks and is at least `min_step` (1 for tile indices).
// nice_ticks(0, 29, 8) = 0, 5, 10, 15, 20, 25.
std::vector<double> nice_ticks(double lo, double hi, int max_ticks, double min_step = 0.0);

// Ticks for a log axis over [lo, hi] (both > 0): 1, 2, 5 x 10^k where that gives at most
// `max_ticks`, else 1, 3 x 10^k, else the powers of ten alone (every n-th where still too many).
// log_ticks(0.5, 2, 10) = 0.5, 1, 2.
std::vector<double> log_ticks(double lo, double hi, int max_ticks);

// A tick value as a reader writes it: 0.03, 0.1, 1, 2.5, 300, 1e+06 (%g with 4 digits).
std::string number_label(double v);

// A scale bar: the longest round length (1, 2 or 5 x 10^k units) no longer than `max_px` at
// `px_per_unit`. With 3 px/mm and 225 px: 50 mm, 150 px.
struct ScaleBarSize {
  double length = 0;     // in the unit
  double length_px = 0;  // drawn length
};
ScaleBarSize scale_bar_size(double px_per_unit, double max_px);

enum class Anchor { kStart, kMiddle, kEnd };
// Where y lies on the text: its baseline, the middle of the capitals, or the top of the capitals.
// kMiddle and kTop are done with dy (0.35 and 0.72 of the font size).
enum class VAlign { kBaseline, kMiddle, kTop };

struct TextStyle {
  double size_px = 12;
  Anchor anchor = Anchor::kStart;
  VAlign valign = VAlign::kBaseline;
  std::string fill = "#000000";
  bool bold = false;
  double rotate_deg = 0;  // about (x, y); -90 for a vertical axis title reading upwards
};

// dy for a vertical alignment at a font size: 0, 0.35 x size, 0.72 x size.
double text_dy(VAlign valign, double size_px);

enum class Side { kBottom, kTop, kLeft, kRight };

// An axis: a line at `at` (y for bottom/top, x for left/right) from `from_px` to `to_px`, ticks
// pointing out of the plot at each `ticks` position (px) with its label, and a title beyond them.
struct Axis {
  Side side = Side::kBottom;
  double at = 0, from_px = 0, to_px = 0;
  struct Tick {
    double px;
    std::string label;
  };
  std::vector<Tick> ticks = {};
  std::string title = "";
  double tick_px = 5, font_px = 11, title_font_px = 12;
  bool line = true;
  std::string colour = "#333333";
  // With `grid`, light lines across the plot at each tick, from `at` to `grid_to` (the far edge).
  bool grid = false;
  double grid_to = 0;
  std::string grid_colour = "#dddddd";
};

class Document {
 public:
  // A document of width x height px on a white background.
  Document(double width_px, double height_px);

  void rect(double x, double y, double w, double h, std::string_view fill, std::string_view extra = "");
  void line(double x1, double y1, double x2, double y2, std::string_view stroke, double width_px = 1, std::string_view extra = "");
  void text(double x, double y, std::string_view content, const TextStyle& style = {});
  void axis(const Axis& a);
  // A horizontal bar `length_px` long with end ticks from (x, y), its label ("50 mm") centred under it.
  void scale_bar(double x, double y, const ScaleBarSize& size, std::string_view unit, double font_px = 11);
  // A horizontal colour bar of w x h px at (x, y) for values [0, max_value]: `colour(t)` for t in
  // [0, 1] in `steps` bands, ticks at nice values with labels under it, the title (with its
  // unit) above it and "max V" right of it.
  void colour_bar(double x, double y, double w, double h, double max_value, const std::function<std::string(double)>& colour,
                  std::string_view title, int steps = 32, double font_px = 11);
  // Markup written as it is (a group, a clip path, shapes in another coordinate system).
  void raw(std::string_view markup);

  double width() const { return width_; }
  double height() const { return height_; }
  // The document: the <svg> element with everything added, closed.
  std::string str() const;

 private:
  double width_, height_;
  std::string body_;
};

}  // namespace wafersim::svg
