#include "mesh/yield_model.hpp"

namespace wafersim::mesh {

std::unique_ptr<YieldModel> make_yield_model(const std::string& name, const YamlNode& defects, const YamlNode& at) {
  return YieldModelRegistry::instance().require(name, at, "yield model").create(defects);
}

}  // namespace wafersim::mesh
