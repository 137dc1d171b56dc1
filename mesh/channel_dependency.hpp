#pragma once
// Deadlock freedom by the channel-dependency graph (CDG; Dally & Seitz 1987): a vertex per channel
// (directed link x VC class), an arc c1 -> c2 where a packet holding c1 may request c2 next.
// Acyclic CDG => the routing cannot deadlock. For an escape-VC scheme (Duato 1993) the condition
// is on the escape class alone: its CDG acyclic and its routing connected.
//
// The CDG is an implicit Boost.Graph (no copy: arcs come from Routing::turns on demand) and the
// check is Boost's depth_first_search with a back-edge visitor; a cycle is reported with its
// channels. Turns come from each algorithm's turn rules, which may include turns no destination
// uses, so "acyclic" is a proof and "cyclic" a cycle of allowed turns; `exact` instead builds the
// dependencies that routes to each destination really create (O(nodes^2): small fabrics, and the
// tests that check the rules against it).
#include <cstdint>
#include <string>
#include <vector>

#include "mesh/routing.hpp"

namespace wafersim::mesh {

struct Channel {
  NodeId from;
  int port;  // output port at `from`
  int vc;    // VC class
};

struct DeadlockReport {
  std::string algorithm;
  std::string scope;               // "all VC classes" or "escape class N"
  std::size_t channels = 0;        // channels (existing links x classes) in the checked graph
  std::size_t dependencies = 0;    // arcs
  bool acyclic = false;
  std::vector<Channel> cycle;      // one cycle, in order, if not acyclic
  bool escape_connected = true;    // for escape schemes: the escape routing spans every piece
  bool deadlock_free = false;
  std::string verdict() const;     // one line
  std::string describe_cycle(const Fabric& fabric, std::size_t max_channels = 12) const;
};

DeadlockReport check_deadlock(const Routing& routing, bool exact = false);

// The multicast trees' own dependencies (sim/multicast.hpp): on routing.multicast_class(), a
// tree flit holding a channel waits on its branches' channels, which are XY successors (on in X,
// X into Y, on in Y). Checks that graph acyclic over the fabric's working links. Throws
// std::invalid_argument if the routing carries no trees.
DeadlockReport check_multicast_deadlock(const Routing& routing);

// The exact dependencies: for every destination, the channels its routes occupy (from every
// source), and the channels each may request next. Sorted, without repeats. O(nodes^2).
std::vector<std::pair<Channel, Channel>> exact_dependencies(const Routing& routing);

}  // namespace wafersim::mesh
