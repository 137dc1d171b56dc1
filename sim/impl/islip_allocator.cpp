// iSLIP (McKeown 1999): iterative request-grant-accept with round-robin pointers that move only on
// first-iteration accepts (see sim/allocator.hpp).
#include "sim/allocator.hpp"

namespace wafersim::sim {
namespace {

void allocate(AllocProblem& p) {
  // Only requesting inputs and requested outputs are initialised and visited: most arbitrations
  // have one or two requests among ten or more inputs.
  std::uint64_t requesters[64];  // per output in `free_outputs`: inputs requesting it
  std::uint64_t free_inputs = 0, free_outputs = 0;
  for (int i = 0; i < p.inputs; ++i) {
    p.grant[i] = -1;
    if (!p.requests[i]) continue;
    free_inputs |= std::uint64_t{1} << i;
    for (std::uint64_t m = p.requests[i]; m; m &= m - 1) {
      const int o = std::countr_zero(m);
      const std::uint64_t ob = std::uint64_t{1} << o;
      if (!(free_outputs & ob)) requesters[o] = 0;
      free_outputs |= ob;
      requesters[o] |= std::uint64_t{1} << i;
    }
  }
  for (int iter = 0; iter < p.iterations; ++iter) {
    std::uint64_t grants_to[64];  // per input in `granted`: outputs granting it this iteration
    std::uint64_t granted = 0;
    for (std::uint64_t outs = free_outputs; outs; outs &= outs - 1) {
      const int o = std::countr_zero(outs);
      const std::uint64_t r = requesters[o] & free_inputs;
      if (!r) continue;
      const int i = round_robin_pick(r, p.output_ptr[o]);
      const std::uint64_t ib = std::uint64_t{1} << i;
      if (!(granted & ib)) grants_to[i] = 0;
      granted |= ib;
      grants_to[i] |= std::uint64_t{1} << o;
    }
    if (!granted) break;
    for (; granted; granted &= granted - 1) {
      const int i = std::countr_zero(granted);
      const int o = round_robin_pick(grants_to[i], p.input_ptr[i]);
      p.grant[i] = static_cast<std::int8_t>(o);
      free_inputs &= ~(std::uint64_t{1} << i);
      free_outputs &= ~(std::uint64_t{1} << o);
      if (iter == 0) {
        p.input_ptr[i] = next_pointer(o, p.outputs);
        p.output_ptr[o] = next_pointer(i, p.inputs);
      }
    }
  }
}

const RegisterAllocator kRegister{{"islip", "iSLIP: iterative request-grant-accept, pointers move on first-iteration accepts",
                                   {},
                                   allocate}};

}  // namespace
}  // namespace wafersim::sim
