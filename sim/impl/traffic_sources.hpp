#pragma once
// The traffic source at every working tile: when its next packet is created, where it goes and how
// long it is, for the three kinds of traffic the engine takes (sim/engine.hpp):
//   synthetic  a pattern from the registry (sim/traffic_pattern.hpp) at a Bernoulli rate, or
//              on-off bursty, drawn from each source's own random stream (bit-identical results for
//              every thread count: a source's draws depend on nothing but its own past);
//   trace      a fixed list of packets (Engine::set_trace), sorted by source, then cycle;
//   workload   packets injected while the engine runs (Engine::inject), queued per source.
// A source makes a packet lazily, when the one before it has left: it holds at most one packet
// being injected. Sending that packet's flits into the router is the router's injection step
// (sim/engine.cpp, source_step); this file decides only what is made and when.
#include <algorithm>
#include <cmath>
#include <cstdint>
#include <deque>
#include <limits>
#include <memory>
#include <vector>

#include "core/random.hpp"
#include "sim/impl/engine_records.hpp"
#include "sim/trace.hpp"
#include "sim/traffic_pattern.hpp"
#include "sim/traffic_spec.hpp"

#pragma GCC visibility push(hidden)  // as sim/impl/engine_records.hpp says why
namespace wafersim::sim::engine_impl {

struct TrafficSources {
  // Per node: the packet being injected (kNone), its flits sent so far, the local VC it holds
  // (kNoVc before its head has one) and the round-robin pointer over the local VCs.
  std::vector<std::uint32_t> pkt, sent;
  std::vector<std::uint8_t> vc, vc_ptr;
  // Per node: creation cycle of the next packet (kNever: none), and packets made so far.
  std::vector<std::uint64_t> next, seq;
  // Synthetic traffic: per-node random streams and on-off states, and the per-cycle probabilities
  // as thresholds on a 64-bit draw.
  std::vector<Rng> rng;
  std::vector<std::uint8_t> on;
  bool synthetic = false, bursty = false;
  std::uint64_t p_thresh = 0, on_off_thresh = 0, off_on_thresh = 0;
  bool p_always = false;
  std::uint32_t packet_size = 1;
  std::unique_ptr<TrafficPattern> pattern;
  // Trace traffic: the packets, and per node the range [trace_pos, trace_end) not yet made.
  std::vector<TracePacket> trace;
  std::vector<std::uint32_t> trace_pos, trace_end;
  // Workload traffic (Engine::inject), per source, in injection order.
  std::vector<std::deque<TracePacket>> inbox;
  bool dynamic = false;

  explicit TrafficSources(std::size_t nodes)
      : pkt(nodes, kNone), sent(nodes, 0), vc(nodes, kNoVc), vc_ptr(nodes, 0), next(nodes, kNever), seq(nodes, 0), on(nodes, 0) {}

  // Synthetic traffic from `spec` with per-source streams of `seed`.
  void set_synthetic(const TrafficSpec& spec, const TrafficContext& ctx, std::uint64_t seed) {
    synthetic = true;
    pattern = TrafficPatternRegistry::instance().find(spec.pattern)->create(ctx, spec.node);
    packet_size = static_cast<std::uint32_t>(spec.packet_size);
    bursty = spec.injection == TrafficSpec::Injection::kBursty;
    auto threshold = [](double p) {
      return p >= 1.0 ? std::numeric_limits<std::uint64_t>::max() : static_cast<std::uint64_t>(std::ldexp(p, 64));
    };
    double on_p = spec.rate / spec.packet_size;  // packets per cycle while on
    double pi_on = 1.0;
    if (bursty) {
      on_p = spec.on_rate / spec.packet_size;
      pi_on = spec.rate / spec.on_rate;  // stationary fraction of cycles on
      const double beta = 1.0 / spec.burst_length;
      const double alpha = pi_on >= 1.0 ? 1.0 : beta * pi_on / (1.0 - pi_on);
      on_off_thresh = pi_on >= 1.0 ? 0 : threshold(beta);
      off_on_thresh = threshold(std::min(alpha, 1.0));
    }
    p_always = on_p >= 1.0;
    p_thresh = threshold(on_p);
    const Rng root(seed);
    const std::size_t nodes = next.size();
    rng.clear();
    rng.reserve(nodes);
    for (std::uint32_t n = 0; n < nodes; ++n) {
      rng.push_back(root.stream(n));
      if (bursty) on[n] = rng[n].uniform01() < pi_on;
    }
  }

