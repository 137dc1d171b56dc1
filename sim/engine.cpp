#include "sim/engine.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <bit>
#include <limits>
#include <deque>
#include <queue>

#include "core/input_error.hpp"

namespace wafersim::sim {
namespace {

constexpr int kPorts = 5;
constexpr std::uint32_t kNone = 0xffffffffu;
constexpr std::uint64_t kNever = std::numeric_limits<std::uint64_t>::max();
constexpr std::uint8_t kNoVc = 0xff;
enum : std::uint8_t { kIdle = 0, kWaitVc = 1, kActive = 2 };
constexpr std::uint64_t kWheel = 64;  // timing-wheel slots (cycles); a power of two
// Cycle stamps are 32-bit; stop well before they wrap.
constexpr std::uint64_t kMaxCycle = (std::uint64_t{1} << 32) - (std::uint64_t{1} << 24);

// A packet's record, 28 bytes: a saturated wafer-scale network holds tens of millions of them.
// Times are cycles of the source's clock.
struct Packet {
  std::uint32_t src = 0, dst = 0;
  std::uint32_t created = 0;   // creation cycle
  std::uint32_t injected = 0;  // cycle its head entered the injection channel
  std::uint32_t seq = 0;       // per-source creation order (low 32 bits)
  std::uint16_t size = 1;
  std::uint16_t ejected_flits = 0;
  std::uint16_t hops = 0;
  std::uint8_t measured = 0;
};
static_assert(sizeof(Packet) == 20 + 8, "compact packet record");

// A flit: its packet, the cycle from which it is usable, and what routing needs,
// so that a packet's record is touched only when it is made and when it is ejected.
struct Flit {
  std::uint32_t pkt;
  std::uint32_t ready;
  std::uint32_t dst;
  std::uint16_t hops;  // router-to-router links the packet's head has taken so far
  std::uint8_t head, tail;
};

// One input VC's hot state in one record: the buffer's counters, the pipeline state of the packet
// at its front, and the front flit itself. The ring `buf` holds only the flits behind the front, so
// at low load (queues of 0 or 1 flit) a router reads and writes no buffer slot at all: the flit
// arrives in, and leaves from, the record the router reads anyway.
struct InVc {
  std::uint32_t written = 0, read = 0;            // flits into / out of the VC (ring index by mask)
  std::uint32_t elig = 0;                         // cycle from which the next stage may run
  std::uint8_t state = 0;                         // kIdle / kWaitVc / kActive
  std::uint8_t out = 0;                           // output VC (port * V + vc) once allocated
  Flit front{};                                   // valid while written != read
};
static_assert(sizeof(InVc) == 32, "two input VCs per cache line");

// The upstream's credit view of one downstream input VC, kept with the upstream (at its output VC
// index) so that a router polling for credits reads only its own memory; the downstream writes
// here once per credit. The local port's entries serve the tile's source (ejection needs none).
struct OutVc {
  std::uint32_t cred_written = 0, cred_read = 0;  // credits sent back / taken up
  std::uint32_t cred_front = 0;                   // arrival cycle of the oldest credit in flight
  std::int32_t credits = 0;                       // free slots downstream, as far as this side knows
};

// A router's per-node summary.
struct Node {
  std::uint64_t nonempty = 0;   // input VCs holding flits
  std::uint64_t ov_free = 0;       // output VCs free for allocation
  std::uint64_t ov_releasing = 0;  // output VCs waiting for their tail's credit (wait_for_tail_credit)
  std::uint32_t flits_held = 0;
  std::uint8_t in_list = 0;     // marked in its domain's active or pending set
};

using WakeHeap = std::priority_queue<std::pair<std::uint64_t, std::uint32_t>, std::vector<std::pair<std::uint64_t, std::uint32_t>>,
                                     std::greater<>>;

struct Domain {
  std::uint64_t cycle = 0;  // next edge to step
  bool scheduled = false;
  // Its routers (ascending) and two bitmaps over them: active (stepped at the next edge) and pending
  // (woken during this edge, joins active at the next). Stepping walks the bitmap, so routers are
  // visited in node order, which suits the caches, at a cost of one word per 64 routers per edge.
  std::vector<std::uint32_t> members;
  std::vector<std::uint64_t> active, pending;
  std::size_t listed = 0;   // routers marked in active or pending
  // Wake-ups of sleeping routers: within kWheel cycles in a timing wheel, later in `sleepers`.
  std::vector<std::vector<std::uint32_t>> wheel;
  std::size_t wheel_count = 0;
  WakeHeap sleepers;        // (cycle, node) wake-ups beyond the wheel (a source's next packet)
  std::uint64_t create_limit = kNever;  // sources make packets only at cycles below this
};

}  // namespace

struct Engine::Impl {
  Engine& eng;
  const mesh::Fabric& fabric;
  const mesh::Routing& routing;
  const ClockDomains& clk;
  EngineOptions opt;
  Stats& stats;

  int V, B, S, vpc, VP;  // VCs, buffer depth, speedup, VCs per class, VCs per router (5 V)
  int R;                  // ring slots per VC: B rounded up to a power of two (index by mask)
  std::uint32_t RM;       // R - 1
  bool xy_fast;
  AllocateFn va_fn, sa_fn;
  int d_rc, d_va, d_sw, credit_delay, l_inj, l_ej, sync;
  std::size_t N;
  std::int64_t off[4];

