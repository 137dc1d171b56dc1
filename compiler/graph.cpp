#include "compiler/graph.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <map>
#include <stdexcept>

#include "compiler/elementwise_flops.hpp"
#include "compiler/moe_routing.hpp"
#include "compiler/op_costing.hpp"

namespace wafersim::compiler {

const char* to_string(OpKind k) {
  switch (k) {
    case OpKind::kMatMul: return "matmul";
    case OpKind::kAttnMatMul: return "attn_matmul";
    case OpKind::kGather: return "gather";
    case OpKind::kElementwise: return "elementwise";
    case OpKind::kOptimizer: return "optimizer";
  }
  return "?";
}

const char* to_string(Phase p) {
  switch (p) {
    case Phase::kForward: return "forward";
    case Phase::kRecompute: return "recompute";
    case Phase::kBackward: return "backward";
    case Phase::kOptimizer: return "optimizer";
  }
  return "?";
}

Recompute parse_recompute(const std::string& s) {
  if (s == "none") return Recompute::kNone;
  if (s == "selective") return Recompute::kSelective;
  if (s == "full") return Recompute::kFull;
  throw std::invalid_argument("recompute: '" + s + "' is not none, selective or full");
}

namespace {

using V = std::size_t;

namespace ef = elementwise_flops;
constexpr double kLayerNormFlops = ef::kLayerNorm, kRmsNormFlops = ef::kRmsNorm, kGeluFlops = ef::kGelu, kSwigluFlops = ef::kSwiglu,
                 kSoftmaxFlops = ef::kSoftmax, kAttnSoftmaxFlops = ef::kAttnSoftmax, kRopeFlops = ef::kRope, kAddFlops = ef::kAdd,
                 kCombineFlops = ef::kCombine, kAdamFlops = ef::kAdam;

struct Builder {
  const ModelSpec& m;
  OpGraph& g;
  std::int64_t T, B, S;  // tokens, sequences, sequence length (per micro-batch)
  double act, wb;        // bytes per activation / weight element
  bool flash = false;    // GraphOptions::flash_attention
  std::vector<V> flash_recomputed{};  // the scores and softmax ops a flash backward recomputes

  V add(Op op, const std::vector<V>& inputs) {
    const V v = boost::add_vertex(op, g);
    for (const V in : inputs) boost::add_edge(in, v, Tensor{g[in].bytes_written}, g);
    return v;
  }

  // What a matmul multiplies by: activations only, its own k x n weight (with a bias if the model
  // has biases, or never), or the tied embedding table (owned by the gather).
  enum class Weight { kNone, kOwn, kOwnNoBias, kTied };

  V matmul(const std::string& name, int layer, std::int64_t rows, std::int64_t k, std::int64_t n, Weight weight, Op::Dim tp_dim,
           const std::vector<V>& in, int expert = -1, double tokens = -1) {
    const bool owns = weight == Weight::kOwn || weight == Weight::kOwnNoBias;
    Op op = cost().matmul(name, layer, rows, k, n, owns ? k * n : 0, weight != Weight::kNone, tokens);
    op.expert = expert;
    op.tp_dim = tp_dim;
    op.token_dim = Op::Dim::kM;
    V v = add(op, in);
    const double r = tokens >= 0 ? tokens : static_cast<double>(rows);  // MoE experts: expected tokens
    if (weight == Weight::kOwn && m.bias) {
      v = elementwise(name + ".bias", layer, r * static_cast<double>(n), kAddFlops, {v}, n, expert);
      g[v].keeps = Op::Keeps::kNothing;
    }
    return v;
  }

  V attn_matmul(const std::string& name, int layer, std::int64_t batch, std::int64_t rows, std::int64_t k, std::int64_t n, const std::vector<V>& in) {
    Op op = cost().attn_matmul(name, layer, batch, rows, k, n);
    op.tp_dim = Op::Dim::kBatch;   // heads
    op.token_dim = Op::Dim::kM;    // the queries
    return add(op, in);
  }

  V elementwise(const std::string& name, int layer, double elements, double per_element, const std::vector<V>& in, std::int64_t params = 0,
                int expert = -1) {
    Op op = cost().elementwise(name, layer, elements, per_element, in.size(), params);
    op.expert = expert;
    return add(op, in);
  }

