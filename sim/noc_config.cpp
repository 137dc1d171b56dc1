#include "sim/noc_config.hpp"

#include <fmt/format.h>

#include <cmath>

namespace wafersim::sim {

MeasurementSpec MeasurementSpec::from_yaml(const YamlNode& node) {
  node.expect_map();
  node.check_keys({"warmup_cycles", "measure_cycles", "max_drain_cycles", "latency_threshold_cycles", "deadlock_cycles"});
  MeasurementSpec m;
  const double kMax = 1e9;
  m.warmup_cycles = static_cast<std::uint64_t>(node.get_int("warmup_cycles", static_cast<std::int64_t>(m.warmup_cycles), Range::closed(0, kMax)));
  m.measure_cycles = static_cast<std::uint64_t>(node.get_int("measure_cycles", static_cast<std::int64_t>(m.measure_cycles),
                                                                  Range::closed(1, static_cast<double>(kMaxMeasureCycles))));
  m.max_drain_cycles =
      static_cast<std::uint64_t>(node.get_int("max_drain_cycles", static_cast<std::int64_t>(m.max_drain_cycles), Range::closed(0, kMax)));
  if (node.has("latency_threshold_cycles") && !(node.child("latency_threshold_cycles").is_scalar() &&
                                                 node.child("latency_threshold_cycles").as_string() == "auto"))
    m.latency_threshold_cycles = static_cast<std::uint64_t>(node.child("latency_threshold_cycles").as_int(Range::closed(1, kMax)));
  m.deadlock_cycles = static_cast<std::uint64_t>(node.get_int("deadlock_cycles", static_cast<std::int64_t>(m.deadlock_cycles), Range::closed(10, kMax)));
  return m;
}

NocConfig NocConfig::load(const std::filesystem::path& file, const ConfigMount& mount) {
  const YamlNode root = YamlNode::load_file(file, mount);
  root.expect_map();
  root.check_keys({"name", "description", "system", "routing", "seed", "router", "channels", "clock", "traffic", "measurement", "sweep"});
  NocConfig c;
  c.file = file;
  c.name = root.get_string("name", file.stem().string());
  c.description = root.get_string("description", "");
  const std::filesystem::path dir = file.parent_path();
  const YamlNode sys = root.require("system");
  c.system_file = sys.as_string();
  // Relative to this file, or to the working directory when the command line named it (--system).
  if (c.system_file.is_relative() && !sys.from_command_line()) c.system_file = dir / c.system_file;
  if (!std::filesystem::exists(c.system_file)) sys.fail("no such system config: " + c.system_file.string());
  c.system = mesh::SystemConfig::load(c.system_file, mount.child("system"));
  if (root.has("routing")) {
    c.routing_override = mesh::RoutingSpec::from_yaml(root.child("routing"));
    c.system.routing = *c.routing_override;
  }
  c.seed = static_cast<std::uint64_t>(root.get_int("seed", 1, Range::closed(0, 9.0e18)));
  c.router = RouterSpec::from_yaml(root.child("router"));
  c.router.check_vc_classes(c.system.routing.algorithm, root.child("router"));
  c.channels = ChannelSpec::from_yaml(root.child("channels"));
  c.clock = ClockSpec::from_yaml(root.child("clock"));
  c.traffic = TrafficSpec::from_yaml(root.child("traffic"), dir);
  c.measurement = MeasurementSpec::from_yaml(root.child("measurement"));
  // A trace is the workload itself, not a steady state to warm up to: its packets from cycle 0
  // are measured unless a warm-up is asked for.
  if (c.traffic.is_trace() && !root.child("measurement").has("warmup_cycles")) c.measurement.warmup_cycles = 0;
  const YamlNode sweep = root.child("sweep");
  sweep.expect_map();
  sweep.check_keys({"rates", "stop_at_saturation"});
  c.stop_at_saturation = sweep.get_bool("stop_at_saturation", true);
  if (sweep.has("rates")) {
    const YamlNode rates = sweep.child("rates");
    if (rates.is_sequence()) {
      for (const YamlNode& r : rates.items()) c.sweep_rates.push_back(r.as_double({0.0, 1.0, true, false}));
      if (c.sweep_rates.size() > 10000) rates.fail("more than 10000 rates");
    } else {
      rates.expect_map();
      rates.check_keys({"from", "to", "step"});
      const double from = rates.require("from").as_double({0.0, 1.0, true, false});
      const double to = rates.require("to").as_double({0.0, 1.0, true, false});
      const double step = rates.require("step").as_double({0.0, 1.0, true, false});
      if (to < from) rates.child("to").fail("must be >= from");
      const auto n = static_cast<int>(std::floor((to - from) / step + 1e-9));
      if (n > 10000) rates.child("step").fail("gives more than 10000 rates");
      for (int i = 0; i <= n; ++i) c.sweep_rates.push_back(from + i * step);
    }
  }
  // A sweep runs the config's traffic at each rate, so each must pass the rules the traffic's own
  // rate does: a bursty source cannot offer more on average than it offers while on.
  if (c.traffic.injection == TrafficSpec::Injection::kBursty) {
    const std::vector<YamlNode> written = sweep.has("rates") && sweep.child("rates").is_sequence() ? sweep.child("rates").items()
                                                                                                     : std::vector<YamlNode>{};
    for (std::size_t i = 0; i < c.sweep_rates.size(); ++i) {
      if (c.sweep_rates[i] <= c.traffic.on_rate) continue;
      const YamlNode at = i < written.size() ? written[i] : sweep.child("rates");
      at.fail(fmt::format("rate {:g} is above traffic.on_rate ({:g}): a bursty source offers on_rate while on, so its mean rate "
                          "cannot exceed it; raise on_rate or stop the sweep below it",
                          c.sweep_rates[i], c.traffic.on_rate));
    }
  }
  return c;
}

}  // namespace wafersim::sim
