#pragma once
// The cycle engine's plain records (sim/engine.hpp has the layout they serve): the packet, the
// flit, one input VC's hot state, the upstream's credit view of a downstream VC, a router's
// per-node summary, and the multicast bookkeeping. Private to the engine (sim/engine.cpp and the
// headers beside this one): they are sized for a wafer with ~10^6 routers, so every byte counts,
// and their static_asserts say what layout the speed depends on.
#include <cstdint>
#include <limits>

#include "sim/multicast.hpp"

// Hidden: the engine's private parts are no symbols of the shared library, so a call the compiler
// does not inline is a direct call, never a PLT hop (sim/engine.cpp).
#pragma GCC visibility push(hidden)
namespace wafersim::sim::engine_impl {

constexpr int kPorts = 5;  // north, west, east, south, local (mesh/routing.hpp)
constexpr std::uint32_t kNone = 0xffffffffu;
constexpr std::uint64_t kNever = std::numeric_limits<std::uint64_t>::max();
constexpr std::uint8_t kNoVc = 0xff;
// A flit's or packet's dst with this bit set names a multicast group (the rest is its index):
// node ids stay below 2^31 (checked).
constexpr std::uint32_t kMcBit = 0x80000000u;
// An input VC's pipeline state: no head routed, head routed and waiting for an output VC, output
// VC held (its flits compete for the switch).
enum : std::uint8_t { kIdle = 0, kWaitVc = 1, kActive = 2 };
// Cycle stamps are 32-bit; stop well before they wrap.
constexpr std::uint64_t kMaxCycle = (std::uint64_t{1} << 32) - (std::uint64_t{1} << 24);

// A packet's record, 28 bytes: a saturated wafer-scale network holds tens of millions of them.
// Times are cycles of the source's clock.
struct Packet {
  std::uint32_t src = 0, dst = 0;
  std::uint32_t created = 0;   // creation cycle
  std::uint32_t injected = 0;  // cycle its head entered the injection channel
  std::uint32_t seq = 0;       // per-source creation order (low 32 bits)
  std::uint16_t size = 1;
  std::uint16_t ejected_flits = 0;
  std::uint16_t hops = 0;
  std::uint8_t measured = 0;
};
static_assert(sizeof(Packet) == 20 + 8, "compact packet record");

// A flit: its packet, the cycle from which it is usable, and what routing needs,
// so that a packet's record is touched only when it is made and when it is ejected.
struct Flit {
  std::uint32_t pkt;
  std::uint32_t ready;
  std::uint32_t dst;
  std::uint16_t hops;  // router-to-router links the packet's head has taken so far
  std::uint8_t head, tail;
};

// One input VC's hot state in one record: the buffer's counters, the pipeline state of the packet
// at its front, and the front flit itself. The ring `buf` holds only the flits behind the front, so
// at low load (queues of 0 or 1 flit) a router reads and writes no buffer slot at all: the flit
// arrives in, and leaves from, the record the router reads anyway.
struct InVc {
  std::uint32_t written = 0, read = 0;            // flits into / out of the VC (ring index by mask)
  std::uint32_t elig = 0;                         // cycle from which the next stage may run
  std::uint8_t state = 0;                         // kIdle / kWaitVc / kActive
  std::uint8_t out = 0;                           // output VC (port * V + vc) once allocated
  Flit front{};                                   // valid while written != read
};
static_assert(sizeof(InVc) == 32, "two input VCs per cache line");

// The upstream's credit view of one downstream input VC, kept with the upstream (at its output VC
// index) so that a router polling for credits reads only its own memory; the downstream writes
// here once per credit. The local port's entries serve the tile's source (ejection needs none).
struct OutVc {
  std::uint32_t cred_written = 0, cred_read = 0;  // credits sent back / taken up
  std::uint32_t cred_front = 0;                   // arrival cycle of the oldest credit in flight
  std::int32_t credits = 0;                       // free slots downstream, as far as this side knows
};

// A registered multicast (Engine::add_multicast).
struct McGroup {
  std::uint32_t src;
  DestinationSet set;
};

// The branches of the multicast packet at the front of an input VC: the output ports of its tree
// here (bit per port, local included), those that have not yet taken the front flit, and the
// output VC (router-local index) held on each port.
struct McState {
  std::uint8_t ports = 0, pending = 0;
  std::uint8_t vc[kPorts] = {};
};

// A router's per-node summary.
struct Node {
  std::uint64_t nonempty = 0;      // input VCs holding flits
  std::uint64_t ov_free = 0;       // output VCs free for allocation
  std::uint64_t ov_releasing = 0;  // output VCs waiting for their tail's credit (wait_for_tail_credit)
  std::uint32_t flits_held = 0;
  std::uint8_t in_list = 0;        // marked in its domain's active or pending set
};

}  // namespace wafersim::sim::engine_impl
#pragma GCC visibility pop
