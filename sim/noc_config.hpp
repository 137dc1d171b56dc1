#pragma once
// A NoC experiment (configs/noc/*.yaml): which system, the router and channels, the clocks, the
// traffic, how to measure, and which injection rates a sweep visits.
//
//   name: booksim-like
//   description: ...
//   system: ../systems/mesh-8x8.yaml   # a system config (relative to this file); its defects are
//                                      #   drawn with `seed`, repaired and routed as it says
//   routing: {algorithm: duato}        # optional: overrides the system's routing
//   seed: 1                            # defect map, clock phases and traffic
//   router: {...}                      # sim/router_spec.hpp
//   channels: {...}                    # sim/channel_spec.hpp
//   clock: {...}                       # sim/clock_spec.hpp
//   traffic: {...}                     # sim/traffic_spec.hpp
//   measurement:
//     warmup_cycles: 10000             # run before the window (reference cycles); 0 by default for trace traffic
//     measure_cycles: 10000            # the window: packets created in it are measured
//     max_drain_cycles: 100000         # after the window, wait at most this long for them
//     latency_threshold_cycles: auto   # mean latency above it = saturated (BookSim's latency_thres);
//                                      #   auto: 500 + 10 x zero-load latency at the mean distance
//     deadlock_cycles: 5000            # no flit moving for this long with flits inside = deadlock
//   sweep:
//     rates: [0.01, 0.02, ...]         # or {from: 0.01, to: 0.5, step: 0.01}
//     stop_at_saturation: true         # the rates above the first saturated one are not run
#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "core/yaml_reader.hpp"
#include "mesh/system_config.hpp"
#include "sim/channel_spec.hpp"
#include "sim/clock_spec.hpp"
#include "sim/router_spec.hpp"
#include "sim/traffic_spec.hpp"

namespace wafersim::sim {

struct MeasurementSpec {
  std::uint64_t warmup_cycles = 10000;
  std::uint64_t measure_cycles = 10000;
  std::uint64_t max_drain_cycles = 100000;
  std::uint64_t latency_threshold_cycles = 0;  // 0 = auto
  std::uint64_t deadlock_cycles = 5000;
  bool stop_when_saturated = true;  // false: run every cycle asked for and only report (--cycles)
  static constexpr std::uint64_t kMaxMeasureCycles = 4'000'000'000;  // a scale run's window (--cycles)
  static MeasurementSpec from_yaml(const YamlNode& node);
};

struct NocConfig {
  std::string name;
  std::string description;
  std::filesystem::path file;
  std::filesystem::path system_file;
  mesh::SystemConfig system;
  std::optional<mesh::RoutingSpec> routing_override;
  std::uint64_t seed = 1;
  RouterSpec router;
  ChannelSpec channels;
  ClockSpec clock;
  TrafficSpec traffic;
  MeasurementSpec measurement;
  std::vector<double> sweep_rates;
  bool stop_at_saturation = true;
  int threads = 1;  // engine threads: a property of the run, not the system (CLI --threads)

  // `mount`: where the file sits in the command's config tree, for --set; its system file is under
  // mount.system.
  static NocConfig load(const std::filesystem::path& file, const ConfigMount& mount = {});
};

}  // namespace wafersim::sim
