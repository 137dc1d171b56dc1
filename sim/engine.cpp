#include "sim/engine.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <atomic>
#include <bit>
#include <limits>

#include "core/allocator.hpp"
#include "core/input_error.hpp"
#include "core/interrupt.hpp"
#include "sim/impl/domain_schedule.hpp"
#include "sim/impl/engine_records.hpp"
#include "sim/impl/measurement.hpp"
#include "sim/impl/packet_pool.hpp"
#include "sim/impl/partition.hpp"
#include "sim/impl/step_team.hpp"
#include "sim/impl/traffic_sources.hpp"

namespace wafersim::sim {
using namespace engine_impl;

// Hidden, as everything in sim/impl/: no PLT hop for a call the compiler does not inline.
struct [[gnu::visibility("hidden")]] Engine::Impl {
  Engine& eng;
  const mesh::Fabric& fabric;
  const mesh::Routing& routing;
  const ClockDomains& clk;
  EngineOptions opt;

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
  // Multicast (sim/multicast.hpp): the groups, and per input VC the branch state of a multicast at
  // its front (sized on the first add_multicast: unicast runs pay nothing). mc_cls: the tree
  // class's VCs within one port.
  std::vector<McGroup> mc_groups;
  std::vector<McState> mc;
  int mc_class = -1;
  std::uint64_t mc_cls = 0;
  // Output VCs of the escape class (0 when the routing has none). See adaptive_first().
  std::uint64_t escape_vcs = 0;
  // Per node.
  std::vector<Node> node;
  std::vector<std::uint8_t> va_in_ptr, va_out_ptr, sa_in_ptr, sa_out_ptr, sa_vc_ptr;
  // The traffic source at every tile (sim/impl/traffic_sources.hpp).
  TrafficSources src;

  // When each domain steps, and which routers (sim/impl/domain_schedule.hpp).
  DomainSchedule sched;
  MeasurementWindow window;

  // Partitions: bands of rows, one per thread. A packet id is (index in its pool) << pbits | pool.
  std::vector<Part> parts;
  std::vector<std::uint8_t> part_of;  // [node]
  unsigned pbits = 0;
  std::uint32_t pmask = 0;
  // The current step: the domains with an edge at time step_t.
  std::vector<std::uint32_t> step_set;
  std::int64_t step_t = 0, until_ = 0;
  const std::atomic<bool>* stop_flag = &interrupt_flag();
  bool stopped = false;  // the last run_until ended early on Ctrl-C
  // The threads of partitions 1.. (sim/impl/step_team.hpp). Declared last: destroyed (its threads
  // stopped) before the state they step.
  std::unique_ptr<StepTeam<Impl>> team;

  Impl(Engine& e, const mesh::Fabric& f, const mesh::Routing& r, const ClockDomains& c, const EngineOptions& o)
      : eng(e), fabric(f), routing(r), clk(c), opt(o), dom(c.domain_of_node()), src(f.nodes()), sched(c, f.nodes()) {
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
    if (const int e = routing.escape_class(); e >= 0 && classes > 1) {
      const std::uint64_t cls = ((std::uint64_t{1} << vpc) - 1) << (e * vpc);
      for (int p = 0; p < kPorts; ++p) escape_vcs |= cls << (p * V);
    }
    xy_fast = routing.dimension_order();
    mc_class = routing.multicast_class();
    if (mc_class >= 0) mc_cls = ((std::uint64_t{1} << vpc) - 1) << (mc_class * vpc);
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
    if (N >= kMcBit) throw InputError(fmt::format("the fabric has {} nodes; the engine handles up to 2^31", N));
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
        link_lat[n * 4 + p] = static_cast<std::uint16_t>(opt.channels.link_latency(fabric, static_cast<std::uint32_t>(n), p));
        link_mm[n * 4 + p] = static_cast<float>(len * (horizontal ? opt.tile_pitch_x_mm : opt.tile_pitch_y_mm));
      }
    }
    if (const std::string why = routing.serves(); !why.empty()) throw InputError(why);

