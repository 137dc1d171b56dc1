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
    const int dc = fabric().col_of(dest) - fabric().col_of(at), dr = fabric().row_of(dest) - fabric().row_of(at);
    const int port = dc > 0 ? kEast : dc < 0 ? kWest : dr > 0 ? kSouth : kNorth;
    if (has_link(at, port)) out.add(port, 0);
  }

  // Injected: any way. Travelling in X: on in X, or turn into Y. Travelling in Y: on in Y only.
  void turns(NodeId at, Port in_port, int, RouteSet& out) const override {
    out.clear();
    for (int p = 0; p < 4; ++p) {
      if (!has_link(at, p) || p == in_port) continue;
      const bool horizontal_in = in_port == kWest || in_port == kEast;
      if (in_port == kLocal || horizontal_in || p == opposite(in_port)) out.add(p, 0);
    }
  }
};

const RegisterRouting kRegister{{"xy", "dimension order, X then Y; cannot route around holes", {},
                                 [](const Fabric& f) { return std::make_unique<XyRouting>(f); }}};

}  // namespace
}  // namespace wafersim::mesh
