#pragma once
// A Workload: what the compiler asks the wafer to do, as the engine executes it.
//
// Two kinds of item, joined into one dependency DAG:
// - a Task: `cycles` of work on one tile's compute unit (in that tile's own clock). A tile runs
//   one task at a time, in the order the tasks become ready (ties: lower id first).
// - a Message: `bytes` from one tile to another over the network, split into packets of at most
//   `max_packet_flits` flits, all injected at once when it becomes ready (the source queue
//   serializes them). It is done when its last packet has been ejected.
//   An off-wafer message (from or to kOffWafer) first/last crosses the wafer edge: it occupies one
//   of the edge I/O channels for bytes / bandwidth plus its latency, and enters or leaves the mesh
//   at `edge_tile` (a working tile on the wafer's edge, chosen by the compiler).
// - A multicast Message: the same, with dst == kMulticast and `dsts` the destination tiles
//   (sorted, distinct, never the source): one copy reaches every one of them. Where the routing
//   carries multicast trees (mesh::Routing::multicast_class()) it is injected once and replicated
//   by the routers along the XY tree (sim/multicast.hpp); members the tree cannot reach, and every
//   member on a routing without trees, get unicast copies from the source. It is done when every
//   member has its copy.
// An item becomes ready when every item in its `after` list is done. Items must be listed so that
// every dependency comes first (checked), which also proves the graph acyclic.
//
// `tag` is the compiler's own label (which op, which block): the engine never reads it.
#include <cstdint>
#include <string>
#include <vector>

#include "mesh/fabric.hpp"

namespace wafersim::sim {

inline constexpr std::uint32_t kOffWafer = 0xFFFFFFFFu;
inline constexpr std::uint32_t kMulticast = 0xFFFFFFFEu;  // WorkItem::dst of a multicast

struct WorkItem {
  enum class Kind : std::uint8_t { kTask, kMessage };
  Kind kind = Kind::kTask;
  // Task: the tile. Message: source and destination (either may be kOffWafer).
  std::uint32_t tile = 0;
  std::uint32_t src = 0, dst = 0;
  std::uint32_t edge_tile = 0;  // off-wafer messages: where they cross the edge
  std::uint64_t cycles = 0;     // task
  std::uint64_t bytes = 0;      // message
  // What the time is spent on, for the breakdown (compute, on-wafer, off-wafer).
  std::uint8_t category = 0;
  std::vector<std::uint32_t> after;
  std::int64_t tag = -1;
  std::vector<std::uint32_t> dsts;  // multicast: the destinations (dst == kMulticast)

  bool multicast() const { return kind == Kind::kMessage && dst == kMulticast; }
  // The tiles a message is delivered to: its dst, or its dsts.
  std::vector<std::uint32_t> destinations() const { return multicast() ? dsts : std::vector<std::uint32_t>{dst}; }
};

struct Workload {
  std::vector<WorkItem> items;

  std::uint32_t add_task(std::uint32_t tile, std::uint64_t cycles, std::vector<std::uint32_t> after, std::int64_t tag = -1);
  std::uint32_t add_message(std::uint32_t src, std::uint32_t dst, std::uint64_t bytes, std::vector<std::uint32_t> after,
                            std::int64_t tag = -1);
  // Off-wafer: into the mesh at edge_tile (src = kOffWafer), or out of it (dst = kOffWafer).
  // One message from src to every tile of `dsts` (on-wafer tiles; src itself is dropped, as it
  // holds the data; a single remaining destination makes an ordinary message).
  std::uint32_t add_multicast(std::uint32_t src, std::vector<std::uint32_t> dsts, std::uint64_t bytes, std::vector<std::uint32_t> after,
                              std::int64_t tag = -1);
  std::uint32_t add_offwafer(std::uint32_t src, std::uint32_t dst, std::uint32_t edge_tile, std::uint64_t bytes,
                             std::vector<std::uint32_t> after, std::int64_t tag = -1);

  std::size_t tasks() const;
  std::size_t messages() const;
  std::uint64_t task_cycles() const;
  std::size_t multicasts() const;
  std::uint64_t on_wafer_bytes() const;   // bytes of messages between tiles (and edge legs), once per multicast
  std::uint64_t delivered_bytes() const;  // bytes that reach tiles: a multicast's once per destination
  std::uint64_t off_wafer_bytes() const;

  // Every tile named is a working endpoint of `fabric`, and every dependency precedes its user.
  // Throws std::invalid_argument naming the first bad item.
  void validate(const mesh::Fabric& fabric) const;
};

}  // namespace wafersim::sim
