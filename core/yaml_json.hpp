#pragma once
// YAML -> JSON, for results that record the config they were made from.
#include <yaml-cpp/yaml.h>

#include <nlohmann/json.hpp>

namespace wafersim {

// Numbers and booleans are recognised in plain scalars; a quoted scalar stays a string.
nlohmann::ordered_json yaml_to_json(const YAML::Node& node);

}  // namespace wafersim
