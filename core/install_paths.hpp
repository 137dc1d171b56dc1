#pragma once
// Where the tool's data files are (the plotting scripts). An installed wafersim finds them
// relative to its own executable, PREFIX/bin/wafersim -> PREFIX/share/wafersim/<name>, so that a
// prefix works without the source tree and wherever it was moved; a wafersim run from its build
// tree finds them in the source tree it was configured from.
#include <filesystem>
#include <string>

namespace wafersim {

// The running executable (/proc/self/exe, symbolic links resolved); empty when it cannot be read.
std::filesystem::path executable_path();

// The data directory NAME (e.g. "scripts") for an executable: DIR/<data dir>/NAME when that is a
// directory, DIR being the executable's folder and <data dir> the installed layout's relative
// path from bin/ to share/wafersim (normally "../share/wafersim"); else build_time_dir, as given
// (whether or not it exists: the caller's error then names the path it tried).
std::filesystem::path find_data_dir(const std::filesystem::path& executable, const std::string& name,
                                    const std::filesystem::path& build_time_dir);

// The folder of plot_sweep.py and plot_noc.py for this process: find_data_dir(executable_path(),
// "scripts", <source tree>/scripts).
std::filesystem::path scripts_dir();

}  // namespace wafersim