  OpCosting cost() const { return OpCosting{act, wb}; }

  // Marks the matmuls behind `outs` (through a bias add, if any) as one fused GEMM.
  void fuse(const std::vector<V>& outs, int group) {
    for (V v : outs) {
      while (g[v].kind != OpKind::kMatMul) v = boost::source(*boost::in_edges(v, g).first, g);
      g[v].fused = group;
    }
  }

  // An add (residual, bias, position) keeps nothing for its backward.
  V add_op(const std::string& name, int layer, double elements, const std::vector<V>& in) {
    const V v = elementwise(name, layer, elements, kAddFlops, in);
    g[v].keeps = Op::Keeps::kNothing;
    return v;
  }

  // Hidden dropout after `v` (Megatron's bias-dropout-add): its mask, on the residual stream.
  void hidden_dropout(V v, double elements) {
    if (m.dropout <= 0) return;
    g[v].kept_extra_bytes = elements;
    g[v].kept_extra_replicated = true;
  }

  V norm(const std::string& name, int layer, V in) {
    const bool ln = m.norm == Norm::kLayerNorm;
    const V v = elementwise(name, layer, static_cast<double>(T * m.d_model), ln ? kLayerNormFlops : kRmsNormFlops, {in},
                            ln ? 2 * m.d_model : m.d_model);
    g[v].row_reduction = true;
    return v;
  }

  // One FFN (dense, or expert e on `tokens` expected tokens) reading `in` (an expert: the tokens
  // and the router's choice); returns its output.
  V ffn(const std::string& p, int layer, const std::vector<V>& in, int expert, double tokens, std::int64_t width = 0) {
    const std::int64_t F = width > 0 ? width : m.ffn_size;
    const std::int64_t rows = tokens >= 0 ? static_cast<std::int64_t>(std::ceil(tokens)) : T;
    const double elems = (tokens >= 0 ? tokens : static_cast<double>(T)) * static_cast<double>(F);
    V a;
    if (m.activation == Activation::kSwiglu) {
      const V gate = matmul(p + "gate", layer, rows, m.d_model, F, Weight::kOwn, Op::Dim::kN, in, expert, tokens);
      const V up = matmul(p + "up", layer, rows, m.d_model, F, Weight::kOwn, Op::Dim::kN, in, expert, tokens);
      fuse({gate, up}, 2);
      a = elementwise(p + "swiglu", layer, elems, kSwigluFlops, {gate, up}, 0, expert);
    } else {
      const V up = matmul(p + "up", layer, rows, m.d_model, F, Weight::kOwn, Op::Dim::kN, in, expert, tokens);
      a = elementwise(p + "gelu", layer, elems, kGeluFlops, {up}, 0, expert);
    }
    return matmul(p + "down", layer, rows, F, m.d_model, Weight::kOwn, Op::Dim::kK, {a}, expert, tokens);
  }

