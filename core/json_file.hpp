#pragma once
// JSON results are nlohmann::json values written atomically (temporary file, then rename). An
// object gets a "provenance" member (core/provenance.hpp: the build, the command line, the seed
// and the resolved configs) unless it has one of its own: every JSON the tool writes says what
// made it.
#include <filesystem>
#include <nlohmann/json.hpp>

namespace wafersim {

void write_json_file(const std::filesystem::path& file, const nlohmann::ordered_json& value);

}  // namespace wafersim
