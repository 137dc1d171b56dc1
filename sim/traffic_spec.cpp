#include "sim/traffic_spec.hpp"

#include "sim/traffic_pattern.hpp"

#include <algorithm>

namespace wafersim::sim {

namespace {

// The keys every pattern takes, and those of one pattern.
std::vector<std::string> keys_of(const std::string& pattern) {
  std::vector<std::string> keys = {"pattern", "rate", "packet_size", "injection", "burst_length", "on_rate"};
  if (pattern == TrafficSpec::kTracePattern) keys.push_back("trace");
  if (const auto* e = TrafficPatternRegistry::instance().find(pattern)) keys.insert(keys.end(), e->keys.begin(), e->keys.end());
  return keys;
}

}  // namespace

std::vector<std::string> TrafficSpec::keys_not_taken_by(const YamlNode& traffic, const std::string& pattern) {
  const std::vector<std::string> taken = keys_of(pattern);
  std::vector<std::string> out;
  for (const std::string& k : traffic.keys())
    if (std::find(taken.begin(), taken.end(), k) == taken.end()) out.push_back(k);
  return out;
}

TrafficSpec TrafficSpec::from_yaml(const YamlNode& node, const std::filesystem::path& config_dir) {
  node.expect_map();
  TrafficSpec s;
  s.node = node;
  const auto& registry = TrafficPatternRegistry::instance();
  std::vector<std::string> patterns = registry.names();
  patterns.push_back(kTracePattern);
  s.pattern = node.get_choice("pattern", s.pattern, patterns);
  std::vector<std::string> keys = keys_of(s.pattern);
  if (s.pattern != kTracePattern) keys.push_back("trace");  // allowed, to say below that it needs pattern: trace
  node.check_keys(keys);
  s.rate = node.get_double("rate", s.rate, Range::closed(0.0, 1.0));
  s.packet_size = static_cast<int>(node.get_int("packet_size", s.packet_size, Range::closed(1, 65535)));
  s.injection = node.get_choice("injection", "bernoulli", {"bernoulli", "bursty"}) == "bursty" ? Injection::kBursty : Injection::kBernoulli;
  s.burst_length = node.get_double("burst_length", s.burst_length, Range::closed(1, 1e6));
  s.on_rate = node.get_double("on_rate", s.on_rate, {0.0, 1.0, true, false});
  if (s.injection == Injection::kBursty && s.on_rate < s.rate)
    node.child("on_rate").fail("must be >= rate (" + std::to_string(s.rate) + "): a bursty source offers on_rate while on");
  if (s.pattern == kTracePattern) {
    const YamlNode t = node.require("trace");
    s.trace_file = t.as_string();
    if (s.trace_file.empty()) t.fail("needs the path of a trace file");
    if (s.trace_file.is_relative() && !t.from_command_line()) s.trace_file = config_dir / s.trace_file;
  } else if (node.has("trace")) {
    node.child("trace").fail("a trace file needs pattern: trace");
  }
  return s;
}

}  // namespace wafersim::sim
