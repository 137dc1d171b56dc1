#include "compiler/training_estimate.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <map>
#include <set>
#include <tuple>

#include "compiler/moe_routing.hpp"
#include "core/input_error.hpp"

namespace wafersim::compiler {

namespace {

// Op time of one micro-batch, summed by where it runs and what bounds it. "split" ops are divided
// over the tensor-parallel group; "rep" ops are replicated on it (unless sequence parallelism).
struct OpSums {
  double mm_split = 0, mem_split = 0, mem_rep = 0;
  double mm_expert = 0, mem_expert = 0;  // of mm_split and mem_split, the experts' (waits on the busiest EP rank)
  double act_split = 0, act_rep = 0;  // activation bytes kept for the backward (add_kept_activations)
  void add(const OpSums& o) {
    mm_split += o.mm_split, mem_split += o.mem_split, mem_rep += o.mem_rep;
    mm_expert += o.mm_expert, mem_expert += o.mem_expert;
    act_split += o.act_split, act_rep += o.act_rep;
  }
};

// What the estimator needs of a model's Graph for one (micro-batch, recomputation) pair.
struct GraphSums {
  std::vector<OpSums> layer;    // per layer
  OpSums first, last;           // embedding on the first stage; final norm, LM head, loss on the last
  double optimizer_s = 0;       // Adam over all parameters on one device
  double train_flops = 0;       // forward + recompute + backward, one micro-batch
  double forward_flops = 0;
  double matmul_flops = 0;      // of which matmuls (forward + recompute + backward): what the device executes
  std::vector<bool> moe_layer;
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
// the core from Q, K and V (Korthikanti et al. 2022, section 5).
void add_kept_activations(const Graph& g, const ModelSpec& model, Recompute recompute, GraphSums& s) {
  const bool selective = recompute == Recompute::kSelective;
  const double act = static_cast<double>(model.activations.bytes);
  std::map<const OpSums*, std::set<std::pair<std::size_t, int>>> seen;
  for (std::size_t v = 0; v < g.size(); ++v) {
    const Op& c = g.op(v);
    if (c.phase != Phase::kForward) continue;
    OpSums& bucket = bucket_of(c, s);
    auto& once = seen[&bucket];
    auto keep = [&](std::pair<std::size_t, int> key, double bytes, bool split) {
      if (once.insert(key).second) (split ? bucket.act_split : bucket.act_rep) += bytes;
    };
    const bool redone = selective && c.attention_core;
    if (c.keeps == Op::Keeps::kOutput && !redone) keep({v, -1}, c.bytes_written, tp_split(c));
    if (c.keeps == Op::Keeps::kInputs) {
      for (auto [e, end] = boost::in_edges(v, g.ops()); e != end; ++e) {
        const std::size_t u = boost::source(*e, g.ops());
        const Op& p = g.op(u);
        if (redone && p.attention_core) continue;
        if (c.expert >= 0 && p.expert < 0 && c.n > 0)  // the tokens dispatched to this expert
          keep({u, c.expert}, c.flops / (2.0 * static_cast<double>(c.n)) * act, true);
        else
          keep({u, -1}, p.bytes_written, tp_split(p) && p.layer == c.layer);
      }
    }
    if (c.kept_extra_bytes > 0 && !redone) (c.kept_extra_replicated || !tp_split(c) ? bucket.act_rep : bucket.act_split) += c.kept_extra_bytes;
  }
}

GraphSums summarize(const ModelSpec& model, const DeviceSpec& dev, std::int64_t micro_batch, Recompute recompute, bool flash) {
  const Graph g = Graph::build(model, {recompute, micro_batch, flash});
  GraphSums s;
  s.layer.assign(static_cast<std::size_t>(model.layers), {});
  s.moe_layer.assign(static_cast<std::size_t>(model.layers), false);
  const double mm_rate = dev.peak_flops * dev.matmul_efficiency;
  for (std::size_t v = 0; v < g.size(); ++v) {
    const Op& o = g.op(v);
    const double bytes = o.bytes_read + o.bytes_written;
    const bool matmul = o.kind == OpKind::kMatMul || o.kind == OpKind::kAttnMatMul;
    const double t = matmul ? std::max(o.flops / mm_rate, bytes / dev.memory_bytes_per_s)
                            : std::max(o.flops / dev.vector_flops, bytes / dev.memory_bytes_per_s);
    if (o.phase == Phase::kOptimizer) {
      s.optimizer_s += t;
      continue;
    }
    s.train_flops += o.flops;
    if (matmul) s.matmul_flops += o.flops;
    if (o.phase == Phase::kForward) s.forward_flops += o.flops;
    OpSums& bucket = bucket_of(o, s);
    if (o.layer >= 0 && o.expert >= 0) s.moe_layer[static_cast<std::size_t>(o.layer)] = true;
    const bool split = tp_split(o);
    if (matmul && split) bucket.mm_split += t;
    else if (split) bucket.mem_split += t;
    else bucket.mem_rep += t;  // norms and residual adds: no matmuls are replicated
    if (o.expert >= 0) (matmul ? bucket.mm_expert : bucket.mem_expert) += t;
  }
  add_kept_activations(g, model, recompute, s);
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

void check_layout(const ModelSpec& m, const ClusterSpec& c, const Parallelism& p) {
  auto bad = [&](const std::string& what) { throw InputError(fmt::format("parallelism {}: {}", p.describe(), what)); };
  if (p.tp < 1 || p.pp < 1 || p.dp < 1 || p.ep < 1 || p.micro_batch < 1 || p.interleave < 1) bad("every degree must be at least 1");
  if (m.heads % p.tp != 0) bad(fmt::format("tp {} does not divide the {} attention heads", p.tp, m.heads));
  if (m.kv_heads % p.tp != 0 && p.tp % m.kv_heads != 0) bad(fmt::format("tp {} does not divide the {} KV heads", p.tp, m.kv_heads));
  if (m.ffn_size % p.tp != 0) bad(fmt::format("tp {} does not divide the FFN size {}", p.tp, m.ffn_size));
  if (m.layers % p.pp != 0) bad(fmt::format("pp {} does not divide the {} layers", p.pp, m.layers));
  if ((m.layers / p.pp) % p.interleave != 0)
    bad(fmt::format("interleave {} does not divide the {} layers per stage", p.interleave, m.layers / p.pp));
  if (p.interleave > 1 && p.pp == 1) bad("interleaving needs pipeline stages (pp > 1)");
  if (m.global_batch % (p.dp * p.micro_batch) != 0)
    bad(fmt::format("dp {} x micro-batch {} does not divide the global batch of {} sequences", p.dp, p.micro_batch, m.global_batch));
  if (p.ep > 1 && !m.is_moe()) bad("expert parallelism (ep > 1) needs a mixture-of-experts model");
  if (m.is_moe() && (m.moe.experts % p.ep != 0 || p.dp % p.ep != 0))
    bad(fmt::format("ep {} must divide the {} experts and the data-parallel degree {}", p.ep, m.moe.experts, p.dp));
  if (p.zero_stage != 0 && p.zero_stage != 1) bad("zero_stage must be 0 or 1");
  if (p.devices() > c.devices)
    bad(fmt::format("needs {} devices; system '{}' has {}", p.devices(), c.name, c.devices));
  if (m.mode != Mode::kTraining) bad("the model is in inference mode; the estimate is for training");
}

// What one layer keeps for its backward per micro-batch on one device, without recomputation
// (also the working set of the layer being recomputed under full recomputation).
double kept_per_layer(const GraphSums& g, const Parallelism& p) {
  const OpSums& l0 = g.layer.front();
  const double tp = static_cast<double>(p.tp);
  return l0.act_split / tp + l0.act_rep / (p.sequence_parallel ? tp : 1.0);
}

// What one layer keeps per micro-batch in flight: under full recomputation its input only.
double kept_in_flight(const ModelSpec& m, const GraphSums& g, const Parallelism& p) {
  if (p.recompute != Recompute::kFull) return kept_per_layer(g, p);
  const double input = static_cast<double>(p.micro_batch * m.sequence * m.d_model * m.activations.bytes);
  return input / (p.sequence_parallel ? static_cast<double>(p.tp) : 1.0);
}

TrainingEstimate estimate_from(const ModelSpec& m, const ClusterSpec& c, const Parallelism& p, const GraphSums& g) {
  TrainingEstimate e;
  e.par = p;
  const double tp = static_cast<double>(p.tp);
  const std::int64_t per_stage = m.layers / p.pp;
  e.micro_batches = m.global_batch / (p.dp * p.micro_batch);
  const double mb = static_cast<double>(e.micro_batches);
  const double act_bytes = static_cast<double>(m.activations.bytes);
  const double A = static_cast<double>(p.micro_batch * m.sequence * m.d_model) * act_bytes;  // one layer's activations
  const bool full = p.recompute == Recompute::kFull;
  const double rep_div = p.sequence_parallel ? tp : 1.0;

  // Tensor-parallel all-reduces per layer per micro-batch: 2 forward, 2 backward, 2 recomputed.
  const double tp_ar = all_reduce(c, A, p.tp, 1, CollectiveAlgorithm::kRing);
  const double tp_per_layer = (full ? 6 : 4) * tp_ar;
  // Expert all-to-alls per MoE layer: dispatch and combine, per pass.
  double ep_per_layer = 0;
  if (m.is_moe() && p.ep > 1) {
    const LinkSpec& l = group_link(c, p.ep, p.tp);
    const double bytes = A * m.moe.top_k / tp;
    ep_per_layer = (full ? 6 : 4) * collective_seconds(Collective::kAllToAll, CollectiveAlgorithm::kRing, bytes, p.ep, l.bytes_per_s, l.latency_s);
    // On a 2D torus the all-to-all is bisection-bound: n B / 4 bytes cross 2 sqrt(n) links each
    // way, sqrt(n) / 2 times the time of a full-bandwidth switch (whose per-device figure
    // bytes_per_s is 2 links' worth on the torus, so the factor on it is sqrt(n) / 4).
    if (c.topology == "torus_2d" && &l == &c.scale_out)
      ep_per_layer *= std::max(1.0, std::sqrt(static_cast<double>(p.ep)) / 4.0);
  }
  // Stage-boundary sends: forward activations and backward gradients, bytes / tp each.
  double pp_per_mb = 0;
  if (p.pp > 1) {
    const LinkSpec& l = group_link(c, p.pp, p.tp * p.dp);
    pp_per_mb = 2 * (A / tp / l.bytes_per_s + l.latency_s);
  }

  struct Stage {
    double compute = 0, memory = 0, onwafer = 0, tp = 0, ep = 0, pp = 0;
    double total() const { return compute + memory + onwafer + tp + ep + pp; }
  };
  const WaferTerms& w = c.wafer;
  // Expert-parallel ranks wait for the busiest (a skewed router loads some experts more).
  const double imbalance = m.is_moe() ? moe_load(m.moe, static_cast<double>(p.micro_batch * m.sequence)).imbalance(static_cast<int>(p.ep)) : 1.0;
  std::vector<Stage> stages(static_cast<std::size_t>(p.pp));
  for (std::int64_t s = 0; s < p.pp; ++s) {
    Stage& st = stages[static_cast<std::size_t>(s)];
    OpSums sum;
    for (std::int64_t l = s * per_stage; l < (s + 1) * per_stage; ++l) {
      sum.add(g.layer[static_cast<std::size_t>(l)]);
      st.tp += tp_per_layer;
      if (g.moe_layer[static_cast<std::size_t>(l)]) st.ep += ep_per_layer;
    }
    if (s == 0) sum.add(g.first), st.tp += tp_ar;            // vocab-parallel embedding
    if (s == p.pp - 1) sum.add(g.last), st.tp += tp_ar;      // LM head's input gradient
    st.compute = (sum.mm_split + (imbalance - 1) * sum.mm_expert) / tp;
    st.memory = (sum.mem_split + (imbalance - 1) * sum.mem_expert) / tp + sum.mem_rep / rep_div;
    if (w.enabled) {
      st.onwafer = (st.compute + st.memory) * w.comm_factor;
      st.compute *= w.compute_factor;
      st.memory *= w.compute_factor;
    }
    st.pp = pp_per_mb;
  }
  const auto crit = std::max_element(stages.begin(), stages.end(), [](const Stage& a, const Stage& b) { return a.total() < b.total(); });
  double sum_all = 0;
  for (const Stage& st : stages) sum_all += st.total();
  StepBreakdown& t = e.time;
  t.compute = mb * crit->compute;
  t.memory = mb * crit->memory;
  t.tp_comm = mb * crit->tp;
  t.ep_comm = mb * crit->ep;
  t.pp_comm = mb * crit->pp;
  t.onwafer_comm = mb * crit->onwafer;
  t.bubble = (sum_all - crit->total()) / static_cast<double>(p.interleave);

  // Parameters on one device, and the gradient all-reduce over the data-parallel group (experts'
  // over the dp / ep devices that hold the same experts).
  const double total = static_cast<double>(m.total_params());
  const double experts = static_cast<double>(expert_params(m));
  const double dense_dev = (total - experts) / (tp * p.pp);
  const double expert_dev = experts / (tp * p.pp * p.ep);
  const double params_dev = dense_dev + expert_dev;
  const double gb = m.gradients.bytes;
  t.dp_comm = all_reduce(c, dense_dev * gb, p.dp, p.tp, p.dp_algorithm) + all_reduce(c, expert_dev * gb, p.dp / p.ep, p.tp * p.ep, p.dp_algorithm);
  const double opt_share = params_dev / total / (p.zero_stage == 1 ? static_cast<double>(p.dp) : 1.0);
  const double optimizer_s = g.optimizer_s * opt_share * (w.enabled ? w.compute_factor : 1.0);

  // Memory: weights and gradients, Adam (master copy, two moments: 3 x optimizer dtype), activations.
  const double opt_state = 3.0 * m.optimizer.bytes * params_dev;
  const double in_flight = static_cast<double>(std::min<std::int64_t>(p.pp, e.micro_batches));
  const double working_set = full ? kept_per_layer(g, p) : 0.0;
  e.memory.weights = params_dev * m.weights.bytes;
  e.memory.gradients = params_dev * gb;
  e.memory.optimizer = opt_state / (p.zero_stage == 1 ? static_cast<double>(p.dp) : 1.0);
  e.memory.activations = in_flight * static_cast<double>(per_stage) * kept_in_flight(m, g, p) + working_set;
  const double mem = e.memory.total();
  e.memory_per_device_bytes = mem;

  // Wafers whose state does not fit in SRAM keep weights, gradients and Adam state in external
  // memory and stream them (weight streaming, as Cerebras' MemoryX): each step reads the weights
  // once per pass (layer by layer over the step's micro-batches), writes the gradients, and the
  // memory-side optimizer reads and writes the master weights and moments; activations that do
  // not fit beside a double-buffered layer of weights spill (written forward, read backward). It
  // overlaps with compute; what compute does not hide is exposed.
  if (w.enabled && mem > w.sram_bytes) {
    e.resident = false;
    const double passes = full ? 3.0 : 2.0;
    const double opt_bytes_per_param = 2.0 * 3.0 * m.optimizer.bytes / (p.zero_stage == 1 ? static_cast<double>(p.dp) : 1.0);
    const double act = e.memory.activations;
    const double spill = std::max(0.0, act - std::max(0.0, w.sram_bytes - 2.0 * w.layer_weight_bytes / tp));
    e.streamed_bytes_per_step = params_dev * (m.weights.bytes * (passes + 1.0) + gb + opt_bytes_per_param) + 2.0 * spill;
    const double stream_s = e.streamed_bytes_per_step / w.stream_bytes_per_s;
    const double busy = t.compute + t.memory + t.onwafer_comm;
    t.streaming = std::max(0.0, stream_s - busy);
  } else {
    t.memory += optimizer_s;  // on the wafer (or the GPU)
  }
  t.step = t.compute + t.memory + t.onwafer_comm + t.tp_comm + t.ep_comm + t.pp_comm + t.bubble + t.dp_comm + t.streaming;

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
    const double off_bytes = (t.tp_comm + t.ep_comm + t.pp_comm + t.dp_comm) * c.scale_out.bytes_per_s + e.streamed_bytes_per_step;
    const double flops_dev = e.model_flops_per_step / n;
    const double joules = w.tiles * (w.tile_idle_w + (w.tile_active_w - w.tile_idle_w) * busy) * t.step +
                          off_bytes * 8.0 * w.pj_per_bit_off_wafer * 1e-12 + flops_dev * w.pj_per_flop_on_wafer * 1e-12;
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
  if (ep > 1) s += fmt::format(" ep {}", ep);
  s += fmt::format(" micro-batch {}", micro_batch);
  if (interleave > 1) s += fmt::format(" interleave {}", interleave);
  if (sequence_parallel) s += " sp";
  if (zero_stage) s += fmt::format(" zero-{}", zero_stage);
  if (flash_attention) s += " flash";
  s += fmt::format(" recompute {}", recompute == Recompute::kFull ? "full" : recompute == Recompute::kSelective ? "selective" : "none");
  return s;
}

TrainingEstimate estimate_training(const ModelSpec& model, const ClusterSpec& cluster, const Parallelism& par) {
  check_layout(model, cluster, par);
  const GraphSums g = summarize(model, cluster.device, par.micro_batch, par.recompute, par.flash_attention);
  TrainingEstimate e = estimate_from(model, cluster, par, g);
  if (e.memory_per_device_bytes > cluster.device.memory_bytes)
    throw InputError(fmt::format("parallelism {}: needs {:.1f} GB per device on the first pipeline stage ({}); {} has {:.0f} GB", par.describe(),
                                 e.memory_per_device_bytes / 1e9, e.memory.describe(), cluster.device.name, cluster.device.memory_bytes / 1e9));
  return e;
}

SearchResult search_parallelism(const ModelSpec& model, const ClusterSpec& cluster, std::int64_t devices) {
  SearchResult r;
  std::map<std::tuple<std::int64_t, Recompute, bool>, GraphSums> graphs;
  // Flash attention is a GPU kernel; the wafer's representative layer keeps each head's K/V whole.
  const std::vector<bool> flash_options = cluster.wafer.enabled ? std::vector<bool>{false} : std::vector<bool>{false, true};
  for (std::int64_t tp : divisors(devices)) {
    // Tensor parallelism inside one scale-up domain (groups that straddle domains are never best).
    // Wafers have no scale-up domain: tensor parallelism across up to 8 wafers over their links.
    if (cluster.wafer.enabled) {
      if (tp > 8) break;
    } else {
      if (tp > cluster.domain) break;
      if (cluster.domain % tp != 0) continue;
    }
    for (std::int64_t pp : divisors(model.layers)) {
      if (devices % (tp * pp) != 0) continue;
      const std::int64_t dp = devices / (tp * pp);
      for (std::int64_t b : {1, 2, 4, 8}) {
        for (std::int64_t v : {1, 2, 4}) {
          for (std::int64_t ep : model.is_moe() ? divisors(model.moe.experts) : std::vector<std::int64_t>{1}) {
            for (bool sp : {false, true}) {
              if (sp && tp == 1) continue;
              for (int zero : {0, 1}) {
                for (Recompute rc : {Recompute::kFull, Recompute::kSelective, Recompute::kNone}) {
                  for (const bool flash : flash_options) {
                    ++r.considered;
                    Parallelism p{tp, pp, dp, ep, b, v, sp, zero, rc, CollectiveAlgorithm::kRing, flash};
                    try {
                      check_layout(model, cluster, p);
                    } catch (const InputError&) {
                      ++r.rejected;
                      continue;
                    }
                    const auto key = std::make_tuple(b, rc, flash);
                    auto it = graphs.find(key);
                    if (it == graphs.end()) it = graphs.emplace(key, summarize(model, cluster.device, b, rc, flash)).first;
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
  // Fastest first; ties by fewer pipeline stages, then smaller tp (simpler layouts), deterministic.
  std::sort(r.ranked.begin(), r.ranked.end(), [](const TrainingEstimate& a, const TrainingEstimate& b) {
    return std::make_tuple(a.time.step, a.par.pp, a.par.tp, a.par.micro_batch, a.par.interleave, a.par.ep, a.par.sequence_parallel,
                           a.par.zero_stage, static_cast<int>(a.par.recompute), a.par.flash_attention) <
           std::make_tuple(b.time.step, b.par.pp, b.par.tp, b.par.micro_batch, b.par.interleave, b.par.ep, b.par.sequence_parallel,
                           b.par.zero_stage, static_cast<int>(b.par.recompute), b.par.flash_attention);
  });
  return r;
}

std::vector<std::int64_t> divisors(std::int64_t n) {
  std::vector<std::int64_t> d;
  for (std::int64_t i = 1; i <= n; ++i)
    if (n % i == 0) d.push_back(i);
  return d;
}

double roofline_seconds(const ModelSpec& model, const DeviceSpec& device, std::int64_t micro_batch, Recompute recompute) {
  const GraphSums g = summarize(model, device, micro_batch, recompute, false);
  double t = g.optimizer_s;
  for (const OpSums* o : {&g.first, &g.last}) t += o->mm_split + o->mem_split + o->mem_rep;
  for (const OpSums& o : g.layer) t += o.mm_split + o.mem_split + o.mem_rep;
  return t;
}

double layer_activation_bytes(const ModelSpec& model, const DeviceSpec& device, const Parallelism& par) {
  return kept_in_flight(model, summarize(model, device, par.micro_batch, par.recompute, par.flash_attention), par);
}

double dense_training_flops(const ModelSpec& model, double tokens) { return 6.0 * static_cast<double>(model.active_params()) * tokens; }

}  // namespace wafersim::compiler
