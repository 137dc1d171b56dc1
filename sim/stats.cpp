#include "sim/stats.hpp"

#include <cmath>

namespace wafersim::sim {

std::uint64_t LatencyHistogram::quantile(double q) const {
  if (count_ == 0) return 0;
  const auto need = static_cast<std::uint64_t>(std::ceil(q * static_cast<double>(count_)));
  std::uint64_t seen = 0;
  for (std::size_t i = 0; i < bins_.size(); ++i) {
    seen += bins_[i];
    if (seen >= need && seen > 0) return i;
  }
  return kBins;
}

}  // namespace wafersim::sim
