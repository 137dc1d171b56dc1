#pragma once
// The sensitivity of a wafer-cluster estimate as a tornado chart (SVG): one row per knob and
// setting, a bar from the base answer to the row's on a log scale with 1-2-5 ticks (x0.5, x1, x2, ...), the
// answer in `unit` at the bar's end, and the limit in words where a row has no answer.
#include <string>
#include <vector>

#include "compiler/wafer_estimate.hpp"

namespace wafersim::compiler {

// rows.front() is the base. Text is XML-escaped.
std::string sensitivity_svg(const std::vector<SensitivityRow>& rows, const std::string& title, const std::string& unit);

}  // namespace wafersim::compiler
