#pragma once
// Where a mixture-of-experts router sends the tokens, and what the experts' buffers keep.
//
// The router's expert popularity follows a Zipf law of exponent `moe.router_skew` (0: balanced, as
// load-balancing losses aim for; 1: expert r of E gets a share proportional to 1 / r). Each expert
// has a buffer of capacity_factor x T x top_k / E token slots (GShard, Lepikhin et al. 2021; Switch,
// Fedus et al. 2022); the slots routed beyond it are dropped (the token skips that expert and
// keeps its residual). Expected values, not a sampled draw.
#include <vector>

#include "compiler/model_spec.hpp"

namespace wafersim::compiler {

struct MoeLoad {
  std::vector<double> processed;  // token slots each expert computes, of `tokens` x top_k routed
  double dropped_fraction = 0;    // of the token slots routed
  // The busiest of `ep` expert-parallel ranks (experts dealt out in contiguous blocks of E / ep)
  // over the mean rank: the factor on expert time when ranks wait for the slowest.
  double imbalance(int ep) const;
};

MoeLoad moe_load(const MoeSpec& moe, double tokens);

}  // namespace wafersim::compiler
