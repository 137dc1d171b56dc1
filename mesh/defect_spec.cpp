#include "mesh/defect_spec.hpp"

#include <fmt/format.h>

#include <cmath>

namespace wafersim::mesh {

const char* block_name(Block b) {
  switch (b) {
    case Block::kTile: return "tile";
    case Block::kReticle: return "reticle";
    case Block::kWafer: return "wafer";
  }
  return "?";
}

namespace {

Block block_from(const YamlNode& node, std::string_view key, Block fallback) {
  if (!node.has(key)) return fallback;
  const std::string s = node.child(key).as_choice({"tile", "reticle", "wafer"});
  return s == "tile" ? Block::kTile : s == "reticle" ? Block::kReticle : Block::kWafer;
}

SpeedSpec speed_from(const YamlNode& speed) {
  speed.check_keys({"sigma", "correlation", "block"});
  SpeedSpec s;
  // Lognormal factors exp(sigma z), |z| < 8.6 for a double's normal draw: sigma <= 0.5 keeps every
  // factor inside DefectMap's [0.01, 100]; measured within-wafer spreads are a few percent.
  s.sigma = speed.get_double("sigma", 0.0, Range::closed(0.0, 0.5));
  s.correlation = speed.get_double("correlation", 0.0, Range::fraction());
  s.block = block_from(speed, "block", Block::kReticle);
  return s;
}

}  // namespace

double RadialProfile::weight(double r, double R) const {
  if (uniform()) return 1.0;
  const double x = std::min(1.0, r / R);
  return 1.0 + (edge_factor - 1.0) * std::pow(x, exponent);
}

DefectSpec DefectSpec::from_yaml(const YamlNode& node) {
  DefectSpec s;
  node.expect_map();
  if (node.has("map_file")) {
    node.check_keys({"map_file"});
    std::filesystem::path p = node.child("map_file").as_string();
    if (p.is_relative()) p = std::filesystem::path(node.file()).parent_path() / p;
    s.map_file = p;
    s.model_name = "file";
    return s;
  }
  if (node.has("dead_tile_fraction")) {
    node.check_keys({"dead_tile_fraction", "speed"});
    s.dead_tile_fraction = node.child("dead_tile_fraction").as_double(Range::fraction());
    s.model_name = "dead_tile_fraction";
    s.speed = speed_from(node.child("speed"));
    return s;
  }
  const std::vector<std::string> common{"model", "d0_per_cm2", "cluster_block", "critical_area", "radial", "speed", "map_file",
                                        "dead_tile_fraction"};
  s.model_name = node.get_string("model", "poisson");
  const YamlNode model_node = node.has("model") ? node.child("model") : node;
  const auto& registry = YieldModelRegistry::instance();
  std::vector<std::string> allowed = common;
  for (const auto& k : registry.require(s.model_name, model_node, "yield model").keys) allowed.push_back(k);
  // A key of another model is a mistake worth naming precisely.
  for (const auto& name : registry.names()) {
    if (name == s.model_name) continue;
    for (const auto& k : registry.find(name)->keys) {
      bool mine = false;
      for (const auto& a : allowed) mine = mine || a == k;
      if (!mine && node.has(k)) node.child(k).fail(fmt::format("only used by model {}, not {}", name, s.model_name));
    }
  }
  node.check_keys(allowed);
  s.model = make_yield_model(s.model_name, node, model_node);
  // Killer defects per cm^2: production processes run at 0.01-1, a ramp or a bad lot at a few; past
  // 1e4 (one per 100 x 100 um) no tile of any size survives and the sampler would only count.
  s.d0_per_cm2 = node.get_double("d0_per_cm2", 0.0, Range::closed(0.0, 1e4));
  s.cluster_block = block_from(node, "cluster_block", Block::kTile);

  const YamlNode ca = node.child("critical_area");
  ca.check_keys({"ratio", "compute", "router", "link"});
  s.critical.ratio = ca.get_double("ratio", s.critical.ratio, Range::fraction());
  s.critical.compute = ca.get_double("compute", s.critical.compute, Range::fraction());
  s.critical.router = ca.get_double("router", s.critical.router, Range::fraction());
  s.critical.link = ca.get_double("link", s.critical.link, Range::closed(0.0, 0.25));
  const double sum = s.critical.compute + s.critical.router + 4 * s.critical.link;
  if (std::fabs(sum - 1.0) > 1e-6) {
    ca.fail(fmt::format("compute + router + 4 * link must be 1, got {:.6g} + {:.6g} + 4 * {:.6g} = {:.6g}",
                        s.critical.compute, s.critical.router, s.critical.link, sum));
  }

  const YamlNode radial = node.child("radial");
  radial.check_keys({"edge_factor", "exponent"});
  s.radial.edge_factor = radial.get_double("edge_factor", 1.0, Range::closed(0.001, 1000));
  s.radial.exponent = radial.get_double("exponent", 2.0, Range::closed(0.1, 100));

  s.speed = speed_from(node.child("speed"));
  return s;
}

}  // namespace wafersim::mesh
