// wafersim: the command line. Subcommands are thin; see cli/commands.hpp.
#include <CLI/CLI.hpp>
#include <fmt/format.h>

#include <fmt/ranges.h>

#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cmath>
#include <cstdlib>
#include <cstdio>
#include <filesystem>
#include <thread>
#include <vector>

#include "core/allocator.hpp"
#include "core/build_info.hpp"
#include "core/config_overrides.hpp"
#include "core/did_you_mean.hpp"
#include "core/provenance.hpp"

#include "cli/commands.hpp"
#include "core/input_error.hpp"
#include "compiler/mapper.hpp"
#include "compiler/attention_mapping.hpp"
#include "compiler/moe_mapping.hpp"
#include "compiler/matmul_mapping.hpp"
#include "sim/noc_config.hpp"
#include "sim/traffic_pattern.hpp"
#include "mesh/routing.hpp"

namespace {

// From the registry: the names and what each does.
std::string matmul_mapping_help() {
  std::string h = "Matmul mapping of every weight (NAME) or of one (OP=NAME, e.g. attn.q_proj=cannon), repeatable; auto (default): "
                  "the fastest by the cost model, per weight. Known:";
  const auto& reg = wafersim::compiler::MatmulMappingRegistry::instance();
  for (const auto& n : reg.names()) h += " " + n + " (" + reg.find(n)->summary + ");";
  return h;
}

template <typename Entry>
std::string layer_mapping_help(const std::string& what) {
  std::string h = what + ": auto (default: each costed, the fastest that fits in SRAM kept) or one of:";
  const auto& reg = wafersim::Registry<Entry>::instance();
  for (const auto& n : reg.names()) h += " " + n + " (" + reg.find(n)->summary + ");";
  return h;
}

// "a (what a does), b (...)": the entries of a registry.
template <typename Entry>
std::string registry_names() {
  std::string h;
  const auto& reg = wafersim::Registry<Entry>::instance();
  for (const auto& n : reg.names()) h += (h.empty() ? "" : ", ") + n + " (" + reg.find(n)->summary + ")";
  return h;
}

std::string style_help() {
  std::string h = "Mapping style: auto (the first that fits of";
  const auto& reg = wafersim::compiler::MappingStyleRegistry::instance();
  for (const auto& n : reg.names())
    if (reg.find(n)->auto_order > 0) h += " " + n;
  h += ") or one of:";
  for (const auto& n : reg.names()) h += " " + n + " (" + reg.find(n)->summary + ");";
  return h;
}

// The first value given to an option that CLI11 would take although it is meaningless, as
// "--flag: ...", or empty when there is none:
//  - an empty value (`--algorithm ''`): no value of this tool is empty, and most options treat
//    empty as "not given", so it would be ignored;
//  - a floating-point value that is not a finite number ("nan", "inf", "1e999"): CLI11's ranges let
//    NaN through (it compares false both ways), and no quantity of this tool is infinite;
//  - a negative value for an unsigned option (`--seed -1`): strtoull wraps it to 2^64 - 1.
std::string bad_value(const CLI::App& app) {
  for (const CLI::Option* o : app.get_options()) {
    if (o->get_type_size() == 0) continue;  // a flag
    const std::string type = o->get_type_name();
    for (const std::string& v : o->results()) {
      if (v.empty()) return fmt::format("{}: empty value", o->get_name());
      if (type.find("FLOAT") != std::string::npos) {
        errno = 0;
        char* end = nullptr;
        const double x = std::strtod(v.c_str(), &end);
        if (end != v.c_str() && (!std::isfinite(x) || errno == ERANGE))
          return fmt::format("{}: '{}' is not a finite number", o->get_name(), v);
      }
      if (type.find("UINT") != std::string::npos && v.find('-') != std::string::npos)
        return fmt::format("{}: '{}' is negative; it must be a whole number >= 0", o->get_name(), v);
    }
  }
  for (const CLI::App* sub : app.get_subcommands())
    if (std::string why = bad_value(*sub); !why.empty()) return why;
  return {};
}

}  // namespace

// Seeds go up to the largest whole number a YAML config may hold (core/yaml_reader's 9e15), so that
// a seed given as a flag can also be written in a config.
constexpr long long kMaxSeed = 9'000'000'000'000'000LL;

