#pragma once
// Helpers for engine tests: a hand-made mesh, its routing and clocks, and an engine over them.
#include <memory>
#include <string>

#include "../mesh/test_util.hpp"
#include "mesh/routing.hpp"
#include "sim/engine.hpp"

namespace wafersim::sim::testing {

// BookSim2's input-queued router as configs/noc/booksim-like.yaml sets it up.
inline RouterSpec booksim_router() {
  RouterSpec r;
  r.num_vcs = 2;
  r.vc_buf_size = 8;
  r.routing_delay = 0;
  r.vc_alloc_delay = 1;
  r.sw_alloc_delay = 1;
  r.st_final_delay = 1;
  r.credit_delay = 2;
  r.input_speedup = 2;
  r.sw_allocator = "islip";
  r.alloc_iters = 1;
  return r;
}

struct TestNetwork {
  mesh::testing::HandMesh hand;
  mesh::Fabric fabric;
  std::unique_ptr<mesh::Routing> routing;
  std::unique_ptr<ClockDomains> clocks;
  TrafficContext ctx;
  EngineOptions options;

  TestNetwork(int rows, int cols, const std::string& algorithm = "xy", std::vector<std::pair<int, int>> dead = {})
      : hand(rows, cols), fabric(make(hand, dead)) {
    routing = mesh::RoutingRegistry::instance().find(algorithm)->create(fabric);
    clocks = std::make_unique<ClockDomains>(ClockDomains::single(fabric.nodes(), 1000));
    ctx = TrafficContext::build(fabric);
    options.router = booksim_router();
    options.check_invariants = true;
  }
  std::unique_ptr<Engine> engine() const { return std::make_unique<Engine>(fabric, *routing, *clocks, options); }

 private:
  static mesh::Fabric make(mesh::testing::HandMesh& h, const std::vector<std::pair<int, int>>& dead) {
    for (auto [r, c] : dead) h.kill(r, c);
    return h.fabric();
  }
};

inline TrafficSpec traffic(const std::string& pattern, double rate, int packet_size) {
  TrafficSpec t;
  t.pattern = pattern;
  t.rate = rate;
  t.packet_size = packet_size;
  t.node = YamlNode::parse("pattern: " + pattern, "test.yaml");
  return t;
}

}  // namespace wafersim::sim::testing
