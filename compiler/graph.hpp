#pragma once
// The tensor-op graph of one training (or inference) step of one micro-batch, built from a
// ModelSpec: forward ops, backward ops derived from them by per-kind rules, and Adam's update.
// Vertices are ops (Boost.Graph adjacency_list), edges carry the bytes of the tensor that flows.
//
// Accounting (docs/compiler.md):
// - A multiply-add is 2 FLOPs. A matmul [m x k] x [k x n] repeated `batch` times costs
//   2 batch m k n. Attention scores and attention x V are batched matmuls over (sequence, head)
//   at full length (no causal halving: the convention of PaLM's MFU and of 12 L d s).
// - Backward rules: a matmul Y = X W gives dX = dY W^T and dW = X^T dY, each with the forward's
//   FLOPs, so backward is exactly twice forward; an attention matmul likewise gives its two input
//   gradients. Element-wise ops (norms, activations, softmax, residual adds, RoPE) cost about
//   twice their forward; an embedding gather's backward is a scatter-add.
// - Element-wise FLOPs per element are estimates (compiler/elementwise_flops.hpp: layernorm 7,
//   GeLU 8, attention's scaled and masked softmax 7, ...); together well under 1% of the total.
// - Recomputation: none keeps every activation; selective recomputes the attention core (scores,
//   softmax, x V) in the backward pass (Korthikanti et al. 2022); full recomputes each layer's
//   whole forward before its backward.
// - Adam: 12 FLOPs per parameter; reads weight, gradient, both moments; writes weight and moments.
#include <boost/graph/adjacency_list.hpp>

#include <cstdint>
#include <string>
#include <vector>

#include "compiler/model_spec.hpp"

namespace wafersim::compiler {

enum class OpKind { kMatMul, kAttnMatMul, kGather, kElementwise, kOptimizer };
enum class Phase { kForward, kRecompute, kBackward, kOptimizer };
enum class Recompute { kNone, kSelective, kFull };

const char* to_string(OpKind k);
const char* to_string(Phase p);
Recompute parse_recompute(const std::string& s);  // none | selective | full (std::invalid_argument)

struct Op {
  std::string name;  // e.g. "L3.attn.q_proj", "L3.attn.q_proj.dX"
  OpKind kind = OpKind::kElementwise;
  Phase phase = Phase::kForward;
  int layer = -1;       // -1: embedding, head, loss
  int expert = -1;      // MoE expert, or -1
  // Matmul shape: batch x [m x k] x [k x n] (0 for other kinds).
  std::int64_t batch = 0, m = 0, k = 0, n = 0;
  double flops = 0;
  double bytes_read = 0, bytes_written = 0;
  std::int64_t params = 0;  // parameters this (forward) op owns
  bool weighted = false;    // a matmul by a weight (its own, or the tied embedding): backward has a dW
  bool attention_core = false;  // scores, softmax, context: what selective recomputation redoes
  double footprint_bytes = 0;  // weights + activations it keeps resident (forward ops)
  int forward_of = -1;         // for backward / recompute ops: the forward op it derives from
  int grad_of_input = -1;      // backward matmuls: which forward input this is the gradient of (0: A/X, 1: B/W)
  bool row_reduction = false;  // needs statistics over whole rows (norms, cross-entropy)
  // Matmuls: the dimension tensor parallelism divides (Megatron-LM: a column-parallel projection's
  // n, a row-parallel one's k, attention's batch of heads) and the one that carries the tokens
  // (what context parallelism divides). Backward matmuls inherit both, permuted with the operands.
  enum class Dim : std::uint8_t { kNone, kBatch, kM, kK, kN };
  Dim tp_dim = Dim::kNone, token_dim = Dim::kNone;
  // Attention matmuls: the dimension that runs over the keys (the scores' n, the context's k;
  // backward ones permuted like token_dim). kNone where the graph does not say (ONNX imports):
  // then no attention mapping that streams keys block by block can be used.
  Dim key_dim = Dim::kNone;
  // Matmuls a framework runs as one GEMM, their outputs side by side along the forward's n (and
  // along tp_dim in every pass): Megatron-LM's fused QKV projection (1) and a gated FFN's gate and
  // up projections (2). 0: not fused. The training estimate times each group as one GEMM.
  int fused = 0;
  // Forward ops: what the backward needs kept until it runs (the activation memory of a layer
  // without recomputation, Korthikanti et al. 2022): the op's activation inputs (matmuls, norms,
  // GeLU/SwiGLU), its output (softmax), or nothing (adds, rotations, gathers). A tensor kept by
  // several ops counts once. `kept_extra_bytes` is what it keeps besides: the mask of a dropout
  // after it (1 byte an element) and, for the attention's, the dropped-out copy the context reads;
  // under flash attention, the scores' row statistics. On the residual stream (replicated over
  // tensor parallelism) when `kept_extra_replicated`.
  enum class Keeps : std::uint8_t { kInputs, kOutput, kNothing };
  Keeps keeps = Keeps::kInputs;
  double kept_extra_bytes = 0;
  bool kept_extra_replicated = false;
};

struct Tensor {
  double bytes = 0;
};

using OpGraph = boost::adjacency_list<boost::vecS, boost::vecS, boost::bidirectionalS, Op, Tensor>;

struct GraphOptions {
  Recompute recompute = Recompute::kNone;
  std::int64_t micro_batch = 0;  // sequences; 0: the model's micro_batch
  // Flash attention (Dao et al. 2022, FlashAttention-2 2023): the scores and their softmax stay in
  // on-chip memory, block by block, so they move no bytes to and from device memory and are not
  // kept; the backward recomputes them from Q, K and the rows' log-sum-exp (fp32, kept), and the
  // dropout mask from its random seed.
  bool flash_attention = false;
};

class Graph {
 public:
  // The step for one micro-batch; training adds backward and (once per step, for all parameters)
  // the optimizer.
  static Graph build(const ModelSpec& model, const GraphOptions& options = {});
  // A graph whose forward ops were built elsewhere (the ONNX import, compiler/onnx_import.hpp), in
  // topological order: backward and optimizer ops are derived by the same rules as build()'s.
  // `model` supplies the dtypes, the mode and the micro-batch shape.
  static Graph from_forward(const ModelSpec& model, OpGraph forward, std::int64_t tokens, Recompute recompute = Recompute::kNone);

  const OpGraph& ops() const { return g_; }
  std::size_t size() const { return boost::num_vertices(g_); }
  const Op& op(std::size_t v) const { return g_[v]; }
  const ModelSpec& model() const { return model_; }
  std::int64_t tokens() const { return tokens_; }  // per micro-batch

  double flops(Phase phase) const;
  double flops(Phase phase, OpKind kind) const;
  double total_flops() const;
  std::int64_t params() const;  // sum over forward ops
  // Forward op counts by kind (what the ONNX import is compared with).
  std::size_t count(Phase phase, OpKind kind) const;

 private:
  ModelSpec model_;
  std::int64_t tokens_ = 0;
  OpGraph g_;
};

}  // namespace wafersim::compiler
