#include "sim/channel_spec.hpp"

#include <cmath>

#include "mesh/routing.hpp"

namespace wafersim::sim {

int ChannelSpec::link_latency(int length_tiles, bool crosses_reticle) const {
  const double extra = std::ceil(extra_latency_per_tile * (length_tiles - 1) - 1e-9);
  return latency + static_cast<int>(extra) + (crosses_reticle ? reticle_stitch_latency : 0);
}

int ChannelSpec::link_latency(const mesh::Fabric& fabric, std::uint32_t node, int port) const {
  const std::uint32_t cols = static_cast<std::uint32_t>(fabric.cols());
  const bool horizontal = port == mesh::kEast || port == mesh::kWest;
  std::uint32_t owner = node;
  if (port == mesh::kWest) owner = node - 1;
  if (port == mesh::kNorth) owner = node - cols;
  const int len = horizontal ? fabric.east_length(owner) : fabric.south_length(owner);
  const bool stitch = horizontal ? fabric.east_crosses_reticle(owner) : fabric.south_crosses_reticle(owner);
  return link_latency(len, stitch);
}

ChannelSpec ChannelSpec::from_yaml(const YamlNode& node) {
  node.expect_map();
  node.check_keys({"flit_bytes", "latency", "extra_latency_per_tile", "reticle_stitch_latency", "injection_latency",
                   "ejection_latency", "energy_pj_per_bit_mm"});
  ChannelSpec s;
  s.flit_bytes = static_cast<int>(node.get_int("flit_bytes", s.flit_bytes, Range::closed(1, 4096)));
  s.latency = static_cast<int>(node.get_int("latency", s.latency, Range::closed(1, 1000)));
  s.extra_latency_per_tile = node.get_double("extra_latency_per_tile", s.extra_latency_per_tile, Range::closed(0, 100));
  s.reticle_stitch_latency = static_cast<int>(node.get_int("reticle_stitch_latency", s.reticle_stitch_latency, Range::closed(0, 1000)));
  s.injection_latency = static_cast<int>(node.get_int("injection_latency", s.injection_latency, Range::closed(1, 1000)));
  s.ejection_latency = static_cast<int>(node.get_int("ejection_latency", s.ejection_latency, Range::closed(1, 1000)));
  s.energy_pj_per_bit_mm = node.get_double("energy_pj_per_bit_mm", s.energy_pj_per_bit_mm, Range::closed(0, 1000));
  return s;
}

}  // namespace wafersim::sim
