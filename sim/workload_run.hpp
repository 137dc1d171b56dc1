#pragma once
// Executes a Workload (sim/workload.hpp) on the cycle engine: tasks run on the tiles' compute units
// (one at a time per tile, in that tile's clock), messages travel as packets through the engine's
// routers, off-wafer messages also queue for an edge I/O channel.
//
// How the two are interleaved: task and I/O completions are events whose times are known when they
// start; packet deliveries are only known once the engine has stepped past them. So the runner
// steps the engine `quantum_cycles` reference cycles at a time while packets are in the network and
// jumps straight to the next event when it is empty. A task made ready by a delivery starts at the
// exact delivery time; a message made ready inside a quantum is injected at the quantum's end, so
// a dependency chain through the network can be late by < quantum cycles per message (1 = exact to
// the cycle).
//
// The breakdown follows the critical path back from the last item to finish: at each item it takes
// the dependency that finished last (or, for a task that waited for its tile, the task before it).
// Time on the path is compute (tasks), on-wafer (a message's zero-load time: serialization plus the
// hop latency of its longest packet), off-wafer (an I/O channel's transfer time) and waiting
// (queueing: for a busy I/O channel, and the part of a message's time above zero load, which is
// source-queue and network contention).
#include <cstdint>
#include <functional>
#include <vector>

#include "sim/clock_domains.hpp"
#include "sim/engine.hpp"
#include "sim/workload.hpp"

namespace wafersim::sim {

// Categories of WorkItem::category, for per-category totals.
struct WorkloadRunOptions {
  int max_packet_flits = 16;        // a message is cut into packets of at most this many flits
  int quantum_cycles = 1;           // engine steps while packets are in flight (reference cycles)
  // Edge I/O: one channel per side of the wafer (west, east, north, south), each with this
  // bandwidth (bytes per ps, i.e. TB/s) and latency; a message crosses at its edge tile's nearest side.
  double io_bytes_per_ps_per_side = 0.25;
  std::int64_t io_latency_ps = 100000;
  std::int64_t time_limit_ps = std::int64_t{1} << 50;  // give up (deadlock guard)
  // Called after each finished item with (items done, items): for a progress display.
  std::function<void(std::size_t, std::size_t)> on_progress;
};

struct ItemTiming {
  std::int64_t ready_ps = -1, start_ps = -1, end_ps = -1;
  std::uint32_t hops = 0;  // messages: the most hops any of its packets took
};

struct WorkloadBreakdown {
  double compute_ps = 0, on_wafer_ps = 0, off_wafer_ps = 0, waiting_ps = 0;
};

struct WorkloadResult {
  std::int64_t makespan_ps = 0;
  std::vector<ItemTiming> timing;
  WorkloadBreakdown critical_path;
  double tile_busy_ps = 0;              // sum over tiles of task time
  std::uint64_t packets = 0, flits = 0;  // injected (a multicast packet once)
  std::uint64_t delivered_flits = 0;     // flits that reached a destination (a multicast's once per member)
  double flit_hops = 0;                  // sum over deliveries of hops x flits (mean hops = / delivered_flits)
  Stats stats;                          // the engine's counters for the whole run
  // Ctrl-C (core/interrupt.hpp) stopped the run after items_done of the items: makespan_ps is the
  // time reached, and critical_path is empty.
  bool interrupted = false;
  std::size_t items_done = 0;
};

// The engine must be fresh (or drained) and in trace mode with record_deliveries on.
WorkloadResult run_workload(Engine& engine, const mesh::Fabric& fabric, const ClockDomains& clocks, const Workload& workload,
                            const EngineOptions& engine_options, const WorkloadRunOptions& options);

}  // namespace wafersim::sim
