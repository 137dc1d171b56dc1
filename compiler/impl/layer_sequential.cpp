// layer_sequential: the whole fabric is one region that runs the layers one after the other, as
// weight_streaming does, but every tile keeps its share of every layer's weights, gradients and
// optimizer state in SRAM: no pipeline (one micro-batch at a time over all tiles), no weight
// traffic through the wafer edge. The layout a wafer-scale estimate assumes of every layer (all
// tiles on each op), and the one its representative layer is calibrated on (compiler/wafer_cluster.hpp):
// a layer_pipelined strip for the embedding and head would put a stage the full wafer does not
// have on the layer's critical path.
#include "compiler/mapper.hpp"

namespace wafersim::compiler {
namespace {

StyleLayout layout(const Graph& g, const WaferSystem& sys, const mesh::Fabric& f, bool spread) {
  return whole_fabric_layout(g, sys, f, spread, false);
}

const Registration<MappingStyleEntry> kRegister{
    {"layer_sequential", "the whole fabric runs layer after layer; every layer's weights resident in SRAM", layout, false, 0}};

}  // namespace
}  // namespace wafersim::compiler