  V layer(int l, V x) {
    const std::string p = fmt::format("L{}.", l);
    const double td = static_cast<double>(T * m.d_model);
    const V ln1 = norm(p + "ln1", l, x);
    V q = matmul(p + "attn.q_proj", l, T, m.d_model, m.q_width(), Weight::kOwn, Op::Dim::kN, {ln1});
    V k = matmul(p + "attn.k_proj", l, T, m.d_model, m.kv_width(), Weight::kOwn, Op::Dim::kN, {ln1});
    const V v = matmul(p + "attn.v_proj", l, T, m.d_model, m.kv_width(), Weight::kOwn, Op::Dim::kN, {ln1});
    fuse({q, k, v}, 1);
    if (m.position == Position::kRope) {
      q = elementwise(p + "attn.rope_q", l, static_cast<double>(T * m.q_width()), kRopeFlops, {q});
      k = elementwise(p + "attn.rope_k", l, static_cast<double>(T * m.kv_width()), kRopeFlops, {k});
      g[q].keeps = g[k].keeps = Op::Keeps::kNothing;  // a rotation: its backward needs no activations
    }
    const std::int64_t bh = B * m.heads;
    const V scores = attn_matmul(p + "attn.scores", l, bh, S, m.head_dim, S, {q, k});
    g[scores].key_dim = Op::Dim::kN;  // Q K^T: a column per key
    if (flash) {  // S x S stays on chip; the row statistics are kept for the backward
      g[scores].bytes_written = 0;
      g[scores].kept_extra_bytes = static_cast<double>(bh * S) * 4;
    }
    const V sm = elementwise(p + "attn.softmax", l, static_cast<double>(bh * S * S), kAttnSoftmaxFlops, {scores});
    g[sm].attention_core = true;  // the matmuls around it are attention core by kind
    g[sm].keeps = Op::Keeps::kOutput;
    if (flash) {
      g[sm].bytes_read = g[sm].bytes_written = 0;
      flash_recomputed.insert(flash_recomputed.end(), {scores, sm});
    } else if (m.dropout > 0) {
      g[sm].kept_extra_bytes = static_cast<double>(bh * S * S) * (1 + act);  // mask + dropped-out copy
    }
    const V ctx = attn_matmul(p + "attn.context", l, bh, S, S, m.head_dim, {sm, v});
    g[ctx].key_dim = Op::Dim::kK;  // P V: summed over the keys
    if (flash) g[ctx].bytes_read = static_cast<double>(bh * S * m.head_dim) * act;  // V only: P is on chip
    const V o = matmul(p + "attn.o_proj", l, T, m.q_width(), m.d_model, Weight::kOwn, Op::Dim::kK, {ctx});
    hidden_dropout(o, td);
    const V r1 = add_op(p + "residual1", l, td, {o, x});
    const V ln2 = norm(p + "ln2", l, r1);
    V out;
    if (!m.is_moe()) {
      out = ffn(p + "ffn.", l, {ln2}, -1, -1);
      hidden_dropout(out, td);
    } else {
      const std::int64_t E = m.moe.experts;
      const V router = matmul(p + "moe.router", l, T, m.d_model, E, Weight::kOwnNoBias, Op::Dim::kNone, {ln2});
      const V topk = elementwise(p + "moe.topk", l, static_cast<double>(T * E), kSoftmaxFlops, {router});
      g[topk].keeps = Op::Keeps::kOutput;
      // Each expert computes the token slots the router sends it, up to its buffer's capacity.
      const MoeLoad load = moe_load(m.moe, static_cast<double>(T));
      std::vector<V> outs;
      for (int e = 0; e < E; ++e) outs.push_back(ffn(fmt::format("{}moe.e{}.", p, e), l, {ln2, topk}, e, load.processed[static_cast<std::size_t>(e)]));
      outs.push_back(topk);
      // The combine: each token's output is the gate-weighted sum of its top_k experts' outputs,
      // so it reads T x top_k rows of d (and T x top_k gates), whatever the number of experts
      // (every expert's whole output buffer is not read), and writes T rows of d.
      const double td_out = static_cast<double>(T * m.d_model), tk = static_cast<double>(T * m.moe.top_k) * (1 - load.dropped_fraction);
      Op combine = cost().elementwise(p + "moe.combine", l, td_out, kCombineFlops * m.moe.top_k * (1 - load.dropped_fraction), 1);
      combine.bytes_read = tk * static_cast<double>(m.d_model) * act + tk * act;
      out = add(combine, outs);
      if (m.moe.shared_experts > 0)  // every token's shared experts, beside its routed ones
        out = add_op(p + "moe.shared_add", l, td, {out, ffn(p + "moe.shared.", l, {ln2}, -1, -1, m.moe.shared_experts * m.ffn_size)});
      hidden_dropout(out, td);
    }
    return add_op(p + "residual2", l, td, {out, r1});
  }

  void forward() {
    const Op emb = cost().gather("embed", -1, static_cast<double>(T * m.d_model), m.embedding_params());
    V x = add(emb, {});
    if (m.position == Position::kLearned) x = add_op("embed.add_position", -1, static_cast<double>(T * m.d_model), {x});
    for (int l = 0; l < m.layers; ++l) x = layer(l, x);
    const V lnf = norm("final_norm", -1, x);
    const V head = matmul("lm_head", -1, T, m.d_model, m.vocab, m.tied_embeddings ? Weight::kTied : Weight::kOwnNoBias, Op::Dim::kN, {lnf});  // no bias (GPT-2, Llama)
    const V loss = elementwise("loss.cross_entropy", -1, static_cast<double>(T * m.vocab), kSoftmaxFlops, {head});
    g[loss].row_reduction = true;
  }

