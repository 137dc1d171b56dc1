#include "sim/workload_run.hpp"

#include <fmt/format.h>

#include "core/interrupt.hpp"

#include <algorithm>
#include <limits>
#include <queue>
#include <stdexcept>
#include <unordered_map>

namespace wafersim::sim {
namespace {

using Kind = WorkItem::Kind;

struct Event {
  std::int64_t t;
  std::uint32_t item;
  bool operator>(const Event& o) const { return t != o.t ? t > o.t : item > o.item; }
};

class Runner {
 public:
  Runner(Engine& e, const mesh::Fabric& f, const ClockDomains& c, const Workload& w, const EngineOptions& eo,
         const WorkloadRunOptions& o)
      : eng_(e), fab_(f), clk_(c), w_(w), eo_(eo), o_(o), n_(w.items.size()) {
    r_.timing.assign(n_, {});
    waiting_on_.assign(n_, 0);
    packets_left_.assign(n_, 0);
    io_phase_end_.assign(n_, -1);
    io_busy_start_.assign(n_, -1);
    prev_task_.assign(n_, kNone);
    // Successors in CSR form.
    std::vector<std::uint32_t> deg(n_ + 1, 0);
    for (std::size_t i = 0; i < n_; ++i) {
      waiting_on_[i] = static_cast<std::uint32_t>(w_.items[i].after.size());
      for (auto a : w_.items[i].after) ++deg[a + 1];
    }
    for (std::size_t i = 0; i < n_; ++i) deg[i + 1] += deg[i];
    succ_start_ = deg;
    succ_.resize(deg[n_]);
    for (std::size_t i = 0; i < n_; ++i)
      for (auto a : w_.items[i].after) succ_[deg[a]++] = static_cast<std::uint32_t>(i);
    tile_free_.assign(fab_.nodes(), 0);
    tile_last_.assign(fab_.nodes(), kNone);
    tile_queue_.resize(fab_.nodes());
    seq_.assign(fab_.nodes(), 0);
  }

  WorkloadResult run() {
    for (std::uint32_t i = 0; i < n_; ++i)
      if (waiting_on_[i] == 0) make_ready(i, 0);
    const std::int64_t period = eng_.reference_period_ps();
    while (done_ < n_) {
      if (interrupted()) return stopped_early();
      std::int64_t target = events_.empty() ? kInf : events_.top().t;
      if (packets_out_ > 0) target = std::min(target, eng_.now_ps() + o_.quantum_cycles * period);
      if (target == kInf) throw std::logic_error("workload run stalled: items left with nothing in flight");
      if (target > o_.time_limit_ps)
        throw std::runtime_error(fmt::format("workload run passed its time limit with {} of {} items done", done_, n_));
      if (target > eng_.now_ps() && !eng_.run_until(target)) return stopped_early();
      // Deliveries (ejected before `target`) and events (at or before it), in time order.
      std::vector<Event> delivered;
      for (const Delivery& d : eng_.deliveries()) {
        const auto it = packet_msg_.find(key(d.src, d.seq));
        if (it == packet_msg_.end()) throw std::logic_error("delivery of a packet the runner did not inject");
        const std::uint32_t m = it->second.message;
        if (--it->second.copies == 0) {  // a multicast packet: one delivery per member
          packet_msg_.erase(it);
          --packets_out_;
        }
        r_.timing[m].hops = std::max(r_.timing[m].hops, d.hops);
        r_.flit_hops += static_cast<double>(d.hops) * d.flits;
        r_.delivered_flits += d.flits;
        r_.timing[m].end_ps = std::max(r_.timing[m].end_ps, d.ejected_ps);
        if (--packets_left_[m] == 0) delivered.push_back({r_.timing[m].end_ps, m});
      }
      eng_.clear_deliveries();
      std::sort(delivered.begin(), delivered.end(), [](const Event& a, const Event& b) { return b > a; });
      std::size_t di = 0;
      while (true) {
        const bool ev = !events_.empty() && events_.top().t <= target;
        const bool dv = di < delivered.size();
        if (!ev && !dv) break;
        if (dv && (!ev || delivered[di].t <= events_.top().t)) {
          on_network_done(delivered[di].item, delivered[di].t);
          ++di;
        } else {
          const Event e = events_.top();
          events_.pop();
          on_event(e.item, e.t);
        }
      }
    }
    finish();
    return std::move(r_);
  }

