#include "compiler/timeline.hpp"

#include <fmt/format.h>

#include <map>
#include <string>

#include "core/csv.hpp"

namespace wafersim::compiler {
namespace {

// JSON string contents: op names are ours, but escape anyway.
std::string escaped(const std::string& s) {
  std::string out;
  for (const char c : s) {
    if (c == '"' || c == '\\') out += '\\';
    if (static_cast<unsigned char>(c) < 0x20) continue;
    out += c;
  }
  return out;
}

}  // namespace

void write_chrome_trace(const Plan& plan, const Graph& graph, const sim::WorkloadResult& r, const std::filesystem::path& file) {
  const auto& items = plan.workload.items;
  // Process (region) of every tile that appears.
  std::map<std::uint32_t, int> region_of;
  for (std::size_t k = 0; k < plan.regions.size(); ++k)
    for (const auto t : plan.regions[k].grid.tiles) region_of[t] = static_cast<int>(k);
  const int other = static_cast<int>(plan.regions.size());
  auto pid = [&](std::uint32_t tile) {
    auto it = region_of.find(tile);
    return it == region_of.end() ? other : it->second;
  };
  auto op_name = [&](std::size_t i) {
    const int op = i < plan.item_op.size() ? plan.item_op[i] : -1;
    return op >= 0 && static_cast<std::size_t>(op) < graph.size() ? escaped(graph.op(static_cast<std::size_t>(op)).name) : std::string("-");
  };
  auto us = [](std::int64_t ps) { return static_cast<double>(ps) * 1e-6; };

  std::string out = "{\"displayTimeUnit\":\"ns\",\"traceEvents\":[\n";
  bool first = true;
  auto event = [&](const std::string& e) {
    if (!first) out += ",\n";
    first = false;
    out += e;
  };
  for (std::size_t k = 0; k <= plan.regions.size(); ++k) {
    const std::string name = k < plan.regions.size()
                                 ? fmt::format("region {} ({} x {} tiles)", escaped(plan.regions[k].name), plan.regions[k].grid.pr, plan.regions[k].grid.pc)
                                 : std::string("other tiles");
    event(fmt::format(R"({{"ph":"M","name":"process_name","pid":{},"args":{{"name":"{}"}}}})", k, name));
  }
  std::map<std::pair<int, std::uint64_t>, bool> named;  // threads already named
  auto thread = [&](std::uint32_t tile, int kind) {     // kind 0: tasks, 1: sends, 2: received
    const std::uint64_t tid = static_cast<std::uint64_t>(tile) * 3 + static_cast<std::uint64_t>(kind);
    if (!named[{pid(tile), tid}]) {
      named[{pid(tile), tid}] = true;
      static const char* const kKind[] = {"tasks", "sends", "received"};
      event(fmt::format(R"({{"ph":"M","name":"thread_name","pid":{},"tid":{},"args":{{"name":"tile {} {}"}}}})", pid(tile), tid, tile, kKind[kind]));
    }
    return tid;
  };
  std::uint64_t flow = 0;
  for (std::size_t i = 0; i < items.size(); ++i) {
    const sim::WorkItem& w = items[i];
    const sim::ItemTiming& t = r.timing[i];
    if (t.start_ps < 0 || t.end_ps < 0) continue;
    if (w.kind == sim::WorkItem::Kind::kTask) {
      event(fmt::format(R"({{"ph":"X","name":"{}","pid":{},"tid":{},"ts":{:.6f},"dur":{:.6f},"args":{{"item":{},"cycles":{}}}}})", op_name(i),
                        pid(w.tile), thread(w.tile, 0), us(t.start_ps), us(t.end_ps - t.start_ps), i, w.cycles));
      continue;
    }
    // Off-wafer legs: shown at their edge tile.
    const std::uint32_t from = w.src == sim::kOffWafer ? w.edge_tile : w.src;
    const std::vector<std::uint32_t> to = w.dst == sim::kOffWafer ? std::vector<std::uint32_t>{w.edge_tile} : w.destinations();
    const std::string what = w.src == sim::kOffWafer ? "load" : w.dst == sim::kOffWafer ? "store" : w.multicast() ? fmt::format("multicast to {}", to.size())
                                                                                                                 : fmt::format("to tile {}", w.dst);
    event(fmt::format(R"({{"ph":"X","name":"{} {}","pid":{},"tid":{},"ts":{:.6f},"dur":{:.6f},"args":{{"item":{},"bytes":{}}}}})", op_name(i), what,
                      pid(from), thread(from, 1), us(t.start_ps), us(t.end_ps - t.start_ps), i, w.bytes));
    for (const std::uint32_t d : to) {
      const std::uint64_t id = flow++;
      event(fmt::format(R"({{"ph":"s","name":"message","cat":"message","id":{},"pid":{},"tid":{},"ts":{:.6f}}})", id, pid(from), thread(from, 1), us(t.start_ps)));
      event(fmt::format(R"({{"ph":"X","name":"{} from {}","pid":{},"tid":{},"ts":{:.6f},"dur":0.001,"args":{{"item":{}}}}})", op_name(i),
                        w.src == sim::kOffWafer ? std::string("memory") : fmt::format("tile {}", w.src), pid(d), thread(d, 2), us(t.end_ps), i));
      event(fmt::format(R"({{"ph":"f","bp":"e","name":"message","cat":"message","id":{},"pid":{},"tid":{},"ts":{:.6f}}})", id, pid(d), thread(d, 2),
                        us(t.end_ps)));
    }
  }
  out += "\n]}\n";
  write_file_atomically(file, out);
}

}  // namespace wafersim::compiler
