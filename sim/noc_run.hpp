#pragma once
// One NoC measurement the way the reference simulators make it (BookSim2's discipline): run a
// warm-up, measure the packets created in a window, then keep the sources running while those
// packets drain. It stops early and says "saturated" when the mean latency of the measured packets
// passes the threshold or they do not drain in time, and "deadlock" when flits sit in the network
// and none moves for deadlock_cycles.
#include <memory>
#include <string>

#include "mesh/routing.hpp"
#include "mesh/wafer.hpp"
#include "mesh/yield_study.hpp"
#include "sim/clock_domains.hpp"
#include "sim/engine.hpp"
#include "sim/noc_config.hpp"
#include "sim/stats.hpp"
#include "sim/traffic_pattern.hpp"

namespace wafersim::sim {

// The system a NoC run is set on: one wafer drawn with the config's seed, repaired and routed.
struct NocNetwork {
  explicit NocNetwork(const NocConfig& config);
  mesh::Wafer wafer;
  mesh::WaferSample sample;
  std::unique_ptr<mesh::Routing> routing;
  std::unique_ptr<ClockDomains> clocks;
  TrafficContext ctx;
  std::size_t routers = 0;  // working routers
};

struct NocResult {
  std::string status = "ok";  // ok | saturated | deadlock | interrupted | undrained (fixed-length run)
  std::string status_detail;
  double offered = 0.0;       // flits/node/cycle created in the window (per working tile)
  double accepted = 0.0;      // flits/node/cycle ejected in the window
  double latency_mean = 0.0;  // reference cycles, measured packets
  double latency_p50 = 0.0, latency_p99 = 0.0, latency_max = 0.0;
  double network_latency_mean = 0.0;
  double hops_mean = 0.0;
  double link_utilization_max = 0.0, link_utilization_mean = 0.0;  // flits/cycle over the window
  double link_energy_pj = 0.0, link_power_mw = 0.0;
  double zero_load_latency = 0.0;  // formula at the mean hop count measured (single clock)
  std::uint64_t packets_measured = 0, packets_delivered = 0, packets_suppressed = 0;
  std::uint64_t flit_crossings = 0, credit_crossings = 0;  // between clock domains, in the window
  std::uint64_t cycles = 0;           // reference cycles simulated
  double window_cycles = 0.0;         // of the measurement window actually run
  double wall_seconds = 0.0;
  double router_cycles_per_second = 0.0;  // working routers x cycles / wall time
  std::size_t engine_bytes = 0;
  Stats stats;
};

// Latency threshold (cycles) for saturation: the configured one, or 500 + 10 x the zero-load
// latency at the mean distance of uniform traffic, (rows + cols) / 3 hops.
std::uint64_t latency_threshold(const NocConfig& config, const mesh::Fabric& fabric);

NocResult run_noc(const NocNetwork& net, const NocConfig& config, const TrafficSpec& traffic);

}  // namespace wafersim::sim
