#pragma once
// The engine's router (sim/engine.cpp, docs/noc.md) as a pin-level cycle model of one router: the
// C++ side of the RTL co-simulation. It follows the engine's step_router() stage for stage (RC,
// VA, SA in that order within a cycle; the same pipeline delays, credit rules and output-VC
// release) and calls the engine's own allocators (sim/allocator.hpp), but keeps its state per
// router and talks through the pins of rtl/sv/router.sv with the same timing convention:
//   - a flit on in_flit during cycle k is usable from cycle k + 1;
//   - a flit granted the switch in cycle s is on out_flit during s + sw_alloc_delay + st_final_delay,
//     its credit on credit_out during s + credit_delay.
// A mesh of these, wired with 1-cycle channels, delivers every packet at the cycle the engine does
// (rtl/mesh_cosim.hpp checks it packet by packet).
#include <bit>
#include <cstdint>
#include <vector>

#include "rtl/flit.hpp"
#include "sim/allocator.hpp"
#include "sim/router_spec.hpp"

namespace wafersim::rtl {

class RouterModel {
 public:
  // xy routing at (row, col), or (table_routing) the route table: entry port * 256 + dst is the
  // mask of output VCs (bit port * num_vcs + vc) a head from `port` to `dst` may take.
  RouterModel(const sim::RouterSpec& spec, int row, int col, bool table_routing);

  void write_table(int port, int dst, std::uint64_t out_vcs) { table_[static_cast<std::size_t>(port) * 256 + dst] = out_vcs; }

  // The outputs visible during the current cycle (registers).
  void outputs(RouterPins& pins) const;
  // The clock edge ending the current cycle: computes the cycle from the state and `pins`' inputs.
  // Throws std::logic_error when the pins break flow control (a flit into a full buffer, a credit
  // beyond the buffer): the stimulus or the RTL is wrong, not this router.
  void clock(const RouterPins& pins);
  void set_position(int row, int col) { row_ = row; col_ = col; }

 private:
  enum : std::uint8_t { kIdle, kWaitVc, kActive };
  struct InVc {
    std::vector<std::uint32_t> fifo;  // ring of vc_buf_size flits
    int rd = 0, count = 0;
    std::uint8_t state = kIdle;
    std::uint64_t elig = 0;  // cycle from which the next stage may run (as the engine's InVc)
    int out = 0;         // output VC once allocated
    std::uint64_t route = 0;
  };

  std::uint64_t route_of(int port, FlitWord f) const;

  sim::RouterSpec spec_;
  int V_, VP_, S_, row_, col_, sw_delay_;
  bool table_routing_;
  sim::AllocateFn va_fn_, sa_fn_;
  std::uint64_t cycle_ = 0;
  std::vector<std::uint64_t> table_;
  std::vector<InVc> in_;
  std::vector<int> credits_;        // per output VC
  std::uint64_t ov_free_ = 0, ov_releasing_ = 0;
  std::vector<std::uint8_t> va_in_ptr_, va_out_ptr_, sa_in_ptr_, sa_out_ptr_, sa_vc_ptr_;
  std::vector<std::array<std::uint32_t, kPorts>> out_pipe_;     // [sw_delay]: stage 0 is the newest
  std::vector<std::array<std::uint32_t, kPorts>> credit_pipe_;  // [credit_delay]
};

}  // namespace wafersim::rtl
