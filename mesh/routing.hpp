#pragma once
// Routing functions on a repaired Fabric, selected by name (`routing.algorithm` in YAML):
//
//   xy                 dimension order (X, then Y) on the logical mesh. One VC class. On a fabric
//                      with holes it simply cannot serve the pairs whose XY path is broken.
//   up_down            up*/down* (Schroeder et al., "Autonet", IEEE JSAC 9(8), 1991) over a BFS
//                      spanning tree per connected piece, rooted at the working router nearest the
//                      array's centre. A link is "up" towards the lower (BFS level, node id).
//                      Routes climb the tree to the lowest ancestor of the destination, taking any
//                      "down" link (tree or not) whose far end's subtree holds the destination.
//                      Every route is up* down*, so no VC is needed for deadlock freedom.
//   duato              Duato's protocol (J. Duato, "A New Theory of Deadlock-Free Adaptive Routing in
//                      Wormhole Networks", IEEE TPDS 4(12), 1993): VC class 1 routes minimally
//                      and adaptively (any productive direction with a working link and router);
//                      VC class 0 is the escape: on a whole mesh (every router and link working)
//                      dimension order, X then Y, as in Duato's own mesh examples: minimal, and
//                      without a root for traffic to funnel through; on a fabric with holes
//                      up_down above, the escape that serves every connected piece. A packet may
//                      take the escape from any router and, once on it, stays on it (the
//                      conservative form, for which the escape CDG alone decides deadlock freedom).
//   minimal_adaptive   class 1 of duato with no escape: deadlock-prone on purpose, for comparison.
//
// Ports: 0 north, 1 west, 2 east, 3 south (as mesh/fabric_graph.hpp), 4 local (inject/eject).
// Routing state is O(1) per node (see each algorithm's state_bytes()); there is no all-pairs table.
#include <array>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "core/registry.hpp"
#include "core/yaml_reader.hpp"
#include "mesh/fabric.hpp"
#include "mesh/fabric_graph.hpp"

namespace wafersim::mesh {

enum Port : std::uint8_t { kNorth = 0, kWest = 1, kEast = 2, kSouth = 3, kLocal = 4 };
inline constexpr Port opposite(Port p) { return static_cast<Port>(3 - p); }
const char* port_name(int p);

struct RouteOption {
  std::uint8_t port;  // Port
  std::uint8_t vc;    // VC class
};

// The allowed outputs of one routing decision (at most 4 ports x 2 classes).
struct RouteSet {
  std::array<RouteOption, 8> options;
  int count = 0;
  void clear() { count = 0; }
  void add(int port, int vc) { options[count++] = {static_cast<std::uint8_t>(port), static_cast<std::uint8_t>(vc)}; }
  bool empty() const { return count == 0; }
  const RouteOption* begin() const { return options.data(); }
  const RouteOption* end() const { return options.data() + count; }
};

class Routing {
 public:
  explicit Routing(const Fabric& fabric) : fabric_(&fabric), graph_(fabric) {}
  virtual ~Routing() = default;
  virtual std::string name() const = 0;
  // Number of VC classes the algorithm uses (the engine splits its VCs among them).
  virtual int vc_classes() const = 0;
  // The escape class of an escape-VC scheme, or -1; and how many separate trees (or other
  // connected structures) its escape routing spans: deadlock freedom needs one per piece.
  virtual int escape_class() const { return -1; }
  virtual std::size_t escape_trees() const { return 0; }
  // The VC class that carries multicast trees (sim/multicast.hpp), or -1 where multicasts are sent
  // as unicasts. A class qualifies when its relation contains every XY step, so that a tree's
  // branches are legal routes on it, and when tree-on-tree waits are XY waits
  // (check_multicast_deadlock() in mesh/channel_dependency.hpp proves them acyclic).
  virtual int multicast_class() const { return -1; }
  // Whether it can deliver only on a whole mesh: on a fabric with dead routers or links some
  // packets find no output (xy's broken XY paths, minimal_adaptive's dead ends). Simulating a
  // fabric needs a routing that serves it: serves() says why not (empty: it does).
  virtual bool needs_whole_mesh() const { return false; }
  std::string serves() const;
  // Every router working and every logical link between neighbours present.
  bool whole_mesh() const;
  // route() is X then Y on class 0, so that the engine may compute it inline.
  virtual bool dimension_order() const { return false; }

