#include "rtl/mesh_cosim.hpp"

#include <fmt/format.h>

#include <chrono>
#include <deque>
#include <iostream>
#include <map>

#include "core/random.hpp"
#include "core/yaml_reader.hpp"
#include "mesh/defect_map.hpp"
#include "mesh/routing.hpp"
#include "mesh/system_config.hpp"
#include "mesh/wafer.hpp"
#include "rtl/router_sc.hpp"
#include "sim/engine.hpp"

namespace wafersim::rtl {
namespace {

using sc_core::sc_signal;
constexpr int kSide = 4, kNodes = kSide * kSide;

struct Packet {
  std::uint64_t created;
  std::uint32_t src, dst, flits, seq;
};

// The engine's traffic source (sim/engine.cpp, source_step) and sink for one tile.
struct Tile {
  std::deque<Packet> queue;  // trace packets not made yet, in creation order
  bool busy = false;
  Packet cur{};
  std::uint32_t sent = 0;
  int vc = -1, vc_ptr = 0;
  std::vector<int> credits;
};

class MeshTb : public sc_core::sc_module {
 public:
  SC_HAS_PROCESS(MeshTb);
  MeshTb(sc_core::sc_module_name name, const MeshCosimOptions& o, const RtlRouterConfig& cfg, const mesh::Routing& routing,
         const std::vector<Packet>& trace, sc_core::sc_clock& clk)
      : sc_module(name), opt(o), cfg(cfg), V(cfg.spec.num_vcs) {
    const int P = kNodes * kPorts;
    flit = std::vector<sc_signal<std::uint32_t>>(static_cast<std::size_t>(P));       // out_flit of (node, port)
    credit = std::vector<sc_signal<std::uint32_t>>(static_cast<std::size_t>(P));     // credit_out of (node, port)
    inject = std::vector<sc_signal<std::uint32_t>>(kNodes);
    xs = std::vector<sc_signal<std::uint32_t>>(kNodes);
    ys = std::vector<sc_signal<std::uint32_t>>(kNodes);
    is_rtl.assign(kNodes, false);
    for (int n : o.rtl_nodes) is_rtl[static_cast<std::size_t>(n)] = true;
    for (int n = 0; n < kNodes; ++n) {
      const int r = n / kSide, c = n % kSide;
      xs[static_cast<std::size_t>(n)].write(static_cast<std::uint32_t>(c));
      ys[static_cast<std::size_t>(n)].write(static_cast<std::uint32_t>(r));
      RouterBus b;
      b.rst_n = &rst_n;
      b.my_x = &xs[static_cast<std::size_t>(n)];
      b.my_y = &ys[static_cast<std::size_t>(n)];
      b.tbl_we = &tbl_we;
      b.tbl_addr = &tbl_addr;
      b.tbl_data = &tbl_data[static_cast<std::size_t>(n)];
      const int nb[4] = {r > 0 ? n - kSide : -1, c > 0 ? n - 1 : -1, c < kSide - 1 ? n + 1 : -1, r < kSide - 1 ? n + kSide : -1};
      for (int p = 0; p < 4; ++p) {
        const int m = nb[p];
        b.out_flit[p] = &flit[static_cast<std::size_t>(n * kPorts + p)];
        b.credit_out[p] = &credit[static_cast<std::size_t>(n * kPorts + p)];
        // In from the neighbour's opposite output; credits from the neighbour's opposite input.
        b.in_flit[p] = m >= 0 ? &flit[static_cast<std::size_t>(m * kPorts + (3 - p))] : &zero;
        b.credit_in[p] = m >= 0 ? &credit[static_cast<std::size_t>(m * kPorts + (3 - p))] : &zero;
      }
      b.in_flit[4] = &inject[static_cast<std::size_t>(n)];
      b.out_flit[4] = &flit[static_cast<std::size_t>(n * kPorts + 4)];
      b.credit_out[4] = &credit[static_cast<std::size_t>(n * kPorts + 4)];
      b.credit_in[4] = &zero;
      const std::string rn = fmt::format("r{}_{}", r, c);
      if (is_rtl[static_cast<std::size_t>(n)]) {
        routers.emplace_back(cfg.make(rn.c_str(), clk, b));
      } else {
        auto m = std::make_unique<RouterModelSc>(rn.c_str(), cfg.spec, cfg.table_routing);
        bind_router(*m, clk, b);
        routers.push_back(std::move(m));
      }
    }
    tiles.resize(kNodes);
    for (auto& t : tiles) t.credits.assign(static_cast<std::size_t>(V), cfg.spec.vc_buf_size);
    for (const Packet& p : trace) tiles[p.src].queue.push_back(p);
    if (cfg.table_routing) {
      // The route table from the routing function: entry (input port, destination) -> the output
      // VCs of the ports it allows (one VC class: all VCs of a port).
      table.assign(static_cast<std::size_t>(kNodes) * kPorts * 256, 0);
      mesh::RouteSet set;
      for (int n = 0; n < kNodes; ++n)
        for (int p = 0; p < kPorts; ++p)
          for (int d = 0; d < kNodes; ++d) {
            routing.route(static_cast<mesh::NodeId>(n), static_cast<mesh::NodeId>(d), static_cast<mesh::Port>(p), 0, set);
            std::uint64_t m = 0;
            for (const auto& opt_ : set) m |= ((std::uint64_t{1} << V) - 1) << (opt_.port * V);
            table[(static_cast<std::size_t>(n) * kPorts + static_cast<std::size_t>(p)) * 256 + static_cast<std::size_t>((d / kSide) << 4 | (d % kSide))] = m;
          }
      setup = 2 + kPorts * 256;
    }
    SC_METHOD(drive);
    sensitive << clk.posedge_event();
    dont_initialize();
  }

