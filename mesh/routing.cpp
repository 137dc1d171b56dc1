#include "mesh/routing.hpp"

#include <stdexcept>

namespace wafersim::mesh {

const char* port_name(int p) {
  static const char* names[] = {"N", "W", "E", "S", "L"};
  return p >= 0 && p <= 4 ? names[p] : "?";
}

void Routing::turns(NodeId at, Port in_port, int in_vc, RouteSet& out) const {
  out.clear();
  RouteSet r;
  bool seen[5][8] = {};
  for (NodeId d = 0; d < fabric_->nodes(); ++d) {
    if (!fabric_->endpoint(d)) continue;
    route(at, d, in_port, in_vc, r);
    for (const RouteOption& o : r) {
      if (o.port == kLocal || seen[o.port][o.vc]) continue;
      seen[o.port][o.vc] = true;
      out.add(o.port, o.vc);
    }
  }
}

bool Routing::whole_mesh() const {
  // All 2 (R (C - 1) + C (R - 1)) arcs between working routers (a dead router or link removes
  // some; a tile with dead compute but a working router is no hole).
  const std::size_t rows = fabric_->rows(), cols = fabric_->cols();
  return graph_.arcs() == 2 * (rows * (cols - 1) + cols * (rows - 1));
}

void Routing::xy_turns(NodeId at, Port in_port, int vc, RouteSet& out) const {
  for (int p = 0; p < 4; ++p) {
    if (!has_link(at, p) || p == in_port) continue;
    const bool horizontal_in = in_port == kWest || in_port == kEast;
    if (in_port == kLocal || horizontal_in || p == opposite(in_port)) out.add(p, vc);
  }
}

std::string Routing::serves() const {
  if (!needs_whole_mesh() || whole_mesh()) return {};
  return "routing.algorithm: " + name() + " cannot route around the holes of this fabric (dead routers or links); use duato or up_down";
}

void Routing::productive(NodeId at, NodeId dest, int vc, RouteSet& out) const {
  const Fabric& f = *fabric_;
  const int dr = f.row_of(dest) - f.row_of(at), dc = f.col_of(dest) - f.col_of(at);
  if (dr < 0 && has_link(at, kNorth)) out.add(kNorth, vc);
  if (dc < 0 && has_link(at, kWest)) out.add(kWest, vc);
  if (dc > 0 && has_link(at, kEast)) out.add(kEast, vc);
  if (dr > 0 && has_link(at, kSouth)) out.add(kSouth, vc);
}

RoutingSpec RoutingSpec::from_yaml(const YamlNode& node) {
  node.check_keys({"algorithm"});
  RoutingSpec s;
  s.algorithm = node.get_string("algorithm", "xy");
  RoutingRegistry::instance().require(s.algorithm, node.child("algorithm"), "routing algorithm");
  return s;
}

std::unique_ptr<Routing> RoutingSpec::build(const Fabric& fabric) const {
  const RoutingEntry* entry = RoutingRegistry::instance().find(algorithm);
  std::unique_ptr<Routing> routing = entry->create(fabric);
  if (routing->vc_classes() != entry->vc_classes)  // the configs check VC counts against the entry
    throw std::logic_error(algorithm + ": the registry entry's vc_classes differs from the routing's");
  return routing;
}

}  // namespace wafersim::mesh
