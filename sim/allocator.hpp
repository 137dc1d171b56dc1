#pragma once
// Separable allocators for the router's VC allocation and switch allocation, chosen by name
// (`router.vc_allocator`, `router.sw_allocator`), each implementation one file under impl/:
//
//   separable_input_first  each input's round-robin arbiter picks one of its requested outputs,
//                          then each output's round-robin arbiter picks one of the inputs that
//                          picked it; a pointer moves past the winner only on a grant.
//   islip                  iSLIP (N. McKeown, IEEE/ACM ToN 7(2), 1999), `alloc_iters` iterations
//                          of request, grant (output arbiters) and accept (input arbiters); the
//                          pointers move only on grants accepted in the first iteration.
//
// A problem is at most 64 inputs x 64 outputs given as one request bitmask per input, so an
// allocation is a few bit operations per input; the round-robin pointers are the caller's (one
// set per router, kept in the engine's flat arrays). The engine picks the function once per run:
// no virtual call in the cycle loop.
#include <bit>
#include <cstdint>
#include <string>
#include <vector>

#include "core/registry.hpp"

namespace wafersim::sim {

struct AllocProblem {
  int inputs = 0;
  int outputs = 0;
  const std::uint64_t* requests = nullptr;  // [inputs]: bit o set if input i requests output o
  std::uint8_t* input_ptr = nullptr;        // [inputs] round-robin pointers (output index)
  std::uint8_t* output_ptr = nullptr;       // [outputs] round-robin pointers (input index)
  int iterations = 1;
  std::int8_t* grant = nullptr;  // [inputs] out: the output granted to input i, or -1
};

using AllocateFn = void (*)(AllocProblem& p);

struct AllocatorEntry {
  std::string name;
  std::string summary;
  std::vector<std::string> keys;
  AllocateFn allocate = nullptr;
};
using AllocatorRegistry = Registry<AllocatorEntry>;
using RegisterAllocator = Registration<AllocatorEntry>;

// The first set bit of `mask` at or after position `ptr`, wrapping around; mask must be non-zero.
inline int round_robin_pick(std::uint64_t mask, int ptr) {
  const std::uint64_t high = ptr >= 64 ? 0 : mask & (~std::uint64_t{0} << ptr);
  return std::countr_zero(high ? high : mask);
}

// Pointer value just past `winner` among `n` positions.
inline std::uint8_t next_pointer(int winner, int n) { return static_cast<std::uint8_t>(winner + 1 == n ? 0 : winner + 1); }

// The allocation when only `input` requests anything: every allocator here grants it the output
// its round-robin pointer picks and moves both pointers past the pair (for iSLIP, the outputs
// it requests all grant it and it accepts by its pointer). Exactly what the full allocators
// return in that case, at a fraction of the cost; the engine takes this path for lone requests.
inline int allocate_single(int input, std::uint64_t request, std::uint8_t* input_ptr, std::uint8_t* output_ptr, int inputs, int outputs) {
  const int o = round_robin_pick(request, input_ptr[input]);
  input_ptr[input] = next_pointer(o, outputs);
  output_ptr[o] = next_pointer(input, inputs);
  return o;
}

}  // namespace wafersim::sim
