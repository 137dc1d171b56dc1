#include <fmt/format.h>

#include <cstdio>
#include <cstdlib>

#include "cli/commands.hpp"
#include "core/input_error.hpp"
#include "core/install_paths.hpp"
#include "core/run_program.hpp"

namespace wafersim::cli {

int run_plot_command(const std::filesystem::path& out_dir) {
  if (!std::filesystem::exists(out_dir / "results.csv")) {
    throw InputError(fmt::format("{}: no results.csv here; run 'wafersim sweep ... --out {}' first", out_dir.string(), out_dir.string()));
  }
  const char* python = std::getenv("WAFERSIM_PYTHON");
  const std::string interpreter = python ? python : WAFERSIM_PYTHON;
  std::fflush(stdout);  // our lines first, then the script's
  const ProgramResult r = run_program({interpreter, (scripts_dir() / "plot_sweep.py").string(), out_dir.string()});
  if (!r.ok()) {
    fmt::print(stderr,
               "wafersim: plotting failed: {} (the script's own message, if any, is above). It needs matplotlib "
               "(scripts/install-deps.sh installs python3-matplotlib); the results themselves are complete.\n",
               r.why);
    return 1;
  }
  return 0;
}

}  // namespace wafersim::cli
