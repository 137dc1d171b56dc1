#pragma once
// How a forward op is costed: FLOPs, bytes read and written, resident footprint. Shared by both
// front ends (the YAML builder in graph.cpp and the ONNX import) so that the same block costs the
// same from either. `act` and `wb` are the bytes of one activation and one weight element.
#include <cstdint>
#include <string>

#include "compiler/graph.hpp"

namespace wafersim::compiler {

struct OpCosting {
  double act = 2;
  double wb = 2;

  // batch 1, [rows x k] x [k x n]; `tokens` (>= 0) replaces rows in the FLOPs and bytes where a
  // MoE expert sees a fractional expected count. `params`: the weights this op owns (0 for a
  // tied or reused matrix); `weighted`: it multiplies by a weight, so backward has a dW.
  Op matmul(std::string name, int layer, std::int64_t rows, std::int64_t k, std::int64_t n, std::int64_t params, bool weighted,
            double tokens = -1) const;
  // `batch` independent [rows x k] x [k x n] products of two activations (attention).
  Op attn_matmul(std::string name, int layer, std::int64_t batch, std::int64_t rows, std::int64_t k, std::int64_t n) const;
  // `elements` outputs at `per_element` FLOPs each, reading `inputs` tensors of that size and
  // `params` weights (norm scales, biases).
  Op elementwise(std::string name, int layer, double elements, double per_element, std::size_t inputs, std::int64_t params = 0) const;
  // An embedding lookup of `elements` outputs from a table of `params` entries.
  Op gather(std::string name, int layer, double elements, std::int64_t params) const;
};

}  // namespace wafersim::compiler
