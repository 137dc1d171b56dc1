#include "rtl/router_cosim.hpp"

#include <fmt/format.h>

#include <chrono>
#include <iostream>
#include <map>
#include <sstream>
#include <stdexcept>

#include "core/random.hpp"
#include "rtl/router_sc.hpp"
#include "rtl/vcd_window.hpp"
#include "rtl_router_includes.inc"  // Vrouter_<config>.h of every configuration built

namespace wafersim::rtl {

using sc_core::sc_signal;

// ---- RouterModelSc ----
void RouterModelSc::edge() {
  RouterPins pins;
  if (!rst_n.read()) {
    model_ = std::make_unique<RouterModel>(spec_, 0, 0, table_);
    for (std::size_t i = 0; i < table_shadow_.size(); ++i)
      if (table_shadow_[i]) model_->write_table(static_cast<int>(i >> 8), static_cast<int>(i & 255), table_shadow_[i]);
  } else {
    model_->set_position(static_cast<int>(my_y.read()), static_cast<int>(my_x.read()));
    pins.in_flit = {in_flit_n.read(), in_flit_w.read(), in_flit_e.read(), in_flit_s.read(), in_flit_l.read()};
    pins.credit_in = {credit_in_n.read(), credit_in_w.read(), credit_in_e.read(), credit_in_s.read(), 0};
    // After a mismatch the testbench follows the RTL, so the model may be handed flow control it
    // never allowed: keep the first complaint, freeze the model, let the waveform window finish.
    if (error_.empty()) {
      try {
        model_->clock(pins);
      } catch (const std::logic_error& e) {
        error_ = e.what();
      }
    }
  }
  if (tbl_we.read() && table_) {  // the RTL writes its table at every edge, in reset or not
    const std::uint32_t a = tbl_addr.read();
    if (table_shadow_.empty()) table_shadow_.assign(kPorts * 256, 0);
    table_shadow_[a] = tbl_data.read();
    model_->write_table(static_cast<int>(a >> 8), static_cast<int>(a & 255), tbl_data.read());
  }
  model_->outputs(pins);
  sc_core::sc_out<std::uint32_t>* of[kPorts] = {&out_flit_n, &out_flit_w, &out_flit_e, &out_flit_s, &out_flit_l};
  sc_core::sc_out<std::uint32_t>* oc[kPorts] = {&credit_out_n, &credit_out_w, &credit_out_e, &credit_out_s, &credit_out_l};
  for (int p = 0; p < kPorts; ++p) {
    of[p]->write(pins.out_flit[static_cast<std::size_t>(p)]);
    oc[p]->write(pins.credit_out[static_cast<std::size_t>(p)]);
  }
}

// ---- configurations ----
namespace {

sim::RouterSpec parse_params(const std::string& params, bool& table, bool& bug) {
  std::map<std::string, int> v;
  std::istringstream in(params);
  std::string kv;
  while (in >> kv) {
    const auto eq = kv.find('=');
    v[kv.substr(0, eq)] = std::stoi(kv.substr(eq + 1));
  }
  sim::RouterSpec s;
  s.num_vcs = v.at("NUM_VCS");
  s.vc_buf_size = v.at("BUF_DEPTH");
  s.routing_delay = v.at("ROUTING_DELAY");
  s.vc_alloc_delay = v.at("VC_ALLOC_DELAY");
  // The RTL has one parameter for both: only their sum times anything (docs/noc.md).
  s.sw_alloc_delay = 1;
  s.st_final_delay = v.at("SW_DELAY") - 1;
  s.credit_delay = v.at("CREDIT_DELAY");
  s.input_speedup = v.at("INPUT_SPEEDUP");
  s.vc_allocator = v.at("VC_ISLIP") ? "islip" : "separable_input_first";
  s.sw_allocator = v.at("SW_ISLIP") ? "islip" : "separable_input_first";
  s.alloc_iters = v.at("ALLOC_ITERS");
  s.wait_for_tail_credit = v.at("WAIT_FOR_TAIL_CREDIT") != 0;
  table = v.at("TABLE_ROUTING") != 0;
  bug = v.at("INJECT_BUG") != 0;
  return s;
}

template <class V>
sc_core::sc_module* make_rtl(const char* name, sc_core::sc_clock& clk, const RouterBus& bus) {
  auto* r = new V(name);
  bind_router(*r, clk, bus);
  return r;
}

}  // namespace

const std::vector<RtlRouterConfig>& rtl_router_configs() {
  static const std::vector<RtlRouterConfig> configs = [] {
    std::vector<RtlRouterConfig> c;
    auto add = [&](const char* name, const char* params, auto make) {
      RtlRouterConfig r;
      r.name = name;
      r.params = params;
      r.spec = parse_params(params, r.table_routing, r.injected_bug);
      r.make = make;
      c.push_back(r);
    };
#define WAFERSIM_RTL_ROUTER(name, params) add(#name, params, &make_rtl<Vrouter_##name>);
#include "rtl_router_configs.inc"
#undef WAFERSIM_RTL_ROUTER
    return c;
  }();
  return configs;
}

const RtlRouterConfig& rtl_router_config(const std::string& name) {
  std::string names;
  for (const auto& c : rtl_router_configs()) {
    if (c.name == name) return c;
    if (!c.injected_bug) names += (names.empty() ? "" : ", ") + c.name;
  }
  throw std::invalid_argument(fmt::format("no RTL router configuration '{}' is built (built: {})", name, names));
}

// ---- the testbench ----
namespace {

constexpr int kRow = 7, kCol = 7;  // the router's position in a 16 x 16 address space

struct Upstream {  // one input port's driver
  std::vector<int> credits, left;  // per VC: credits held, flits left of the packet on it
  std::vector<int> dst;            // per VC: the packet's destination
  std::vector<std::uint32_t> seq;  // per VC: packet id, flit index
  std::vector<int> index;
};

class RouterTb : public sc_core::sc_module {
 public:
  SC_HAS_PROCESS(RouterTb);
  RouterTb(sc_core::sc_module_name name, const RouterCosimOptions& o, const RtlRouterConfig& cfg, sc_core::sc_clock& clk)
      : sc_module(name), opt(o), cfg(cfg), spec(cfg.spec), V(cfg.spec.num_vcs), rng(o.seed), vcd(signals(), 2 * o.window) {
    for (int p = 0; p < kPorts; ++p) {
      bus_rtl.in_flit[p] = bus_model.in_flit[p] = &in_flit[p];
      bus_rtl.credit_in[p] = bus_model.credit_in[p] = &credit_in[p];
      bus_rtl.out_flit[p] = &out_rtl[p];
      bus_model.out_flit[p] = &out_model[p];
      bus_rtl.credit_out[p] = &cred_rtl[p];
      bus_model.credit_out[p] = &cred_model[p];
    }
    for (RouterBus* b : {&bus_rtl, &bus_model}) {
      b->rst_n = &rst_n;
      b->my_x = &my_x;
      b->my_y = &my_y;
      b->tbl_we = &tbl_we;
      b->tbl_addr = &tbl_addr;
      b->tbl_data = &tbl_data;
    }
    rtl.reset(cfg.make("rtl", clk, bus_rtl));
    model = std::make_unique<RouterModelSc>("model", spec, cfg.table_routing);
    bind_router(*model, clk, bus_model);
    up.resize(kPorts);
    for (auto& u : up) {
      u.credits.assign(static_cast<std::size_t>(V), spec.vc_buf_size);
      u.left.assign(static_cast<std::size_t>(V), 0);
      u.dst.assign(static_cast<std::size_t>(V), 0);
      u.seq.assign(static_cast<std::size_t>(V), 0);
      u.index.assign(static_cast<std::size_t>(V), 0);
    }
    pending.assign(kPorts * static_cast<std::size_t>(V), 0);
    cov_in.assign(kPorts * static_cast<std::size_t>(V), 0);
    cov_out.assign(kPorts * static_cast<std::size_t>(V), 0);
    cov_turn.assign(kPorts * kPorts, 0);
    if (cfg.table_routing) {
      table.resize(kPorts * 256);
      const std::uint64_t all = (std::uint64_t{1} << (kPorts * V)) - 1;
      for (auto& e : table) {
        do e = rng.next_u64() & rng.next_u64() & all;  // sparse: about a quarter of the VCs
        while (!e);
      }
    }
    setup_cycles = 2 + (cfg.table_routing ? kPorts * 256 : 0);
    SC_METHOD(drive);
    sensitive << clk.posedge_event();
    dont_initialize();
    SC_METHOD(check);
    sensitive << clk.negedge_event();
    dont_initialize();
  }

