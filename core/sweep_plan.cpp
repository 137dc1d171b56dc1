#include "core/sweep_plan.hpp"

#include <fmt/format.h>

#include <cstdlib>
#include <map>
#include <sstream>

#include "core/build_info.hpp"
#include "core/fnv_hash.hpp"
#include "core/input_error.hpp"
#include "core/input_file.hpp"

namespace wafersim {
namespace {

// Does a config error at `error_path` concern the axis `key`? (the key itself, a key below it, or
// a missing parent of it)
bool concerns(const std::string& error_path, const std::string& key) {
  auto starts = [](const std::string& s, const std::string& prefix) {
    return s.size() > prefix.size() && s.compare(0, prefix.size(), prefix) == 0 && s[prefix.size()] == '.';
  };
  return error_path == key || starts(error_path, key) || starts(key, error_path);
}

}  // namespace

YAML::Node with_value(const YAML::Node& config, const std::string& key, const YAML::Node& value) {
  YAML::Node root = YAML::Clone(config);
  if (const std::string scalar = place_at_path(root, key, value).blocked_at; !scalar.empty())
    throw InputError(fmt::format("'{}' is not a map, so it has no key '{}'", scalar, key.substr(scalar.size() + 1)));
  return root;
}

std::string compact_yaml(const YAML::Node& value) {
  if (value.IsScalar()) return value.Scalar();
  YAML::Emitter out;
  out.SetMapFormat(YAML::Flow);
  out.SetSeqFormat(YAML::Flow);
  out << value;
  return out.c_str();
}

namespace {

// Equal for two values that are the same YAML, or the same number written differently (0.1 and
// 0.10): the number itself for a numeric scalar, the compact text otherwise.
std::string value_key(const YAML::Node& v) {
  if (v.IsScalar()) {
    const std::string& s = v.Scalar();
    char* end = nullptr;
    const double x = std::strtod(s.c_str(), &end);
    if (!s.empty() && end == s.c_str() + s.size()) return fmt::format("number {}", x);
  }
  return "yaml " + compact_yaml(v);
}

constexpr std::size_t kMaxPoints = 1'000'000;

// What a point reads besides its config, as "path hash" lines.
std::string input_files_identity(const std::vector<std::filesystem::path>& files) {
  std::string out;
  for (const auto& f : files) out += fmt::format("input={} {}\n", f.string(), hex64(fnv1a64(read_input_file(f))));
  return out;
}

}  // namespace

std::string SweepPlan::describe(const SweepPoint& point) const {
  std::string out;
  for (std::size_t a = 0; a < axes_.size(); ++a) out += fmt::format("{}{}={}", a ? ", " : "", axes_[a].key, point.labels[a]);
  return out;
}

SweepPlan SweepPlan::load(const std::filesystem::path& sweep_file, const ConfigValidator& validate, const ConfigMount& mount) {
  YamlNode sweep = YamlNode::load_file(sweep_file, mount);
  if (sweep.is_null()) sweep.fail("the sweep file is empty");
  sweep.check_keys({"name", "description", "system", "seed", "replicates", "evaluate", "axes"});

  const YamlNode system_key = sweep.require("system");
  std::filesystem::path system_file = system_key.as_string();
  if (system_file.is_relative() && !system_key.from_command_line()) system_file = sweep_file.parent_path() / system_file;
  if (!std::filesystem::exists(system_file)) {
    system_key.fail(fmt::format("system config '{}' not found (paths are relative to the sweep file)", system_file.string()));
  }
  YamlNode base = YamlNode::load_file(system_file, mount.child("system"));
  validate(base);

  SweepPlan plan(base, sweep.child("evaluate"));
  plan.sweep_file_ = sweep_file;
  plan.system_file_ = system_file;
  plan.name_ = sweep.get_string("name", sweep_file.stem().string());
  plan.seed_ = static_cast<std::uint64_t>(sweep.get_int("seed", 1, Range::non_negative()));
  plan.replicates_ = static_cast<std::size_t>(sweep.get_int("replicates", 10, Range::closed(1, 1e7)));

  if (sweep.has("axes")) {
    for (const YamlNode& axis_node : sweep.child("axes").items()) {
      axis_node.check_keys({"key", "values", "labels"});
      SweepAxis axis;
      const YamlNode key_node = axis_node.require("key");
      axis.key = key_node.as_string();
      axis.values = axis_node.require("values").items();
      if (axis.values.empty()) axis_node.child("values").fail("an axis needs at least one value");
      if (axis_node.has("labels")) {
        for (const YamlNode& l : axis_node.child("labels").items()) axis.labels.push_back(l.as_string());
        if (axis.labels.size() != axis.values.size()) {
          axis_node.child("labels").fail(fmt::format("{} labels for {} values", axis.labels.size(), axis.values.size()));
        }
      } else {
        for (const YamlNode& v : axis.values) axis.labels.push_back(compact_yaml(v.raw()));
      }
      for (const SweepAxis& other : plan.axes_) {
        if (other.key == axis.key) key_node.fail(fmt::format("axis '{}' appears twice", axis.key));
      }
      std::map<std::string, std::size_t> seen;  // value_key -> first index
      for (std::size_t i = 0; i < axis.values.size(); ++i)
        if (const auto [it, fresh] = seen.emplace(value_key(axis.values[i].raw()), i); !fresh)
          axis.values[i].fail(fmt::format("value {} of axis '{}' repeats value {} ({}): every point must differ", i + 1, axis.key, it->second + 1,
                                          compact_yaml(axis.values[it->second].raw())));
      // Each value on its own against the base config: an error in it is reported at the value in
      // the sweep file, and a key the config does not have at the axis key.
      for (const YamlNode& value : axis.values) {
        YAML::Node config;
        try {
          config.reset(with_value(base.raw(), axis.key, value.raw()));
        } catch (const InputError& e) {
          key_node.fail(fmt::format("'{}' is not a key of the system config: {}", axis.key, e.what()));
        }
        try {
          validate(base.with_tree(config));
        } catch (const ConfigError& e) {
          if (!concerns(e.key_path(), axis.key)) throw;
          if (e.problem().rfind("unknown key", 0) == 0) {
            key_node.fail(fmt::format("'{}' is not a key of the system config: {} is an {}", axis.key, e.key_path(), e.problem()));
          }
          value.fail(fmt::format("value for {} is invalid: {}{}", axis.key,
                                 e.key_path() == axis.key ? "" : e.key_path() + ": ", e.problem()));
        }
      }
      plan.axes_.push_back(std::move(axis));
    }
  }

  // Cartesian product, first axis slowest.
  std::size_t total = 1;
  for (const auto& a : plan.axes_) {
    if (a.values.size() > kMaxPoints / total)
      throw InputError(fmt::format("{}: the axes give more than {} points; split the sweep", sweep_file.string(), kMaxPoints));
    total *= a.values.size();
  }
  const std::string evaluate_text = plan.evaluate_.is_null() ? "" : YAML::Dump(plan.evaluate_.raw());
  std::map<std::string, std::size_t> first_with_hash;
  for (std::size_t index = 0; index < total; ++index) {
    std::size_t rest = index;
    std::vector<std::size_t> pick(plan.axes_.size());
    for (std::size_t a = plan.axes_.size(); a-- > 0;) {
      pick[a] = rest % plan.axes_[a].values.size();
      rest /= plan.axes_[a].values.size();
    }
    YAML::Node config = YAML::Clone(base.raw());
    SweepPoint point;
    point.index = index;
    for (std::size_t a = 0; a < plan.axes_.size(); ++a) {
      config.reset(with_value(config, plan.axes_[a].key, plan.axes_[a].values[pick[a]].raw()));
      point.labels.push_back(plan.axes_[a].labels[pick[a]]);
    }
    point.config = base.with_tree(config);
    std::vector<std::filesystem::path> inputs;
    try {
      inputs = validate(point.config);
    } catch (const ConfigError& e) {
      throw InputError(fmt::format("{}: point {} ({}) is not a valid config: {}{}", sweep_file.string(), index, plan.describe(point),
                                   e.key_path().empty() ? "" : e.key_path() + ": ", e.problem()));
    }
    // The build is part of a point's identity: a rerun after the code changed recomputes rather
    // than mixing old and new results in one file.
    const std::string identity = fmt::format("format=1\nbuild={} {}\nseed={}\nreplicates={}\nevaluate={}\nconfig={}\n{}",
                                             version(), git_hash(), plan.seed_, plan.replicates_, evaluate_text,
                                             YAML::Dump(config), input_files_identity(inputs));
    point.hash = hex64(fnv1a64(identity));
    if (const auto [it, fresh] = first_with_hash.emplace(point.hash, index); !fresh) {
      throw InputError(fmt::format("{}: points {} ({}) and {} ({}) are the same config: two axes set the same key", sweep_file.string(),
                                   it->second, plan.describe(plan.points_[it->second]), index, plan.describe(point)));
    }
    plan.points_.push_back(std::move(point));
  }
  return plan;
}

}  // namespace wafersim
