#pragma once
// The input-queued virtual-channel router of the cycle engine, parameterised with the names
// BookSim2 uses (Dally & Towles, "Principles and Practices of Interconnection Networks", ch. 16),
// so that a config can be copied across:
//
//   router:
//     num_vcs: 2                 # VCs per input port (split evenly among the routing's VC classes)
//     vc_buf_size: 8             # flits per VC buffer
//     routing_delay: 0           # RC: cycles from a head reaching the front of its VC to VA
//     vc_alloc_delay: 1          # VA: cycles from a VC grant to the first switch request
//     sw_alloc_delay: 1          # SA: cycles from a switch grant to switch traversal
//     st_final_delay: 1          # ST: cycles of switch traversal before the output channel
//     credit_delay: 2            # cycles from a flit leaving a buffer to its credit entering the
//                                #   channel back (the credit then pays the channel latency too)
//     input_speedup: 1           # crossbar inputs per input port (VC v uses input v % speedup)
//     vc_allocator: separable_input_first   # or islip
//     sw_allocator: islip                   # or separable_input_first
//     alloc_iters: 1             # iSLIP iterations
//     wait_for_tail_credit: false  # output VC reusable only once the tail's credit is back
//     escape_wait: 0             # escape-VC routings (duato): cycles a head waits for a free
//                                #   adaptive VC before it takes the escape class (0: at once)
//
// The pipeline, exactly (docs/noc.md has the derivation and a worked example). A head flit that is
// usable in its input buffer at cycle t (and is at the front of an idle VC) may win VC allocation
// at cycle t + routing_delay; once granted at cycle a it may win switch allocation at cycle
// a + vc_alloc_delay (and only with a credit for its output VC); once granted at cycle s it leaves
// the buffer (its credit starts back) and enters the output channel at s + sw_alloc_delay +
// st_final_delay, reaching the next buffer `latency` channel cycles later. Body flits need only SA.
// Stages of delay 0 chain within one cycle. Zero-load per hop: routing_delay + vc_alloc_delay +
// sw_alloc_delay + st_final_delay + channel latency.
#include <string>

#include "core/yaml_reader.hpp"

namespace wafersim::sim {

struct RouterSpec {
  int num_vcs = 2;
  int vc_buf_size = 8;
  int routing_delay = 0;
  int vc_alloc_delay = 1;
  int sw_alloc_delay = 1;
  int st_final_delay = 1;
  int credit_delay = 2;
  int input_speedup = 1;
  std::string vc_allocator = "separable_input_first";
  std::string sw_allocator = "islip";
  int alloc_iters = 1;
  bool wait_for_tail_credit = false;
  // Under an escape-VC scheme a head that takes the escape follows the non-minimal up*/down* tree
  // for the rest of its path. Taking it the first cycle no adaptive VC is free (0, Duato's rule
  // and the default) sends steady neighbour streams round the tree: Cannon's 2-hop shifts on
  // 32 x 32 run 2.67 x slower on duato than on xy (the same plan); waiting 32 cycles for an
  // adaptive VC first gives 1.97 x, 200 gives 1.53 x, 1,000 gives 1.05 x. A wait is still
  // deadlock-free (the escape can always be taken after it), but at saturation, where minimal
  // adaptive routing does deadlock, every such deadlock then costs the wait to break: with 1,000
  // cycles the mixed multicast saturation test sees 1,000-cycle windows with no flit moving.
  // Measured trade-off, not a fitted constant: docs/noc.md.
  int escape_wait = 0;

  // Cycles a head flit spends in one router at zero load.
  int hop_delay() const { return routing_delay + vc_alloc_delay + sw_alloc_delay + st_final_delay; }

  // Each VC class of the routing (duato: escape and adaptive) gets the same number of VCs: throws
  // ConfigError at `node` (the router section) when num_vcs does not split evenly among them.
  void check_vc_classes(const std::string& routing_algorithm, const YamlNode& node) const;
  static RouterSpec from_yaml(const YamlNode& node);
};

}  // namespace wafersim::sim
