#pragma once
// A compiled plan: the sim::Workload the engine runs, where it was placed, and what it costs.
// For the functional check (compiler/functional_check.hpp) a plan can also carry what each item
// does to data: which slice of which tensor a message carries, which block product a task computes.
#include <cstdint>
#include <string>
#include <vector>

#include "sim/workload.hpp"

namespace wafersim::compiler {

// A rectangle [r0, r1) x [c0, c1) of a 2D tensor.
struct Slice {
  int tensor = -1;
  std::int64_t r0 = 0, r1 = 0, c0 = 0, c1 = 0;
  std::int64_t rows() const { return r1 - r0; }
  std::int64_t cols() const { return c1 - c0; }
  bool empty() const { return r1 <= r0 || c1 <= c0; }
};

// What an item does to data (functional plans only).
struct ItemData {
  // kAttentionStep: one block of keys (b) and values (c) folded into the context rows (out) by
  // the online softmax (Milakov & Gimelshein 2018; FlashAttention): the rows' running maximum and
  // sum are kept with the unnormalized output; `first` starts them, `last` divides by the sum.
  // kRowSum: each row r of `out` is the sum over the terms with dst_row r of weight x row src_row
  // of the term's tensor (out's columns); a row with no term is zero. An MoE dispatch gathers its
  // tokens' rows this way (weight 1), and the combine sums the experts' outputs with the gates.
  enum class Kind : std::uint8_t { kNone, kCarry, kMatMulAcc, kAttention, kCopy, kAttentionStep, kRowSum };
  struct RowTerm {
    std::int64_t dst_row = 0;
    int tensor = -1;
    std::int64_t src_row = 0;
    double weight = 1;
  };
  Kind kind = Kind::kNone;
  Slice out;      // carry: the slice moved; matmul: C block (+= A B); attention: the context rows; copy: a, renamed
  Slice a, b, c;  // matmul: A, B; attention: Q rows, K and V rows (causal, scaled by 1/sqrt(cols))
  bool first = false;  // matmul: C starts at zero; attention step: the first block
  bool last = false;   // attention step: the last block
  std::vector<RowTerm> terms;  // row sum
};

// A block of working tiles used as a pr x pc grid: position (i, j) is tiles[i * pc + j].
struct TileGrid {
  int pr = 0, pc = 0;
  std::vector<std::uint32_t> tiles;
  std::uint32_t at(int i, int j) const { return tiles[static_cast<std::size_t>(i) * pc + j]; }
  std::size_t size() const { return tiles.size(); }
};

struct Region {
  std::string name;                 // "L0-L3", "embed+head", "wafer"
  int row0 = 0, col0 = 0, rows = 0, cols = 0;  // the logical rectangle it was given
  TileGrid grid;                    // the working tiles it uses
  std::vector<int> layers;          // model layers mapped here (-1: embedding, head, loss)
  double sram_bytes_per_tile = 0;   // resident: weights, gradients, optimizer state, activations
  double flops = 0;                 // of its ops, one micro-batch
};

struct Plan {
  std::string model, system, style;
  bool pipelined = false;  // the style's regions are pipeline stages (MappingStyleEntry::pipeline_stages)
  // Dead tiles split the fabric into this many pieces; the plan uses only the largest, and this
  // many working tiles of the others are left out (no route reaches them).
  std::size_t fabric_pieces = 1, tiles_cut_off = 0;
  std::vector<Region> regions;
  sim::Workload workload;
  std::vector<int> item_op;         // graph op of each item (-1: none)
  std::vector<ItemData> item_data;  // functional plans only (else empty)
  std::vector<std::pair<std::uint32_t, Slice>> initial;  // data on tiles before the plan runs
  std::vector<std::pair<std::uint32_t, Slice>> outputs;  // where the results end up
  bool weights_stream = false;
  int micro_batches_in_flight = 1;  // mapped together (MapOptions::micro_batches_in_flight): the workload is that many
  double flops = 0;                 // mapped on the wafer (one micro-batch)
  double offwafer_flops = 0;        // e.g. the optimizer of a weight-streaming system
  double sram_max_bytes = 0, sram_mean_bytes = 0;  // per used tile
  double external_memory_bytes = 0;
  std::vector<std::string> notes;   // what was abstracted, in words
  // The matmul mapping of each weight (its forward op's name); `note` says why it is not the one
  // asked for (that one cannot do it). With auto, the whole plan was compiled with every mapping
  // and the fastest kept: `matmul_auto` holds each candidate's analytic makespan, or for one left
  // out, the lower bound that showed it could not win.
  struct MatmulChoice {
    std::string op, mapping, note;
  };
  struct AutoCandidate {
    std::string mapping;
    double ps = 0;
    bool bound_only = false;  // ps is a lower bound, at or above the winner's makespan
  };
  std::vector<AutoCandidate> matmul_auto;
  std::vector<MatmulChoice> matmul_choices;
  // The attention mapping (compiler/attention_mapping.hpp) and, for one that streams keys, the
  // blocks per step of the busiest region; with auto, each candidate's makespan (or why it could not
  // be used: ps < 0, `note`).
  std::string attention_mapping;
  int attention_blocks_per_step = 0;
  struct MappingCandidate {
    std::string mapping;
    double ps = -1;
    bool bound_only = false;
    std::string note;
  };
  std::vector<MappingCandidate> attention_auto;
  // The MoE mapping (compiler/moe_mapping.hpp; empty for a dense model) and, with auto, each
  // candidate as above.
  std::string moe_mapping;
  std::vector<MappingCandidate> moe_auto;
};

}  // namespace wafersim::compiler
