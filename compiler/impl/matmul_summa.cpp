// summa: SUMMA (van de Geijn & Watts 1997) on the region's grid: for each panel of K, the holder of
// A(i, kk) multicasts it along row i and the holder of B(kk, j) down column j, and every tile adds
// the product into its C(i, j) (PlanBuilder::summa). A resident weight lies in SUMMA's B layout
// and is broadcast every time it is used; a streamed one is loaded into that layout first.
#include "compiler/matmul_mapping.hpp"

namespace wafersim::compiler {
namespace {

Deps emit(const MatmulCall& c) {
  const Deps resident(c.g.size());
  return c.b.summa(c.g, c.M, c.K, c.N, -1, -1, c.op, c.a_ready, c.b_kind == MatmulB::kResident ? resident : c.b_ready, c.op,
                   c.b_kind == MatmulB::kStreamed);
}

const Registration<MatmulMappingEntry> kRegister{{"summa",
                                                  "SUMMA: A multicast along grid rows and B down grid columns, panel by panel; a weight "
                                                  "moves every time it is used",
                                                  [](const TileGrid&, MatmulB) { return std::string(); }, 0.0, false, emit}};

}  // namespace
}  // namespace wafersim::compiler
