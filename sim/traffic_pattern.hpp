#pragma once
// Synthetic traffic patterns: where a packet made at a node goes. Chosen by name
// (`traffic.pattern`), each one file under impl/ (the BookSim2 names where there is one):
//
//   uniform     uniform over the working tiles that the source can reach (itself included unless
//               `self_destinations: false`; BookSim's uniform includes it)
//   transpose   (r, c) -> (c, r); needs a square array
//   bitcomp     (r, c) -> (rows-1-r, cols-1-c): BookSim's bit complement for power-of-two sizes
//   bitrev      node index with its bits reversed; needs a power-of-two node count
//   hotspot     `hotspot_fraction` of packets to one of `hotspots` ([[row, col], ...]), uniformly;
//               the rest uniform
//   neighbor    one of the working mesh neighbours with a working link, uniformly
//   trace       packets from a file (sim/trace.hpp); no pattern or injection process
//
// On a fabric with holes a permutation may name a dead or unreachable tile: such packets are not
// made, and the run reports how many were suppressed. Coordinates are the fabric's logical ones.
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "core/random.hpp"
#include "core/registry.hpp"
#include "core/yaml_reader.hpp"
#include "mesh/fabric.hpp"

namespace wafersim::sim {

inline constexpr std::uint32_t kNoDestination = 0xffffffffu;

// What patterns may look at: the fabric and which tiles can exchange packets.
struct TrafficContext {
  const mesh::Fabric* fabric = nullptr;
  // Per node: connected piece of working routers (kNoDestination for a dead router).
  std::vector<std::uint32_t> component;
  // Per piece: its endpoints (working tiles), in node order.
  std::vector<std::vector<std::uint32_t>> endpoints_of;
  bool reachable(std::uint32_t src, std::uint32_t dst) const {
    return fabric->endpoint(dst) && component[dst] != kNoDestination && component[dst] == component[src];
  }
  static TrafficContext build(const mesh::Fabric& fabric);
};

class TrafficPattern {
 public:
  virtual ~TrafficPattern() = default;
  // The destination of the next packet from `src`, or kNoDestination. Called once per packet.
  virtual std::uint32_t destination(std::uint32_t src, Rng& rng) const = 0;
};

using TrafficFactory = std::function<std::unique_ptr<TrafficPattern>(const TrafficContext& ctx, const YamlNode& traffic)>;

struct TrafficPatternEntry {
  std::string name;
  std::string summary;
  std::vector<std::string> keys;  // pattern-specific keys of the traffic section
  TrafficFactory create;
};
using TrafficPatternRegistry = Registry<TrafficPatternEntry>;
using RegisterTrafficPattern = Registration<TrafficPatternEntry>;

// Uniform over the endpoints reachable from `src` (optionally not `src` itself).
std::uint32_t uniform_destination(const TrafficContext& ctx, std::uint32_t src, bool self, Rng& rng);

}  // namespace wafersim::sim
