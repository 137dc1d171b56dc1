#pragma once
// The clock-domain-crossing FIFO (rtl/sv/cdc_fifo.sv) between two sc_clocks of different period
// and phase, against the engine's clock-crossing rule (docs/noc.md "Crossing"): a word written at
// write edge t is usable at read edge first_edge_at_or_after(t) + synchronizer_stages, computed
// with sim::ClockDomains itself.
//
// Two phases: a latency phase (one word in flight at a time, written after a random gap, so that
// every phase relation between the clocks is sampled and no word queues behind another) compared
// word by word, and a stress phase (random writes and reads on both sides, full and empty hit)
// checking that every word arrives once, in order, unchanged.
//
// Must be run in a process of its own (rtl/isolated.hpp).
#include <cstdint>

#include <nlohmann/json.hpp>

namespace wafersim::rtl {

struct CdcCosimOptions {
  std::int64_t write_period_ps = 1000, write_phase_ps = 0;
  std::int64_t read_period_ps = 1370, read_phase_ps = 290;
  std::uint64_t words = 20000;  // in each phase
  std::uint64_t seed = 1;
};

nlohmann::json run_cdc_cosim(const CdcCosimOptions& options);

}  // namespace wafersim::rtl
