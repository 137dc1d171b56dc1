#include "core/install_paths.hpp"

#include <system_error>

namespace wafersim {

std::filesystem::path executable_path() {
  std::error_code ec;
  std::filesystem::path p = std::filesystem::read_symlink("/proc/self/exe", ec);
  return ec ? std::filesystem::path() : p;
}

std::filesystem::path find_data_dir(const std::filesystem::path& executable, const std::string& name,
                                    const std::filesystem::path& build_time_dir) {
  if (!executable.empty()) {
    const std::filesystem::path installed =
        (executable.parent_path() / WAFERSIM_DATA_DIR_FROM_BIN / name).lexically_normal();
    std::error_code ec;
    if (std::filesystem::is_directory(installed, ec)) return installed;
  }
  return build_time_dir;
}

std::filesystem::path scripts_dir() { return find_data_dir(executable_path(), "scripts", WAFERSIM_SCRIPTS_DIR); }

}  // namespace wafersim
