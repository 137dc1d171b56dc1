#include "compiler/gemm_timing.hpp"

#include <algorithm>
#include <cmath>
#include <limits>

namespace wafersim::compiler {

namespace {

struct Tile {
  double m, n;
};
constexpr Tile kTiles[] = {{128, 256}, {256, 128}, {128, 128}};

// Tile-slot FLOPs the SMs spend (full waves of whole tiles) for the fastest tile.
double padded_flops(const DeviceSpec& d, const GemmShape& s) {
  double best = std::numeric_limits<double>::infinity();
  const double sms = static_cast<double>(d.sms);
  for (const Tile& t : kTiles) {
    const double tiles = s.batch * std::ceil(s.m / t.m) * std::ceil(s.n / t.n);
    // Fewer tiles than SMs: split k over up to 16 blocks per tile (split-K), each at least 256 deep.
    const double split = std::max(1.0, std::min({16.0, std::floor(sms / tiles), std::floor(s.k / 256.0)}));
    const double waves = std::ceil(tiles * split / sms);
    best = std::min(best, waves * sms * 2.0 * t.m * t.n * s.k / split);
  }
  return best;
}

}  // namespace

double gemm_quantization_efficiency(const DeviceSpec& d, const GemmShape& s) {
  if (d.sms <= 0 || s.flops() <= 0) return 1.0;
  return s.flops() / padded_flops(d, s);
}

double gemm_seconds(const DeviceSpec& d, const GemmShape& s, double bytes, MatmulPrecision p) {
  const bool fp8 = p == MatmulPrecision::kFp8;
  const double rate = fp8 ? d.fp8_peak_flops * d.fp8_matmul_efficiency : d.peak_flops * d.matmul_efficiency;
  const double work = d.sms > 0 && s.flops() > 0 ? padded_flops(d, s) : s.flops();
  return std::max(work / rate, bytes / d.memory_bytes_per_s);
}

}  // namespace wafersim::compiler
