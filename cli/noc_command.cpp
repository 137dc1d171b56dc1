// wafersim noc: one NoC measurement, or a sweep over the injection rate (latency-throughput curve).
#include <fmt/format.h>
#include <fmt/ranges.h>

#include <cstdlib>
#include <fstream>
#include <sstream>

#include "cli/commands.hpp"
#include "core/provenance.hpp"
#include "core/config_overrides.hpp"
#include "core/allocator.hpp"
#include "core/build_info.hpp"
#include "core/csv.hpp"
#include "core/input_error.hpp"
#include "core/interrupt.hpp"
#include "core/json_file.hpp"
#include "core/progress.hpp"
#include "core/thread_pool.hpp"
#include "mesh/wafer_svg.hpp"
#include "sim/noc_report.hpp"
#include "sim/noc_run.hpp"
#include "sim/traffic_pattern.hpp"

namespace wafersim::cli {
namespace {

void print_summary(const sim::NocConfig& c, const sim::NocNetwork& net, const sim::NocResult& r, double rate) {
  fmt::print("{}: {} on {} ({} x {} fabric, {} working tiles), {} routing, {} clock domain(s)\n", c.name, c.traffic.pattern, c.system.name,
             net.sample.fabric.rows(), net.sample.fabric.cols(), net.sample.fabric.endpoint_count(), net.routing->name(), net.clocks->size());
  fmt::print("  status            {}{}\n", r.status, r.status_detail.empty() ? "" : " (" + r.status_detail + ")");
  if (c.traffic.is_trace()) fmt::print("  offered           {:.4g} flits/node/cycle (trace {})\n", r.offered, c.traffic.trace_file.string());
  else fmt::print("  offered           {:.4f} flits/node/cycle (rate {:.4g})\n", r.offered, rate);
  fmt::print("  accepted          {:.4f} flits/node/cycle\n", r.accepted);
  fmt::print("  packet latency    mean {:.2f}  p50 {:.0f}  p99 {:.0f}  max {:.0f} cycles ({} of {} measured packets delivered)\n",
             r.latency_mean, r.latency_p50, r.latency_p99, r.latency_max, r.packets_delivered, r.packets_measured);
  fmt::print("  network latency   mean {:.2f} cycles; hops mean {:.3f}", r.network_latency_mean, r.hops_mean);
  if (!c.traffic.is_trace() && net.clocks->size() == 1)
    fmt::print("; zero-load formula at that distance {:.2f}", r.zero_load_latency);
  fmt::print("\n");
  fmt::print("  links             utilization max {:.3f}, mean {:.3f} flits/cycle; energy {:.4g} pJ ({:.4g} mW)\n", r.link_utilization_max,
             r.link_utilization_mean, r.link_energy_pj, r.link_power_mw);
  if (net.clocks->size() > 1)
    fmt::print("  clock crossings   {} flits, {} credits in the window; periods {}..{} ps\n", r.flit_crossings, r.credit_crossings,
               net.clocks->report.min_period_ps, net.clocks->report.max_period_ps);
  if (net.clocks->report.worst_skew_ps > 0)
    fmt::print("  clock tree        worst skew {:.1f} ps -> at most {:.3f} GHz{}\n", net.clocks->report.worst_skew_ps,
               net.clocks->report.skew_limited_ghz, net.clocks->report.derated_for_skew ? " (clock derated to it)" : "");
  if (r.packets_suppressed) fmt::print("  suppressed        {} packets (dead or unreachable destination)\n", r.packets_suppressed);
  fmt::print("  simulated         {} cycles in {:.2f} s: {:.3g} router-cycles/s; engine state {:.1f} MB, peak RSS {:.1f} MB\n", r.cycles,
             r.wall_seconds, r.router_cycles_per_second, r.engine_bytes / 1e6, peak_resident_bytes() / 1e6);
}

std::vector<double> parse_rates(const std::string& text) {
  std::vector<double> out;
  std::stringstream ss(text);
  std::string item;
  while (std::getline(ss, item, ',')) {
    char* end = nullptr;
    const double r = std::strtod(item.c_str(), &end);
    if (end == item.c_str() || *end != '\0' || !(r > 0.0) || r > 1.0)
      throw InputError("--rates: '" + item + "' is not a rate in (0, 1] flits/node/cycle");
    out.push_back(r);
  }
  if (out.empty()) throw InputError("--rates: no rates given");
  if (out.size() > 10000) throw InputError("--rates: more than 10000 rates");
  return out;
}

}  // namespace

int run_noc_command(const NocArgs& args) {
  // The flags that stand for keys are overrides, so the config's rules see them (a bursty source's
  // on_rate >= rate holds for --rate and --rates too).
  ConfigOverrides& overrides = command_overrides();
  auto flag = [&](const std::string& key, const std::string& value, const std::string& name) {
    overrides.add(flag_override(key, value, fmt::format("{} {}", name, value)));
  };
  if (!args.system_file.empty()) flag("system", args.system_file.string(), "--system");
  if (args.seed >= 0) flag("seed", std::to_string(args.seed), "--seed");
  if (!args.traffic.empty()) {
    // Another pattern: the section's keys that only its own pattern took go (a hotspot list, a
    // trace file), so that the new one runs with its defaults and the config's rate and sizes.
    const YamlNode traffic = YamlNode::load_file(args.config_file).child("traffic");
    if (traffic.is_map())
      for (const std::string& k : sim::TrafficSpec::keys_not_taken_by(traffic, args.traffic))
        overrides.add(flag_override("traffic." + k, "null", "--traffic " + args.traffic));
    flag("traffic.pattern", args.traffic, "--traffic");
  }
  if (args.rate >= 0) flag("traffic.rate", fmt::format("{}", args.rate), "--rate");
  if (args.packet_size > 0) flag("traffic.packet_size", std::to_string(args.packet_size), "--packet-size");
  if (!args.rates.empty()) {
    const std::vector<double> given = parse_rates(args.rates);
    overrides.add(flag_override("sweep.rates", fmt::format("[{}]", fmt::join(given, ", ")), "--rates " + args.rates));
  }
  if (args.cycles > 0) {
    const std::string origin = fmt::format("--cycles {}", args.cycles);
    overrides.add(flag_override("measurement.warmup_cycles", "0", origin));
    overrides.add(flag_override("measurement.measure_cycles", std::to_string(args.cycles), origin));
    overrides.add(flag_override("measurement.max_drain_cycles", "0", origin));
  }
  sim::NocConfig config = sim::NocConfig::load(args.config_file, ConfigMount::root());
  overrides.check_all_taken();
  RunProvenance::current().set_seed(config.seed);
  config.threads = args.threads;
  if (args.cycles > 0) config.measurement.stop_when_saturated = false;
  const std::vector<double>& rates = config.sweep_rates;
  if (args.sweep && rates.empty()) throw InputError(config.file.string() + ": --sweep needs sweep.rates in the config or --rates");
  if (args.sweep && config.traffic.is_trace()) throw InputError("--sweep: a trace has no injection rate to sweep");

  std::filesystem::create_directories(args.out_dir);
  install_interrupt_handler();
  const sim::NocNetwork net(config);
  // Threads that would slow the run down are not started (results are the same for any count).
  const int requested_threads = config.threads;
  config.threads = sim::Engine::useful_threads(config.threads, net.routers, available_cpus());
  if (config.threads < requested_threads)
    fmt::print(stderr, "note: --threads {}: running {} ({} CPUs available, {} routers; a thread pays from {} routers up)\n", requested_threads,
               config.threads, available_cpus(), net.routers, sim::Engine::kRoutersPerThread);
  {
    // A run that will take hours says so up front (an estimate from the engine's typical speed).
    const double runs = args.sweep ? static_cast<double>(rates.size()) : 1.0;
    const double router_cycles = runs * static_cast<double>(net.routers) *
                                 static_cast<double>(config.measurement.warmup_cycles + config.measurement.measure_cycles);
    constexpr double kTypicalRouterCyclesPerSecond = 1e7;  // one thread, low load (docs/noc.md, README's WSE-2 run)
    if (const double hours = router_cycles / kTypicalRouterCyclesPerSecond / 3600; hours > 1)
      fmt::print(stderr, "note: {:.3g} router-cycles to simulate: roughly {:.0f} h at the {:.0e} router-cycles/s the engine typically does on "
                 "one thread (an estimate); Ctrl-C stops it and keeps what it measured\n", router_cycles, hours, kTypicalRouterCyclesPerSecond);
  }
  if (config.threads > 1) {
    double load = 0;  // other work on the machine takes the CPUs the threads meet on
    if (std::ifstream loadavg("/proc/loadavg"); loadavg >> load && load + config.threads > available_cpus() + 0.5)
      fmt::print(stderr, "warning: --threads {}: the machine is busy (load {:.1f} on {} CPUs); threads that wait for a CPU at every "
                 "cycle's barrier can make the run slower than --threads 1\n", config.threads, load, available_cpus());
  }
  nlohmann::ordered_json meta = {{"config", args.config_file.string()},
                                 {"system", config.system_file.string()},
                                 {"seed", config.seed},
                                 {"threads", config.threads},
                                 {"threads_requested", requested_threads},
                                 {"wafersim", std::string(version()) + " (" + git_hash() + ")"},
                                 {"fabric", {{"rows", net.sample.fabric.rows()}, {"cols", net.sample.fabric.cols()},
                                             {"working_tiles", net.sample.fabric.endpoint_count()}, {"routers", net.routers}}},
                                 {"routing", net.routing->name()},
                                 {"clock_domains", net.clocks->size()},
                                 {"latency_threshold_cycles", sim::latency_threshold(config, net.sample.fabric)}};

  if (!args.sweep) {
    const sim::NocResult r = sim::run_noc(net, config, config.traffic);
    print_summary(config, net, r, config.traffic.rate);
    if (r.status != "interrupted" && r.packets_measured == 0)
      fmt::print(stderr, "wafersim: warning: {} (measurement.warmup_cycles {}, measure_cycles {})\n", r.status_detail,
                 config.measurement.warmup_cycles, config.measurement.measure_cycles);
    meta["traffic"] = {{"pattern", config.traffic.pattern}, {"rate", config.traffic.rate}, {"packet_size", config.traffic.packet_size}};
    meta["result"] = sim::noc_result_json(r);
    meta["peak_rss_bytes"] = peak_resident_bytes();
    write_json_file(args.out_dir / "noc.json", meta);
    write_file_atomically(args.out_dir / "latency_histogram.csv", sim::latency_histogram_csv(r));
    if (net.clocks->size() > 1) write_file_atomically(args.out_dir / "domains.csv", sim::domains_csv(*net.clocks, r));
    std::vector<float> load(r.stats.link_flits.size());
    for (std::size_t i = 0; i < load.size(); ++i) load[i] = static_cast<float>(r.stats.link_flits[i] / r.window_cycles);
    mesh::SvgOptions svg;
    svg.title = fmt::format("{} - {} traffic at {:.4g} flits/node/cycle: link utilization", config.name, config.traffic.pattern, config.traffic.rate);
    svg.notes.push_back(fmt::format("sampled: flits counted in cycles {}..{:.0f} (after {} cycles of warm-up), per cycle; status {}",
                                    config.measurement.warmup_cycles, config.measurement.warmup_cycles + r.window_cycles,
                                    config.measurement.warmup_cycles, r.status));
    svg.link_load = &load;
    svg.link_load_unit = "flits/cycle";
    write_file_atomically(args.out_dir / "links.svg", mesh::render_wafer_svg(net.wafer, net.sample.map, &net.sample.fabric, svg));
    fmt::print("wrote {}/noc.json, latency_histogram.csv, links.svg{}\n", args.out_dir.string(), net.clocks->size() > 1 ? ", domains.csv" : "");
    return r.status == "interrupted" ? 130 : 0;
  }

  // Sweep: one row per rate, written as soon as it is done.
  const auto csv_path = args.out_dir / "results.csv";
  write_file_atomically(csv_path, csv_row(sim::noc_sweep_columns()));
  CsvAppender csv(csv_path);
  Progress progress("noc sweep", rates.size(), Progress::stderr_is_terminal());
  fmt::print("{}: {} traffic, packet size {}, {} rates\n", config.name, config.traffic.pattern, config.traffic.packet_size, rates.size());
  fmt::print("{:>8} {:>10} {:>9} {:>9} {:>9} {:>7} {:>7}\n", "rate", "status", "offered", "accepted", "latency", "p99", "wall_s");
  double saturation = 0.0;
  bool stopped = false;
  std::size_t measured = 0;  // rates with a row in results.csv
  for (double rate : rates) {
    if (interrupted()) break;
    sim::TrafficSpec t = config.traffic;
    t.rate = rate;
    const sim::NocResult r = sim::run_noc(net, config, t);
    if (r.status == "interrupted") break;
    csv.write_row(sim::noc_sweep_row(rate, r));
    ++measured;
    progress.advance();
    fmt::print("{:>8.4f} {:>10} {:>9.4f} {:>9.4f} {:>9.2f} {:>7.0f} {:>7.2f}\n", rate, r.status, r.offered, r.accepted, r.latency_mean,
               r.latency_p99, r.wall_seconds);
    if (r.status == "ok") saturation = std::max(saturation, r.accepted);
    if (r.status != "ok" && config.stop_at_saturation) {
      stopped = true;
      break;
    }
  }
  progress.finish();
  if (stopped) fmt::print("stopped at the first saturated rate (sweep.stop_at_saturation)\n");
  fmt::print("highest accepted throughput below saturation: {:.4f} flits/node/cycle\n", saturation);
  meta["kind"] = "noc_sweep";  // what `wafersim plot` draws from this folder
  meta["traffic"] = {{"pattern", config.traffic.pattern}, {"packet_size", config.traffic.packet_size}};
  meta["sweep"] = {{"rates", rates}, {"saturation_throughput", saturation}, {"interrupted", interrupted()}};
  write_json_file(args.out_dir / "meta.json", meta);
  // The chart through the one plotting path (`wafersim plot`), which says why if it cannot draw it.
  const bool drawn = args.plots && measured > 0 && run_plot_command(args.out_dir) == 0;
  const bool plotted = drawn || !args.plots || measured == 0;
  fmt::print("wrote {}/results.csv, meta.json{}\n", args.out_dir.string(), drawn ? ", plots/latency_throughput.png" : "");
  if (interrupted()) return 130;
  return plotted ? 0 : 1;
}

}  // namespace wafersim::cli