  const RouterCosimOptions& opt;
  const RtlRouterConfig& cfg;
  sim::RouterSpec spec;
  int V;
  Rng rng;
  sc_signal<bool> rst_n{"rst_n", false}, tbl_we{"tbl_we", false};
  sc_signal<std::uint32_t> my_x{"my_x", kCol}, my_y{"my_y", kRow}, tbl_addr{"tbl_addr", 0};
  sc_signal<std::uint64_t> tbl_data{"tbl_data", 0};
  sc_signal<std::uint32_t> in_flit[kPorts], credit_in[kPorts], out_rtl[kPorts], out_model[kPorts], cred_rtl[kPorts], cred_model[kPorts];
  RouterBus bus_rtl, bus_model;
  std::unique_ptr<sc_core::sc_module> rtl;
  std::unique_ptr<RouterModelSc> model;
  std::vector<std::uint64_t> table;
  std::vector<Upstream> up;
  std::vector<int> pending;  // per output VC: flits downstream whose credit is not back yet
  std::uint64_t edges = 0, setup_cycles = 0, cycle = 0;
  std::uint64_t flits_in = 0, flits_out = 0, packets_in = 0;
  std::vector<std::uint64_t> cov_in, cov_out, cov_turn;
  std::uint64_t stalls_no_credit = 0;
  VcdWindow vcd;
  bool failed = false;
  std::uint64_t fail_cycle = 0, stop_at = 0;
  std::string fail_signal;
  std::uint32_t fail_rtl = 0, fail_model = 0;

