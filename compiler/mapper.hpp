#pragma once
// The Mapper: places one micro-batch's Graph on the healthy tiles of a Fabric and emits the
// sim::Workload that executes it (compiler/plan.hpp).
//
// A mapping style (registered by name, compiler/impl/*.cpp, chosen with `style:` or --style)
// decides the regions and where the weights live; everything else is shared:
// - Each op runs in one layout of its region: the grid (matmuls by SUMMA, element-wise ops on each
//   block, norms and the loss with a row reduction), attention heads (scores, softmax, context and
//   their gradients per (sequence, head, query block) unit), or one MoE expert's group of tiles
//   (the MoE mapping, compiler/moe_mapping.hpp, says whether experts have groups of their own or
//   share the grid).
// - An edge between ops in different layouts or regions is a redistribution: grid -> heads and
//   back around the attention core, tokens -> experts' groups and back (all-to-all, each source
//   row block sending an expert the share of its rows the router's expected load gives it), one
//   region's grid to the next. A tensor goes to an expert's group once, however many of the
//   expert's ops read it.
// - Weight-streaming styles load every weight block from off-wafer memory through the wafer edge
//   just before its matmul (one op ahead: double buffering) and store weight gradients back; the
//   optimizer then runs off-wafer, next to the memory (its FLOPs are reported, not simulated).
//
// Abstractions (docs/compiler.md): operands are taken to be in the layout SUMMA wants (the
// transposes of backward matmuls move no data); one micro-batch is mapped, or a few in flight
// together on the same tiles (MapOptions::micro_batches_in_flight; the pipeline over the step's
// micro-batches is extrapolated, not simulated); SRAM capacity is checked, SRAM bandwidth is not
// modelled.
#include <functional>
#include <string>
#include <vector>

#include "compiler/graph.hpp"
#include "compiler/plan.hpp"
#include "compiler/wafer_system.hpp"
#include "core/registry.hpp"
#include "mesh/fabric.hpp"

