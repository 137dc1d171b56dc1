// weight_streaming: the whole fabric is one region that runs the layers one after the other;
// weights stream in from off-wafer memory through the wafer edge just before each matmul, and
// weight gradients stream back out to an optimizer next to the memory (Cerebras' MemoryX/SwarmX
// arrangement). Only activations stay on the wafer.
#include "compiler/mapper.hpp"

namespace wafersim::compiler {
namespace {

StyleLayout layout(const Graph& g, const WaferSystem& sys, const mesh::Fabric& f, bool spread) {
  return whole_fabric_layout(g, sys, f, spread, true);
}

const Registration<MappingStyleEntry> kRegister{
    {"weight_streaming", "the whole fabric runs layer after layer; weights stream in through the wafer edge", layout, false, 2}};

}  // namespace
}  // namespace wafersim::compiler