int main(int argc, char** argv) {
  using namespace wafersim;
  keep_freed_memory_for_reuse();
  CLI::App app{"wafersim: a simulator for wafer-scale AI accelerators"};
  // Every --out is made (or found) and checked writable before any work starts, so that a bad
  // path is one line and exit code 2 at once, not an error after a long run.
  const CLI::Validator output_dir(
      [](std::string& path) -> std::string {
        std::error_code ec;
        std::filesystem::create_directories(path, ec);
        if (ec) return "cannot create the output directory '" + path + "': " + ec.message();
        if (!std::filesystem::is_directory(path, ec)) return "the output path '" + path + "' is not a directory";
        if (::access(path.c_str(), W_OK) != 0) return "the output directory '" + path + "' is not writable";
        return {};
      },
      "DIR");
  // An output file: its directory exists and is writable, and it is not a directory itself.
  const CLI::Validator output_file(
      [](std::string& path) -> std::string {
        std::error_code ec;
        const std::filesystem::path p(path);
        if (std::filesystem::is_directory(p, ec)) return "the output file '" + path + "' is a directory";
        const std::filesystem::path dir = p.parent_path().empty() ? std::filesystem::path(".") : p.parent_path();
        if (!std::filesystem::is_directory(dir, ec)) return "the directory of the output file '" + path + "' does not exist";
        // Written through a temporary beside it (write_file_atomically): try that now, since
        // access() says yes to root on read-only file systems such as /proc.
        const std::filesystem::path probe = path + ".tmp";
        const bool existed = std::filesystem::exists(probe, ec);
        if (std::FILE* f = std::fopen(probe.c_str(), "ab")) {
          std::fclose(f);
          if (!existed) std::filesystem::remove(probe, ec);
        } else {
          return "cannot write the output file '" + path + "' in '" + dir.string() + "'";
        }
        return {};
      },
      "FILE");
  app.require_subcommand(1);
  app.set_version_flag("--version", std::string(version()) + " (" + git_hash() + ")");

  cli::SweepArgs sweep;
  auto* sweep_cmd = app.add_subcommand("sweep", "Run a yield/defect sweep from a YAML file; writes DIR/results.csv, meta.json, plots/");
  sweep_cmd->add_option("sweep", sweep.sweep_file, "Sweep YAML (e.g. configs/sweeps/default.yaml)")->required();
  sweep_cmd->add_option("--out", sweep.out_dir, "Output directory (a rerun with the same one resumes)")->check(output_dir)->required();
  sweep_cmd->add_option("--jobs,-j", sweep.jobs, "Points run in parallel (results do not depend on it)")
      ->check(CLI::Range(1u, 1024u))
      ->default_val(std::max(1u, std::thread::hardware_concurrency()));
  sweep_cmd->add_flag("!--no-plots", sweep.plots, "Skip drawing the charts");

  cli::DefectsArgs defects;
  auto* defects_cmd = app.add_subcommand("defects", "Draw one wafer's defect map; writes its CSV, an SVG map and a summary");
  defects_cmd->add_option("config", defects.config_file, "System YAML (e.g. configs/systems/wse2-like.yaml)")->required();
  defects_cmd->add_option("--seed", defects.seed, "Seed of the defect draw")->check(CLI::Range(0LL, kMaxSeed))->default_val(1);
  defects_cmd->add_option("--out", defects.out_dir, "Output directory")->check(output_dir)->required();
  defects_cmd->add_option("--stretch-sources", defects.stretch_sources, "Sources for the path-stretch sample (at most the working tiles are used)")
      ->check(CLI::Range(0u, 1000000u))
      ->default_val(16);

  cli::RouteArgs route;
  auto* route_cmd = app.add_subcommand("route", "Route on one wafer's fabric: deadlock check (CDG), reachability, stretch, link loads");
  route_cmd->add_option("config", route.config_file, "System YAML")->required();
  route_cmd->add_option("--seed", route.seed, "Seed of the defect draw")->check(CLI::Range(0LL, kMaxSeed))->default_val(1);
  route_cmd->add_option("--out", route.out_dir, "Output directory")->check(output_dir)->required();
  route_cmd->add_option("--algorithm", route.algorithm, "Routing algorithm (overrides routing.algorithm): " + registry_names<wafersim::mesh::RoutingEntry>());
  route_cmd->add_option("--destinations", route.destinations,
                        "Destinations for the metrics: 0 = all (exact); default all up to 1024 nodes, else 32 (estimate)")
      ->check(CLI::Range(0L, 100000000L));
  route_cmd->add_flag("--exact-cdg", route.exact_cdg, "Build the CDG from the routes to every destination (O(nodes^2))");

  cli::NocArgs noc;
  auto* noc_cmd = app.add_subcommand("noc", "Cycle-simulate the network under synthetic or trace traffic; --sweep for a latency-throughput curve");
  noc_cmd->add_option("config", noc.config_file, "NoC YAML (e.g. configs/noc/booksim-like.yaml)")->required()->check(CLI::ExistingFile);
  noc_cmd->add_option("--out", noc.out_dir, "Output directory")->check(output_dir)->required();
  noc_cmd->add_option("--system", noc.system_file, "System YAML (overrides the config's system)")->check(CLI::ExistingFile);
  noc_cmd->add_option("--traffic", noc.traffic, "Traffic pattern (overrides traffic.pattern): " + registry_names<wafersim::sim::TrafficPatternEntry>() +
                                                    ", or trace (the config's traffic.trace)");
  noc_cmd->add_option("--rate", noc.rate, "Offered load, flits/node/cycle")->check(CLI::Range(0.0, 1.0));
  noc_cmd->add_option("--packet-size", noc.packet_size, "Flits per packet")->check(CLI::Range(1, 65535));
  noc_cmd->add_option("--seed", noc.seed, "Seed (defect map, clock phases, traffic)")->check(CLI::Range(0LL, kMaxSeed));
  noc_cmd->add_option("--threads", noc.threads, "Engine threads, each stepping a band of rows (at most: fewer run where they would not pay, one per 2048 routers and CPU); results are identical for any count")
      ->check(CLI::Range(1, 64))
      ->default_val(1);
  noc_cmd->add_option("--cycles", noc.cycles, "Run this many cycles with no warm-up or drain (a speed/scale run)")
      ->check(CLI::Range(std::uint64_t{1}, wafersim::sim::MeasurementSpec::kMaxMeasureCycles));
  noc_cmd->add_flag("--sweep", noc.sweep, "Sweep the injection rate (sweep.rates of the config, or --rates)");
  noc_cmd->add_option("--rates", noc.rates, "Comma-separated rates for --sweep");
  noc_cmd->add_flag("!--no-plots", noc.plots, "Skip drawing the chart");

  cli::GraphArgs graph;
  auto* graph_cmd = app.add_subcommand("graph", "A model's op graph (YAML or ONNX): op counts, parameters, FLOPs per phase and per token");
  graph_cmd->add_option("--model", graph.model_file, "Model YAML or ONNX file (e.g. workloads/gpt2-small.yaml, build/workloads/gpt2-block.onnx)")
      ->required()
      ->check(CLI::ExistingFile);
  graph_cmd->add_option("--recompute", graph.recompute, "Activation recomputation: none, selective, full")
      ->check(CLI::IsMember({"none", "selective", "full"}))
      ->default_val("none");
  graph_cmd->add_option("--sequence", graph.sequence, "Override the model's sequence length (YAML)")->check(CLI::Range(1LL, 10000000LL));
  graph_cmd->add_option("--micro-batch", graph.micro_batch, "Override the model's micro-batch (YAML)")->check(CLI::Range(1LL, 1000000LL));
  graph_cmd->add_flag("--inference", graph.inference, "Forward only (no backward, no optimizer)");
  graph_cmd->add_option("--dim", graph.dims, "Value of a symbolic ONNX dimension, NAME=N (repeatable)");

  cli::ValidateArgs val;
  auto* val_cmd = app.add_subcommand("validate", "The training estimate against published runs (configs/validation): each row's error, the mean and the worst (ESTIMATED)");
  val_cmd->add_option("set", val.set, "Validation file or directory of *.yaml (default configs/validation)")->check(CLI::ExistingPath);
  val_cmd->add_option("--out", val.out_dir, "Output directory (validation.json)")->check(output_dir);

  cli::EstimateArgs est;
  auto* est_cmd = app.add_subcommand("estimate", "Training time of a model on a GPU or wafer cluster: the best parallelism layouts, or one given layout; for wafers also how many for a target of days, and what moves the answer (ESTIMATED)");
  est_cmd->add_option("--model", est.model_file, "Model YAML (e.g. workloads/gpt3-175b.yaml)")->required()->check(CLI::ExistingFile);
  est_cmd->add_option("--system", est.system_file, "Cluster YAML (kind: gpu_cluster, e.g. configs/systems/selene-a100.yaml, or kind: wafer_cluster, e.g. configs/systems/tiny-3nm-cluster.yaml)")
      ->required()
      ->check(CLI::ExistingFile);
  est_cmd->add_option("--devices", est.devices, "Devices to use (default: the system's)")->check(CLI::Range(1LL, 1000000000LL));
  est_cmd->add_option("--tp", est.tp, "Tensor-parallel degree (with --pp: estimate this layout instead of searching)")->check(CLI::Range(1LL, 1000000LL));
  est_cmd->add_option("--pp", est.pp, "Pipeline stages")->check(CLI::Range(1LL, 1000000LL));
  est_cmd->add_option("--dp", est.dp, "Data-parallel degree (default: devices / (tp x cp x pp))")->check(CLI::Range(1LL, 1000000000LL));
  est_cmd->add_option("--ep", est.ep, "Expert-parallel degree (MoE)")->check(CLI::Range(1LL, 1000000LL));
  est_cmd->add_option("--micro-batch", est.micro_batch, "Sequences per micro-batch")->check(CLI::Range(1LL, 1000000LL));
  est_cmd->add_option("--interleave", est.interleave, "Model chunks per pipeline stage (interleaved 1F1B)")->check(CLI::Range(1LL, 1000LL));
  est_cmd->add_flag("--sp", est.sequence_parallel, "Sequence parallelism (norms and residuals split over tp)");
  est_cmd->add_option("--zero", est.zero, "ZeRO stage (0 or 1)")->check(CLI::IsMember({0, 1}));
  est_cmd->add_option("--recompute", est.recompute, "Activation recomputation: none, selective, full")
      ->check(CLI::IsMember({"none", "selective", "full"}))
      ->default_val("full");
  est_cmd->add_option("--attention", est.attention,
                      "Attention kernel of a given layout on GPUs: standard (scores in device memory) or flash (scores on chip, "
                      "recomputed in the backward); the search tries both")
      ->check(CLI::IsMember({"standard", "flash"}))
      ->default_val("standard");
  est_cmd->add_option("--cp", est.cp, "Context-parallel degree of a given layout: each sequence split over this many devices (ring attention); the search tries 1, 2, 4, 8")
      ->check(CLI::Range(1LL, 1000000LL));
  est_cmd->add_flag("--fp8", est.fp8, "A given layout's linear matmuls in FP8 (Transformer Engine; the device needs fp8_peak_tflops); the search tries both");
  est_cmd->add_option("--overlap", est.overlap,
                      "Communication overlapped with compute: all (default, as Megatron-Core runs), none (Megatron-LM 2021), or a comma "
                      "list of tp, dp, pp")
      ->default_val("all");
  est_cmd->add_option("--stage-layers", est.stage_layers,
                      "Layers per pipeline stage of a given layout, first to last, comma-separated (must sum to the model's layers; "
                      "default: even)");
  est_cmd->add_option("--top", est.top, "Layouts to list after a search")->check(CLI::Range(1, 100))->default_val(5);
  est_cmd->add_option("--out", est.out_dir, "Output directory (estimate.json; sensitivity.csv and .svg with --sensitivity)")->check(output_dir);
  auto* wafers_opt = est_cmd->add_option("--wafers", est.wafers, "Wafer clusters: number of wafers (default: the system's)")->check(CLI::Range(1LL, 100000000LL));
  est_cmd->add_option("--target-days", est.target_days,
                      "Wafer clusters: find the fewest wafers that train the model in this many days (0.001 to 100000)")
      ->check(CLI::Range(0.001, 100000.0))
      ->excludes(wafers_opt);
  est_cmd->add_option("--restart-loss", est.restart_loss, "Share of wall-clock time lost to failures and restarts (default 0)")->check(CLI::Range(0.0, 0.9));
  est_cmd->add_option("--checkpoint-loss", est.checkpoint_loss, "Share of wall-clock time spent writing checkpoints (default 0)")->check(CLI::Range(0.0, 0.9));
  est_cmd->add_flag("--simulate-layer", est.simulate_layer, "Wafer clusters: also run the representative layer through the cycle engine and calibrate on it (minutes)");
  est_cmd->add_option("--matmul-mapping", est.matmul_mappings, "Wafer clusters: the representative layer's matmul mappings. " + matmul_mapping_help());
  est_cmd->add_flag("--sensitivity", est.sensitivity, "Wafer clusters: how the answer moves with D0, spares, off-wafer bandwidth, clock and on-wafer communication");
  est_cmd->add_option("--seed", est.seed, "Wafer clusters: seed of the sampled wafers and the window's defect map")->check(CLI::Range(0LL, kMaxSeed))->default_val(1);

  cli::StepArgs compile_args, simulate_args;
  auto step_options = [&output_dir](CLI::App* cmd, cli::StepArgs& a, bool out_required) {
    cmd->add_option("--model", a.model_file, "Model YAML (e.g. workloads/gpt2-small.yaml)")->required()->check(CLI::ExistingFile);
    cmd->add_option("--system", a.system_file, "System YAML (e.g. configs/systems/tiny-3nm.yaml)")->required()->check(CLI::ExistingFile);
    auto* out = cmd->add_option("--out", a.out_dir, "Output directory (plan.json, placement.svg)")->check(output_dir);
    if (out_required) out->required();
    cmd->add_option("--style", a.style, style_help())->default_val("auto");
    cmd->add_option("--matmul-mapping", a.matmul_mappings, matmul_mapping_help());
    cmd->add_option("--attention-mapping", a.attention_mapping, layer_mapping_help<wafersim::compiler::AttentionMappingEntry>("Attention mapping"))
        ->default_val("auto");
    cmd->add_option("--in-flight", a.in_flight,
                    "Micro-batches mapped together on the same tiles, each its own dataflow, so that one's communication overlaps "
                    "another's compute (each keeps its activations in SRAM; resident weights only)")
        ->check(CLI::Range(1, 64))
        ->default_val(1);
    cmd->add_option("--moe-mapping", a.moe_mapping,
                    layer_mapping_help<wafersim::compiler::MoeMappingEntry>("MoE mapping (models with experts: where each expert runs)"))
        ->default_val("auto");
    cmd->add_option("--recompute", a.recompute, "Activation recomputation: none, selective, full")
        ->check(CLI::IsMember({"none", "selective", "full"}))
        ->default_val("none");
    cmd->add_option("--layers", a.layers, "Map only the first N layers (embedding and head kept)")->check(CLI::Range(1, 100000));
    cmd->add_option("--sequence", a.sequence, "Override the model's sequence length")->check(CLI::Range(1LL, 10000000LL));
    cmd->add_option("--micro-batch", a.micro_batch, "Override the model's micro-batch (sequences)")->check(CLI::Range(1LL, 1000000LL));
    cmd->add_option("--seed", a.seed, "Seed of the defect map and clock phases")->check(CLI::Range(0LL, kMaxSeed));
    cmd->add_option("--dead-fraction", a.dead_fraction, "Uniform random dead tiles instead of the system's defect model")
        ->check(CLI::Range(0.0, 0.99));
  };
  auto* compile_cmd = app.add_subcommand("compile", "Map a model onto a wafer system; writes DIR/plan.json and DIR/placement.svg");
  step_options(compile_cmd, compile_args, true);
  auto* simulate_cmd = app.add_subcommand("simulate", "Compile, then run one micro-batch's step through the cycle engine; measured vs analytic");
  step_options(simulate_cmd, simulate_args, false);
  simulate_cmd->add_option("--trace", simulate_args.trace_file,
                           "Write the simulated step as a Chrome / Perfetto trace-event JSON file (open it at ui.perfetto.dev): tasks "
                           "per tile, messages as flows, a process per region")
      ->check(output_file);
  simulate_cmd->add_option("--quantum", simulate_args.quantum, "Engine cycles per step while packets fly (1 = exact)")->check(CLI::Range(1, 1000));

  cli::VerifyRtlArgs verify;
  auto* verify_cmd = app.add_subcommand(
      "verify-rtl", std::string("Co-simulate the RTL tile blocks (Verilator + SystemC) against the C++ models: router, mixed mesh, CDC FIFO, PE") +
                        (cli::kVerifyRtlBuilt ? "" : " (not in this build: cmake -DWAFERSIM_RTL=ON)"));
  verify_cmd->add_option("--block", verify.block, "router, mesh, cdc, pe or all")
      ->check(CLI::IsMember({"router", "mesh", "cdc", "pe", "all"}))
      ->default_val("all");
  verify_cmd->add_option("--cycles", verify.cycles, "Router: cycles of random traffic per configuration; mesh: cycles / 50 of traffic")
      ->check(CLI::Range(std::uint64_t{1000}, std::uint64_t{4000000000}))
      ->default_val(1000000);
  verify_cmd->add_option("--seed", verify.seed, "Seed of the constrained-random stimulus")->check(CLI::Range(0LL, kMaxSeed));
  auto* verify_out = verify_cmd->add_option("--out", verify.out_dir, "Output directory: report.json, and the waveform of a mismatch");
  if (cli::kVerifyRtlBuilt) verify_out->check(output_dir)->required();
  verify_cmd->add_flag("--inject-bug", verify.inject_bug,
                       "Router: run the test-only RTL build with VCs 0 and 1's credits swapped, to see a failure reported");

  cli::ListArgs list;
  auto* list_cmd = app.add_subcommand("list", "Every registered implementation of each family (yield models, repair, routing, allocators, "
                                              "traffic, mapping styles, matmul, attention and MoE mappings): name, summary, keys");
  list_cmd->add_option("family", list.family, "Only this family (yield, repair, routing, allocator, traffic, style, matmul, attention, moe)");
  list_cmd->add_flag("--json", list.json, "As JSON on stdout");

  std::filesystem::path plot_dir;
  auto* plot_cmd = app.add_subcommand("plot", "Redraw the charts of a sweep or noc --sweep directory");
  plot_cmd->add_option("dir", plot_dir, "Output directory of wafersim sweep or wafersim noc --sweep")->required();

  // Any key of the configs a command reads (core/config_overrides.hpp), on every command that reads one.
  std::vector<std::string> set_args;
  for (CLI::App* cmd : {sweep_cmd, defects_cmd, route_cmd, noc_cmd, graph_cmd, compile_cmd, simulate_cmd, est_cmd})
    cmd->add_option("--set", set_args,
                    "Change one key of the config before it is validated, KEY.PATH=VALUE (repeatable; VALUE is YAML, null removes the "
                    "key). Paths start at the command's config; files given by --model/--system or named in it sit under that name, "
                    "e.g. system.routing.algorithm=duato (docs/configs.md)")
        ->type_name("KEY=VALUE");

  if (argc == 1) {
    fmt::print(stderr, "{}", app.help());
    return 2;
  }
  if (argv[1][0] != '-') {
    std::vector<std::string> names;
    for (const auto* sub : app.get_subcommands({})) names.push_back(sub->get_name());
    if (std::find(names.begin(), names.end(), argv[1]) == names.end()) {
      fmt::print(stderr, "wafersim: error: unknown command '{}'{}; commands: {} (see 'wafersim --help')\n", argv[1],
                 did_you_mean(argv[1], names), fmt::join(names, ", "));
      return 2;
    }
  }
  try {
    app.parse(argc, argv);
    if (const std::string why = bad_value(app); !why.empty()) {
      fmt::print(stderr, "wafersim: error: {} (see 'wafersim --help')\n", why);
      return 2;
    }
  } catch (const CLI::ParseError& e) {
    if (e.get_exit_code() == 0) return app.exit(e);  // --help, --version
    fmt::print(stderr, "wafersim: error: {} (see 'wafersim --help')\n", e.what());
    return 2;
  }

  try {
    RunProvenance::current().set_command_line(std::vector<std::string>(argv, argv + argc));
    for (const std::string& a : set_args) command_overrides().add(parse_override(a));
    if (*sweep_cmd) return cli::run_sweep_command(sweep);
    if (*defects_cmd) return cli::run_defects_command(defects);
    if (*plot_cmd) return cli::run_plot_command(plot_dir);
    if (*list_cmd) return cli::run_list_command(list);
    if (*route_cmd) return cli::run_route_command(route);
    if (*noc_cmd) return cli::run_noc_command(noc);
    if (*graph_cmd) return cli::run_graph_command(graph);
    if (*val_cmd) return cli::run_validate_command(val);
    if (*compile_cmd) return cli::run_compile_command(compile_args);
    if (*est_cmd) return cli::run_estimate_command(est);
    if (*simulate_cmd) return cli::run_simulate_command(simulate_args);
    if (*verify_cmd) return cli::run_verify_rtl_command(verify);
  } catch (const InputError& e) {
    fmt::print(stderr, "wafersim: error: {}\n", e.what());
    return 2;
  } catch (const std::exception& e) {
    fmt::print(stderr, "wafersim: internal error: {}\n(please report this with the command and config that caused it)\n", e.what());
    return 1;
  }
  return 0;
}