  static bool recomputed(const Op& f, Recompute r) {
    if (r == Recompute::kNone || f.layer < 0) return false;
    return r == Recompute::kFull || f.attention_core;
  }

  void backward(Recompute r) {
    const std::size_t nf = boost::num_vertices(g);
    // The op whose output the backward of a forward op reads: its recomputed copy, if any.
    std::vector<V> saved(nf);
    for (V f = 0; f < nf; ++f) saved[f] = f;
    // Recompute copies, in forward order, each fed by the (recomputed) inputs of its original. A
    // flash backward recomputes the scores and softmax once more, whatever the forward recomputed
    // (the recomputed forward does not keep them either).
    for (V f = 0; f < nf; ++f) {
      const bool flash_again = std::find(flash_recomputed.begin(), flash_recomputed.end(), f) != flash_recomputed.end();
      for (int copy = 0, copies = (recomputed(g[f], r) ? 1 : 0) + (flash_again ? 1 : 0); copy < copies; ++copy) {
        Op op = g[f];
        op.name += copy == 0 ? ".recompute" : ".recompute_flash";
        op.phase = Phase::kRecompute;
        op.params = 0;
        op.footprint_bytes = 0;
        op.forward_of = static_cast<int>(f);
        std::vector<V> in;
        for (auto [e, end] = boost::in_edges(f, g); e != end; ++e) in.push_back(saved[boost::source(*e, g)]);
        saved[f] = add(op, in);
      }
    }
    // Backward ops in reverse forward order. grad_in[f]: the ops producing the gradient of f's output.
    std::vector<std::vector<V>> grad_of_output(nf);
    for (V f = nf; f-- > 0;) {
      const Op fo = g[f];  // a copy: adding vertices moves the vertex storage
      auto derived = [&](const std::string& suffix, double flops, std::int64_t rows, std::int64_t k, std::int64_t n, int input = -1) {
        Op op;
        op.name = fo.name + suffix;
        op.kind = fo.kind;
        op.phase = Phase::kBackward;
        op.layer = fo.layer;
        op.expert = fo.expert;
        op.batch = fo.batch;
        op.m = rows;
        op.k = k;
        op.n = n;
        op.flops = flops;
        op.bytes_read = fo.bytes_read + fo.bytes_written;
        op.bytes_written = fo.bytes_read;
        op.forward_of = static_cast<int>(f);
        op.grad_of_input = input;
        op.fused = fo.fused;
        // dX = dY W^T is [m x n] x [n x k]: the forward's n is its k, and k its n. dW = X^T dY is
        // [k x m] x [m x n]: the forward's k is its m, and m its k.
        auto permuted = [input](Op::Dim d) {
          using D = Op::Dim;
          if (input == 0) return d == D::kN ? D::kK : d == D::kK ? D::kN : d;
          if (input == 1) return d == D::kK ? D::kM : d == D::kM ? D::kK : d;
          return d;
        };
        op.tp_dim = permuted(fo.tp_dim);
        op.token_dim = permuted(fo.token_dim);
        op.key_dim = permuted(fo.key_dim);
        op.row_reduction = fo.row_reduction;
        std::vector<V> in = grad_of_output[f];
        in.push_back(saved[f]);
        for (auto [e, end] = boost::in_edges(f, g); e != end; ++e)
          if (boost::source(*e, g) < nf) in.push_back(saved[boost::source(*e, g)]);
        return add(op, in);
      };
      std::vector<V> grads;
      switch (fo.kind) {
        case OpKind::kMatMul:
          // dX = dY W^T: [m x n] x [n x k]; dW = X^T dY: [k x m] x [m x n].
          grads.push_back(derived(".dX", fo.flops, fo.m, fo.n, fo.k, 0));
          if (fo.weighted) grads.push_back(derived(".dW", fo.flops, fo.k, fo.m, fo.n, 1));
          break;
        case OpKind::kAttnMatMul:
          grads.push_back(derived(".dA", fo.flops, fo.m, fo.n, fo.k, 0));
          grads.push_back(derived(".dB", fo.flops, fo.k, fo.m, fo.n, 1));
          break;
        case OpKind::kGather:
          grads.push_back(derived(".d", fo.bytes_written / act, 0, 0, 0));  // scatter-add: one add per output element
          break;
        case OpKind::kElementwise:
          grads.push_back(derived(".d", 2 * fo.flops, 0, 0, 0));
          break;
        case OpKind::kOptimizer:
          break;
      }
      // The gradient of f's inputs comes from f's backward ops.
      for (auto [e, end] = boost::in_edges(f, g); e != end; ++e) {
        const V src = boost::source(*e, g);
        if (src < nf) grad_of_output[src].insert(grad_of_output[src].end(), grads.begin(), grads.end());
      }
      if (!grads.empty()) weight_grad_[f] = grads.back();  // a forward op with no backward (none today) has none
    }
  }

