#pragma once
// A decoder-only transformer as workloads/*.yaml describe it:
//
//   name: llama3-8b
//   vocab: 128256
//   d_model: 4096
//   layers: 32
//   heads: 32
//   kv_heads: 8               # grouped-query attention (default: heads, i.e. multi-head)
//   head_dim: 128             # default d_model / heads
//   ffn: {size: 14336, activation: swiglu}   # gelu: two matrices (up, down); swiglu: three (gate, up, down)
//   moe: {experts: 16, top_k: 2, capacity_factor: 1.25, router_skew: 0, shared_experts: 0}
//                             # optional: the FFN becomes experts (each of ffn.size; fine-grained
//                             # experts are many of a small size), plus shared ones every token uses
//   norm: rmsnorm             # layernorm (scale + bias) | rmsnorm (scale)
//   bias: false               # biases on the attention and FFN projections
//   dropout: 0.1              # attention and hidden dropout (default 0): its masks are kept for the backward
//   position: rope            # rope (no parameters) | learned (max_positions x d_model table)
//   max_positions: 8192       # learned positions only
//   tied_embeddings: false    # the LM head reuses the token embedding
//   sequence: 8192            # tokens per sequence
//   global_batch: 512         # sequences per optimizer step
//   micro_batch: 1            # sequences per pipeline micro-batch (divides global_batch)
//   dtypes: {weights: bf16, activations: bf16, gradients: bf16, optimizer: fp32}
//   mode: training            # training (forward, backward, Adam) | inference (forward)
//   training_tokens: 300e9    # tokens of the whole run, for `wafersim estimate` (optional)
//
// Counting conventions (docs/compiler.md): parameters include every table and bias; "matmul
// parameters" exclude the token and position tables, which are gathers; FLOPs count a
// multiply-add as 2 and attention over the full sequence (no causal halving), as PaLM's MFU does.
#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

#include "core/yaml_reader.hpp"

namespace wafersim::compiler {

enum class Activation { kGelu, kSwiglu };
enum class Norm { kLayerNorm, kRmsNorm };
enum class Position { kRope, kLearned };
enum class Mode { kTraining, kInference };

// A number format and its size. fp8 is e4m3/e5m2 alike for sizing.
struct Dtype {
  std::string name = "bf16";
  int bytes = 2;
  static Dtype parse(const YamlNode& node, const std::string& fallback);
};

struct MoeSpec {
  int experts = 0;  // 0: dense
  int top_k = 1;
  double capacity_factor = 1.0;  // expert buffer = capacity_factor x tokens x top_k / experts
  double router_skew = 0;        // Zipf exponent of the experts' popularity (compiler/moe_routing.hpp)
  // Shared experts (DeepSeekMoE, Dai et al. 2024): FFNs of the experts' size that every token
  // passes through beside its top_k routed ones, run as one FFN of shared_experts x ffn.size.
  int shared_experts = 0;
};

struct ModelSpec {
  std::string name;
  std::string source;  // where the numbers come from (free text)
  std::int64_t vocab = 0;
  std::int64_t d_model = 0;
  int layers = 0;
  int heads = 0;
  int kv_heads = 0;
  std::int64_t head_dim = 0;
  std::int64_t ffn_size = 0;
  Activation activation = Activation::kGelu;
  MoeSpec moe;
  Norm norm = Norm::kLayerNorm;
  bool bias = true;
  double dropout = 0;  // attention and hidden dropout probability (masks kept for the backward)
  Position position = Position::kLearned;
  std::int64_t max_positions = 0;
  bool tied_embeddings = true;
  std::int64_t sequence = 0;
  std::int64_t global_batch = 1;
  std::int64_t micro_batch = 1;
  Dtype weights, activations, gradients, optimizer;
  Mode mode = Mode::kTraining;
  double training_tokens = 0;  // tokens of the whole training run (0: not stated)

  static ModelSpec from_yaml(const YamlNode& node);
  static const std::vector<std::string>& keys();  // the top-level keys a model file may have
  static ModelSpec load(const std::filesystem::path& file, const ConfigMount& mount = {});  // mount: for --set
  // The --sequence / --micro-batch overrides (0 keeps the model's), under the rules the YAML
  // loader applies: throws InputError naming the flag.
  void override_shape(std::int64_t new_sequence, std::int64_t new_micro_batch);
  // Why the activations of one micro-batch are too large to count (in 64-bit integers), or empty.
  std::string activation_size_problem() const;

  bool is_moe() const { return moe.experts > 0; }
  std::int64_t q_width() const { return static_cast<std::int64_t>(heads) * head_dim; }
  std::int64_t kv_width() const { return static_cast<std::int64_t>(kv_heads) * head_dim; }
  // Matrices of one FFN (or one expert): 2 for gelu, 3 for swiglu.
  int ffn_matrices() const { return activation == Activation::kSwiglu ? 3 : 2; }

  // Closed-form parameter counts (the Graph's own count is checked against these).
  std::int64_t attention_params_per_layer() const;
  std::int64_t ffn_params_per_layer() const;  // all experts and the router for MoE
  std::int64_t norm_params_per_layer() const;
  std::int64_t embedding_params() const;  // token (+ position) tables
  std::int64_t head_params() const;       // final norm + LM head matrix if untied
  std::int64_t total_params() const;
  // The N of "6N FLOPs per token": parameters a token's forward pass uses, i.e. all but the
  // token and position tables (gathers, no FLOPs), with the LM head matrix counted once whether
  // tied or not, and for MoE only top_k experts' FFN (plus the router).
  std::int64_t active_params() const;
};

}  // namespace wafersim::compiler
