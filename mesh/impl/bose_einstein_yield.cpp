// Bose-Einstein: N critical layers, each with its own exponentially distributed density of mean
// D0 (d0_per_cm2 is per layer): Y = (1 + lambda)^-N. The total multiplier is the sum of N
// independent exponentials, gamma(N, 1).
// Key: defects.layers (whole number >= 1, default 1).
#include <cmath>

#include "mesh/yield_model.hpp"

namespace wafersim::mesh {
namespace {

class BoseEinsteinYield final : public YieldModel {
 public:
  explicit BoseEinsteinYield(double layers) : layers_(layers) {}
  std::string name() const override { return "bose_einstein"; }
  double yield(double lambda) const override { return std::exp(-layers_ * std::log1p(lambda)); }
  double sample_multiplier(Rng& rng) const override { return gamma(rng, layers_, 1.0); }

 private:
  double layers_;
};

const RegisterYieldModel kRegister{
    {"bose_einstein", "N critical layers, Y = (1+lambda)^-N", {"layers"}, [](const YamlNode& defects) {
       return std::make_unique<BoseEinsteinYield>(static_cast<double>(defects.get_int("layers", 1, Range::closed(1, 1000))));
     }}};

}  // namespace
}  // namespace wafersim::mesh
