// streamed: keys and values around the head's ring, w blocks a step (compiler/attention_mapping.hpp).
#include "compiler/attention_mapping.hpp"

namespace wafersim::compiler {
namespace {

double working_set(const AttentionShape& s, int w) {
  const double e = s.element_bytes;
  const double keys = static_cast<double>(w) * static_cast<double>(s.block_rows);  // keys of one step
  const double kv = 2.0 * 2.0 * keys * static_cast<double>(s.head_dim) * e;         // K and V, two steps buffered
  const double blocks = 2.0 * 2.0 * static_cast<double>(s.query_rows) * keys * e;   // score and softmax blocks, two steps
  const double acc = static_cast<double>(s.query_rows * s.head_dim) * 4.0 + 2.0 * static_cast<double>(s.query_rows) * 4.0;  // fp32 output, row max and sum
  // What the backward reads of the softmax comes step by step as well (kept by the forward or
  // recomputed ahead of the backward, as the op graph says; a FlashAttention-2 backward recomputes
  // each block inside its step instead): counted here as FlashAttention's SRAM counts it, two
  // steps of blocks, not the unit's whole rows (docs/compiler.md, Attention).
  return kv + blocks + acc;
}

const Registration<AttentionMappingEntry> kRegister{{
    "streamed",
    "keys and values go around the head's ring block by block; score, softmax and context run per step with an online softmax "
    "(flash-attention style: no unit holds the sequence's keys)",
    true,
    1,
    working_set,
}};

}  // namespace
}  // namespace wafersim::compiler
