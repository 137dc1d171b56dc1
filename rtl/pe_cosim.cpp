#include "rtl/pe_cosim.hpp"

#include <fmt/format.h>

#include <Eigen/Dense>
#include <bit>
#include <chrono>
#include <cmath>
#include <systemc>

#include "Vpe.h"
#include "core/random.hpp"
#include "rtl/pe_model.hpp"

namespace wafersim::rtl {
namespace {

using sc_core::sc_signal;
constexpr int kLanes = 4, kDim = 16;  // pe.sv's defaults

// bf16 operands the PE's contract covers: normal numbers with exponents in [-20, 20] (and zeros),
// so no product or partial sum of 16 terms overflows or goes subnormal.
std::uint16_t random_bf16(Rng& rng) {
  if (rng.uniform_int(16) == 0) return static_cast<std::uint16_t>(rng.uniform_int(2) << 15);
  const auto e = static_cast<std::uint16_t>(127 - 20 + rng.uniform_int(41));
  return static_cast<std::uint16_t>(rng.uniform_int(2) << 15 | e << 7 | rng.uniform_int(128));
}

class PeTb : public sc_core::sc_module {
 public:
  SC_HAS_PROCESS(PeTb);
  PeTb(sc_core::sc_module_name name, const PeCosimOptions& o, sc_core::sc_clock& clk) : sc_module(name), opt(o), rng(o.seed), dut("dut") {
    dut.clk(clk);
    dut.rst_n(rst_n);
    dut.mem_we(mem_we);
    dut.mem_sel(mem_sel);
    dut.mem_addr(mem_addr);
    dut.mem_wdata(mem_wdata);
    dut.c_addr(c_addr);
    dut.c_rdata(c_rdata);
    dut.start(start);
    dut.fmt(fmt_);
    dut.m(m);
    dut.n(n);
    dut.k(k);
    dut.busy(busy);
    dut.done(done);
    SC_METHOD(edge);
    sensitive << clk.posedge_event();
    dont_initialize();
  }

  const PeCosimOptions& opt;
  Rng rng;
  Vpe dut;
  sc_signal<bool> rst_n{"rst_n", false}, mem_we{"mem_we", false}, mem_sel{"mem_sel", false}, start{"start", false}, fmt_{"fmt", false};
  sc_signal<bool> busy{"busy"}, done{"done"};
  sc_signal<std::uint32_t> mem_addr{"mem_addr", 0}, mem_wdata{"mem_wdata", 0}, c_addr{"c_addr", 0}, c_rdata{"c_rdata"};
  sc_signal<std::uint32_t> m{"m", 1}, n{"n", 1}, k{"k", 1};

  enum { kReset, kLoad, kStart, kRun, kRead, kNext } phase = kReset;
  std::uint64_t edges = 0, started_at = 0, cycles = 0;
  PeJob job;
  std::size_t pos = 0;
  std::vector<std::uint32_t> c;
  int jobs_done = 0, jobs_bf16 = 0;
  std::uint64_t mismatches = 0, eigen_violations = 0, cycle_mismatches = 0, macs = 0;
  double worst_bound_use = 0;  // max |c - ref| / bound over bf16 elements
  nlohmann::json first;

  void new_job() {
    job.bf16 = rng.uniform_int(2) == 1;
    job.m = 1 + static_cast<int>(rng.uniform_int(kDim));
    job.n = 1 + static_cast<int>(rng.uniform_int(kDim));
    job.k = 1 + static_cast<int>(rng.uniform_int(kDim));
    job.a.resize(static_cast<std::size_t>(job.m * job.k));
    job.b.resize(static_cast<std::size_t>(job.k * job.n));
    for (auto* v : {&job.a, &job.b})
      for (auto& x : *v) x = job.bf16 ? random_bf16(rng) : static_cast<std::uint16_t>(rng.uniform_int(256));
    pos = 0;
    c.assign(static_cast<std::size_t>(job.m * job.n), 0);
  }

  void edge() {
    ++edges;
    mem_we.write(false);
    start.write(false);
    switch (phase) {
      case kReset:
        if (edges == 3) {
          rst_n.write(true);
          new_job();
          phase = kLoad;
        }
        return;
      case kLoad: {  // A then B, one element per cycle, into the DIM x DIM layout
        const std::size_t na = job.a.size();
        if (pos < na + job.b.size()) {
          const bool is_b = pos >= na;
          const std::size_t e = is_b ? pos - na : pos;
          const int row = static_cast<int>(is_b ? e / static_cast<std::size_t>(job.n) : e / static_cast<std::size_t>(job.k));
          const int col = static_cast<int>(is_b ? e % static_cast<std::size_t>(job.n) : e % static_cast<std::size_t>(job.k));
          mem_we.write(true);
          mem_sel.write(is_b);
          mem_addr.write(static_cast<std::uint32_t>(row * kDim + col));
          mem_wdata.write(is_b ? job.b[e] : job.a[e]);
          ++pos;
          return;
        }
        phase = kStart;
        [[fallthrough]];
      }
      case kStart:
        start.write(true);
        fmt_.write(job.bf16);
        m.write(static_cast<std::uint32_t>(job.m));
        n.write(static_cast<std::uint32_t>(job.n));
        k.write(static_cast<std::uint32_t>(job.k));
        started_at = edges + 1;  // the edge that samples start
        phase = kRun;
        return;
      case kRun:
        if (done.read()) {  // done went high at the previous edge
          cycles = edges - 1 - started_at;
          pos = 0;
          c_addr.write(0);
          phase = kRead;
        }
        return;
      case kRead: {  // c_rdata shows the address driven two edges ago
        if (pos >= 2) c[pos - 2] = c_rdata.read();
        if (pos < c.size()) {
          const std::size_t e = pos;
          c_addr.write(static_cast<std::uint32_t>((e / static_cast<std::size_t>(job.n)) * kDim + e % static_cast<std::size_t>(job.n)));
        }
        if (pos == c.size() + 1) {
          check();
          phase = kNext;
        }
        ++pos;
        return;
      }
      case kNext:
        if (++jobs_done == opt.jobs) {
          sc_core::sc_stop();
          return;
        }
        new_job();
        phase = kLoad;
        return;
    }
  }

