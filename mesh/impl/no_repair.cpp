// Repair strategy "none": the logical mesh is the physical grid, holes and all. A tile whose compute
// died but whose router works still forwards traffic; one whose router died is a hole.
#include "mesh/repair.hpp"

namespace wafersim::mesh {
namespace {

class NoRepair final : public RepairStrategy {
 public:
  std::string name() const override { return "none"; }
  std::pair<int, int> nominal_shape(const Wafer& wafer) const override { return {wafer.rows(), wafer.cols()}; }
  bool tolerates_dead_tiles() const override { return false; }

  Fabric repair(const Wafer& wafer, const DefectMap& map) const override {
    Fabric f(wafer.rows(), wafer.cols(), wafer.cells());
    f.strategy = name();
    f.nominal_rows = wafer.rows();
    f.nominal_cols = wafer.cols();
    bool all_alive = true;
    for (int r = 0; r < wafer.rows(); ++r) {
      for (int c = 0; c < wafer.cols(); ++c) {
        if (!wafer.is_site(r, c)) continue;
        const TileId t = wafer.id(r, c);
        const NodeId n = f.node(r, c);
        f.place(n, t, map.router_alive(t), map.compute_alive(t));
        f.set_role(t, !map.router_alive(t) ? TileRole::kDeadRouter
                      : !map.compute_alive(t) ? TileRole::kDeadCompute
                                               : TileRole::kWorking);
        all_alive = all_alive && map.tile_alive(t);
      }
    }
    for (int r = 0; r < wafer.rows(); ++r) {
      for (int c = 0; c < wafer.cols(); ++c) {
        if (!wafer.is_site(r, c) || !map.router_alive(wafer.id(r, c))) continue;
        const TileId t = wafer.id(r, c);
        if (wafer.is_site(r, c + 1) && map.router_alive(t + 1)) {
          if (map.east_link_alive(t)) f.set_east(f.node(r, c), 1, wafer.crosses_reticle(t, t + 1));
          else ++f.dead_logical_links;
        }
        if (wafer.is_site(r + 1, c) && map.router_alive(wafer.id(r + 1, c))) {
          if (map.south_link_alive(t)) f.set_south(f.node(r, c), 1, wafer.crosses_reticle(t, wafer.id(r + 1, c)));
          else ++f.dead_logical_links;
        }
      }
    }
    f.formed = all_alive;
    return f;
  }

  // Formed means no dead tile anywhere.
  double formed_probability(const Wafer& wafer, const std::vector<double>& p_dead) const override {
    double p = 1.0;
    for (TileId t = 0; t < wafer.cells(); ++t) {
      if (wafer.is_site(t)) p *= 1.0 - p_dead[t];
    }
    return p;
  }
};

const RegisterRepair kRegister{{"none", "no repair: dead tiles are holes to route around", {},
                                [](const YamlNode&, const WaferSpec&) { return std::make_unique<NoRepair>(); }}};

}  // namespace
}  // namespace wafersim::mesh
