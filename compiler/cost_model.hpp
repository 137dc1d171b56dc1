#pragma once
// The analytic cost model of a plan: the same items, resources and clocks as the cycle engine,
// with the network replaced by a formula. Each tile's compute unit runs its tasks in plan order; a
// message holds its source's injection port and its destination's ejection port for one cycle per
// flit and takes the zero-load latency (docs/noc.md) over the Manhattan distance; an off-wafer leg
// holds its edge side's I/O channel for bytes / bandwidth, plus latency. What it leaves out is
// exactly what the engine adds: contention inside the network (two packets wanting one link or
// buffer), detours around dead routers, longer bypass links, and clock-crossing synchronizers.
#include "compiler/plan.hpp"
#include "mesh/fabric.hpp"
#include "sim/clock_domains.hpp"
#include "sim/engine.hpp"
#include "sim/workload_run.hpp"

namespace wafersim::compiler {

struct PlanEstimate {
  double makespan_ps = 0;
  sim::WorkloadBreakdown critical_path;
};

PlanEstimate analytic_estimate(const sim::Workload& w, const mesh::Fabric& fabric, const sim::ClockDomains& clocks,
                               const sim::EngineOptions& engine, const sim::WorkloadRunOptions& run);

}  // namespace wafersim::compiler
