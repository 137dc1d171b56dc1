#include "compiler/wafer_system.hpp"

#include <cmath>

namespace wafersim::compiler {

std::uint64_t TileComputeSpec::matmul_cycles(std::int64_t m, std::int64_t k, std::int64_t n) const {
  if (m <= 0 || k <= 0 || n <= 0) return static_cast<std::uint64_t>(task_overhead_cycles);
  const std::int64_t tiles = ((m + array - 1) / array) * ((n + array - 1) / array);
  return static_cast<std::uint64_t>(tiles * (k + array) + task_overhead_cycles);
}

std::uint64_t TileComputeSpec::vector_cycles(double flops) const {
  return static_cast<std::uint64_t>(std::ceil(flops / vector_flops_per_cycle)) + static_cast<std::uint64_t>(task_overhead_cycles);
}

TileComputeSpec TileComputeSpec::from_yaml(const YamlNode& node) {
  TileComputeSpec s;
  if (node.is_null()) return s;
  node.check_keys({"array", "vector_flops_per_cycle", "sram_kib", "task_overhead_cycles"});
  s.array = static_cast<int>(node.get_int("array", s.array, Range::closed(1, 1024)));
  s.vector_flops_per_cycle = node.get_double("vector_flops_per_cycle", s.vector_flops_per_cycle, Range::closed(0.001, 1e6));
  s.sram_kib = node.get_double("sram_kib", s.sram_kib, Range::closed(1, 1e6));
  s.task_overhead_cycles = static_cast<int>(node.get_int("task_overhead_cycles", s.task_overhead_cycles, Range::closed(0, 1e6)));
  return s;
}

IoSpec IoSpec::from_yaml(const YamlNode& node) {
  IoSpec s;
  if (node.is_null()) return s;
  node.check_keys({"bandwidth_tb_s", "latency_ns", "memory_gb"});
  s.bandwidth_tb_s = node.get_double("bandwidth_tb_s", s.bandwidth_tb_s, Range::closed(0.001, 10000));
  s.latency_ns = node.get_double("latency_ns", s.latency_ns, Range::closed(0, 1e9));
  s.memory_gb = node.get_double("memory_gb", s.memory_gb, Range::closed(0, 1e9));
  return s;
}

WaferSystem WaferSystem::from_yaml(const YamlNode& root) {
  WaferSystem s;
  s.file = root.file();
  s.mesh = mesh::SystemConfig::from_yaml(root);
  const YamlNode noc = root.child("noc");
  if (!noc.is_null()) {
    noc.check_keys({"router", "channels", "clock", "packet_flits"});
    if (noc.has("router")) s.router = sim::RouterSpec::from_yaml(noc.child("router"));
    if (noc.has("channels")) s.channels = sim::ChannelSpec::from_yaml(noc.child("channels"));
    if (noc.has("clock")) s.clock = sim::ClockSpec::from_yaml(noc.child("clock"));
    s.packet_flits = static_cast<int>(noc.get_int("packet_flits", s.packet_flits, Range::closed(1, 65535)));
  }
  s.router.check_vc_classes(s.mesh.routing.algorithm, noc.child("router"));
  s.compute = TileComputeSpec::from_yaml(root.child("compute"));
  s.io = IoSpec::from_yaml(root.child("io"));
  return s;
}

WaferSystem WaferSystem::load(const std::filesystem::path& file, const ConfigMount& mount) {
  return from_yaml(YamlNode::load_file(file, mount));
}

}  // namespace wafersim::compiler
