// Separable input-first allocation with round-robin arbiters (see sim/allocator.hpp).
#include "sim/allocator.hpp"

namespace wafersim::sim {
namespace {

void allocate(AllocProblem& p) {
  // Only the outputs some input picked are initialised and visited: most arbitrations have one or
  // two requests among ten or more inputs.
  std::uint64_t picked_by[64];  // per output in `picked`: inputs whose input arbiter chose it
  std::uint64_t picked = 0;
  for (int i = 0; i < p.inputs; ++i) {
    p.grant[i] = -1;
    if (!p.requests[i]) continue;
    const int o = round_robin_pick(p.requests[i], p.input_ptr[i]);
    const std::uint64_t ob = std::uint64_t{1} << o;
    if (!(picked & ob)) picked_by[o] = 0;
    picked |= ob;
    picked_by[o] |= std::uint64_t{1} << i;
  }
  for (; picked; picked &= picked - 1) {
    const int o = std::countr_zero(picked);
    const int i = round_robin_pick(picked_by[o], p.output_ptr[o]);
    p.grant[i] = static_cast<std::int8_t>(o);
    p.output_ptr[o] = next_pointer(i, p.inputs);
    p.input_ptr[i] = next_pointer(o, p.outputs);
  }
}

const RegisterAllocator kRegister{{"separable_input_first",
                                   "input arbiters pick an output, output arbiters pick an input (round-robin)",
                                   {},
                                   allocate}};

}  // namespace
}  // namespace wafersim::sim
