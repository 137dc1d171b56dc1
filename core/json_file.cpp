#include "core/json_file.hpp"

#include "core/build_info.hpp"
#include "core/provenance.hpp"
#include "core/csv.hpp"

namespace wafersim {

void write_json_file(const std::filesystem::path& file, const nlohmann::ordered_json& value) {
  if (!value.is_object() || value.contains("provenance")) {
    write_file_atomically(file, value.dump(2) + "\n");
    return;
  }
  nlohmann::ordered_json with = value;
  with["provenance"] = RunProvenance::current().to_json();
  write_file_atomically(file, with.dump(2) + "\n");
}

}  // namespace wafersim
