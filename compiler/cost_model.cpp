#include "compiler/cost_model.hpp"

#include "sim/multicast.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <queue>
#include <stdexcept>

namespace wafersim::compiler {
namespace {

constexpr std::uint32_t kNone = 0xFFFFFFFFu;

// The busy intervals of one link or port: sorted, disjoint. Queries never ask about the past (the
// model advances in time order), so intervals that ended before "now" are dropped as it goes.
class Timeline {
 public:
  // The earliest start >= t of a free gap d long; no later query will ask about times before now.
  // Busy links hold thousands of intervals, so both skips are binary searches: the intervals are
  // sorted and disjoint, and one that ends by t cannot delay a start at t.
  double earliest(double t, double d, double now) {
    const auto ends_by = [](double x) { return [x](const std::pair<double, double>& b) { return b.second <= x; }; };
    head_ = static_cast<std::size_t>(std::partition_point(busy_.begin() + static_cast<std::ptrdiff_t>(head_), busy_.end(), ends_by(now)) -
                                     busy_.begin());
    if (head_ > 64 && 2 * head_ > busy_.size()) {
      busy_.erase(busy_.begin(), busy_.begin() + static_cast<std::ptrdiff_t>(head_));
      head_ = 0;
    }
    for (auto k = std::partition_point(busy_.begin() + static_cast<std::ptrdiff_t>(head_), busy_.end(), ends_by(t)); k != busy_.end(); ++k) {
      if (k->first >= t + d) break;
      t = std::max(t, k->second);
    }
    return t;
  }

  // Marks [s, e) busy. It may overlap intervals already there (a message held past its own
  // serialization by a blocked head downstream): they merge.
  void reserve(double s, double e) {
    total_ += e - s;
    auto first = std::partition_point(busy_.begin() + static_cast<std::ptrdiff_t>(head_), busy_.end(),
                                      [&](const std::pair<double, double>& b) { return b.second < s; });
    auto last = first;
    while (last != busy_.end() && last->first <= e) {
      s = std::min(s, last->first);
      e = std::max(e, last->second);
      ++last;
    }
    if (first == last) {
      busy_.insert(first, {s, e});
      return;
    }
    *first = {s, e};
    busy_.erase(first + 1, last);
  }

  double total() const { return total_; }

 private:
  std::vector<std::pair<double, double>> busy_;
  std::size_t head_ = 0;
  double total_ = 0;
};

class FlowModel {
 public:
  FlowModel(const sim::Workload& w, const mesh::Routing& r, const sim::ClockDomains& clk, const sim::EngineOptions& eo,
            const sim::WorkloadRunOptions& ro)
      : w_(w), routing_(r), f_(r.fabric()), clk_(clk), eo_(eo), ro_(ro), n_(w.items.size()) {
    period_ = static_cast<double>(clk.report.nominal_period_ps);
    const std::size_t N = f_.nodes();
    ready_.assign(n_, -1);
    start_.assign(n_, -1);
    end_.assign(n_, -1);
    zero_load_.assign(n_, 0);
    io_.assign(n_, 0);
    prev_task_.assign(n_, kNone);
    tile_last_.assign(N, kNone);
    tile_free_.assign(N, 0);
    tile_running_.assign(N, 0);
    tile_queue_.resize(N);
    inj_free_.assign(N, 0);
    link_.resize(N * 4);
    eject_.resize(N);
    link_lat_.assign(N * 4, 0);
    for (std::uint32_t v = 0; v < N; ++v)
      for (int p = 0; p < 4; ++p)
        if (routing_.has_link(v, p)) link_lat_[v * 4 + static_cast<std::uint32_t>(p)] = eo_.channels.link_latency(f_, v, p);
    // Successor lists (CSR) and dependency counts.
    waiting_on_.assign(n_, 0);
    succ_start_.assign(n_ + 1, 0);
    for (std::size_t i = 0; i < n_; ++i)
      for (const auto a : w_.items[i].after) ++succ_start_[a + 1];
    for (std::size_t i = 0; i < n_; ++i) succ_start_[i + 1] += succ_start_[i];
    succ_.resize(succ_start_[n_]);
    std::vector<std::uint32_t> fill(succ_start_.begin(), succ_start_.end() - 1);
    for (std::size_t i = 0; i < n_; ++i) {
      waiting_on_[i] = static_cast<std::uint32_t>(w_.items[i].after.size());
      for (const auto a : w_.items[i].after) succ_[fill[a]++] = static_cast<std::uint32_t>(i);
    }
  }

