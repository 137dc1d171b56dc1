#pragma once
// A wafer system as the compiler sees it: the system config's wafer, defects, repair and routing
// (mesh/system_config.hpp) plus the sections mesh/ leaves alone:
//
//   compute:                      # one tile's compute unit (docs/compiler.md, "Tile model")
//     array: 32                   # output-stationary systolic array of array x array MACs
//     vector_flops_per_cycle: 64  # element-wise unit
//     sram_kib: 1024              # local SRAM per tile
//     task_overhead_cycles: 16    # issue/sync cost of each task
//   io:                           # the wafer edge and the memory behind it (weight streaming)
//     bandwidth_tb_s: 4.0         # total off-wafer bandwidth, split evenly over the 4 sides
//     latency_ns: 500
//     memory_gb: 12000            # external memory (weights + optimizer state when streaming)
//   noc:                          # the network the engine simulates
//     router: {...}               # sim/router_spec.hpp
//     channels: {...}             # sim/channel_spec.hpp
//     clock: {...}                # sim/clock_spec.hpp
//     packet_flits: 16            # a message is cut into packets of at most this many flits
// Every key has the default shown; a system without these sections gets them all.
#include <filesystem>

#include "mesh/system_config.hpp"
#include "sim/channel_spec.hpp"
#include "sim/clock_spec.hpp"
#include "sim/router_spec.hpp"

namespace wafersim::compiler {

struct TileComputeSpec {
  int array = 32;
  double vector_flops_per_cycle = 64;
  double sram_kib = 1024;
  int task_overhead_cycles = 16;

  double macs_per_cycle() const { return static_cast<double>(array) * array; }
  double sram_bytes() const { return sram_kib * 1024.0; }
  // Cycles for C[m x n] += A[m x k] B[k x n] on the array: ceil(m/a) x ceil(n/a) output tiles,
  // each streaming k operands plus a fill/drain of a cycles.
  std::uint64_t matmul_cycles(std::int64_t m, std::int64_t k, std::int64_t n) const;
  std::uint64_t vector_cycles(double flops) const;
  static TileComputeSpec from_yaml(const YamlNode& node);
};

struct IoSpec {
  double bandwidth_tb_s = 4.0;
  double latency_ns = 500;
  double memory_gb = 12000;
  double bytes_per_ps_per_side() const { return bandwidth_tb_s / 4.0; }  // 1 TB/s = 1 byte/ps
  static IoSpec from_yaml(const YamlNode& node);
};

struct WaferSystem {
  std::filesystem::path file;
  mesh::SystemConfig mesh;
  sim::RouterSpec router;
  sim::ChannelSpec channels;
  sim::ClockSpec clock;
  int packet_flits = 16;
  TileComputeSpec compute;
  IoSpec io;

  double frequency_hz() const { return clock.frequency_ghz * 1e9; }
  static WaferSystem from_yaml(const YamlNode& root);
  static WaferSystem load(const std::filesystem::path& file, const ConfigMount& mount = {});  // mount: for --set
};

}  // namespace wafersim::compiler
