#include "sim/clock_spec.hpp"

#include <algorithm>
#include <functional>

namespace wafersim::sim {

const char* domains_name(ClockSpec::Domains d) {
  switch (d) {
    case ClockSpec::Domains::kGlobal: return "global";
    case ClockSpec::Domains::kPerField: return "per_field";
    case ClockSpec::Domains::kPerTile: return "per_tile";
  }
  return "?";
}

ClockSpec ClockSpec::from_yaml(const YamlNode& node) {
  node.expect_map();
  node.check_keys({"frequency_ghz", "domains", "phase", "speed_factors", "bins_ghz", "synchronizer_stages", "skew_ps_per_mm",
                   "derate_for_skew"});
  ClockSpec s;
  s.frequency_ghz = node.get_double("frequency_ghz", s.frequency_ghz, Range::closed(0.001, 100));
  const std::string d = node.get_choice("domains", "global", {"global", "per_field", "per_tile"});
  s.domains = d == "global" ? Domains::kGlobal : d == "per_field" ? Domains::kPerField : Domains::kPerTile;
  s.random_phase = node.get_choice("phase", "aligned", {"aligned", "random"}) == "random";
  s.speed_factors = node.get_bool("speed_factors", s.speed_factors);
  if (node.has("bins_ghz")) {
    for (const YamlNode& b : node.child("bins_ghz").items()) s.bins_ghz.push_back(b.as_double(Range::closed(0.001, 100)));
    if (s.bins_ghz.size() > 1000) node.child("bins_ghz").fail("more than 1000 speed bins");
    std::sort(s.bins_ghz.begin(), s.bins_ghz.end(), std::greater<>());
  }
  s.synchronizer_stages = static_cast<int>(node.get_int("synchronizer_stages", s.synchronizer_stages, Range::closed(0, 16)));
  s.skew_ps_per_mm = node.get_double("skew_ps_per_mm", s.skew_ps_per_mm, Range::closed(0, 10000));
  s.derate_for_skew = node.get_bool("derate_for_skew", s.derate_for_skew);
  return s;
}

}  // namespace wafersim::sim
