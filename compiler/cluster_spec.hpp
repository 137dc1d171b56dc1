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
//     matmul_efficiency: 0.6         # achieved / peak on the model's matmuls: the one calibrated number
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

#include "core/yaml_reader.hpp"

namespace wafersim::compiler {

struct DeviceSpec {
  std::string name;
  double peak_flops = 0;          // FLOP/s, matmul
  double vector_flops = 0;        // FLOP/s, element-wise
  double memory_bytes = 0;
  double memory_bytes_per_s = 0;
  double matmul_efficiency = 1.0;
  double power_w = 0;             // 0: not stated
  double cost_usd = 0;            // 0: not stated
};

struct LinkSpec {
  double bytes_per_s = 0;  // per device, per direction
  double latency_s = 0;
};

struct ClusterSpec {
  std::string name, description;
  std::int64_t devices = 1;
  DeviceSpec device;
  std::int64_t domain = 1;  // devices per scale-up domain
  LinkSpec scale_up, scale_out;
  std::string topology = "fat_tree";

  static ClusterSpec from_yaml(const YamlNode& node);
  static ClusterSpec load(const std::filesystem::path& file);
};

}  // namespace wafersim::compiler
