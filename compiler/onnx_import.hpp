#pragma once
// ONNX import: an ONNX model file (read with Debian's libonnx) becomes the forward ops of a
// Graph, costed with the same conventions as the YAML builder; backward and Adam are then derived
// by Graph's rules. Shape inference (onnx::shape_inference) runs first, so only the graph inputs
// need shapes; symbolic dimensions (e.g. "batch") take values from OnnxImportOptions::dims.
//
// How ONNX nodes map to ops (docs/compiler.md, "ONNX import"):
// - MatMul / Gemm by an initializer: a weighted matmul, rows = every leading dimension of the
//   activation; the initializer's elements are its parameters (counted once if reused, as a tied
//   LM head is). Gemm's C, and an Add of a vector initializer to a matmul's output, is a bias op.
// - MatMul of two activations: an attention matmul, batch = the leading dimensions.
// - Gather from a 2-D initializer: an embedding lookup.
// - LayerNormalization 7, SimplifiedLayerNormalization (RMSNorm) 4, Softmax 5, Gelu / FastGelu
//   (default or com.microsoft domain) 8 FLOPs per element; every other arithmetic or unary
//   element-wise op 1 (compiler/elementwise_flops.hpp).
// - A scale or mask in front of a Softmax (an element-wise op whose other operands are constants
//   and whose only consumer is the Softmax or another such op) is folded into the softmax, adding
//   its per-element FLOP to it: the fused scaled, masked softmax an attention kernel runs.
// - Layout ops (Reshape, Transpose, Squeeze, Unsqueeze, Flatten, Identity, Cast, Dropout, Split,
//   Concat, Slice, Expand) move no data the cost model charges for: they pass their inputs'
//   producers through. Ops whose inputs are all constants (Shape arithmetic, Constant) are folded.
// - Anything else is unsupported: the InputError lists every such node, "OpType (node name)".
// - The layer of a node comes from its name ("L3.", "layers.3", "h.3", "blocks.3"); 0 otherwise.
#include <cstdint>
#include <filesystem>
#include <map>
#include <string>

#include "compiler/graph.hpp"

namespace wafersim::compiler {

struct OnnxImportOptions {
  Mode mode = Mode::kTraining;
  Recompute recompute = Recompute::kNone;
  std::map<std::string, std::int64_t> dims;  // values of symbolic dimensions, by name
};

// Throws InputError naming the file for a file that is not ONNX, failed shape inference, a
// dimension left unknown, or unsupported ops (all of them in one message).
Graph import_onnx(const std::filesystem::path& file, const OnnxImportOptions& options = {});

// True when the path names an ONNX file (by extension); how the CLI picks the front end.
bool is_onnx_path(const std::filesystem::path& file);

}  // namespace wafersim::compiler
