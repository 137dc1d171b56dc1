#include "compiler/training_estimate.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <map>
#include <memory>
#include <set>
#include <tuple>

#include "compiler/gemm_timing.hpp"
#include "compiler/moe_routing.hpp"
#include "core/input_error.hpp"

namespace wafersim::compiler {

namespace {

// Op time of one micro-batch on one device, summed by what bounds it and how the layout divides
// it: "split" ops are cut over the tensor-parallel group (their times here are per device),
// "rep" ops are replicated on it unless sequence parallelism splits them (`mem_rep` is the time
// of the whole op, divided in estimate_from). Context parallelism divides both (tokens / cp).
struct OpSums {
  double mm_split = 0, mem_split = 0, mem_rep = 0;
  double mm_expert = 0, mem_expert = 0;  // of mm_split and mem_split, the experts' (waits on the busiest EP rank)
  double attention = 0;                  // of mm_split and mem_split, the attention core's (hides the cp ring)
  double bwd_split = 0, bwd_rep = 0;     // of the above, the backward pass's (hides the gradient reduction)
  double act_split = 0, act_rep = 0;     // activation bytes kept for the backward (add_kept_activations), whole ops
  void add(const OpSums& o) {
    mm_split += o.mm_split, mem_split += o.mem_split, mem_rep += o.mem_rep;
    mm_expert += o.mm_expert, mem_expert += o.mem_expert, attention += o.attention;
    bwd_split += o.bwd_split, bwd_rep += o.bwd_rep;
    act_split += o.act_split, act_rep += o.act_rep;
  }
};

// What the estimator needs of a model's Graph for one (micro-batch, recomputation, kernel) and
// one cut of it (tp, cp, ep, precision).
struct GraphSums {
  std::vector<OpSums> layer;    // per layer
  OpSums first, last;           // embedding on the first stage; final norm, LM head, loss on the last
  double optimizer_s = 0;       // Adam over all parameters on one device
  double train_flops = 0;       // forward + recompute + backward, one micro-batch
  double forward_flops = 0;
  double matmul_flops = 0;      // of which matmuls (forward + recompute + backward): what the device executes
  std::vector<bool> moe_layer;
};

// How a layout cuts each op over devices (the GraphSums key beside the Graph's).
struct Cut {
  std::int64_t tp = 1, cp = 1, ep = 1;
  bool fp8 = false;
  auto key() const { return std::make_tuple(tp, cp, ep, fp8); }
};

bool tp_split(const Op& o) {
  const std::string& n = o.name;
  return n.find(".attn.") != std::string::npos || n.find(".ffn.") != std::string::npos || n.find("moe.") != std::string::npos ||
         n.rfind("embed", 0) == 0 || n.rfind("lm_head", 0) == 0 || n.rfind("loss", 0) == 0;
}

// The sums an op adds to: its layer's, or the first stage's (embedding) or the last's (head, loss).
OpSums& bucket_of(const Op& o, GraphSums& s) {
  return o.layer >= 0 ? s.layer[static_cast<std::size_t>(o.layer)] : (o.name.rfind("embed", 0) == 0 ? s.first : s.last);
}

// The activations the forward keeps for the backward, per layer, split over tensor parallelism or
// replicated on the residual stream (Op::keeps): each kept tensor once, by its producer. A tensor
// made outside the consumer's layer is that layer's input, on the residual stream. Expert matmuls
// keep the tokens dispatched to them, not the router's output. Selective recomputation keeps
// nothing that the attention core both makes and reads (scores, softmax, dropout), since it redoes
// the core from Q, K and V (Korthikanti et al. 2022, section 5). Under FP8 a layer's linear
// matmuls keep their inputs as the FP8 copies they multiply (Transformer Engine), 1 byte an
// element, unless another op keeps the same tensor in bf16.
void add_kept_activations(const Graph& g, const ModelSpec& model, Recompute recompute, bool fp8, GraphSums& s) {
  const bool selective = recompute == Recompute::kSelective;
  const double act = static_cast<double>(model.activations.bytes);
  struct Kept {
    OpSums* bucket;
    double bytes;
    bool split;
    bool full_width = false;  // some keeper needs it at the activation dtype
  };
  std::map<std::tuple<const OpSums*, std::size_t, int>, Kept> kept;
  for (std::size_t v = 0; v < g.size(); ++v) {
    const Op& c = g.op(v);
    if (c.phase != Phase::kForward) continue;
    OpSums& bucket = bucket_of(c, s);
    const bool narrow = fp8 && c.kind == OpKind::kMatMul && c.layer >= 0;
    auto keep = [&](std::pair<std::size_t, int> key, double bytes, bool split, bool full_width) {
      auto [it, fresh] = kept.try_emplace(std::make_tuple(&bucket, key.first, key.second), Kept{&bucket, bytes, split});
      it->second.full_width |= full_width;
    };
    const bool redone = selective && c.attention_core;
    if (c.keeps == Op::Keeps::kOutput && !redone) keep({v, -1}, c.bytes_written, tp_split(c), true);
    if (c.keeps == Op::Keeps::kInputs) {
      bool first = true;
      for (auto [e, end] = boost::in_edges(v, g.ops()); e != end; ++e, first = false) {
        const std::size_t u = boost::source(*e, g.ops());
        const Op& p = g.op(u);
        if (redone && p.attention_core) continue;
        if (c.expert >= 0 && p.expert < 0) {
          // An expert's first input is its tokens: it keeps the rows dispatched to it. The second,
          // the router's choice, it does not need for its backward (the combine keeps the gates).
          if (first && c.n > 0) keep({u, c.expert}, c.flops / (2.0 * static_cast<double>(c.n)) * act, true, !narrow);
          continue;
        }
        keep({u, -1}, p.bytes_written, tp_split(p) && p.layer == c.layer, !narrow);
      }
    }
    if (c.kept_extra_bytes > 0 && !redone) (c.kept_extra_replicated || !tp_split(c) ? bucket.act_rep : bucket.act_split) += c.kept_extra_bytes;
  }
  for (const auto& [key, k] : kept) (k.split ? k.bucket->act_split : k.bucket->act_rep) += k.full_width ? k.bytes : k.bytes / act;
}

// A matmul's shape on one device under the cut: its tp_dim divided by tp, its token_dim by cp;
// an expert's tokens gathered from the ep ranks (each rank runs E / ep experts on ep times the
// tokens one rank routes to each).
GemmShape device_shape(const Op& o, const Cut& cut, bool split) {
  double dims[5] = {0, static_cast<double>(o.batch), static_cast<double>(o.m), static_cast<double>(o.k), static_cast<double>(o.n)};
  if (o.expert >= 0 && o.m > 0) dims[2] = o.flops / (2.0 * static_cast<double>(o.batch) * static_cast<double>(o.k) * static_cast<double>(o.n));
  auto idx = [](Op::Dim d) { return static_cast<int>(d); };
  if (split && o.tp_dim != Op::Dim::kNone) dims[idx(o.tp_dim)] /= static_cast<double>(cut.tp);
  if (o.token_dim != Op::Dim::kNone) {
    dims[idx(o.token_dim)] /= static_cast<double>(cut.cp);
    if (o.expert >= 0) dims[idx(o.token_dim)] *= static_cast<double>(cut.ep);
  }
  return {std::max(1.0, dims[1]), dims[2], dims[3], dims[4]};
}

// A model's Graph for one (micro-batch, recomputation, kernel), and what its layers keep for the
// backward (the act_ fields of `kept`), which no cut changes.
struct BuiltGraph {
  Graph graph;
  GraphSums kept, kept_fp8;  // bf16 and FP8 linear layers
  BuiltGraph(const ModelSpec& model, std::int64_t micro_batch, Recompute recompute, bool flash)
      : graph(Graph::build(model, {recompute, micro_batch, flash})) {
    for (GraphSums* k : {&kept, &kept_fp8}) {
      k->layer.assign(static_cast<std::size_t>(model.layers), {});
      add_kept_activations(graph, model, recompute, k == &kept_fp8, *k);
    }
  }
  const GraphSums& kept_for(bool fp8) const { return fp8 ? kept_fp8 : kept; }
};

// One device's time for a matmul of `shape` (its share of the op's `bytes`): FP8 for the layers'
// linear matmuls under an FP8 cut, bf16 otherwise; an expert's over the ep ranks' local experts.
double device_matmul_seconds(const DeviceSpec& dev, const Cut& cut, const Op& o, const GemmShape& shape, double bytes, bool split) {
  const bool fp8 = cut.fp8 && o.kind == OpKind::kMatMul && o.layer >= 0;
  const double share = static_cast<double>((split ? cut.tp : 1) * cut.cp);
  const double t = gemm_seconds(dev, shape, bytes / share, fp8 ? MatmulPrecision::kFp8 : MatmulPrecision::kBf16);
  return o.expert >= 0 ? t / static_cast<double>(cut.ep) : t;
}

// Adds an op's time on one device to the sums it belongs to.
void add_op_time(const Op& o, bool matmul, bool split, double t, OpSums& bucket) {
  if (matmul && split) bucket.mm_split += t;
  else if (split) bucket.mem_split += t;
  else bucket.mem_rep += t;  // norms and residual adds: no matmuls are replicated
  if (o.expert >= 0) (matmul ? bucket.mm_expert : bucket.mem_expert) += t;
  if (o.kind == OpKind::kAttnMatMul || o.attention_core) bucket.attention += t;
  if (o.phase == Phase::kBackward) (split ? bucket.bwd_split : bucket.bwd_rep) += t;
}

// Matmuls of one fused group (Op::fused) in one pass: one GEMM, the members side by side.
struct Fused {
  GemmShape shape;
  double bytes = 0;
  const Op* op = nullptr;  // the first member
  bool split = false;
  int ops = 0;
};

// Times every op of `b` on one device under `cut`. Every layer of a Graph::build graph is built
// alike, so layer 0 is timed and its sums stand for each layer.
GraphSums time_graph(const BuiltGraph& b, const DeviceSpec& dev, const Cut& cut) {
  const Graph& g = b.graph;
  const ModelSpec& model = g.model();
  GraphSums s;
  s.layer.assign(static_cast<std::size_t>(model.layers), {});
  s.moe_layer.assign(static_cast<std::size_t>(model.layers), false);
  const double tp = static_cast<double>(cut.tp), cp = static_cast<double>(cut.cp);
  std::map<std::tuple<int, int, int, int, int>, Fused> fused;
  for (std::size_t v = 0; v < g.size(); ++v) {
    const Op& o = g.op(v);
    const double bytes = o.bytes_read + o.bytes_written;
    const bool matmul = o.kind == OpKind::kMatMul || o.kind == OpKind::kAttnMatMul;
    if (o.phase == Phase::kOptimizer) {
      s.optimizer_s += std::max(o.flops / dev.vector_flops, bytes / dev.memory_bytes_per_s);
      continue;
    }
    s.train_flops += o.flops;
    if (matmul) s.matmul_flops += o.flops;
    if (o.phase == Phase::kForward) s.forward_flops += o.flops;
    if (o.layer > 0) continue;  // layer 0 stands for every layer
    OpSums& bucket = bucket_of(o, s);
    if (o.layer == 0 && o.expert >= 0) s.moe_layer.assign(s.moe_layer.size(), true);
    const bool split = tp_split(o);
    if (matmul && o.fused > 0 && o.tp_dim != Op::Dim::kNone) {  // timed with its group below
      Fused& f = fused[std::make_tuple(o.layer, o.expert, o.fused, static_cast<int>(o.phase), o.grad_of_input)];
      const GemmShape shape = device_shape(o, cut, split);
      if (f.ops == 0) f.shape = shape, f.op = &o, f.split = split;
      else (o.tp_dim == Op::Dim::kM ? f.shape.m : o.tp_dim == Op::Dim::kK ? f.shape.k : f.shape.n) +=
          o.tp_dim == Op::Dim::kM ? shape.m : o.tp_dim == Op::Dim::kK ? shape.k : shape.n;
      f.bytes += bytes, ++f.ops;
      continue;
    }
    double t;  // per device: split ops cut over tp, everything over cp; replicated ops whole over tp
    if (matmul) {
      t = device_matmul_seconds(dev, cut, o, device_shape(o, cut, split), bytes, split);
      if (split && o.tp_dim == Op::Dim::kNone) t /= tp;  // a split op whose cut the Graph does not name
    } else {
      t = std::max(o.flops / dev.vector_flops, bytes / dev.memory_bytes_per_s) / ((split ? tp : 1.0) * cp);
    }
    add_op_time(o, matmul, split, t, bucket);
  }
  for (const auto& [key, f] : fused) {
    const Op& o = *f.op;
    add_op_time(o, true, f.split, device_matmul_seconds(dev, cut, o, f.shape, f.bytes, f.split), bucket_of(o, s));
  }
  const GraphSums& kept = b.kept_for(cut.fp8);
  for (std::size_t l = 0; l < s.layer.size(); ++l) {
    if (l > 0) s.layer[l] = s.layer[0];
    s.layer[l].act_split = kept.layer[l].act_split, s.layer[l].act_rep = kept.layer[l].act_rep;
  }
  for (auto [to, from] : {std::pair{&s.first, &kept.first}, std::pair{&s.last, &kept.last}})
    to->act_split = from->act_split, to->act_rep = from->act_rep;
  return s;
}

// The link a group of `size` devices, `stride` apart in rank order (tp fastest, then dp, then pp,
// as Megatron-LM numbers them), talks over.
const LinkSpec& group_link(const ClusterSpec& c, std::int64_t size, std::int64_t stride) {
  return size * stride <= c.domain ? c.scale_up : c.scale_out;
}

double all_reduce(const ClusterSpec& c, double bytes, std::int64_t n, std::int64_t stride, CollectiveAlgorithm a) {
  const LinkSpec& l = group_link(c, n, stride);
  return collective_seconds(Collective::kAllReduce, a, bytes, n, l.bytes_per_s, l.latency_s);
}

std::int64_t expert_params(const ModelSpec& m) {
  if (!m.is_moe()) return 0;
  std::int64_t one = m.ffn_matrices() * m.d_model * m.ffn_size;
  if (m.bias) one += (m.ffn_matrices() - 1) * m.ffn_size + m.d_model;
  return one * m.moe.experts * m.layers;
}

// The layers of each pipeline stage (Parallelism::stage_layers, or an even split).
std::vector<std::int64_t> layers_per_stage(const ModelSpec& m, const Parallelism& p) {
  if (!p.stage_layers.empty()) return p.stage_layers;
  return std::vector<std::int64_t>(static_cast<std::size_t>(p.pp), m.layers / p.pp);
}

void check_layout(const ModelSpec& m, const ClusterSpec& c, const Parallelism& p) {
  auto bad = [&](const std::string& what) { throw InputError(fmt::format("parallelism {}: {}", p.describe(), what)); };
  if (p.tp < 1 || p.pp < 1 || p.dp < 1 || p.ep < 1 || p.cp < 1 || p.micro_batch < 1 || p.interleave < 1) bad("every degree must be at least 1");
  if (m.heads % p.tp != 0) bad(fmt::format("tp {} does not divide the {} attention heads", p.tp, m.heads));
  if (m.kv_heads % p.tp != 0 && p.tp % m.kv_heads != 0) bad(fmt::format("tp {} does not divide the {} KV heads", p.tp, m.kv_heads));
  if (m.ffn_size % p.tp != 0) bad(fmt::format("tp {} does not divide the FFN size {}", p.tp, m.ffn_size));
  if (m.sequence % p.cp != 0) bad(fmt::format("cp {} does not divide the sequence of {} tokens", p.cp, m.sequence));
  if (p.stage_layers.empty()) {
    if (m.layers % p.pp != 0) bad(fmt::format("pp {} does not divide the {} layers", p.pp, m.layers));
  } else {
    if (static_cast<std::int64_t>(p.stage_layers.size()) != p.pp)
      bad(fmt::format("{} layer counts per stage for pp {}", p.stage_layers.size(), p.pp));
    std::int64_t sum = 0;
    for (const std::int64_t l : p.stage_layers) {
      if (l < 1) bad("every pipeline stage needs at least one layer");
      sum += l;
    }
    if (sum != m.layers) bad(fmt::format("the layers per stage sum to {}; the model has {}", sum, m.layers));
    if (p.interleave > 1) bad("layer counts per stage are for the plain 1F1B schedule (interleave 1)");
  }
  if (p.stage_layers.empty() && (m.layers / p.pp) % p.interleave != 0)
    bad(fmt::format("interleave {} does not divide the {} layers per stage", p.interleave, m.layers / p.pp));
  if (p.interleave > 1 && p.pp == 1) bad("interleaving needs pipeline stages (pp > 1)");
  if (m.global_batch % (p.dp * p.micro_batch) != 0)
    bad(fmt::format("dp {} x micro-batch {} does not divide the global batch of {} sequences", p.dp, p.micro_batch, m.global_batch));
  if (p.ep > 1 && !m.is_moe()) bad("expert parallelism (ep > 1) needs a mixture-of-experts model");
  if (m.is_moe() && (m.moe.experts % p.ep != 0 || p.dp % p.ep != 0))
    bad(fmt::format("ep {} must divide the {} experts and the data-parallel degree {}", p.ep, m.moe.experts, p.dp));
  if (p.zero_stage != 0 && p.zero_stage != 1) bad("zero_stage must be 0 or 1");
  if (p.fp8 && c.device.fp8_peak_flops <= 0)
    bad(fmt::format("FP8 needs the device's FP8 peak; {} in '{}' states none (device.fp8_peak_tflops)", c.device.name, c.name));
  if (p.devices() > c.devices)
    bad(fmt::format("needs {} devices; system '{}' has {}", p.devices(), c.name, c.devices));
  if (m.mode != Mode::kTraining) bad("the model is in inference mode; the estimate is for training");
  if (c.wafer.enabled) {
    const WaferTerms::LayerFactors* f = c.wafer.factors_at(p.micro_batch);
    if (!f) {
      std::string have;
      for (const auto& l : c.wafer.layer) have += fmt::format("{}{}", have.empty() ? "" : ", ", l.micro_batch);
      bad(fmt::format("micro-batch {}: the representative layer was not compiled at it (calibrated at micro-batch {})", p.micro_batch,
                      have.empty() ? std::string("none") : have));
    }
    if (!f->unfit.empty()) bad(fmt::format("micro-batch {}: the representative layer does not map on the tiles: {}", p.micro_batch, f->unfit));
  }
}

// What one layer keeps for its backward per micro-batch on one device, without recomputation
// (also the working set of the layer being recomputed under full recomputation).
double kept_per_layer(const GraphSums& g, const Parallelism& p) {
  const OpSums& l0 = g.layer.front();
  const double tp = static_cast<double>(p.tp);
  return (l0.act_split / tp + l0.act_rep / (p.sequence_parallel ? tp : 1.0)) / static_cast<double>(p.cp);
}

// What one layer keeps per micro-batch in flight: under full recomputation its input only.
double kept_in_flight(const ModelSpec& m, const GraphSums& g, const Parallelism& p) {
  if (p.recompute != Recompute::kFull) return kept_per_layer(g, p);
  const double input = static_cast<double>(p.micro_batch * m.sequence * m.d_model * m.activations.bytes);
  return input / (p.sequence_parallel ? static_cast<double>(p.tp) : 1.0) / static_cast<double>(p.cp);
}

// Time of the whole pipeline from its stages' per-micro-batch times: m x t_max + (sum - t_max) / v.
double pipeline_seconds(const std::vector<double>& stage, double micro_batches, double interleave) {
  const double tmax = *std::max_element(stage.begin(), stage.end());
  double sum = 0;
  for (const double t : stage) sum += t;
  return micro_batches * tmax + (sum - tmax) / interleave;
}

TrainingEstimate estimate_from(const ModelSpec& m, const ClusterSpec& c, const Parallelism& p, const GraphSums& g) {
  TrainingEstimate e;
  e.par = p;
  const double tp = static_cast<double>(p.tp), cp = static_cast<double>(p.cp), v = static_cast<double>(p.interleave);
  const std::vector<std::int64_t> stage_layers = layers_per_stage(m, p);
  e.micro_batches = m.global_batch / (p.dp * p.micro_batch);
  const double mb = static_cast<double>(e.micro_batches);
  const double act_bytes = static_cast<double>(m.activations.bytes);
  // One layer's activations on one device's cp share of the tokens.
  const double A = static_cast<double>(p.micro_batch * m.sequence * m.d_model) * act_bytes / cp;
  const bool full = p.recompute == Recompute::kFull;
  const double rep_div = p.sequence_parallel ? tp : 1.0;
  const double passes = full ? 3.0 : 2.0;  // forward, (recomputed forward,) backward

  // Tensor-parallel all-reduces per layer per micro-batch: 2 forward, 2 backward, 2 recomputed.
  const double tp_ar = all_reduce(c, A, p.tp, 1, CollectiveAlgorithm::kRing);
  const double tp_per_layer = 2 * passes * tp_ar;
  // Context-parallel ring per layer per micro-batch: cp - 1 steps, each passing one device's K and
  // V (forward, recomputed forward) or K, V and their gradients (backward) to the next device.
  double cp_per_layer = 0;
  if (p.cp > 1) {
    const LinkSpec& l = group_link(c, p.cp, p.tp);
    const double kv = 2.0 * static_cast<double>(p.micro_batch * m.sequence * m.kv_width()) * act_bytes / cp / tp;
    const double step = kv / l.bytes_per_s + l.latency_s;
    cp_per_layer = (cp - 1) * ((passes - 1) * step + 2 * step);
  }
  // Expert all-to-alls per MoE layer: dispatch and combine, per pass.
  double ep_per_layer = 0;
  if (m.is_moe() && p.ep > 1) {
    const LinkSpec& l = group_link(c, p.ep, p.tp * p.cp);
    const double bytes = A * m.moe.top_k / tp;
    ep_per_layer = 2 * passes * collective_seconds(Collective::kAllToAll, CollectiveAlgorithm::kRing, bytes, p.ep, l.bytes_per_s, l.latency_s);
    // On a 2D torus the all-to-all is bisection-bound: n B / 4 bytes cross 2 sqrt(n) links each
    // way, sqrt(n) / 2 times the time of a full-bandwidth switch (whose per-device figure
    // bytes_per_s is 2 links' worth on the torus, so the factor on it is sqrt(n) / 4).
    if (c.topology == "torus_2d" && &l == &c.scale_out)
      ep_per_layer *= std::max(1.0, std::sqrt(static_cast<double>(p.ep)) / 4.0);
  }
  // Chunk-boundary sends per micro-batch: forward activations and backward gradients, bytes / tp
  // each, at each of the stage's v chunks.
  double pp_per_mb = 0;
  if (p.pp > 1) {
    const LinkSpec& l = group_link(c, p.pp, p.tp * p.cp * p.dp);
    pp_per_mb = 2 * v * (A / tp / l.bytes_per_s + l.latency_s);
  }

  // Per micro-batch on each stage: what runs (compute, memory, on-wafer), what the layout's
  // communication adds, exposed, and what it would add with each overlap off.
  struct Stage {
    double compute = 0, memory = 0, onwafer = 0, tp = 0, cp = 0, ep = 0, pp = 0;
    double tp_all = 0, pp_all = 0;  // the same with the overlap off
    double fwd = 0, bwd = 0;        // one micro-batch's forward and backward (the DP overlap windows)
    double busy() const { return compute + memory + onwafer; }
    double total() const { return busy() + tp + cp + ep + pp; }
  };
  const WaferTerms& w = c.wafer;
  // check_layout has made sure a wafer's micro-batch was calibrated and maps.
  const WaferTerms::LayerFactors factors = w.enabled ? *w.factors_at(p.micro_batch) : WaferTerms::LayerFactors{};
  // Expert-parallel ranks wait for the busiest (a skewed router loads some experts more).
  const double imbalance =
      m.is_moe() ? moe_load(m.moe, static_cast<double>(p.micro_batch * m.sequence) / cp).imbalance(static_cast<int>(p.ep)) : 1.0;
  std::vector<Stage> stages(static_cast<std::size_t>(p.pp));
  std::int64_t first_layer = 0;
  for (std::int64_t s = 0; s < p.pp; ++s) {
    Stage& st = stages[static_cast<std::size_t>(s)];
    OpSums sum;
    double tp_comm = 0, tp_hide = 0;  // per layer: this stage's TP traffic, and the matmuls that can hide it
    for (std::int64_t l = first_layer; l < first_layer + stage_layers[static_cast<std::size_t>(s)]; ++l) {
      const OpSums& layer = g.layer[static_cast<std::size_t>(l)];
      sum.add(layer);
      tp_comm += tp_per_layer;
      tp_hide += layer.mm_split;
      if (p.cp > 1) st.cp += std::max(0.0, cp_per_layer - layer.attention);
      if (g.moe_layer[static_cast<std::size_t>(l)]) st.ep += ep_per_layer;
    }
    first_layer += stage_layers[static_cast<std::size_t>(s)];
    st.tp_all = tp_comm;
    st.tp = p.overlap.tp && p.tp > 1 ? std::max(tp_comm - tp_hide, tp_comm / (2 * tp)) : tp_comm;
    if (s == 0) sum.add(g.first), st.tp += tp_ar, st.tp_all += tp_ar;            // vocab-parallel embedding
    if (s == p.pp - 1) sum.add(g.last), st.tp += tp_ar, st.tp_all += tp_ar;      // LM head's input gradient
    st.compute = sum.mm_split + (imbalance - 1) * sum.mm_expert;
    st.memory = sum.mem_split + (imbalance - 1) * sum.mem_expert + sum.mem_rep / rep_div;
    st.bwd = sum.bwd_split + sum.bwd_rep / rep_div;
    st.fwd = (st.compute + st.memory - st.bwd) / (passes - 1.0);
    if (w.enabled) {
      st.onwafer = (st.compute + st.memory) * factors.comm;
      st.compute *= factors.compute;
      st.memory *= factors.compute;
    }
    st.pp_all = pp_per_mb;
    st.pp = p.overlap.pp ? std::max(0.0, pp_per_mb - st.busy()) : pp_per_mb;
  }
  const auto crit = std::max_element(stages.begin(), stages.end(), [](const Stage& a, const Stage& b) { return a.total() < b.total(); });
  std::vector<double> totals;
  for (const Stage& st : stages) totals.push_back(st.total());
  const double pipeline = pipeline_seconds(totals, mb, v);
  StepBreakdown& t = e.time;
  t.compute = mb * crit->compute;
  t.memory = mb * crit->memory;
  t.tp_comm = mb * crit->tp;
  t.cp_comm = mb * crit->cp;
  t.ep_comm = mb * crit->ep;
  t.pp_comm = mb * crit->pp;
  t.onwafer_comm = mb * crit->onwafer;
  t.bubble = pipeline - mb * crit->total();
  // With an overlap off, its traffic is all exposed: the pipeline's time again, with it.
  auto pipeline_with = [&](auto exposed) {
    std::vector<double> x;
    for (const Stage& st : stages) x.push_back(exposed(st));
    return pipeline_seconds(x, mb, v);
  };
  t.hidden.tp = pipeline_with([](const Stage& st) { return st.total() - st.tp + st.tp_all; }) - pipeline;
  t.hidden.pp = pipeline_with([](const Stage& st) { return st.total() - st.pp + st.pp_all; }) - pipeline;

  // Parameters per device, stage by stage (the first also holds the token and position tables,
  // the last the final norm and the LM head, and, with tied embeddings, its own copy of the table,
  // as Megatron-LM keeps it), experts split over ep.
  const double total = static_cast<double>(m.total_params());
  const double experts_per_layer = static_cast<double>(expert_params(m)) / m.layers;
  const double dense_per_layer = static_cast<double>(m.attention_params_per_layer() + m.ffn_params_per_layer() + m.norm_params_per_layer()) - experts_per_layer;
  const double gb = m.gradients.bytes;
  const double dp_group = static_cast<double>(p.dp) * cp;  // devices holding the same weights
  const double opt_div = p.zero_stage == 1 ? dp_group : 1.0;
  const double in_flight_mb = static_cast<double>(e.micro_batches);
  double worst_dense = 0, worst_expert = 0;
  for (std::int64_t s = 0; s < p.pp; ++s) {
    const double layers = static_cast<double>(stage_layers[static_cast<std::size_t>(s)]);
    double dense = dense_per_layer * layers;
    if (s == 0) dense += static_cast<double>(m.embedding_params());
    if (s == p.pp - 1) dense += static_cast<double>(m.head_params()) + (m.tied_embeddings && p.pp > 1 ? static_cast<double>(m.vocab * m.d_model) : 0.0);
    dense /= tp;
    const double expert = experts_per_layer * layers / (tp * static_cast<double>(p.ep));
    worst_dense = std::max(worst_dense, dense), worst_expert = std::max(worst_expert, expert);
    const double params = dense + expert;
    // Micro-batches in flight on stage s under 1F1B: pp - s (the first stage the most); the
    // interleaved schedule holds (1 + (pp - 1) / (pp v)) times as many on the first (Narayanan et
    // al. 2021, section 2.2.2).
    double flight = std::min(static_cast<double>(p.pp - s), in_flight_mb);
    if (p.interleave > 1 && s == 0) flight *= 1.0 + (static_cast<double>(p.pp) - 1.0) / (static_cast<double>(p.pp) * v);
    TrainingEstimate::Memory mem;
    mem.weights = params * m.weights.bytes;
    mem.gradients = params * gb;
    mem.optimizer = 3.0 * m.optimizer.bytes * params / opt_div;  // Adam: master copy, two moments
    mem.activations = flight * layers * kept_in_flight(m, g, p) + (full ? kept_per_layer(g, p) : 0.0);
    if (s == 0 || mem.total() > e.memory.total()) e.memory = mem, e.memory_stage = s;
  }
  const double mem = e.memory.total();
  e.memory_per_device_bytes = mem;
  const double params_dev = worst_dense + worst_expert;

  // The data-parallel group's gradient reduction (experts' over the dp / ep devices that hold the
  // same experts): an all-reduce, or under ZeRO-1 a reduce-scatter and then the updated
  // parameters' all-gather. Overlapped: the reduction with the last micro-batch's backward, the
  // all-gather with the first one's forward, bucket by bucket; at least one bucket is exposed.
  auto group_collective = [&](Collective k, double dense_bytes, double expert_bytes) {
    const LinkSpec& ld = group_link(c, p.dp * p.cp, p.tp);
    const LinkSpec& le = group_link(c, p.dp * p.cp / p.ep, p.tp * p.ep);
    return collective_seconds(k, p.dp_algorithm, dense_bytes, p.dp * p.cp, ld.bytes_per_s, ld.latency_s) +
           collective_seconds(k, p.dp_algorithm, expert_bytes, p.dp * p.cp / p.ep, le.bytes_per_s, le.latency_s);
  };
  const double reduce = group_collective(p.zero_stage == 1 ? Collective::kReduceScatter : Collective::kAllReduce, worst_dense * gb, worst_expert * gb);
  const double gather = p.zero_stage == 1 ? group_collective(Collective::kAllGather, worst_dense * m.weights.bytes, worst_expert * m.weights.bytes) : 0.0;
  const double buckets = std::max(1.0, std::ceil(params_dev / std::max(40e6, 1e6 * dp_group)));
  auto exposed = [&](double comm, double window) { return std::max(comm / buckets, comm - window); };
  t.dp_comm = p.overlap.dp ? exposed(reduce, crit->bwd) + exposed(gather, crit->fwd) : reduce + gather;
  t.hidden.dp = reduce + gather - t.dp_comm;
  const double opt_share = params_dev / total / opt_div;
  const double optimizer_s = g.optimizer_s * opt_share * factors.compute;

  // Wafers whose state does not fit in SRAM keep weights, gradients and Adam state in external
  // memory and stream them (weight streaming, as Cerebras' MemoryX): each step reads the weights
  // once per pass (layer by layer over the step's micro-batches), writes the gradients, and the
  // memory-side optimizer reads and writes the master weights and moments; activations that do
  // not fit beside a double-buffered layer of weights spill (written forward, read backward). It
  // overlaps with compute; what compute does not hide is exposed.
  if (w.enabled && mem > w.sram_bytes) {
    e.resident = false;
    const double opt_bytes_per_param = 2.0 * 3.0 * m.optimizer.bytes / opt_div;
    const double act = e.memory.activations;
    const double spill = std::max(0.0, act - std::max(0.0, w.sram_bytes - 2.0 * w.layer_weight_bytes / tp));
    e.streamed_bytes_per_step = params_dev * (m.weights.bytes * (passes + 1.0) + gb + opt_bytes_per_param) + 2.0 * spill;
    const double stream_s = e.streamed_bytes_per_step / w.stream_bytes_per_s;
    const double busy = t.compute + t.memory + t.onwafer_comm;
    t.streaming = std::max(0.0, stream_s - busy);
  } else {
    t.memory += optimizer_s;  // on the wafer (or the GPU)
  }
  t.step = t.compute + t.memory + t.onwafer_comm + t.tp_comm + t.cp_comm + t.ep_comm + t.pp_comm + t.bubble + t.dp_comm + t.streaming;

  const double seqs = static_cast<double>(m.global_batch);
  e.tokens_per_step = seqs * static_cast<double>(m.sequence);
  const double per_mb = seqs / static_cast<double>(p.micro_batch);
  e.model_flops_per_step = 3.0 * g.forward_flops * per_mb;
  // The matmul FLOPs the devices execute, recomputation included, counted op by op on the Graph: for
  // a GPT-shaped model (4h FFN, no GQA) this is Narayanan et al.'s eq. 3 exactly, and for MoE,
  // gated FFNs and grouped KV heads it counts the experts a token visits and the matrices it has.
  e.megatron_flops_per_step = g.matmul_flops * per_mb;
  const double n = static_cast<double>(p.devices());
  e.tokens_per_s = e.tokens_per_step / t.step;
  e.mfu = e.model_flops_per_step / (t.step * n * c.device.peak_flops);
  e.achieved_tflops_per_device = e.megatron_flops_per_step / (t.step * n) / 1e12;
  if (m.training_tokens > 0) {
    e.steps = m.training_tokens / e.tokens_per_step;
    const double seconds = e.steps * t.step;
    e.days = seconds / 86400.0;
    e.power_mw = n * c.device.power_w / 1e6;
    e.energy_mwh = e.power_mw * seconds / 3600.0;
  }
  e.capital_usd = n * c.device.cost_usd;
  if (w.enabled) {
    // Tiles draw active power while they compute, idle power otherwise; every bit that leaves the
    // wafer (collectives, streaming) and every on-wafer bit-hop costs energy; the facility adds
    // its overhead.
    const double busy = (t.compute + t.memory) / t.step;
    const double off_bytes = (t.tp_comm + t.cp_comm + t.ep_comm + t.pp_comm + t.dp_comm) * c.scale_out.bytes_per_s + e.streamed_bytes_per_step;
    const double flops_dev = e.model_flops_per_step / n;
    const double joules = w.tiles * (w.tile_idle_w + (w.tile_active_w - w.tile_idle_w) * busy) * t.step +
                          off_bytes * 8.0 * w.pj_per_bit_off_wafer * 1e-12 + flops_dev * factors.pj_per_flop * 1e-12;
    e.power_w_per_device = joules / t.step * w.power_overhead;
    e.power_mw = n * e.power_w_per_device / 1e6;
    if (e.days > 0) e.energy_mwh = e.power_mw * e.days * 24.0;
    e.capital_usd = n * (w.wafer_usd + w.system_usd);
    e.mfu = e.model_flops_per_step / (t.step * n * w.nominal_peak_flops);
  }
  return e;
}

}  // namespace

std::string TrainingEstimate::Memory::describe() const {
  const std::pair<const char*, double> terms[] = {{"weights", weights}, {"gradients", gradients}, {"optimizer", optimizer}, {"activations", activations}};
  const auto largest = std::max_element(std::begin(terms), std::end(terms), [](const auto& a, const auto& b) { return a.second < b.second; });
  std::string s;
  for (const auto& t : terms)
    s += fmt::format("{}{} {:.1f}{}", s.empty() ? "" : ", ", t.first, t.second / 1e9, &t == largest ? " (the largest)" : "");
  return s + " GB";
}

std::string Parallelism::describe() const {
  std::string s = fmt::format("tp {} pp {} dp {}", tp, pp, dp);
  if (cp > 1) s += fmt::format(" cp {}", cp);
  if (ep > 1) s += fmt::format(" ep {}", ep);
  s += fmt::format(" micro-batch {}", micro_batch);
  if (interleave > 1) s += fmt::format(" interleave {}", interleave);
  if (!stage_layers.empty()) {
    s += " stages";
    for (std::size_t i = 0; i < stage_layers.size(); ++i) s += fmt::format("{}{}", i ? "," : " ", stage_layers[i]);
  }
  if (sequence_parallel) s += " sp";
  if (zero_stage) s += fmt::format(" zero-{}", zero_stage);
  if (flash_attention) s += " flash";
  if (fp8) s += " fp8";
  s += fmt::format(" recompute {}", recompute == Recompute::kFull ? "full" : recompute == Recompute::kSelective ? "selective" : "none");
  if (!overlap.tp || !overlap.dp || !overlap.pp) {
    std::string off;
    for (auto [on, name] : {std::pair{overlap.tp, "tp"}, std::pair{overlap.dp, "dp"}, std::pair{overlap.pp, "pp"}})
      if (!on) off += fmt::format("{}{}", off.empty() ? "" : ",", name);
    s += " no-overlap " + off;
  }
  return s;
}

namespace {

Cut cut_of(const Parallelism& p) { return Cut{p.tp, p.cp, p.ep, p.fp8}; }

}  // namespace

TrainingEstimate estimate_training(const ModelSpec& model, const ClusterSpec& cluster, const Parallelism& par) {
  check_layout(model, cluster, par);
  const BuiltGraph built(model, par.micro_batch, par.recompute, par.flash_attention);
  TrainingEstimate e = estimate_from(model, cluster, par, time_graph(built, cluster.device, cut_of(par)));
  if (e.memory_per_device_bytes > cluster.device.memory_bytes)
    throw InputError(fmt::format("parallelism {}: needs {:.1f} GB per device on pipeline stage {} of {} ({}); {} has {:.0f} GB", par.describe(),
                                 e.memory_per_device_bytes / 1e9, e.memory_stage + 1, par.pp, e.memory.describe(), cluster.device.name,
                                 cluster.device.memory_bytes / 1e9));
  return e;
}

SearchResult search_parallelism(const ModelSpec& model, const ClusterSpec& cluster, std::int64_t devices, const Parallelism::Overlap& overlap) {
  SearchResult r;
  std::map<std::tuple<std::int64_t, Recompute, bool>, std::unique_ptr<BuiltGraph>> graphs;
  std::map<std::tuple<std::int64_t, Recompute, bool, std::int64_t, std::int64_t, std::int64_t, bool>, GraphSums> timed;
  // Flash attention is a GPU kernel; on a wafer the representative layer's attention mapping
  // (gathered or streamed K/V blocks) decides where keys and values live and what they cost.
  const std::vector<bool> flash_options = cluster.wafer.enabled ? std::vector<bool>{false} : std::vector<bool>{false, true};
  const std::vector<bool> fp8_options = cluster.device.fp8_peak_flops > 0 ? std::vector<bool>{false, true} : std::vector<bool>{false};
  for (std::int64_t tp : divisors(devices)) {
    // Tensor parallelism inside one scale-up domain (groups that straddle domains are never best).
    // Wafers have no scale-up domain: tensor parallelism across up to 8 wafers over their links.
    if (cluster.wafer.enabled) {
      if (tp > 8) break;
    } else {
      if (tp > cluster.domain) break;
      if (cluster.domain % tp != 0) continue;
    }
    // Context parallelism on GPU clusters, up to 8 (ring attention's degree in practice); its
    // ring passes whole K and V blocks, so it is not tried on wafers' representative layer.
    for (std::int64_t cp : cluster.wafer.enabled ? std::vector<std::int64_t>{1} : std::vector<std::int64_t>{1, 2, 4, 8}) {
      if (devices % (tp * cp) != 0 || model.sequence % cp != 0) continue;
      for (std::int64_t pp : divisors(model.layers)) {
        if (devices % (tp * cp * pp) != 0) continue;
        const std::int64_t dp = devices / (tp * cp * pp);
        for (std::int64_t b : kSearchMicroBatches) {
          for (std::int64_t v : {1, 2, 4}) {
            for (std::int64_t ep : model.is_moe() ? divisors(model.moe.experts) : std::vector<std::int64_t>{1}) {
              for (bool sp : {false, true}) {
                if (sp && tp == 1) continue;
                for (int zero : {0, 1}) {
                  for (Recompute rc : {Recompute::kFull, Recompute::kSelective, Recompute::kNone}) {
                    for (const bool flash : flash_options) {
                      for (const bool fp8 : fp8_options) {
                        ++r.considered;
                        Parallelism p;
                        p.tp = tp, p.pp = pp, p.dp = dp, p.ep = ep, p.cp = cp, p.micro_batch = b, p.interleave = v;
                        p.sequence_parallel = sp, p.zero_stage = zero, p.recompute = rc, p.flash_attention = flash, p.fp8 = fp8;
                        p.overlap = overlap;
                        try {
                          check_layout(model, cluster, p);
                        } catch (const InputError&) {
                          ++r.rejected;
                          continue;
                        }
                        auto& built = graphs[std::make_tuple(b, rc, flash)];
                        if (!built) built = std::make_unique<BuiltGraph>(model, b, rc, flash);
                        const auto key = std::make_tuple(b, rc, flash, tp, cp, ep, fp8);
                        auto it = timed.find(key);
                        if (it == timed.end()) it = timed.emplace(key, time_graph(*built, cluster.device, cut_of(p))).first;
                        TrainingEstimate e = estimate_from(model, cluster, p, it->second);
                        if (e.memory_per_device_bytes > cluster.device.memory_bytes) {
                          ++r.rejected;
                          continue;
                        }
                        r.ranked.push_back(std::move(e));
                      }
                    }
                  }
                }
              }
            }
          }
        }
      }
    }
  }
  // Fastest first; ties by fewer pipeline stages, then smaller tp (simpler layouts), deterministic.
  auto order = [](const TrainingEstimate& e) {
    const Parallelism& p = e.par;
    return std::make_tuple(e.time.step, p.pp, p.tp, p.cp, p.micro_batch, p.interleave, p.ep, p.sequence_parallel, p.zero_stage,
                           static_cast<int>(p.recompute), p.flash_attention, p.fp8);
  };
  std::sort(r.ranked.begin(), r.ranked.end(), [&](const TrainingEstimate& a, const TrainingEstimate& b) { return order(a) < order(b); });
  return r;
}

std::vector<std::int64_t> divisors(std::int64_t n) {
  std::vector<std::int64_t> d;
  for (std::int64_t i = 1; i <= n; ++i)
    if (n % i == 0) d.push_back(i);
  return d;
}

double roofline_seconds(const ModelSpec& model, const DeviceSpec& device, std::int64_t micro_batch, Recompute recompute) {
  const GraphSums g = time_graph(BuiltGraph(model, micro_batch, recompute, false), device, Cut{});
  double t = g.optimizer_s;
  for (const OpSums* o : {&g.first, &g.last}) t += o->mm_split + o->mem_split + o->mem_rep;
  for (const OpSums& o : g.layer) t += o.mm_split + o.mem_split + o.mem_rep;
  return t;
}

double layer_activation_bytes(const ModelSpec& model, const DeviceSpec& /*device: bytes are the Graph's, on any device*/, const Parallelism& par) {
  return kept_in_flight(model, BuiltGraph(model, par.micro_batch, par.recompute, par.flash_attention).kept_for(par.fp8), par);
}

double dense_training_flops(const ModelSpec& model, double tokens) { return 6.0 * static_cast<double>(model.active_params()) * tokens; }

}  // namespace wafersim::compiler
