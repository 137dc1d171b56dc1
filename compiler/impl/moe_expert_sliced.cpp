// expert_sliced: every expert spread over the whole grid, tokens stay (compiler/moe_mapping.hpp).
#include "compiler/moe_mapping.hpp"

namespace wafersim::compiler {
namespace {

const Registration<MoeMappingEntry> kRegister{{
    "expert_sliced",
    "every expert's weights spread over the whole grid; each tile row computes its own tokens' rows of every expert in turn, no "
    "all-to-all",
    2,
    {},
}};

}  // namespace
}  // namespace wafersim::compiler
