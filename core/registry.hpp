#pragma once
// Named implementations of a family (yield models, repair strategies, and later routing
// algorithms, traffic patterns, ...), chosen by name in YAML, Ramulator-style: each implementation
// file registers itself at load time, so adding one is adding one file.
//
//   struct ThingEntry { std::string name, summary; std::vector<std::string> keys; Factory create; };
//   const Registration<ThingEntry> kRegister{{"name", "what it is", {"its_key"}, factory}};
//   const ThingEntry& e = Registry<ThingEntry>::instance().require(name, node, "thing");
#include <map>
#include <string>
#include <vector>

#include "core/did_you_mean.hpp"
#include "core/yaml_reader.hpp"

namespace wafersim {

template <typename Entry>
class Registry {
 public:
  static Registry& instance() {
    static Registry registry;
    return registry;
  }
  void add(Entry entry) {
    const std::string name = entry.name;
    entries_[name] = std::move(entry);
  }
  const Entry* find(const std::string& name) const {
    auto it = entries_.find(name);
    return it == entries_.end() ? nullptr : &it->second;
  }
  std::vector<std::string> names() const {
    std::vector<std::string> out;
    for (const auto& [name, entry] : entries_) out.push_back(name);
    return out;
  }
  // "unknown <what> 'x' (did you mean 'y'?); known: a, b, c".
  std::string unknown(const std::string& name, const std::string& what) const {
    std::string list;
    for (const auto& n : names()) list += (list.empty() ? "" : ", ") + n;
    return "unknown " + what + " '" + name + "'" + did_you_mean(name, names()) + "; known: " + list;
  }
  // The entry `name`, or a ConfigError at `at` with the message above.
  const Entry& require(const std::string& name, const YamlNode& at, const std::string& what) const {
    if (const Entry* e = find(name)) return *e;
    at.fail(unknown(name, what));
  }

 private:
  std::map<std::string, Entry> entries_;  // ordered: listings do not depend on load order
};

template <typename Entry>
struct Registration {
  explicit Registration(Entry entry) { Registry<Entry>::instance().add(std::move(entry)); }
};

}  // namespace wafersim
