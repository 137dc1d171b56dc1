#include "compiler/cluster_spec.hpp"

namespace wafersim::compiler {

namespace {

LinkSpec link_from_yaml(const YamlNode& node) {
  LinkSpec l;
  l.bytes_per_s = node.require("gb_s").as_double(Range::closed(0.001, 1e8)) * 1e9;
  l.latency_s = node.get_double("latency_us", 0.0, Range::closed(0, 1e9)) * 1e-6;
  return l;
}

}  // namespace

ClusterSpec ClusterSpec::from_yaml(const YamlNode& node) {
  node.expect_map();
  if (!node.has("kind"))
    node.fail("no 'kind': `wafersim estimate` takes a cluster description with kind: gpu_cluster (e.g. "
              "configs/systems/selene-a100.yaml) or kind: wafer_cluster (e.g. configs/systems/tiny-3nm-cluster.yaml, which names "
              "its wafer system)");
  node.check_keys({"name", "description", "kind", "devices", "device", "scale_up", "scale_out"});
  ClusterSpec c;
  c.name = node.require("name").as_string();
  c.description = node.get_string("description", "");
  const YamlNode kind = node.require("kind");
  if (kind.as_string() != "gpu_cluster")
    kind.fail("'" + kind.as_string() + "': `wafersim estimate` takes kind: gpu_cluster or kind: wafer_cluster");
  c.devices = node.require("devices").as_int(Range::closed(1, 1e9));

  const YamlNode d = node.require("device");
  d.expect_map();
  d.check_keys({"name", "peak_tflops", "vector_tflops", "memory_gb", "memory_tb_s", "matmul_efficiency", "fp8_peak_tflops",
                "fp8_matmul_efficiency", "sms", "power_w", "cost_usd"});
  c.device.name = d.get_string("name", "device");
  c.device.peak_flops = d.require("peak_tflops").as_double(Range::closed(0.001, 1e7)) * 1e12;
  c.device.vector_flops = d.require("vector_tflops").as_double(Range::closed(0.001, 1e7)) * 1e12;
  c.device.memory_bytes = d.require("memory_gb").as_double(Range::closed(0.001, 1e7)) * 1e9;
  c.device.memory_bytes_per_s = d.require("memory_tb_s").as_double(Range::closed(0.001, 100000)) * 1e12;
  c.device.matmul_efficiency = d.get_double("matmul_efficiency", 1.0, {0.0, 1.0, true, false});
  c.device.fp8_peak_flops = d.get_double("fp8_peak_tflops", 0.0, Range::closed(0, 1e7)) * 1e12;
  c.device.fp8_matmul_efficiency = d.get_double("fp8_matmul_efficiency", 1.0, {0.0, 1.0, true, false});
  if (d.has("fp8_matmul_efficiency") && c.device.fp8_peak_flops <= 0)
    d.child("fp8_matmul_efficiency").fail("an FP8 efficiency needs the device's FP8 peak (fp8_peak_tflops)");
  c.device.sms = static_cast<int>(d.get_int("sms", 0, Range::closed(0, 1e6)));
  c.device.power_w = d.get_double("power_w", 0.0, Range::closed(0, 1e7));
  c.device.cost_usd = d.get_double("cost_usd", 0.0, Range::closed(0, 1e12));

  const YamlNode up = node.require("scale_up");
  up.expect_map();
  up.check_keys({"domain", "gb_s", "latency_us"});
  c.domain = up.require("domain").as_int(Range::closed(1, 1e6));
  c.scale_up = link_from_yaml(up);
  const YamlNode out = node.require("scale_out");
  out.expect_map();
  out.check_keys({"gb_s", "latency_us", "topology"});
  c.scale_out = link_from_yaml(out);
  c.topology = out.get_choice("topology", "fat_tree", {"fat_tree", "switched"});
  return c;
}

ClusterSpec ClusterSpec::load(const std::filesystem::path& file, const ConfigMount& mount) {
  return from_yaml(YamlNode::load_file(file, mount));
}

}  // namespace wafersim::compiler
