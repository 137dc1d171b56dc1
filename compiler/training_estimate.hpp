#pragma once
// Training time of a model on a GPU cluster (compiler/cluster_spec.hpp) under a parallelism
// layout: what `wafersim estimate` prints. ESTIMATED throughout: nothing here is cycle-simulated.
//
// Per device, one micro-batch of one layer is the compiler's Graph (forward, backward, and the
// recomputed forward when activations are recomputed), each op timed on the device:
//   matmuls        tile by tile on the device's SMs, wave and tile quantization included, at the
//                  bf16 or FP8 peak x its fitted efficiency, never faster than its bytes at memory
//                  bandwidth (compiler/gemm_timing.hpp), on the op's shape as the layout cuts it
//   other ops      max(FLOPs / vector peak, bytes / memory bandwidth)
// Tensor parallelism (Megatron-LM, Shoeybi et al. 2019) splits attention, FFN, embedding, LM head
// and loss ops over tp devices (each matmul along its Op::tp_dim); norms and residual adds stay
// replicated unless sequence parallelism splits them too (Korthikanti et al. 2022). Each layer
// pays its activations' all-reduces (2 forward, 2 backward, 2 more when the forward is
// recomputed) in the scale-up domain, overlapped with the layer's matmuls (Parallelism::Overlap).
// Context parallelism divides every op's tokens by cp (attention: the queries; each device's
// queries meet all keys); each layer passes K and V (and in the backward their gradients) around
// the cp ring, hidden behind the attention core where it can be.
// Pipeline parallelism: layers split over pp stages (evenly, or Parallelism::stage_layers; the
// first also holds the embedding, the last the final norm, LM head and loss); m = global_batch /
// (dp x micro_batch) micro-batches per step run 1F1B, interleaved with v model chunks per stage:
//   pipeline = m x t_max + (sum of stage times - t_max) / v,
// which for equal stages is (m + (pp - 1) / v) x t_stage; the bubble is the second term. Each
// chunk boundary sends each micro-batch's activations (forward) and their gradients (backward)
// point to point (bytes / tp per device over the scale-out network, Megatron's scatter-gather).
// Data parallelism (over dp x cp devices, which hold the same weights): the gradients' ring
// all-reduce (ZeRO-1: a reduce-scatter, then the updated parameters' all-gather), overlapped with
// the last backward and the first forward; then Adam on each device's shard.
// Expert parallelism (MoE): experts split over ep devices of the data-parallel group; each MoE
// layer pays an all-to-all to dispatch tokens and one to combine them, per pass.
//
// Memory per device, stage by stage: weights, gradients and Adam state of the stage's shard (ZeRO-1
// divides the optimizer state by dp x cp), plus activations for the micro-batches in flight
// (pp - s on stage s under 1F1B; interleaving adds (pp - 1) / (pp v) on the first): with full
// recomputation each layer keeps only its input, plus one layer's working set; without, what each
// op's backward needs (Op::keeps: with dropout, s b h (34 + 5 a s / h) bytes a GPT layer,
// Korthikanti et al. 2022, eq. 1), and with selective recomputation that less the attention
// core's (34 s b h); all divided by cp. A layout whose fullest stage does not fit is rejected.
#include <cstdint>
#include <string>
#include <vector>

#include "compiler/cluster_spec.hpp"
#include "compiler/collectives.hpp"
#include "compiler/graph.hpp"
#include "compiler/model_spec.hpp"

namespace wafersim::compiler {

struct Parallelism {
  std::int64_t tp = 1, pp = 1, dp = 1, ep = 1;
  // Context parallelism (ring attention, Liu et al. 2023; Megatron-Core's CP): each sequence split
  // over cp devices, which pass their keys and values around a ring while attention computes.
  std::int64_t cp = 1;
  std::int64_t micro_batch = 1;  // sequences per micro-batch
  std::int64_t interleave = 1;   // model chunks per pipeline stage (1: plain 1F1B)
  bool sequence_parallel = false;
  int zero_stage = 0;            // 0 or 1 (1: the distributed optimizer, ZeRO-1)
  Recompute recompute = Recompute::kFull;
  CollectiveAlgorithm dp_algorithm = CollectiveAlgorithm::kRing;
  bool flash_attention = false;  // GraphOptions::flash_attention (searched on GPU clusters)
  // Transformer-Engine FP8: the layers' linear matmuls (projections, FFN, experts) at the device's
  // FP8 peak and efficiency; attention's matmuls, the LM head and every other op in bf16. Weights,
  // gradients, optimizer state and activations keep the model's dtypes.
  bool fp8 = false;
  // Communication overlapped with compute, each as Megatron-Core does it; all on by default (the
  // NeMo and Megatron-Core recipes' setting), off reproduces Megatron-LM of 2021.
  struct Overlap {
    // Tensor-parallel all-gathers and reduce-scatters (all-reduces) chunked against the layer's
    // matmuls (tp_comm_overlap): exposed is what the matmuls cannot hide, and at least the last
    // chunk of each reduce-scatter, 1 / (2 tp) of the layer's traffic.
    bool tp = true;
    // Gradient reduce-scatter (or all-reduce) bucket by bucket during the last micro-batch's
    // backward, and the distributed optimizer's parameter all-gather during the next step's first
    // forward (overlap_grad_reduce, overlap_param_gather): exposed is what that window cannot
    // hide, and at least one bucket (Megatron-Core's default bucket: max(40M, 1M x dp) parameters).
    bool dp = true;
    // Stage-boundary sends and receives issued asynchronously beside the next micro-batch's compute
    // (overlap_p2p_comm): exposed is what that compute cannot hide.
    bool pp = true;
  } overlap;
  // Layers per pipeline stage, first to last (empty: layers / pp each). The first stage also holds
  // the embedding, the last the final norm, LM head and loss, so a shorter first or last stage
  // evens the pipeline. Not with interleaving.
  std::vector<std::int64_t> stage_layers;