  void optimizer() {
    const std::size_t n = boost::num_vertices(g);
    for (V f = 0; f < n; ++f) {
      const Op fo = g[f];
      if (fo.phase != Phase::kForward || fo.params == 0) continue;
      Op op;
      op.name = fo.name + ".adam";
      op.kind = OpKind::kOptimizer;
      op.phase = Phase::kOptimizer;
      op.layer = fo.layer;
      op.expert = fo.expert;
      const double p = static_cast<double>(fo.params);
      op.flops = kAdamFlops * p;
      op.bytes_read = p * (m.weights.bytes + m.gradients.bytes + 2.0 * m.optimizer.bytes);
      op.bytes_written = p * (m.weights.bytes + 2.0 * m.optimizer.bytes);
      op.forward_of = static_cast<int>(f);
      const auto it = weight_grad_.find(f);
      add(op, it == weight_grad_.end() ? std::vector<V>{} : std::vector<V>{it->second});
    }
  }

  std::map<V, V> weight_grad_;  // forward op -> its last backward op (the weight gradient for matmuls)
};

}  // namespace

Graph Graph::build(const ModelSpec& model, const GraphOptions& options) {
  Graph gr;
  gr.model_ = model;
  const std::int64_t B = options.micro_batch > 0 ? options.micro_batch : model.micro_batch;
  gr.tokens_ = B * model.sequence;
  Builder b{model, gr.g_, gr.tokens_, B, model.sequence, static_cast<double>(model.activations.bytes), static_cast<double>(model.weights.bytes), {}};
  b.flash = options.flash_attention;
  b.forward();
  if (model.mode == Mode::kTraining) {
    b.backward(options.recompute);
    b.optimizer();
  }
  return gr;
}

Graph Graph::from_forward(const ModelSpec& model, OpGraph forward, std::int64_t tokens, Recompute recompute) {
  for (std::size_t v = 0; v < boost::num_vertices(forward); ++v)
    if (forward[v].phase != Phase::kForward) throw std::invalid_argument("Graph::from_forward: op " + forward[v].name + " is not a forward op");
  Graph gr;
  gr.model_ = model;
  gr.tokens_ = tokens;
  gr.g_ = std::move(forward);
  Builder b{model, gr.g_, tokens, model.micro_batch, model.sequence, static_cast<double>(model.activations.bytes), static_cast<double>(model.weights.bytes), {}};
  if (model.mode == Mode::kTraining) {
    b.backward(recompute);
    b.optimizer();
  }
  return gr;
}

double Graph::flops(Phase phase) const {
  double s = 0;
  for (std::size_t v = 0; v < size(); ++v)
    if (g_[v].phase == phase) s += g_[v].flops;
  return s;
}

double Graph::flops(Phase phase, OpKind kind) const {
  double s = 0;
  for (std::size_t v = 0; v < size(); ++v)
    if (g_[v].phase == phase && g_[v].kind == kind) s += g_[v].flops;
  return s;
}

double Graph::total_flops() const {
  double s = 0;
  for (std::size_t v = 0; v < size(); ++v) s += g_[v].flops;
  return s;
}

std::int64_t Graph::params() const {
  std::int64_t s = 0;
  for (std::size_t v = 0; v < size(); ++v)
    if (g_[v].phase == Phase::kForward) s += g_[v].params;
  return s;
}

std::size_t Graph::count(Phase phase, OpKind kind) const {
  std::size_t c = 0;
  for (std::size_t v = 0; v < size(); ++v)
    if (g_[v].phase == phase && g_[v].kind == kind) ++c;
  return c;
}

}  // namespace wafersim::compiler
