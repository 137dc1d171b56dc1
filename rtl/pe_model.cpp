#include "rtl/pe_model.hpp"

#include <bit>
#include <cmath>
#include <limits>

namespace wafersim::rtl {

float bf16_to_float(std::uint16_t b) { return std::bit_cast<float>(static_cast<std::uint32_t>(b) << 16); }

float pe_ftz(float x) { return std::fpclassify(x) == FP_SUBNORMAL ? std::copysign(0.0f, x) : x; }

float pe_bf16_mac(float acc, std::uint16_t a, std::uint16_t b) {
  // Products of two bf16 are exact in fp32 (8 + 8 significand bits); subnormal inputs count as zero.
  const float p = pe_ftz(pe_ftz(bf16_to_float(a)) * pe_ftz(bf16_to_float(b)));
  return pe_ftz(acc + p);
}

std::int32_t pe_int8_mac(std::int32_t acc, std::uint16_t a, std::uint16_t b) {
  const auto p = static_cast<std::int32_t>(static_cast<std::int8_t>(a & 0xff)) * static_cast<std::int8_t>(b & 0xff);
  return static_cast<std::int32_t>(static_cast<std::uint32_t>(acc) + static_cast<std::uint32_t>(p));  // wraps, as the RTL
}

std::vector<std::uint32_t> pe_compute(const PeJob& job) {
  std::vector<std::uint32_t> c(static_cast<std::size_t>(job.m * job.n));
  for (int i = 0; i < job.m; ++i)
    for (int j = 0; j < job.n; ++j) {
      float f = 0.0f;
      std::int32_t s = 0;
      for (int k = 0; k < job.k; ++k) {  // k order: the order the RTL accumulates in
        const std::uint16_t a = job.a[static_cast<std::size_t>(i * job.k + k)], b = job.b[static_cast<std::size_t>(k * job.n + j)];
        if (job.bf16) f = pe_bf16_mac(f, a, b);
        else s = pe_int8_mac(s, a, b);
      }
      c[static_cast<std::size_t>(i * job.n + j)] = job.bf16 ? std::bit_cast<std::uint32_t>(f) : static_cast<std::uint32_t>(s);
    }
  return c;
}

std::uint64_t pe_cycles(const PeJob& job, int lanes) {
  const int blocks = (job.n + lanes - 1) / lanes;
  return static_cast<std::uint64_t>(job.m) * static_cast<std::uint64_t>(blocks) * static_cast<std::uint64_t>(job.k + 1);
}

}  // namespace wafersim::rtl
