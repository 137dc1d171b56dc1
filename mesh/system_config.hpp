#pragma once
// The parts of a system config (configs/systems/*.yaml) that mesh/ reads: the wafer, how its
// defects are drawn and how it is repaired. Later layers read their own sections.
//
//   name: wse2-like
//   description: ...
//   process_node_nm: 7
//   wafer: {...}     # mesh/wafer_spec.hpp
//   defects: {...}   # mesh/defect_spec.hpp
//   repair: {...}    # mesh/repair.hpp
//   routing: {...}   # mesh/routing.hpp
#include <filesystem>
#include <string>

#include "core/yaml_reader.hpp"
#include "mesh/defect_spec.hpp"
#include "mesh/repair.hpp"
#include "mesh/routing.hpp"
#include "mesh/wafer_spec.hpp"

namespace wafersim::mesh {

struct SystemConfig {
  std::string name;
  std::string description;
  double process_node_nm = 0.0;  // informational
  WaferSpec wafer;
  DefectSpec defects;
  RepairSpec repair;
  RoutingSpec routing;

  static SystemConfig from_yaml(const YamlNode& root);
  // `mount`: where the file sits in the command's config tree, for --set (core/config_overrides.hpp).
  static SystemConfig load(const std::filesystem::path& file, const ConfigMount& mount = {});
};

}  // namespace wafersim::mesh
