#pragma once
// PE co-simulation: random matmul jobs (both formats, shapes 1..16) loaded into the Verilated PE
// through its SRAM port, run, and read back; each result compared bit for bit with the C++ PE
// model (rtl/pe_model.hpp) and the done cycle with its schedule, and independently with Eigen:
// int8 exactly (int32 matmul), bf16 within the bound of fp32 accumulation in k order,
// |c - ref| <= gamma_K * sum_k |a_ik b_kj| with gamma_K = K u / (1 - K u), u = 2^-24 (Higham,
// "Accuracy and Stability of Numerical Algorithms", 2002, eq. 3.5), against an exact double
// reference.
//
// Must be run in a process of its own (rtl/isolated.hpp).
#include <cstdint>

#include <nlohmann/json.hpp>

namespace wafersim::rtl {

struct PeCosimOptions {
  int jobs = 200;
  std::uint64_t seed = 1;
};

nlohmann::json run_pe_cosim(const PeCosimOptions& options);

}  // namespace wafersim::rtl
