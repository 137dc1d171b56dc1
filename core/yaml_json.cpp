#include "core/yaml_json.hpp"

#include <cerrno>
#include <cstdlib>
#include <string>

namespace wafersim {

nlohmann::ordered_json yaml_to_json(const YAML::Node& node) {
  if (!node.IsDefined() || node.IsNull()) return nullptr;
  if (node.IsSequence()) {
    auto out = nlohmann::ordered_json::array();
    for (const auto& e : node) out.push_back(yaml_to_json(e));
    return out;
  }
  if (node.IsMap()) {
    auto out = nlohmann::ordered_json::object();
    for (auto it = node.begin(); it != node.end(); ++it) out[it->first.Scalar()] = yaml_to_json(it->second);
    return out;
  }
  const std::string& s = node.Scalar();
  if (node.Tag() != "!") {
    errno = 0;
    char* end = nullptr;
    const long long i = std::strtoll(s.c_str(), &end, 10);
    if (!s.empty() && end == s.c_str() + s.size() && errno != ERANGE) return i;
    const double d = std::strtod(s.c_str(), &end);
    if (!s.empty() && end == s.c_str() + s.size()) return d;
    if (s == "true") return true;
    if (s == "false") return false;
  }
  return s;
}

}  // namespace wafersim
