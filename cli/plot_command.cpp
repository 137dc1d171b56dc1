// wafersim plot DIR: the charts of a folder the tool wrote, by the script for its kind.
#include <fmt/format.h>
#include <fmt/ranges.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <fstream>

#include <nlohmann/json.hpp>

#include "cli/commands.hpp"
#include "core/csv.hpp"
#include "core/input_error.hpp"
#include "core/install_paths.hpp"
#include "core/run_program.hpp"

namespace wafersim::cli {
namespace {

constexpr const char* kWhatPlots = "wafersim plot draws the charts of a 'wafersim sweep' or 'wafersim noc --sweep' folder";

// meta.json's "kind" (written by sweep and noc --sweep); empty where there is none.
std::string kind_in_meta(const std::filesystem::path& dir) {
  std::ifstream in(dir / "meta.json");
  if (!in) return {};
  const nlohmann::json meta = nlohmann::json::parse(in, nullptr, /*allow_exceptions=*/false);
  if (!meta.is_object() || !meta.contains("kind") || !meta["kind"].is_string()) return {};
  return meta["kind"].get<std::string>();
}

// The script for the folder: by meta.json's kind, or, for a folder from before meta.json had one,
// by the columns of results.csv. An InputError naming the folder where there is nothing to plot.
std::string script_for(const std::filesystem::path& dir) {
  const std::string where = dir.string();
  if (!std::filesystem::is_directory(dir)) throw InputError(fmt::format("{}: no such directory; {}", where, kWhatPlots));
  const auto csv_path = dir / "results.csv";
  if (!std::filesystem::exists(csv_path)) {
    std::vector<std::string> pictures;  // what a defects, route, noc or compile folder drew already
    for (const auto& e : std::filesystem::directory_iterator(dir))
      if (e.path().extension() == ".svg") pictures.push_back(e.path().filename().string());
    std::sort(pictures.begin(), pictures.end());
    throw InputError(fmt::format("{}: nothing to plot: no results.csv here ({}){}", where, kWhatPlots,
                                 pictures.empty() ? "" : fmt::format("; its pictures are drawn already: {}", fmt::join(pictures, ", "))));
  }
  const std::vector<CsvRecord> records = read_csv_file(csv_path).records;
  if (records.size() < 2) throw InputError(fmt::format("{}: nothing to plot: results.csv has no rows yet", where));
  std::string kind = kind_in_meta(dir);
  if (kind.empty()) {
    const auto& header = records.front().fields;
    auto has = [&](const char* c) { return std::find(header.begin(), header.end(), c) != header.end(); };
    if (!header.empty() && header.front() == "point" && has("replicates")) kind = "sweep";
    else if (!header.empty() && header.front() == "rate" && has("offered") && has("latency_mean")) kind = "noc_sweep";
    else
      throw InputError(fmt::format("{}: nothing to plot: results.csv is not one that wafersim sweep or noc --sweep writes (it starts '{}')",
                                   where, header.empty() ? "" : header.front()));
  }
  if (kind == "sweep") return "plot_sweep.py";
  if (kind == "noc_sweep") return "plot_noc.py";
  throw InputError(fmt::format("{}: nothing to plot: meta.json says kind '{}' ({})", where, kind, kWhatPlots));
}

}  // namespace

int run_plot_command(const std::filesystem::path& out_dir) {
  const std::string script = script_for(out_dir);
  const char* python = std::getenv("WAFERSIM_PYTHON");
  const std::string interpreter = python ? python : WAFERSIM_PYTHON;
  std::fflush(stdout);  // our lines first, then the script's
  const ProgramResult r = run_program({interpreter, (scripts_dir() / script).string(), out_dir.string()});
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
