#include "mesh/yield_model.hpp"

#include "core/did_you_mean.hpp"

namespace wafersim::mesh {

YieldModelRegistry& YieldModelRegistry::instance() {
  static YieldModelRegistry registry;
  return registry;
}

void YieldModelRegistry::add(YieldModelEntry entry) {
  const std::string name = entry.name;
  entries_[name] = std::move(entry);
}

const YieldModelEntry* YieldModelRegistry::find(const std::string& name) const {
  auto it = entries_.find(name);
  return it == entries_.end() ? nullptr : &it->second;
}

std::vector<std::string> YieldModelRegistry::names() const {
  std::vector<std::string> out;
  for (const auto& [name, entry] : entries_) out.push_back(name);
  return out;
}

std::unique_ptr<YieldModel> make_yield_model(const std::string& name, const YamlNode& defects, const YamlNode& at) {
  const auto& registry = YieldModelRegistry::instance();
  const YieldModelEntry* entry = registry.find(name);
  if (!entry) {
    std::string list;
    for (const auto& n : registry.names()) list += (list.empty() ? "" : ", ") + n;
    at.fail("unknown yield model '" + name + "'" + did_you_mean(name, registry.names()) + "; known: " + list);
  }
  return entry->create(defects);
}

}  // namespace wafersim::mesh
