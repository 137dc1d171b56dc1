#pragma once
// When each clock domain steps, and which of its routers (docs/noc.md, "Clock domains"): the
// engine's event schedule. Domain d's edges are phase_d + k * period_d; a step runs every domain
// with an edge at the earliest scheduled time. Within a domain only active routers are stepped:
// a router with nothing to do sleeps until the cycle it next could, in a timing wheel when that is
// near (kWheel cycles) and the domain steps edge by edge anyway, else in a heap; a domain with no
// router awake is not scheduled until its first sleeper's cycle, so an idle network costs nothing.
//
// The schedule is shared by the partitions (sim/impl/partition.hpp) and changed only between
// steps, on one thread: during a step a partition touches only its own DomainParts and queues
// wake-ups that need an earlier edge of a domain (wakes_out) for apply_wakes().
#include <algorithm>
#include <cstdint>
#include <queue>
#include <utility>
#include <vector>

#include "sim/clock_domains.hpp"
#include "sim/impl/engine_records.hpp"

#pragma GCC visibility push(hidden)  // as sim/impl/engine_records.hpp says why
namespace wafersim::sim::engine_impl {

constexpr std::uint64_t kWheel = 64;  // timing-wheel slots (cycles); a power of two

using WakeHeap = std::priority_queue<std::pair<std::uint64_t, std::uint32_t>, std::vector<std::pair<std::uint64_t, std::uint32_t>>,
                                     std::greater<>>;
// (domain, cycle): a domain woken for an edge it may not have scheduled.
using WakeList = std::vector<std::pair<std::uint32_t, std::uint64_t>>;

// A clock domain's schedule, shared by all partitions and changed only between steps.
struct Domain {
  std::uint64_t cycle = 0;  // next edge to step
  bool scheduled = false;
  bool stepping = false;    // being stepped at `cycle` in the current step
  bool busy = false;        // scheduled edge by edge (routers listed or in a wheel): `cycle` only advances
  std::uint64_t create_limit = kNever;  // sources make packets only at cycles below this
  std::vector<std::pair<std::uint32_t, std::uint32_t>> parts;  // (partition, its DomainPart slot)
};

// A clock domain's routers within one partition, and their stepping state.
struct DomainPart {
  // Its routers (ascending) and two bitmaps over them: active (stepped at the next edge) and pending
  // (woken during this edge, joins active at the next). Stepping walks the bitmap, so routers are
  // visited in node order, which suits the caches, at a cost of one word per 64 routers per edge.
  std::vector<std::uint32_t> members;
  std::vector<std::uint64_t> active, pending;
  std::size_t listed = 0;   // routers marked in active or pending
  // Wake-ups of sleeping routers: within kWheel cycles in a timing wheel, later in `sleepers`.
  std::vector<std::vector<std::uint32_t>> wheel;
  std::size_t wheel_count = 0;
  WakeHeap sleepers;        // (cycle, node) wake-ups beyond the wheel, or into a domain not busy

  // Sizes the bitmaps and the wheel once the members are known.
  void finish_members() {
    wheel.resize(kWheel);
    active.assign((members.size() + 63) / 64, 0);
    pending.assign(active.size(), 0);
  }
  // Marks member i (index in `members`) to be stepped from the next edge.
  void list(std::uint32_t i) {
    pending[i >> 6] |= std::uint64_t{1} << (i & 63);
    ++listed;
  }
  // At edge k: calls due(node, cycle) for every wake-up at or before k (heap, then wheel slot), then
  // joins the pending routers to the active ones.
  template <class Due>
  void take_wakeups(std::uint64_t k, Due&& due) {
    while (!sleepers.empty() && sleepers.top().first <= k) {
      const auto [c, n] = sleepers.top();
      sleepers.pop();
      due(n, c);
    }
    auto& slot = wheel[k & (kWheel - 1)];
    if (!slot.empty()) {
      wheel_count -= slot.size();
      for (const std::uint32_t n : slot) due(n, k);
      slot.clear();
    }
    for (std::size_t w = 0; w < active.size(); ++w) {
      active[w] |= pending[w];
      pending[w] = 0;
    }
  }
};

// The domains' next edges (time, domain) in one heap, and per node its place in its DomainPart and
// its earliest pending wake-up.
struct DomainSchedule {
  const ClockDomains& clk;
  std::vector<Domain> doms;
  std::priority_queue<std::pair<std::int64_t, std::uint32_t>, std::vector<std::pair<std::int64_t, std::uint32_t>>, std::greater<>> heap;
  std::vector<std::uint32_t> index_in_domain;  // [node]: within its DomainPart
  std::vector<std::uint64_t> wake_cycle;       // [node]: earliest pending wake-up of a sleeping router
  bool single_domain;

