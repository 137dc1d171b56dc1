// Fuzzes the model-YAML loader (compiler::ModelSpec::from_yaml): any byte string must either load,
// or be rejected with an InputError. Anything else (a crash, a sanitizer report, another exception
// type, a hang) is a finding. A model that loads has its closed-form counts taken and, when its
// graph is small, is built into its Graph (forward, backward, Adam) as `wafersim graph` does, with
// every recomputation policy.
//
// The loader bounds each dimension and the parameter count, but not the graph's size, which grows
// with layers x (1 + experts) (a layer holds ~20 ops, each expert ~6 more; backward doubles that):
// up to 1e5 x 1e5 ops for a model that loads. Building is skipped past kMaxLayerUnits so that one
// input costs milliseconds; the shapes (and the arithmetic on them) do not depend on the op count.
#include <cstddef>
#include <cstdint>
#include <string>

#include "compiler/graph.hpp"
#include "compiler/model_spec.hpp"
#include "core/input_error.hpp"
#include "core/yaml_reader.hpp"
#include "fuzz_util.hpp"

namespace {
constexpr std::int64_t kMaxLayerUnits = 64;  // layers x (1 + experts)
}

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace wafersim;
  using namespace wafersim::compiler;
  const std::string text(reinterpret_cast<const char*>(data), size);
  try {
    const ModelSpec model = ModelSpec::from_yaml(YamlNode::parse(text, "fuzz-model.yaml"));
    (void)model.total_params();
    (void)model.active_params();
    if (static_cast<std::int64_t>(model.layers) * (1 + model.moe.experts) <= kMaxLayerUnits) {
      for (const Recompute r : {Recompute::kNone, Recompute::kSelective, Recompute::kFull}) {
        GraphOptions o;
        o.recompute = r;
        const Graph g = Graph::build(model, o);
        (void)g.total_flops();
        (void)g.params();
        fuzz::note("built", std::to_string(g.size()) + " ops");
      }
    } else {
      fuzz::note("loaded; too many layers x experts to build");
    }
  } catch (const InputError& e) {
    fuzz::note("rejected", e.what());
  }
  return 0;
}
