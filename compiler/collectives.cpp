#include "compiler/collectives.hpp"

#include <cmath>
#include <stdexcept>

namespace wafersim::compiler {

namespace {

double ring(Collective c, double bytes, double n, double bw, double lat) {
  const double part = (n - 1) / n * bytes / bw + (n - 1) * lat;
  return c == Collective::kAllReduce ? 2 * part : part;
}

}  // namespace

double collective_seconds(Collective c, CollectiveAlgorithm a, double bytes, std::int64_t n, double bw, double lat) {
  if (n < 1 || bw <= 0 || bytes < 0 || lat < 0) throw std::invalid_argument("collective_seconds: bad arguments");
  if (n == 1 || bytes == 0) return 0.0;
  const auto N = static_cast<double>(n);
  switch (a) {
    case CollectiveAlgorithm::kRing:
      return ring(c, bytes, N, bw, lat);
    case CollectiveAlgorithm::kTree:
      // Trees help all-reduce (latency log n); the other collectives move the same bytes as a ring.
      if (c != Collective::kAllReduce) return ring(c, bytes, N, bw, lat);
      return 2 * bytes / bw + 2 * std::ceil(std::log2(N)) * lat;
    case CollectiveAlgorithm::kMesh2d: {
      if (c == Collective::kAllToAll) return ring(c, bytes, N, bw, lat);
      // Rows of r devices, then columns of n / r over the row-reduced 1/r of the buffer.
      const double r = std::max(1.0, std::floor(std::sqrt(N)));
      const double cols = N / r;
      return ring(c, bytes, r, bw, lat) + ring(c, bytes / r, cols, bw, lat);
    }
  }
  return 0.0;
}

const char* to_string(Collective c) {
  switch (c) {
    case Collective::kAllReduce: return "all-reduce";
    case Collective::kReduceScatter: return "reduce-scatter";
    case Collective::kAllGather: return "all-gather";
    case Collective::kAllToAll: return "all-to-all";
  }
  return "?";
}

const char* to_string(CollectiveAlgorithm a) {
  switch (a) {
    case CollectiveAlgorithm::kRing: return "ring";
    case CollectiveAlgorithm::kTree: return "tree";
    case CollectiveAlgorithm::kMesh2d: return "2d_mesh";
  }
  return "?";
}

}  // namespace wafersim::compiler