  std::vector<std::uint16_t> link_lat;  // [n*4+p] cycles, 0 = no link
  std::vector<std::uint16_t> row_, col_;  // logical coordinates (no division on the hot path)
  std::uint8_t port_of[64], vc_of[64], group_of[64];  // of a router-local VC index p*V+v
  std::vector<float> link_mm;
  const std::vector<std::uint32_t>& dom;  // domain of each node

  // Input VCs [iv = n*VP + p*V + v].
  std::vector<InVc> ivc;
  std::vector<Flit> buf;                 // [iv*R + slot]
  std::vector<OutVc> ovc;                // [ov]: credit view of the downstream input VC
  std::vector<std::uint32_t> cred_time;  // [ov*R + slot]: cycle (of this side) the credit arrives
  std::vector<std::uint64_t> iv_route;   // output VCs the front head may take
  // Per node.
  std::vector<Node> node;
  std::vector<std::uint8_t> va_in_ptr, va_out_ptr, sa_in_ptr, sa_out_ptr, sa_vc_ptr;
  // Sources.
  std::vector<std::uint32_t> src_pkt, src_sent;
  std::vector<std::uint8_t> src_vc, src_vc_ptr, src_on;
  std::vector<std::uint64_t> src_next, src_seq;
  std::vector<Rng> src_rng;
  bool synthetic = false, bursty = false;
  std::uint64_t p_thresh = 0, on_off_thresh = 0, off_on_thresh = 0;
  bool p_always = false;
  std::uint32_t packet_size = 1;
  std::unique_ptr<TrafficPattern> pattern;
  std::vector<TracePacket> trace;
  std::vector<std::uint32_t> trace_pos, trace_end;

  std::deque<Packet> packets;  // grows in blocks: no copy of the pool when it grows
  std::vector<std::uint32_t> free_packets;

  std::vector<Domain> doms;
  std::vector<std::uint32_t> index_in_domain;
  std::vector<std::uint64_t> wake_cycle;  // earliest pending wake-up of a sleeping router
  bool single_domain = false;
  std::priority_queue<std::pair<std::int64_t, std::uint32_t>, std::vector<std::pair<std::int64_t, std::uint32_t>>, std::greater<>> schedule;
  std::int64_t window_begin = 0, window_end = std::numeric_limits<std::int64_t>::max();

