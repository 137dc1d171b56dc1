// Dimension-order routing: X (east/west) until the column matches, then Y. One VC class.
#include "mesh/routing.hpp"

namespace wafersim::mesh {
namespace {

class XyRouting final : public Routing {
 public:
  using Routing::Routing;
  std::string name() const override { return "xy"; }
  int vc_classes() const override { return 1; }
  int multicast_class() const override { return 0; }  // trees are unions of XY routes
  bool needs_whole_mesh() const override { return true; }
  bool dimension_order() const override { return true; }
  std::size_t state_bytes() const override { return 0; }

  void route(NodeId at, NodeId dest, Port, int, RouteSet& out) const override {
    if (dead_or_arrived(at, dest, 0, out)) return;
    xy_step(at, dest, 0, out);
  }

  // Injected: any way. Travelling in X: on in X, or turn into Y. Travelling in Y: on in Y only.
  void turns(NodeId at, Port in_port, int, RouteSet& out) const override {
    out.clear();
    xy_turns(at, in_port, 0, out);
  }
};

const RegisterRouting kRegister{{"xy", "dimension order, X then Y; cannot route around holes", {},
                                 [](const Fabric& f) { return std::make_unique<XyRouting>(f); }}};

}  // namespace
}  // namespace wafersim::mesh
