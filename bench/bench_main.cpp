// main() of the benchmarks: the wafersim executable's allocator policy (core/allocator.hpp) first,
// so the figures are the ones a sweep sees; then Google Benchmark.
#include <benchmark/benchmark.h>

#include "core/allocator.hpp"

int main(int argc, char** argv) {
  wafersim::keep_freed_memory_for_reuse();
  benchmark::Initialize(&argc, argv);
  if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return 0;
}
