#include "compiler/model_spec.hpp"

#include <fmt/format.h>

#include "core/input_error.hpp"

namespace wafersim::compiler {

Dtype Dtype::parse(const YamlNode& node, const std::string& fallback) {
  // Sizes in bytes of the formats a training recipe names.
  static const std::vector<std::pair<std::string, int>> kSizes = {{"fp32", 4}, {"tf32", 4}, {"bf16", 2}, {"fp16", 2}, {"fp8", 1}, {"int8", 1}};
  std::vector<std::string> names;
  for (const auto& [n, b] : kSizes) names.push_back(n);
  const std::string name = node.is_null() ? fallback : node.as_choice(names);
  for (const auto& [n, b] : kSizes)
    if (n == name) return {n, b};
  return {};
}

const std::vector<std::string>& ModelSpec::keys() {
  static const std::vector<std::string> k{"name", "source", "vocab", "d_model", "layers", "heads", "kv_heads", "head_dim", "ffn", "moe", "norm",
                                          "bias", "dropout", "position", "max_positions", "tied_embeddings", "sequence", "global_batch",
                                          "micro_batch", "dtypes", "mode", "training_tokens"};
  return k;
}

ModelSpec ModelSpec::from_yaml(const YamlNode& node) {
  node.expect_map();
  node.check_keys(keys());
  ModelSpec m;
  m.name = node.require("name").as_string();
  m.source = node.get_string("source", "");
  // Physical ranges, far past every published model (vocabularies of ~1e6, widths of ~5e4,
  // contexts of ~1e7 tokens), so that parameter and FLOP counts stay exact in 64-bit integers.
  constexpr double kBig = 1e12;
  m.vocab = node.require("vocab").as_int(Range::closed(1, 1e8));
  m.d_model = node.require("d_model").as_int(Range::closed(1, 1e6));
  m.layers = static_cast<int>(node.require("layers").as_int(Range::closed(1, 100000)));
  m.heads = static_cast<int>(node.require("heads").as_int(Range::closed(1, 100000)));
  m.kv_heads = static_cast<int>(node.get_int("kv_heads", m.heads, Range::closed(1, 100000)));
  if (m.heads % m.kv_heads != 0)
    node.child("kv_heads").fail(fmt::format("must divide heads ({}): each KV head serves heads / kv_heads query heads", m.heads));
  if (node.has("head_dim")) {
    m.head_dim = node.require("head_dim").as_int(Range::closed(1, 1e6));
  } else {
    if (m.d_model % m.heads != 0)
      node.child("heads").fail(fmt::format("{} heads do not divide d_model {}; set head_dim if the heads are not d_model / heads wide",
                                           m.heads, m.d_model));
    m.head_dim = m.d_model / m.heads;
  }
  const YamlNode ffn = node.require("ffn");
  ffn.expect_map();
  ffn.check_keys({"size", "activation"});
  m.ffn_size = ffn.require("size").as_int(Range::closed(1, 1e7));
  m.activation = ffn.get_choice("activation", "gelu", {"gelu", "swiglu"}) == "swiglu" ? Activation::kSwiglu : Activation::kGelu;
  if (node.has("moe")) {
    const YamlNode moe = node.child("moe");
    moe.expect_map();
    moe.check_keys({"experts", "top_k", "capacity_factor", "router_skew", "shared_experts"});
    m.moe.experts = static_cast<int>(moe.require("experts").as_int(Range::closed(1, 100000)));
    m.moe.top_k = static_cast<int>(moe.get_int("top_k", 1, Range::closed(1, m.moe.experts)));
    m.moe.capacity_factor = moe.get_double("capacity_factor", 1.0, Range{0.0, 1000.0, true, false});  // below 1 drops even a balanced router's
    m.moe.router_skew = moe.get_double("router_skew", 0.0, Range::closed(0, 10));
    m.moe.shared_experts = static_cast<int>(moe.get_int("shared_experts", 0, Range::closed(0, 1024)));
  }
  m.norm = node.get_choice("norm", "layernorm", {"layernorm", "rmsnorm"}) == "rmsnorm" ? Norm::kRmsNorm : Norm::kLayerNorm;
  m.bias = node.get_bool("bias", true);
  m.dropout = node.get_double("dropout", 0.0, Range{0.0, 1.0, false, true});
  m.position = node.get_choice("position", "learned", {"learned", "rope"}) == "rope" ? Position::kRope : Position::kLearned;
  m.sequence = node.require("sequence").as_int(Range::closed(1, 1e9));
  if (m.position == Position::kLearned) {
    m.max_positions = node.get_int("max_positions", m.sequence, Range::closed(1, kBig));
    if (m.max_positions < m.sequence)
      node.child("max_positions").fail(fmt::format("a learned position table of {} rows cannot serve sequences of {}", m.max_positions, m.sequence));
  } else if (node.has("max_positions")) {
    node.child("max_positions").fail("only a learned position table has max_positions (position: rope has no table)");
  }
  m.tied_embeddings = node.get_bool("tied_embeddings", true);
  m.global_batch = node.get_int("global_batch", 1, Range::closed(1, 1e9));
  m.micro_batch = node.get_int("micro_batch", 1, Range::closed(1, 1e9));
  if (m.global_batch % m.micro_batch != 0)
    node.child("micro_batch").fail(fmt::format("must divide global_batch ({})", m.global_batch));
  const YamlNode dt = node.child("dtypes");
  dt.expect_map();
  dt.check_keys({"weights", "activations", "gradients", "optimizer"});
  m.weights = Dtype::parse(dt.child("weights"), "bf16");
  m.activations = Dtype::parse(dt.child("activations"), "bf16");
  m.gradients = Dtype::parse(dt.child("gradients"), "bf16");
  m.optimizer = Dtype::parse(dt.child("optimizer"), "fp32");
  m.training_tokens = node.get_double("training_tokens", 0.0, Range::closed(0, 1e18));
  m.mode = node.get_choice("mode", "training", {"training", "inference"}) == "inference" ? Mode::kInference : Mode::kTraining;
  // The counts are 64-bit integers: bound their products (in floating point) before anyone forms them.
  const double d = static_cast<double>(m.d_model), hd = static_cast<double>(m.head_dim);
  const double experts = m.is_moe() ? m.moe.experts + m.moe.shared_experts : 1;
  const double per_layer = 2 * d * hd * (m.heads + m.kv_heads) + (m.activation == Activation::kSwiglu ? 3 : 2) * d * static_cast<double>(m.ffn_size) * experts;
  const double params = m.layers * per_layer + 2 * static_cast<double>(m.vocab) * d + static_cast<double>(m.max_positions) * d;
  if (params > 1e15)
    node.child("d_model").fail(fmt::format("these dimensions give {:.3g} parameters; at most 1e15 (GPT-4 is estimated at 1.8e12)", params));
  if (const std::string why = m.activation_size_problem(); !why.empty()) node.child("micro_batch").fail(why);
  return m;
}

ModelSpec ModelSpec::load(const std::filesystem::path& file, const ConfigMount& mount) {
  return from_yaml(YamlNode::load_file(file, mount));
}

void ModelSpec::override_shape(std::int64_t new_sequence, std::int64_t new_micro_batch) {
  if (new_sequence > 0) {
    if (max_positions > 0 && new_sequence > max_positions)
      throw InputError(fmt::format("--sequence {}: the model's learned positions stop at {}", new_sequence, max_positions));
    sequence = new_sequence;
  }
  if (new_micro_batch > 0) {
    if (global_batch % new_micro_batch != 0)
      throw InputError(fmt::format("--micro-batch {}: must divide the model's global_batch ({})", new_micro_batch, global_batch));
    micro_batch = new_micro_batch;
  }
  if (const std::string why = activation_size_problem(); !why.empty()) throw InputError("--sequence/--micro-batch: " + why);
}

std::string ModelSpec::activation_size_problem() const {
  const double tokens = static_cast<double>(sequence) * static_cast<double>(micro_batch);
  if (tokens > 1e10) return fmt::format("{} sequences of {} tokens is {:.3g} tokens per micro-batch; at most 1e10", micro_batch, sequence, tokens);
  // The largest activation tensors: the attention scores (micro-batch x heads x sequence^2) and
  // an MoE layer's routed copies (tokens x top_k x d_model). Counted in 64-bit integers.
  const double scores = static_cast<double>(micro_batch) * static_cast<double>(heads) * static_cast<double>(sequence) * static_cast<double>(sequence);
  if (scores > 1e17)
    return fmt::format("{} sequences of {} tokens with {} heads give {:.3g} attention scores per micro-batch; at most 1e17", micro_batch, sequence,
                       heads, scores);
  const double routed = tokens * (is_moe() ? moe.top_k * moe.capacity_factor : 1.0) * static_cast<double>(std::max(d_model, ffn_size));
  if (routed > 1e17) return fmt::format("{:.3g} tokens per micro-batch give {:.3g} activation elements in a layer; at most 1e17", tokens, routed);
  return {};
}

std::int64_t ModelSpec::attention_params_per_layer() const {
  // Q and O are d x (heads * head_dim); K and V are d x (kv_heads * head_dim).
  std::int64_t p = 2 * d_model * q_width() + 2 * d_model * kv_width();
  if (bias) p += q_width() + 2 * kv_width() + d_model;
  return p;
}

namespace {

// One FFN of `width`: its matrices and, with biases, theirs.
std::int64_t ffn_params(const ModelSpec& m, std::int64_t width) {
  return m.ffn_matrices() * m.d_model * width + (m.bias ? (m.ffn_matrices() - 1) * width + m.d_model : 0);
}

// The shared experts, as one FFN of shared_experts x ffn_size.
std::int64_t shared_expert_params(const ModelSpec& m) { return m.moe.shared_experts > 0 ? ffn_params(m, m.moe.shared_experts * m.ffn_size) : 0; }

}  // namespace

std::int64_t ModelSpec::ffn_params_per_layer() const {
  if (!is_moe()) return ffn_params(*this, ffn_size);
  return moe.experts * ffn_params(*this, ffn_size) + d_model * moe.experts + shared_expert_params(*this);  // routed, router, shared
}

std::int64_t ModelSpec::norm_params_per_layer() const { return 2 * (norm == Norm::kLayerNorm ? 2 * d_model : d_model); }

std::int64_t ModelSpec::embedding_params() const {
  return vocab * d_model + (position == Position::kLearned ? max_positions * d_model : 0);
}

std::int64_t ModelSpec::head_params() const {
  return (norm == Norm::kLayerNorm ? 2 * d_model : d_model) + (tied_embeddings ? 0 : vocab * d_model);
}

std::int64_t ModelSpec::total_params() const {
  return embedding_params() + layers * (attention_params_per_layer() + ffn_params_per_layer() + norm_params_per_layer()) + head_params();
}

std::int64_t ModelSpec::active_params() const {
  std::int64_t ffn = ffn_params_per_layer();
  if (is_moe()) ffn = moe.top_k * ffn_params(*this, ffn_size) + d_model * moe.experts + shared_expert_params(*this);
  const std::int64_t final_norm = norm == Norm::kLayerNorm ? 2 * d_model : d_model;
  return layers * (attention_params_per_layer() + ffn + norm_params_per_layer()) + final_norm + vocab * d_model;
}

}  // namespace wafersim::compiler
