#pragma once
// Trace-driven traffic: a CSV of packets, one line each, any order:
//
//   # anything after '#' is a comment
//   cycle,src_row,src_col,dst_row,dst_col,flits
//   0,0,0,3,5,4
//
// `cycle` is the creation cycle in the source tile's clock; coordinates are the fabric's logical
// ones and must name working tiles that can reach each other. A node's packets enter its source
// queue in cycle order (ties in file order).
#include <cstdint>
#include <filesystem>
#include <vector>

#include "mesh/fabric.hpp"

namespace wafersim::sim {

struct TracePacket {
  std::uint64_t cycle = 0;
  std::uint32_t src = 0;
  std::uint32_t dst = 0;
  std::uint32_t flits = 1;
};

struct TrafficContext;
// Throws InputError naming the file and line of the first problem.
std::vector<TracePacket> load_trace(const std::filesystem::path& file, const TrafficContext& ctx);

}  // namespace wafersim::sim
