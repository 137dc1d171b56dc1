#pragma once
// A sweep: a base config, axes over any of its keys (cartesian product, first axis slowest),
// replicates per point and a seed. Every point is a different config: a value given twice on an
// axis, or two axes that end in the same config (one inside the other), is an error. Knows nothing about what a point computes; the job that runs
// the sweep supplies a validator for configs and reads its own options from `evaluate`.
//
//   system: ../systems/wse2-like.yaml   # relative to the sweep file
//   seed: 1
//   replicates: 20
//   evaluate: {...}                    # options of the job that runs the sweep
//   axes:
//     - key: defects.d0_per_cm2
//       values: [0.03, 0.1, 0.3]
//     - key: repair                    # a value may be a whole sub-map
//       values: [{strategy: none}, {strategy: spare_rows, spares: 1}]
//       labels: [none, spare1]         # optional names for the values
#include <cstdint>
#include <filesystem>
#include <functional>
#include <string>
#include <vector>

#include "core/yaml_reader.hpp"

namespace wafersim {

struct SweepAxis {
  std::string key;                  // dotted path into the config
  std::vector<YamlNode> values;     // as written in the sweep file
  std::vector<std::string> labels;  // one per value
};

struct SweepPoint {
  std::size_t index = 0;
  std::vector<std::string> labels;  // one per axis
  YamlNode config;                  // base config with this point's axis values applied
  std::string hash;                 // identifies the resolved point (config, the files it reads, seed, replicates, options)
};

// Parses a config and throws ConfigError if it is invalid; supplied by the job. Returns the files
// the config reads besides itself (a defects.map_file): their contents are part of each point's
// identity, so that an edited file is not answered with the rows of the old one.
using ConfigValidator = std::function<std::vector<std::filesystem::path>(const YamlNode&)>;

class SweepPlan {
 public:
  // `mount`: where the sweep file sits in the command's config tree, for --set; its system file is
  // under mount.system.
  static SweepPlan load(const std::filesystem::path& sweep_file, const ConfigValidator& validate, const ConfigMount& mount = {});

  const std::string& name() const { return name_; }
  const std::filesystem::path& sweep_file() const { return sweep_file_; }
  const std::filesystem::path& system_file() const { return system_file_; }
  std::uint64_t seed() const { return seed_; }
  std::size_t replicates() const { return replicates_; }
  const YamlNode& evaluate() const { return evaluate_; }
  const YamlNode& base_config() const { return base_; }
  const std::vector<SweepAxis>& axes() const { return axes_; }
  const std::vector<SweepPoint>& points() const { return points_; }
  // "key=label, key=label": the point's value on every axis.
  std::string describe(const SweepPoint& point) const;

 private:
  SweepPlan(YamlNode base, YamlNode evaluate) : base_(std::move(base)), evaluate_(std::move(evaluate)) {}
  std::string name_;
  std::filesystem::path sweep_file_;
  std::filesystem::path system_file_;
  std::uint64_t seed_ = 0;
  std::size_t replicates_ = 0;
  YamlNode base_;
  YamlNode evaluate_;
  std::vector<SweepAxis> axes_;
  std::vector<SweepPoint> points_;
};

// A deep copy of `config` with `value` placed at the dotted `key` (maps created as needed).
// Throws InputError if the path runs through something that is not a map.
YAML::Node with_value(const YAML::Node& config, const std::string& key, const YAML::Node& value);

// A short one-line text for a YAML value: the scalar itself, or flow style for maps and lists.
std::string compact_yaml(const YAML::Node& value);

}  // namespace wafersim
