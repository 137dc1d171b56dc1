// Poisson yield: defects independent and uniform, Y = exp(-lambda).
#include <cmath>

#include "mesh/yield_model.hpp"

namespace wafersim::mesh {
namespace {

class PoissonYield final : public YieldModel {
 public:
  std::string name() const override { return "poisson"; }
  double yield(double lambda) const override { return std::exp(-lambda); }
  double sample_multiplier(Rng&) const override { return 1.0; }
  bool clusters() const override { return false; }
};

const RegisterYieldModel kRegister{{"poisson", "independent uniform defects, Y = exp(-lambda)", {},
                                    [](const YamlNode&) { return std::make_unique<PoissonYield>(); }}};

}  // namespace
}  // namespace wafersim::mesh
