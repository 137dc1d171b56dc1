#pragma once
// Helpers for mesh tests: small configs from YAML text.
#include <string>

#include "core/yaml_reader.hpp"
#include "mesh/defect_map.hpp"
#include "mesh/fabric.hpp"
#include "mesh/system_config.hpp"
#include "mesh/wafer.hpp"

namespace wafersim::mesh::testing {

inline SystemConfig config_from(const std::string& yaml) { return SystemConfig::from_yaml(YamlNode::parse(yaml, "test.yaml")); }

// A rows x cols rectangle of 1 x 1 mm tiles (fits a 300 mm wafer up to ~210 x 210).
inline std::string rect_wafer(int rows, int cols, const std::string& reticle = "{width_mm: 26, height_mm: 33}") {
  return "wafer:\n  tile: {width_mm: 1, height_mm: 1}\n  placement: rectangle\n  edge_exclusion_mm: 0\n  reticle: " + reticle +
         "\n  rows: " + std::to_string(rows) + "\n  cols: " + std::to_string(cols) + "\n";
}

// A rows x cols mesh with no repair whose defect map tests edit by hand.
struct HandMesh {
  SystemConfig cfg;
  Wafer wafer;
  DefectMap map;
  HandMesh(int rows, int cols) : cfg(config_from(rect_wafer(rows, cols))), wafer(cfg.wafer), map(wafer) {}
  void kill(int r, int c) { map.kill_router(wafer.id(r, c)); }
  Fabric fabric() const { return cfg.repair.impl->repair(wafer, map); }
};

}  // namespace wafersim::mesh::testing
