#pragma once
// The channels (links) between routers and between a router and its tile:
//
//   channels:
//     flit_bytes: 16              # channel width: one flit of this many bytes per cycle
//     latency: 1                  # cycles on a link between neighbouring tiles
//     extra_latency_per_tile: 1   # added cycles per tile of length beyond one (repair's bypass
//                                 #   links are longer; the total is rounded up)
//     reticle_stitch_latency: 0   # added cycles on a link that crosses a reticle-field boundary
//     injection_latency: 1        # tile -> router: from the cycle the source sends a flit (a head:
//                                 #   its creation cycle, if the source queue is empty) to the
//                                 #   flit being usable in the router (BookSim2: its injection
//                                 #   channel latency + 1, docs/noc.md "Side by side with BookSim2")
//     ejection_latency: 1         # router -> tile: from the flit entering the channel after ST to
//                                 #   its ejection (BookSim2: its ejection channel latency)
//     energy_pj_per_bit_mm: 0.1   # reported link energy (not a timing input)
//
// Latencies are in cycles of the sending router's clock and must be >= 1: a flit sent at a cycle
// is never usable in the same cycle, which is what makes the engine's result independent of the
// order (and the thread) in which routers are stepped.
#include <cstdint>

#include "core/yaml_reader.hpp"
#include "mesh/fabric.hpp"

namespace wafersim::sim {

// Energy of on-chip global wires: ~0.1 pJ/bit/mm for repeated wires at 7 nm-class nodes
// (W. Dally, "On the model of computation", CACM 65(9), 2022: ~80 fJ/bit/mm; we round up).
inline constexpr double kDefaultWireEnergyPjPerBitMm = 0.1;

struct ChannelSpec {
  int flit_bytes = 16;
  int latency = 1;
  double extra_latency_per_tile = 1.0;
  int reticle_stitch_latency = 0;
  int injection_latency = 1;
  int ejection_latency = 1;
  double energy_pj_per_bit_mm = kDefaultWireEnergyPjPerBitMm;

  // Cycles on a link `length_tiles` long (>= 1), crossing a reticle boundary or not.
  int link_latency(int length_tiles, bool crosses_reticle) const;
  // Cycles on the link leaving `node` through `port` (mesh::Port 0-3) of a fabric (its length and
  // reticle crossing are stored on the link's west / north end).
  int link_latency(const mesh::Fabric& fabric, std::uint32_t node, int port) const;

  static ChannelSpec from_yaml(const YamlNode& node);
};

}  // namespace wafersim::sim