  std::int64_t devices() const { return tp * cp * pp * dp; }
  std::string describe() const;
};

// Seconds per optimizer step, by what the time goes to (they add up to `step`).
struct StepBreakdown {
  double compute = 0;          // matmul-bound op time on the critical stage, all micro-batches
  double memory = 0;           // memory-bound op time (norms, softmax, element-wise, Adam)
  double tp_comm = 0;          // tensor-parallel all-reduces (exposed)
  double cp_comm = 0;          // context-parallel key/value ring (exposed: what attention does not hide)
  double ep_comm = 0;          // expert all-to-alls (exposed)
  double pp_comm = 0;          // stage-boundary sends (exposed)
  double bubble = 0;           // pipeline fill and drain
  double dp_comm = 0;          // gradient reduction and parameter all-gather (exposed)
  // What each overlap option hides: with it off, the step is this much longer (its part of the
  // bubble included). Not part of `step`.
  struct Hidden {
    double tp = 0, dp = 0, pp = 0;
  } hidden;
  // Wafers only (WaferTerms): on-wafer communication on the critical path, and the part of
  // weight streaming from external memory that compute does not hide.
  double onwafer_comm = 0;
  double streaming = 0;
  double step = 0;
};

struct TrainingEstimate {
  Parallelism par;
  std::int64_t micro_batches = 0;           // per step per data-parallel rank
  StepBreakdown time;
  double memory_per_device_bytes = 0;       // on the fullest pipeline stage
  std::int64_t memory_stage = 0;            // which stage that is (0: the first)
  struct Memory {
    double weights = 0, gradients = 0, optimizer = 0, activations = 0;
    double total() const { return weights + gradients + optimizer + activations; }
    std::string describe() const;  // "weights 21.9, gradients 21.9, optimizer 65.6 (the largest), activations 3.1 GB"
  } memory;
  double tokens_per_step = 0;
  double model_flops_per_step = 0;          // 6 N + 12 l d s per token (our Graph's forward x 3)
  // The matmul FLOPs executed, recomputation included, op by op: for a GPT-shaped model this is
  // 96 B s l h^2 (1 + s/6h + V/16lh) (Narayanan et al. 2021, eq. 3; 72 without recomputation); for
  // MoE it counts only the top-k experts a token visits (6 N_active T, plus attention).
  double megatron_flops_per_step = 0;
  double tokens_per_s = 0;
  double mfu = 0;                           // model FLOPs / (step x devices x peak)
  double achieved_tflops_per_device = 0;    // megatron_flops_per_step / (step x devices)
  // Whole run (model.training_tokens > 0).
  double steps = 0, days = 0;
  double energy_mwh = 0, power_mw = 0, capital_usd = 0;
  // Wafers: whether the state fits in SRAM (else weights stream from external memory), and the
  // bytes streamed per step per wafer.
  bool resident = true;
  double streamed_bytes_per_step = 0;
  double power_w_per_device = 0;
};

// Throws InputError naming the problem when the layout does not divide the model or the machine,
// or does not fit in device memory.
TrainingEstimate estimate_training(const ModelSpec& model, const ClusterSpec& cluster, const Parallelism& par);

// Every legal layout for `devices` devices (divisibility, memory), best first.
struct SearchResult {
  std::vector<TrainingEstimate> ranked;  // fastest first
  std::size_t considered = 0;            // layouts enumerated
  std::size_t rejected = 0;              // of which illegal or out of memory
};
// The micro-batches (sequences per micro-batch) the search tries.
inline constexpr std::int64_t kSearchMicroBatches[] = {1, 2, 4, 8};
// Every layout uses `overlap` (not searched: overlapping never costs time in this model).
SearchResult search_parallelism(const ModelSpec& model, const ClusterSpec& cluster, std::int64_t devices, const Parallelism::Overlap& overlap = {});

// One micro-batch's ops (forward, recompute, backward, optimizer) on one device, each on the
// roofline above, summed: the yardstick the wafer calibration measures a compiled layer against.
double roofline_seconds(const ModelSpec& model, const DeviceSpec& device, std::int64_t micro_batch, Recompute recompute);

// Activation bytes one layer keeps per micro-batch on one device until its backward, under the
// layout's tensor and sequence parallelism and recomputation (full: the layer's input only). The
// memory check multiplies it by the layers and micro-batches in flight.
double layer_activation_bytes(const ModelSpec& model, const DeviceSpec& device, const Parallelism& par);

// The divisors of n, ascending (the degrees a layout can take).
std::vector<std::int64_t> divisors(std::int64_t n);

// 6 N T: the dense training FLOP count of Kaplan et al. 2020 and Brown et al. 2020 (N the
// parameters a token uses, T tokens), without the attention term.
double dense_training_flops(const ModelSpec& model, double tokens);

}  // namespace wafersim::compiler
