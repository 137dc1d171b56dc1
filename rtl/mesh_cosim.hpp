#pragma once
// A 4 x 4 mesh in SystemC whose chosen routers are the Verilated RTL and the rest the engine's
// router model, wired with 1-cycle channels, with a traffic source and sink per tile that behave
// exactly as the engine's (docs/noc.md: packets made when the previous has left, a VC picked
// round-robin among those with a credit, one flit per cycle). The same packet trace runs through
// the fast engine (sim/engine.hpp, all C++); every packet's latency must be identical.
//
// Must be run in a process of its own (rtl/isolated.hpp).
#include <cstdint>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace wafersim::rtl {

struct MeshCosimOptions {
  std::string config = "booksim";      // RTL router configuration (its routing: xy, or up_down through the table)
  std::vector<int> rtl_nodes = {0, 5, 6, 9, 10, 15};  // row * 4 + col
  std::uint64_t traffic_cycles = 20000;  // packets are created in [0, traffic_cycles)
  double rate = 0.08;                    // packets per tile per cycle (1..4 flits each, uniform destinations)
  std::uint64_t seed = 1;
  bool progress = false;
};

// {"block": "mesh", "pass", "packets", "identical", "first_difference": {...}, "latency_mean", ...}
nlohmann::json run_mesh_cosim(const MeshCosimOptions& options);

}  // namespace wafersim::rtl