  Impl(Engine& e, const mesh::Fabric& f, const mesh::Routing& r, const ClockDomains& c, const EngineOptions& o)
      : eng(e), fabric(f), routing(r), clk(c), opt(o), stats(e.stats_), dom(c.domain_of_node()) {
    const RouterSpec& rs = opt.router;
    V = rs.num_vcs;
    B = rs.vc_buf_size;
    R = static_cast<int>(std::bit_ceil(static_cast<unsigned>(B)));
    RM = static_cast<std::uint32_t>(R - 1);
    S = rs.input_speedup;
    VP = kPorts * V;
    const int classes = routing.vc_classes();
    if (V % classes != 0)
      throw InputError(fmt::format("router.num_vcs: {} VCs cannot be split evenly among the {} VC classes of {} routing", V, classes,
                                   routing.name()));
    vpc = V / classes;
    xy_fast = routing.name() == "xy";
    va_fn = AllocatorRegistry::instance().find(rs.vc_allocator)->allocate;
    sa_fn = AllocatorRegistry::instance().find(rs.sw_allocator)->allocate;
    d_rc = rs.routing_delay;
    d_va = rs.vc_alloc_delay;
    d_sw = rs.sw_alloc_delay + rs.st_final_delay;
    credit_delay = rs.credit_delay;
    l_inj = opt.channels.injection_latency;
    l_ej = opt.channels.ejection_latency;
    sync = opt.synchronizer_stages;
    N = fabric.nodes();
    const auto cols = static_cast<std::int64_t>(fabric.cols());
    off[mesh::kNorth] = -cols;
    off[mesh::kWest] = -1;
    off[mesh::kEast] = 1;
    off[mesh::kSouth] = cols;
    row_.resize(N);
    col_.resize(N);
    for (std::size_t n = 0; n < N; ++n) {
      row_[n] = static_cast<std::uint16_t>(fabric.row_of(static_cast<mesh::NodeId>(n)));
      col_[n] = static_cast<std::uint16_t>(fabric.col_of(static_cast<mesh::NodeId>(n)));
    }
    for (int li = 0; li < kPorts * V; ++li) {
      port_of[li] = static_cast<std::uint8_t>(li / V);
      vc_of[li] = static_cast<std::uint8_t>(li % V);
      group_of[li] = static_cast<std::uint8_t>((li / V) * S + (li % V) % S);
    }
    if (dom.size() != N) throw std::invalid_argument("Engine: clock domains do not match the fabric");

    link_lat.assign(N * 4, 0);
    link_mm.assign(N * 4, 0.0f);
    const mesh::FabricGraph& g = routing.graph();
    for (std::size_t n = 0; n < N; ++n) {
      for (int p = 0; p < 4; ++p) {
        if (!(g.mask(static_cast<std::uint32_t>(n)) & (1u << p))) continue;
        // The link is stored on its west / north end.
        const std::size_t owner = (p == mesh::kEast || p == mesh::kSouth) ? n : n + off[p];
        const bool horizontal = p == mesh::kEast || p == mesh::kWest;
        const int len = horizontal ? fabric.east_length(owner) : fabric.south_length(owner);
        const bool stitch = horizontal ? fabric.east_crosses_reticle(owner) : fabric.south_crosses_reticle(owner);
        link_lat[n * 4 + p] = static_cast<std::uint16_t>(opt.channels.link_latency(len, stitch));
        link_mm[n * 4 + p] = static_cast<float>(len * (horizontal ? opt.tile_pitch_x_mm : opt.tile_pitch_y_mm));
      }
    }
    // xy needs the whole mesh: all 2 (R (C - 1) + C (R - 1)) arcs between working routers (a dead
    // router or link removes some; a tile with dead compute but a working router is no hole).
    const std::size_t rows = fabric.rows(), cols_n = fabric.cols();
    if (xy_fast && g.arcs() != 2 * (rows * (cols_n - 1) + cols_n * (rows - 1)))
      throw InputError("routing.algorithm: xy cannot route around the holes of this fabric (dead routers or links); use duato or up_down");

    const std::size_t IV = N * VP;
    ivc.assign(IV, InVc{});
    OutVc full;
    full.credits = B;
    ovc.assign(IV, full);
    buf.assign(IV * R, Flit{});
    cred_time.assign(IV * R, 0);
    iv_route.assign(IV, 0);
    node.assign(N, Node{});
    for (std::size_t n = 0; n < N; ++n) {
      std::uint64_t m = ((std::uint64_t{1} << V) - 1) << (mesh::kLocal * V);
      for (int p = 0; p < 4; ++p)
        if (link_lat[n * 4 + p]) m |= ((std::uint64_t{1} << V) - 1) << (p * V);
      node[n].ov_free = m;
    }
    va_in_ptr.assign(N * VP, 0);
    va_out_ptr.assign(N * VP, 0);
    sa_in_ptr.assign(N * kPorts * S, 0);
    sa_out_ptr.assign(N * kPorts, 0);
    sa_vc_ptr.assign(N * kPorts * S, 0);
    src_pkt.assign(N, kNone);
    src_sent.assign(N, 0);
    src_vc.assign(N, kNoVc);
    src_vc_ptr.assign(N, 0);
    src_on.assign(N, 0);
    src_next.assign(N, kNever);
    src_seq.assign(N, 0);
    doms.resize(clk.size());
    single_domain = clk.size() == 1;
    index_in_domain.resize(N);
    for (std::uint32_t n = 0; n < N; ++n) {
      Domain& D = doms[dom[n]];
      index_in_domain[n] = static_cast<std::uint32_t>(D.members.size());
      D.members.push_back(n);
    }
    wake_cycle.assign(N, kNever);
    for (Domain& D : doms) {
      D.wheel.resize(kWheel);
      D.active.assign((D.members.size() + 63) / 64, 0);
      D.pending.assign(D.active.size(), 0);
    }
    stats.link_flits.assign(N * 4, 0);
    stats.domain_flits_in.assign(clk.size(), 0);
    stats.domain_flits_out.assign(clk.size(), 0);
    stats.domain_credits_in.assign(clk.size(), 0);
    stats.domain_credits_out.assign(clk.size(), 0);
  }

  [[noreturn]] void broken(const std::string& what) const { throw InvariantError("engine invariant broken: " + what); }

  bool in_window(std::int64_t t) const { return t >= window_begin && t < window_end; }
  std::int64_t edge(std::uint32_t n, std::uint64_t k) const { return clk.edge_ps(dom[n], k); }

  std::uint32_t stamp(std::uint64_t cycle) const {
    if (cycle >= kMaxCycle) throw std::runtime_error("simulation ran past 4.2e9 cycles of a clock domain (32-bit cycle stamps)");
    return static_cast<std::uint32_t>(cycle);
  }

  // The receiver's cycle at which something sent from `from` arriving at sender cycle `k` is usable.
  std::uint64_t to_receiver(std::uint32_t from, std::uint32_t to, std::uint64_t k, bool credit, bool count) {
    if (single_domain) return k;
    const std::uint32_t ds = dom[from], dr = dom[to];
    if (ds == dr) return k;
    const std::int64_t t = clk.edge_ps(ds, k);
    if (count) {
      if (credit) {
        ++stats.domain_credits_out[ds];
        ++stats.domain_credits_in[dr];
      } else {
        ++stats.domain_flits_out[ds];
        ++stats.domain_flits_in[dr];
      }
    }
    return clk.first_edge_at_or_after(dr, t) + static_cast<std::uint64_t>(sync);
  }

  void list(std::uint32_t n, Domain& D) {
    node[n].in_list = 1;
    const std::uint32_t i = index_in_domain[n];
    D.pending[i >> 6] |= std::uint64_t{1} << (i & 63);
    ++D.listed;
  }

  // Router m has something to do at cycle c of its clock (c is in the future).
  void wake_at(std::uint32_t m, std::uint64_t c) {
    if (node[m].in_list || c >= wake_cycle[m]) return;
    wake_cycle[m] = c;
    const std::uint32_t d = dom[m];
    Domain& D = doms[d];
    if (!D.scheduled || c < D.cycle) {
      D.cycle = c;
      D.scheduled = true;
      schedule.emplace(clk.edge_ps(d, c), d);
    }
    if (c - D.cycle < kWheel) {
      D.wheel[c & (kWheel - 1)].push_back(m);
      ++D.wheel_count;
    } else {
      D.sleepers.emplace(c, m);
    }
  }

