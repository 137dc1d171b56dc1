// Moore (1970): Y = exp(-sqrt(lambda)), an empirical fit for large dies. As a compound Poisson law
// its density multiplier is the one-sided stable law of index 1/2 (Levy with scale 1/2), whose
// Laplace transform is exactly exp(-sqrt(s)); it is drawn as 1 / (2 Z^2) with Z standard normal.
// Its mean is infinite: a few blocks get enormous densities, which is what makes large dies fare
// better under Moore than under Poisson.
#include <cmath>

#include "mesh/yield_model.hpp"

namespace wafersim::mesh {
namespace {

class MooreYield final : public YieldModel {
 public:
  std::string name() const override { return "moore"; }
  double yield(double lambda) const override { return std::exp(-std::sqrt(lambda)); }
  double sample_multiplier(Rng& rng) const override {
    const double z = normal(rng);
    return z == 0.0 ? 1e300 : 1.0 / (2.0 * z * z);
  }
};

const RegisterYieldModel kRegister{{"moore", "empirical, Y = exp(-sqrt(lambda))", {},
                                    [](const YamlNode&) { return std::make_unique<MooreYield>(); }}};

}  // namespace
}  // namespace wafersim::mesh
