#include "compiler/op_costing.hpp"

#include <algorithm>
#include <utility>

namespace wafersim::compiler {

Op OpCosting::matmul(std::string name, int layer, std::int64_t rows, std::int64_t k, std::int64_t n, std::int64_t params, bool weighted,
                     double tokens) const {
  Op op;
  op.name = std::move(name);
  op.kind = OpKind::kMatMul;
  op.layer = layer;
  op.batch = 1;
  op.m = rows;
  op.k = k;
  op.n = n;
  const double r = tokens >= 0 ? tokens : static_cast<double>(rows);
  op.flops = 2.0 * r * static_cast<double>(k) * static_cast<double>(n);
  op.params = params;
  op.weighted = weighted;
  op.bytes_read = r * static_cast<double>(k) * act + static_cast<double>(k * n) * wb;
  op.bytes_written = r * static_cast<double>(n) * act;
  op.footprint_bytes = static_cast<double>(params) * wb + op.bytes_written;
  return op;
}

Op OpCosting::attn_matmul(std::string name, int layer, std::int64_t batch, std::int64_t rows, std::int64_t k, std::int64_t n) const {
  Op op;
  op.name = std::move(name);
  op.kind = OpKind::kAttnMatMul;
  op.layer = layer;
  op.batch = batch;
  op.m = rows;
  op.k = k;
  op.n = n;
  const double b = static_cast<double>(batch);
  op.flops = 2.0 * b * static_cast<double>(rows) * static_cast<double>(k) * static_cast<double>(n);
  op.bytes_read = b * static_cast<double>(rows * k + k * n) * act;
  op.bytes_written = b * static_cast<double>(rows * n) * act;
  op.footprint_bytes = op.bytes_written;
  op.attention_core = true;
  return op;
}

Op OpCosting::elementwise(std::string name, int layer, double elements, double per_element, std::size_t inputs, std::int64_t params) const {
  Op op;
  op.name = std::move(name);
  op.kind = OpKind::kElementwise;
  op.layer = layer;
  op.flops = elements * per_element;
  op.params = params;
  op.bytes_read = elements * act * static_cast<double>(std::max<std::size_t>(1, inputs)) + static_cast<double>(params) * wb;
  op.bytes_written = elements * act;
  op.footprint_bytes = static_cast<double>(params) * wb + op.bytes_written;
  return op;
}

Op OpCosting::gather(std::string name, int layer, double elements, std::int64_t params) const {
  Op op;
  op.name = std::move(name);
  op.kind = OpKind::kGather;
  op.layer = layer;
  op.params = params;
  op.bytes_read = elements * wb;
  op.bytes_written = elements * act;
  op.footprint_bytes = static_cast<double>(params) * wb + op.bytes_written;
  op.keeps = Op::Keeps::kNothing;  // the ids it read are tiny
  return op;
}

}  // namespace wafersim::compiler
