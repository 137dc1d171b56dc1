#include <fmt/format.h>

#include <cstdio>
#include <cstdlib>

#include "cli/commands.hpp"
#include "core/input_error.hpp"

namespace wafersim::cli {

int run_plot_command(const std::filesystem::path& out_dir) {
  if (!std::filesystem::exists(out_dir / "results.csv")) {
    throw InputError(fmt::format("{}: no results.csv here; run 'wafersim sweep ... --out {}' first", out_dir.string(), out_dir.string()));
  }
  const char* python = std::getenv("WAFERSIM_PYTHON");
  const std::string interpreter = python ? python : WAFERSIM_PYTHON;
  const std::string command = fmt::format("'{}' '{}/plot_sweep.py' '{}'", interpreter, WAFERSIM_SCRIPTS_DIR, out_dir.string());
  std::fflush(stdout);  // our lines first, then the script's
  const int status = std::system(command.c_str());
  if (status != 0) {
    fmt::print(stderr,
               "wafersim: plotting failed (status {}; the script's message is above). It runs {} and needs matplotlib "
               "(scripts/install-deps.sh installs python3-matplotlib); the results themselves are complete.\n",
               status, interpreter);
    return 1;
  }
  return 0;
}

}  // namespace wafersim::cli
