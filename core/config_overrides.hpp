#pragma once
// Changing any key of a config from the command line: `--set key.path=value`, repeatable.
//
// An override is written into the YAML tree as the file is read, before the config struct
// validates it, so that every rule sees the new value: its type and range, the unknown-key check,
// and the rules that relate two keys (a bursty source's on_rate >= rate). A flag that stands for a
// key (`wafersim noc --rate 0.3`) is an override too, named by its flag in errors.
//
// Key paths start at the command's own config. A file the command reads through a flag or that a
// config names is mounted under that name:
//   wafersim noc configs/noc/booksim-like.yaml --set traffic.rate=0.3 --set system.routing.algorithm=duato
//   wafersim compile --model M --system S --set model.layers=2 --set system.noc.router.num_vcs=4
//   wafersim estimate --model M --system C --set system.wafer.defects.d0_per_cm2=0.05   (C names its wafer)
// A value is YAML: 0.3, true, duato, [0.1, 0.2], {strategy: none}; null removes the key, so that
// its default applies (and a rule that refuses the key for another setting no longer sees it). A
// segment may index a list:
// axes[0].values. A path whose parent is missing creates it; a path that runs through a scalar is
// left for the file that scalar names; an override that no file of the command takes is an error.
#include <yaml-cpp/yaml.h>

#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

namespace wafersim {

struct ConfigOverride {
  std::string path;    // from the command's config root: "system.noc.router.num_vcs"
  std::string text;    // the value as typed
  YAML::Node value;    // the value parsed as YAML
  std::string origin;  // how the user wrote it, for errors: "--set system.noc.router.num_vcs=4", "--rate 0.3"
};

// Parses "key.path=value" as typed after --set. Throws InputError naming the argument.
ConfigOverride parse_override(std::string_view argument);
// An override that a flag stands for: `--rate 0.3` is {traffic.rate, 0.3, "--rate 0.3"}.
ConfigOverride flag_override(std::string path, std::string value, std::string origin);

// Where a file sits in the command's config tree. A default mount takes no overrides: libraries,
// benchmarks and tests read files as they are unless they ask.
struct ConfigMount {
  bool takes_overrides = false;
  std::string path;  // "" = the command's own config; "system", "model", "system.wafer"

  static ConfigMount root() { return {true, ""}; }
  static ConfigMount at(std::string path) { return {true, std::move(path)}; }
  // The mount of a file this one names under `key`.
  ConfigMount child(std::string_view key) const;
};

// An override as it landed in one file: its path inside the file, the first key it created on the
// way there (a missing section: errors about it are the override's too), and how it was written.
struct AppliedOverride {
  std::size_t index = 0;  // in ConfigOverrides::items()
  std::string local_path;
  std::string created_path;
  std::string origin;
};

class ConfigOverrides {
 public:
  void add(ConfigOverride o);
  bool empty() const { return items_.empty(); }
  const std::vector<ConfigOverride>& items() const { return items_; }

  // Writes, in the order given, the overrides below `mount` into `tree` (the file's root), and
  // returns them with their paths inside the file. An override whose path runs through a scalar
  // here (a file name, such as a NoC config's `system:`) is left for that file. Throws InputError
  // for a path that cannot be written (an index past the end of a list).
  std::vector<AppliedOverride> apply(YAML::Node& tree, const ConfigMount& mount) const;
  // Throws InputError naming the first override that no file read so far has taken, or that
  // landed in a file but was never read there (a section this command does not use).
  void check_all_taken() const;
  // Called by YamlNode when a config reads the key an override wrote (or a key below it).
  void mark_read(std::size_t index) const;
  void clear();

 private:
  std::vector<ConfigOverride> items_;
  mutable std::vector<char> taken_;
  mutable std::vector<char> read_;
  mutable std::vector<std::string> blocked_;  // per override: the scalar its path ran into, if any
  mutable std::vector<std::string> mounts_;   // the mounts of the files read so far
  mutable std::mutex mutex_;
};

// The overrides of this process's command: the command line fills them before the command runs.
ConfigOverrides& command_overrides();

// Writes a copy of `value` at the dotted `path` of `root`, creating missing maps on the way
// ("a.b[2].c": key a, key b, element 2 of that list, key c). Throws InputError for a malformed
// path, a list where a key was asked (or the reverse), or an index past the end of a list.
struct PlaceResult {
  std::string blocked_at;  // when the path runs through a scalar: its path, and nothing was written
  std::string created;     // the first key that did not exist before (the path itself when all did)
};
PlaceResult place_at_path(YAML::Node& root, std::string_view path, const YAML::Node& value);

}  // namespace wafersim
