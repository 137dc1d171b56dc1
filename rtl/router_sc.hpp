#pragma once
// The router as a SystemC module: the port bundle of rtl/sv/router.sv, once as the Verilated RTL
// (one class per configuration built, rtl/CMakeLists.txt) and once as the engine's router model
// (RouterModelSc over RouterModel), so a testbench or a mesh can hold either in any position.
// Include only from co-simulation sources: it pulls in SystemC.
#include <systemc>

#include <memory>
#include <string>
#include <vector>

#include "rtl/router_model.hpp"

namespace wafersim::rtl {

// The signals around one router. A mesh shares them: a router's out_flit east is its east
// neighbour's in_flit west.
struct RouterBus {
  sc_core::sc_signal<bool>* rst_n = nullptr;
  sc_core::sc_signal<std::uint32_t>* my_x = nullptr;
  sc_core::sc_signal<std::uint32_t>* my_y = nullptr;
  sc_core::sc_signal<std::uint32_t>* in_flit[kPorts] = {};
  sc_core::sc_signal<std::uint32_t>* out_flit[kPorts] = {};
  sc_core::sc_signal<std::uint32_t>* credit_in[kPorts] = {};  // [4] is tied off (ejection has no credits)
  sc_core::sc_signal<std::uint32_t>* credit_out[kPorts] = {};
  sc_core::sc_signal<bool>* tbl_we = nullptr;
  sc_core::sc_signal<std::uint32_t>* tbl_addr = nullptr;
  sc_core::sc_signal<std::uint64_t>* tbl_data = nullptr;
};

// Binds a router module (Verilated or model: same port names) to a bus.
template <class R>
void bind_router(R& r, sc_core::sc_clock& clk, const RouterBus& b) {
  r.clk(clk);
  r.rst_n(*b.rst_n);
  r.my_x(*b.my_x);
  r.my_y(*b.my_y);
  r.in_flit_n(*b.in_flit[0]);
  r.in_flit_w(*b.in_flit[1]);
  r.in_flit_e(*b.in_flit[2]);
  r.in_flit_s(*b.in_flit[3]);
  r.in_flit_l(*b.in_flit[4]);
  r.out_flit_n(*b.out_flit[0]);
  r.out_flit_w(*b.out_flit[1]);
  r.out_flit_e(*b.out_flit[2]);
  r.out_flit_s(*b.out_flit[3]);
  r.out_flit_l(*b.out_flit[4]);
  r.credit_in_n(*b.credit_in[0]);
  r.credit_in_w(*b.credit_in[1]);
  r.credit_in_e(*b.credit_in[2]);
  r.credit_in_s(*b.credit_in[3]);
  r.credit_out_n(*b.credit_out[0]);
  r.credit_out_w(*b.credit_out[1]);
  r.credit_out_e(*b.credit_out[2]);
  r.credit_out_s(*b.credit_out[3]);
  r.credit_out_l(*b.credit_out[4]);
  r.tbl_we(*b.tbl_we);
  r.tbl_addr(*b.tbl_addr);
  r.tbl_data(*b.tbl_data);
}

// The engine's router model behind the RTL's pins.
class RouterModelSc : public sc_core::sc_module {
 public:
  sc_core::sc_in<bool> clk, rst_n;
  sc_core::sc_in<std::uint32_t> my_x, my_y;
  sc_core::sc_in<std::uint32_t> in_flit_n, in_flit_w, in_flit_e, in_flit_s, in_flit_l;
  sc_core::sc_out<std::uint32_t> out_flit_n, out_flit_w, out_flit_e, out_flit_s, out_flit_l;
  sc_core::sc_in<std::uint32_t> credit_in_n, credit_in_w, credit_in_e, credit_in_s;
  sc_core::sc_out<std::uint32_t> credit_out_n, credit_out_w, credit_out_e, credit_out_s, credit_out_l;
  sc_core::sc_in<bool> tbl_we;
  sc_core::sc_in<std::uint32_t> tbl_addr;
  sc_core::sc_in<std::uint64_t> tbl_data;

  // The model's first flow-control complaint ("" if none): a flit into a full buffer or a credit
  // beyond the buffer, i.e. the pins broke the protocol (rtl/router_model.hpp).
  const std::string& error() const { return error_; }

  SC_HAS_PROCESS(RouterModelSc);
  RouterModelSc(sc_core::sc_module_name name, const sim::RouterSpec& spec, bool table_routing)
      : sc_module(name), spec_(spec), table_(table_routing), model_(std::make_unique<RouterModel>(spec, 0, 0, table_routing)) {
    SC_METHOD(edge);
    sensitive << clk.pos();
    dont_initialize();
  }

 private:
  void edge();

  sim::RouterSpec spec_;
  bool table_;
  std::unique_ptr<RouterModel> model_;
  std::vector<std::uint64_t> table_shadow_;
  std::string error_;
};

// A router configuration built in RTL: its name, the engine RouterSpec it corresponds to, whether
// it routes by table, and a factory binding a new instance to a bus.
struct RtlRouterConfig {
  std::string name;
  std::string params;  // the Verilator -G overrides, "NUM_VCS=2 BUF_DEPTH=8 ..."
  sim::RouterSpec spec;
  bool table_routing = false;
  bool injected_bug = false;
  sc_core::sc_module* (*make)(const char* name, sc_core::sc_clock& clk, const RouterBus& bus) = nullptr;
};

const std::vector<RtlRouterConfig>& rtl_router_configs();
// Throws std::invalid_argument naming the configurations built when `name` is not one.
const RtlRouterConfig& rtl_router_config(const std::string& name);

}  // namespace wafersim::rtl