  void pop_credits(std::size_t ov, std::uint64_t k) {
    OutVc& q = ovc[ov];
    while (q.cred_read != q.cred_written && q.cred_front <= k) {
      ++q.credits;
      ++q.cred_read;
      if (q.cred_read != q.cred_written) q.cred_front = cred_time[ov * R + (q.cred_read & RM)];
      if (opt.check_invariants && q.credits > B) broken("more credits than buffer slots");
    }
  }

  // ---- sources ----
  std::uint64_t next_arrival(std::uint32_t n, std::uint64_t from) {
    const std::uint64_t limit = doms[dom[n]].create_limit;
    if (!synthetic) {
      if (trace_pos[n] >= trace_end[n]) return kNever;
      const std::uint64_t c = trace[trace_pos[n]].cycle;  // several packets may share a cycle
      return c < limit ? c : kNever;
    }
    if (p_thresh == 0 && !p_always) return kNever;
    Rng& rng = src_rng[n];
    for (std::uint64_t x = from; x < limit && x < kMaxCycle; ++x) {
      if (bursty) {
        if (src_on[n]) {
          if (rng.next_u64() < on_off_thresh) src_on[n] = 0;
        } else if (rng.next_u64() < off_on_thresh) {
          src_on[n] = 1;
        }
        if (!src_on[n]) continue;
      }
      if (p_always || rng.next_u64() < p_thresh) return x;
    }
    return kNever;
  }

  bool source_due(std::uint32_t n, std::uint64_t k) const {
    return src_next[n] <= k && src_next[n] < doms[dom[n]].create_limit;
  }

  std::uint32_t new_packet() {
    if (!free_packets.empty()) {
      const std::uint32_t id = free_packets.back();
      free_packets.pop_back();
      return id;
    }
    packets.emplace_back();
    return static_cast<std::uint32_t>(packets.size() - 1);
  }

  void source_step(std::uint32_t n, std::uint64_t k) {
    if (src_pkt[n] == kNone) {
      while (source_due(n, k)) {
        const std::uint64_t c = src_next[n];
        std::uint32_t dst, size;
        if (synthetic) {
          dst = pattern->destination(n, src_rng[n]);
          size = packet_size;
        } else {
          dst = trace[trace_pos[n]].dst;
          size = trace[trace_pos[n]].flits;
          ++trace_pos[n];
        }
        src_next[n] = next_arrival(n, c + 1);
        if (dst == kNoDestination) {
          ++stats.packets_suppressed;
          continue;
        }
        const std::uint32_t id = new_packet();
        Packet& p = packets[id];
        p = Packet{};
        p.src = n;
        p.dst = dst;
        p.size = static_cast<std::uint16_t>(size);
        p.created = stamp(c);
        p.seq = static_cast<std::uint32_t>(src_seq[n]++);
        p.measured = in_window(edge(n, c));
        ++stats.packets_created;
        ++eng.packets_live_;
        if (p.measured) {
          ++stats.packets_measured;
          stats.flits_offered_in_window += size;
        }
        src_pkt[n] = id;
        src_sent[n] = 0;
        src_vc[n] = kNoVc;
        break;
      }
      if (src_pkt[n] == kNone) return;
    }
    const std::size_t base = static_cast<std::size_t>(n) * VP + mesh::kLocal * V;
    if (src_vc[n] == kNoVc) {
      for (int i = 0; i < V; ++i) {
        const int v = (src_vc_ptr[n] + i) % V;
        pop_credits(base + v, k);
        const int c = ovc[base + v].credits;
        if (c > 0 && (!opt.router.wait_for_tail_credit || c == B)) {
          src_vc[n] = static_cast<std::uint8_t>(v);
          src_vc_ptr[n] = static_cast<std::uint8_t>((v + 1) % V);
          break;
        }
      }
      if (src_vc[n] == kNoVc) return;
    }
    const std::size_t iv = base + src_vc[n];  // the local input VC; its credit view is at the same index
    pop_credits(iv, k);
    if (ovc[iv].credits <= 0) return;
    Packet& p = packets[src_pkt[n]];
    const bool head = src_sent[n] == 0, tail = src_sent[n] + 1 == p.size;
    write_flit(iv, iv, n, Flit{src_pkt[n], stamp(k + l_inj), p.dst, 0, head, tail});
    ++stats.flits_injected;
    if (head) p.injected = stamp(k);
    if (++src_sent[n] == p.size) {
      src_pkt[n] = kNone;
      src_vc[n] = kNoVc;
    }
  }

  // Sends a flit on output VC `ov` (its credit view) into input VC `iv` of router m.
  void write_flit(std::size_t ov, std::size_t iv, std::uint32_t m, const Flit& f) {
    InVc& q = ivc[iv];
    if (opt.check_invariants) {
      if (ovc[ov].credits <= 0) broken(fmt::format("flit sent to input VC {} without a credit", iv));
      if (q.written - q.read >= static_cast<std::uint32_t>(B)) broken("buffer overflow");
    }
    --ovc[ov].credits;
    if (q.written == q.read) q.front = f;
    else buf[iv * R + (q.written & RM)] = f;
    ++q.written;
    ++node[m].flits_held;
    node[m].nonempty |= std::uint64_t{1} << (iv - static_cast<std::size_t>(m) * VP);
  }

