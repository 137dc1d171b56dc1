// iSLIP (McKeown 1999): iterative request-grant-accept with round-robin pointers that move only on
// first-iteration accepts (see sim/allocator.hpp).
#include "sim/allocator.hpp"

namespace wafersim::sim {
namespace {

void allocate(AllocProblem& p) {
  std::uint64_t requesters[64];  // per output: inputs requesting it
  for (int o = 0; o < p.outputs; ++o) requesters[o] = 0;
  for (int i = 0; i < p.inputs; ++i) {
    p.grant[i] = -1;
    for (std::uint64_t m = p.requests[i]; m; m &= m - 1) requesters[std::countr_zero(m)] |= std::uint64_t{1} << i;
  }
  std::uint64_t free_inputs = p.inputs == 64 ? ~std::uint64_t{0} : (std::uint64_t{1} << p.inputs) - 1;
  std::uint64_t free_outputs = p.outputs == 64 ? ~std::uint64_t{0} : (std::uint64_t{1} << p.outputs) - 1;
  for (int iter = 0; iter < p.iterations; ++iter) {
    std::uint64_t grants_to[64];  // per input: outputs granting it this iteration
    for (int i = 0; i < p.inputs; ++i) grants_to[i] = 0;
    bool any = false;
    for (std::uint64_t outs = free_outputs; outs; outs &= outs - 1) {
      const int o = std::countr_zero(outs);
      const std::uint64_t r = requesters[o] & free_inputs;
      if (!r) continue;
      grants_to[round_robin_pick(r, p.output_ptr[o])] |= std::uint64_t{1} << o;
      any = true;
    }
    if (!any) break;
    for (std::uint64_t ins = free_inputs; ins; ins &= ins - 1) {
      const int i = std::countr_zero(ins);
      if (!grants_to[i]) continue;
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
