#pragma once
// A machine of many devices for the training-time estimate (`wafersim estimate`), as
// configs/systems/*.yaml with `kind: gpu_cluster` describe it:
//
//   name: selene-a100
//   kind: gpu_cluster
//   devices: 1024                    # devices in the machine (--devices overrides)
//   device:
//     name: A100-SXM4-80GB
//     peak_tflops: 312               # dense bf16/fp16 matmul peak
//     vector_tflops: 78              # element-wise (non-matmul) peak
//     memory_gb: 80                  # HBM capacity
//     memory_tb_s: 2.039             # HBM bandwidth
//     matmul_efficiency: 0.64        # achieved / peak inside a matmul's full waves: fitted (docs/validation.md)
//     fp8_peak_tflops: 1979          # dense FP8 matmul peak (optional; 0 or absent: no FP8)
//     fp8_matmul_efficiency: 0.48    # the same for FP8 matmuls: fitted
//     sms: 108                       # streaming multiprocessors (optional: 0 or absent times a matmul
//                                    # by its FLOPs alone, without wave and tile quantization)
//     power_w: 400                   # at full load (board), optional
//     cost_usd: 15000                # per device, optional
//   scale_up: {domain: 8, gb_s: 300, latency_us: 2}      # NVLink: devices per domain, GB/s per device per direction
//   scale_out: {gb_s: 25, latency_us: 5, topology: fat_tree}   # per device per direction
//
// Bandwidths are per device and per direction. A collective among devices of one scale-up
// domain runs at scale_up.gb_s; one that spans domains at scale_out.gb_s (each device has its own
// network port, as on a DGX with one NIC per GPU).
#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

#include "core/yaml_reader.hpp"

namespace wafersim::compiler {

struct DeviceSpec {
  std::string name;
  double peak_flops = 0;          // FLOP/s, matmul
  double vector_flops = 0;        // FLOP/s, element-wise
  double memory_bytes = 0;
  double memory_bytes_per_s = 0;
  double matmul_efficiency = 1.0;
  double fp8_peak_flops = 0;      // FLOP/s, FP8 matmul (0: the device has none)
  double fp8_matmul_efficiency = 1.0;
  int sms = 0;                    // > 0: matmuls are timed tile by tile (compiler/gemm_timing.hpp)
  double power_w = 0;             // 0: not stated
  double cost_usd = 0;            // 0: not stated
};

struct LinkSpec {
  double bytes_per_s = 0;  // per device, per direction
  double latency_s = 0;
};

// What a wafer adds to a device (filled from a wafer cluster: compiler/wafer_cluster.hpp). The
// device's peak is then the wafer's usable peak, its memory the SRAM plus the external memory.
struct WaferTerms {
  bool enabled = false;
  // Per second of roofline time (the device's peak and bandwidths): what the compiled layer spends
  // in its tiles' compute (array fill and drain, task overheads, load imbalance) and in on-wafer
  // communication on its critical path. From the representative layer (calibrate_on_wafer),
  // compiled once per micro-batch: a micro-batch of b sequences gives each tile b times the rows
  // of every matmul, so fill, drain and message latencies weigh less, and its layer needs more
  // SRAM. A layout is charged the factors of its own micro-batch; a micro-batch that was not
  // calibrated, or whose layer does not fit, is not a layout of this wafer.
  struct LayerFactors {
    std::int64_t micro_batch = 1;
    double compute = 1.0, comm = 0.0;
    double pj_per_flop = 0;  // on-wafer network energy per FLOP (bit-hops per FLOP x pJ per bit-hop)
    std::string unfit;  // non-empty: why the layer does not map at this micro-batch
  };
  std::vector<LayerFactors> layer;
  // The entry of micro-batch `mb`, or null.
  const LayerFactors* factors_at(std::int64_t mb) const {
    for (const LayerFactors& f : layer)
      if (f.micro_batch == mb) return &f;
    return nullptr;
  }
  double sram_bytes = 0;            // state beyond this lives in external memory; weights stream in
  double stream_bytes_per_s = 0;    // external memory bandwidth per wafer
  double layer_weight_bytes = 0;    // one layer's weights (double-buffered in SRAM when streaming)
  // Power and cost.
  double tiles = 0, tile_active_w = 0, tile_idle_w = 0;
  double pj_per_bit_off_wafer = 0;  // off-wafer links and external memory
  double power_overhead = 1.0;      // facility: power delivery and cooling
  double wafer_usd = 0;             // per accepted wafer: silicon cost / wafer yield
  double system_usd = 0;            // per wafer: package, cooling, power, memory, network
  double nominal_peak_flops = 0;    // every tile site at the nominal clock (the marketing peak)
};

struct ClusterSpec {
  std::string name, description;
  std::int64_t devices = 1;
  DeviceSpec device;
  std::int64_t domain = 1;  // devices per scale-up domain
  LinkSpec scale_up, scale_out;
  // fat_tree | switched: every device at its full scale-out bandwidth to every other.
  // torus_2d (wafers): ring collectives at the link bandwidth; all-to-all limited by the bisection.
  std::string topology = "fat_tree";
  WaferTerms wafer;

  static ClusterSpec from_yaml(const YamlNode& node);
  static ClusterSpec load(const std::filesystem::path& file, const ConfigMount& mount = {});  // mount: for --set
};

}  // namespace wafersim::compiler
