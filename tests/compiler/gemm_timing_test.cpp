// GPU matmul time by waves of tiles, against hand-worked cases.
#include <gtest/gtest.h>

#include "compiler/gemm_timing.hpp"

namespace wafersim::compiler {
namespace {

// An A100-like device: 108 SMs, 312 TFLOP/s at efficiency 0.8, 2 TB/s.
DeviceSpec a100() {
  DeviceSpec d;
  d.peak_flops = 312e12;
  d.matmul_efficiency = 0.8;
  d.memory_bytes_per_s = 2e12;
  d.sms = 108;
  d.fp8_peak_flops = 624e12;
  d.fp8_matmul_efficiency = 0.5;
  return d;
}

// 1536 x 2304 is 12 x 9 = 108 tiles of 128 x 256: one full wave, nothing wasted.
TEST(GemmTiming, OneFullWaveOfWholeTilesRunsAtTheSustainedRate) {
  const GemmShape s{1, 1536, 4096, 2304};
  EXPECT_DOUBLE_EQ(gemm_quantization_efficiency(a100(), s), 1.0);
  EXPECT_DOUBLE_EQ(gemm_seconds(a100(), s, 0, MatmulPrecision::kBf16), s.flops() / (0.8 * 312e12));
}

// One more row: 128 x 256 tiles need 13 x 9 = 117 (2 waves), 256 x 128 need 7 x 18 = 126 (2 waves),
// 128 x 128 need 13 x 18 = 234 (3 waves); the last does the least padded work, 3 x 108 x 128^2.
TEST(GemmTiming, APartialTileAndAPartialWaveCostWholeOnes) {
  const GemmShape s{1, 1537, 4096, 2304};
  const double padded = 3.0 * 108 * 2 * 128 * 128 * 4096;
  EXPECT_DOUBLE_EQ(gemm_quantization_efficiency(a100(), s), s.flops() / padded);
  EXPECT_DOUBLE_EQ(gemm_seconds(a100(), s, 0, MatmulPrecision::kBf16), padded / (0.8 * 312e12));
  // Batched: 109 heads of 128 x 256 take 109 tiles of 128 x 256 (2 waves, 2 x 32768 per SM) or 218
  // of 128 x 128 (3 waves, 3 x 16384): the second.
  const GemmShape b{109, 128, 64, 256};
  EXPECT_DOUBLE_EQ(gemm_seconds(a100(), b, 0, MatmulPrecision::kBf16), 3.0 * 108 * 2 * 128 * 128 * 64 / (0.8 * 312e12));
}

// FP8 at its own peak and efficiency; a skinny matmul is bound by its bytes; a device without SMs
// takes the FLOPs alone.
TEST(GemmTiming, Fp8MemoryBoundAndShapeFree) {
  const GemmShape s{1, 1536, 4096, 2304};
  EXPECT_DOUBLE_EQ(gemm_seconds(a100(), s, 0, MatmulPrecision::kFp8), s.flops() / (0.5 * 624e12));
  // 16384 x 32 x 16384 does 2 x 32 FLOPs per output element written: bound by its 0.54 GB.
  const GemmShape flat{1, 16384, 32, 16384};
  const double bytes = 2.0 * (2 * 16384 * 32 + 16384.0 * 16384);
  EXPECT_DOUBLE_EQ(gemm_seconds(a100(), flat, bytes, MatmulPrecision::kBf16), bytes / 2e12);
  // 8 x 65536 x 256: one 128 x 256 tile or two of 128 x 128, so k is split 16 ways (4096 deep
  // each) and one wave of the smaller tile does it.
  const GemmShape skinny{1, 8, 65536, 256};
  EXPECT_DOUBLE_EQ(gemm_seconds(a100(), skinny, 0, MatmulPrecision::kBf16), 108.0 * 2 * 128 * 128 * 4096 / (0.8 * 312e12));
  DeviceSpec wafer = a100();
  wafer.sms = 0;
  const GemmShape odd{1, 1537, 4096, 2304};
  EXPECT_DOUBLE_EQ(gemm_seconds(wafer, odd, 0, MatmulPrecision::kBf16), odd.flops() / (0.8 * 312e12));
  EXPECT_DOUBLE_EQ(gemm_quantization_efficiency(wafer, odd), 1.0);
}

}  // namespace
}  // namespace wafersim::compiler
