#include <fmt/format.h>

#include <cmath>
#include <map>

#include "cli/commands.hpp"
#include "core/provenance.hpp"
#include "core/config_overrides.hpp"
#include "core/csv.hpp"
#include "core/interrupt.hpp"
#include "core/progress.hpp"
#include "core/sweep_runner.hpp"
#include "mesh/system_config.hpp"
#include "mesh/wafer_svg.hpp"
#include "mesh/yield_study.hpp"

namespace wafersim::cli {
namespace {

// A compact table of the headline columns of results.csv.
void print_table(const std::filesystem::path& csv_path, const SweepPlan& plan) {
  const CsvText csv = read_csv_file(csv_path);
  if (csv.records.size() < 2) return;
  const auto& header = csv.records.front().fields;
  std::map<std::string, std::size_t> col;
  for (std::size_t i = 0; i < header.size(); ++i) col[header[i]] = i;
  auto cell = [&](const std::vector<std::string>& row, const std::string& name) -> std::string {
    return col.count(name) ? row[col[name]] : "";
  };
  auto num = [](const std::string& s, int digits) {
    return s.empty() ? std::string("-") : fmt::format("{:.{}f}", std::stod(s), digits);
  };
  std::vector<std::string> axis_keys;
  for (const auto& a : plan.axes()) axis_keys.push_back(a.key);
  std::string line;
  for (const auto& k : axis_keys) line += fmt::format("{:>24} ", k.substr(k.rfind('.') == std::string::npos ? 0 : k.rfind('.') + 1));
  if (col.count("route_reachability")) {
    fmt::print("{}{:>14} {:>10} {:>12} {:>12} {:>14} {:>10}\n", line, "reachability", "hops", "stretch(M)", "stretch(SP)",
               "thru. bound", "dl-free");
    for (std::size_t i = 1; i < csv.records.size(); ++i) {
      const auto& row = csv.records[i].fields;
      std::string axes;
      for (const auto& k : axis_keys) axes += fmt::format("{:>24} ", cell(row, k).substr(0, 24));
      fmt::print("{}{:>14} {:>10} {:>12} {:>12} {:>14} {:>10}\n", axes, num(cell(row, "route_reachability"), 5),
                 num(cell(row, "route_hops_mean"), 2), num(cell(row, "route_stretch_manhattan"), 4),
                 num(cell(row, "route_stretch_shortest"), 4), num(cell(row, "route_throughput_bound"), 4),
                 num(cell(row, "route_deadlock_free"), 2));
    }
    if (!col.count("tile_yield")) return;
    fmt::print("\n");
  }
  fmt::print("{}{:>12} {:>12} {:>22} {:>12} {:>12} {:>9}\n", line, "tile_yield", "(closed)", "wafer_yield [95% CI]", "(closed)",
             "usable", "stretch");
  for (std::size_t i = 1; i < csv.records.size(); ++i) {
    const auto& row = csv.records[i].fields;
    line.clear();
    for (const auto& k : axis_keys) line += fmt::format("{:>24} ", cell(row, k).substr(0, 24));
    const std::string ci = fmt::format("{} [{}, {}]", num(cell(row, "wafer_yield"), 3), num(cell(row, "wafer_yield_lo"), 2),
                                       num(cell(row, "wafer_yield_hi"), 2));
    fmt::print("{}{:>12} {:>12} {:>22} {:>12} {:>12} {:>9}\n", line, num(cell(row, "tile_yield"), 6),
               num(cell(row, "tile_yield_closed"), 6), ci, num(cell(row, "wafer_yield_closed"), 3), num(cell(row, "usable_tiles"), 0),
               num(cell(row, "stretch_mean"), 4));
  }
}

}  // namespace

int run_sweep_command(const SweepArgs& args) {
  install_interrupt_handler();
  const SweepPlan plan = SweepPlan::load(args.sweep_file, [](const YamlNode& n) {
    const mesh::SystemConfig c = mesh::SystemConfig::from_yaml(n);
    return c.defects.map_file ? std::vector<std::filesystem::path>{*c.defects.map_file} : std::vector<std::filesystem::path>{};
  }, ConfigMount::root());
  command_overrides().check_all_taken();
  RunProvenance::current().set_seed(plan.seed());
  const mesh::StudyOptions options = mesh::StudyOptions::from_yaml(plan.evaluate());
  const std::filesystem::path maps_dir = args.out_dir / "plots" / "maps";
  std::filesystem::create_directories(maps_dir);

  fmt::print("sweep {}: {} points x {} wafers on {} (seed {}), {} jobs\n", plan.name(), plan.points().size(), plan.replicates(),
             plan.system_file().string(), plan.seed(), args.jobs);
  SweepRunOptions run_options;
  run_options.out_dir = args.out_dir;
  run_options.jobs = args.jobs;
  run_options.show_progress = Progress::stderr_is_terminal();
  run_options.extra_meta["kind"] = "sweep";  // what `wafersim plot` draws from this folder
  run_options.extra_meta["metrics_doc"] = "README.md#sweep-results";
  run_options.extra_meta["estimated"] =
      "Monte Carlo means over the replicate wafers with 95% intervals (Student t; Wilson for wafer_yield); "
      "*_closed columns are analytic formulas";

  const SweepOutcome outcome = run_sweep(
      plan, mesh::study_columns(options),
      [&](const SweepPoint& point) -> std::optional<std::vector<std::string>> {
        const mesh::SystemConfig config = mesh::SystemConfig::from_yaml(point.config);
        const std::string labels = plan.describe(point);
        auto result = mesh::run_study(
            config, plan.seed(), plan.replicates(), options,
            [&](std::size_t r, const mesh::WaferSample& s) {
              if (r != 0) return;
              const mesh::Wafer wafer(config.wafer);
              mesh::SvgOptions svg;
              svg.title = fmt::format("{} - point {}, first wafer", plan.name(), point.index);
              svg.notes.push_back(labels);
              svg.notes.push_back(fmt::format("repair {}: logical {} x {} of {} x {}, {}; seed {}", s.fabric.strategy, s.fabric.rows(),
                                              s.fabric.cols(), s.fabric.nominal_rows, s.fabric.nominal_cols,
                                              s.fabric.formed ? "formed" : "not formed", mesh::replicate_seed(plan.seed(), 0)));
              write_file_atomically(maps_dir / fmt::format("point-{:03d}.svg", point.index),
                                    mesh::render_wafer_svg(wafer, s.map, &s.fabric, svg));
            },
            [] { return interrupted(); });
        if (!result) return std::nullopt;
        return mesh::study_cells(*result, options);
      },
      run_options);

  fmt::print("\n");
  print_table(outcome.results_csv, plan);
  fmt::print("\n{} points: {} computed now, {} reused from an earlier run, {:.1f} s\n", outcome.total, outcome.computed,
             outcome.reused, outcome.wall_seconds);
  if (outcome.interrupted) {
    fmt::print(stderr, "wafersim: interrupted; {} keeps the finished points. Run the same command again to resume.\n",
               outcome.results_csv.string());
    return 130;
  }
  fmt::print("results: {}\nmeta:    {}\n", outcome.results_csv.string(), (args.out_dir / "meta.json").string());
  fmt::print("maps:    {}/point-NNN.svg (first wafer of each point)\n", maps_dir.string());
  if (args.plots) {
    if (run_plot_command(args.out_dir) != 0) return 1;  // it said why; the results are complete
    fmt::print("charts:  {}/*.png\n", (args.out_dir / "plots").string());
  }
  return 0;
}

}  // namespace wafersim::cli
