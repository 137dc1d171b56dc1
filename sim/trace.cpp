#include "sim/trace.hpp"

#include <fmt/format.h>

#include <charconv>
#include <sstream>

#include "core/csv.hpp"
#include "core/input_error.hpp"
#include "sim/traffic_pattern.hpp"

namespace wafersim::sim {

std::vector<TracePacket> load_trace(const std::filesystem::path& file, const TrafficContext& ctx) {
  const std::string text = read_text_file(file);
  const mesh::Fabric& f = *ctx.fabric;
  std::vector<TracePacket> out;
  std::istringstream in(text);
  std::string line;
  int line_no = 0;
  bool header = false;
  auto fail = [&](const std::string& what) { throw InputError(fmt::format("{}:{}: {}", file.string(), line_no, what)); };
  while (std::getline(in, line)) {
    ++line_no;
    if (auto hash = line.find('#'); hash != std::string::npos) line.resize(hash);
    while (!line.empty() && (line.back() == '\r' || line.back() == ' ')) line.pop_back();
    if (line.empty()) continue;
    if (!header) {
      if (line != "cycle,src_row,src_col,dst_row,dst_col,flits") fail("expected the header 'cycle,src_row,src_col,dst_row,dst_col,flits'");
      header = true;
      continue;
    }
    std::uint64_t v[6];
    std::size_t pos = 0;
    for (int i = 0; i < 6; ++i) {
      const std::size_t end = i < 5 ? line.find(',', pos) : line.size();
      if (end == std::string::npos) fail("expected 6 comma-separated fields");
      auto [p, ec] = std::from_chars(line.data() + pos, line.data() + end, v[i]);
      if (ec != std::errc() || p != line.data() + end) fail(fmt::format("field {} is not a non-negative integer", i + 1));
      pos = end + 1;
    }
    if (v[1] >= static_cast<std::uint64_t>(f.rows()) || v[3] >= static_cast<std::uint64_t>(f.rows()) ||
        v[2] >= static_cast<std::uint64_t>(f.cols()) || v[4] >= static_cast<std::uint64_t>(f.cols()))
      fail(fmt::format("coordinates outside the {} x {} fabric", f.rows(), f.cols()));
    if (v[5] < 1 || v[5] > 65535) fail("flits must be in [1, 65535]");
    if (v[0] >= (std::uint64_t{1} << 31)) fail("cycle must be < 2^31");
    TracePacket p{v[0], f.node(static_cast<int>(v[1]), static_cast<int>(v[2])), f.node(static_cast<int>(v[3]), static_cast<int>(v[4])),
                  static_cast<std::uint32_t>(v[5])};
    if (!f.endpoint(p.src)) fail(fmt::format("source ({}, {}) is not a working tile", v[1], v[2]));
    if (!ctx.reachable(p.src, p.dst)) fail(fmt::format("destination ({}, {}) is not a working tile reachable from ({}, {})", v[3], v[4], v[1], v[2]));
    out.push_back(p);
  }
  if (!header) throw InputError(file.string() + ": empty trace (no header line)");
  return out;  // in file order: Engine::set_trace orders each source's packets
}

}  // namespace wafersim::sim