  // Outputs allowed at router `at` for a packet to `dest` that came in on `in_port` (kLocal when
  // injected here) and VC class `in_vc` (ignored when injected). {kLocal} at the destination;
  // empty when the algorithm cannot route the packet on from here.
  virtual void route(NodeId at, NodeId dest, Port in_port, int in_vc, RouteSet& out) const = 0;

  // Every (port, class) that route() may return at `at` for a packet that came in on `in_port`
  // with class `in_vc`, over all destinations: the turns the channel-dependency graph needs.
  // The default enumerates every destination (exact, O(nodes)); algorithms override it with their
  // turn rules (O(1)), which may return more than route() ever does, never less.
  virtual void turns(NodeId at, Port in_port, int in_vc, RouteSet& out) const;

  // Bytes of routing state per node (beyond the fabric itself).
  virtual std::size_t state_bytes() const = 0;

  const Fabric& fabric() const { return *fabric_; }
  const FabricGraph& graph() const { return graph_; }
  bool has_link(NodeId n, int port) const { return graph_.mask(n) & (1u << port); }
  NodeId neighbour(NodeId n, int port) const { return graph_.neighbour(n, port); }

 protected:
  // The cases every routing decides alike: a dead router at either end (no route: returns true,
  // `out` empty) and arrival (returns true, `out` = {kLocal on class vc}). False: route on.
  // Inline: it runs on every routing decision, and an out-of-line call into a shared library
  // goes through the PLT (measured: 136 -> 186 ms per destination at WSE-2 scale).
  bool dead_or_arrived(NodeId at, NodeId dest, int vc, RouteSet& out) const {
    out.clear();
    if (!fabric_->router_alive(at) || !fabric_->router_alive(dest)) return true;
    if (at != dest) return false;
    out.add(kLocal, vc);
    return true;
  }
  // Productive ports towards `dest` that have a working link to a working router.
  void productive(NodeId at, NodeId dest, int vc, RouteSet& out) const;
  // The one XY step towards `dest` on class `vc` (none when its link is missing), and the turns
  // dimension order allows after arriving from `in_port`: in X on in X or into Y, in Y on in Y.
  void xy_step(NodeId at, NodeId dest, int vc, RouteSet& out) const {
    const int dc = fabric_->col_of(dest) - fabric_->col_of(at), dr = fabric_->row_of(dest) - fabric_->row_of(at);
    const int port = dc > 0 ? kEast : dc < 0 ? kWest : dr > 0 ? kSouth : kNorth;
    if (has_link(at, port)) out.add(port, vc);
  }
  void xy_turns(NodeId at, Port in_port, int vc, RouteSet& out) const;

 private:
  const Fabric* fabric_;
  FabricGraph graph_;
};

using RoutingFactory = std::function<std::unique_ptr<Routing>(const Fabric& fabric)>;

struct RoutingEntry {
  std::string name;
  std::string summary;
  std::vector<std::string> keys;
  RoutingFactory create;
  int vc_classes = 1;  // what the routing's vc_classes() returns: a router's VCs must split evenly among them
};
using RoutingRegistry = Registry<RoutingEntry>;
using RegisterRouting = Registration<RoutingEntry>;

// The `routing:` section of a system config: {algorithm: duato}. Default xy.
struct RoutingSpec {
  std::string algorithm = "xy";
  static RoutingSpec from_yaml(const YamlNode& node);
  std::unique_ptr<Routing> build(const Fabric& fabric) const;
};

}  // namespace wafersim::mesh
