// Fuzzes the system-config loader: any byte string must either load, or be rejected with an
// InputError (a ConfigError with file, line and key). Anything else (a crash, a sanitizer report,
// another exception type) is a finding. A config that loads is also built into a Wafer, since
// geometry validation belongs to loading.
#include <cstddef>
#include <cstdint>
#include <string>

#include "core/input_error.hpp"
#include "core/yaml_reader.hpp"
#include "mesh/system_config.hpp"
#include "mesh/wafer.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string text(reinterpret_cast<const char*>(data), size);
  try {
    const auto config = wafersim::mesh::SystemConfig::from_yaml(wafersim::YamlNode::parse(text, "fuzz.yaml"));
    // Loading bounds the grid (mesh::kMaxGridCells), so every config that loads is built.
    wafersim::mesh::Wafer wafer(config.wafer);
  } catch (const wafersim::InputError&) {
  }
  return 0;
}
