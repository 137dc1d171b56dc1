// layer_pipelined: every layer (or group of consecutive layers, when there are more layers than
// fabric columns) gets its own column strip of the fabric, as wide as its share of the forward
// FLOPs; the embedding, final norm, LM head and loss share one more strip (tied weights live
// once). Weights, gradients and optimizer state stay in the strip's SRAM; activations stream from
// strip to strip.
#include <fmt/format.h>

#include <algorithm>
#include <numeric>

#include "compiler/layouts.hpp"
#include "compiler/mapper.hpp"

namespace wafersim::compiler {
namespace {

StyleLayout layout(const Graph& g, const WaferSystem& sys, const mesh::Fabric& f, bool spread) {
  const ModelSpec& m = g.model();
  const int L = m.layers;
  const int groups = std::max(1, std::min(L, f.cols() - 1));
  std::vector<double> work(static_cast<std::size_t>(groups) + 1, 0.0);  // [0]: embedding and head
  auto group_of = [&](int layer) { return layer < 0 ? 0 : 1 + static_cast<int>(static_cast<std::int64_t>(layer) * groups / L); };
  for (std::size_t v = 0; v < g.size(); ++v)
    if (g.op(v).phase == Phase::kForward) work[static_cast<std::size_t>(group_of(g.op(v).layer))] += g.op(v).flops;
  const double total = std::accumulate(work.begin(), work.end(), 0.0);
  std::vector<int> width(work.size());
  for (std::size_t u = 0; u < work.size(); ++u) width[u] = std::max(1, static_cast<int>(f.cols() * work[u] / total));
  while (std::accumulate(width.begin(), width.end(), 0) > f.cols()) --*std::max_element(width.begin(), width.end());
  for (int extra = f.cols() - std::accumulate(width.begin(), width.end(), 0), u = 0; extra > 0; --extra, u = (u + 1) % static_cast<int>(width.size()))
    ++width[static_cast<std::size_t>(u)];
  StyleLayout lay;
  const int pr = spread ? f.rows() : useful_grid_rows(g, sys.compute);
  int c0 = 0;
  for (std::size_t u = 0; u < work.size(); ++u) {
    Region r;
    r.row0 = 0;
    r.col0 = c0;
    r.rows = f.rows();
    r.cols = width[u];
    const std::int64_t w = u == 0 ? std::max(m.d_model, m.vocab) : m.d_model;
    r.grid = make_grid(f, r.row0, r.col0, r.rows, r.cols, pr, useful_grid_cols(w, sys.compute));
    c0 += width[u];
    lay.regions.push_back(std::move(r));
  }
  lay.region_of_layer.assign(static_cast<std::size_t>(L) + 1, 0);
  for (int l = -1; l < L; ++l) {
    const int gidx = group_of(l);
    lay.region_of_layer[static_cast<std::size_t>(l + 1)] = gidx;
    lay.regions[static_cast<std::size_t>(gidx)].layers.push_back(l);
  }
  for (std::size_t u = 0; u < lay.regions.size(); ++u) {
    auto& ls = lay.regions[u].layers;
    lay.regions[u].name = u == 0 ? std::string("embed+head") : ls.size() == 1 ? fmt::format("L{}", ls[0]) : fmt::format("L{}-L{}", ls.front(), ls.back());
  }
  return lay;
}

const Registration<MappingStyleEntry> kRegister{
    {"layer_pipelined", "a column strip per layer (group), sized by its FLOPs; weights resident in SRAM", layout, true, 1}};

}  // namespace
}  // namespace wafersim::compiler