 private:
  static constexpr std::uint32_t kNone = 0xFFFFFFFFu;
  static constexpr std::int64_t kInf = std::numeric_limits<std::int64_t>::max();
  static std::uint64_t key(std::uint32_t src, std::uint64_t seq) { return std::uint64_t{src} << 32 | (seq & 0xFFFFFFFFu); }

  void make_ready(std::uint32_t i, std::int64_t t) {
    const WorkItem& w = w_.items[i];
    r_.timing[i].ready_ps = t;
    if (w.kind == Kind::kTask) {
      tile_queue_[w.tile].push({t, i});
      try_start(w.tile, t);
    } else if (w.src == kOffWafer) {
      start_io(i, t);
    } else if (w.multicast()) {
      r_.timing[i].start_ps = t;
      send_multicast(i, t);
    } else {
      r_.timing[i].start_ps = t;
      send(i, w.src, w.dst == kOffWafer ? w.edge_tile : w.dst, t);
    }
  }

  void try_start(std::uint32_t tile, std::int64_t t) {
    auto& q = tile_queue_[tile];
    if (q.empty() || tile_busy(tile)) return;
    const Event e = q.top();
    q.pop();
    const WorkItem& w = w_.items[e.item];
    const std::uint32_t d = clk_.of(tile);
    const std::int64_t begin = std::max({t, e.t, tile_free_[tile]});
    const std::int64_t start = clk_.edge_ps(d, clk_.first_edge_at_or_after(d, begin));
    const std::int64_t end = start + static_cast<std::int64_t>(w.cycles) * clk_.domain(d).period_ps;
    r_.timing[e.item].start_ps = start;
    prev_task_[e.item] = tile_last_[tile];
    tile_last_[tile] = e.item;
    tile_free_[tile] = end;
    r_.tile_busy_ps += static_cast<double>(end - start);
    events_.push({end, e.item});
  }

  bool tile_busy(std::uint32_t tile) const {
    const std::uint32_t last = tile_last_[tile];
    return last != kNone && r_.timing[last].end_ps < 0;
  }

  void start_io(std::uint32_t i, std::int64_t t) {
    const WorkItem& w = w_.items[i];
    const int side = fab_.nearest_side(w.edge_tile);
    const auto transfer = static_cast<std::int64_t>(static_cast<double>(w.bytes) / o_.io_bytes_per_ps_per_side + 0.5);
    const std::int64_t start = std::max(t, io_free_[side]);
    io_free_[side] = start + transfer;
    io_busy_start_[i] = start;
    io_phase_end_[i] = start + transfer + o_.io_latency_ps;
    if (r_.timing[i].start_ps < 0) r_.timing[i].start_ps = t;
    events_.push({io_phase_end_[i], i});
  }

  void send(std::uint32_t m, std::uint32_t a, std::uint32_t z, std::int64_t t) {
    if (a == z) {  // already there
      on_network_done(m, t);
      return;
    }
    for_each_packet(m, o_.max_packet_flits, [&](std::uint32_t f) {
      packet_msg_.emplace(key(a, seq_[a]++), InFlight{m, 1});
      eng_.inject(a, z, f, t);
      ++packets_left_[m];
    });
  }

