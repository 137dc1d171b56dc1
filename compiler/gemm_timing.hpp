#pragma once
// How long one device takes for a matmul, batch x [m x k] x [k x n], from first principles.
//
// A GPU's GEMM kernel cuts the m x n output into tm x tn tiles, one per thread block, and each
// block walks the whole of k. The streaming multiprocessors take the tiles in waves, `sms` at a
// time, so
//   waves   = ceil(batch x ceil(m / tm) x ceil(n / tn) / sms)
//   compute = waves x 2 tm tn k / (efficiency x peak / sms)
// A partial tile costs a whole one (tile quantization) and a partial last wave a whole wave (wave
// quantization): NVIDIA's "Matrix Multiplication Background User's Guide" shows both on A100. The
// library picks the fastest of its large tiles, 128 x 256, 256 x 128 and 128 x 128 (the tiles
// cuBLAS and CUTLASS use for large bf16 and FP8 GEMMs on Ampere and Hopper); smaller tiles reuse
// less and are not modelled, so a matmul with a dimension far below 128 (a small router) is
// padded up to a whole tile. With fewer tiles than SMs it splits k over up to 16 blocks per tile
// (split-K, each at least 256 deep; the partial sums' reduction is not counted). `efficiency` is what the tensor cores sustain inside full waves
// (the device's fitted matmul_efficiency or fp8_matmul_efficiency, docs/validation.md). A matmul
// never runs faster than its bytes move at memory bandwidth (the small-matmul and
// low-arithmetic-intensity regime):
//   time = max(compute, bytes / memory bandwidth)
// A device without `sms` (a wafer, whose tiles the cycle engine and cost model time) takes the
// FLOPs alone: 2 batch m k n / (efficiency x peak).
#include "compiler/cluster_spec.hpp"

namespace wafersim::compiler {

struct GemmShape {
  double batch = 1, m = 0, k = 0, n = 0;  // per device; fractional rows are expected token counts
  double flops() const { return 2.0 * batch * m * k * n; }
};

enum class MatmulPrecision { kBf16, kFp8 };

// Seconds for the matmul on `device`; `bytes` are what it reads and writes in device memory.
double gemm_seconds(const DeviceSpec& device, const GemmShape& shape, double bytes, MatmulPrecision precision);

// The fraction of the time that does useful work: flops / (waves x sms x 2 tm tn k) for the
// tile chosen (1 on a device without `sms`).
double gemm_quantization_efficiency(const DeviceSpec& device, const GemmShape& shape);

}  // namespace wafersim::compiler
