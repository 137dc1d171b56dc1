#include "compiler/moe_routing.hpp"

#include <algorithm>
#include <cmath>

namespace wafersim::compiler {

MoeLoad moe_load(const MoeSpec& moe, double tokens) {
  MoeLoad load;
  const int E = moe.experts;
  if (E <= 0) return load;
  std::vector<double> share(static_cast<std::size_t>(E));
  double sum = 0;
  for (int r = 0; r < E; ++r) sum += share[static_cast<std::size_t>(r)] = std::pow(static_cast<double>(r + 1), -moe.router_skew);
  const double slots = tokens * moe.top_k;
  const double capacity = moe.capacity_factor * slots / E;
  double dropped = 0;
  load.processed.resize(share.size());
  for (std::size_t e = 0; e < share.size(); ++e) {
    const double routed = slots * share[e] / sum;
    load.processed[e] = std::min(routed, capacity);
    dropped += routed - load.processed[e];
  }
  load.dropped_fraction = slots > 0 ? dropped / slots : 0;
  return load;
}

double MoeLoad::imbalance(int ep) const {
  if (processed.empty() || ep <= 1) return 1.0;
  const std::size_t per_rank = processed.size() / static_cast<std::size_t>(ep);
  double busiest = 0, total = 0;
  for (std::size_t r = 0; r < static_cast<std::size_t>(ep); ++r) {
    double work = 0;
    for (std::size_t e = r * per_rank; e < (r + 1) * per_rank; ++e) work += processed[e];
    busiest = std::max(busiest, work);
    total += work;
  }
  return total > 0 ? busiest * static_cast<double>(ep) / total : 1.0;
}

}  // namespace wafersim::compiler
