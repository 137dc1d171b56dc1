// Model descriptions and their op graphs against published parameter counts and the standard
// FLOP formulas.
#include <gtest/gtest.h>

#include <map>

#include "compiler/graph.hpp"
#include "compiler/model_spec.hpp"
#include "core/input_error.hpp"

namespace wafersim::compiler {
namespace {

ModelSpec workload(const std::string& name) { return ModelSpec::load(std::string(WAFERSIM_SOURCE_DIR) + "/workloads/" + name + ".yaml"); }

double rel(double x, double ref) { return std::abs(x - ref) / ref; }

TEST(ModelSpec, ParameterCountsMatchThePublishedOnes) {
  // GPT-2 small: 124M (Radford et al. 2019; the released checkpoint has 124,439,808).
  EXPECT_LT(rel(workload("gpt2-small").total_params(), 124e6), 0.01);
  // GPT-3: 175B (Brown et al. 2020, Table 2.1).
  EXPECT_LT(rel(workload("gpt3-175b").total_params(), 175e9), 0.01);
  // Llama 3: 8.0B and 405B (Llama 3 Herd of Models, Table 3; the 8B checkpoint has 8,030,261,248).
  EXPECT_LT(rel(workload("llama3-8b").total_params(), 8.0e9), 0.01);
  EXPECT_LT(rel(workload("llama3-405b").total_params(), 405e9), 0.01);
  // GPT-4-like MoE: about 1.8T in all, about 280B used per token (SemiAnalysis, July 2023).
  const ModelSpec g4 = workload("gpt4-moe");
  EXPECT_LT(rel(g4.total_params(), 1.8e12), 0.05);
  EXPECT_LT(rel(g4.active_params(), 280e9), 0.05);
}

TEST(ModelSpec, HandCountOfGpt2Small) {
  // wte 50257 x 768 + wpe 1024 x 768; per layer: attention 4 x 768^2 + 4 x 768 biases, MLP
  // 2 x 768 x 3072 + 3072 + 768 biases, two LayerNorms 4 x 768; final LayerNorm 2 x 768.
  const std::int64_t layer = 4 * 768 * 768 + 4 * 768 + 2 * 768 * 3072 + 3072 + 768 + 4 * 768;
  EXPECT_EQ(workload("gpt2-small").total_params(), 50257 * 768 + 1024 * 768 + 12 * layer + 2 * 768);
  EXPECT_EQ(workload("gpt2-small").total_params(), 124439808);
}

TEST(Graph, CountsTheSameParametersAsTheClosedForm) {
  for (const char* name : {"gpt2-small", "llama3-8b", "gpt4-moe"}) {
    const ModelSpec m = workload(name);
    EXPECT_EQ(Graph::build(m).params(), m.total_params()) << name;
  }
}

TEST(Graph, TrainingFlopsPerTokenAreSixNPlusTwelveLds) {
  // 6 N + 12 L d s (PaLM, Chowdhery et al. 2022, appendix B; N: the parameters a token's forward
  // pass multiplies with), for dense models.
  for (const char* name : {"gpt2-small", "gpt3-175b", "llama3-8b"}) {
    const ModelSpec m = workload(name);
    const Graph g = Graph::build(m);
    const double per_token = (g.flops(Phase::kForward) + g.flops(Phase::kBackward)) / static_cast<double>(g.tokens());
    const double reference = 6.0 * static_cast<double>(m.active_params()) +
                             12.0 * m.layers * static_cast<double>(m.d_model) * static_cast<double>(m.sequence);
    EXPECT_LT(rel(per_token, reference), 0.02) << name << ": " << per_token << " vs " << reference;
    EXPECT_EQ(g.flops(Phase::kRecompute), 0.0);
  }
}

TEST(Graph, BackwardOfEveryMatmulIsExactlyTwiceItsForward) {
  for (const char* name : {"gpt2-small", "llama3-8b"}) {
    const Graph g = Graph::build(workload(name));
    std::map<int, double> backward;
    for (std::size_t v = 0; v < g.size(); ++v)
      if (g.op(v).phase == Phase::kBackward) backward[g.op(v).forward_of] += g.op(v).flops;
    int matmuls = 0;
    for (std::size_t v = 0; v < g.size(); ++v) {
      const Op& f = g.op(v);
      if (f.phase != Phase::kForward || (f.kind != OpKind::kMatMul && f.kind != OpKind::kAttnMatMul)) continue;
      ASSERT_EQ(backward[static_cast<int>(v)], 2 * f.flops) << f.name;
      ++matmuls;
    }
    EXPECT_GT(matmuls, 0);
  }
}

TEST(Graph, RecomputationAddsTheForwardItRedoes) {
  ModelSpec m = workload("gpt2-small");
  const Graph none = Graph::build(m);
  GraphOptions o;
  o.recompute = Recompute::kSelective;
  const Graph selective = Graph::build(m, o);
  // Selective: the attention core, 2 x 2 B h s^2 hd (scores and context) + the scaled, masked
  // softmax 7 B h s^2 (scale 1, mask 1, max 1, subtract 1, exp 1, sum 1, divide 1), per layer.
  const double B = static_cast<double>(m.micro_batch), s = static_cast<double>(m.sequence), h = m.heads, hd = static_cast<double>(m.head_dim);
  EXPECT_DOUBLE_EQ(selective.flops(Phase::kRecompute), m.layers * (4 * B * h * s * s * hd + 7 * B * h * s * s));
  o.recompute = Recompute::kFull;
  const Graph full = Graph::build(m, o);
  double layer_forward = 0;
  for (std::size_t v = 0; v < none.size(); ++v)
    if (none.op(v).phase == Phase::kForward && none.op(v).layer >= 0) layer_forward += none.op(v).flops;
  EXPECT_DOUBLE_EQ(full.flops(Phase::kRecompute), layer_forward);
  EXPECT_EQ(full.flops(Phase::kBackward), none.flops(Phase::kBackward));
}

TEST(Graph, AdamUpdatesEveryParameterOnce) {
  const ModelSpec m = workload("llama3-8b");
  const Graph g = Graph::build(m);
  EXPECT_DOUBLE_EQ(g.flops(Phase::kOptimizer), 12.0 * static_cast<double>(m.total_params()));
  ModelSpec inf = m;
  inf.mode = Mode::kInference;
  const Graph fwd = Graph::build(inf);
  EXPECT_EQ(fwd.flops(Phase::kBackward) + fwd.flops(Phase::kOptimizer), 0.0);
}

TEST(Graph, MoeExpertsShareTheTokensTopKWays) {
  const ModelSpec m = workload("gpt4-moe");
  const Graph g = Graph::build(m);
  // Forward FFN FLOPs per layer: top_k experts' worth per token: 2 x (2 d f) x k x T.
  double experts = 0;
  for (std::size_t v = 0; v < g.size(); ++v)
    if (g.op(v).phase == Phase::kForward && g.op(v).expert >= 0 && g.op(v).kind == OpKind::kMatMul) experts += g.op(v).flops;
  const double T = static_cast<double>(g.tokens()), d = static_cast<double>(m.d_model), f = static_cast<double>(m.ffn_size);
  EXPECT_DOUBLE_EQ(experts, m.layers * 2 * (2 * d * f) * m.moe.top_k * T);
}

// The combine reads the top_k outputs each token chose (and their gates) and writes one row per
// token: at fixed top_k and tokens its cost does not depend on the number of experts. It read
// every expert's whole buffer, so 64 small experts cost about 7x one big one.
TEST(Graph, MoeCombineCostIsIndependentOfTheNumberOfExperts) {
  auto combine_of = [](int experts) {
    ModelSpec m = workload("gpt4-moe");
    m.moe.experts = experts;
    m.moe.top_k = 2;
    m.layers = 1;
    const Graph g = Graph::build(m);
    for (std::size_t v = 0; v < g.size(); ++v)
      if (g.op(v).phase == Phase::kForward && g.op(v).name == "L0.moe.combine") return std::make_pair(g.op(v), g.tokens());
    ADD_FAILURE() << "no combine op";
    return std::make_pair(Op{}, std::int64_t{0});
  };
  const auto [c16, T] = combine_of(16);
  const auto [c256, T2] = combine_of(256);
  ASSERT_EQ(T, T2);
  const double act = 2;  // bf16 activations
  const double dm = static_cast<double>(workload("gpt4-moe").d_model), t = static_cast<double>(T);
  // Hand count: reads T x 2 rows of d and T x 2 gates, writes T rows of d; 2 FLOPs per (token, expert, element).
  EXPECT_DOUBLE_EQ(c16.bytes_read, t * 2 * dm * act + t * 2 * act);
  EXPECT_DOUBLE_EQ(c16.bytes_written, t * dm * act);
  EXPECT_DOUBLE_EQ(c16.flops, 2 * 2 * t * dm);
  EXPECT_DOUBLE_EQ(c256.bytes_read, c16.bytes_read);
  EXPECT_DOUBLE_EQ(c256.bytes_written, c16.bytes_written);
  EXPECT_DOUBLE_EQ(c256.flops, c16.flops);
}

ModelSpec parse(const std::string& yaml) { return ModelSpec::from_yaml(YamlNode::parse(yaml, "m.yaml")); }

TEST(ModelSpec, InconsistentShapesAreOneClearError) {
  const std::string base = "name: x\nvocab: 100\nd_model: 768\nlayers: 2\nffn: {size: 3072}\nsequence: 128\n";
  try {
    parse(base + "heads: 10\n");
    FAIL() << "accepted 10 heads of d_model 768";
  } catch (const ConfigError& e) {
    EXPECT_NE(std::string(e.what()).find("m.yaml:7"), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("heads"), std::string::npos) << e.what();
  }
  EXPECT_THROW(parse(base + "heads: 12\nkv_heads: 5\n"), ConfigError);
  EXPECT_THROW(parse(base + "heads: 12\nmicro_batch: 3\nglobal_batch: 8\n"), ConfigError);
  EXPECT_THROW(parse(base + "heads: 12\nmax_positions: 64\n"), ConfigError);
  EXPECT_THROW(parse(base + "heads: 12\nffn_size: 4\n"), ConfigError);  // unknown key
  EXPECT_NO_THROW(parse(base + "heads: 10\nhead_dim: 64\n"));           // explicit head width
}

// Dimensions past any model, or whose products overflow the 64-bit counts, are input errors with
// the key (d_model 1e12 gave negative parameter counts).
TEST(ModelSpec, DimensionsWhoseCountsOverflowAreRefused) {
  auto error_of = [](const std::string& text) {
    try {
      parse(text);
    } catch (const ConfigError& e) {
      return std::string(e.what());
    }
    return std::string("accepted");
  };
  const std::string tail = "ffn: {size: 3072}\nsequence: 128\nheads: 12\n";
  EXPECT_NE(error_of("name: x\nvocab: 100\nd_model: 1000000000000\nlayers: 2\n" + tail).find("d_model: must be in [1, 1e+06]"), std::string::npos);
  // Each in range, the product not: 90,000 layers of width 768,000 (12 heads of 64,000).
  EXPECT_NE(error_of("name: x\nvocab: 100\nd_model: 768000\nlayers: 90000\n" + tail).find("parameters; at most 1e15"), std::string::npos);
  EXPECT_NE(error_of("name: x\nvocab: 100\nd_model: 768\nlayers: 2\nffn: {size: 3072}\nheads: 12\nsequence: 100000000\n"
                     "micro_batch: 1000\nglobal_batch: 1000\nposition: rope\n")
                .find("tokens per micro-batch; at most 1e10"),
            std::string::npos);
  // A billion-token sequence: its 12 x 1e18 attention scores overflowed the graph's counts (found
  // by the model fuzzer).
  EXPECT_NE(error_of("name: x\nvocab: 100\nd_model: 768\nlayers: 1\nffn: {size: 3072}\nheads: 12\nsequence: 1000000000\nposition: rope\n")
                .find("attention scores per micro-batch; at most 1e17"),
            std::string::npos);
  EXPECT_NE(error_of("name: x\nvocab: 100\nd_model: 1000000\nlayers: 1\nffn: {size: 3072}\nheads: 1000\nsequence: 1000\nmicro_batch: 1000\n"
                     "global_batch: 1000\nposition: rope\nmoe: {experts: 100000, top_k: 100000, capacity_factor: 10}\n")
                .find("activation elements in a layer; at most 1e17"),
            std::string::npos);
  EXPECT_EQ(error_of("name: x\nvocab: 100277\nd_model: 10752\nlayers: 120\nffn: {size: 43008}\nheads: 84\nsequence: 8192\n"
                     "moe: {experts: 16, top_k: 2}\n"),
            "accepted");  // GPT-4-like
}

}  // namespace
}  // namespace wafersim::compiler