  PlanEstimate run() {
    for (std::size_t i = 0; i < n_; ++i)
      if (waiting_on_[i] == 0) make_ready(static_cast<std::uint32_t>(i), 0);
    while (!events_.empty()) {
      const Event e = events_.top();
      events_.pop();
      on_event(e);
    }
    PlanEstimate est;
    std::size_t last = 0;
    for (std::size_t k = 0; k < n_; ++k) {
      if (end_[k] < 0) throw std::logic_error(fmt::format("analytic model: item {} never ran (a dependency cycle?)", k));
      if (end_[k] > end_[last]) last = k;
    }
    est.makespan_ps = n_ ? end_[last] : 0;
    if (n_) est.critical_path = critical_path(last);
    for (const auto& l : link_) est.link_busy_max_ps = std::max(est.link_busy_max_ps, l.total());
    est.end_ps = end_;
    if (legs_ > 0) {
      est.hops_mean = hops_sum_ / legs_;
      est.manhattan_mean = manhattan_sum_ / legs_;
    }
    return est;
  }

 private:
  enum Phase : std::uint8_t { kDone, kNetworkLeg, kIoLeg };
  struct Event {
    double t;
    std::uint64_t seq;
    std::uint32_t item;
    Phase phase;
    bool operator>(const Event& o) const { return t != o.t ? t > o.t : seq > o.seq; }
  };

  void push(double t, std::uint32_t item, Phase phase) { events_.push({t, seq_++, item, phase}); }

  void make_ready(std::uint32_t i, double t) {
    const sim::WorkItem& it = w_.items[i];
    ready_[i] = t;
    start_[i] = t;
    if (it.kind == sim::WorkItem::Kind::kTask) {
      tile_queue_[it.tile].push({t, i});
      try_start(it.tile, t);
    } else if (it.src == sim::kOffWafer) {
      push(io_leg(i, t), i, kNetworkLeg);
    } else if (it.multicast()) {
      push(multicast(i, t), i, kDone);
    } else {
      const double net = network(i, it.src, it.dst == sim::kOffWafer ? it.edge_tile : it.dst, t);
      push(net, i, it.dst == sim::kOffWafer ? kIoLeg : kDone);
    }
  }

  void try_start(std::uint32_t tile, double t) {
    auto& q = tile_queue_[tile];
    if (q.empty() || tile_running_[tile]) return;
    const auto [ready, i] = q.top();
    q.pop();
    const auto d = clk_.of(tile);
    const double begin = std::max({t, ready, tile_free_[tile]});
    const double start = static_cast<double>(clk_.edge_ps(d, clk_.first_edge_at_or_after(d, static_cast<std::int64_t>(std::ceil(begin)))));
    start_[i] = start;
    prev_task_[i] = tile_last_[tile];
    tile_last_[tile] = i;
    tile_free_[tile] = start + static_cast<double>(w_.items[i].cycles) * static_cast<double>(clk_.domain(d).period_ps);
    tile_running_[tile] = 1;
    push(tile_free_[tile], i, kDone);
  }

  void on_event(const Event& e) {
    const sim::WorkItem& it = w_.items[e.item];
    switch (e.phase) {
      case kNetworkLeg: push(network(e.item, it.edge_tile, it.dst, e.t), e.item, kDone); return;
      case kIoLeg: push(io_leg(e.item, e.t), e.item, kDone); return;
      case kDone: break;
    }
    end_[e.item] = e.t;
    if (it.kind == sim::WorkItem::Kind::kTask) tile_running_[it.tile] = 0;
    for (std::uint32_t k = succ_start_[e.item]; k < succ_start_[e.item + 1]; ++k)
      if (--waiting_on_[succ_[k]] == 0) make_ready(succ_[k], e.t);
    if (it.kind == sim::WorkItem::Kind::kTask) try_start(it.tile, e.t);
  }

