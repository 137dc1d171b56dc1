#include "mesh/repair.hpp"

namespace wafersim::mesh {

RepairSpec RepairSpec::from_yaml(const YamlNode& node, const WaferSpec& wafer) {
  node.expect_map();
  RepairSpec spec;
  spec.strategy = node.get_string("strategy", "none");
  const RepairEntry* entry = &RepairRegistry::instance().require(spec.strategy, node.child("strategy"), "repair strategy");
  std::vector<std::string> allowed{"strategy"};
  allowed.insert(allowed.end(), entry->keys.begin(), entry->keys.end());
  node.check_keys(allowed);
  spec.impl = entry->create(node, wafer);
  return spec;
}

double probability_at_most(const std::vector<double>& p, int k) {
  if (k < 0) return 0.0;
  // q[j] = P(exactly j events so far), j = 0..k; mass above k is dropped.
  std::vector<double> q(static_cast<std::size_t>(k) + 1, 0.0);
  q[0] = 1.0;
  for (double pi : p) {
    for (int j = k; j >= 1; --j) q[j] = q[j] * (1.0 - pi) + q[j - 1] * pi;
    q[0] *= 1.0 - pi;
  }
  double sum = 0.0;
  for (double x : q) sum += x;
  return sum;
}

}  // namespace wafersim::mesh