  // ---- router pipeline ----
  std::uint64_t route_mask(std::uint32_t n, int in_port, int in_vc, std::uint32_t dst) const {
    const std::uint64_t all = (std::uint64_t{1} << V) - 1;
    if (xy_fast) {
      const int dc = col_[dst] - col_[n], dr = row_[dst] - row_[n];
      const int port = dc > 0 ? mesh::kEast : dc < 0 ? mesh::kWest : dr > 0 ? mesh::kSouth : dr < 0 ? mesh::kNorth : mesh::kLocal;
      return all << (port * V);
    }
    mesh::RouteSet set;
    routing.route(n, dst, static_cast<mesh::Port>(in_port), in_vc / vpc, set);
    std::uint64_t m = 0;
    const std::uint64_t cls = (std::uint64_t{1} << vpc) - 1;
    for (const auto& o : set) m |= cls << (o.port * V + o.vc * vpc);
    if (!m)
      throw std::runtime_error(fmt::format("{} routing has no output at node ({}, {}) for destination ({}, {})", routing.name(),
                                           fabric.row_of(n), fabric.col_of(n), fabric.row_of(dst), fabric.col_of(dst)));
    return m;
  }

  // The credit of a flit that left input VC `li` (router-local index) of router n at cycle k.
  void send_credit(std::uint32_t n, int li, std::uint64_t k) {
    const int p = port_of[li];
    std::uint64_t at;
    std::size_t ov;  // the upstream's output VC for this input VC
    if (p == mesh::kLocal) {
      at = k + credit_delay + l_inj;
      ov = static_cast<std::size_t>(n) * VP + li;  // the source's view of its local input VC
    } else {
      const auto m = static_cast<std::uint32_t>(n + off[p]);
      const int back = mesh::opposite(static_cast<mesh::Port>(p));
      at = to_receiver(n, m, k + credit_delay + link_lat[m * 4 + back], true, true);
      ov = static_cast<std::size_t>(m) * VP + back * V + vc_of[li];
    }
    OutVc& q = ovc[ov];
    if (opt.check_invariants && q.cred_written - q.cred_read >= static_cast<std::uint32_t>(B)) broken("credit ring overflow");
    if (q.cred_written == q.cred_read) q.cred_front = stamp(at);
    cred_time[ov * R + (q.cred_written & RM)] = stamp(at);
    ++q.cred_written;
  }

  void release_output(std::uint32_t n, int ovl) {
    if (port_of[ovl] == mesh::kLocal || !opt.router.wait_for_tail_credit) node[n].ov_free |= std::uint64_t{1} << ovl;
    else node[n].ov_releasing |= std::uint64_t{1} << ovl;
  }

  std::size_t downstream_iv(std::uint32_t n, int port, int vc) const {
    const auto m = static_cast<std::size_t>(n + off[port]);
    return m * VP + mesh::opposite(static_cast<mesh::Port>(port)) * V + vc;
  }

  void eject(std::uint32_t n, const Flit& f, std::uint64_t arrival_cycle) {
    const std::uint32_t id = f.pkt;
    const bool tail = f.tail;
    Packet& p = packets[id];
    if (f.head) p.hops = f.hops;
    const std::int64_t created_ps = edge(p.src, p.created);
    const std::int64_t t = edge(n, arrival_cycle);
    ++stats.flits_ejected;
    if (in_window(t)) ++stats.flits_ejected_in_window;
    ++p.ejected_flits;
    if (opt.check_invariants) {
      if (p.dst != n) broken("flit ejected at the wrong node");
      if (p.ejected_flits > p.size) broken("a packet ejected more flits than it has");
      if (tail && p.ejected_flits != p.size) broken("a tail ejected before all of its packet's flits");
    }
    if (!tail) return;
    if (p.measured) {
      const auto lat = static_cast<std::uint64_t>(t - created_ps);
      ++stats.packets_measured_done;
      stats.latency_sum_ps += lat;
      stats.network_latency_sum_ps += static_cast<std::uint64_t>(t - edge(p.src, p.injected));
      stats.hops_sum += p.hops;
      stats.max_latency_ps = std::max(stats.max_latency_ps, lat);
      stats.latency_cycles.add(lat / static_cast<std::uint64_t>(eng.reference_period_ps()));
    }
    if (opt.record_deliveries) eng.deliveries_.push_back({p.src, p.dst, p.seq, created_ps, t, p.hops, p.size});
    free_packets.push_back(id);
    --eng.packets_live_;
  }

