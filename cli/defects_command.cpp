#include <fmt/format.h>

#include <cmath>

#include "cli/commands.hpp"
#include "core/provenance.hpp"
#include "core/config_overrides.hpp"
#include "core/csv.hpp"
#include "core/json_file.hpp"
#include "mesh/system_config.hpp"
#include "mesh/wafer_svg.hpp"
#include "mesh/yield_study.hpp"

namespace wafersim::cli {

int run_defects_command(const DefectsArgs& args) {
  const mesh::SystemConfig config = mesh::SystemConfig::load(args.config_file, ConfigMount::root());
  command_overrides().check_all_taken();
  RunProvenance::current().set_seed(args.seed);
  const mesh::Wafer wafer(config.wafer);
  std::filesystem::create_directories(args.out_dir);
  const mesh::WaferSample s = mesh::sample_wafer(config, wafer, args.seed, args.stretch_sources);
  const mesh::DefectMap::Counts n = s.map.counts();
  const auto closed = mesh::closed_forms(config, wafer);

  s.map.save_csv(args.out_dir / "defect_map.csv");
  mesh::SvgOptions svg;
  svg.title = fmt::format("{} - seed {}", config.name, args.seed);
  svg.notes.push_back(config.defects.map_file ? "defects loaded from " + config.defects.map_file->string()
                                              : fmt::format("{} model, D0 {} /cm2, cluster block {}", config.defects.model_name,
                                                            config.defects.d0_per_cm2, mesh::block_name(config.defects.cluster_block)));
  svg.notes.push_back(fmt::format("repair {}: logical {} x {} of {} x {}, {}", s.fabric.strategy, s.fabric.rows(), s.fabric.cols(),
                                  s.fabric.nominal_rows, s.fabric.nominal_cols, s.fabric.formed ? "formed" : "not formed"));
  write_file_atomically(args.out_dir / "wafer_map.svg", mesh::render_wafer_svg(wafer, s.map, &s.fabric, svg));

  nlohmann::ordered_json j;
  j["config"] = args.config_file.string();
  j["seed"] = args.seed;
  j["tile_sites"] = n.sites;
  j["tiles_alive"] = n.tiles_alive;
  j["compute_dead"] = n.compute_dead;
  j["router_dead"] = n.router_dead;
  j["links"] = n.links;
  j["links_dead"] = n.links_dead;
  j["killer_defects"] = s.map.killer_defects();
  j["repair"] = {{"strategy", s.fabric.strategy},
                 {"formed", s.fabric.formed},
                 {"logical_rows", s.fabric.rows()},
                 {"logical_cols", s.fabric.cols()},
                 {"nominal_rows", s.fabric.nominal_rows},
                 {"nominal_cols", s.fabric.nominal_cols},
                 {"spares_used", s.fabric.spares_used},
                 {"dead_logical_links", s.fabric.dead_logical_links}};
  const auto& m = s.metrics;
  j["fabric"] = {{"endpoints", m.endpoints},
                 {"components", m.components},
                 {"largest_component", m.largest_component},
                 {"reachable_pair_fraction", m.reachable_pair_fraction},
                 {"stretch_sources", args.stretch_sources},
                 {"stretch_mean", std::isnan(m.stretch_mean) ? nlohmann::ordered_json(nullptr) : nlohmann::ordered_json(m.stretch_mean)},
                 {"stretch_max", std::isnan(m.stretch_max) ? nlohmann::ordered_json(nullptr) : nlohmann::ordered_json(m.stretch_max)},
                 {"link_length_histogram", m.link_length_histogram}};
  if (closed) {
    j["closed_form"] = {{"tile_yield", closed->tile_yield}, {"expected_alive_tiles", closed->expected_alive_tiles}};
    if (closed->wafer_yield) j["closed_form"]["wafer_yield"] = *closed->wafer_yield;
    else j["closed_form"]["wafer_yield_note"] = closed->wafer_yield_note;
  }
  write_json_file(args.out_dir / "summary.json", j);

  fmt::print("{} (seed {}): {} tile sites on a {} x {} grid\n", config.name, args.seed, n.sites, wafer.rows(), wafer.cols());
  fmt::print("  killer defects {}; tiles alive {} ({:.4f}%); compute dead {}, router dead {}; links dead {} of {}\n",
             s.map.killer_defects(), n.tiles_alive, 100.0 * n.tiles_alive / n.sites, n.compute_dead, n.router_dead, n.links_dead, n.links);
  if (closed) {
    fmt::print("  closed form: tile yield {:.6f} (expected {:.1f} alive)", closed->tile_yield, closed->expected_alive_tiles);
    if (closed->wafer_yield) fmt::print(", probability the array forms {:.4f}", *closed->wafer_yield);
    fmt::print("\n");
  }
  fmt::print("  repair {}: logical array {} x {} of {} x {} {}; spares used {}; dead logical links {}\n", s.fabric.strategy,
             s.fabric.rows(), s.fabric.cols(), s.fabric.nominal_rows, s.fabric.nominal_cols,
             s.fabric.formed ? "formed" : "NOT formed", s.fabric.spares_used, s.fabric.dead_logical_links);
  fmt::print("  fabric: {} components; largest holds {} of {} working tiles; reachable pairs {:.6f}; stretch mean {:.4f}, max {:.3f} ({} sources)\n",
             m.components, m.largest_component, m.endpoints, m.reachable_pair_fraction, m.stretch_mean, m.stretch_max, args.stretch_sources);
  std::string hist;
  for (std::size_t len = 1; len < m.link_length_histogram.size(); ++len) {
    if (m.link_length_histogram[len]) hist += fmt::format(" {}:{}", len, m.link_length_histogram[len]);
  }
  fmt::print("  link lengths (tiles:count):{}\n", hist);
  fmt::print("wrote {0}/defect_map.csv, {0}/wafer_map.svg, {0}/summary.json\n", args.out_dir.string());
  return 0;
}

}  // namespace wafersim::cli