  void check() {
    const std::vector<std::uint32_t> model = pe_compute(job);
    if (cycles != pe_cycles(job, kLanes)) ++cycle_mismatches;
    macs += static_cast<std::uint64_t>(job.m) * static_cast<std::uint64_t>(job.n) * static_cast<std::uint64_t>(job.k);
    jobs_bf16 += job.bf16;
    // Eigen references.
    Eigen::MatrixXd A(job.m, job.k), B(job.k, job.n);
    Eigen::MatrixXi Ai(job.m, job.k), Bi(job.k, job.n);
    for (int i = 0; i < job.m; ++i)
      for (int q = 0; q < job.k; ++q) {
        const std::uint16_t v = job.a[static_cast<std::size_t>(i * job.k + q)];
        A(i, q) = bf16_to_float(v);
        Ai(i, q) = static_cast<std::int8_t>(v & 0xff);
      }
    for (int q = 0; q < job.k; ++q)
      for (int j = 0; j < job.n; ++j) {
        const std::uint16_t v = job.b[static_cast<std::size_t>(q * job.n + j)];
        B(q, j) = bf16_to_float(v);
        Bi(q, j) = static_cast<std::int8_t>(v & 0xff);
      }
    const Eigen::MatrixXd ref = A * B, absref = A.cwiseAbs() * B.cwiseAbs();
    const Eigen::MatrixXi refi = Ai * Bi;
    const double u = std::ldexp(1.0, -24), gamma = job.k * u / (1 - job.k * u);
    for (int i = 0; i < job.m; ++i)
      for (int j = 0; j < job.n; ++j) {
        const std::size_t e = static_cast<std::size_t>(i * job.n + j);
        if (c[e] != model[e]) {
          if (!mismatches++)
            first = {{"job", jobs_done}, {"format", job.bf16 ? "bf16" : "int8"}, {"shape", {job.m, job.n, job.k}}, {"i", i}, {"j", j},
                     {"rtl", fmt::format("0x{:08x}", c[e])}, {"model", fmt::format("0x{:08x}", model[e])}};
        }
        if (job.bf16) {
          const double got = std::bit_cast<float>(c[e]), bound = gamma * absref(i, j);
          const double err = std::abs(got - ref(i, j));
          if (err > bound) ++eigen_violations;
          if (bound > 0) worst_bound_use = std::max(worst_bound_use, err / bound);
        } else if (static_cast<std::int32_t>(c[e]) != refi(i, j)) {
          ++eigen_violations;
        }
      }
  }
};

}  // namespace

nlohmann::json run_pe_cosim(const PeCosimOptions& o) {
  sc_core::sc_report_handler::set_actions(sc_core::SC_INFO, sc_core::SC_DO_NOTHING);
  sc_core::sc_clock clk("clk", 1, sc_core::SC_NS, 0.5, 0, sc_core::SC_NS, true);
  PeTb tb("tb", o, clk);
  const auto t0 = std::chrono::steady_clock::now();
  sc_core::sc_start(static_cast<double>(o.jobs) * 2000.0 + 100, sc_core::SC_NS);
  const double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  nlohmann::json j;
  j["block"] = "pe";
  j["lanes"] = kLanes;
  j["seed"] = o.seed;
  j["jobs"] = tb.jobs_done;
  j["jobs_bf16"] = tb.jobs_bf16;
  j["jobs_int8"] = tb.jobs_done - tb.jobs_bf16;
  j["macs"] = tb.macs;
  j["cycles"] = tb.edges;
  j["mismatches_vs_model"] = tb.mismatches;
  j["done_cycle_mismatches"] = tb.cycle_mismatches;
  j["eigen_violations"] = tb.eigen_violations;
  j["bf16_worst_error_over_bound"] = tb.worst_bound_use;
  if (!tb.first.is_null()) j["first_mismatch"] = tb.first;
  j["pass"] = tb.jobs_done == o.jobs && tb.mismatches == 0 && tb.cycle_mismatches == 0 && tb.eigen_violations == 0 && tb.jobs_bf16 > 0 &&
              tb.jobs_bf16 < o.jobs;
  j["seconds"] = secs;
  return j;
}

}  // namespace wafersim::rtl
