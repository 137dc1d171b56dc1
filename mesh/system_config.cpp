#include "mesh/system_config.hpp"

namespace wafersim::mesh {

SystemConfig SystemConfig::from_yaml(const YamlNode& root) {
  if (root.is_null()) root.fail("the system config is empty");
  // compute, io and noc are read by the compiler (compiler/wafer_system.hpp).
  root.check_keys({"name", "description", "process_node_nm", "wafer", "defects", "repair", "routing", "compute", "io", "noc"});
  SystemConfig c;
  c.name = root.get_string("name", std::filesystem::path(root.file()).stem().string());
  c.description = root.get_string("description", "");
  c.process_node_nm = root.get_double("process_node_nm", 0.0, Range::closed(0, 1000));
  c.wafer = WaferSpec::from_yaml(root.require("wafer"));
  c.defects = DefectSpec::from_yaml(root.child("defects"));
  c.repair = RepairSpec::from_yaml(root.child("repair"), c.wafer);
  c.routing = RoutingSpec::from_yaml(root.child("routing"));
  return c;
}

SystemConfig SystemConfig::load(const std::filesystem::path& file, const ConfigMount& mount) {
  return from_yaml(YamlNode::load_file(file, mount));
}

}  // namespace wafersim::mesh
