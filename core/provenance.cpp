#include "core/provenance.hpp"

#include "core/build_info.hpp"
#include "core/yaml_json.hpp"

namespace wafersim {

RunProvenance& RunProvenance::current() {
  static RunProvenance provenance;
  return provenance;
}

void RunProvenance::set_command_line(std::vector<std::string> arguments) {
  const std::lock_guard<std::mutex> lock(mutex_);
  command_ = std::move(arguments);
}

void RunProvenance::set_seed(std::uint64_t seed) {
  const std::lock_guard<std::mutex> lock(mutex_);
  seed_ = seed;
}

void RunProvenance::record_config(const std::string& mount, const std::filesystem::path& file, const YAML::Node& resolved) {
  nlohmann::ordered_json json = yaml_to_json(resolved);
  const std::lock_guard<std::mutex> lock(mutex_);
  for (Config& c : configs_) {
    if (c.mount != mount) continue;
    c.file = file.string();
    c.resolved = std::move(json);
    return;
  }
  configs_.push_back({mount, file.string(), std::move(json)});
}

void RunProvenance::clear() {
  const std::lock_guard<std::mutex> lock(mutex_);
  command_.clear();
  seed_.reset();
  configs_.clear();
}

nlohmann::ordered_json RunProvenance::to_json() const {
  nlohmann::ordered_json j = {{"wafersim", version()}, {"git_hash", git_hash()}};
  const std::lock_guard<std::mutex> lock(mutex_);
  if (!command_.empty()) j["command"] = command_;
  if (seed_) j["seed"] = *seed_;
  if (!configs_.empty()) {
    nlohmann::ordered_json configs = nlohmann::ordered_json::object();
    for (const Config& c : configs_) configs[c.mount.empty() ? "config" : c.mount] = {{"file", c.file}, {"resolved", c.resolved}};
    j["configs"] = std::move(configs);
  }
  return j;
}

}  // namespace wafersim
