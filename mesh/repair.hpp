#pragma once
// Repair strategies turn a DefectMap into a Fabric. Registered by name (`repair.strategy` in YAML);
// adding one is adding one file under mesh/impl/.
//
//   repair: {strategy: none}
//       The logical mesh is the physical grid; dead tiles stay holes (routing goes around them).
//   repair: {strategy: spare_rows, window: 64, spares: 1}
//       Each column is cut into windows of `window` physical tiles, `spares` of them spare; dead
//       tiles are shifted past, so every column presents window - spares working tiles per window
//       and the logical array is a perfect rectangle (the WSE-class scheme). spare_cols does the
//       same along rows. Needs wafer.placement: rectangle.
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "core/registry.hpp"
#include "core/yaml_reader.hpp"
#include "mesh/defect_map.hpp"
#include "mesh/fabric.hpp"
#include "mesh/wafer.hpp"

namespace wafersim::mesh {

class RepairStrategy {
 public:
  virtual ~RepairStrategy() = default;
  virtual std::string name() const = 0;
  virtual Fabric repair(const Wafer& wafer, const DefectMap& map) const = 0;
  // Exact probability that the nominal logical array forms when tile t dies independently with
  // probability p_dead[t] (the closed form the Monte Carlo is compared with).
  virtual double formed_probability(const Wafer& wafer, const std::vector<double>& p_dead) const = 0;
  // The logical array asked for.
  virtual std::pair<int, int> nominal_shape(const Wafer& wafer) const = 0;
  // Can the array form with some tiles dead? If not, "formed" is "no tile dead", whose probability
  // has a closed form under clustering too (a product over clustering blocks).
  virtual bool tolerates_dead_tiles() const { return true; }
};

using RepairFactory = std::function<std::unique_ptr<RepairStrategy>(const YamlNode& repair, const WaferSpec& wafer)>;

struct RepairEntry {
  std::string name;
  std::string summary;
  std::vector<std::string> keys;  // strategy-specific keys under `repair:`
  RepairFactory create;
};

using RepairRegistry = Registry<RepairEntry>;
using RegisterRepair = Registration<RepairEntry>;

struct RepairSpec {
  std::string strategy = "none";
  std::shared_ptr<const RepairStrategy> impl;
  static RepairSpec from_yaml(const YamlNode& node, const WaferSpec& wafer);
};

// P(at most k of the independent events with these probabilities happen): the Poisson-binomial
// tail by dynamic programming over the count, O(n k).
double probability_at_most(const std::vector<double>& p, int k);

}  // namespace wafersim::mesh