  // Through the side's I/O channel from t; returns the end.
  double io_leg(std::uint32_t i, double t) {
    const sim::WorkItem& it = w_.items[i];
    const int side = f_.nearest_side(it.edge_tile);
    const double transfer = static_cast<double>(it.bytes) / ro_.io_bytes_per_ps_per_side;
    const double start = std::max(t, io_free_[side]);
    io_free_[side] = start + transfer;
    io_[i] += transfer + static_cast<double>(ro_.io_latency_ps);
    return start + transfer + static_cast<double>(ro_.io_latency_ps);
  }

  // From tile a to tile z, ready at t; returns when the last flit is delivered.
  double network(std::uint32_t i, std::uint32_t a, std::uint32_t z, double t) {
    if (a == z) return t;
    const auto& ch = eo_.channels;
    const double F = std::ceil(static_cast<double>(w_.items[i].bytes) / ch.flit_bytes);
    const double hold = F * period_;
    const double hop = eo_.router.hop_delay() * period_;
    // Forward: when the head gets each link on the route (resource 0 is the injection port).
    path_.clear();
    head_at_.clear();
    double s = std::max(t + ch.injection_latency * period_, inj_free_[a]);
    head_at_.push_back(s);
    std::uint32_t node = a;
    auto in_port = mesh::kLocal;
    int in_vc = 0, latency = 0;
    const int escape = routing_.escape_class();
    mesh::RouteSet options;
    while (node != z) {
      routing_.route(node, z, in_port, in_vc, options);
      const bool on_escape = in_port != mesh::kLocal && in_vc == escape;
      bool adaptive = false;
      for (const auto& o : options) adaptive |= o.vc != escape && o.port != mesh::kLocal;
      double best = 0;
      int best_port = -1, best_vc = 0;
      for (const auto& o : options) {
        if (o.port == mesh::kLocal || (adaptive && !on_escape && o.vc == escape)) continue;
        const double at = link_[node * 4 + o.port].earliest(s + hop, hold, t);
        if (best_port < 0 || at < best) best = at, best_port = o.port, best_vc = o.vc;
      }
      if (best_port < 0)
        throw std::logic_error(fmt::format("analytic model: {} has no route from router {} to {}", routing_.name(), node, z));
      const std::uint32_t link = node * 4 + static_cast<std::uint32_t>(best_port);
      path_.push_back(link);
      head_at_.push_back(best);
      s = best + link_lat_[link] * period_;
      latency += link_lat_[link];
      node = routing_.neighbour(node, best_port);
      in_port = mesh::opposite(static_cast<mesh::Port>(best_port));
      in_vc = best_vc;
    }
    const double e = eject_[z].earliest(s + hop, hold, t);
    eject_[z].reserve(e, e + hold);
    // Backward: wormhole flow control. A resource is free again only when the tail has left it,
    // and the tail cannot run more than one VC buffer ahead of the resource after it: a head
    // that waited downstream holds every link behind it (and its source) for that long.
    const double slack = eo_.router.vc_buf_size * period_;
    double tail = e + hold;
    for (std::size_t k = path_.size(); k-- > 0;) {
      tail = std::max(head_at_[k + 1] + hold, tail - slack);
      link_[path_[k]].reserve(head_at_[k + 1], tail);
    }
    inj_free_[a] = std::max(head_at_[0] + hold, tail - slack);
    const auto hops = static_cast<double>(path_.size());
    legs_ += F;
    hops_sum_ += hops * F;
    manhattan_sum_ += F * (std::abs(f_.row_of(a) - f_.row_of(z)) + std::abs(f_.col_of(a) - f_.col_of(z)));
    zero_load_[i] += (ch.injection_latency + (hops + 1) * eo_.router.hop_delay() + latency + ch.ejection_latency + F - 1) * period_;
    return e + (ch.ejection_latency + F - 1) * period_;
  }