  DomainSchedule(const ClockDomains& c, std::size_t nodes)
      : clk(c), doms(c.size()), index_in_domain(nodes), wake_cycle(nodes, kNever), single_domain(c.size() == 1) {}

  // A wake-up of router m at cycle c is earlier than the one it has (if any).
  bool wakes_earlier(std::uint32_t m, std::uint64_t c) const { return c < wake_cycle[m]; }

  // Router m (in DP, of domain d, not listed, wakes_earlier(m, c)) has something to do at cycle c of
  // its clock (c is in the future). Domains are rescheduled only between steps: a domain stepped
  // edge by edge (stepping now, or busy) reaches c by itself, so the wake-up goes into its wheel;
  // any other one may need an earlier edge, which apply_wakes() arranges from `wakes_out`.
  [[gnu::always_inline]] void wake_at(DomainPart& DP, WakeList& wakes_out, std::uint32_t d, std::uint32_t m, std::uint64_t c) {
    wake_cycle[m] = c;
    const Domain& D = doms[d];
    if ((D.stepping || (D.scheduled && D.busy)) && c - D.cycle < kWheel) {
      DP.wheel[c & (kWheel - 1)].push_back(m);
      ++DP.wheel_count;
      return;
    }
    DP.sleepers.emplace(c, m);
    if (!D.scheduled || c < D.cycle) wakes_out.emplace_back(d, c);
  }

  // Between steps: domains woken for an earlier edge than they had.
  void apply_wakes(WakeList& wakes) {
    for (const auto& [d, c] : wakes) {
      Domain& D = doms[d];
      if (D.scheduled && c >= D.cycle) continue;
      D.cycle = c;
      D.scheduled = true;
      D.busy = false;
      heap.emplace(clk.edge_ps(d, c), d);
    }
    wakes.clear();
  }

  // Between steps: domain d's next edge, from the state of all its partitions (part(p, slot) is
  // partition p's DomainPart at that slot).
  template <class PartOf>
  void reschedule(std::uint32_t d, PartOf&& part) {
    Domain& D = doms[d];
    std::size_t listed = 0, wheeled = 0;
    std::uint64_t first_sleeper = kNever;
    for (const auto& [p, slot] : D.parts) {
      const DomainPart& DP = part(p, slot);
      listed += DP.listed;
      wheeled += DP.wheel_count;
      if (!DP.sleepers.empty()) first_sleeper = std::min(first_sleeper, DP.sleepers.top().first);
    }
    D.busy = listed > 0 || wheeled > 0;
    if (D.busy) {
      D.scheduled = true;
    } else if (first_sleeper != kNever) {
      D.cycle = std::max(D.cycle, first_sleeper);
      D.scheduled = true;
    } else {
      D.scheduled = false;
      return;
    }
    heap.emplace(clk.edge_ps(d, D.cycle), d);
  }

  // The next step: the domains with an edge at the earliest scheduled time before `until` into
  // `step_set` (marked stepping), that time into `step_t`; false when there is none.
  bool plan(std::int64_t until, std::vector<std::uint32_t>& step_set, std::int64_t& step_t) {
    while (!heap.empty()) {
      const auto [t, d] = heap.top();
      if (t >= until || (!step_set.empty() && t != step_t)) break;
      heap.pop();
      Domain& D = doms[d];
      if (!D.scheduled || D.stepping || clk.edge_ps(d, D.cycle) != t) continue;  // superseded entry
      D.stepping = true;
      step_t = t;
      step_set.push_back(d);
    }
    return !step_set.empty();
  }
};

}  // namespace wafersim::sim::engine_impl
#pragma GCC visibility pop
