#include "core/json_file.hpp"

#include "core/csv.hpp"

namespace wafersim {

void write_json_file(const std::filesystem::path& file, const nlohmann::ordered_json& value) {
  write_file_atomically(file, value.dump(2) + "\n");
}

}  // namespace wafersim
