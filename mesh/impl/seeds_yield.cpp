// Seeds (1967): exponential distribution of defect density, Y = 1 / (1 + lambda).
#include "mesh/yield_model.hpp"

namespace wafersim::mesh {
namespace {

class SeedsYield final : public YieldModel {
 public:
  std::string name() const override { return "seeds"; }
  double yield(double lambda) const override { return 1.0 / (1.0 + lambda); }
  double sample_multiplier(Rng& rng) const override { return exponential(rng, 1.0); }
};

const RegisterYieldModel kRegister{{"seeds", "exponential density, Y = 1/(1+lambda)", {},
                                    [](const YamlNode&) { return std::make_unique<SeedsYield>(); }}};

}  // namespace
}  // namespace wafersim::mesh
