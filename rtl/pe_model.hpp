#pragma once
// The PE (rtl/sv/pe.sv) in C++: its arithmetic (int8 x int8 -> int32 wrapping; bf16 x bf16 -> fp32
// accumulated in k order, round to nearest even, subnormals flushed to zero) and its schedule
// (done M * ceil(N / LANES) * (K + 1) edges after start), so that the co-simulation compares results bit for bit
// and the done cycle exactly; an Eigen reference checks the arithmetic independently.
#include <cstdint>
#include <vector>

namespace wafersim::rtl {

// bf16 <-> float (bf16 is the top half of an fp32).
float bf16_to_float(std::uint16_t b);
// fp32 arithmetic with the PE's rules, on the host's IEEE floats.
float pe_ftz(float x);
float pe_bf16_mac(float acc, std::uint16_t a, std::uint16_t b);
std::int32_t pe_int8_mac(std::int32_t acc, std::uint16_t a, std::uint16_t b);

struct PeJob {
  bool bf16 = false;
  int m = 1, n = 1, k = 1;                 // 1..16
  std::vector<std::uint16_t> a, b;         // row-major m x k and k x n (int8 in the low byte)
};

// C (row-major m x n, as fp32 or int32 bit patterns) the PE computes for `job`. Each element is
// accumulated in k order whatever the lane count, so the lanes change only the schedule.
std::vector<std::uint32_t> pe_compute(const PeJob& job);
// Clock edges from the one that samples start to the one that raises done.
std::uint64_t pe_cycles(const PeJob& job, int lanes);

}  // namespace wafersim::rtl
