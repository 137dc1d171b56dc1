// The training estimate's speed (issue 6): the full GPT-4 estimate on tiny-3nm-cluster (sample
// the wafers, compile the representative layer at each micro-batch the search tries with the
// analytic cost model, search every legal layout on 3,584 wafers), and the layout search alone.
// Target: the full estimate under 30 s on 2 cores. Counter: layouts searched per second. Run with --benchmark_repetitions=3 for medians.
#include <benchmark/benchmark.h>

#include "compiler/wafer_estimate.hpp"
#include "core/thread_pool.hpp"

namespace {

using namespace wafersim;

const std::string kRoot = WAFERSIM_SOURCE_DIR;

void BM_Gpt4EstimateOnTiny3nmCluster(benchmark::State& state) {
  const auto model = compiler::ModelSpec::load(kRoot + "/workloads/gpt4-moe.yaml");
  const auto spec = compiler::WaferClusterSpec::load(kRoot + "/configs/systems/tiny-3nm-cluster.yaml");
  std::size_t layouts = 0;
  for (auto _ : state) {
    const auto w = compiler::characterize_wafers(spec, 1);
    const std::vector<std::int64_t> mbs(std::begin(compiler::kSearchMicroBatches), std::end(compiler::kSearchMicroBatches));
    const auto cals = compiler::calibrate_micro_batches(model, spec, w, mbs, 1, {}, available_cpus());
    const auto cluster = compiler::as_training_cluster(spec, w, cals, model);
    const auto r = compiler::search_wafers(model, cluster, 3584, {});
    layouts += r.considered;
    benchmark::DoNotOptimize(r.ranked.front().time.step);
  }
  state.counters["layouts/s"] = benchmark::Counter(static_cast<double>(layouts), benchmark::Counter::kIsRate);
}
BENCHMARK(BM_Gpt4EstimateOnTiny3nmCluster)->Unit(benchmark::kSecond)->Iterations(1);

void BM_Gpt4LayoutSearch(benchmark::State& state) {
  const auto model = compiler::ModelSpec::load(kRoot + "/workloads/gpt4-moe.yaml");
  const auto spec = compiler::WaferClusterSpec::load(kRoot + "/configs/systems/tiny-3nm-cluster.yaml");
  const auto w = compiler::characterize_wafers(spec, 1);
  // Factors 1 and 0 at every micro-batch the search tries: its speed does not depend on them.
  std::vector<compiler::LayerCalibration> cals;
  for (std::int64_t mb : compiler::kSearchMicroBatches) {
    cals.emplace_back();
    cals.back().representative.micro_batch = mb;
  }
  const auto cluster = compiler::as_training_cluster(spec, w, cals, model);
  std::size_t layouts = 0;
  for (auto _ : state) {
    const auto r = compiler::search_wafers(model, cluster, static_cast<std::int64_t>(state.range(0)), {});
    layouts += r.considered;
    benchmark::DoNotOptimize(r.ranked.size());
  }
  state.counters["layouts/s"] = benchmark::Counter(static_cast<double>(layouts), benchmark::Counter::kIsRate);
}
BENCHMARK(BM_Gpt4LayoutSearch)->Arg(3584)->Arg(16384)->Unit(benchmark::kMillisecond);

}  // namespace
