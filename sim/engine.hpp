#pragma once
// The cycle engine: input-queued VC routers (sim/router_spec.hpp) joined by channels
// (sim/channel_spec.hpp) on a repaired Fabric, each router clocked by its ClockDomain, with a
// traffic source and sink at every working tile.
//
// How it is laid out, and why it is fast (docs/architecture.md, engine principles):
// - Flat arrays of small records. Input VC v of port p at node n is index (n * 5 + p) * num_vcs + v
//   into flat arrays. Its 32-byte record holds the buffer counters, the pipeline state and the
//   front flit itself (16 bytes: packet, usable cycle in the receiver's clock, destination, hops,
//   head/tail); the flits behind the front sit in a pooled ring of vc_buf_size slots, so at low
//   load a router touches no ring slot at all.
// - A channel is explicit (latency per link, per direction) but holds no storage of its own: a flit
//   sent over it is written straight into the downstream buffer slot its credit reserved, stamped
//   with its arrival cycle; a credit is written into the upstream's credit ring likewise. Every
//   latency is >= 1 cycle, so nothing written at a cycle is visible in that cycle: stepping order
//   cannot change a result.
// - Only active routers are stepped: those holding flits or whose source has a packet due. A
//   source with nothing due sleeps in its domain's wake-up heap until its next packet's creation
//   cycle; a domain with nothing to do costs nothing until it is woken. The clock of an idle
//   single-domain network jumps straight to the next creation.
// - No allocation per flit (packets come from a free list) and no virtual call per flit: the
//   allocators are function pointers chosen once, xy routing is computed inline, and other
//   routing algorithms are asked once per head flit per hop.
//
// Time is integer picoseconds: domain d's edges are phase_d + k * period_d; everything a router
// does happens at its edges. Per-domain cycle counters are 32-bit: a run is limited to ~4.29e9
// cycles of any domain (checked).
#include <cstdint>
#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

#include "core/random.hpp"
#include "mesh/fabric.hpp"
#include "mesh/routing.hpp"
#include "sim/allocator.hpp"
#include "sim/channel_spec.hpp"
#include "sim/clock_domains.hpp"
#include "sim/multicast.hpp"
#include "sim/router_spec.hpp"
#include "sim/stats.hpp"
#include "sim/trace.hpp"
#include "sim/traffic_pattern.hpp"
#include "sim/traffic_spec.hpp"

namespace wafersim::sim {

// A broken engine invariant found in check mode (credits < 0, buffer overflow, a packet's flits
// out of order or duplicated): a bug, never an input problem.
struct InvariantError : std::logic_error {
  using std::logic_error::logic_error;
};

struct EngineOptions {
  RouterSpec router;
  ChannelSpec channels;
  int synchronizer_stages = 2;
  double tile_pitch_x_mm = 1.0;  // link lengths for the energy figure
  double tile_pitch_y_mm = 1.0;
  std::uint64_t seed = 1;
  // Threads, each stepping a band of rows (at most one per row, <= 64). Results are identical for
  // every count; more than 1 pays only where a step has enough routers to share (large meshes).
  int threads = 1;
  // The engine's state must fit in this (0: core/allocator.hpp's usable_memory_bytes()); a larger
  // one is refused before it is allocated.
  std::size_t memory_limit_bytes = 0;
  bool check_invariants = false;  // verify every credit, buffer and packet (slower; for tests)
  bool record_deliveries = false; // keep a log of every delivered packet (for tests)
};

struct Delivery {
  std::uint32_t src, dst;
  std::uint64_t seq;  // per-source creation order
  std::int64_t created_ps, ejected_ps;
  std::uint32_t hops, flits;
};

class Engine {
 public:
  Engine(const mesh::Fabric& fabric, const mesh::Routing& routing, const ClockDomains& clocks, const EngineOptions& options);
  ~Engine();
  Engine(const Engine&) = delete;
  Engine& operator=(const Engine&) = delete;

