// A build without ONNX (cmake -DWAFERSIM_ONNX=OFF): the import's interface is there, and an
// import is refused with an InputError that names the file and what to build with.
#include <gtest/gtest.h>

#include <string>

#include "compiler/onnx_import.hpp"
#include "core/input_error.hpp"

namespace wafersim::compiler {
namespace {

TEST(OnnxImport, ABuildWithoutOnnxSaysSoInOneInputError) {
  EXPECT_TRUE(is_onnx_path("models/block.onnx"));
  EXPECT_FALSE(is_onnx_path("workloads/gpt2-block.yaml"));
  try {
    import_onnx("models/block.onnx");
    FAIL() << "import_onnx returned";
  } catch (const InputError& e) {
    EXPECT_EQ(std::string(e.what()),
              "models/block.onnx: this wafersim was built without ONNX support (cmake -DWAFERSIM_ONNX=ON, needs libonnx-dev)");
  }
}

}  // namespace
}  // namespace wafersim::compiler