namespace wafersim::compiler {

struct MapOptions {
  std::string style = "auto";  // auto: the styles with an auto_order, in that order (layer_pipelined, then weight_streaming)
  Recompute recompute = Recompute::kNone;
  // Matmul mapping (compiler/matmul_mapping.hpp) of every weight, or auto: the whole plan is
  // compiled with each registered mapping in turn and costed with `cost_ps`, and the fastest kept
  // (each weight alone would be cheaper to cost, but alone the cost model ranks them wrongly: a
  // mapping that is fast on idle tiles can be slow among the layer's other traffic).
  // Overrides name a weight's forward op, with or without its layer ("attn.q_proj" or
  // "L3.attn.q_proj"), and win over the default.
  std::string matmul_mapping = "auto";
  std::vector<std::pair<std::string, std::string>> matmul_overrides;
  // The default may give way, weight by weight, to the first usable mapping where it cannot do
  // the matmul (auto's candidates do; a mapping a user asked for never does: that is an error).
  bool matmul_fallback = false;
  // The analytic makespan of a workload on this fabric (compile_step provides it); auto needs it.
  std::function<double(const sim::Workload&)> cost_ps;
  // Attention mapping (compiler/attention_mapping.hpp), or auto: every entry in its auto_order,
  // the first with the matmul mappings as asked (auto: chosen as above), the others with the
  // first's matmul mapping; each costed with cost_ps and the fastest kept (without cost_ps: the
  // first that maps). An entry whose attention does not fit in SRAM is left out.
  std::string attention_mapping = "auto";
  // Keys a unit of the real model attends over, per key of this graph's sequence: a representative
  // layer is a scaled copy (compiler/wafer_cluster.hpp), but SRAM must hold the real layer's.
  double attention_key_scale = 1;
  // MoE mapping (compiler/moe_mapping.hpp), or auto: every entry in its auto_order, the first with
  // the attention and matmul mappings as asked, the others with what the first chose; each costed
  // with cost_ps and the fastest kept (without cost_ps: the first that maps). Naming one for a
  // model without experts is an error; auto is then nothing.
  std::string moe_mapping = "auto";
  // Micro-batches mapped together on the same tiles, each its own copy of the graph's dataflow
  // (independent until the optimizer, which runs once after all of them), so that the
  // communication of one overlaps the compute of another. Each keeps its activations (SRAM) and
  // may be in its attention at the same time as the others. 1: one micro-batch, the pipeline over
  // micro-batches extrapolated. Weight-streaming styles refuse more than 1.
  int micro_batches_in_flight = 1;
  // Optional: a lower bound on cost_ps, cheap to take. Auto does not cost a candidate whose bound
  // is already no better than the best costed one (it could not win).
  std::function<double(const sim::Workload&)> bound_ps;
};

struct StyleLayout {
  std::vector<Region> regions;
  std::vector<int> region_of_layer;  // [layer + 1]: the region of each layer (index 0: embedding, head, loss)
  bool weights_stream = false;
};

// Memory a style needs, per tile and off the wafer.
struct MemoryFit {
  bool fits = true;
  std::string why_not;
  double sram_max_bytes = 0, sram_mean_bytes = 0, external_bytes = 0;
  std::vector<double> region_sram_bytes;  // per tile of each region
};

struct MappingStyleEntry {
  std::string name;
  std::string summary;
  // spread: use every row of the region even where the tokens give blocks shorter than the array
  // (the mapper retries with it when the compact layout does not fit in SRAM).
  std::function<StyleLayout(const Graph&, const WaferSystem&, const mesh::Fabric&, bool spread)> layout;
  // Its regions are pipeline stages that work on different micro-batches at once (a full step is
  // (micro-batches + stages - 1) x stage); otherwise micro-batches run one after the other.
  bool pipeline_stages = false;
  // Place in the order `--style auto` tries styles (the first whose memory fits wins); 0: auto
  // does not try it.
  int auto_order = 0;
};
using MappingStyleRegistry = Registry<MappingStyleEntry>;

// Region grid caps: more tiles than blocks of the array size along a dimension only add traffic.
int useful_grid_rows(const Graph& g, const TileComputeSpec& t);
int useful_grid_cols(std::int64_t width, const TileComputeSpec& t);

// One region of the whole fabric running every layer in turn (layer_sequential, weight_streaming).
StyleLayout whole_fabric_layout(const Graph& g, const WaferSystem& sys, const mesh::Fabric& f, bool spread, bool weights_stream);

// Memory of a layout: weights, gradients and optimizer state (resident, or streamed and held
// off-wafer), activations kept for the backward pass (recomputation keeps fewer).
// in_flight: micro-batches mapped together (MapOptions::micro_batches_in_flight), each keeping its activations.
MemoryFit memory_fit(const Graph& g, const WaferSystem& sys, const StyleLayout& layout, Recompute recompute, int in_flight = 1);

// For people: each weight's matmul mapping, grouped by op name without its layer, and the attention
// mapping, with the costs auto saw.
std::vector<std::string> mapping_choice_lines(const Plan& plan);

// `--matmul-mapping` values: NAME (the default for every weight) or OP=NAME (one weight; see
// MapOptions). Names are checked when the model is mapped; a malformed value is an InputError.
void parse_matmul_mappings(const std::vector<std::string>& specs, std::string& default_mapping,
                           std::vector<std::pair<std::string, std::string>>& overrides);

// Where dead tiles split the fabric into pieces no route joins, the plan uses only the largest
// piece (Plan::fabric_pieces, Plan::tiles_cut_off say so).
// Throws InputError if no style (or not the one asked for) fits, with each style's reason, or if
// a matmul mapping asked for is unknown, cannot do its matmul, or does not fit in SRAM.
Plan map_model(const Graph& g, const WaferSystem& sys, const mesh::Fabric& fabric, const MapOptions& options);

}  // namespace wafersim::compiler