  // Synthetic traffic (pattern from the registry) at every working tile. `ctx` must outlive the engine.
  void set_traffic(const TrafficSpec& spec, const TrafficContext& ctx);
  // Trace-driven traffic (replaces synthetic traffic).
  void set_trace(std::vector<TracePacket> packets);
  // Workload-driven traffic (sim/workload_run.hpp): after set_trace({}), packets are added while
  // the engine runs. The packet is created at the first edge of src's clock at or after t_ps, and
  // never before now_ps(); a source sends its packets in the order they were injected. Its delivery
  // carries seq = the number of packets src made before it.
  void inject(std::uint32_t src, std::uint32_t dst, std::uint32_t flits, std::int64_t t_ps);
  // Multicast (sim/multicast.hpp), in workload mode like inject(). add_multicast() registers a
  // destination set from src and returns its id; inject_multicast() sends one packet of it, which
  // the routers replicate along the set's XY tree on routing.multicast_class(), one delivery per
  // member (each with src's next seq, the same for every member). Multicast is virtual cut-through:
  // a packet has at most router.vc_buf_size flits (docs/noc.md). Throws std::invalid_argument
  // when the routing carries no trees, when a member is not a working tile other than src, or
  // when a member's XY route is broken (split the set with split_by_tree() first).
  std::uint32_t add_multicast(std::uint32_t src, DestinationSet set);
  // The members a tree from src reaches (all of them on an intact fabric) and those that must go
  // as unicasts: every member where the routing carries no trees.
  TreeSplit split_multicast(std::uint32_t src, const std::vector<std::uint32_t>& members) const;
  void inject_multicast(std::uint32_t group, std::uint32_t flits, std::int64_t t_ps);
  // Forgets the deliveries recorded so far (a long workload run reads and drops them as it goes).
  void clear_deliveries() { deliveries_.clear(); }
  // Packets created in [begin, end) are measured; flits ejected and links used then are counted.
  void set_window(std::int64_t begin_ps, std::int64_t end_ps);
  // Sources make no packets created at or after t (to drain the network).
  void stop_creating_at(std::int64_t t_ps);

  // Sources make packets lazily, when the previous one has left, so a backed-up source has packets
  // created in the window that are not made yet. This adds their flits to flits_offered_in_window
  // (it advances the sources' random streams: call it once, when the run is over). Only creation
  // times before `until_ps` (the end of the simulated part of the window) count.
  void count_unmade_offered(std::int64_t until_ps);

  // Steps every edge with time < t_ps. Returns false when it stopped early because of Ctrl-C
  // (core/interrupt.hpp; polled once a step): now_ps() is then where it stopped.
  bool run_until(std::int64_t t_ps);
  // The time up to which the engine has run.
  std::int64_t now_ps() const { return now_ps_; }

  const Stats& stats() const { return stats_; }
  const std::vector<Delivery>& deliveries() const { return deliveries_; }
  // Flits in buffers and channels, plus flits of packets still being injected (a multicast flit
  // counts once per branch it has been copied to).
  std::uint64_t flits_in_network() const { return stats_.flits_injected + stats_.flits_copied - stats_.flits_ejected; }
  std::uint64_t packets_in_flight() const { return packets_live_; }
  std::int64_t reference_period_ps() const { return clocks_.report.nominal_period_ps; }
  // The input VCs holding flits, one line each (router, port, VC, state, front flit, and a
  // multicast's branches), at most max_lines: what a stalled network is waiting on.
  std::string describe_blocked(std::size_t max_lines = 40) const;
  // Bytes of engine state (buffers, VC state, sources, packet pool).
  std::size_t memory_bytes() const;
  // Sum over the flits sent on router-to-router links in the window of bits x link length (mm):
  // the link energy is this times the wire energy per bit and mm.
  double link_bit_mm() const;
  // Zero-load latency (cycles, single clock) of a packet of `flits` over `hops` router-to-router
  // links of `c.latency` cycles: the formula docs/noc.md gives (hops may be a mean).
  static double zero_load_latency(const RouterSpec& r, const ChannelSpec& c, double hops, int flits);

  // How many of `requested` threads pay on a mesh of `routers` with `cpus` CPUs to run on. Threads
  // meet at three barriers every cycle, so a thread needs a share of the step worth more than a
  // barrier: kRoutersPerThread or more routers (on 2 cores, 2 threads ran a 32 x 32 mesh 1.8x
  // slower than one, and broke even on 64 x 64). And a thread beyond the CPUs waits for a time
  // slice at every barrier: 8 threads on 2 CPUs ran an 8 x 8 mesh 40x slower than one.
  static constexpr std::uint32_t kRoutersPerThread = 2048;
  static int useful_threads(int requested, std::size_t routers, unsigned cpus);

 private:
  struct Impl;
  // Queues a packet (dst: a node, or a multicast group's code) at src for workload mode.
  void push_packet(std::uint32_t src, std::uint32_t dst, std::uint32_t flits, std::int64_t t_ps);
  std::unique_ptr<Impl> impl_;
  const ClockDomains& clocks_;
  Stats stats_;
  std::vector<Delivery> deliveries_;
  std::int64_t now_ps_ = 0;
  std::uint64_t packets_live_ = 0;
};

}  // namespace wafersim::sim
