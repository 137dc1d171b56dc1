// Fuzzes the defect-map reader (mesh::DefectMap::load_csv): any byte string must either load, or be
// rejected with an InputError. Anything else (a crash, a sanitizer report, another exception type,
// a hang) is a finding. The bytes are offered to three small wafers, one per '# rows=R cols=C'
// they may name: a 3 x 2 rectangle (tests/mesh/defect_map_test.cpp's), a disk of 25 x 30 mm tiles whose
// corners are not sites, and a 6 x 6 rectangle with spare-row repair. A map that loads is counted
// and repaired into a Fabric, as `wafersim defects` and a system with `defects: {map_file: ...}` do.
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "core/input_error.hpp"
#include "core/yaml_reader.hpp"
#include "fuzz_util.hpp"
#include "mesh/defect_map.hpp"
#include "mesh/fabric.hpp"
#include "mesh/repair.hpp"
#include "mesh/system_config.hpp"
#include "mesh/wafer.hpp"

namespace {

using namespace wafersim;

struct Target {
  mesh::SystemConfig config;
  mesh::Wafer wafer;
  explicit Target(const std::string& yaml) : config(mesh::SystemConfig::from_yaml(YamlNode::parse(yaml, "fuzz-system.yaml"))), wafer(config.wafer) {}
};

const std::vector<Target>& targets() {
  static const std::vector<Target>* t = [] {
    auto* v = new std::vector<Target>;
    v->emplace_back("wafer: {tile: {width_mm: 1, height_mm: 1}, placement: rectangle, edge_exclusion_mm: 0, rows: 3, cols: 2}\n"
                    "repair: {strategy: none}\n");
    v->emplace_back("wafer: {tile: {width_mm: 25, height_mm: 30}, placement: disk}\nrepair: {strategy: none}\n");
    v->emplace_back("wafer: {tile: {width_mm: 1, height_mm: 1}, placement: rectangle, edge_exclusion_mm: 0, rows: 6, cols: 6}\n"
                    "repair: {strategy: spare_rows, window: 3, spares: 1}\n");
    return v;
  }();
  return *t;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static fuzz::TempInput file("defect-map", ".csv");
  const auto& path = file.write(data, size);
  for (const Target& t : targets()) {
    try {
      const mesh::DefectMap map = mesh::DefectMap::load_csv(path, t.wafer);
      (void)map.counts();
      const mesh::Fabric fabric = t.config.repair.impl->repair(t.wafer, map);
      fuzz::note("loaded and repaired", std::to_string(fabric.endpoint_count()) + " endpoints");
    } catch (const InputError& e) {
      fuzz::note("rejected", e.what());
    }
  }
  return 0;
}
