// Murphy (1964): triangular distribution of defect density, Y = ((1 - exp(-lambda)) / lambda)^2.
#include <cmath>

#include "mesh/yield_model.hpp"

namespace wafersim::mesh {
namespace {

class MurphyYield final : public YieldModel {
 public:
  std::string name() const override { return "murphy"; }
  double yield(double lambda) const override {
    if (lambda < 1e-8) return 1.0 - lambda;  // series: 1 - lambda + 7/12 lambda^2
    const double y = -std::expm1(-lambda) / lambda;
    return y * y;
  }
  // Triangular on [0, 2] peaked at 1 is the sum of two uniforms on [0, 1].
  double sample_multiplier(Rng& rng) const override { return rng.uniform01() + rng.uniform01(); }
};

const RegisterYieldModel kRegister{{"murphy", "triangular density, Y = ((1-exp(-lambda))/lambda)^2", {},
                                    [](const YamlNode&) { return std::make_unique<MurphyYield>(); }}};

}  // namespace
}  // namespace wafersim::mesh
