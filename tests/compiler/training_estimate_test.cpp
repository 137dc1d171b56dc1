// The training-time estimator against published runs and closed forms.
#include <gtest/gtest.h>

#include <fmt/format.h>

#include <cmath>

#include "compiler/training_estimate.hpp"
#include "core/input_error.hpp"

namespace wafersim::compiler {
namespace {

const std::string kRoot = WAFERSIM_SOURCE_DIR;

ClusterSpec selene() { return ClusterSpec::load(kRoot + "/configs/systems/selene-a100.yaml"); }

// GPT-3 175B on 1024 A100s as the paper ran it: tp 8, pp 16, dp 8.
TrainingEstimate gpt3_on_1024_a100s(std::int64_t interleave) {
  ClusterSpec c = selene();
  c.devices = 1024;
  Parallelism p;
  p.tp = 8;
  p.pp = 16;
  p.dp = 8;
  p.interleave = interleave;
  return estimate_training(ModelSpec::load(kRoot + "/workloads/gpt3-175b.yaml"), c, p);
}

// GPT-3 175B on 1024 A100s, 300B tokens: the paper's section 5.1 works out ~34 days at 140 TFLOP/s
// per GPU (8 T P / (n X), recomputation included). Our estimate of the same layout lands within 10%.
TEST(TrainingEstimate, Gpt3On1024A100sTakesAboutThirtyFourDays) {
  const TrainingEstimate e = gpt3_on_1024_a100s(1);
  const double paper_days = 8.0 * 300e9 * 175e9 / (1024 * 140e12) / 86400;
  EXPECT_NEAR(paper_days, 33.9, 0.1);
  EXPECT_NEAR(e.days, paper_days, 0.10 * paper_days);
  EXPECT_NEAR(e.steps, 300e9 / (1536.0 * 2048), 1.0);
}

// 6 N T for GPT-3 over 300B tokens: 3.14e23 (Brown et al. 2020, Table D.1); GPT-4-like MoE over
// 13T tokens in the public 2e25 to 2.2e25 range.
TEST(TrainingEstimate, DenseFlopCountsMatchPublishedFigures) {
  const ModelSpec gpt3 = ModelSpec::load(kRoot + "/workloads/gpt3-175b.yaml");
  EXPECT_NEAR(dense_training_flops(gpt3, gpt3.training_tokens), 3.14e23, 0.02 * 3.14e23);
  const ModelSpec gpt4 = ModelSpec::load(kRoot + "/workloads/gpt4-moe.yaml");
  const double f = dense_training_flops(gpt4, gpt4.training_tokens);
  EXPECT_GE(f, 2.0e25);
  EXPECT_LE(f, 2.2e25);
}

// TFLOP/s per device of an MoE model counts the top_k experts a token visits, not a dense FFN of
// d_model x 4: the executed matmul FLOPs against a hand count, 3 passes without recomputation
// (4 for the layers with full recomputation, whose LM head is not recomputed). The dense formula
// of Narayanan et al. gave the MoE models a number unrelated to what ran.
TEST(TrainingEstimate, MoeTflopsPerDeviceCountTheExpertsATokenVisits) {
  const ModelSpec m = ModelSpec::from_yaml(YamlNode::parse(
      "name: moe-small\nvocab: 50304\nd_model: 1024\nlayers: 8\nheads: 16\nffn: {size: 2816, activation: gelu}\n"
      "moe: {experts: 32, top_k: 2}\nsequence: 1024\nmicro_batch: 1\nglobal_batch: 64\nbias: false\n", "moe-small.yaml"));
  const double d = 1024, F = 2816, E = 32, k = 2, S = 1024, V = 50304, L = 8, T = 64 * S;
  // Per token, forward: q, k, v, o (4 d^2), the router (d E), top_k experts (2 d F each), the
  // attention scores and context (2 x 2 S d), and the head (d V), 2 FLOPs per multiply-add.
  const double layer = 2 * (4 * d * d + d * E + k * 2 * d * F) + 4 * S * d;
  const double head = 2 * d * V;
  for (const Recompute rc : {Recompute::kNone, Recompute::kFull}) {
    Parallelism p;
    p.dp = 8;
    p.recompute = rc;
    const TrainingEstimate e = estimate_training(m, selene(), p);
    const double passes = rc == Recompute::kFull ? 4 : 3;
    const double executed = T * (passes * L * layer + 3 * head);
    EXPECT_NEAR(e.megatron_flops_per_step, executed, 1e-9 * executed);
    EXPECT_NEAR(e.achieved_tflops_per_device * 1e12 * e.time.step * 8, executed, 1e-9 * executed);
    if (rc == Recompute::kNone) {
      // 6 N_active T within the attention term (6 x 2 S d per token per layer, about 9% here).
      const double six_nt = 6.0 * static_cast<double>(m.active_params()) * T;
      EXPECT_NEAR(executed / six_nt, 1.0, 0.12);
    }
  }
}

// What an MoE layer keeps for its backward beyond its dense twin (top-1, capacity factor 1, a
// balanced router: the experts together compute T tokens of the dense FFN's shape), by hand: the
// tokens dispatched to the experts (T x d over all of them), the experts' outputs the combine
// reads (T x d), and the router's top-k scores (T x E). The router's choice is not kept again
// per expert (each expert's input was once counted as two d-wide copies, one per input edge).
TEST(TrainingEstimate, MoeLayerKeepsItsTokensOncePerExpertAndTheRouterRows) {
  auto bytes = [](const std::string& moe) {
    const ModelSpec m = ModelSpec::from_yaml(YamlNode::parse(
        "name: moe-mem\nvocab: 1000\nd_model: 1024\nlayers: 2\nheads: 16\nffn: {size: 4096, activation: gelu}\n" + moe +
            "sequence: 1024\nmicro_batch: 1\nglobal_batch: 8\nbias: false\n",
        "moe-mem.yaml"));
    Parallelism p;
    p.recompute = Recompute::kNone;
    return layer_activation_bytes(m, selene().device, p);
  };
  const double T = 1024, d = 1024, E = 8, act = 2;
  EXPECT_DOUBLE_EQ(bytes("moe: {experts: 8, top_k: 1, capacity_factor: 1.0}\n") - bytes(""), (2 * T * d + T * E) * act);
}

// Fine-grained experts with a shared one (DeepSeekMoE-style: 256 routed of a small size, top-8,
// plus 1 shared that every token uses): a token's forward runs 8 + 1 expert FFNs, and the model's
// parameters, active parameters and executed FLOPs follow by hand.
TEST(TrainingEstimate, FineGrainedAndSharedExpertsCountAsHandWorked) {
  const ModelSpec m = ModelSpec::from_yaml(YamlNode::parse(
      "name: fine\nvocab: 32000\nd_model: 1024\nlayers: 4\nheads: 16\nffn: {size: 256, activation: swiglu}\n"
      "moe: {experts: 256, top_k: 8, shared_experts: 1, capacity_factor: 8}\nsequence: 1024\nmicro_batch: 1\nglobal_batch: 64\n"
      "bias: false\nnorm: rmsnorm\nposition: rope\ntied_embeddings: false\n", "fine.yaml"));
  const double d = 1024, F = 256, E = 256, k = 8, S = 1024, V = 32000, L = 4, T = 64 * S;
  const double expert = 3 * d * F;  // gate, up, down
  const double layer_params = 4 * d * d + E * expert + d * E + expert + 2 * d;
  EXPECT_DOUBLE_EQ(static_cast<double>(m.total_params()), L * layer_params + 2 * V * d + d);
  EXPECT_DOUBLE_EQ(static_cast<double>(m.active_params()), L * (4 * d * d + (k + 1) * expert + d * E + 2 * d) + d + V * d);
  EXPECT_EQ(Graph::build(m).params(), m.total_params());
  Parallelism p;
  p.dp = 8, p.recompute = Recompute::kNone;
  const TrainingEstimate e = estimate_training(m, selene(), p);
  const double layer = 2 * (4 * d * d + d * E + (k + 1) * expert) + 4 * S * d;
  const double executed = 3 * T * (L * layer + 2 * d * V);
  EXPECT_NEAR(e.megatron_flops_per_step, executed, 1e-9 * executed);
  EXPECT_NEAR(executed / (6.0 * static_cast<double>(m.active_params()) * T), 1.0, 0.25);
}

// Activation memory per layer against Korthikanti et al. 2022 (section 4, eq. 1 to 5) for GPT-3
// 175B with dropout, bf16, one sequence: s b h (34 + 5 a s / h) bytes without recomputation,
// 34 s b h with selective, and under tensor parallelism t sbh (10 + 24 / t + 5 a s / (h t)),
// with sequence parallelism too sbh (34 / t + 5 a s / (h t)). Selective recomputation was sized
// like none, so layouts that ran on 80 GB A100s were refused.
TEST(TrainingEstimate, ActivationMemoryPerLayerIsKorthikantisFormula) {
  ModelSpec m = ModelSpec::load(kRoot + "/workloads/gpt3-175b.yaml");
  m.dropout = 0.1;
  const DeviceSpec dev = selene().device;
  const double s = 2048, b = 1, h = 12288, a = 96, t = 8;
  ASSERT_EQ(m.d_model, h);
  ASSERT_EQ(m.heads, a);
  ASSERT_EQ(m.sequence, s);
  auto bytes = [&](std::int64_t tp, bool sp, Recompute rc) {
    Parallelism p;
    p.tp = tp;
    p.sequence_parallel = sp;
    p.recompute = rc;
    return layer_activation_bytes(m, dev, p);
  };
  const double sbh = s * b * h;
  EXPECT_DOUBLE_EQ(bytes(1, false, Recompute::kNone), sbh * (34 + 5 * a * s / h));
  EXPECT_DOUBLE_EQ(bytes(1, false, Recompute::kSelective), 34 * sbh);
  EXPECT_DOUBLE_EQ(bytes(8, false, Recompute::kNone), sbh * (10 + 24 / t + 5 * a * s / (h * t)));
  EXPECT_DOUBLE_EQ(bytes(8, true, Recompute::kNone), sbh * (34 / t + 5 * a * s / (h * t)));
  EXPECT_DOUBLE_EQ(bytes(8, true, Recompute::kSelective), 34 * sbh / t);
  EXPECT_DOUBLE_EQ(bytes(8, true, Recompute::kFull), 2 * sbh / t);
  // Without dropout there are no masks and no dropped-out copy: 32 s b h + 2 a s^2 b.
  m.dropout = 0;
  EXPECT_DOUBLE_EQ(bytes(1, false, Recompute::kNone), sbh * 32 + 2 * a * s * s * b);
}

// Flash attention keeps no s x s tensor: GPT-3 175B with dropout keeps 34 s b h plus the rows'
// fp32 log-sum-exp (4 a s b) instead of s b h (34 + 5 a s / h); its backward recomputes the scores,
// one more b a s^2 (h / a) x 2 matmul per layer (2 b s^2 h FLOPs), and the scores and softmax move
// nothing to and from device memory, so a long-sequence step is faster.
TEST(TrainingEstimate, FlashAttentionHasNoSequenceSquaredMemoryAndRecomputesTheScores) {
  ModelSpec m = ModelSpec::load(kRoot + "/workloads/gpt3-175b.yaml");
  m.dropout = 0.1;
  const DeviceSpec dev = selene().device;
  const double s = 2048, b = 1, h = 12288, a = 96;
  Parallelism p;
  p.recompute = Recompute::kNone;
  p.flash_attention = true;
  EXPECT_DOUBLE_EQ(layer_activation_bytes(m, dev, p), 34 * s * b * h + 4 * a * s * b);
  m.sequence = m.max_positions = 4096;  // the memory term does not grow with s^2
  EXPECT_DOUBLE_EQ(layer_activation_bytes(m, dev, p), 34 * 4096 * b * h + 4 * a * 4096 * b);

  // Whatever the forward recomputes, the flash backward recomputes the scores once more.
  const ModelSpec gpt3 = ModelSpec::load(kRoot + "/workloads/gpt3-175b.yaml");
  const double per_step = 2 * b * s * s * h * gpt3.layers * gpt3.global_batch;
  for (const Recompute rc : {Recompute::kNone, Recompute::kSelective, Recompute::kFull}) {
    Parallelism q;
    q.tp = 8, q.pp = 16, q.dp = 8, q.recompute = rc, q.sequence_parallel = true;
    const TrainingEstimate standard = estimate_training(gpt3, selene(), q);
    q.flash_attention = true;
    const TrainingEstimate flash = estimate_training(gpt3, selene(), q);
    EXPECT_NEAR(flash.megatron_flops_per_step - standard.megatron_flops_per_step, per_step, 1e-9 * per_step);
    EXPECT_LT(flash.time.memory, standard.time.memory);
    EXPECT_LE(flash.memory_per_device_bytes, standard.memory_per_device_bytes);
    if (rc == Recompute::kNone) {
      EXPECT_LT(flash.memory_per_device_bytes, standard.memory_per_device_bytes);
    }
  }
}

// A layout that does not fit says which term overflows, and on which stage: GPT-3 175B at tp 8 x
// pp 4 keeps a quarter of the layers and the embedding on the first stage, over 8 devices, 2 bytes each of weights and gradients and 12 of Adam state (fp32 master
// copy and two moments), beside the activations.
TEST(TrainingEstimate, ALayoutOutOfMemoryNamesEachTerm) {
  const ModelSpec m = ModelSpec::load(kRoot + "/workloads/gpt3-175b.yaml");
  Parallelism p;
  p.tp = 8, p.pp = 4, p.dp = 96, p.recompute = Recompute::kNone;
  // The first stage: 24 layers and the token and position tables, over tp 8.
  const double layer = static_cast<double>(m.attention_params_per_layer() + m.ffn_params_per_layer() + m.norm_params_per_layer());
  const double n = (24 * layer + static_cast<double>(m.embedding_params())) / 8;
  try {
    estimate_training(m, selene(), p);
    FAIL() << "a 123 GB layout was accepted on an 80 GB device";
  } catch (const InputError& e) {
    const std::string what = e.what();
    EXPECT_NE(what.find(fmt::format("weights {:.1f}, gradients {:.1f}, optimizer {:.1f} (the largest)", 2 * n / 1e9, 2 * n / 1e9, 12 * n / 1e9)),
              std::string::npos) << what;
    EXPECT_NE(what.find("on pipeline stage 1 of 4"), std::string::npos) << what;
  }
}

// Hand-worked alpha-beta costs: 8 devices, 1 GB, 100 GB/s, 1 us.
TEST(Collectives, AlphaBetaFormulas) {
  const double S = 1e9, B = 100e9, a = 1e-6;
  EXPECT_DOUBLE_EQ(collective_seconds(Collective::kAllReduce, CollectiveAlgorithm::kRing, S, 8, B, a), 2 * 7.0 / 8 * 0.01 + 14e-6);
  EXPECT_DOUBLE_EQ(collective_seconds(Collective::kAllGather, CollectiveAlgorithm::kRing, S, 8, B, a), 7.0 / 8 * 0.01 + 7e-6);
  EXPECT_DOUBLE_EQ(collective_seconds(Collective::kAllReduce, CollectiveAlgorithm::kTree, S, 8, B, a), 0.02 + 6e-6);
  // 2D mesh, 16 devices: rows of 4 (ring on S), then columns of 4 on S / 4.
  EXPECT_DOUBLE_EQ(collective_seconds(Collective::kAllReduce, CollectiveAlgorithm::kMesh2d, S, 16, B, a),
                   (2 * 0.75 * 0.01 + 6e-6) + (2 * 0.75 * 0.0025 + 6e-6));
  EXPECT_EQ(collective_seconds(Collective::kAllReduce, CollectiveAlgorithm::kRing, S, 1, B, a), 0.0);
}

// The step adds up, and a pipeline of equal stages has the 1F1B bubble (pp - 1) / m of the
// steady-state time, halved by two interleaved chunks.
TEST(TrainingEstimate, PipelineBubbleIsTheOneFOneBFormula) {
  const TrainingEstimate e = gpt3_on_1024_a100s(1);
  const auto& t = e.time;
  EXPECT_NEAR(t.compute + t.memory + t.tp_comm + t.cp_comm + t.ep_comm + t.pp_comm + t.bubble + t.dp_comm, t.step, 1e-9 * t.step);
  // Stages differ only by the embedding and the LM head, so the bubble is close to (pp-1)/m of the
  // pipelined time.
  const double steady = t.step - t.bubble - t.dp_comm;
  const double m_b = static_cast<double>(e.micro_batches);
  EXPECT_NEAR(t.bubble / steady, 15.0 / m_b, 0.2 * 15.0 / m_b);
  const TrainingEstimate v2 = gpt3_on_1024_a100s(2);
  EXPECT_NEAR(v2.time.bubble, t.bubble / 2, 1e-9 * t.bubble);
}

ClusterSpec dgx_h100() { return ClusterSpec::load(kRoot + "/configs/systems/dgx-h100.yaml"); }

// Each overlap option, switched off, makes the step slower by exactly the time it reports hidden,
// and its exposed part grows by that much.
TEST(TrainingEstimate, EachOverlapOffIsSlowerByTheTimeItHides) {
  ClusterSpec c = selene();
  c.devices = 1024;
  const ModelSpec m = ModelSpec::load(kRoot + "/workloads/gpt3-175b.yaml");
  Parallelism p;
  p.tp = 8, p.pp = 16, p.dp = 8, p.interleave = 2, p.zero_stage = 1, p.sequence_parallel = true;
  const TrainingEstimate on = estimate_training(m, c, p);
  struct Option {
    bool Parallelism::Overlap::*flag;
    double StepBreakdown::Hidden::*hidden;
    double StepBreakdown::*exposed;
  };
  for (const Option o : {Option{&Parallelism::Overlap::tp, &StepBreakdown::Hidden::tp, &StepBreakdown::tp_comm},
                         Option{&Parallelism::Overlap::dp, &StepBreakdown::Hidden::dp, &StepBreakdown::dp_comm},
                         Option{&Parallelism::Overlap::pp, &StepBreakdown::Hidden::pp, &StepBreakdown::pp_comm}}) {
    Parallelism q = p;
    q.overlap.*o.flag = false;
    const TrainingEstimate off = estimate_training(m, c, q);
    const double hidden = on.time.hidden.*o.hidden;
    EXPECT_GT(hidden, 0.001 * on.time.step) << q.describe();
    EXPECT_NEAR(off.time.step - on.time.step, hidden, 1e-9 * on.time.step) << q.describe();
    EXPECT_EQ(off.time.hidden.*o.hidden, 0.0) << q.describe();
    EXPECT_GT(off.time.*o.exposed, on.time.*o.exposed) << q.describe();
  }
}

// Context parallelism: each device keeps 1 / cp of every layer's activations; its key/value ring
// is hidden behind attention on NVLink, and exposed when the link is slow. Hand count for Llama 3
// 8B (sequence 8192, 8 KV heads of 128), cp 2, tp 1: each ring step passes one device's K and V,
// 2 x 4096 x 1024 x 2 bytes; a layer has 1 step forward and 2 backward (K, V and their gradients).
TEST(TrainingEstimate, ContextParallelismSplitsTheSequenceAndHidesItsRing) {
  const ModelSpec m = ModelSpec::load(kRoot + "/workloads/llama3-8b.yaml");
  ClusterSpec c = dgx_h100();
  c.devices = 8;
  Parallelism p;
  p.dp = 4, p.cp = 2, p.zero_stage = 1, p.recompute = Recompute::kNone, p.flash_attention = true;
  Parallelism one = p;
  one.cp = 1;
  EXPECT_DOUBLE_EQ(layer_activation_bytes(m, c.device, p), layer_activation_bytes(m, c.device, one) / 2);
  const TrainingEstimate e = estimate_training(m, c, p);
  EXPECT_EQ(e.time.cp_comm, 0.0);
  c.scale_up.bytes_per_s = 1e9;  // 1 GB/s: the ring outruns attention
  const TrainingEstimate slow = estimate_training(m, c, p);
  const double step = 2.0 * 4096 * 1024 * 2 / 1e9 + c.scale_up.latency_s;
  const double ring = static_cast<double>(slow.micro_batches) * 32 * 3 * step;
  EXPECT_LE(slow.time.cp_comm, ring);
  EXPECT_GE(slow.time.cp_comm, ring - (slow.time.compute + slow.time.memory));
  EXPECT_GT(slow.time.cp_comm, 0.5 * ring);
}

// FP8 runs the layers' linear matmuls at 1979 x 0.6... TFLOP/s instead of 989 x ...: the compute
// time falls, but by less than that ratio, since attention and the LM head stay in bf16.
TEST(TrainingEstimate, Fp8SpeedsTheLinearMatmulsOnly) {
  const ModelSpec m = ModelSpec::load(kRoot + "/workloads/llama3-8b.yaml");
  ClusterSpec c = dgx_h100();
  c.devices = 8;
  Parallelism p;
  p.dp = 8, p.zero_stage = 1, p.recompute = Recompute::kNone, p.flash_attention = true;
  const TrainingEstimate bf16 = estimate_training(m, c, p);
  p.fp8 = true;
  const TrainingEstimate fp8 = estimate_training(m, c, p);
  const double r = (c.device.peak_flops * c.device.matmul_efficiency) / (c.device.fp8_peak_flops * c.device.fp8_matmul_efficiency);
  ASSERT_LT(r, 1.0);
  EXPECT_LT(fp8.time.compute, bf16.time.compute);
  EXPECT_GT(fp8.time.compute, r * bf16.time.compute);
  EXPECT_EQ(fp8.time.memory, bf16.time.memory);
  EXPECT_EQ(fp8.megatron_flops_per_step, bf16.megatron_flops_per_step);
}

// Layer counts per stage: the even split given explicitly is the even split; taking a layer off the
// first and the last stage (which also hold the embedding and the head) shortens the slowest stage.
TEST(TrainingEstimate, StageLayerCountsEvenThePipeline) {
  ClusterSpec c = selene();
  c.devices = 1024;
  const ModelSpec m = ModelSpec::load(kRoot + "/workloads/gpt3-175b.yaml");
  Parallelism p;
  p.tp = 8, p.pp = 4, p.dp = 32, p.sequence_parallel = true, p.zero_stage = 1;
  const TrainingEstimate even = estimate_training(m, c, p);
  p.stage_layers = {24, 24, 24, 24};
  EXPECT_DOUBLE_EQ(estimate_training(m, c, p).time.step, even.time.step);
  p.stage_layers = {23, 25, 25, 23};
  const TrainingEstimate uneven = estimate_training(m, c, p);
  EXPECT_GT(uneven.time.compute, even.time.compute);  // the critical stage now has 25 layers
  p.stage_layers = {24, 24, 24, 25};
  EXPECT_THROW(estimate_training(m, c, p), InputError);
}

// A skewed router loads some experts more; expert-parallel ranks wait for the busiest, so the step
// is slower than with a uniform router.
TEST(TrainingEstimate, ExpertImbalanceSlowsTheStep) {
  ModelSpec m = ModelSpec::from_yaml(YamlNode::parse(
      "name: moe-small\nvocab: 50304\nd_model: 1024\nlayers: 8\nheads: 16\nffn: {size: 2816, activation: gelu}\n"
      "moe: {experts: 32, top_k: 2, capacity_factor: 4}\nsequence: 1024\nmicro_batch: 1\nglobal_batch: 64\nbias: false\n", "moe-small.yaml"));
  ClusterSpec c = selene();
  c.devices = 8;
  Parallelism p;
  p.dp = 8, p.ep = 8;
  const TrainingEstimate uniform = estimate_training(m, c, p);
  m.moe.router_skew = 1.0;
  const TrainingEstimate skewed = estimate_training(m, c, p);
  EXPECT_GT(skewed.time.compute, uniform.time.compute);
  EXPECT_GT(skewed.time.step, uniform.time.step);
}

// Korthikanti et al. 2022, Table 5: 22B, 175B, 530B and 1T GPT models trained on 80 GB A100s with
// sequence parallelism and selective recomputation (tp 8; pp 1, 8, 35, 64; 8, 64, 280, 512 GPUs;
// sequence 2048, micro-batch 1): every layout fits.
TEST(TrainingEstimate, KorthikantiTable5LayoutsFitOn80GbA100s) {
  struct Row {
    std::int64_t h, a, l, pp, gpus, batch;
  };
  for (const Row r : {Row{6144, 64, 48, 1, 8, 4}, Row{12288, 96, 96, 8, 64, 64}, Row{20480, 128, 105, 35, 280, 280},
                      Row{25600, 160, 128, 64, 512, 512}}) {
    ModelSpec m = ModelSpec::load(kRoot + "/workloads/gpt3-175b.yaml");
    m.vocab = 51200, m.d_model = r.h, m.heads = static_cast<int>(r.a), m.kv_heads = m.heads, m.head_dim = r.h / r.a;
    m.layers = static_cast<int>(r.l), m.ffn_size = 4 * r.h, m.global_batch = r.batch, m.dropout = 0.1;
    ClusterSpec c = selene();
    c.devices = r.gpus;
    Parallelism p;
    p.tp = 8, p.pp = r.pp, p.dp = r.gpus / (8 * r.pp), p.sequence_parallel = true, p.recompute = Recompute::kSelective;
    p.overlap = {false, false, false};
    EXPECT_NO_THROW({
      const TrainingEstimate e = estimate_training(m, c, p);
      EXPECT_LE(e.memory_per_device_bytes, 80e9);
    }) << r.h;
  }
}

TEST(TrainingEstimate, BadNewLayoutsAreInputErrors) {
  const ModelSpec m = ModelSpec::load(kRoot + "/workloads/gpt3-175b.yaml");
  auto error_of = [&](const ClusterSpec& c, Parallelism p) {
    try {
      estimate_training(m, c, p);
    } catch (const InputError& e) {
      return std::string(e.what());
    }
    return std::string("no error");
  };
  Parallelism p;
  p.tp = 8, p.pp = 16, p.dp = 8;
  Parallelism fp8 = p;
  fp8.fp8 = true;
  EXPECT_NE(error_of(selene(), fp8).find("FP8 needs the device's FP8 peak; A100-SXM4-80GB"), std::string::npos);
  Parallelism cp = p;
  cp.cp = 3, cp.dp = 1;
  EXPECT_NE(error_of(selene(), cp).find("cp 3 does not divide the sequence of 2048 tokens"), std::string::npos);
  Parallelism stages = p;
  stages.pp = 2, stages.stage_layers = {40, 50};
  EXPECT_NE(error_of(selene(), stages).find("the layers per stage sum to 90; the model has 96"), std::string::npos);
  stages.stage_layers = {96};
  EXPECT_NE(error_of(selene(), stages).find("1 layer counts per stage for pp 2"), std::string::npos);
  stages.stage_layers = {48, 48}, stages.interleave = 2;
  EXPECT_NE(error_of(selene(), stages).find("plain 1F1B"), std::string::npos);
}

TEST(TrainingEstimate, SearchFindsLegalLayoutsBestFirst) {
  const ModelSpec m = ModelSpec::load(kRoot + "/workloads/gpt3-175b.yaml");
  const SearchResult r = search_parallelism(m, selene(), 1024);
  ASSERT_GE(r.ranked.size(), 5u);
  EXPECT_GT(r.considered, r.ranked.size());
  for (std::size_t i = 1; i < r.ranked.size(); ++i) EXPECT_LE(r.ranked[i - 1].time.step, r.ranked[i].time.step);
  for (const auto& e : r.ranked) {
    EXPECT_EQ(e.par.devices(), 1024);
    EXPECT_LE(e.memory_per_device_bytes, 80.0 * 1024 * 1024 * 1024 + 1e8);
  }
}

TEST(TrainingEstimate, BadLayoutsAndSystemsAreInputErrors) {
  const ModelSpec m = ModelSpec::load(kRoot + "/workloads/gpt3-175b.yaml");
  ClusterSpec c = selene();
  auto layout = [](std::int64_t tp, std::int64_t pp, std::int64_t dp) {
    Parallelism p;
    p.tp = tp, p.pp = pp, p.dp = dp;
    return p;
  };
  auto expect_error = [&](Parallelism p, const std::string& text) {
    try {
      estimate_training(m, c, p);
      ADD_FAILURE() << "no error for " << p.describe();
    } catch (const InputError& e) {
      EXPECT_NE(std::string(e.what()).find(text), std::string::npos) << e.what();
    }
  };
  expect_error(layout(5, 1, 1), "tp 5 does not divide the 96 attention heads");
  expect_error(layout(8, 7, 1), "pp 7 does not divide the 96 layers");
  expect_error(layout(8, 16, 7), "does not divide the global batch of 1536");
  expect_error(layout(1, 1, 8), "GB per device");  // 175B on 8 GPUs without model parallelism
  expect_error(layout(8, 16, 32), "needs 4096 devices");
  const auto bad = [](const std::string& yaml) {
    try {
      ClusterSpec::from_yaml(YamlNode::parse(yaml, "bad.yaml"));
    } catch (const InputError& e) {
      return std::string(e.what());
    }
    return std::string("no error");
  };
  const std::string base = "name: x\nkind: gpu_cluster\ndevices: 8\ndevice: {peak_tflops: 1, vector_tflops: 1, memory_gb: 1, memory_tb_s: 1}\n";
  EXPECT_NE(bad(base + "scale_up: {domain: 8, gb_s: -300}\nscale_out: {gb_s: 25}\n").find("bad.yaml:5"), std::string::npos);
  EXPECT_NE(bad(base + "scale_up: {domain: 8, gb_s: 300}\nscale_out: {gb_s: 25, topology: ring}\n").find("topology"), std::string::npos);
}

}  // namespace
}  // namespace wafersim::compiler
