#pragma once
// JSON results are nlohmann::json values written atomically (temporary file, then rename).
#include <filesystem>
#include <nlohmann/json.hpp>

namespace wafersim {

void write_json_file(const std::filesystem::path& file, const nlohmann::ordered_json& value);

}  // namespace wafersim