    const std::size_t IV = N * VP;
    // The per-VC and per-node arrays below are nearly all of the state: refuse what cannot fit.
    const double need = static_cast<double>(IV) * static_cast<double>(sizeof(InVc) + sizeof(OutVc) + sizeof(iv_route[0]) +
                                                                      R * (sizeof(Flit) + sizeof(cred_time[0])) + 2 * sizeof(va_in_ptr[0])) +
                        static_cast<double>(N) * static_cast<double>(sizeof(Node) + 4 * (sizeof(link_lat[0]) + sizeof(link_mm[0]) + 8) + 64);
    const double limit = static_cast<double>(opt.memory_limit_bytes ? opt.memory_limit_bytes : usable_memory_bytes());
    if (need > limit)
      throw InputError(fmt::format("the cycle engine needs about {:.3g} GB for {} routers with {} VCs of {} flits; {:.3g} GB are available "
                                   "(simulate a smaller fabric, or fewer VCs or buffers)", need / 1e9, N, V, B, limit / 1e9));
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
    eng.stats_.link_flits.assign(N * 4, 0);
    make_parts();
    size_domain_counters(eng.stats_, clk.size());
  }

  // Splits the rows into opt.threads bands of about equal router count and starts their threads.
  void make_parts() {
    const std::size_t rows = fabric.rows(), cols = fabric.cols();
    if (opt.threads < 1 || opt.threads > 64) throw InputError(fmt::format("threads: must be in [1, 64], got {}", opt.threads));
    const auto P = static_cast<std::uint32_t>(std::min<std::size_t>(static_cast<std::size_t>(opt.threads), rows));
    pbits = static_cast<unsigned>(std::bit_width(P - 1));
    pmask = (1u << pbits) - 1;
    parts.resize(P);
    part_of.assign(N, 0);
    for (std::uint32_t p = 0; p < P; ++p) {
      Part& W = parts[p];
      W.index = p;
      W.lo = band_begin(rows, cols, p, P);
      W.hi = band_begin(rows, cols, p + 1, P);
      for (std::uint32_t n = W.lo; n < W.hi; ++n) part_of[n] = static_cast<std::uint8_t>(p);
      W.slot.assign(clk.size(), kNone);
      W.pool = std::make_unique<PacketPool>(std::size_t{1} << (32 - pbits));
      W.returns.resize(P);
      W.flit_out.resize(P);
      W.credit_out.resize(P);
      size_domain_counters(W.stats, clk.size());
      for (std::uint32_t n = W.lo; n < W.hi; ++n) {
        const std::uint32_t d = dom[n];
        if (W.slot[d] == kNone) {
          W.slot[d] = static_cast<std::uint32_t>(W.doms.size());
          W.doms.emplace_back();
          sched.doms[d].parts.emplace_back(p, W.slot[d]);
        }
        DomainPart& DP = W.doms[W.slot[d]];
        sched.index_in_domain[n] = static_cast<std::uint32_t>(DP.members.size());
        DP.members.push_back(n);
      }
      for (DomainPart& DP : W.doms) {
        DP.finish_members();
      }
    }
    team = std::make_unique<StepTeam<Impl>>(*this, P);
  }

  Part& part(std::uint32_t n) { return parts[part_of[n]]; }
  Packet& pkt(std::uint32_t id) { return (*parts[id & pmask].pool)[id >> pbits]; }
  DomainPart& dpart(Part& W, std::uint32_t n) { return W.doms[W.slot[dom[n]]]; }

  [[noreturn]] void broken(const std::string& what) const { throw InvariantError("engine invariant broken: " + what); }

  bool in_window(std::int64_t t) const { return window.contains(t); }
  std::int64_t edge(std::uint32_t n, std::uint64_t k) const { return clk.edge_ps(dom[n], k); }

  std::uint32_t stamp(std::uint64_t cycle) const {
    if (cycle >= kMaxCycle) throw std::runtime_error("simulation ran past 4.2e9 cycles of a clock domain (32-bit cycle stamps)");
    return static_cast<std::uint32_t>(cycle);
  }

  // The receiver's cycle at which something sent from `from` arriving at sender cycle `k` is usable.
  std::uint64_t to_receiver(Part& W, std::uint32_t from, std::uint32_t to, std::uint64_t k, bool credit, bool count) {
    if (sched.single_domain) return k;
    const std::uint32_t ds = dom[from], dr = dom[to];
    if (ds == dr) return k;
    const std::int64_t t = clk.edge_ps(ds, k);
    if (count) count_crossing(W.stats, ds, dr, credit);
    return clk.first_edge_at_or_after(dr, t) + static_cast<std::uint64_t>(sync);
  }

  void list(std::uint32_t n, DomainPart& DP) {
    node[n].in_list = 1;
    DP.list(sched.index_in_domain[n]);
  }

  // Router m (of partition W) has something to do at cycle c of its clock (c is in the future);
  // nothing to note if it is listed already, or due to wake up as early.
  void wake_at(Part& W, std::uint32_t m, std::uint64_t c) {
    if (node[m].in_list || !sched.wakes_earlier(m, c)) return;
    sched.wake_at(dpart(W, m), W.wakes_out, dom[m], m, c);
  }

  // Between steps: domains woken for an earlier edge than they had.
  void apply_wakes() {
    for (Part& W : parts) sched.apply_wakes(W.wakes_out);
  }

  [[gnu::always_inline]] void pop_credits(std::size_t ov, std::uint64_t k) {
    OutVc& q = ovc[ov];
    while (q.cred_read != q.cred_written && q.cred_front <= k) {
      ++q.credits;
      ++q.cred_read;
      if (q.cred_read != q.cred_written) q.cred_front = cred_time[ov * R + (q.cred_read & RM)];
      if (opt.check_invariants && q.credits > B) broken("more credits than buffer slots");
    }
  }

  // ---- sources: the injection step (what is made and when: sim/impl/traffic_sources.hpp) ----
  std::uint64_t create_limit(std::uint32_t n) const { return sched.doms[dom[n]].create_limit; }

  // Source n has a packet to make at cycle k (the limit is read only when one is due: this runs at
  // every router step).
  bool source_due(std::uint32_t n, std::uint64_t k) const { return src.next[n] <= k && src.next[n] < create_limit(n); }

  std::uint32_t new_packet(Part& W) { return W.pool->take() << pbits | W.index; }

  [[gnu::always_inline]] void source_step(Part& W, std::uint32_t n, std::uint64_t k) {
    if (src.pkt[n] == kNone) {
      while (source_due(n, k)) {
        const std::uint64_t c = src.next[n];
        std::uint32_t dst, size;
        src.take(n, create_limit(n), dst, size);
        if (dst == kNoDestination) {
          ++W.stats.packets_suppressed;
          continue;
        }
        const std::uint32_t id = new_packet(W);
        Packet& p = pkt(id);
        p = Packet{};
        p.src = n;
        p.dst = dst;
        p.size = static_cast<std::uint16_t>(size);
        p.created = stamp(c);
        p.seq = static_cast<std::uint32_t>(src.seq[n]++);
        p.measured = in_window(edge(n, c));
        ++W.stats.packets_created;
        ++W.live;
        if (p.measured) {
          const std::uint64_t copies = dst & kMcBit ? mc_groups[dst & ~kMcBit].set.size() : 1;
          W.stats.packets_measured += copies;
          W.stats.flits_offered_in_window += size * copies;
        }
        src.pkt[n] = id;
        src.sent[n] = 0;
        src.vc[n] = kNoVc;
        break;
      }
      if (src.pkt[n] == kNone) return;
    }
    const std::size_t base = static_cast<std::size_t>(n) * VP + mesh::kLocal * V;
    if (src.vc[n] == kNoVc) {
      for (int i = 0; i < V; ++i) {
        const int v = (src.vc_ptr[n] + i) % V;
        pop_credits(base + v, k);
        const int c = ovc[base + v].credits;
        if (c > 0 && (!opt.router.wait_for_tail_credit || c == B)) {
          src.vc[n] = static_cast<std::uint8_t>(v);
          src.vc_ptr[n] = static_cast<std::uint8_t>((v + 1) % V);
          break;
        }
      }
      if (src.vc[n] == kNoVc) return;
    }
    const std::size_t iv = base + src.vc[n];  // the local input VC; its credit view is at the same index
    pop_credits(iv, k);
    if (ovc[iv].credits <= 0) return;
    Packet& p = pkt(src.pkt[n]);
    const bool head = src.sent[n] == 0, tail = src.sent[n] + 1 == p.size;
    take_credit(iv);
    receive_flit(iv, n, Flit{src.pkt[n], stamp(k + l_inj), p.dst, 0, head, tail});
    ++W.stats.flits_injected;
    if (head) p.injected = stamp(k);
    if (++src.sent[n] == p.size) {
      src.pkt[n] = kNone;
      src.vc[n] = kNoVc;
    }
  }

  // A flit leaves on output VC `ov`: it takes one of the credits the sender holds.
  [[gnu::always_inline]] void take_credit(std::size_t ov) {
    if (opt.check_invariants && ovc[ov].credits <= 0) broken(fmt::format("flit sent on output VC {} without a credit", ov));
    --ovc[ov].credits;
  }

  // A flit arrives in input VC `iv` of router m (written by m's partition).
  [[gnu::always_inline]] void receive_flit(std::size_t iv, std::uint32_t m, const Flit& f) {
    InVc& q = ivc[iv];
    if (opt.check_invariants && q.written - q.read >= static_cast<std::uint32_t>(B)) broken("buffer overflow");
    if (q.written == q.read) q.front = f;
    else buf[iv * R + (q.written & RM)] = f;
    ++q.written;
    ++node[m].flits_held;
    node[m].nonempty |= std::uint64_t{1} << (iv - static_cast<std::size_t>(m) * VP);
  }

  // ---- router pipeline ----
  [[gnu::always_inline]] std::uint64_t route_mask(std::uint32_t n, int in_port, int in_vc, std::uint32_t dst) const {
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
  [[gnu::always_inline]] void send_credit(Part& W, std::uint32_t n, int li, std::uint64_t k) {
    const int p = port_of[li];
    std::uint64_t at;
    std::size_t ov;  // the upstream's output VC for this input VC
    if (p == mesh::kLocal) {
      at = k + credit_delay + l_inj;
      ov = static_cast<std::size_t>(n) * VP + li;  // the source's view of its local input VC
    } else {
      const auto m = static_cast<std::uint32_t>(n + off[p]);
      const int back = mesh::opposite(static_cast<mesh::Port>(p));
      at = to_receiver(W, n, m, k + credit_delay + link_lat[m * 4 + back], true, true);
      ov = static_cast<std::size_t>(m) * VP + back * V + vc_of[li];
      if (m < W.lo || m >= W.hi) {
        W.credit_out[part_of[m]].push_back({static_cast<std::uint32_t>(ov), stamp(at)});
        return;
      }
    }
    receive_credit(ov, stamp(at));
  }

  // A credit for output VC `ov`, usable from cycle `at` (written by ov's partition).
  [[gnu::always_inline]] void receive_credit(std::size_t ov, std::uint32_t at) {
    OutVc& q = ovc[ov];
    if (opt.check_invariants && q.cred_written - q.cred_read >= static_cast<std::uint32_t>(B)) broken("credit ring overflow");
    if (q.cred_written == q.cred_read) q.cred_front = at;
    cred_time[ov * R + (q.cred_written & RM)] = at;
    ++q.cred_written;
  }

  // An output VC is reusable at once, or only once its tail's credit is back (its downstream
  // buffer empty): with wait_for_tail_credit, and always for the adaptive VCs of an escape-VC
  // scheme (see adaptive_first()).
  void release_output(std::uint32_t n, int ovl) {
    const bool atomic = opt.router.wait_for_tail_credit || (escape_vcs && !(escape_vcs >> ovl & 1));
    if (port_of[ovl] == mesh::kLocal || !atomic) node[n].ov_free |= std::uint64_t{1} << ovl;
    else node[n].ov_releasing |= std::uint64_t{1} << ovl;
  }

  std::size_t downstream_iv(std::uint32_t n, int port, int vc) const {
    const auto m = static_cast<std::size_t>(n + off[port]);
    return m * VP + mesh::opposite(static_cast<mesh::Port>(port)) * V + vc;
  }

  // Gives a finished packet's record back: now to its own pool, or to another band's at the barrier.
  [[gnu::always_inline]] void finish_packet(Part& W, std::uint32_t id) {
    if ((id & pmask) == W.index) W.pool->give_back(id >> pbits);
    else W.returns[id & pmask].push_back(id >> pbits);
    --W.live;
  }

  // A multicast copy at member n. Each member's tail is one delivery (with its own latency and
  // hops); the record is freed by whichever partition ejects the last member's tail, so the count
  // of tails is atomic (partitions eject members of one packet in the same step). Everything the
  // copy reads of the record is read before its count is added.
  [[gnu::noinline]] void eject_multicast(Part& W, std::uint32_t n, const Flit& f, std::uint64_t arrival_cycle) {
    Packet& p = pkt(f.pkt);
    const McGroup& g = mc_groups[p.dst & ~kMcBit];
    const std::int64_t t = edge(n, arrival_cycle);
    ++W.stats.flits_ejected;
    if (in_window(t)) ++W.stats.flits_ejected_in_window;
    if (opt.check_invariants && !g.set.contains(n)) broken("a multicast flit ejected at a node outside its set");
    if (!f.tail) return;
    const std::int64_t created_ps = edge(p.src, p.created);
    if (p.measured) count_delivery(W.stats, created_ps, edge(p.src, p.injected), t, f.hops, eng.reference_period_ps());
    if (opt.record_deliveries) W.deliveries.push_back({p.src, n, p.seq, created_ps, t, f.hops, p.size});
    const std::size_t members = g.set.size();
    const std::size_t tails = std::atomic_ref<std::uint16_t>(p.ejected_flits).fetch_add(1) + std::size_t{1};
    if (tails == members) finish_packet(W, f.pkt);
    else if (opt.check_invariants && tails > members) broken("a multicast delivered more copies than its set has members");
  }

  [[gnu::always_inline]] void eject(Part& W, std::uint32_t n, const Flit& f, std::uint64_t arrival_cycle) {
    const std::uint32_t id = f.pkt;
    const bool tail = f.tail;
    Packet& p = pkt(id);
    if (p.dst & kMcBit) {
      eject_multicast(W, n, f, arrival_cycle);
      return;
    }
    Stats& stats = W.stats;
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
    if (p.measured) count_delivery(stats, created_ps, edge(p.src, p.injected), t, p.hops, eng.reference_period_ps());
    if (opt.record_deliveries) W.deliveries.push_back({p.src, p.dst, p.seq, created_ps, t, p.hops, p.size});
    finish_packet(W, id);
  }

  // The front flit of input VC li leaves its buffer; its credit goes back upstream.
  [[gnu::always_inline]] void pop_front(Part& W, std::uint32_t n, int li, std::uint64_t k) {
    const std::size_t iv = static_cast<std::size_t>(n) * VP + li;
    InVc& q = ivc[iv];
    ++q.read;
    Node& nd = node[n];
    --nd.flits_held;
    if (q.read == q.written) nd.nonempty &= ~(std::uint64_t{1} << li);
    else q.front = buf[iv * R + (q.read & RM)];
    send_credit(W, n, li, k);
  }

  // Flit f crosses the switch at cycle k onto output VC ovl (router-local) of router n.
  [[gnu::always_inline]] void send_out(Part& W, std::uint32_t n, int ovl, Flit f, std::uint64_t k, std::int64_t t) {
    const int o = port_of[ovl], w = vc_of[ovl];
    ++W.stats.flits_moved;
    if (o == mesh::kLocal) {
      eject(W, n, f, k + d_sw + l_ej);
      return;
    }
    const std::size_t div = downstream_iv(n, o, w);
    const auto m = static_cast<std::uint32_t>(n + off[o]);
    const bool counted = in_window(t);
    f.ready = stamp(to_receiver(W, n, m, k + d_sw + link_lat[n * 4 + o], false, counted));
    ++f.hops;  // every flit counts its links: a multicast copy's tail reports its member's hops
    take_credit(static_cast<std::size_t>(n) * VP + ovl);
    if (m >= W.lo && m < W.hi) {
      receive_flit(div, m, f);
      wake_at(W, m, f.ready);
    } else {
      W.flit_out[part_of[m]].push_back({static_cast<std::uint32_t>(div), m, f});
    }
    if (counted) ++eng.stats_.link_flits[n * 4 + o];
  }

  [[gnu::always_inline]] void transfer(Part& W, std::uint32_t n, int li, std::uint64_t k, std::int64_t t) {
    InVc& q = ivc[static_cast<std::size_t>(n) * VP + li];
    const Flit f = q.front;
    pop_front(W, n, li, k);
    const int ovl = q.out;
    if (f.tail) {
      q.state = kIdle;
      release_output(n, ovl);
    }
    send_out(W, n, ovl, f, k, t);
  }

  // ---- multicast: the tree's branches at one router (sim/multicast.hpp) ----
  // Kept out of line (and the unicast helpers above forced inline): the router step stays the
  // size it was, so the compiler inlines the unicast path as before (measured with callgrind).
  // Route computation for a multicast head: its branches here, each to be given an output VC of
  // the tree class.
  [[gnu::noinline]] void mc_route(std::uint32_t n, int li) {
    const std::size_t iv = static_cast<std::size_t>(n) * VP + li;
    const McGroup& g = mc_groups[ivc[iv].front.dst & ~kMcBit];
    const unsigned ports = g.set.tree_ports(g.src, n, port_of[li]);
    for (int p = 0; p < 4; ++p)
      if ((ports >> p & 1) && !link_lat[n * 4 + p])
        throw std::logic_error(fmt::format("multicast tree from ({}, {}) leaves ({}, {}) {} over a missing link", fabric.row_of(g.src),
                                           fabric.col_of(g.src), fabric.row_of(n), fabric.col_of(n), mesh::port_name(p)));
    if (!ports) broken("a multicast head at a router off its tree");
    McState& m = mc[iv];
    m.ports = m.pending = static_cast<std::uint8_t>(ports);
  }

  // VA for multicast heads. Multicast is virtual cut-through: a packet is at most one VC buffer
  // long (checked at injection), and a head takes, all at once or not at all, a free output VC of
  // the tree class on every branch link whose downstream buffer is empty (every credit back).
  // From then on no branch can run out of credits, so the packet leaves this router after switch
  // arbitration alone, and it only ever waits as a whole, in one buffer, at VA, on XY successors of
  // the channel it is in (mesh/channel_dependency.hpp, check_multicast_deadlock). In wormhole
  // form a tree's branches are coupled through the buffer they share: a branch held while
  // another waits lets two trees each hold what the other needs (Lin & Ni 1991; the functional
  // SUMMA test on duato found it in the first version). The local branch takes no VC: ejection
  // consumes every flit it is given, so it stays a sink. Done before unicast VA.
  [[gnu::noinline]] void mc_allocate(std::uint32_t n, std::uint64_t want, std::uint64_t k) {
    Node& nd = node[n];
    const std::size_t base = static_cast<std::size_t>(n) * VP;
    for (std::uint64_t w = want; w; w &= w - 1) {
      const int li = std::countr_zero(w);
      McState& m = mc[base + li];
      std::uint64_t take = 0;
      bool all = true;
      for (unsigned b = m.ports & 0xFu; b && all; b &= b - 1) {
        const int p = std::countr_zero(b);
        all = false;
        for (std::uint64_t free = (mc_cls << (p * V)) & nd.ov_free; free; free &= free - 1) {
          const int ovl = std::countr_zero(free);
          pop_credits(base + ovl, k);
          if (ovc[base + ovl].credits != B) continue;
          m.vc[p] = static_cast<std::uint8_t>(ovl);
          take |= std::uint64_t{1} << ovl;
          all = true;
          break;
        }
      }
      if (!all) continue;
      m.vc[mesh::kLocal] = static_cast<std::uint8_t>(mesh::kLocal * V);  // names the port only
      nd.ov_free &= ~take;
      InVc& q = ivc[base + li];
      q.state = kActive;
      q.out = m.vc[std::countr_zero(static_cast<unsigned>(m.ports))];
      q.elig = stamp(k + d_va);
    }
  }

  // The branches of a multicast VC's front flit that could take it now (credit downstream).
  [[gnu::noinline]] unsigned mc_ready_branches(std::size_t iv, std::size_t base, std::uint64_t k) {
    const McState& m = mc[iv];
    unsigned ready = 0;
    for (unsigned b = m.pending; b; b &= b - 1) {
      const int p = std::countr_zero(b);
      if (p != mesh::kLocal) {
        pop_credits(base + m.vc[p], k);
        if (ovc[base + m.vc[p]].credits <= 0) continue;
      }
      ready |= 1u << p;
    }
    return ready;
  }

  // The front flit of multicast VC li crosses the switch to the branches `ports` in one
  // traversal; it leaves its buffer once every branch has it (asynchronous replication).
  [[gnu::noinline]] void mc_transfer(Part& W, std::uint32_t n, int li, unsigned ports, std::uint64_t k, std::int64_t t) {
    const std::size_t iv = static_cast<std::size_t>(n) * VP + li;
    InVc& q = ivc[iv];
    McState& m = mc[iv];
    const Flit f = q.front;
    const int copies = std::popcount(ports);
    W.stats.flits_copied += static_cast<std::uint64_t>(m.pending == m.ports ? copies - 1 : copies);
    for (unsigned b = ports; b; b &= b - 1) send_out(W, n, m.vc[std::countr_zero(b)], f, k, t);
    m.pending &= static_cast<std::uint8_t>(~ports);
    if (m.pending) return;
    pop_front(W, n, li, k);
    if (!f.tail) {
      m.pending = m.ports;
      return;
    }
    q.state = kIdle;
    for (unsigned b = m.ports & 0xFu; b; b &= b - 1) release_output(n, m.vc[std::countr_zero(b)]);
  }

  // The free output VCs a head requests under an escape-VC scheme (Duato): its adaptive ones if
  // any is free, else its escape ones.
  //  - Escape last: a packet that takes the escape while an adaptive VC is free follows the
  //    non-minimal up*/down* tree for the rest of its path, so it is the way out of a blocked
  //    state, not an equal choice.
  //  - Adaptive VCs are allocated atomically (release_output() frees them only once empty). A
  //    head committed to an adaptive VC still holding another packet's tail waits on that packet
  //    alone and can no longer fall back to the escape; a cycle of such waits is a deadlock
  //    Duato's condition does not cover. The escape class keeps non-atomic allocation: its
  //    channel dependencies are acyclic.
  //  - Escape after a wait: a head that could go adaptive takes the escape only once it has waited
  //    router.escape_wait cycles (from `since`, when it began to wait for a VC) for a free adaptive
  //    VC; one with no adaptive VC on its route (already on the escape) takes it at once.
  std::uint64_t adaptive_first(std::uint64_t route, std::uint64_t free_route, std::uint64_t k, std::uint32_t since) const {
    const std::uint64_t adaptive = free_route & ~escape_vcs;
    if (adaptive) return adaptive;
    if ((route & ~escape_vcs) && k < since + static_cast<std::uint64_t>(opt.router.escape_wait)) return 0;
    return free_route;
  }

  // kMc: the run has multicasts. Without them the multicast branches are compiled out, so a
  // unicast run steps exactly the code it did before multicast existed.
  template <bool kMc>
  void step_router(Part& W, std::uint32_t n, std::uint64_t k, std::int64_t t) {
    if (src.pkt[n] != kNone || source_due(n, k)) source_step(W, n, k);
    Node& nd = node[n];
    if (!nd.nonempty) return;
    const std::size_t base = static_cast<std::size_t>(n) * VP;
    // RC: heads at the front of idle VCs.
    std::uint64_t want_vc = 0, want_mc = 0;
    for (std::uint64_t m = nd.nonempty; m; m &= m - 1) {
      const int li = std::countr_zero(m);
      const std::size_t iv = base + li;
      InVc& q = ivc[iv];
      if (q.state == kIdle) {
        if (q.front.ready > k) continue;
        if (kMc && (q.front.dst & kMcBit)) mc_route(n, li);
        else iv_route[iv] = route_mask(n, port_of[li], vc_of[li], q.front.dst);
        q.state = kWaitVc;
        q.elig = stamp(k + d_rc);
      }
      if (q.state == kWaitVc && q.elig <= k) {
        if (kMc && (q.front.dst & kMcBit)) want_mc |= std::uint64_t{1} << li;
        else want_vc |= std::uint64_t{1} << li;
      }
    }
    // VA.
    if (want_vc | want_mc) {
      for (std::uint64_t r = nd.ov_releasing; r; r &= r - 1) {
        const int ovl = std::countr_zero(r);
        pop_credits(base + ovl, k);
        if (ovc[base + ovl].credits == B) {
          nd.ov_releasing &= ~(std::uint64_t{1} << ovl);
          nd.ov_free |= std::uint64_t{1} << ovl;
        }
      }
      if (want_mc) mc_allocate(n, want_mc, k);
      auto granted = [&](int li, int ovl) {
        nd.ov_free &= ~(std::uint64_t{1} << ovl);
        InVc& q = ivc[base + li];
        q.state = kActive;
        q.out = static_cast<std::uint8_t>(ovl);
        q.elig = stamp(k + d_va);
      };
      if (!want_vc) {
      } else if (!(want_vc & (want_vc - 1))) {
        const int li = std::countr_zero(want_vc);
        const std::uint64_t r = adaptive_first(iv_route[base + li], iv_route[base + li] & nd.ov_free, k, ivc[base + li].elig);
        if (r) granted(li, allocate_single(li, r, &va_in_ptr[base], &va_out_ptr[base], VP, VP));
      } else {
        std::uint64_t req[64];
        std::int8_t grant[64];
        bool any = false;
        for (int li = 0; li < VP; ++li) req[li] = 0;
        for (std::uint64_t w = want_vc; w; w &= w - 1) {
          const int li = std::countr_zero(w);
          req[li] = adaptive_first(iv_route[base + li], iv_route[base + li] & nd.ov_free, k, ivc[base + li].elig);
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
    std::uint64_t mc_vcs = 0;  // multicast VCs among the requests, and the branches each asks for
    std::uint8_t mc_req[kPorts * 8];
    for (std::uint64_t m = nd.nonempty; m; m &= m - 1) {
      const int li = std::countr_zero(m);
      const std::size_t iv = base + li;
      const InVc& q = ivc[iv];
      if (q.state != kActive || q.elig > k || q.front.ready > k) continue;
      if (kMc && (q.front.dst & kMcBit)) {
        const unsigned ready = mc_ready_branches(iv, base, k);
        if (!ready) continue;
        const int g = group_of[li];
        mc_req[li] = static_cast<std::uint8_t>(ready);
        mc_vcs |= std::uint64_t{1} << li;
        sa_req[g] |= ready;
        cand[g] |= std::uint64_t{1} << li;
        groups |= std::uint64_t{1} << g;
        continue;
      }
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
    // A multicast granted one output also takes the other branches it asked for whose outputs
    // no grant uses this cycle: the crossbar drives several outputs from one input.
    unsigned taken = 0;
    if (mc_vcs)
      for (std::uint64_t gs = groups; gs; gs &= gs - 1)
        if (grant[std::countr_zero(gs)] >= 0) taken |= 1u << grant[std::countr_zero(gs)];
    for (std::uint64_t gs = groups; gs; gs &= gs - 1) {
      const int g = std::countr_zero(gs);
      if (grant[g] < 0) continue;
      const int o = grant[g];
      std::uint64_t vcs = 0;
      for (std::uint64_t m = cand[g]; m; m &= m - 1) {
        const int li = std::countr_zero(m);
        const bool wants = (mc_vcs >> li & 1) ? (mc_req[li] >> o & 1) : port_of[ivc[base + li].out] == o;
        if (wants) vcs |= std::uint64_t{1} << li;
      }
      const int li = round_robin_pick(vcs, sa_vc_ptr[gbase + g]);
      sa_vc_ptr[gbase + g] = next_pointer(li, VP);
      if (mc_vcs >> li & 1) {
        const unsigned ports = (1u << o) | (mc_req[li] & ~taken);
        taken |= ports;
        mc_transfer(W, n, li, ports, k, t);
      } else {
        transfer(W, n, li, k, t);
      }
    }
  }

  // The next cycle at which router n could do anything: k + 1 if it has a flit or packet that may
  // move then (it may be waiting for an allocation or a credit: polled), else the earliest cycle a
  // flit becomes usable or a pipeline stage or the next packet comes due; kNever if none.
  std::uint64_t next_work(std::uint32_t n, std::uint64_t k) const {
    if (src.pkt[n] != kNone) return k + 1;
    std::uint64_t next = src.next[n] < create_limit(n) ? std::max(src.next[n], k + 1) : kNever;
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

  // Steps partition W's routers of domain d at its cycle k (time t).
  void step_domain(Part& W, DomainPart& D, std::uint64_t k, std::int64_t t) {
    auto due = [&](std::uint32_t n, std::uint64_t c) {
      if (node[n].in_list || sched.wake_cycle[n] != c) return;  // superseded by an earlier wake-up
      sched.wake_cycle[n] = kNever;
      list(n, D);
    };
    D.take_wakeups(k, due);
    for (std::size_t w = 0; w < D.active.size(); ++w) {
      for (std::uint64_t bits = D.active[w]; bits; bits &= bits - 1) {
        const int b = std::countr_zero(bits);
        const std::uint32_t n = D.members[w * 64 + b];
        if (const std::uint64_t later = bits & (bits - 1)) prefetch_router(D.members[w * 64 + std::countr_zero(later)]);
        if (mc.empty()) step_router<false>(W, n, k, t);
        else step_router<true>(W, n, k, t);
        const std::uint64_t next = next_work(n, k);
        if (next == k + 1) continue;
        D.active[w] &= ~(std::uint64_t{1} << b);
        --D.listed;
        node[n].in_list = 0;
        if (next != kNever) wake_at(W, n, next);
      }
    }
  }

  // ---- stepping, on one thread or several ----
  // A step: every domain with an edge at the earliest scheduled time (before until_) is stepped by
  // every partition (each its own routers); then each partition takes in the flits and credits the
  // others sent it; then, on one thread, the domains are rescheduled. Nothing sent in a step is
  // usable in it (every latency is >= 1 cycle), so the result cannot depend on the partitioning.

  // Picks the next step's domains; false when there is none before until_.
  bool plan_step() {
    step_set.clear();
    if (stop_flag->load(std::memory_order_relaxed)) {  // Ctrl-C: end the run at a step boundary
      stopped = true;
      return false;
    }
    return sched.plan(until_, step_set, step_t);
  }

  void step_part(Part& W) {
    for (const std::uint32_t d : step_set) {
      const std::uint32_t slot = W.slot[d];
      if (slot != kNone) step_domain(W, W.doms[slot], sched.doms[d].cycle, step_t);
    }
  }

  // Partition W takes in what the others sent it this step, in partition order.
  void take_mail(Part& W) {
    for (Part& from : parts) {
      if (&from == &W) continue;
      auto& flits = from.flit_out[W.index];
      for (const FlitMail& mail : flits) {
        receive_flit(mail.iv, mail.m, mail.f);
        wake_at(W, mail.m, mail.f.ready);
      }
      flits.clear();
      auto& credits = from.credit_out[W.index];
      for (const CreditMail& mail : credits) receive_credit(mail.ov, mail.at);
      credits.clear();
      auto& ids = from.returns[W.index];
      for (const std::uint32_t i : ids) W.pool->give_back(i);
      ids.clear();
    }
  }

  void finish_step() {
    apply_wakes();
    for (const std::uint32_t d : step_set) {
      Domain& D = sched.doms[d];
      D.stepping = false;
      ++D.cycle;
      sched.reschedule(d, [&](std::uint32_t p, std::uint32_t slot) -> const DomainPart& { return parts[p].doms[slot]; });
    }
  }

  // The stepper's side of sim/impl/step_team.hpp.
  void step_part(std::uint32_t p) { step_part(parts[p]); }
  void take_mail(std::uint32_t p) { take_mail(parts[p]); }
  // On one thread, after every partition has taken its mail.
  bool between_steps() {
    finish_step();
    return plan_step();
  }
  void abandon_step() {
    for (const std::uint32_t d : step_set) sched.doms[d].stepping = false;
  }

  void run_until(std::int64_t until) {
    until_ = until;
    stopped = false;
    if (team->solo()) {
      while (plan_step()) {
        step_part(parts[0]);
        take_mail(parts[0]);
        finish_step();
      }
    } else if (plan_step()) {
      team->run();
    }
    gather();
  }

  // Adds the partitions' counters and deliveries to the engine's; deliveries in a fixed order
  // (ejection time, destination, source, sequence), whatever the partitioning.
  void gather() {
    Stats& s = eng.stats_;
    const std::size_t first = eng.deliveries_.size();
    for (Part& W : parts) {
      s.merge(W.stats);
      W.stats.reset();
      eng.packets_live_ = static_cast<std::uint64_t>(static_cast<std::int64_t>(eng.packets_live_) + W.live);
      W.live = 0;
      eng.deliveries_.insert(eng.deliveries_.end(), W.deliveries.begin(), W.deliveries.end());
      W.deliveries.clear();
    }
    sort_deliveries(eng.deliveries_, first);
  }

  void start_sources() {
    for (std::uint32_t n = 0; n < N; ++n) {
      if (!fabric.endpoint(n) || !fabric.router_alive(n)) continue;
      src.next[n] = src.next_arrival(n, 0, create_limit(n));
      if (src.next[n] != kNever) wake_at(part(n), n, src.next[n]);
    }
    apply_wakes();
  }
};

Engine::Engine(const mesh::Fabric& fabric, const mesh::Routing& routing, const ClockDomains& clocks, const EngineOptions& options)
    : clocks_(clocks) {
  impl_ = std::make_unique<Impl>(*this, fabric, routing, clocks, options);
}

Engine::~Engine() = default;

void Engine::set_traffic(const TrafficSpec& spec, const TrafficContext& ctx) {
  Impl& I = *impl_;
  I.src.set_synthetic(spec, ctx, I.opt.seed);
  I.start_sources();
}

void Engine::set_trace(std::vector<TracePacket> packets) {
  Impl& I = *impl_;
  I.src.set_trace(std::move(packets));
  I.start_sources();
}

void Engine::inject(std::uint32_t src, std::uint32_t dst, std::uint32_t flits, std::int64_t t_ps) {
  Impl& I = *impl_;
  if (src >= I.N || dst >= I.N || !I.fabric.endpoint(src) || !I.fabric.router_alive(src))
    throw std::invalid_argument(fmt::format("Engine::inject: {} -> {} is not between working tiles", src, dst));
  push_packet(src, dst, flits, t_ps);
}

std::uint32_t Engine::add_multicast(std::uint32_t src, DestinationSet set) {
  Impl& I = *impl_;
  if (I.mc_class < 0) throw std::invalid_argument(fmt::format("{} routing carries no multicast trees", I.routing.name()));
  auto working = [&](std::uint32_t n) { return n < I.N && I.fabric.endpoint(n) && I.fabric.router_alive(n); };
  if (!working(src)) throw std::invalid_argument(fmt::format("Engine::add_multicast: source {} is not a working tile", src));
  if (set.empty() || set.size() > 0xFFFF) throw std::invalid_argument("Engine::add_multicast: a set has 1 to 65535 members");
  for (const std::uint32_t m : set.nodes()) {
    if (!working(m) || m == src) throw std::invalid_argument(fmt::format("Engine::add_multicast: member {} is not a working tile other than the source", m));
    if (!xy_path_intact(I.fabric, src, m, [&](std::uint32_t n, int p) { return I.link_lat[n * 4 + static_cast<std::uint32_t>(p)] != 0; }))
      throw std::invalid_argument(fmt::format("Engine::add_multicast: the XY route from {} to member {} is broken", src, m));
  }
  if (I.mc.empty()) I.mc.assign(I.ivc.size(), McState{});
  I.mc_groups.push_back({src, std::move(set)});
  return static_cast<std::uint32_t>(I.mc_groups.size() - 1);
}

TreeSplit Engine::split_multicast(std::uint32_t src, const std::vector<std::uint32_t>& members) const {
  const Impl& I = *impl_;
  if (I.mc_class < 0) return TreeSplit{{}, members};
  return split_by_tree(I.fabric, src, members, [&](std::uint32_t n, int p) { return I.link_lat[n * 4 + static_cast<std::uint32_t>(p)] != 0; });
}

void Engine::inject_multicast(std::uint32_t group, std::uint32_t flits, std::int64_t t_ps) {
  Impl& I = *impl_;
  if (group >= I.mc_groups.size()) throw std::invalid_argument("Engine::inject_multicast: no such group");
  if (flits > static_cast<std::uint32_t>(I.B))
    throw std::invalid_argument(fmt::format("Engine::inject_multicast: a multicast packet has at most vc_buf_size = {} flits, got {}", I.B, flits));
  push_packet(I.mc_groups[group].src, kMcBit | group, flits, t_ps);
}

void Engine::push_packet(std::uint32_t src, std::uint32_t dst, std::uint32_t flits, std::int64_t t_ps) {
  Impl& I = *impl_;
  if (I.src.synthetic) throw std::logic_error("Engine::inject needs trace mode (set_trace)");
  if (flits == 0 || flits > 0xFFFF) throw std::invalid_argument("Engine::inject: a packet has 1 to 65535 flits");
  const std::uint32_t d = I.dom[src];
  const std::uint64_t cycle = clocks_.first_edge_at_or_after(d, std::max(t_ps, now_ps_));
  if (!I.src.push(TracePacket{cycle, src, dst, flits})) return;  // the source reaches it after the ones before
  I.src.next[src] = cycle;
  if (I.src.pkt[src] == kNone) {
    I.wake_at(I.part(src), src, cycle);
    I.apply_wakes();
  }
}

void Engine::count_unmade_offered(std::int64_t until_ps) {
  Impl& I = *impl_;
  for (std::uint32_t n = 0; n < I.N; ++n)
    I.src.drain_unmade(n, I.create_limit(n), [&](std::uint64_t x, std::uint32_t flits) {
      const std::int64_t t = I.edge(n, x);
      if (t >= I.window.end_ps || t >= until_ps) return false;
      if (t >= I.window.begin_ps) stats_.flits_offered_in_window += flits;
      return true;
    });
}

void Engine::set_window(std::int64_t begin_ps, std::int64_t end_ps) {
  impl_->window = {begin_ps, end_ps};
}

void Engine::stop_creating_at(std::int64_t t_ps) {
  for (std::uint32_t d = 0; d < impl_->sched.doms.size(); ++d) impl_->sched.doms[d].create_limit = clocks_.first_edge_at_or_after(d, t_ps);
}

int Engine::useful_threads(int requested, std::size_t routers, unsigned cpus) {
  const std::size_t by_size = std::max<std::size_t>(1, routers / kRoutersPerThread);
  return static_cast<int>(std::min({static_cast<std::size_t>(std::max(requested, 1)), by_size, static_cast<std::size_t>(std::max(cpus, 1u))}));
}

bool Engine::run_until(std::int64_t t_ps) {
  Impl& I = *impl_;
  I.run_until(t_ps);
  const std::int64_t reached = I.stopped && !I.sched.heap.empty() ? std::min(t_ps, I.sched.heap.top().first) : t_ps;
  now_ps_ = std::max(now_ps_, reached);
  return !I.stopped;
}

std::string Engine::describe_blocked(std::size_t max_lines) const {
  const Impl& I = *impl_;
  std::string out;
  std::size_t lines = 0;
  static const char* const kState[] = {"idle", "waiting for a VC", "active"};
  for (std::uint32_t n = 0; n < I.N; ++n) {
    for (std::uint64_t m = I.node[n].nonempty; m; m &= m - 1) {
      const int li = std::countr_zero(m);
      const std::size_t iv = static_cast<std::size_t>(n) * I.VP + li;
      const InVc& q = I.ivc[iv];
      if (lines++ == max_lines) return out + "...\n";
      const std::uint32_t d = q.front.dst;
      out += fmt::format("({}, {}) in {} vc {}: {} flits, {}, front {} {}", I.fabric.row_of(n), I.fabric.col_of(n),
                         mesh::port_name(I.port_of[li]), I.vc_of[li], q.written - q.read, kState[q.state],
                         q.front.head ? "head" : "body", d & kMcBit ? fmt::format("of multicast {}", d & ~kMcBit)
                                                                    : fmt::format("to ({}, {})", I.fabric.row_of(d), I.fabric.col_of(d)));
      if (d & kMcBit && !I.mc.empty()) {
        const McState& s = I.mc[iv];
        out += fmt::format(", branches {:05b} pending {:05b}", s.ports, s.pending);
      } else if (q.state == kActive) {
        out += fmt::format(", out {} vc {} ({} credits)", mesh::port_name(I.port_of[q.out]), I.vc_of[q.out], I.ovc[iv - li + q.out].credits);
      }
      out += fmt::format(", ov_free {:#x}\n", I.node[n].ov_free);
    }
  }
  return out;
}

std::size_t Engine::memory_bytes() const {
  const Impl& I = *impl_;
  auto bytes = [](const auto& v) { return v.capacity() * sizeof(v[0]); };
  std::size_t b = bytes(I.ivc) + bytes(I.ovc) + bytes(I.buf) + bytes(I.cred_time) + bytes(I.iv_route) + bytes(I.node) +
                  bytes(I.va_in_ptr) + bytes(I.va_out_ptr) + bytes(I.sa_in_ptr) + bytes(I.sa_out_ptr) + bytes(I.sa_vc_ptr) +
                  I.src.bytes() + bytes(I.link_lat) + bytes(I.link_mm) + bytes(stats_.link_flits) +
                  bytes(I.sched.index_in_domain) + bytes(I.sched.wake_cycle) + bytes(I.part_of);
  for (const auto& W : I.parts) {
    b += W.pool->bytes() + bytes(W.slot);
    for (const auto& d : W.doms) b += bytes(d.members) + bytes(d.active) + bytes(d.pending) + d.sleepers.size() * 16;
  }
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
