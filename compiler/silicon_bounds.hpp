#pragma once
// The silicon's bounds on a compiled plan: for each resource, the least time that resource alone
// needs for the plan's work, set beside the time achieved, and the binding one named by
// measurement (docs/compiler.md, "Bounds").
//
// Resources, for one micro-batch on the tiles the plan uses:
// - tile compute, matmul array: the matmul FLOPs over the tiles' peak (array^2 MACs per cycle at
//   each tile's own clock); vector unit: every other FLOP over the vector units' rate;
// - network, matmul words (any mapping): Irony, Toledo & Tiskin's memory-independent bound. A
//   tile doing a 1/P share of an M x K x N matmul touches at least 3 (MKN/P)^(2/3) elements
//   (Loomis-Whitney) and holds (MK + KN + MN)/P of them, so it receives the rest through its
//   ejection port (one flit per cycle). Summed over the grid matmuls (attention's per-head
//   matmuls are not counted);
// - network as mapped: the busiest tile's injected and ejected bytes (a multicast is injected
//   once and ejected at every member), and the bytes crossing the fabric's middle row and column
//   cuts (each direction over the links that cross it; a multicast tree crosses once per branch);
// - wafer edge I/O: off-wafer bytes over the four sides' bandwidth;
// - SRAM: not a time, but whether the busiest tile's data fits.
// "As mapped" bounds depend on the mapping; the others do not. Every bound is a lower bound on
// the time (resources can overlap), so achieved / bound >= 1 and the largest bound binds.
#include <string>
#include <vector>

#include "compiler/graph.hpp"
#include "compiler/plan.hpp"
#include "compiler/wafer_system.hpp"
#include "mesh/fabric.hpp"
#include "sim/clock_domains.hpp"

namespace wafersim::compiler {

struct ResourceBound {
  std::string resource;  // in words, e.g. "tile compute (matmul array)"
  double bound_s = 0;
  bool as_mapped = false;  // depends on the mapping (else: on the silicon and the model only)
  std::string detail;      // what it counts
};

struct SiliconBounds {
  std::vector<ResourceBound> bounds;
  double achieved_s = 0;
  bool sram_fits = true;
  std::string sram;  // e.g. "fits: 0.31 of 0.50 MiB on the busiest tile"
  // The largest bound.
  const ResourceBound& binding() const;
  // "limited by X, at Y% of its bound (achieved Z x the bound)".
  std::string limited_by() const;
  // One line per resource, for people.
  std::vector<std::string> lines() const;
};

// The work the bounds count: FLOPs by unit, and per region the matmul words its busiest tile must
// receive (bytes).
struct PlanWork {
  double matmul_flops = 0, vector_flops = 0;
  std::vector<double> matmul_words_bytes_per_region;
};
PlanWork plan_work(const Graph& graph, const Plan& plan);

// Elements a tile doing a 1/P share of an M x K x N matmul must receive, at least (above).
double matmul_words_lower_bound(double M, double K, double N, double P);

SiliconBounds plan_bounds(const PlanWork& work, const Plan& plan, const WaferSystem& sys, const mesh::Fabric& fabric,
                          const sim::ClockDomains& clocks, double achieved_ps);
SiliconBounds plan_bounds(const Graph& graph, const Plan& plan, const WaferSystem& sys, const mesh::Fabric& fabric,
                          const sim::ClockDomains& clocks, double achieved_ps);

}  // namespace wafersim::compiler
