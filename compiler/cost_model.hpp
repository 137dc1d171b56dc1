#pragma once
// The analytic cost model of a plan: the same items, resources, clocks and scheduling rules as the
// cycle engine's run (sim/workload_run.hpp), with the network replaced by a flow-level model.
//
// Scheduling, as in the runner: an item is ready when its dependencies are done; each tile runs its
// ready tasks one at a time, earliest ready first, on its own clock's edges; an off-wafer leg holds
// its side's I/O channel for bytes / bandwidth, plus latency.
//
// The network, per message (its flits F, in one block): it queues FIFO at its source's injection
// port; then hop by hop, the head takes the router pipeline and the link latency, and the message
// occupies each link on its route, and finally the destination's ejection port, for F cycles in the
// first free gap at or after the head's arrival (links and ports keep their busy intervals). The
// route follows the system's routing function; where it offers a choice (duato's adaptive class),
// the model takes the link that frees first, as the engine's adaptive routers do by credits. With
// no other traffic this is the zero-load latency exactly (docs/noc.md).
//
// What it leaves out is what the engine adds: wormhole blocking (a stalled packet holds buffers,
// and so links, behind it; the model's links never wait on downstream ones), packets of different
// messages interleaving, VC and switch allocation conflicts, and clock-domain synchronizers.
#include "compiler/plan.hpp"
#include "mesh/routing.hpp"
#include "sim/clock_domains.hpp"
#include "sim/engine.hpp"
#include "sim/workload_run.hpp"

namespace wafersim::compiler {

struct PlanEstimate {
  double makespan_ps = 0;
  sim::WorkloadBreakdown critical_path;
  double link_busy_max_ps = 0;  // the busiest link's occupied time (the bandwidth bound on the step)
  std::vector<double> end_ps;   // per item: when it finishes
  // Over the flits of on-wafer message legs: mean hops of the routes taken, and mean Manhattan
  // distance (weighted by flits, so comparable with the engine's mean over delivered flits).
  double hops_mean = 0, manhattan_mean = 0;
};

PlanEstimate analytic_estimate(const sim::Workload& w, const mesh::Routing& routing, const sim::ClockDomains& clocks,
                               const sim::EngineOptions& engine, const sim::WorkloadRunOptions& run);

// A lower bound on analytic_estimate's makespan, in one pass over the items and without routing:
// no tile is done before it has run its tasks' cycles one after another on its clock, sent every
// flit it injects (a multicast counts once), or taken in every flit delivered to it, one flit per
// cycle through its injection and ejection ports (less the last flit's cycle); and no chain of
// dependent items is done before its tasks' cycles and its messages' zero-load latencies over
// routes of Manhattan length, one after another; nor any cut between two rows or columns of the
// fabric before the flits that must cross it one way have gone over its links that way, one flit
// per link per cycle (whatever the routes). `matmul_mapping: auto` uses it to leave out
// candidates that cannot beat the best one costed so far.
double makespan_lower_bound_ps(const sim::Workload& w, const mesh::Routing& routing, const sim::ClockDomains& clocks,
                               const sim::EngineOptions& engine);

}  // namespace wafersim::compiler
