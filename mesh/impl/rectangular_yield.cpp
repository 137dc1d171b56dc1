// Murphy's rectangular (uniform) density on [0, 2 D0]: Y = (1 - exp(-2 lambda)) / (2 lambda).
#include <cmath>

#include "mesh/yield_model.hpp"

namespace wafersim::mesh {
namespace {

class RectangularYield final : public YieldModel {
 public:
  std::string name() const override { return "rectangular"; }
  double yield(double lambda) const override {
    if (lambda < 1e-8) return 1.0 - lambda;
    return -std::expm1(-2.0 * lambda) / (2.0 * lambda);
  }
  double sample_multiplier(Rng& rng) const override { return 2.0 * rng.uniform01(); }
};

const RegisterYieldModel kRegister{{"rectangular", "uniform density on [0, 2 D0], Y = (1-exp(-2 lambda))/(2 lambda)", {},
                                    [](const YamlNode&) { return std::make_unique<RectangularYield>(); }}};

}  // namespace
}  // namespace wafersim::mesh
