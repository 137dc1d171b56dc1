// gathered: every unit holds its head's keys and values whole (compiler/attention_mapping.hpp).
#include "compiler/attention_mapping.hpp"

namespace wafersim::compiler {
namespace {

double working_set(const AttentionShape& s, int) {
  const double e = s.element_bytes;
  const double kv = 2.0 * static_cast<double>(s.key_rows * s.head_dim) * e;          // K and V of the sequence
  const double rows = 2.0 * static_cast<double>(s.query_rows * s.key_rows) * e;      // scores and softmax rows
  return kv + rows;
}

const Registration<AttentionMappingEntry> kRegister{{
    "gathered",
    "each unit multicast-all-gathers its head's keys and values, then runs each core op once over all of them",
    false,
    2,
    working_set,
}};

}  // namespace
}  // namespace wafersim::compiler
