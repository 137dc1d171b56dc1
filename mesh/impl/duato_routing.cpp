// Minimal adaptive routing, with (duato) and without (minimal_adaptive) an escape class: dimension
// order on a whole mesh, up*/down* on a fabric with holes.
// J. Duato, "A New Theory of Deadlock-Free Adaptive Routing in Wormhole Networks", IEEE Trans.
// Parallel and Distributed Systems 4(12), 1320-1331, 1993.
#include <optional>

#include "mesh/routing.hpp"
#include "mesh/up_down_tree.hpp"

namespace wafersim::mesh {
namespace {

constexpr int kEscape = 0, kAdaptive = 1;

class DuatoRouting final : public Routing {
 public:
  // The escape is dimension order where the mesh is whole: up*/down*'s paths climb towards one
  // root and are non-minimal for most pairs, so at hot spots the packets that fall onto it detour
  // and meet at the root (measured: a Cannon layer on a clean 32 x 32 window ran 1.96x its xy
  // time). XY is minimal, acyclic on its own, and serves every pair of a whole mesh.
  explicit DuatoRouting(const Fabric& f) : Routing(f), xy_escape_(whole_mesh()) {
    if (!xy_escape_) tree_.emplace(f, graph());
  }
  std::string name() const override { return "duato"; }
  int vc_classes() const override { return 2; }
  int escape_class() const override { return kEscape; }
  // Trees on the minimal adaptive class: every XY step is productive. Unicasts there keep their
  // escape, and trees never wait on the escape class (docs/noc.md, "Multicast").
  int multicast_class() const override { return kAdaptive; }
  std::size_t escape_trees() const override { return xy_escape_ ? 1 : tree_->roots(); }
  std::size_t state_bytes() const override { return xy_escape_ ? 0 : UpDownTree::kBytesPerNode; }

  void route(NodeId at, NodeId dest, Port in_port, int in_vc, RouteSet& out) const override {
    if (dead_or_arrived(at, dest, in_port == kLocal ? kAdaptive : in_vc, out)) return;
    if (in_port == kLocal || in_vc == kAdaptive) productive(at, dest, kAdaptive, out);
    if (xy_escape_) {
      xy_step(at, dest, kEscape, out);
    } else {
      tree_->route(at, dest, kEscape, out);
    }
  }

  void turns(NodeId at, Port in_port, int in_vc, RouteSet& out) const override {
    out.clear();
    if (in_port != kLocal && in_vc == kEscape) {
      if (xy_escape_) {
        xy_turns(at, in_port, kEscape, out);
      } else {
        tree_->turns(at, in_port, kEscape, out);
      }
      return;
    }
    for (int p = 0; p < 4; ++p) {  // adaptive: minimal routes never turn back
      if (has_link(at, p) && p != in_port) out.add(p, kAdaptive);
    }
    // Entering the escape: any XY first step, or any up or down link.
    if (xy_escape_) {
      xy_turns(at, kLocal, kEscape, out);
    } else {
      tree_->turns(at, kLocal, kEscape, out);
    }
  }

 private:
  bool xy_escape_;
  std::optional<UpDownTree> tree_;  // the escape on a fabric with holes
};

class MinimalAdaptiveRouting final : public Routing {
 public:
  using Routing::Routing;
  std::string name() const override { return "minimal_adaptive"; }
  int vc_classes() const override { return 1; }
  int multicast_class() const override { return 0; }  // as deadlock-prone as its unicasts
  bool needs_whole_mesh() const override { return true; }  // a dead end has no productive port
  std::size_t state_bytes() const override { return 0; }
  void route(NodeId at, NodeId dest, Port, int, RouteSet& out) const override {
    if (dead_or_arrived(at, dest, 0, out)) return;
    productive(at, dest, 0, out);
  }
  void turns(NodeId at, Port in_port, int, RouteSet& out) const override {
    out.clear();
    for (int p = 0; p < 4; ++p) {
      if (has_link(at, p) && p != in_port) out.add(p, 0);
    }
  }
};

const RegisterRouting kDuato{{"duato", "minimal adaptive on VC class 1, escape on class 0 (Duato 1993): XY on a whole mesh, up*/down* around holes", {},
                              [](const Fabric& f) { return std::make_unique<DuatoRouting>(f); }, 2}};
const RegisterRouting kMinimal{{"minimal_adaptive", "minimal adaptive with no escape: NOT deadlock-free, for comparison", {},
                                [](const Fabric& f) { return std::make_unique<MinimalAdaptiveRouting>(f); }}};

}  // namespace
}  // namespace wafersim::mesh
