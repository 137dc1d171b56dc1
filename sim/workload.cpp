#include "sim/workload.hpp"

#include <fmt/format.h>

#include <algorithm>
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

std::uint32_t Workload::add_multicast(std::uint32_t src, std::vector<std::uint32_t> dsts, std::uint64_t bytes,
                                      std::vector<std::uint32_t> after, std::int64_t tag) {
  std::sort(dsts.begin(), dsts.end());
  dsts.erase(std::unique(dsts.begin(), dsts.end()), dsts.end());
  dsts.erase(std::remove(dsts.begin(), dsts.end(), src), dsts.end());
  if (dsts.empty()) throw std::invalid_argument(fmt::format("multicast from tile {} names no destination but its source", src));
  if (dsts.size() == 1) return add_message(src, dsts[0], bytes, std::move(after), tag);
  const std::uint32_t id = add_message(src, kMulticast, bytes, std::move(after), tag);
  items[id].dsts = std::move(dsts);
  return id;
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

std::size_t Workload::multicasts() const {
  std::size_t n = 0;
  for (const auto& w : items) n += w.multicast();
  return n;
}

std::uint64_t Workload::delivered_bytes() const {
  std::uint64_t b = 0;
  for (const auto& w : items) {
    if (w.kind != WorkItem::Kind::kMessage) continue;
    if (w.multicast()) b += w.bytes * w.dsts.size();
    else if ((w.src == kOffWafer ? w.edge_tile : w.src) != (w.dst == kOffWafer ? w.edge_tile : w.dst)) b += w.bytes;
  }
  return b;
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
      if (w.multicast()) {
        if (w.src == kOffWafer) bad("a multicast starts on the wafer (load it to one tile first)");
        if (w.dsts.empty()) bad("multicast with no destination");
        for (std::size_t k = 0; k < w.dsts.size(); ++k) {
          const std::uint32_t n = w.dsts[k];
          if (n >= fabric.nodes()) bad(fmt::format("multicast destination {} is outside the {}-node fabric", n, fabric.nodes()));
          if (!working(n))
            bad(fmt::format("multicast destination ({}, {}) is not a working tile", fabric.row_of(n), fabric.col_of(n)));
          if (n == w.src) bad("multicast destinations include its source");
          if (k > 0 && w.dsts[k - 1] >= n) bad("multicast destinations are not sorted and distinct");
        }
      } else if (!w.dsts.empty()) {
        bad("a unicast message with a destination list");
      }
      for (std::uint32_t n : {w.src, w.dst})
        if (n != kOffWafer && n != kMulticast && !working(n)) bad(fmt::format("message endpoint {} is not a working tile", n));
      if ((w.src == kOffWafer || w.dst == kOffWafer) && !working(w.edge_tile)) bad("off-wafer message without a working edge tile");
      if (w.bytes == 0) bad("message of 0 bytes");
    }
    for (std::uint32_t a : w.after)
      if (a >= i) bad(fmt::format("depends on item {}, which does not come before it", a));
  }
}

}  // namespace wafersim::sim
