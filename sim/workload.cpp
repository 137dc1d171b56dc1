#include "sim/workload.hpp"

#include <fmt/format.h>

#include <stdexcept>

namespace wafersim::sim {

std::uint32_t Workload::add_task(std::uint32_t tile, std::uint64_t cycles, std::vector<std::uint32_t> after, std::int64_t tag) {
  WorkItem w;
  w.kind = WorkItem::Kind::kTask;
  w.tile = tile;
  w.cycles = cycles;
  w.after = std::move(after);
  w.tag = tag;
  items.push_back(std::move(w));
  return static_cast<std::uint32_t>(items.size() - 1);
}

std::uint32_t Workload::add_message(std::uint32_t src, std::uint32_t dst, std::uint64_t bytes, std::vector<std::uint32_t> after,
                                    std::int64_t tag) {
  WorkItem w;
  w.kind = WorkItem::Kind::kMessage;
  w.src = src;
  w.dst = dst;
  w.bytes = bytes;
  w.after = std::move(after);
  w.tag = tag;
  items.push_back(std::move(w));
  return static_cast<std::uint32_t>(items.size() - 1);
}

std::uint32_t Workload::add_offwafer(std::uint32_t src, std::uint32_t dst, std::uint32_t edge_tile, std::uint64_t bytes,
                                     std::vector<std::uint32_t> after, std::int64_t tag) {
  const std::uint32_t id = add_message(src, dst, bytes, std::move(after), tag);
  items[id].edge_tile = edge_tile;
  return id;
}

std::size_t Workload::tasks() const {
  std::size_t n = 0;
  for (const auto& w : items) n += w.kind == WorkItem::Kind::kTask;
  return n;
}

std::size_t Workload::messages() const { return items.size() - tasks(); }

std::uint64_t Workload::task_cycles() const {
  std::uint64_t c = 0;
  for (const auto& w : items)
    if (w.kind == WorkItem::Kind::kTask) c += w.cycles;
  return c;
}

std::uint64_t Workload::on_wafer_bytes() const {
  std::uint64_t b = 0;
  for (const auto& w : items) {
    if (w.kind != WorkItem::Kind::kMessage) continue;
    const std::uint32_t a = w.src == kOffWafer ? w.edge_tile : w.src;
    const std::uint32_t z = w.dst == kOffWafer ? w.edge_tile : w.dst;
    if (a != z) b += w.bytes;
  }
  return b;
}

std::uint64_t Workload::off_wafer_bytes() const {
  std::uint64_t b = 0;
  for (const auto& w : items)
    if (w.kind == WorkItem::Kind::kMessage && (w.src == kOffWafer || w.dst == kOffWafer)) b += w.bytes;
  return b;
}

void Workload::validate(const mesh::Fabric& fabric) const {
  auto working = [&](std::uint32_t n) { return n < fabric.nodes() && fabric.endpoint(n) && fabric.router_alive(n); };
  for (std::size_t i = 0; i < items.size(); ++i) {
    const WorkItem& w = items[i];
    auto bad = [&](const std::string& what) { throw std::invalid_argument(fmt::format("workload item {}: {}", i, what)); };
    if (w.kind == WorkItem::Kind::kTask) {
      if (!working(w.tile)) bad(fmt::format("task on tile {} that is not a working tile", w.tile));
    } else {
      if (w.src == kOffWafer && w.dst == kOffWafer) bad("message from off-wafer to off-wafer");
      for (std::uint32_t n : {w.src, w.dst})
        if (n != kOffWafer && !working(n)) bad(fmt::format("message endpoint {} is not a working tile", n));
      if ((w.src == kOffWafer || w.dst == kOffWafer) && !working(w.edge_tile)) bad("off-wafer message without a working edge tile");
      if (w.bytes == 0) bad("message of 0 bytes");
    }
    for (std::uint32_t a : w.after)
      if (a >= i) bad(fmt::format("depends on item {}, which does not come before it", a));
  }
}

}  // namespace wafersim::sim
