#pragma once
// The subcommands of `wafersim`: each parses nothing itself (CLI11 fills the options) and is a thin
// call into the libraries. Each returns the process exit code; InputError propagates to main,
// which prints it and exits with 2.
#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

namespace wafersim::cli {

// list: the registered implementations of each family (or of one), as text or JSON.
struct ListArgs {
  std::string family;  // empty: all
  bool json = false;
};
int run_list_command(const ListArgs& args);

struct SweepArgs {
  std::filesystem::path sweep_file;
  std::filesystem::path out_dir;
  unsigned jobs = 1;
  bool plots = true;
};
int run_sweep_command(const SweepArgs& args);

struct DefectsArgs {
  std::filesystem::path config_file;
  std::filesystem::path out_dir;
  std::uint64_t seed = 1;
  std::size_t stretch_sources = 16;
};
int run_defects_command(const DefectsArgs& args);

struct RouteArgs {
  std::filesystem::path config_file;
  std::filesystem::path out_dir;
  std::uint64_t seed = 1;
  std::string algorithm;       // overrides routing.algorithm
  long destinations = -1;      // -1: all up to 4096 nodes, else a sample of 32
  bool exact_cdg = false;
};
int run_route_command(const RouteArgs& args);

struct NocArgs {
  std::filesystem::path config_file;
  std::filesystem::path out_dir;
  std::filesystem::path system_file;  // overrides the config's system
  std::string traffic;                // overrides traffic.pattern
  double rate = -1.0;                 // overrides traffic.rate
  int packet_size = 0;                // overrides traffic.packet_size
  long long seed = -1;                // overrides seed
  std::uint64_t cycles = 0;           // a fixed run: no warm-up, window of this many cycles, no drain
  bool sweep = false;                 // sweep the injection rate
  std::string rates;                  // comma-separated rates for the sweep
  bool plots = true;
  int threads = 1;                    // engine threads (results are identical for any count)
};
int run_noc_command(const NocArgs& args);

// compile and simulate: a model on a wafer system (compiler/step.hpp).
struct StepArgs {
  std::filesystem::path model_file;
  std::filesystem::path system_file;
  std::filesystem::path out_dir;  // compile: required; simulate: optional
  std::string style = "auto";
  std::string recompute = "none";
  int layers = 0;
  long long sequence = 0;
  long long micro_batch = 0;
  long long seed = 1;
  double dead_fraction = -1;
  int quantum = 1;
  std::vector<std::string> matmul_mappings;  // NAME or OP=NAME
  std::string attention_mapping = "auto";
  std::string moe_mapping = "auto";
  int in_flight = 1;                         // micro-batches mapped together on the same tiles
  std::filesystem::path trace_file;          // simulate: Chrome / Perfetto trace-event JSON
};
int run_compile_command(const StepArgs& args);
int run_simulate_command(const StepArgs& args);

// graph: a model's op graph (YAML description or ONNX file): op counts, parameters, FLOPs.
struct GraphArgs {
  std::filesystem::path model_file;
  std::string recompute = "none";
  long long sequence = 0;            // YAML only
  long long micro_batch = 0;         // YAML only
  bool inference = false;
  std::vector<std::string> dims;     // ONNX only: NAME=N for symbolic dimensions
};
int run_graph_command(const GraphArgs& args);

struct EstimateArgs {
  std::filesystem::path model_file, system_file, out_dir;
  long long devices = 0;        // 0: the system's
  long long tp = 0, pp = 0, dp = 0, ep = 1, micro_batch = 1, interleave = 1;  // tp or pp given: that layout, else search
  bool sequence_parallel = false;
  int zero = 0;
  std::string recompute = "full";
  std::string attention = "standard";  // standard | flash (GPU clusters)
  long long cp = 1;             // context-parallel degree
  bool fp8 = false;             // FP8 matmuls (devices with fp8_peak_tflops)
  std::string overlap = "all";  // all | none | a comma list of tp, dp, pp
  std::string stage_layers;     // comma list of layers per pipeline stage (empty: even)
  int top = 5;
  // Wafer clusters.
  long long wafers = 0;         // 0: the system's
  double target_days = 0;       // > 0: fewest wafers for this many days
  double restart_loss = 0, checkpoint_loss = 0;
  bool simulate_layer = false, sensitivity = false;
  std::vector<std::string> matmul_mappings;  // the representative layer's: NAME or OP=NAME
  std::uint64_t seed = 1;
};
int run_estimate_command(const EstimateArgs& args);

// `wafersim validate`: each published run of a validation set against its estimate.
struct ValidateArgs {
  std::filesystem::path set = "configs/validation";  // a file or a directory of *.yaml
  std::filesystem::path out_dir;
};
int run_validate_command(const ValidateArgs& args);

// Draws DIR/plots/*.png from DIR/results.csv with the script for the folder's kind (meta.json's
// "kind", else results.csv's columns): scripts/plot_sweep.py for a sweep, scripts/plot_noc.py for
// a noc --sweep (matplotlib). An InputError naming DIR where there is nothing to plot.
int run_plot_command(const std::filesystem::path& out_dir);

// `wafersim verify-rtl`: exit 0 when every block passes, 1 when one fails (a verification
// result, not an input error), 2 for bad flags.
struct VerifyRtlArgs {
  std::string block = "all";
  std::uint64_t cycles = 1000000;
  std::uint64_t seed = 1;
  std::filesystem::path out_dir;
  bool inject_bug = false;
};
int run_verify_rtl_command(const VerifyRtlArgs& args);
// False in a build without the RTL (cmake -DWAFERSIM_RTL=OFF): verify-rtl is still a command, and
// says so (one line, exit code 2) whatever its flags.
extern const bool kVerifyRtlBuilt;

}  // namespace wafersim::cli