  static std::vector<VcdWindow::Signal> signals() {
    static const char* pn[kPorts] = {"n", "w", "e", "s", "l"};
    std::vector<VcdWindow::Signal> s;
    for (int p = 0; p < kPorts; ++p) s.push_back({fmt::format("in_flit_{}", pn[p]), 32});
    for (int p = 0; p < 4; ++p) s.push_back({fmt::format("credit_in_{}", pn[p]), 8});
    for (int p = 0; p < kPorts; ++p) s.push_back({fmt::format("rtl_out_flit_{}", pn[p]), 32});
    for (int p = 0; p < kPorts; ++p) s.push_back({fmt::format("model_out_flit_{}", pn[p]), 32});
    for (int p = 0; p < kPorts; ++p) s.push_back({fmt::format("rtl_credit_out_{}", pn[p]), 8});
    for (int p = 0; p < kPorts; ++p) s.push_back({fmt::format("model_credit_out_{}", pn[p]), 8});
    return s;
  }

  // A destination a packet entering on `port` may legally have under dimension order at (7, 7).
  int draw_dst(int port) {
    int row = static_cast<int>(rng.uniform_int(16)), col = static_cast<int>(rng.uniform_int(16));
    switch (port) {
      case 1: col = kCol + static_cast<int>(rng.uniform_int(16 - kCol)); break;  // from the west: travelling east
      case 2: col = static_cast<int>(rng.uniform_int(kCol + 1)); break;
      case 0: col = kCol; row = kRow + static_cast<int>(rng.uniform_int(16 - kRow)); break;  // from the north: travelling south
      case 3: col = kCol; row = static_cast<int>(rng.uniform_int(kRow + 1)); break;
      default: break;
    }
    if (cfg.table_routing) {
      row = static_cast<int>(rng.uniform_int(16));
      col = static_cast<int>(rng.uniform_int(16));
    }
    return row << 4 | col;
  }