  // Trace traffic: `packets` in any order (each source's are taken in cycle order, ties as given).
  void set_trace(std::vector<TracePacket> packets) {
    synthetic = false;
    trace = std::move(packets);
    std::stable_sort(trace.begin(), trace.end(),
                     [](const TracePacket& a, const TracePacket& b) { return a.src != b.src ? a.src < b.src : a.cycle < b.cycle; });
    trace_pos.assign(next.size(), 0);
    trace_end.assign(next.size(), 0);
    for (std::size_t i = 0; i < trace.size(); ++i) {
      const std::uint32_t s = trace[i].src;
      if (trace_end[s] == 0) trace_pos[s] = static_cast<std::uint32_t>(i);
      trace_end[s] = static_cast<std::uint32_t>(i + 1);
    }
  }

  // Queues a workload packet at its source; true when it is the source's next one (the caller
  // then sets `next` and wakes the source).
  bool push(const TracePacket& p) {
    if (!dynamic) {
      dynamic = true;
      inbox.assign(next.size(), {});
    }
    auto& q = inbox[p.src];
    q.push_back(p);
    return q.size() == 1;
  }

  // The creation cycle of source n's next packet at or after cycle `from`, kNever if there is none
  // before `limit` (its domain's Engine::stop_creating_at). Synthetic traffic draws the cycles in
  // between from the source's stream.
  std::uint64_t next_arrival(std::uint32_t n, std::uint64_t from, std::uint64_t limit) {
    if (dynamic) {
      if (inbox[n].empty()) return kNever;
      const std::uint64_t c = inbox[n].front().cycle;
      return c < limit ? c : kNever;
    }
    if (!synthetic) {
      if (trace_pos[n] >= trace_end[n]) return kNever;
      const std::uint64_t c = trace[trace_pos[n]].cycle;  // several packets may share a cycle
      return c < limit ? c : kNever;
    }
    if (p_thresh == 0 && !p_always) return kNever;
    Rng& r = rng[n];
    for (std::uint64_t x = from; x < limit && x < kMaxCycle; ++x) {
      if (bursty) {
        if (on[n]) {
          if (r.next_u64() < on_off_thresh) on[n] = 0;
        } else if (r.next_u64() < off_on_thresh) {
          on[n] = 1;
        }
        if (!on[n]) continue;
      }
      if (p_always || r.next_u64() < p_thresh) return x;
    }
    return kNever;
  }

  // Takes the destination (kNoDestination: none reachable) and length of source n's next packet,
  // and finds the creation cycle of the one after it.
  [[gnu::always_inline]] void take(std::uint32_t n, std::uint64_t limit, std::uint32_t& dst, std::uint32_t& size) {
    const std::uint64_t c = next[n];
    if (synthetic) {
      dst = pattern->destination(n, rng[n]);
      size = packet_size;
    } else if (dynamic) {
      dst = inbox[n].front().dst;
      size = inbox[n].front().flits;
      inbox[n].pop_front();
    } else {
      dst = trace[trace_pos[n]].dst;
      size = trace[trace_pos[n]].flits;
      ++trace_pos[n];
    }
    next[n] = next_arrival(n, c + 1, limit);
  }

  // Passes source n's packets not made yet, creation cycle and flits, to offered(cycle, flits)
  // until it returns false, consuming them (a trace line, an inbox entry or a random draw each, so
  // this ends: a backlogged source's packets are passed over, not revisited); the source is then
  // done.
  template <class Offered>
  void drain_unmade(std::uint32_t n, std::uint64_t limit, Offered&& offered) {
    if (dynamic) {
      for (const TracePacket& p : inbox[n])
        if (p.cycle >= limit || !offered(p.cycle, p.flits)) break;
    } else if (!synthetic) {
      for (; trace_pos[n] < trace_end[n]; ++trace_pos[n]) {
        const TracePacket& p = trace[trace_pos[n]];
        if (p.cycle >= limit || !offered(p.cycle, p.flits)) break;
      }
    } else {
      for (std::uint64_t x = next[n]; x != kNever && x < limit; x = next_arrival(n, x + 1, limit))
        if (!offered(x, packet_size)) break;
    }
    next[n] = kNever;
  }

  std::size_t bytes() const {
    auto b = [](const auto& v) { return v.capacity() * sizeof(v[0]); };
    return b(pkt) + b(sent) + b(vc) + b(vc_ptr) + b(on) + b(next) + b(seq) + b(rng);
  }
};

}  // namespace wafersim::sim::engine_impl
#pragma GCC visibility pop