  void transfer(std::uint32_t n, int li, std::uint64_t k, std::int64_t t) {
    const std::size_t iv = static_cast<std::size_t>(n) * VP + li;
    InVc& q = ivc[iv];
    Flit f = q.front;
    ++q.read;
    Node& nd = node[n];
    --nd.flits_held;
    if (q.read == q.written) nd.nonempty &= ~(std::uint64_t{1} << li);
    else q.front = buf[iv * R + (q.read & RM)];
    send_credit(n, li, k);
    const int ovl = q.out;
    const int o = port_of[ovl], w = vc_of[ovl];
    if (f.tail) {
      q.state = kIdle;
      release_output(n, ovl);
    }
    ++stats.flits_moved;
    if (o == mesh::kLocal) {
      eject(n, f, k + d_sw + l_ej);
      return;
    }
    const std::size_t div = downstream_iv(n, o, w);
    const auto m = static_cast<std::uint32_t>(n + off[o]);
    const bool counted = in_window(t);
    f.ready = stamp(to_receiver(n, m, k + d_sw + link_lat[n * 4 + o], false, counted));
    if (f.head) ++f.hops;
    write_flit(static_cast<std::size_t>(n) * VP + ovl, div, m, f);
    wake_at(m, f.ready);
    if (counted) ++stats.link_flits[n * 4 + o];
  }

  void step_router(std::uint32_t n, std::uint64_t k, std::int64_t t) {
    if (src_pkt[n] != kNone || source_due(n, k)) source_step(n, k);
    Node& nd = node[n];
    if (!nd.nonempty) return;
    const std::size_t base = static_cast<std::size_t>(n) * VP;
    // RC: heads at the front of idle VCs.
    std::uint64_t want_vc = 0;
    for (std::uint64_t m = nd.nonempty; m; m &= m - 1) {
      const int li = std::countr_zero(m);
      const std::size_t iv = base + li;
      InVc& q = ivc[iv];
      if (q.state == kIdle) {
        if (q.front.ready > k) continue;
        iv_route[iv] = route_mask(n, port_of[li], vc_of[li], q.front.dst);
        q.state = kWaitVc;
        q.elig = stamp(k + d_rc);
      }
      if (q.state == kWaitVc && q.elig <= k) want_vc |= std::uint64_t{1} << li;
    }
    // VA.
    if (want_vc) {
      for (std::uint64_t r = nd.ov_releasing; r; r &= r - 1) {
        const int ovl = std::countr_zero(r);
        pop_credits(base + ovl, k);
        if (ovc[base + ovl].credits == B) {
          nd.ov_releasing &= ~(std::uint64_t{1} << ovl);
          nd.ov_free |= std::uint64_t{1} << ovl;
        }
      }
      auto granted = [&](int li, int ovl) {
        nd.ov_free &= ~(std::uint64_t{1} << ovl);
        InVc& q = ivc[base + li];
        q.state = kActive;
        q.out = static_cast<std::uint8_t>(ovl);
        q.elig = stamp(k + d_va);
      };
      if (!(want_vc & (want_vc - 1))) {
        const int li = std::countr_zero(want_vc);
        const std::uint64_t r = iv_route[base + li] & nd.ov_free;
        if (r) granted(li, allocate_single(li, r, &va_in_ptr[base], &va_out_ptr[base], VP, VP));
      } else {
        std::uint64_t req[64];
        std::int8_t grant[64];
        bool any = false;
        for (int li = 0; li < VP; ++li) req[li] = 0;
        for (std::uint64_t w = want_vc; w; w &= w - 1) {
          const int li = std::countr_zero(w);
          req[li] = iv_route[base + li] & nd.ov_free;
          any |= req[li] != 0;
        }
        if (any) {
          AllocProblem prob{VP, VP, req, &va_in_ptr[base], &va_out_ptr[base], opt.router.alloc_iters, grant};
          va_fn(prob);
          for (std::uint64_t w = want_vc; w; w &= w - 1) {
            const int li = std::countr_zero(w);
            if (grant[li] >= 0) granted(li, grant[li]);
          }
        }
      }
    }
    // SA.
    std::uint64_t sa_req[kPorts * 8];
    std::uint64_t cand[kPorts * 8];
    for (int g = 0; g < kPorts * S; ++g) sa_req[g] = cand[g] = 0;
    std::uint64_t groups = 0;  // groups with a request
    for (std::uint64_t m = nd.nonempty; m; m &= m - 1) {
      const int li = std::countr_zero(m);
      const std::size_t iv = base + li;
      const InVc& q = ivc[iv];
      if (q.state != kActive || q.elig > k || q.front.ready > k) continue;
      const int o = port_of[q.out];
      if (o != mesh::kLocal) {
        pop_credits(base + q.out, k);
        if (ovc[base + q.out].credits <= 0) continue;
      }
      const int g = group_of[li];
      sa_req[g] |= std::uint64_t{1} << o;
      cand[g] |= std::uint64_t{1} << li;
      groups |= std::uint64_t{1} << g;
    }
    if (!groups) return;
    std::int8_t grant[kPorts * 8];
    const std::size_t gbase = static_cast<std::size_t>(n) * kPorts * S;
    std::uint8_t* out_ptr = &sa_out_ptr[static_cast<std::size_t>(n) * kPorts];
    if (!(groups & (groups - 1))) {
      const int g = std::countr_zero(groups);
      grant[g] = static_cast<std::int8_t>(allocate_single(g, sa_req[g], &sa_in_ptr[gbase], out_ptr, kPorts * S, kPorts));
    } else {
      AllocProblem prob{kPorts * S, kPorts, sa_req, &sa_in_ptr[gbase], out_ptr, opt.router.alloc_iters, grant};
      sa_fn(prob);
    }
    for (std::uint64_t gs = groups; gs; gs &= gs - 1) {
      const int g = std::countr_zero(gs);
      if (grant[g] < 0) continue;
      const int o = grant[g];
      std::uint64_t vcs = 0;
      for (std::uint64_t m = cand[g]; m; m &= m - 1) {
        const int li = std::countr_zero(m);
        if (port_of[ivc[base + li].out] == o) vcs |= std::uint64_t{1} << li;
      }
      const int li = round_robin_pick(vcs, sa_vc_ptr[gbase + g]);
      sa_vc_ptr[gbase + g] = next_pointer(li, VP);
      transfer(n, li, k, t);
    }
  }

