#include "core/config_overrides.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cctype>
#include <cstdlib>

#include "core/input_error.hpp"
#include "core/yaml_reader.hpp"

namespace wafersim {
namespace {

// One step of a key path: a map key, or an element of a list.
struct PathStep {
  std::string key;        // empty for an index
  std::size_t index = 0;
  bool is_index() const { return key.empty(); }
};

bool is_key_char(char c) { return std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '-'; }

std::vector<PathStep> parse_path(std::string_view path) {
  auto bad = [&](const std::string& why) { return InputError(fmt::format("key path '{}': {}", path, why)); };
  if (path.empty()) throw bad("empty");
  std::vector<PathStep> steps;
  std::size_t i = 0;
  while (i < path.size()) {
    const std::size_t start = i;
    while (i < path.size() && is_key_char(path[i])) ++i;
    if (i == start) throw bad(fmt::format("expected a key name at character {}", start + 1));
    steps.push_back({std::string(path.substr(start, i - start)), 0});
    while (i < path.size() && path[i] == '[') {
      const std::size_t close = path.find(']', i);
      if (close == std::string_view::npos) throw bad("'[' without ']'");
      const std::string digits(path.substr(i + 1, close - i - 1));
      if (digits.empty() || digits.size() > 9 || digits.find_first_not_of("0123456789") != std::string::npos)
        throw bad(fmt::format("'[{}]' is not a list index (a whole number >= 0)", digits));
      steps.push_back({"", static_cast<std::size_t>(std::strtoul(digits.c_str(), nullptr, 10))});
      i = close + 1;
    }
    if (i < path.size()) {
      if (path[i] != '.') throw bad(fmt::format("unexpected '{}' at character {}", path[i], i + 1));
      if (++i == path.size()) throw bad("ends with '.'");
    }
  }
  return steps;
}

std::string step_text(const std::string& walked, const PathStep& s) {
  return s.is_index() ? fmt::format("{}[{}]", walked, s.index) : join_path(walked, s.key);
}

bool is_empty(const YAML::Node& n) { return !n.IsDefined() || n.IsNull(); }

}  // namespace

PlaceResult place_at_path(YAML::Node& root, std::string_view path, const YAML::Node& value) {
  const std::vector<PathStep> steps = parse_path(path);
  if (is_empty(root)) root.reset(YAML::Node(YAML::NodeType::Map));
  // yaml-cpp's Node::operator= writes through to the node it refers to; reset() rebinds.
  YAML::Node node;
  node.reset(root);
  std::string walked;
  PlaceResult result;
  for (std::size_t i = 0; i < steps.size(); ++i) {
    const PathStep& s = steps[i];
    const bool last = i + 1 == steps.size();
    if (node.IsScalar()) {
      if (i == 0) throw InputError(fmt::format("key path '{}': the file holds one value, not a map of keys", path));
      result.blocked_at = walked;
      return result;
    }
    if (s.is_index()) {
      if (!node.IsSequence())
        throw InputError(fmt::format("key path '{}': '{}' is {}, not a list", path, walked, node.IsMap() ? "a map" : "empty"));
      if (s.index >= node.size())
        throw InputError(fmt::format("key path '{}': '{}' has {} elements; index {} is past its end", path, walked, node.size(), s.index));
    } else {
      if (node.IsSequence())
        throw InputError(fmt::format("key path '{}': '{}' is a list; name an element, as {}[0]", path, walked, walked));
    }
    if (last) {
      if (!s.is_index() && value.IsNull()) {  // null removes the key: its default applies
        node.remove(s.key);
        if (result.created.empty()) result.created = std::string(path);
        return result;
      }
      if (s.is_index()) node[s.index] = YAML::Clone(value);
      else node[s.key] = YAML::Clone(value);
      if (result.created.empty()) result.created = std::string(path);
      return result;
    }
    YAML::Node next = s.is_index() ? node[s.index] : node[s.key];
    if (is_empty(next) && value.IsNull()) {  // removing a key of a section that is not there
      result.created = std::string(path);
      return result;
    }
    if (is_empty(next)) {
      if (result.created.empty()) result.created = step_text(walked, s);
      if (s.is_index()) {
        node[s.index] = YAML::Node(YAML::NodeType::Map);
        next = node[s.index];
      } else {
        node[s.key] = YAML::Node(YAML::NodeType::Map);
        next = node[s.key];
      }
    }
    node.reset(next);
    walked = step_text(walked, s);
  }
  return result;
}

ConfigOverride parse_override(std::string_view argument) {
  const std::size_t eq = argument.find('=');
  const std::string origin = fmt::format("--set {}", argument);
  if (eq == std::string_view::npos)
    throw InputError(fmt::format("{}: expected key.path=value (for example --set traffic.rate=0.3)", origin));
  const std::string path(argument.substr(0, eq));
  try {
    parse_path(path);
  } catch (const InputError& e) {
    throw InputError(fmt::format("{}: {}", origin, e.what()));
  }
  return flag_override(path, std::string(argument.substr(eq + 1)), origin);
}

ConfigOverride flag_override(std::string path, std::string value, std::string origin) {
  ConfigOverride o;
  o.path = std::move(path);
  o.text = std::move(value);
  o.origin = std::move(origin);
  if (o.text.find_first_not_of(" \t") == std::string::npos)
    throw InputError(fmt::format("{}: no value after '=' (write the value, or leave the key out to keep the config's)", o.origin));
  try {
    o.value = YAML::Load(o.text);
  } catch (const YAML::Exception& e) {
    throw InputError(fmt::format("{}: the value is not valid YAML: {}", o.origin, e.msg));
  }
  return o;
}

ConfigMount ConfigMount::child(std::string_view key) const { return {takes_overrides, join_path(path, key)}; }

void ConfigOverrides::add(ConfigOverride o) {
  const std::lock_guard<std::mutex> lock(mutex_);
  items_.push_back(std::move(o));
  taken_.push_back(0);
  read_.push_back(0);
  blocked_.emplace_back();
}

void ConfigOverrides::clear() {
  const std::lock_guard<std::mutex> lock(mutex_);
  items_.clear();
  taken_.clear();
  read_.clear();
  blocked_.clear();
  mounts_.clear();
}

std::vector<AppliedOverride> ConfigOverrides::apply(YAML::Node& tree, const ConfigMount& mount) const {
  std::vector<AppliedOverride> applied;
  if (!mount.takes_overrides) return applied;
  const std::lock_guard<std::mutex> lock(mutex_);
  if (std::find(mounts_.begin(), mounts_.end(), mount.path) == mounts_.end()) mounts_.push_back(mount.path);
  for (std::size_t i = 0; i < items_.size(); ++i) {
    const ConfigOverride& o = items_[i];
    std::string local;
    if (mount.path.empty()) {
      local = o.path;
    } else if (o.path.size() > mount.path.size() && o.path.compare(0, mount.path.size(), mount.path) == 0 &&
               (o.path[mount.path.size()] == '.' || o.path[mount.path.size()] == '[')) {
      local = o.path.substr(mount.path.size() + (o.path[mount.path.size()] == '.' ? 1 : 0));
    } else {
      continue;
    }
    PlaceResult placed;
    try {
      placed = place_at_path(tree, local, o.value);
    } catch (const InputError& e) {
      throw InputError(fmt::format("{}: {}", o.origin, e.what()));
    }
    if (!placed.blocked_at.empty()) {  // runs through a file name: that file takes it
      if (blocked_[i].empty()) blocked_[i] = join_path(mount.path, placed.blocked_at);
      continue;
    }
    taken_[i] = 1;
    if (o.value.IsNull()) read_[i] = 1;  // a removal has done its work: nothing is left to read
    applied.push_back({i, local, placed.created, o.origin});
  }
  return applied;
}

void ConfigOverrides::check_all_taken() const {
  const std::lock_guard<std::mutex> lock(mutex_);
  for (std::size_t i = 0; i < items_.size(); ++i) {
    if (taken_[i]) continue;
    const ConfigOverride& o = items_[i];
    if (!blocked_[i].empty())
      throw InputError(fmt::format("{}: '{}' is a value, not a section of keys, and this command reads no file from it", o.origin, blocked_[i]));
    std::string read;
    for (const std::string& m : mounts_) read += (read.empty() ? "" : ", ") + (m.empty() ? std::string("the command's config (no prefix)") : m + ".");
    throw InputError(fmt::format("{}: no config this command reads is at '{}'; {}", o.origin, o.path,
                                 read.empty() ? "this command reads no config" : "key paths start at " + read));
  }
  for (std::size_t i = 0; i < items_.size(); ++i)
    if (!read_[i])
      throw InputError(fmt::format("{}: this command does not use '{}' (the key is allowed in the file, but what this command does "
                                   "takes nothing from it)",
                                   items_[i].origin, items_[i].path));
}

void ConfigOverrides::mark_read(std::size_t index) const {
  const std::lock_guard<std::mutex> lock(mutex_);
  if (index < read_.size()) read_[index] = 1;
}

ConfigOverrides& command_overrides() {
  static ConfigOverrides overrides;
  return overrides;
}

}  // namespace wafersim
