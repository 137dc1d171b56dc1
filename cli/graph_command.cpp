#include <fmt/format.h>

#include "cli/commands.hpp"
#include "core/config_overrides.hpp"
#include "compiler/graph.hpp"
#include "compiler/onnx_import.hpp"
#include "core/input_error.hpp"

namespace wafersim::cli {
namespace {

compiler::Graph load_graph(const GraphArgs& a) {
  const compiler::Recompute recompute = compiler::parse_recompute(a.recompute);
  const compiler::Mode mode = a.inference ? compiler::Mode::kInference : compiler::Mode::kTraining;
  if (compiler::is_onnx_path(a.model_file)) {
    if (a.micro_batch > 0 || a.sequence > 0)
      throw InputError("--micro-batch and --sequence apply to YAML models; an ONNX graph's shapes come from its inputs (--dim NAME=N for symbolic ones)");
    compiler::OnnxImportOptions o;
    o.mode = mode;
    o.recompute = recompute;
    for (const auto& d : a.dims) {
      const auto eq = d.find('=');
      long long v = 0;
      try {
        if (eq == std::string::npos) throw std::invalid_argument(d);
        std::size_t used = 0;
        v = std::stoll(d.substr(eq + 1), &used);
        if (used != d.size() - eq - 1 || v <= 0 || v > 1'000'000'000) throw std::invalid_argument(d);
      } catch (const std::exception&) {
        throw InputError(fmt::format("--dim '{}': expected NAME=N with N an integer in [1, 1e9]", d));
      }
      o.dims[d.substr(0, eq)] = v;
    }
    return compiler::import_onnx(a.model_file, o);
  }
  if (!a.dims.empty()) throw InputError("--dim applies to ONNX graphs; a YAML model's shapes are its keys (--sequence, --micro-batch)");
  compiler::ModelSpec m = compiler::ModelSpec::load(a.model_file, ConfigMount::at("model"));
  command_overrides().check_all_taken();
  m.override_shape(a.sequence, a.micro_batch);
  if (a.inference) m.mode = mode;
  compiler::GraphOptions o;
  o.recompute = recompute;
  o.micro_batch = a.micro_batch;
  return compiler::Graph::build(m, o);
}

}  // namespace

int run_graph_command(const GraphArgs& a) {
  using compiler::OpKind;
  using compiler::Phase;
  const compiler::Graph g = load_graph(a);
  const auto& m = g.model();
  const bool onnx = compiler::is_onnx_path(a.model_file);
  fmt::print("{} ({}): {} tokens per micro-batch, {}, {} layer{}, {} ops\n", m.name, onnx ? "ONNX graph" : "YAML model", g.tokens(),
             m.mode == compiler::Mode::kTraining ? "training" : "inference", m.layers, m.layers == 1 ? "" : "s", g.size());
  fmt::print("  parameters {} ({:.4g} M)\n", g.params(), static_cast<double>(g.params()) / 1e6);
  const Phase phases[] = {Phase::kForward, Phase::kRecompute, Phase::kBackward, Phase::kOptimizer};
  const OpKind kinds[] = {OpKind::kMatMul, OpKind::kAttnMatMul, OpKind::kGather, OpKind::kElementwise, OpKind::kOptimizer};
  fmt::print("  {:<12}", "");
  for (const Phase p : phases) fmt::print(" {:>22}", compiler::to_string(p));
  fmt::print("\n  {:<12}", "op kind");
  for (std::size_t i = 0; i < std::size(phases); ++i) fmt::print(" {:>8} {:>13}", "ops", "GFLOP");
  fmt::print("\n");
  for (const OpKind k : kinds) {
    fmt::print("  {:<12}", compiler::to_string(k));
    for (const Phase p : phases) fmt::print(" {:>8} {:>13.6g}", g.count(p, k), g.flops(p, k) / 1e9);
    fmt::print("\n");
  }
  const double fwd = g.flops(Phase::kForward), train = fwd + g.flops(Phase::kRecompute) + g.flops(Phase::kBackward);
  const double t = static_cast<double>(g.tokens());
  fmt::print("  FLOPs per token: forward {:.6g}, forward+recompute+backward {:.6g}; optimizer {:.6g} per step\n", fwd / t, train / t,
             g.flops(Phase::kOptimizer));
  if (!onnx && !m.is_moe()) {
    const double ref = 6.0 * static_cast<double>(m.active_params()) + 12.0 * m.layers * static_cast<double>(m.d_model) * static_cast<double>(m.sequence);
    fmt::print("  reference 6N + 12 L d s = {:.6g} per token (PaLM appendix B); the graph counts {:+.2f}%\n", ref,
               100 * ((fwd + g.flops(Phase::kBackward)) / t / ref - 1));
  }
  return 0;
}

}  // namespace wafersim::cli
