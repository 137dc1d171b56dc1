// compiler/onnx_import.hpp in a build without ONNX (cmake -DWAFERSIM_ONNX=OFF; onnx_import.cpp in
// one with it): the same interface, and an import that says what this build lacks.
#include <fmt/format.h>

#include "compiler/onnx_import.hpp"
#include "core/input_error.hpp"

namespace wafersim::compiler {

bool is_onnx_path(const std::filesystem::path& file) { return file.extension() == ".onnx"; }

Graph import_onnx(const std::filesystem::path& file, const OnnxImportOptions&) {
  throw InputError(fmt::format("{}: this wafersim was built without ONNX support (cmake -DWAFERSIM_ONNX=ON, needs libonnx-dev)", file.string()));
}

}  // namespace wafersim::compiler
