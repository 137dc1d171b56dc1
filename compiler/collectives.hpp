#pragma once
// Time of a collective among n devices on links of bandwidth B (bytes/s per device per direction)
// and per-step latency a, by algorithm (the alpha-beta model; Thakur, Rabenseifner and Gropp,
// "Optimization of Collective Communication Operations in MPICH", IJHPCA 19(1), 2005):
//
//   ring all-reduce       2 (n-1)/n  S/B + 2 (n-1) a     (reduce-scatter, then all-gather)
//   ring reduce-scatter     (n-1)/n  S/B +   (n-1) a     (S: the whole buffer; each keeps S/n)
//   ring all-gather         (n-1)/n  S/B +   (n-1) a     (S: the gathered buffer)
//   tree all-reduce       2 S/B + 2 ceil(log2 n) a       (pipelined double binary tree)
//   all-to-all              (n-1)/n  S/B +   (n-1) a     (S: what one device sends in all)
//   2d_mesh all-reduce    ring all-reduce along rows, then along columns of a sqrt(n) mesh
//
// S is the buffer per device. n = 1 costs nothing.
#include <cstdint>
#include <string>

namespace wafersim::compiler {

enum class Collective { kAllReduce, kReduceScatter, kAllGather, kAllToAll };
enum class CollectiveAlgorithm { kRing, kTree, kMesh2d };

double collective_seconds(Collective c, CollectiveAlgorithm a, double bytes, std::int64_t n, double bytes_per_s, double latency_s);

const char* to_string(Collective c);
const char* to_string(CollectiveAlgorithm a);

}  // namespace wafersim::compiler
