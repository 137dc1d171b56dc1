#pragma once
// A parallel layout as a user writes it (`wafersim estimate --tp 8 --pp 16 --cp 2 ...`), and the
// Parallelism it stands for on a machine of so many devices. The estimate's own rules (a degree
// that does not divide the heads, layers, batch or sequence) are checked later, by
// estimate_training; here only what the request itself can get wrong.
#include <cstdint>
#include <string>
#include <vector>

#include "compiler/training_estimate.hpp"

namespace wafersim::compiler {

struct LayoutRequest {
  std::int64_t tp = 1, pp = 1;
  std::int64_t dp = 0;  // 0: devices / (tp x cp x pp)
  std::int64_t ep = 1, cp = 1, micro_batch = 1, interleave = 1;
  bool sequence_parallel = false;
  int zero_stage = 0;
  std::string recompute = "full";   // none | selective | full
  bool flash_attention = false;
  bool fp8 = false;
  std::string overlap = "all";      // all | none | a comma list of tp, dp, pp
  std::string stage_layers;         // a comma list of layers per pipeline stage; empty: even
};

// "all", "none", or a comma list of tp, dp, pp. Throws InputError naming --overlap.
Parallelism::Overlap parse_overlap(const std::string& text);
// "5,6,6,5": positive layer counts. Throws InputError naming --stage-layers.
std::vector<std::int64_t> parse_stage_layers(const std::string& text);
// The layout on `devices` devices (`unit` names them in errors: "devices", "wafers"). Throws
// InputError when tp x cp x pp does not divide the devices and no dp is given.
Parallelism layout_of(const LayoutRequest& request, std::int64_t devices, const std::string& unit);

}  // namespace wafersim::compiler
