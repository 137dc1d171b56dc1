#include "mesh/repair.hpp"

#include "core/did_you_mean.hpp"

namespace wafersim::mesh {

RepairRegistry& RepairRegistry::instance() {
  static RepairRegistry registry;
  return registry;
}

void RepairRegistry::add(RepairEntry entry) {
  const std::string name = entry.name;
  entries_[name] = std::move(entry);
}

const RepairEntry* RepairRegistry::find(const std::string& name) const {
  auto it = entries_.find(name);
  return it == entries_.end() ? nullptr : &it->second;
}

std::vector<std::string> RepairRegistry::names() const {
  std::vector<std::string> out;
  for (const auto& [name, e] : entries_) out.push_back(name);
  return out;
}

RepairSpec RepairSpec::from_yaml(const YamlNode& node, const WaferSpec& wafer) {
  node.expect_map();
  RepairSpec spec;
  spec.strategy = node.get_string("strategy", "none");
  const auto& registry = RepairRegistry::instance();
  const RepairEntry* entry = registry.find(spec.strategy);
  if (!entry) {
    std::string list;
    for (const auto& n : registry.names()) list += (list.empty() ? "" : ", ") + n;
    node.child("strategy").fail("unknown repair strategy '" + spec.strategy + "'" + did_you_mean(spec.strategy, registry.names()) +
                                "; known: " + list);
  }
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