  // A multicast from its source, ready at t; returns when its last member has its last flit. The
  // members the XY tree reaches (sim/multicast.hpp) get one injection; the head is replicated at
  // every branch point without delay, and each tree link and member's ejection port is held for
  // F cycles, the branches of a router in the first gap they all have (the engine allocates them
  // together and moves a flit on only when every branch has taken it). The rest get unicast copies
  // from the source, one after another (the source's injection port serializes them). Its zero-load
  // time is the slowest copy's: over the tree, the deepest member's unicast zero-load latency.
  double multicast(std::uint32_t i, double t) {
    const sim::WorkItem& it = w_.items[i];
    const std::uint32_t a = it.src;
    const auto& ch = eo_.channels;
    const sim::TreeSplit split = routing_.multicast_class() < 0
                                     ? sim::TreeSplit{{}, it.dsts}
                                     : sim::split_by_tree(f_, a, it.dsts, [&](std::uint32_t n, int p) { return routing_.has_link(n, p); });
    double end = t, zero_load = 0;
    if (!split.tree.empty()) {
      const sim::DestinationSet set(f_, split.tree);
      const double F = std::ceil(static_cast<double>(it.bytes) / ch.flit_bytes);
      const double hold = F * period_;
      const double hop = eo_.router.hop_delay() * period_;
      const double slack = eo_.router.vc_buf_size * period_;
      // Forward, depth first: when the head gets each tree link (and each member's ejection port).
      struct Branch {
        std::uint32_t link;   // node * 4 + port; kNone: a member's ejection
        std::uint32_t node;   // the router it leaves (ejection: the member)
        int parent;           // the branch that brought the head to `node` (-1: the source)
        double head, tail;
      };
      std::vector<Branch> tree;
      struct Visit {
        std::uint32_t node;
        int in_port, via, hops, latency;
        double head;  // when the head is at the node's input
      };
      std::vector<Visit> stack{{a, mesh::kLocal, -1, 0, 0, std::max(t + ch.injection_latency * period_, inj_free_[a])}};
      const double injected = stack[0].head;
      while (!stack.empty()) {
        const Visit v = stack.back();
        stack.pop_back();
        const unsigned ports = set.tree_ports(a, v.node, v.in_port);
        // The branches leave together: the engine gives a multicast head every branch VC at once,
        // and a flit leaves its buffer only when every branch has taken it. So all branches start
        // in the first gap that every one of them (links and the member's ejection port) has.
        double go = v.head + hop;
        for (int round = 0; round < 64; ++round) {
          double later = go;
          if (ports >> mesh::kLocal & 1) later = std::max(later, eject_[v.node].earliest(go, hold, t));
          for (int p = 0; p < 4; ++p)
            if (ports >> p & 1) later = std::max(later, link_[v.node * 4 + static_cast<std::uint32_t>(p)].earliest(go, hold, t));
          if (later == go) break;
          go = later;
        }
        if (ports >> mesh::kLocal & 1) {
          const double e = eject_[v.node].earliest(go, hold, t);
          eject_[v.node].reserve(e, e + hold);
          tree.push_back({kNone, v.node, v.via, e, e + hold});
          end = std::max(end, e + (ch.ejection_latency + F - 1) * period_);
          zero_load = std::max(zero_load, (ch.injection_latency + (v.hops + 1) * eo_.router.hop_delay() + v.latency + ch.ejection_latency + F - 1) *
                                              period_);
          legs_ += F;
          hops_sum_ += v.hops * F;
          manhattan_sum_ += F * (std::abs(f_.row_of(a) - f_.row_of(v.node)) + std::abs(f_.col_of(a) - f_.col_of(v.node)));
        }
        for (int p = 0; p < 4; ++p) {
          if (!(ports >> p & 1)) continue;
          const std::uint32_t link = v.node * 4 + static_cast<std::uint32_t>(p);
          const double at = link_[link].earliest(go, hold, t);
          tree.push_back({link, v.node, v.via, at, at + hold});
          stack.push_back({routing_.neighbour(v.node, p), mesh::opposite(static_cast<mesh::Port>(p)), static_cast<int>(tree.size() - 1),
                           v.hops + 1, v.latency + link_lat_[link], at + link_lat_[link] * period_});
        }
      }
      // Backward: a branch's tail runs at most one VC buffer ahead of its slowest child's, since
      // a flit leaves a router's buffer only once every branch has taken it.
      double source_tail = injected + hold;
      for (std::size_t k = tree.size(); k-- > 0;) {
        const Branch& b = tree[k];
        if (b.link != kNone) link_[b.link].reserve(b.head, b.tail);
        if (b.parent >= 0) tree[static_cast<std::size_t>(b.parent)].tail = std::max(tree[static_cast<std::size_t>(b.parent)].tail, b.tail - slack);
        else source_tail = std::max(source_tail, b.tail - slack);
      }
      inj_free_[a] = std::max(injected + hold, source_tail);
    }
    for (const std::uint32_t z : split.unicast) {
      const double before = zero_load_[i];
      end = std::max(end, network(i, a, z, t));
      zero_load = std::max(zero_load, zero_load_[i] - before);
      zero_load_[i] = before;
    }
    zero_load_[i] = zero_load;
    return end;
  }

