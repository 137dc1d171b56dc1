// weight_streaming: the whole fabric is one region that runs the layers one after the other;
// weights stream in from off-wafer memory through the wafer edge just before each matmul, and
// weight gradients stream back out to an optimizer next to the memory (Cerebras' MemoryX/SwarmX
// arrangement). Only activations stay on the wafer.
#include "compiler/layouts.hpp"
#include "compiler/mapper.hpp"

namespace wafersim::compiler {
namespace {

StyleLayout layout(const Graph& g, const WaferSystem& sys, const mesh::Fabric& f, bool spread) {
  const ModelSpec& m = g.model();
  StyleLayout lay;
  lay.weights_stream = true;
  Region r;
  r.name = "wafer";
  r.rows = f.rows();
  r.cols = f.cols();
  r.grid = make_grid(f, 0, 0, f.rows(), f.cols(), spread ? f.rows() : useful_grid_rows(g, sys.compute),
                     spread ? f.cols() : useful_grid_cols(m.d_model, sys.compute));
  for (int l = -1; l < m.layers; ++l) r.layers.push_back(l);
  lay.regions.push_back(std::move(r));
  lay.region_of_layer.assign(static_cast<std::size_t>(m.layers) + 1, 0);
  return lay;
}

const Registration<MappingStyleEntry> kRegister{
    {"weight_streaming", "the whole fabric runs layer after layer; weights stream in through the wafer edge", layout, false, 2}};

}  // namespace
}  // namespace wafersim::compiler
