#include "core/yaml_reader.hpp"

#include <fmt/format.h>

#include <cerrno>
#include <cmath>
#include <cstdlib>
#include <fstream>
#include <set>
#include <sstream>

#include "core/did_you_mean.hpp"
#include "core/input_file.hpp"
#include "core/provenance.hpp"

namespace wafersim {

ConfigError::ConfigError(std::string file, int line, int col, std::string key_path, std::string problem)
    : InputError([&] {
        std::string where = file;
        if (line > 0) where += fmt::format(":{}", line);
        if (line > 0 && col > 0) where += fmt::format(":{}", col);
        std::string what = where.empty() ? std::string() : where + ": ";
        if (!key_path.empty()) what += key_path + ": ";
        return what + problem;
      }()),
      file_(std::move(file)),
      line_(line),
      col_(col),
      key_path_(std::move(key_path)),
      problem_(std::move(problem)) {}

bool Range::contains(double x) const {
  if (std::isnan(x)) return false;
  if (lo_open ? !(x > lo) : !(x >= lo)) return false;
  if (hi_open ? !(x < hi) : !(x <= hi)) return false;
  return true;
}

std::string Range::describe() const {
  const bool has_lo = std::isfinite(lo);
  const bool has_hi = std::isfinite(hi);
  if (has_lo && has_hi) {
    return fmt::format("must be in {}{:g}, {:g}{}", lo_open ? '(' : '[', lo, hi, hi_open ? ')' : ']');
  }
  if (has_lo) return fmt::format("must be {} {:g}", lo_open ? ">" : ">=", lo);
  if (has_hi) return fmt::format("must be {} {:g}", hi_open ? "<" : "<=", hi);
  return "must be a finite number";
}

std::string join_path(std::string_view parent, std::string_view key) {
  if (parent.empty()) return std::string(key);
  return std::string(parent) + "." + std::string(key);
}

namespace {

void mark_of(const YAML::Node& node, int& line, int& col) {
  if (!node.IsDefined() || node.IsNull()) return;
  const YAML::Mark mark = node.Mark();
  if (mark.line >= 0) {
    line = mark.line + 1;
    col = mark.column + 1;
  }
}

std::string scalar_text(const YAML::Node& node) { return node.IsScalar() ? node.Scalar() : std::string(); }

std::string describe_kind(const YAML::Node& node) {
  if (!node.IsDefined() || node.IsNull()) return "nothing";
  if (node.IsMap()) return "a map";
  if (node.IsSequence()) return "a list";
  return "'" + node.Scalar() + "'";
}

}  // namespace

// Is `path` the key path `at`, or one below it ("a.b.c" and "a.b[2]" are below "a.b")?
static bool is_at_or_under(const std::string& path, const std::string& at) {
  return path == at ||
         (path.size() > at.size() && path.compare(0, at.size(), at) == 0 && (path[at.size()] == '.' || path[at.size()] == '['));
}

// yaml-cpp answers a lookup of a missing key with an "invalid" node that throws on most queries
// (and on assignment); a plain null node behaves.
static YAML::Node valid_or_null(YAML::Node node) { return node.IsDefined() ? node : YAML::Node(); }

YamlNode::YamlNode(YAML::Node node, std::string file, std::string path)
    : node_(valid_or_null(std::move(node))), file_(std::move(file)), path_(std::move(path)) {
  mark_of(node_, line_, col_);
}

YamlNode YamlNode::parse(const std::string& text, const std::string& file_name) {
  try {
    return YamlNode(YAML::Load(text), file_name, "");
  } catch (const YAML::Exception& e) {
    throw ConfigError(file_name, e.mark.line >= 0 ? e.mark.line + 1 : 0,
                      e.mark.column >= 0 ? e.mark.column + 1 : 0, "", "YAML syntax error: " + e.msg);
  }
}

YamlNode YamlNode::load_file(const std::filesystem::path& file, const ConfigMount& mount) {
  YamlNode doc = parse(read_input_file(file), file.string());
  if (!mount.takes_overrides) return doc;
  if (command_overrides().empty()) {
    RunProvenance::current().record_config(mount.path, file, doc.node_);
    return doc;
  }
  YAML::Node tree = doc.node_;
  std::vector<AppliedOverride> applied;
  try {
    applied = command_overrides().apply(tree, mount);
  } catch (const InputError& e) {
    throw InputError(fmt::format("{} (in {})", e.what(), file.string()));
  }
  RunProvenance::current().record_config(mount.path, file, tree);
  YamlNode out(tree, doc.file_, "");
  if (!applied.empty()) out.overrides_ = std::make_shared<const std::vector<AppliedOverride>>(std::move(applied));
  return out;
}

YamlNode YamlNode::with_tree(YAML::Node tree) const {
  YamlNode out(std::move(tree), file_, "");
  out.overrides_ = overrides_;
  return out;
}

YamlNode YamlNode::descendant(YAML::Node node, std::string path) const {
  YamlNode out(std::move(node), file_, std::move(path));
  if (out.line_ == 0) {
    out.line_ = line_;
    out.col_ = col_;
  }
  out.overrides_ = overrides_;
  // Reading the key an override wrote, or one below it, uses the override.
  if (overrides_)
    for (const AppliedOverride& o : *overrides_)
      if (is_at_or_under(out.path_, o.local_path)) command_overrides().mark_read(o.index);
  return out;
}

const AppliedOverride* YamlNode::override_at(const std::string& key_path) const {
  if (!overrides_) return nullptr;
  const AppliedOverride* found = nullptr;
  for (const AppliedOverride& o : *overrides_)
    if (is_at_or_under(key_path, o.created_path)) found = &o;  // the last one written wins, as in the tree
  return found;
}

bool YamlNode::from_command_line() const { return override_at(path_) != nullptr; }

ConfigError YamlNode::located_error(int line, int col, const std::string& key_path, const std::string& problem) const {
  if (const AppliedOverride* o = override_at(key_path)) return ConfigError(o->origin, 0, 0, key_path, problem);
  if (!overrides_) return ConfigError(file_, line, col, key_path, problem);
  // A rule that relates two keys can fail at the one the user did not change.
  std::string with;
  for (const AppliedOverride& o : *overrides_) with += (with.empty() ? "" : ", ") + o.origin;
  return ConfigError(file_, line, col, key_path, problem + " (with " + with + ")");
}

ConfigError YamlNode::error(const std::string& problem) const { return located_error(line_, col_, path_, problem); }

void YamlNode::fail(const std::string& problem) const { throw error(problem); }

void YamlNode::expect_map() const {
  if (is_null()) return;
  if (!node_.IsMap()) fail("expected a map of keys, got " + describe_kind(node_));
}

void YamlNode::check_keys(const std::vector<std::string>& allowed) const {
  expect_map();
  if (is_null()) return;
  std::set<std::string> seen;
  for (auto it = node_.begin(); it != node_.end(); ++it) {
    int line = line_, col = col_;
    mark_of(it->first, line, col);
    const std::string key = scalar_text(it->first);
    const std::string where = join_path(path_, key);
    if (!it->first.IsScalar()) throw located_error(line, col, path_, "keys must be plain names");
    if (!seen.insert(key).second) throw located_error(line, col, where, "duplicate key");
    bool known = false;
    for (const auto& a : allowed) known = known || a == key;
    if (!known) {
      std::string allowed_list;
      for (const auto& a : allowed) allowed_list += (allowed_list.empty() ? "" : ", ") + a;
      throw located_error(line, col, where, "unknown key" + did_you_mean(key, allowed) + "; allowed here: " + allowed_list);
    }
  }
}

bool YamlNode::has(std::string_view key) const {
  if (!node_.IsMap()) return false;
  const YAML::Node c = node_[std::string(key)];
  return c.IsDefined() && !c.IsNull();
}

YamlNode YamlNode::child(std::string_view key) const {
  expect_map();
  const YAML::Node c = node_.IsMap() ? node_[std::string(key)] : YAML::Node();
  return descendant(c, join_path(path_, key));
}

YamlNode YamlNode::require(std::string_view key) const {
  YamlNode c = child(key);
  if (c.is_null()) fail(fmt::format("missing required key '{}'", key));
  return c;
}

std::vector<YamlNode> YamlNode::items() const {
  if (!node_.IsSequence()) fail("expected a list, got " + describe_kind(node_));
  std::vector<YamlNode> out;
  std::size_t i = 0;
  for (const auto& element : node_) out.push_back(descendant(element, fmt::format("{}[{}]", path_, i++)));
  return out;
}

std::vector<std::string> YamlNode::keys() const {
  std::vector<std::string> out;
  if (!node_.IsMap()) return out;
  for (auto it = node_.begin(); it != node_.end(); ++it) out.push_back(scalar_text(it->first));
  return out;
}

double YamlNode::as_double(const Range& range) const {
  if (!node_.IsScalar() || node_.Tag() == "!") fail("expected a number, got " + describe_kind(node_));
  const std::string& text = node_.Scalar();
  errno = 0;
  char* end = nullptr;
  const double value = std::strtod(text.c_str(), &end);
  if (text.empty() || end != text.c_str() + text.size() || errno == ERANGE || !std::isfinite(value)) {
    fail("expected a number, got '" + text + "'");
  }
  if (!range.contains(value)) fail(fmt::format("{}, got {}", range.describe(), text));
  return value;
}

std::int64_t YamlNode::as_int(const Range& range) const {
  const double value = as_double(Range::any());
  if (value != std::floor(value) || std::fabs(value) > 9.0e15) {
    fail("expected a whole number, got '" + node_.Scalar() + "'");
  }
  if (!range.contains(value)) fail(fmt::format("{}, got {}", range.describe(), node_.Scalar()));
  return static_cast<std::int64_t>(value);
}

bool YamlNode::as_bool() const {
  bool value = false;
  if (!node_.IsScalar() || !YAML::convert<bool>::decode(node_, value)) {
    fail("expected true or false, got " + describe_kind(node_));
  }
  return value;
}

std::string YamlNode::as_string() const {
  if (!node_.IsScalar()) fail("expected a string, got " + describe_kind(node_));
  return node_.Scalar();
}

std::string YamlNode::as_choice(const std::vector<std::string>& choices) const {
  const std::string value = as_string();
  for (const auto& c : choices) {
    if (c == value) return value;
  }
  std::string list;
  for (const auto& c : choices) list += (list.empty() ? "" : ", ") + c;
  fail("'" + value + "' is not one of: " + list + did_you_mean(value, choices));
}

double YamlNode::get_double(std::string_view key, double fallback, const Range& range) const {
  return has(key) ? child(key).as_double(range) : fallback;
}

std::int64_t YamlNode::get_int(std::string_view key, std::int64_t fallback, const Range& range) const {
  return has(key) ? child(key).as_int(range) : fallback;
}

bool YamlNode::get_bool(std::string_view key, bool fallback) const {
  return has(key) ? child(key).as_bool() : fallback;
}

std::string YamlNode::get_string(std::string_view key, const std::string& fallback) const {
  return has(key) ? child(key).as_string() : fallback;
}

std::string YamlNode::get_choice(std::string_view key, const std::string& fallback,
                                 const std::vector<std::string>& choices) const {
  return has(key) ? child(key).as_choice(choices) : fallback;
}

}  // namespace wafersim