  void drive() {
    ++edges;
    if (edges <= 2) {
      rst_n.write(false);
      return;
    }
    rst_n.write(true);
    if (edges <= setup_cycles) {  // program the route table through the pins
      const std::uint64_t a = edges - 3;
      tbl_we.write(true);
      tbl_addr.write(static_cast<std::uint32_t>(a));
      tbl_data.write(table[a]);
      return;
    }
    tbl_we.write(false);
    // What the router put out last cycle: credits back to the drivers, flits to the downstreams.
    for (int p = 0; p < kPorts; ++p) {
      const std::uint32_t c = cred_rtl[p].read();
      for (int v = 0; v < V; ++v)
        if (c >> v & 1) ++up[static_cast<std::size_t>(p)].credits[static_cast<std::size_t>(v)];
      const FlitWord f{out_rtl[p].read()};
      if (!f.valid()) continue;
      ++flits_out;
      ++cov_out[static_cast<std::size_t>(p * V + f.vc())];
      if (f.head()) ++cov_turn[static_cast<std::size_t>((f.tag() >> 15) * kPorts + static_cast<std::uint32_t>(p))];
      if (p != kPorts - 1) ++pending[static_cast<std::size_t>(p * V + f.vc())];
    }
    for (int o = 0; o < 4; ++o) {
      std::uint32_t mask = 0;
      for (int v = 0; v < V; ++v) {
        int& n = pending[static_cast<std::size_t>(o * V + v)];
        if (n > 0 && rng.uniform01() < opt.drain) {
          --n;
          mask |= 1u << v;
        }
      }
      credit_in[o].write(mask);
    }
    for (int p = 0; p < kPorts; ++p) {
      Upstream& u = up[static_cast<std::size_t>(p)];
      std::uint32_t word = 0;
      if (rng.uniform01() < opt.load) {
        int usable[8], n = 0;
        for (int v = 0; v < V; ++v) {
          const auto sv = static_cast<std::size_t>(v);
          const bool can_start = !spec.wait_for_tail_credit || u.credits[sv] == spec.vc_buf_size;
          if (u.credits[sv] > 0 && (u.left[sv] > 0 || can_start)) usable[n++] = v;
        }
        if (n == 0) {
          ++stalls_no_credit;
        } else {
          const int v = usable[rng.uniform_int(static_cast<std::uint64_t>(n))];
          const auto sv = static_cast<std::size_t>(v);
          const bool head = u.left[sv] == 0;
          if (head) {
            u.left[sv] = 1 + static_cast<int>(rng.uniform_int(6));
            u.dst[sv] = draw_dst(p);
            u.seq[sv] = static_cast<std::uint32_t>(packets_in++ & 0xfff);
            u.index[sv] = 0;
            ++cov_in[static_cast<std::size_t>(p * V + v)];
          }
          const bool tail = --u.left[sv] == 0;
          const std::uint32_t tag = static_cast<std::uint32_t>(p) << 15 | u.seq[sv] << 3 | static_cast<std::uint32_t>(u.index[sv]++ & 7);
          word = FlitWord::make(head, tail, v, u.dst[sv] >> 4, u.dst[sv] & 15, tag).bits;
          --u.credits[sv];
          ++flits_in;
        }
      }
      in_flit[p].write(word);
    }
  }

  void check() {
    if (edges <= setup_cycles) return;
    cycle = edges - setup_cycles - 1;  // the cycle whose outputs are on the pins now
    std::vector<std::uint64_t> vals;
    for (int p = 0; p < kPorts; ++p) vals.push_back(in_flit[p].read());
    for (int p = 0; p < 4; ++p) vals.push_back(credit_in[p].read());
    for (int p = 0; p < kPorts; ++p) vals.push_back(out_rtl[p].read());
    for (int p = 0; p < kPorts; ++p) vals.push_back(out_model[p].read());
    for (int p = 0; p < kPorts; ++p) vals.push_back(cred_rtl[p].read());
    for (int p = 0; p < kPorts; ++p) vals.push_back(cred_model[p].read());
    vcd.sample(cycle, vals);
    if (!failed) {
      static const char* pn[kPorts] = {"n", "w", "e", "s", "l"};
      for (int p = 0; p < kPorts && !failed; ++p) {
        if (out_rtl[p].read() != out_model[p].read()) {
          fail(fmt::format("out_flit_{}", pn[p]), out_rtl[p].read(), out_model[p].read());
        } else if (cred_rtl[p].read() != cred_model[p].read()) {
          fail(fmt::format("credit_out_{}", pn[p]), cred_rtl[p].read(), cred_model[p].read());
        }
      }
    }
    if (!failed && !model->error().empty()) fail("model flow control: " + model->error(), 0, 0);
    if (failed && cycle >= stop_at) sc_core::sc_stop();
    if (opt.progress && cycle % 200000 == 0 && cycle)
      std::cerr << fmt::format("verify-rtl router/{}: {} / {} cycles\n", cfg.name, cycle, opt.cycles);
  }