  const MeshCosimOptions& opt;
  const RtlRouterConfig& cfg;
  int V;
  sc_signal<bool> rst_n{"rst_n", false};
  sc_signal<bool> tbl_we{"tbl_we", false};
  sc_signal<std::uint32_t> tbl_addr{"tbl_addr", 0}, zero{"zero", 0};
  sc_signal<std::uint64_t> tbl_data[kNodes];  // each router's own entry at the shared address
  std::vector<sc_signal<std::uint32_t>> flit, credit, inject, xs, ys;
  std::vector<bool> is_rtl;
  std::vector<std::unique_ptr<sc_core::sc_module>> routers;
  std::vector<Tile> tiles;
  std::vector<std::uint64_t> table;
  std::uint64_t edges = 0, setup = 2;
  std::map<std::pair<std::uint32_t, std::uint32_t>, std::uint64_t> latency;  // (src, seq) -> cycles
  std::map<std::pair<std::uint32_t, std::uint32_t>, std::uint64_t> created;
  std::uint64_t flits_ejected = 0;
  std::string error;

  void drive() {
    ++edges;
    if (edges <= 2) return;
    rst_n.write(true);
    if (edges <= setup) {  // program the route tables through the pins, one address per cycle
      const std::uint64_t a = edges - 3;
      tbl_we.write(true);
      tbl_addr.write(static_cast<std::uint32_t>(a));
      for (int n = 0; n < kNodes; ++n) tbl_data[n].write(table[static_cast<std::size_t>(n) * kPorts * 256 + a]);
      return;
    }
    tbl_we.write(false);
    const std::uint64_t k = edges - setup - 1;  // this cycle
    for (int n = 0; n < kNodes; ++n) {
      Tile& t = tiles[static_cast<std::size_t>(n)];
      // Sink: what the router ejected last cycle is ejected now (ejection channel of 1 cycle).
      const FlitWord f{flit[static_cast<std::size_t>(n * kPorts + 4)].read()};
      if (f.valid()) {
        ++flits_ejected;
        const std::uint32_t src = f.tag() >> 14, seq = f.tag() & 0x3fff;
        if ((f.dst_row() << 2 | f.dst_col()) != n) error = fmt::format("flit of packet ({}, {}) ejected at node {}", src, seq, n);
        if (f.tail()) {
          const auto it = created.find({src, seq});
          if (it == created.end()) error = fmt::format("unknown packet ({}, {}) ejected at node {}", src, seq, n);
          else latency[{src, seq}] = k - it->second;
        }
      }
      // Source: credits back from the local input port arrived last cycle.
      const std::uint32_t c = credit[static_cast<std::size_t>(n * kPorts + 4)].read();
      for (int v = 0; v < V; ++v)
        if (c >> v & 1) ++t.credits[static_cast<std::size_t>(v)];
      std::uint32_t word = 0;
      if (!t.busy && !t.queue.empty() && t.queue.front().created <= k) {
        t.cur = t.queue.front();
        t.queue.pop_front();
        t.busy = true;
        t.sent = 0;
        t.vc = -1;
        created[{t.cur.src, t.cur.seq & 0x3fff}] = t.cur.created;
      }
      if (t.busy && t.vc < 0) {
        for (int i = 0; i < V; ++i) {
          const int v = (t.vc_ptr + i) % V;
          const int cr = t.credits[static_cast<std::size_t>(v)];
          if (cr > 0 && (!cfg.spec.wait_for_tail_credit || cr == cfg.spec.vc_buf_size)) {
            t.vc = v;
            t.vc_ptr = (v + 1) % V;
            break;
          }
        }
      }
      if (t.busy && t.vc >= 0 && t.credits[static_cast<std::size_t>(t.vc)] > 0) {
        const bool head = t.sent == 0, tail = t.sent + 1 == t.cur.flits;
        const int d = static_cast<int>(t.cur.dst);
        word = FlitWord::make(head, tail, t.vc, d / kSide, d % kSide, t.cur.src << 14 | (t.cur.seq & 0x3fff)).bits;
        --t.credits[static_cast<std::size_t>(t.vc)];
        if (++t.sent == t.cur.flits) t.busy = false;
      }
      inject[static_cast<std::size_t>(n)].write(word);
    }
    if (opt.progress && k % 5000 == 0 && k) std::cerr << fmt::format("verify-rtl mesh: cycle {}\n", k);
  }
};

mesh::SystemConfig mesh_config() {
  return mesh::SystemConfig::from_yaml(YamlNode::parse(
      "wafer:\n  tile: {width_mm: 1, height_mm: 1}\n  placement: rectangle\n  edge_exclusion_mm: 0\n"
      "  reticle: {width_mm: 26, height_mm: 33}\n  rows: 4\n  cols: 4\n",
      "mixed-mesh.yaml"));
}

}  // namespace

nlohmann::json run_mesh_cosim(const MeshCosimOptions& opt) {
  sc_core::sc_report_handler::set_actions(sc_core::SC_INFO, sc_core::SC_DO_NOTHING);  // not "stopped by user"
  const RtlRouterConfig& cfg = rtl_router_config(opt.config);
  for (int n : opt.rtl_nodes)
    if (n < 0 || n >= kNodes) throw std::invalid_argument(fmt::format("mixed mesh: RTL node {} is not in the 4 x 4 mesh (0..15)", n));
  const mesh::SystemConfig sys = mesh_config();
  const mesh::Wafer wafer(sys.wafer);
  const mesh::DefectMap map(wafer);
  const mesh::Fabric fabric = sys.repair.impl->repair(wafer, map);
  const std::string algorithm = cfg.table_routing ? "up_down" : "xy";
  const auto routing = mesh::RoutingRegistry::instance().find(algorithm)->create(fabric);

  // The trace: Bernoulli packet arrivals per tile, uniform destinations (self included), 1..4 flits.
  Rng rng(opt.seed);
  std::vector<Packet> trace;
  std::vector<std::uint32_t> seq(kNodes, 0);
  for (std::uint64_t k = 0; k < opt.traffic_cycles; ++k)
    for (std::uint32_t n = 0; n < kNodes; ++n)
      if (rng.uniform01() < opt.rate)
        trace.push_back({k, n, static_cast<std::uint32_t>(rng.uniform_int(kNodes)), 1 + static_cast<std::uint32_t>(rng.uniform_int(4)), seq[n]++});

  // The engine, all C++.
  const sim::ClockDomains clocks = sim::ClockDomains::single(fabric.nodes(), 1000);
  sim::EngineOptions eo;
  eo.router = cfg.spec;
  eo.check_invariants = true;
  eo.record_deliveries = true;
  sim::Engine engine(fabric, *routing, clocks, eo);
  std::vector<sim::TracePacket> tp;
  for (const Packet& p : trace) tp.push_back({p.created, p.src, p.dst, p.flits});
  engine.set_trace(tp);
  const auto t0 = std::chrono::steady_clock::now();
  engine.run_until(static_cast<std::int64_t>(opt.traffic_cycles + 100000) * 1000);
  const double engine_s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  std::map<std::pair<std::uint32_t, std::uint32_t>, std::uint64_t> reference;
  for (const sim::Delivery& d : engine.deliveries())
    reference[{d.src, static_cast<std::uint32_t>(d.seq)}] = static_cast<std::uint64_t>(d.ejected_ps - d.created_ps) / 1000;

  // The mixed mesh.
  sc_core::sc_clock clk("clk", 1, sc_core::SC_NS, 0.5, 0, sc_core::SC_NS, true);
  MeshTb tb("mesh", opt, cfg, *routing, trace, clk);
  const auto t1 = std::chrono::steady_clock::now();
  const std::uint64_t run = tb.setup + opt.traffic_cycles + 20000;
  sc_core::sc_start(static_cast<double>(run), sc_core::SC_NS);
  const double cosim_s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t1).count();

