// Negative binomial (Stapper 1976): gamma-distributed density with clustering parameter alpha,
// Y = (1 + lambda / alpha)^-alpha. Small alpha = strong clustering; alpha -> inf is Poisson.
// Key: defects.alpha (> 0, default 2, a typical fitted value for logic processes).
#include <cmath>

#include "mesh/yield_model.hpp"

namespace wafersim::mesh {
namespace {

class NegativeBinomialYield final : public YieldModel {
 public:
  explicit NegativeBinomialYield(double alpha) : alpha_(alpha) {}
  std::string name() const override { return "negative_binomial"; }
  double yield(double lambda) const override { return std::exp(-alpha_ * std::log1p(lambda / alpha_)); }
  double sample_multiplier(Rng& rng) const override { return gamma(rng, alpha_, 1.0 / alpha_); }

 private:
  double alpha_;
};

const RegisterYieldModel kRegister{
    {"negative_binomial", "gamma-clustered density (Stapper), Y = (1+lambda/alpha)^-alpha", {"alpha"},
     [](const YamlNode& defects) {
       return std::make_unique<NegativeBinomialYield>(defects.get_double("alpha", 2.0, Range::closed(0.001, 1e6)));
     }}};

}  // namespace
}  // namespace wafersim::mesh
