#pragma once
// The traffic a NoC run offers:
//
//   traffic:
//     pattern: uniform          # sim/traffic_pattern.hpp (or trace)
//     rate: 0.05                # offered load, flits per node per cycle (BookSim's injection_rate
//                               #   with injection_rate_uses_flits = 1)
//     packet_size: 1            # flits per packet
//     injection: bernoulli      # bernoulli: each cycle a packet with probability rate/packet_size
//                               # bursty: two-state Markov on/off source (BookSim's on_off):
//     burst_length: 8           #   mean cycles in the on state
//     on_rate: 1.0              #   flits per cycle offered while on (>= rate)
//     trace: traces/x.csv       # pattern trace: the file (relative to the config), see sim/trace.hpp
//     ...                       # pattern keys (self_destinations, hotspots, hotspot_fraction)
//
// A node's packets are made one after another into an unbounded source queue, as in BookSim, so
// the measured latency includes source queueing. Each node draws from its own random stream, so
// results do not depend on the order nodes are stepped in.
#include <filesystem>
#include <string>
#include <vector>

#include "core/yaml_reader.hpp"

namespace wafersim::sim {

struct TrafficSpec {
  enum class Injection { kBernoulli, kBursty };
  std::string pattern = "uniform";
  double rate = 0.05;
  int packet_size = 1;
  Injection injection = Injection::kBernoulli;
  double burst_length = 8.0;
  double on_rate = 1.0;
  std::filesystem::path trace_file;  // set when the traffic is a trace (pattern: trace)
  YamlNode node;  // the section itself, for the pattern's own keys

  // The keys of a traffic section that `pattern` does not take: what belonged to the section's
  // own pattern (hotspots, self_destinations, a trace file). `noc --traffic P` removes them.
  static std::vector<std::string> keys_not_taken_by(const YamlNode& traffic, const std::string& pattern);
  static TrafficSpec from_yaml(const YamlNode& node, const std::filesystem::path& config_dir);

  // A trace replays recorded packets instead of drawing them from a pattern at a rate: it has no
  // rate to sweep or warm up to. "trace" is the one pattern name that is not a registry entry.
  static constexpr const char* kTracePattern = "trace";
  bool is_trace() const { return !trace_file.empty(); }
};

}  // namespace wafersim::sim
