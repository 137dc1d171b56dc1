#pragma once
// Single-router co-simulation: the Verilated RTL router and the engine's router model side by side
// under one seeded constrained-random stimulus, a scoreboard comparing every output pin every
// cycle (flit word with its port and VC, credit masks).
//
// Stimulus (the same pins drive both routers): an upstream driver per input port sends packets of
// 1..6 flits on VCs it holds credits for, interleaving packets across VCs flit by flit, at a load
// of `load` flits per port per cycle; destinations are drawn among those legal for the port under
// dimension-order routing (xy configurations) or anywhere (table configurations, whose table is
// random: every (port, destination) entry a random set of output VCs, U-turns included). A
// downstream model per output port returns each flit's credit with probability `drain` per cycle,
// so buffers fill and credits run out.
//
// Must be run in a process of its own (rtl/isolated.hpp): SystemC elaborates once per process.
#include <cstdint>
#include <string>

#include <nlohmann/json.hpp>

namespace wafersim::rtl {

struct RouterCosimOptions {
  std::string config = "booksim";  // rtl_router_configs()
  std::uint64_t cycles = 1000000;
  std::uint64_t seed = 1;
  double load = 0.7;
  double drain = 0.6;
  int window = 40;          // cycles of waveform around a mismatch (before and after)
  std::string out_dir;      // where a mismatch's waveform goes ("" = not written)
  bool progress = false;    // progress on stderr
};

// {"block", "config", "pass", "cycles", "flits_in", "flits_out", "mismatches", "first_mismatch": {cycle,
//  signal, rtl, model}, "waveform", "coverage": {...}, "seconds", "cycles_per_s"}
nlohmann::json run_router_cosim(const RouterCosimOptions& options);

}  // namespace wafersim::rtl