  // Back from the item that finished last, as the runner's breakdown does.
  sim::WorkloadBreakdown critical_path(std::size_t i) const {
    sim::WorkloadBreakdown b;
    for (;;) {
      const sim::WorkItem& it = w_.items[i];
      if (it.kind == sim::WorkItem::Kind::kTask) {
        const double compute = end_[i] - start_[i];
        b.compute_ps += compute;
        const std::uint32_t p = prev_task_[i];
        if (start_[i] > ready_[i] && p != kNone && end_[p] >= ready_[i]) {
          i = p;  // it waited for its tile: the task before it is on the path
          continue;
        }
        b.waiting_ps += start_[i] - ready_[i];  // clock-edge alignment
      } else {
        b.on_wafer_ps += zero_load_[i];
        b.off_wafer_ps += io_[i];
        b.waiting_ps += std::max(0.0, end_[i] - ready_[i] - zero_load_[i] - io_[i]);
      }
      if (it.after.empty()) break;
      std::uint32_t next = it.after[0];
      for (const auto a : it.after)
        if (end_[a] > end_[next]) next = a;
      i = next;
    }
    return b;
  }

  const sim::Workload& w_;
  const mesh::Routing& routing_;
  const mesh::Fabric& f_;
  const sim::ClockDomains& clk_;
  const sim::EngineOptions& eo_;
  const sim::WorkloadRunOptions& ro_;
  std::size_t n_;
  double period_ = 1;
  std::vector<double> ready_, start_, end_, zero_load_, io_;
  std::vector<std::uint32_t> prev_task_, tile_last_, waiting_on_, succ_start_, succ_;
  std::vector<double> tile_free_, inj_free_;
  std::vector<char> tile_running_;
  using Ready = std::pair<double, std::uint32_t>;
  std::vector<std::priority_queue<Ready, std::vector<Ready>, std::greater<>>> tile_queue_;
  std::vector<Timeline> link_, eject_;
  std::vector<int> link_lat_;
  std::vector<std::uint32_t> path_;  // scratch of network(): links of the route
  std::vector<double> head_at_;      // and when the head got each (0: the injection port)
  double io_free_[4] = {0, 0, 0, 0};
  std::priority_queue<Event, std::vector<Event>, std::greater<>> events_;
  std::uint64_t seq_ = 0;
  double legs_ = 0;  // flits of on-wafer legs
  double hops_sum_ = 0, manhattan_sum_ = 0;
};

}  // namespace

PlanEstimate analytic_estimate(const sim::Workload& w, const mesh::Routing& routing, const sim::ClockDomains& clocks,
                               const sim::EngineOptions& engine, const sim::WorkloadRunOptions& run) {
  return FlowModel(w, routing, clocks, engine, run).run();
}

double makespan_lower_bound_ps(const sim::Workload& w, const mesh::Routing& routing, const sim::ClockDomains& clocks,
                               const sim::EngineOptions& engine) {
  const mesh::Fabric& f = routing.fabric();
  const std::size_t tiles = clocks.domain_of_node().size();
  // Cuts: between columns c and c + 1 (index c), and rows r and r + 1, one way each (east, west,
  // south, north). Difference arrays: a flow or link that spans cuts [a, b) adds at a, takes at b.
  const int R = f.rows(), C = f.cols();
  std::vector<double> east(C + 1, 0.0), west(C + 1, 0.0), south(R + 1, 0.0), north(R + 1, 0.0);
  std::vector<double> east_links(C + 1, 0.0), west_links(C + 1, 0.0), south_links(R + 1, 0.0), north_links(R + 1, 0.0);
  auto span = [](std::vector<double>& d, int a, int b, double v) {
    if (a >= b) return;
    d[static_cast<std::size_t>(a)] += v;
    d[static_cast<std::size_t>(b)] -= v;
  };
  for (std::uint32_t n = 0; n < f.nodes(); ++n) {
    for (const int p : {mesh::kEast, mesh::kWest, mesh::kSouth, mesh::kNorth}) {
      if (!routing.has_link(n, p)) continue;
      const std::uint32_t m = routing.neighbour(n, p);
      if (p == mesh::kEast) span(east_links, f.col_of(n), f.col_of(m), 1);
      if (p == mesh::kWest) span(west_links, f.col_of(m), f.col_of(n), 1);
      if (p == mesh::kSouth) span(south_links, f.row_of(n), f.row_of(m), 1);
      if (p == mesh::kNorth) span(north_links, f.row_of(m), f.row_of(n), 1);
    }
  }
  std::vector<double> compute(tiles, 0.0), inject(tiles, 0.0), eject(tiles, 0.0);
  std::vector<double> done(w.items.size(), 0.0);  // the earliest each item can end (its dependencies come first)
  const double period = static_cast<double>(clocks.report.nominal_period_ps);
  const double flit = engine.channels.flit_bytes;
  const double hop = engine.router.hop_delay() * period;
  const auto& ch = engine.channels;
  double path = 0;
  for (std::size_t i = 0; i < w.items.size(); ++i) {
    const sim::WorkItem& it = w.items[i];
    double ready = 0;
    for (const auto a : it.after) ready = std::max(ready, done[a]);
    if (it.kind == sim::WorkItem::Kind::kTask) {
      const double d = static_cast<double>(it.cycles) * static_cast<double>(clocks.domain(clocks.of(it.tile)).period_ps);
      compute[it.tile] += d;
      done[i] = ready + d;
      path = std::max(path, done[i]);
      continue;
    }
    // As the flow model holds them: a message's ports for its F flits, on the nominal clock. Its
    // on-wafer leg starts at the source, or at the edge tile where it comes in. Its zero-load
    // latency is at least that of a route of Manhattan length with links of no latency.
    const double F = std::ceil(static_cast<double>(it.bytes) / flit);
    const double hold = F * period;
    const std::uint32_t from = it.src == sim::kOffWafer ? it.edge_tile : it.src;
    bool sent = false;
    double latency = 0;
    // A multicast's tree crosses a cut once at least where a member lies beyond it.
    int c_lo = f.col_of(from), c_hi = c_lo, r_lo = f.row_of(from), r_hi = r_lo;
    for (const std::uint32_t d : it.destinations()) {
      const std::uint32_t to = d == sim::kOffWafer ? it.edge_tile : d;
      if (to == from) continue;  // nothing crosses the network
      eject[to] += hold;
      sent = true;
      c_lo = std::min(c_lo, f.col_of(to)), c_hi = std::max(c_hi, f.col_of(to));
      r_lo = std::min(r_lo, f.row_of(to)), r_hi = std::max(r_hi, f.row_of(to));
      const double hops = std::abs(f.row_of(from) - f.row_of(to)) + std::abs(f.col_of(from) - f.col_of(to));
      latency = std::max(latency, ch.injection_latency * period + (hops + 1) * hop + (ch.ejection_latency + F - 1) * period);
    }
    if (sent) {
      inject[from] += hold;
      span(east, f.col_of(from), c_hi, hold);
      span(west, c_lo, f.col_of(from), hold);
      span(south, f.row_of(from), r_hi, hold);
      span(north, r_lo, f.row_of(from), hold);
    }
    done[i] = ready + latency;
    path = std::max(path, done[i]);
  }
  double bound = path;
  for (std::size_t t = 0; t < tiles; ++t) bound = std::max({bound, compute[t], inject[t] - period, eject[t] - period});
  // Every route across a cut takes one of its links one way for the message's flits, so the
  // busiest of them is busy at least the flits' share (less the last flit's cycle, as above).
  auto cuts = [&](std::vector<double>& flow, std::vector<double>& links) {
    double f_sum = 0, l_sum = 0;
    for (std::size_t k = 0; k + 1 < flow.size(); ++k) {
      f_sum += flow[k], l_sum += links[k];
      if (f_sum > 0 && l_sum > 0) bound = std::max(bound, f_sum / l_sum - period);
    }
  };
  cuts(east, east_links), cuts(west, west_links), cuts(south, south_links), cuts(north, north_links);
  return bound;
}

}  // namespace wafersim::compiler
