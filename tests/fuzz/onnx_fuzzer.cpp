// Fuzzes the ONNX import (compiler::import_onnx): any byte string must either load, or be rejected
// with an InputError. Anything else (a crash, a sanitizer report, another exception type, a hang)
// is a finding. The bytes are a serialized onnx.ModelProto (seeds: tests/fuzz/seeds-onnx, made by
// tests/fuzz/make_onnx_seeds.py); the import runs in training mode (forward, backward and Adam are
// all derived), with the symbolic dimension names the seeds use given values, as --dim would.
#include <cstddef>
#include <cstdint>

#include "compiler/graph.hpp"
#include "compiler/onnx_import.hpp"
#include "core/input_error.hpp"
#include "fuzz_util.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace wafersim;
  static fuzz::TempInput file("onnx", ".onnx");
  const auto& path = file.write(data, size);
  compiler::OnnxImportOptions options;
  options.dims = {{"batch", 2}, {"sequence", 8}};
  try {
    const compiler::Graph g = compiler::import_onnx(path, options);
    (void)g.total_flops();
    fuzz::note("imported", std::to_string(g.size()) + " ops, " + std::to_string(g.params()) + " parameters");
  } catch (const InputError& e) {
    fuzz::note("rejected", e.what());
  }
  return 0;
}
