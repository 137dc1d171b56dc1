#include <fmt/format.h>

#include <cmath>

#include "cli/commands.hpp"
#include "core/provenance.hpp"
#include "core/config_overrides.hpp"
#include "core/csv.hpp"
#include "core/input_error.hpp"
#include "core/json_file.hpp"
#include "mesh/channel_dependency.hpp"
#include "mesh/route_metrics.hpp"
#include "mesh/system_config.hpp"
#include "mesh/wafer_svg.hpp"
#include "mesh/yield_study.hpp"

namespace wafersim::cli {

int run_route_command(const RouteArgs& args) {
  if (!args.algorithm.empty())
    command_overrides().add(flag_override("routing.algorithm", args.algorithm, "--algorithm " + args.algorithm));
  const mesh::SystemConfig config = mesh::SystemConfig::load(args.config_file, ConfigMount::root());
  command_overrides().check_all_taken();
  RunProvenance::current().set_seed(args.seed);
  const mesh::Wafer wafer(config.wafer);
  std::filesystem::create_directories(args.out_dir);
  const mesh::WaferSample s = mesh::sample_wafer(config, wafer, args.seed, 0);
  const auto routing = config.routing.build(s.fabric);

  const mesh::DeadlockReport report = mesh::check_deadlock(*routing, args.exact_cdg);
  mesh::RouteMetricsOptions mo;
  mo.seed = args.seed;
  mo.destinations = args.destinations >= 0 ? static_cast<std::size_t>(args.destinations) : mesh::default_route_destinations(s.fabric.nodes());
  const mesh::RouteMetrics m = mesh::measure_routing(*routing, mo);

  fmt::print("{} (seed {}): fabric {} x {} after repair {}, {} working tiles\n", config.name, args.seed, s.fabric.rows(),
             s.fabric.cols(), s.fabric.strategy, s.metrics.endpoints);
  fmt::print("deadlock check ({} turns): {}\n", args.exact_cdg ? "exact, per destination" : "rule-based", report.verdict());
  if (!report.acyclic) fmt::print("  cycle: {}\n", report.describe_cycle(s.fabric));
  const char* how = m.exact ? "exact, all destinations" : "ESTIMATED from a sample of destinations";
  fmt::print("routing {} ({}; {} destinations, {} pairs):\n", m.algorithm, how, m.destinations, m.pairs);
  fmt::print("  reachability        {:.6f} of ordered pairs of working tiles\n", m.reachability);
  fmt::print("  hops                mean {:.3f}, max {:.0f}\n", m.hops_mean, m.hops_max);
  fmt::print("  stretch vs Manhattan      mean {:.4f}, max {:.3f}\n", m.stretch_manhattan_mean, m.stretch_manhattan_max);
  fmt::print("  stretch vs shortest path  mean {:.4f}, max {:.3f}\n", m.stretch_shortest_mean, m.stretch_shortest_max);
  if (m.exact) {
    fmt::print("  uniform random traffic: busiest link {:.4g} flits/cycle per flit/node/cycle -> throughput <= {:.4g} flits/node/cycle\n",
               m.max_channel_load, m.throughput_bound);
  } else {
    fmt::print("  uniform random traffic: channel-load bound needs every destination (--destinations 0); a sample overstates the busiest link\n");
  }
  fmt::print("  routing state       {} bytes per node ({:.1f} MB in all)\n", m.state_bytes_per_node,
             m.state_bytes_per_node * s.fabric.nodes() / 1e6);

  nlohmann::ordered_json j;
  j["config"] = args.config_file.string();
  j["seed"] = args.seed;
  j["algorithm"] = m.algorithm;
  j["deadlock"] = {{"verdict", report.verdict()},        {"deadlock_free", report.deadlock_free}, {"scope", report.scope},
                   {"exact_turns", args.exact_cdg},      {"channels", report.channels},           {"dependencies", report.dependencies},
                   {"acyclic", report.acyclic},          {"escape_connected", report.escape_connected}};
  if (!report.acyclic) j["deadlock"]["cycle"] = report.describe_cycle(s.fabric, 1000);
  j["metrics"] = {{"exact", m.exact},
                  {"destinations", m.destinations},
                  {"pairs", m.pairs},
                  {"reachability", m.reachability},
                  {"hops_mean", m.hops_mean},
                  {"hops_max", m.hops_max},
                  {"stretch_manhattan_mean", m.stretch_manhattan_mean},
                  {"stretch_manhattan_max", m.stretch_manhattan_max},
                  {"stretch_shortest_mean", m.stretch_shortest_mean},
                  {"stretch_shortest_max", m.stretch_shortest_max},
                  {"max_channel_load", m.exact ? nlohmann::ordered_json(m.max_channel_load) : nlohmann::ordered_json(nullptr)},
                  {"throughput_bound", m.exact ? nlohmann::ordered_json(m.throughput_bound) : nlohmann::ordered_json(nullptr)},
                  {"state_bytes_per_node", m.state_bytes_per_node}};
  write_json_file(args.out_dir / "route.json", j);

  mesh::SvgOptions svg;
  svg.title = fmt::format("{} - {} routing, link load (seed {})", config.name, m.algorithm, args.seed);
  svg.notes.push_back(m.exact ? fmt::format("uniform random traffic, {}; throughput <= {:.4g} flits/node/cycle", how, m.throughput_bound)
                              : fmt::format("uniform random traffic, {} (link loads near sampled destinations are overstated)", how));
  svg.notes.push_back(report.verdict());
  svg.link_load = &m.link_load;
  write_file_atomically(args.out_dir / "link_load.svg", mesh::render_wafer_svg(wafer, s.map, &s.fabric, svg));
  fmt::print("wrote {0}/route.json, {0}/link_load.svg\n", args.out_dir.string());
  return 0;
}

}  // namespace wafersim::cli
