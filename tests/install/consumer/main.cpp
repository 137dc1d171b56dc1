// Builds a wafer from the YAML of its `wafer:` section (argv[1]) with an installed wafersim::mesh
// and prints its tile sites.
#include <cstdio>
#include <exception>

#include "core/yaml_reader.hpp"
#include "mesh/wafer.hpp"
#include "mesh/wafer_spec.hpp"

int main(int argc, char** argv) {
  if (argc != 2) {
    std::fprintf(stderr, "usage: consumer WAFER_YAML\n");
    return 2;
  }
  try {
    const auto spec = wafersim::mesh::WaferSpec::from_yaml(wafersim::YamlNode::parse(argv[1], "argv"));
    const wafersim::mesh::Wafer wafer(spec);
    std::printf("sites %zu (%d x %d grid)\n", wafer.site_count(), wafer.rows(), wafer.cols());
  } catch (const std::exception& e) {
    std::fprintf(stderr, "consumer: %s\n", e.what());
    return 1;
  }
  return 0;
}