  void fail(std::string signal, std::uint32_t r, std::uint32_t m) {
    failed = true;
    fail_cycle = cycle;
    fail_signal = std::move(signal);
    fail_rtl = r;
    fail_model = m;
    stop_at = cycle + static_cast<std::uint64_t>(opt.window);
  }
};

std::string hex(std::uint32_t v) { return fmt::format("0x{:08x}", v); }

std::string describe(std::uint32_t v) {
  const FlitWord f{v};
  if (!f.valid()) return hex(v) + " (no flit)";
  return fmt::format("{} (vc {}, {}{}dst ({}, {}), tag {:#x})", hex(v), f.vc(), f.head() ? "head, " : "", f.tail() ? "tail, " : "",
                     f.dst_row(), f.dst_col(), f.tag());
}

}  // namespace

nlohmann::json run_router_cosim(const RouterCosimOptions& opt) {
  sc_core::sc_report_handler::set_actions(sc_core::SC_INFO, sc_core::SC_DO_NOTHING);  // not "stopped by user"
  const RtlRouterConfig& cfg = rtl_router_config(opt.config);
  sc_core::sc_clock clk("clk", 1, sc_core::SC_NS, 0.5, 0, sc_core::SC_NS, true);
  RouterTb tb("tb", opt, cfg, clk);
  const auto t0 = std::chrono::steady_clock::now();
  // Setup, then `cycles` cycles of traffic (one more edge so the last cycle's outputs are checked).
  sc_core::sc_start(static_cast<double>(tb.setup_cycles + opt.cycles) + 0.75, sc_core::SC_NS);
  const double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  nlohmann::json j;
  j["block"] = "router";
  j["config"] = cfg.name;
  j["params"] = cfg.params;
  j["seed"] = opt.seed;
  j["cycles"] = tb.failed ? tb.cycle : opt.cycles;
  j["flits_in"] = tb.flits_in;
  j["flits_out"] = tb.flits_out;
  j["packets_in"] = tb.packets_in;
  j["credit_stalls"] = tb.stalls_no_credit;
  static const char* pn[kPorts] = {"n", "w", "e", "s", "l"};
  nlohmann::json cov;
  int in_hit = 0, out_hit = 0, turn_hit = 0, turn_legal = 0;
  for (int p = 0; p < kPorts; ++p)
    for (int v = 0; v < tb.V; ++v) {
      cov["input_vc_heads"][fmt::format("{}{}", pn[p], v)] = tb.cov_in[static_cast<std::size_t>(p * tb.V + v)];
      in_hit += tb.cov_in[static_cast<std::size_t>(p * tb.V + v)] > 0;
      cov["output_vc_flits"][fmt::format("{}{}", pn[p], v)] = tb.cov_out[static_cast<std::size_t>(p * tb.V + v)];
      out_hit += tb.cov_out[static_cast<std::size_t>(p * tb.V + v)] > 0;
    }
  // Turns: every (input, output) pair the routing allows; under dimension order from (7, 7), X
  // before Y: from the west or east any output but back; from the north or south only straight on
  // or local; from local anywhere.
  for (int i = 0; i < kPorts; ++i)
    for (int o = 0; o < kPorts; ++o) {
      bool legal = true;
      if (!cfg.table_routing) {
        if (i == 1) legal = o != 1;
        if (i == 2) legal = o != 2;
        if (i == 0) legal = o == 3 || o == 4;
        if (i == 3) legal = o == 0 || o == 4;
      }
      const std::uint64_t n = tb.cov_turn[static_cast<std::size_t>(i * kPorts + o)];
      if (!legal && n) throw std::logic_error(fmt::format("router co-simulation: a head turned {} -> {}, which xy never routes", pn[i], pn[o]));
      if (!legal) continue;
      cov["turn_heads"][fmt::format("{}->{}", pn[i], pn[o])] = n;
      ++turn_legal;
      turn_hit += n > 0;
    }
  cov["input_vcs"] = fmt::format("{}/{}", in_hit, kPorts * tb.V);
  cov["output_vcs"] = fmt::format("{}/{}", out_hit, kPorts * tb.V);
  cov["turns"] = fmt::format("{}/{}", turn_hit, turn_legal);
  const bool complete = in_hit == kPorts * tb.V && out_hit == kPorts * tb.V && turn_hit == turn_legal;
  cov["complete"] = complete;
  j["coverage"] = cov;
  j["mismatches"] = tb.failed ? 1 : 0;
  j["pass"] = !tb.failed && complete;
  if (tb.failed) {
    j["first_mismatch"] = {{"cycle", tb.fail_cycle}, {"signal", tb.fail_signal}, {"rtl", describe(tb.fail_rtl)}, {"model", describe(tb.fail_model)}};
    if (!opt.out_dir.empty()) {
      const std::string path = opt.out_dir + fmt::format("/router_{}_mismatch_cycle{}.vcd", cfg.name, tb.fail_cycle);
      tb.vcd.write(path, 1000,
                   fmt::format("wafersim verify-rtl: router {} seed {}: {} differs at cycle {} (rtl {} model {})", cfg.name, opt.seed,
                               tb.fail_signal, tb.fail_cycle, hex(tb.fail_rtl), hex(tb.fail_model)));
      j["waveform"] = path;
    }
  }
  j["seconds"] = secs;
  j["cycles_per_s"] = secs > 0 ? static_cast<double>(j["cycles"].get<std::uint64_t>()) / secs : 0.0;
  return j;
}

}  // namespace wafersim::rtl
