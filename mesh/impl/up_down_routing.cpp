// up*/down* over a BFS spanning tree (mesh/up_down_tree.hpp). One VC class, deadlock-free on any
// topology: no route ever takes an up link after a down link.
#include "mesh/routing.hpp"
#include "mesh/up_down_tree.hpp"

namespace wafersim::mesh {
namespace {

class UpDownRouting final : public Routing {
 public:
  explicit UpDownRouting(const Fabric& f) : Routing(f), tree_(f, graph()) {}
  std::string name() const override { return "up_down"; }
  int vc_classes() const override { return 1; }
  std::size_t state_bytes() const override { return UpDownTree::kBytesPerNode; }
  void route(NodeId at, NodeId dest, Port, int, RouteSet& out) const override {
    out.clear();
    tree_.route(at, dest, 0, out);
  }
  void turns(NodeId at, Port in_port, int, RouteSet& out) const override {
    out.clear();
    tree_.turns(at, in_port, 0, out);
  }

 private:
  UpDownTree tree_;
};

const RegisterRouting kRegister{{"up_down", "up*/down* over a BFS spanning tree (Autonet); any connected fabric, no VCs", {},
                                 [](const Fabric& f) { return std::make_unique<UpDownRouting>(f); }}};

}  // namespace
}  // namespace wafersim::mesh