  // A multicast: one tree packet per packet of the message reaches the members the tree covers,
  // then unicast copies reach the rest (sim/multicast.hpp).
  void send_multicast(std::uint32_t m, std::int64_t t) {
    const WorkItem& w = w_.items[m];
    const TreeSplit split = eng_.split_multicast(w.src, w.dsts);
    if (!split.tree.empty()) {
      const auto copies = static_cast<std::uint32_t>(split.tree.size());
      const std::uint32_t group = copies > 1 ? eng_.add_multicast(w.src, DestinationSet(fab_, split.tree)) : 0;
      for_each_packet(m, copies > 1 ? std::min(o_.max_packet_flits, eo_.router.vc_buf_size) : o_.max_packet_flits, [&](std::uint32_t f) {
        packet_msg_.emplace(key(w.src, seq_[w.src]++), InFlight{m, copies});
        if (copies > 1) eng_.inject_multicast(group, f, t);
        else eng_.inject(w.src, split.tree[0], f, t);
        packets_left_[m] += copies;
      });
    }
    for (const std::uint32_t z : split.unicast) send(m, w.src, z, t);
  }

  // Cuts message m into packets of at most `most` flits and calls inject(flits) for each.
  // Multicast packets are at most one VC buffer long (virtual cut-through, docs/noc.md).
  template <class Inject>
  void for_each_packet(std::uint32_t m, int most, Inject inject) {
    const std::uint64_t flits = (w_.items[m].bytes + eo_.channels.flit_bytes - 1) / eo_.channels.flit_bytes;
    const std::uint64_t per = static_cast<std::uint64_t>(most);
    for (std::uint64_t sent = 0; sent < flits; sent += per) {
      const auto f = static_cast<std::uint32_t>(std::min(per, flits - sent));
      inject(f);
      ++packets_out_;
      ++r_.packets;
      r_.flits += f;
    }
  }

  // A task or an I/O phase ended.
  void on_event(std::uint32_t i, std::int64_t t) {
    const WorkItem& w = w_.items[i];
    if (w.kind == Kind::kTask) {
      r_.timing[i].end_ps = t;
      complete(i, t);
      try_start(w.tile, t);
    } else if (w.src == kOffWafer) {
      send(i, w.edge_tile, w.dst, t);  // now across the wafer to its destination
    } else {
      r_.timing[i].end_ps = t;  // out through the edge: done
      complete(i, t);
    }
  }

  // A message's on-wafer leg is done.
  void on_network_done(std::uint32_t m, std::int64_t t) {
    const WorkItem& w = w_.items[m];
    net_end_[m] = t;
    if (w.dst == kOffWafer) {
      start_io(m, t);
      return;
    }
    r_.timing[m].end_ps = t;
    complete(m, t);
  }

  void complete(std::uint32_t i, std::int64_t t) {
    ++done_;
    if (o_.on_progress) o_.on_progress(done_, n_);
    r_.makespan_ps = std::max(r_.makespan_ps, t);
    for (std::uint32_t k = succ_start_[i]; k < succ_start_[i + 1]; ++k) {
      const std::uint32_t s = succ_[k];
      if (--waiting_on_[s] == 0) make_ready(s, t);
    }
  }

  // Ctrl-C: what ran so far, without a critical path (the items after it never ran).
  WorkloadResult stopped_early() {
    r_.interrupted = true;
    r_.items_done = done_;
    r_.makespan_ps = eng_.now_ps();
    r_.stats = eng_.stats();
    return std::move(r_);
  }

