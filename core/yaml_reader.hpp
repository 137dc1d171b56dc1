#pragma once
// Typed, validating access to YAML configs.
//
// Every config struct reads itself through YamlNode, which knows the file it came from and the
// dotted key path it sits at, so that every problem is reported as
//   configs/systems/x.yaml:12:5: defects.d0_per_cm2: must be >= 0, got -0.1
// Unknown keys are errors with a "did you mean" hint (check_keys); wrong types and out-of-range
// numbers are errors; missing optional keys take the default the caller passes, documented where
// the config struct declares it.
#include <yaml-cpp/yaml.h>

#include <cstdint>
#include <filesystem>
#include <limits>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "core/config_overrides.hpp"
#include "core/input_error.hpp"

namespace wafersim {

// A closed or open interval a number must lie in.
struct Range {
  double lo = -std::numeric_limits<double>::infinity();
  double hi = std::numeric_limits<double>::infinity();
  bool lo_open = false;  // lo excluded
  bool hi_open = false;  // hi excluded

  static Range any() { return {}; }
  static Range positive() { return {0.0, std::numeric_limits<double>::infinity(), true, false}; }
  static Range non_negative() { return {0.0, std::numeric_limits<double>::infinity(), false, false}; }
  static Range fraction() { return {0.0, 1.0, false, false}; }
  static Range at_least(double lo) { return {lo, std::numeric_limits<double>::infinity(), false, false}; }
  static Range closed(double lo, double hi) { return {lo, hi, false, false}; }
  bool contains(double x) const;
  std::string describe() const;  // "must be > 0", "must be in [0, 1]"
};

class YamlNode {
 public:
  YamlNode() = default;
  YamlNode(YAML::Node node, std::string file, std::string path);

  // Parses a file / a string. Syntax errors become ConfigError with the file and position. A file
  // read at a mount that takes overrides gets the command's --set overrides below that mount
  // (core/config_overrides.hpp) before anything reads it; errors at an overridden key then name
  // the override, and other errors in the file list the overrides after the problem.
  static YamlNode load_file(const std::filesystem::path& file, const ConfigMount& mount = {});
  static YamlNode parse(const std::string& text, const std::string& file_name);
  // Another tree standing for the same file (a sweep point: the base config with axis values),
  // keeping this node's file name and overrides.
  YamlNode with_tree(YAML::Node tree) const;

  const YAML::Node& raw() const { return node_; }
  const std::string& file() const { return file_; }
  const std::string& path() const { return path_; }
  bool is_map() const { return node_.IsMap(); }
  bool is_sequence() const { return node_.IsSequence(); }
  bool is_scalar() const { return node_.IsScalar(); }
  bool is_null() const { return !node_.IsDefined() || node_.IsNull(); }
  // Was this node written by a command-line override? Then a relative path in it is relative to
  // the working directory, not to the file.
  bool from_command_line() const;

  // Throws unless this node is a map (a missing or null node counts as an empty map).
  void expect_map() const;
  // Throws on the first key that is not in `allowed`, suggesting the closest allowed key.
  void check_keys(const std::vector<std::string>& allowed) const;
  // Key present (and not null)?
  bool has(std::string_view key) const;
  // The child under `key`; a missing key gives a null node whose errors point at this node.
  YamlNode child(std::string_view key) const;
  // The child under `key`, which must be present.
  YamlNode require(std::string_view key) const;
  // Elements of a sequence (throws unless this is a sequence).
  std::vector<YamlNode> items() const;
  // Keys of a map in file order.
  std::vector<std::string> keys() const;

  // Scalars of this node.
  double as_double(const Range& range = Range::any()) const;
  std::int64_t as_int(const Range& range = Range::any()) const;
  bool as_bool() const;
  std::string as_string() const;
  // A string that must be one of `choices`.
  std::string as_choice(const std::vector<std::string>& choices) const;

  // Child scalars with defaults for a missing key.
  double get_double(std::string_view key, double fallback, const Range& range = Range::any()) const;
  std::int64_t get_int(std::string_view key, std::int64_t fallback, const Range& range = Range::any()) const;
  bool get_bool(std::string_view key, bool fallback) const;
  std::string get_string(std::string_view key, const std::string& fallback) const;
  std::string get_choice(std::string_view key, const std::string& fallback,
                         const std::vector<std::string>& choices) const;

  // An error located at this node ("file:line:col: path: problem").
  [[noreturn]] void fail(const std::string& problem) const;
  ConfigError error(const std::string& problem) const;

 private:
  YAML::Node node_;
  std::string file_;
  std::string path_;
  int line_ = 0;  // of the nearest located ancestor when this node has no mark
  int col_ = 0;
  std::shared_ptr<const std::vector<AppliedOverride>> overrides_;  // null when none landed in this file
  // The override that wrote `key_path` or a map above it, if any.
  const AppliedOverride* override_at(const std::string& key_path) const;
  ConfigError located_error(int line, int col, const std::string& key_path, const std::string& problem) const;
  YamlNode descendant(YAML::Node node, std::string path) const;
  friend class YamlNodeAccess;
};

// Joins a dotted key path: join_path("defects", "d0") == "defects.d0"; join_path("", "x") == "x".
std::string join_path(std::string_view parent, std::string_view key);

}  // namespace wafersim
