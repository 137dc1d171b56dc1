#pragma once
// How a region's attention core runs on the units of its head layout (compiler/layouts.hpp: unit
// = (sequence, head, query block) on a tile; a head's query blocks form a ring): a family
// registered by name (compiler/impl/attention_*.cpp), chosen with `--attention-mapping NAME` or
// `auto` (MapOptions::attention_mapping).
//
// Every entry computes the same thing, every unit its query rows against every key of its
// sequence (full attention FLOPs, as the op graph counts them: no causal block skipping). They
// differ in how the keys and values reach a unit and so in what it holds at once:
// - gathered: each unit all-gathers its head's keys and values by multicast
//   (PlanBuilder::multicast_allgather) and runs each core op as one task over all of them.
// - streamed: keys and values go around the head's ring block by block (compiler/key_ring.hpp)
//   and the core's ops run once per step of w blocks, fused step by step (scores, softmax and
//   context of step t before step t + 2 starts: FlashAttention's online softmax, each unit keeping
//   its running row maximum and sum and rescaling its output as blocks come in).
#include <cstdint>
#include <functional>
#include <string>

#include "core/registry.hpp"

namespace wafersim::compiler {

// One unit's attention, at the model's real sequence length (the representative layer of a wafer
// cluster is a scaled copy, but a unit of the real layer attends over the real keys).
struct AttentionShape {
  std::int64_t query_rows = 0;  // the unit's query block
  std::int64_t key_rows = 0;    // keys of its sequence
  std::int64_t block_rows = 0;  // one block of the ring (a unit's own rows of keys and values)
  std::int64_t head_dim = 0;
  double element_bytes = 2;     // activations
};

struct AttentionMappingEntry {
  std::string name;
  std::string summary;
  // Keys and values stream around the head's ring in steps of w blocks (else all-gathered whole).
  bool streams_keys = false;
  // Place in the order auto tries entries (the first is also where auto chooses the matmul
  // mappings); 0: auto does not try it.
  int auto_order = 0;
  // SRAM one unit uses while its attention runs, beyond the resident state: keys and values held,
  // score and softmax rows, accumulators (w: blocks per step; entries that do not stream ignore it).
  std::function<double(const AttentionShape&, int w)> working_set_bytes;
};
using AttentionMappingRegistry = Registry<AttentionMappingEntry>;

}  // namespace wafersim::compiler
