// Fuzzes the packet-trace reader (sim::load_trace): any byte string must either load, or be
// rejected with an InputError. Anything else (a crash, a sanitizer report, another exception type,
// a hang) is a finding. The trace is read against two 6 x 6 fabrics (the size tests/cli's NoC tests
// use): a fault-free one, and one with a dead router at (2, 2), a dead compute at (0, 3) and the
// corner (5, 5) cut off (dead routers at (4, 5) and (5, 4)), so that "not a working tile" and "not
// reachable" are reachable. A trace that loads on the fault-free mesh is run through the cycle
// engine (xy routing, invariant checks on) for a bounded 400 cycles, as `wafersim noc` would.
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "core/input_error.hpp"
#include "core/yaml_reader.hpp"
#include "fuzz_util.hpp"
#include "mesh/defect_map.hpp"
#include "mesh/fabric.hpp"
#include "mesh/repair.hpp"
#include "mesh/routing.hpp"
#include "mesh/system_config.hpp"
#include "mesh/wafer.hpp"
#include "sim/clock_domains.hpp"
#include "sim/engine.hpp"
#include "sim/trace.hpp"
#include "sim/traffic_pattern.hpp"

namespace {

using namespace wafersim;

constexpr std::int64_t kPeriodPs = 1000;
constexpr std::int64_t kRunCycles = 400;

struct Network {
  mesh::SystemConfig config;
  mesh::Wafer wafer;
  mesh::DefectMap map;
  mesh::Fabric fabric;
  std::unique_ptr<mesh::Routing> routing;
  std::unique_ptr<sim::ClockDomains> clocks;
  sim::TrafficContext ctx;

  explicit Network(bool holes)
      : config(mesh::SystemConfig::from_yaml(YamlNode::parse(
            "wafer: {tile: {width_mm: 1, height_mm: 1}, placement: rectangle, edge_exclusion_mm: 0, rows: 6, cols: 6}\n"
            "repair: {strategy: none}\n",
            "fuzz-system.yaml"))),
        wafer(config.wafer),
        map(make_map(wafer, holes)),
        fabric(config.repair.impl->repair(wafer, map)),
        routing(mesh::RoutingRegistry::instance().find("xy")->create(fabric)),
        clocks(std::make_unique<sim::ClockDomains>(sim::ClockDomains::single(fabric.nodes(), kPeriodPs))),
        ctx(sim::TrafficContext::build(fabric)) {}

  static mesh::DefectMap make_map(const mesh::Wafer& w, bool holes) {
    mesh::DefectMap m(w);
    if (holes) {
      m.kill_router(w.id(2, 2));
      m.kill_compute(w.id(0, 3));
      m.kill_router(w.id(4, 5));
      m.kill_router(w.id(5, 4));
    }
    return m;
  }
};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static fuzz::TempInput file("trace", ".csv");
  static const Network clean(false);
  static const Network holed(true);
  const auto& path = file.write(data, size);
  try {
    std::vector<sim::TracePacket> packets = sim::load_trace(path, clean.ctx);
    fuzz::note("loaded on the fault-free mesh", std::to_string(packets.size()) + " packets");
    sim::EngineOptions options;
    options.check_invariants = true;
    sim::Engine engine(clean.fabric, *clean.routing, *clean.clocks, options);
    engine.set_trace(std::move(packets));
    engine.set_window(0, kRunCycles * kPeriodPs);
    engine.run_until(kRunCycles * kPeriodPs);
  } catch (const InputError& e) {
    fuzz::note("rejected on the fault-free mesh", e.what());
  }
  try {
    fuzz::note("loaded on the mesh with holes", std::to_string(sim::load_trace(path, holed.ctx).size()) + " packets");
  } catch (const InputError& e) {
    fuzz::note("rejected on the mesh with holes", e.what());
  }
  return 0;
}
