#pragma once
// Defect yield models.
//
// Each classic model is a compound Poisson law: killer defects in an area with mean count lambda
// (= D0 * critical area) are Poisson(lambda * M), where M is a random defect-density multiplier
// drawn once per clustering block. Its die yield is the Laplace transform of M:
//   Y(lambda) = E[exp(-lambda * M)].
//   poisson            M = 1                      Y = exp(-lambda)
//   murphy             M ~ triangular on [0, 2]   Y = ((1 - exp(-lambda)) / lambda)^2
//   rectangular        M ~ uniform on [0, 2]      Y = (1 - exp(-2 lambda)) / (2 lambda)
//   seeds              M ~ exponential(1)         Y = 1 / (1 + lambda)
//   negative_binomial  M ~ gamma(alpha, 1/alpha)  Y = (1 + lambda / alpha)^-alpha   (Stapper)
//   bose_einstein      M ~ gamma(N, 1)            Y = (1 + lambda)^-N   (D0 per critical layer)
//   moore              M ~ Levy(0, 1/2) = 1/(2 Z^2), Z standard normal
//                                                 Y = exp(-sqrt(lambda))
// So Monte Carlo sampling and the closed form describe the same random wafer, and they agree to
// within sampling error (tests/mesh/yield_model_test.cpp checks each model against hand-computed
// values and against its own sampler). Models are registered by name (`defects.model` in YAML);
// adding one is adding one file under mesh/impl/.
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "core/random.hpp"
#include "core/registry.hpp"
#include "core/yaml_reader.hpp"

namespace wafersim::mesh {

class YieldModel {
 public:
  virtual ~YieldModel() = default;
  virtual std::string name() const = 0;
  // Probability of no killer defect in an area with mean killer count lambda >= 0.
  virtual double yield(double lambda) const = 0;
  // One draw of the density multiplier M of a clustering block.
  virtual double sample_multiplier(Rng& rng) const = 0;
  // Does M vary? (false only for poisson: then blocks are independent of each other's tiles)
  virtual bool clusters() const { return true; }
};

// Builds a model from the `defects:` section; reads only the keys it declares.
using YieldModelFactory = std::function<std::unique_ptr<YieldModel>(const YamlNode& defects)>;

struct YieldModelEntry {
  std::string name;
  std::string summary;
  std::vector<std::string> keys;  // model-specific keys under `defects:`
  YieldModelFactory create;
};

using YieldModelRegistry = Registry<YieldModelEntry>;
// Registers a model at load time: `const RegisterYieldModel r{{"name", "summary", {keys}, factory}};`
using RegisterYieldModel = Registration<YieldModelEntry>;

// Convenience: the model named `name` with the params in `defects`, or a ConfigError at `at`.
std::unique_ptr<YieldModel> make_yield_model(const std::string& name, const YamlNode& defects, const YamlNode& at);

}  // namespace wafersim::mesh
