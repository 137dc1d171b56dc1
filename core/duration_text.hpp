#pragma once
// A wall-clock duration in the unit a reader expects at its scale: "4.6 days", "7.3 hours",
// "32.0 minutes", "45.2 s", "380 ms". A 30-minute training run printed as "0.0 days" says nothing;
// every scale keeps three significant figures or one decimal.
#include <string>

namespace wafersim {

std::string duration_text(double seconds);

}  // namespace wafersim
