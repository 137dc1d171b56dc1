#include "compiler/layout_request.hpp"

#include <fmt/format.h>

#include <algorithm>

#include "compiler/graph.hpp"
#include "core/input_error.hpp"

namespace wafersim::compiler {
namespace {

std::vector<std::string> comma_items(const std::string& value) {
  std::vector<std::string> items;
  for (std::size_t start = 0; start <= value.size();) {
    const std::size_t end = std::min(value.find(',', start), value.size());
    items.push_back(value.substr(start, end - start));
    start = end + 1;
  }
  return items;
}

}  // namespace

Parallelism::Overlap parse_overlap(const std::string& text) {
  if (text == "all") return {};
  Parallelism::Overlap o{false, false, false};
  if (text == "none") return o;
  for (const std::string& item : comma_items(text)) {
    if (item == "tp") o.tp = true;
    else if (item == "dp") o.dp = true;
    else if (item == "pp") o.pp = true;
    else throw InputError(fmt::format("--overlap {}: '{}' is not tp, dp or pp (or give all or none)", text, item));
  }
  return o;
}

std::vector<std::int64_t> parse_stage_layers(const std::string& text) {
  std::vector<std::int64_t> layers;
  if (text.empty()) return layers;
  for (const std::string& item : comma_items(text)) {
    std::size_t used = 0;
    long long n = 0;
    try {
      n = std::stoll(item, &used);
    } catch (const std::exception&) {
      used = 0;
    }
    if (used != item.size() || item.empty() || n < 1)
      throw InputError(fmt::format("--stage-layers {}: '{}' is not a positive layer count", text, item));
    layers.push_back(n);
  }
  return layers;
}

Parallelism layout_of(const LayoutRequest& r, std::int64_t devices, const std::string& unit) {
  Parallelism p;
  p.tp = r.tp;
  p.pp = r.pp;
  p.cp = r.cp;
  if (r.dp > 0) {
    p.dp = r.dp;
  } else if (devices % (r.tp * r.cp * r.pp) != 0) {
    throw InputError(r.cp > 1 ? fmt::format("--tp {} x --cp {} x --pp {} does not divide the {} {}", r.tp, r.cp, r.pp, devices, unit)
                              : fmt::format("--tp {} x --pp {} does not divide the {} {}", r.tp, r.pp, devices, unit));
  } else {
    p.dp = devices / (r.tp * r.cp * r.pp);
  }
  p.ep = r.ep;
  p.micro_batch = r.micro_batch;
  p.interleave = r.interleave;
  p.sequence_parallel = r.sequence_parallel;
  p.zero_stage = r.zero_stage;
  p.recompute = parse_recompute(r.recompute);
  p.flash_attention = r.flash_attention;
  p.fp8 = r.fp8;
  p.overlap = parse_overlap(r.overlap);
  p.stage_layers = parse_stage_layers(r.stage_layers);
  return p;
}

}  // namespace wafersim::compiler
