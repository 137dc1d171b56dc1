#include "sim/router_spec.hpp"

#include <fmt/format.h>

#include "mesh/routing.hpp"

#include "sim/allocator.hpp"

namespace wafersim::sim {

RouterSpec RouterSpec::from_yaml(const YamlNode& node) {
  node.expect_map();
  node.check_keys({"num_vcs", "vc_buf_size", "routing_delay", "vc_alloc_delay", "sw_alloc_delay", "st_final_delay",
                   "credit_delay", "input_speedup", "vc_allocator", "sw_allocator", "alloc_iters", "wait_for_tail_credit", "escape_wait"});
  RouterSpec s;
  // 8 VCs x 5 ports = 40 input VCs: the allocators work on 64-bit request masks.
  s.num_vcs = static_cast<int>(node.get_int("num_vcs", s.num_vcs, Range::closed(1, 8)));
  s.vc_buf_size = static_cast<int>(node.get_int("vc_buf_size", s.vc_buf_size, Range::closed(1, 255)));
  s.routing_delay = static_cast<int>(node.get_int("routing_delay", s.routing_delay, Range::closed(0, 100)));
  s.vc_alloc_delay = static_cast<int>(node.get_int("vc_alloc_delay", s.vc_alloc_delay, Range::closed(0, 100)));
  s.sw_alloc_delay = static_cast<int>(node.get_int("sw_alloc_delay", s.sw_alloc_delay, Range::closed(0, 100)));
  s.st_final_delay = static_cast<int>(node.get_int("st_final_delay", s.st_final_delay, Range::closed(0, 100)));
  s.credit_delay = static_cast<int>(node.get_int("credit_delay", s.credit_delay, Range::closed(0, 100)));
  s.input_speedup = static_cast<int>(node.get_int("input_speedup", s.input_speedup, Range::closed(1, 8)));
  const auto names = AllocatorRegistry::instance().names();
  s.vc_allocator = node.get_choice("vc_allocator", s.vc_allocator, names);
  s.sw_allocator = node.get_choice("sw_allocator", s.sw_allocator, names);
  s.alloc_iters = static_cast<int>(node.get_int("alloc_iters", s.alloc_iters, Range::closed(1, 8)));
  s.escape_wait = static_cast<int>(node.get_int("escape_wait", s.escape_wait, Range::closed(0, 1000000)));
  s.wait_for_tail_credit = node.get_bool("wait_for_tail_credit", s.wait_for_tail_credit);
  if (s.input_speedup > s.num_vcs) node.child("input_speedup").fail("must be <= num_vcs (" + std::to_string(s.num_vcs) + "): each crossbar input serves its own VCs");
  return s;
}

void RouterSpec::check_vc_classes(const std::string& routing_algorithm, const YamlNode& node) const {
  const auto* r = mesh::RoutingRegistry::instance().find(routing_algorithm);
  if (!r || num_vcs % r->vc_classes == 0) return;
  (node.has("num_vcs") ? node.child("num_vcs") : node)
      .fail(fmt::format("{} VCs cannot be split evenly among the {} VC classes of {} routing", num_vcs, r->vc_classes, routing_algorithm));
}

}  // namespace wafersim::sim