  nlohmann::json j;
  j["block"] = "mesh";
  j["config"] = cfg.name;
  j["routing"] = algorithm;
  j["rtl_nodes"] = opt.rtl_nodes;
  j["seed"] = opt.seed;
  j["packets"] = trace.size();
  j["engine_delivered"] = reference.size();
  j["mesh_delivered"] = tb.latency.size();
  std::size_t identical = 0;
  nlohmann::json first;
  double sum = 0;
  std::uint64_t worst = 0;
  for (const auto& [key, lat] : reference) {
    const auto it = tb.latency.find({key.first, key.second & 0x3fff});
    sum += static_cast<double>(lat);
    worst = std::max(worst, lat);
    if (it != tb.latency.end() && it->second == lat) {
      ++identical;
    } else if (first.is_null()) {
      first = {{"src", key.first}, {"seq", key.second}, {"engine_cycles", lat},
               {"mesh_cycles", it == tb.latency.end() ? nlohmann::json("not delivered") : nlohmann::json(it->second)}};
    }
  }
  j["identical"] = identical;
  if (!first.is_null()) j["first_difference"] = first;
  if (!tb.error.empty()) j["testbench_error"] = tb.error;
  j["latency_mean_cycles"] = reference.empty() ? 0.0 : sum / static_cast<double>(reference.size());
  j["latency_max_cycles"] = worst;
  j["pass"] = tb.error.empty() && reference.size() == trace.size() && tb.latency.size() == trace.size() && identical == trace.size();
  j["cycles"] = run;
  j["seconds"] = cosim_s;
  j["cycles_per_s"] = static_cast<double>(run) / cosim_s;
  j["engine_seconds"] = engine_s;
  return j;
}

}  // namespace wafersim::rtl