  void finish() {
    r_.items_done = done_;
    r_.stats = eng_.stats();
    // Critical path, from the last item to finish.
    std::uint32_t i = kNone;
    for (std::uint32_t k = 0; k < n_; ++k)
      if (i == kNone || r_.timing[k].end_ps > r_.timing[i].end_ps) i = k;
    const std::int64_t period = eng_.reference_period_ps();
    WorkloadBreakdown& b = r_.critical_path;
    while (i != kNone) {
      const WorkItem& w = w_.items[i];
      const ItemTiming& tm = r_.timing[i];
      if (w.kind == Kind::kTask) {
        b.compute_ps += static_cast<double>(tm.end_ps - tm.start_ps);
        if (tm.start_ps > tm.ready_ps && prev_task_[i] != kNone && r_.timing[prev_task_[i]].end_ps >= tm.ready_ps) {
          b.waiting_ps += static_cast<double>(std::max<std::int64_t>(0, tm.start_ps - r_.timing[prev_task_[i]].end_ps));
          i = prev_task_[i];
          continue;
        }
        b.waiting_ps += static_cast<double>(tm.start_ps - tm.ready_ps);  // clock-edge alignment
      } else {
        double io = 0, io_wait = 0;
        if (io_busy_start_[i] >= 0) {
          const std::int64_t io_start = io_busy_start_[i];
          io = static_cast<double>(io_phase_end_[i] - io_start);
          io_wait = static_cast<double>(io_start - (w.src == kOffWafer ? tm.ready_ps : net_end_.at(i)));
        }
        const double total = static_cast<double>(tm.end_ps - tm.ready_ps);
        const double net = total - io - io_wait;
        double zero_load = 0;
        if (net > 0) {
          const std::uint64_t flits = (w.bytes + eo_.channels.flit_bytes - 1) / eo_.channels.flit_bytes;
          const double pkt = std::min<double>(static_cast<double>(flits), o_.max_packet_flits);
          zero_load = (Engine::zero_load_latency(eo_.router, eo_.channels, tm.hops, static_cast<int>(pkt)) +
                       static_cast<double>(flits) - pkt) * static_cast<double>(period);
          zero_load = std::min(zero_load, net);
        }
        b.off_wafer_ps += io;
        b.on_wafer_ps += zero_load;
        b.waiting_ps += io_wait + std::max(0.0, net - zero_load);
      }
      std::uint32_t next = kNone;
      for (auto a : w.after)
        if (next == kNone || r_.timing[a].end_ps > r_.timing[next].end_ps) next = a;
      i = next;
    }
  }

  Engine& eng_;
  const mesh::Fabric& fab_;
  const ClockDomains& clk_;
  const Workload& w_;
  const EngineOptions& eo_;
  const WorkloadRunOptions& o_;
  std::size_t n_;
  WorkloadResult r_;
  std::vector<std::uint32_t> waiting_on_, packets_left_, prev_task_, succ_start_, succ_;
  std::vector<std::int64_t> io_phase_end_, io_busy_start_;
  std::unordered_map<std::uint32_t, std::int64_t> net_end_;
  std::vector<std::int64_t> tile_free_;
  std::vector<std::uint32_t> tile_last_;
  std::vector<std::priority_queue<Event, std::vector<Event>, std::greater<>>> tile_queue_;
  std::priority_queue<Event, std::vector<Event>, std::greater<>> events_;
  struct InFlight {
    std::uint32_t message, copies;  // deliveries still to come (members of a multicast packet)
  };
  std::unordered_map<std::uint64_t, InFlight> packet_msg_;
  std::vector<std::uint64_t> seq_;
  std::int64_t io_free_[4] = {0, 0, 0, 0};
  std::uint64_t packets_out_ = 0;
  std::size_t done_ = 0;
};

}  // namespace

WorkloadResult run_workload(Engine& engine, const mesh::Fabric& fabric, const ClockDomains& clocks, const Workload& workload,
                            const EngineOptions& engine_options, const WorkloadRunOptions& options) {
  if (!engine_options.record_deliveries) throw std::logic_error("run_workload needs EngineOptions::record_deliveries");
  if (options.max_packet_flits < 1 || options.quantum_cycles < 1 || options.io_bytes_per_ps_per_side <= 0)
    throw std::invalid_argument("run_workload: packet flits, quantum and I/O bandwidth must be positive");
  workload.validate(fabric);
  Runner r(engine, fabric, clocks, workload, engine_options, options);
  return r.run();
}

}  // namespace wafersim::sim
