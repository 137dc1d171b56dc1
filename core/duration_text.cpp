#include "core/duration_text.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>

namespace wafersim {

std::string duration_text(double seconds) {
  if (!std::isfinite(seconds)) return "unbounded time";
  const double s = std::max(0.0, seconds);
  constexpr double kMinute = 60, kHour = 3600, kDay = 86400, kYear = 365.25 * kDay;
  if (s >= 10 * kYear) return fmt::format("{:.3g} years", s / kYear);
  if (s >= kDay) return fmt::format("{:.1f} days", s / kDay);
  if (s >= kHour) return fmt::format("{:.1f} hours", s / kHour);
  if (s >= kMinute) return fmt::format("{:.1f} minutes", s / kMinute);
  if (s >= 1) return fmt::format("{:.3g} s", s);
  return fmt::format("{:.3g} ms", s * 1e3);
}

}  // namespace wafersim