  // The next cycle at which router n could do anything: k + 1 if it has a flit or packet that may
  // move then (it may be waiting for an allocation or a credit: polled), else the earliest cycle a
  // flit becomes usable or a pipeline stage or the next packet comes due; kNever if none.
  std::uint64_t next_work(std::uint32_t n, std::uint64_t k) const {
    if (src_pkt[n] != kNone) return k + 1;
    std::uint64_t next = src_next[n] < doms[dom[n]].create_limit ? std::max(src_next[n], k + 1) : kNever;
    const std::size_t base = static_cast<std::size_t>(n) * VP;
    for (std::uint64_t m = node[n].nonempty; m; m &= m - 1) {
      const InVc& q = ivc[base + std::countr_zero(m)];
      const std::uint64_t t = std::max<std::uint64_t>(q.front.ready, q.state == kIdle ? 0 : q.elig);
      if (t <= k + 1) return k + 1;
      next = std::min(next, t);
    }
    return next;
  }

  // Starts loading the records the next router's step reads first: a large mesh's state is far
  // bigger than the caches, and each router's input VCs were last written by its neighbours.
  void prefetch_router(std::uint32_t m) const {
    __builtin_prefetch(&node[m]);
    const char* p = reinterpret_cast<const char*>(&ivc[static_cast<std::size_t>(m) * VP]);
    for (int b = 0; b < VP * static_cast<int>(sizeof(InVc)); b += 64) __builtin_prefetch(p + b);
  }

  void step_domain(std::uint32_t d, std::uint64_t k, std::int64_t t) {
    Domain& D = doms[d];
    auto due = [&](std::uint32_t n, std::uint64_t c) {
      if (node[n].in_list || wake_cycle[n] != c) return;  // superseded by an earlier wake-up
      wake_cycle[n] = kNever;
      list(n, D);
    };
    while (!D.sleepers.empty() && D.sleepers.top().first <= k) {
      const auto [c, n] = D.sleepers.top();
      D.sleepers.pop();
      due(n, c);
    }
    auto& slot = D.wheel[k & (kWheel - 1)];
    if (!slot.empty()) {
      D.wheel_count -= slot.size();
      for (const std::uint32_t n : slot) due(n, k);
      slot.clear();
    }
    for (std::size_t w = 0; w < D.active.size(); ++w) {
      D.active[w] |= D.pending[w];
      D.pending[w] = 0;
    }
    for (std::size_t w = 0; w < D.active.size(); ++w) {
      for (std::uint64_t bits = D.active[w]; bits; bits &= bits - 1) {
        const int b = std::countr_zero(bits);
        const std::uint32_t n = D.members[w * 64 + b];
        if (const std::uint64_t later = bits & (bits - 1)) prefetch_router(D.members[w * 64 + std::countr_zero(later)]);
        step_router(n, k, t);
        const std::uint64_t next = next_work(n, k);
        if (next == k + 1) continue;
        D.active[w] &= ~(std::uint64_t{1} << b);
        --D.listed;
        node[n].in_list = 0;
        if (next != kNever) wake_at(n, next);
      }
    }
  }

  void reschedule(std::uint32_t d) {
    Domain& D = doms[d];
    if (D.listed > 0 || D.wheel_count > 0) {
      D.scheduled = true;
    } else if (!D.sleepers.empty()) {
      D.cycle = std::max(D.cycle, D.sleepers.top().first);
      D.scheduled = true;
    } else {
      D.scheduled = false;
      return;
    }
    schedule.emplace(clk.edge_ps(d, D.cycle), d);
  }

  void run_until(std::int64_t until) {
    while (!schedule.empty()) {
      const auto [t, d] = schedule.top();
      if (t >= until) break;
      schedule.pop();
      Domain& D = doms[d];
      if (!D.scheduled || clk.edge_ps(d, D.cycle) != t) continue;  // superseded entry
      step_domain(d, D.cycle, t);
      ++D.cycle;
      reschedule(d);
    }
  }

