#pragma once
// What a result was made from, written into every JSON the tool writes (core/json_file.hpp): the
// build (version, git hash), the command line, the seed, and every config file the command read
// as it was resolved, that is after its --set overrides. Rerunning the recorded command line on
// the same build gives the same result; the resolved configs say what it ran even when the files
// have changed since.
#include <cstdint>
#include <filesystem>
#include <mutex>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include <yaml-cpp/yaml.h>

namespace wafersim {

class RunProvenance {
 public:
  // The one of this process (the command line fills it; libraries add the configs they read).
  static RunProvenance& current();

  void set_command_line(std::vector<std::string> arguments);
  // The seed the command's randomness came from (defect maps, clock phases, traffic).
  void set_seed(std::uint64_t seed);
  // A config file as the command read it, at its place in the command's config tree ("" for the
  // command's own config, "system", "model", "system.wafer"). A file read again at the same place
  // replaces the earlier record.
  void record_config(const std::string& mount, const std::filesystem::path& file, const YAML::Node& resolved);
  void clear();

  // {"wafersim", "git_hash", "command", "seed", "configs": {mount: {"file", "resolved"}}}; the
  // members that were never set are left out.
  nlohmann::ordered_json to_json() const;

 private:
  struct Config {
    std::string mount;
    std::string file;
    nlohmann::ordered_json resolved;
  };
  mutable std::mutex mutex_;
  std::vector<std::string> command_;
  std::optional<std::uint64_t> seed_;
  std::vector<Config> configs_;
};

}  // namespace wafersim