  void start_sources() {
    for (std::uint32_t n = 0; n < N; ++n) {
      if (!fabric.endpoint(n) || !fabric.router_alive(n)) continue;
      src_next[n] = next_arrival(n, 0);
      if (src_next[n] != kNever) wake_at(n, src_next[n]);
    }
  }
};

Engine::Engine(const mesh::Fabric& fabric, const mesh::Routing& routing, const ClockDomains& clocks, const EngineOptions& options)
    : clocks_(clocks) {
  impl_ = std::make_unique<Impl>(*this, fabric, routing, clocks, options);
}

Engine::~Engine() = default;

void Engine::set_traffic(const TrafficSpec& spec, const TrafficContext& ctx) {
  Impl& I = *impl_;
  I.synthetic = true;
  I.pattern = TrafficPatternRegistry::instance().find(spec.pattern)->create(ctx, spec.node);
  I.packet_size = static_cast<std::uint32_t>(spec.packet_size);
  I.bursty = spec.injection == TrafficSpec::Injection::kBursty;
  auto threshold = [](double p) {
    return p >= 1.0 ? std::numeric_limits<std::uint64_t>::max() : static_cast<std::uint64_t>(std::ldexp(p, 64));
  };
  double on_p = spec.rate / spec.packet_size;  // packets per cycle while on
  double pi_on = 1.0;
  if (I.bursty) {
    on_p = spec.on_rate / spec.packet_size;
    pi_on = spec.rate / spec.on_rate;  // stationary fraction of cycles on
    const double beta = 1.0 / spec.burst_length;
    const double alpha = pi_on >= 1.0 ? 1.0 : beta * pi_on / (1.0 - pi_on);
    I.on_off_thresh = pi_on >= 1.0 ? 0 : threshold(beta);
    I.off_on_thresh = threshold(std::min(alpha, 1.0));
  }
  I.p_always = on_p >= 1.0;
  I.p_thresh = threshold(on_p);
  const Rng root(I.opt.seed);
  I.src_rng.clear();
  I.src_rng.reserve(I.N);
  for (std::uint32_t n = 0; n < I.N; ++n) {
    I.src_rng.push_back(root.stream(n));
    if (I.bursty) I.src_on[n] = I.src_rng[n].uniform01() < pi_on;
  }
  I.start_sources();
}

void Engine::set_trace(std::vector<TracePacket> packets) {
  Impl& I = *impl_;
  I.synthetic = false;
  I.trace = std::move(packets);
  std::stable_sort(I.trace.begin(), I.trace.end(),
                   [](const TracePacket& a, const TracePacket& b) { return a.src != b.src ? a.src < b.src : a.cycle < b.cycle; });
  I.trace_pos.assign(I.N, 0);
  I.trace_end.assign(I.N, 0);
  for (std::size_t i = 0; i < I.trace.size(); ++i) {
    const std::uint32_t s = I.trace[i].src;
    if (I.trace_end[s] == 0) I.trace_pos[s] = static_cast<std::uint32_t>(i);
    I.trace_end[s] = static_cast<std::uint32_t>(i + 1);
  }
  I.start_sources();
}

void Engine::count_unmade_offered(std::int64_t until_ps) {
  Impl& I = *impl_;
  for (std::uint32_t n = 0; n < I.N; ++n) {
    for (std::uint64_t x = I.src_next[n]; x != kNever && x < I.doms[I.dom[n]].create_limit; x = I.next_arrival(n, x + 1)) {
      const std::int64_t t = I.edge(n, x);
      if (t >= I.window_end || t >= until_ps) break;
      if (t < I.window_begin) continue;
      stats_.flits_offered_in_window += I.synthetic ? I.packet_size : I.trace[I.trace_pos[n]].flits;
      if (!I.synthetic) ++I.trace_pos[n];
    }
    I.src_next[n] = kNever;
  }
}

void Engine::set_window(std::int64_t begin_ps, std::int64_t end_ps) {
  impl_->window_begin = begin_ps;
  impl_->window_end = end_ps;
}

void Engine::stop_creating_at(std::int64_t t_ps) {
  for (std::uint32_t d = 0; d < impl_->doms.size(); ++d) impl_->doms[d].create_limit = clocks_.first_edge_at_or_after(d, t_ps);
}

void Engine::run_until(std::int64_t t_ps) {
  impl_->run_until(t_ps);
  now_ps_ = std::max(now_ps_, t_ps);
}

std::size_t Engine::memory_bytes() const {
  const Impl& I = *impl_;
  auto bytes = [](const auto& v) { return v.capacity() * sizeof(v[0]); };
  std::size_t b = bytes(I.ivc) + bytes(I.ovc) + bytes(I.buf) + bytes(I.cred_time) + bytes(I.iv_route) + bytes(I.node) +
                  bytes(I.va_in_ptr) + bytes(I.va_out_ptr) + bytes(I.sa_in_ptr) + bytes(I.sa_out_ptr) + bytes(I.sa_vc_ptr) +
                  bytes(I.src_pkt) + bytes(I.src_sent) + bytes(I.src_vc) + bytes(I.src_vc_ptr) + bytes(I.src_on) + bytes(I.src_next) +
                  bytes(I.src_seq) + bytes(I.src_rng) + I.packets.size() * sizeof(Packet) + bytes(I.free_packets) + bytes(I.link_lat) +
                  bytes(I.link_mm) + bytes(stats_.link_flits);
  b += bytes(I.index_in_domain);
  for (const auto& d : I.doms) b += bytes(d.members) + bytes(d.active) + bytes(d.pending) + d.sleepers.size() * 16;
  return b;
}

double Engine::link_bit_mm() const {
  const Impl& I = *impl_;
  double sum = 0.0;
  for (std::size_t i = 0; i < stats_.link_flits.size(); ++i) sum += static_cast<double>(stats_.link_flits[i]) * I.link_mm[i];
  return sum * I.opt.channels.flit_bytes * 8;
}

double Engine::zero_load_latency(const RouterSpec& r, const ChannelSpec& c, double hops, int flits) {
  return c.injection_latency + (hops + 1) * r.hop_delay() + hops * c.latency + c.ejection_latency + (flits - 1);
}

}  // namespace wafersim::sim
