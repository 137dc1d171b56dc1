#include "rtl/cdc_cosim.hpp"

#include <fmt/format.h>

#include <chrono>
#include <deque>
#include <map>
#include <systemc>

#include "Vcdc_fifo.h"
#include "core/random.hpp"
#include "sim/clock_domains.hpp"

namespace wafersim::rtl {
namespace {

using sc_core::sc_signal;
constexpr int kSyncStages = 2;  // cdc_fifo.sv's default SYNC_STAGES, the engine's synchronizer_stages default

class CdcTb : public sc_core::sc_module {
 public:
  SC_HAS_PROCESS(CdcTb);
  CdcTb(sc_core::sc_module_name name, const CdcCosimOptions& o, sc_core::sc_clock& wclk, sc_core::sc_clock& rclk)
      : sc_module(name), opt(o), rng(o.seed), dut("dut") {
    dut.wclk(wclk);
    dut.rclk(rclk);
    dut.wrst_n(rst_n);
    dut.rrst_n(rst_n);
    dut.w_valid(w_valid);
    dut.w_data(w_data);
    dut.w_full(w_full);
    dut.r_ready(r_ready);
    dut.r_valid(r_valid);
    dut.r_data(r_data);
    SC_METHOD(write_edge);
    sensitive << wclk.posedge_event();
    dont_initialize();
    SC_METHOD(read_edge);
    sensitive << rclk.posedge_event();
    dont_initialize();
  }

  const CdcCosimOptions& opt;
  Rng rng;
  Vcdc_fifo dut;
  sc_signal<bool> rst_n{"rst_n", false}, w_valid{"w_valid", false}, w_full{"w_full"}, r_ready{"r_ready", false}, r_valid{"r_valid"};
  sc_signal<std::uint32_t> w_data{"w_data", 0}, r_data{"r_data"};
  std::uint64_t wedges = 0, redges = 0;
  std::uint32_t next_word = 0;  // the next word to write
  std::uint32_t expect = 0;     // the next word to read
  std::map<std::uint32_t, std::int64_t> written_ps;
  std::vector<std::pair<std::int64_t, std::int64_t>> latency;  // (write edge, read edge) of each latency-phase word
  bool in_flight = false;
  int gap = 0;
  std::uint64_t full_seen = 0, empty_reads = 0, errors = 0;
  std::string first_error;
  bool done = false;

  static std::int64_t now_ps() { return static_cast<std::int64_t>(sc_core::sc_time_stamp().to_seconds() * 1e12 + 0.5); }
  bool latency_phase() const { return next_word < opt.words; }

  void write_edge() {
    ++wedges;
    if (wedges == 4) rst_n.write(true);  // both domains have seen reset edges by now
    if (wedges <= 4) return;
    // Did the FIFO take the word offered during the cycle that just ended?
    if (w_valid.read()) {
      if (!w_full.read()) {
        written_ps[w_data.read()] = now_ps();
        ++next_word;
      } else {
        ++full_seen;
      }
    }
    bool offer = false;
    if (latency_phase()) {
      if (!in_flight && written_ps.count(next_word) == 0) {
        if (gap > 0) --gap;
        else offer = true;
      }
      if (offer) in_flight = true;  // cleared by the reader when the word arrives
    } else if (next_word < 2 * opt.words) {
      offer = rng.uniform01() < 0.7;
    }
    w_valid.write(offer);
    w_data.write(next_word);
  }

  void read_edge() {
    ++redges;
    if (!rst_n.read()) return;
    if (r_valid.read() && r_ready.read()) {  // popped at this edge
      const std::uint32_t w = r_data.read();
      if (w != expect && errors++ == 0) first_error = fmt::format("read word {} where {} was next", w, expect);
      const auto it = written_ps.find(w);
      if (it == written_ps.end()) {
        if (errors++ == 0) first_error = fmt::format("read word {} that was never written", w);
      } else {
        if (w < opt.words) latency.emplace_back(it->second, now_ps());
        written_ps.erase(it);
      }
      ++expect;
      if (w < opt.words) {
        in_flight = false;
        gap = static_cast<int>(rng.uniform_int(5));
      }
      if (expect == 2 * opt.words) done = true;
    } else if (r_ready.read()) {
      ++empty_reads;
    }
    // The latency phase reads at once; the stress phase reads at random to fill the FIFO.
    r_ready.write(latency_phase() || expect < opt.words || rng.uniform01() < 0.5);
    if (done) sc_core::sc_stop();
  }
};

}  // namespace

nlohmann::json run_cdc_cosim(const CdcCosimOptions& o) {
  sc_core::sc_report_handler::set_actions(sc_core::SC_INFO, sc_core::SC_DO_NOTHING);  // not "stopped by user"
  using sc_core::SC_PS;
  sc_core::sc_clock wclk("wclk", static_cast<double>(o.write_period_ps), SC_PS, 0.5, static_cast<double>(o.write_phase_ps), SC_PS, true);
  sc_core::sc_clock rclk("rclk", static_cast<double>(o.read_period_ps), SC_PS, 0.5, static_cast<double>(o.read_phase_ps), SC_PS, true);
  CdcTb tb("tb", o, wclk, rclk);
  const auto t0 = std::chrono::steady_clock::now();
  const double horizon = static_cast<double>(std::max(o.write_period_ps, o.read_period_ps)) * static_cast<double>(o.words) * 12.0 + 1e6;
  sc_core::sc_start(horizon, SC_PS);
  const double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();

  // The engine's rule, from the engine's own ClockDomains.
  const sim::ClockDomains clocks({{o.write_period_ps, o.write_phase_ps}, {o.read_period_ps, o.read_phase_ps}}, {0, 1});
  std::uint64_t equal = 0, coincident = 0, coincident_later = 0, other = 0;
  std::map<std::int64_t, std::pair<std::uint64_t, std::uint64_t>> hist;  // latency ps -> (rtl, engine)
  double sum_rtl = 0, sum_eng = 0;
  nlohmann::json first;
  for (const auto& [tw, tr] : tb.latency) {
    const std::int64_t eng = clocks.edge_ps(1, clocks.first_edge_at_or_after(1, tw) + kSyncStages);
    const bool on_edge = (tw - o.read_phase_ps) % o.read_period_ps == 0;
    ++hist[tr - tw].first;
    ++hist[eng - tw].second;
    sum_rtl += static_cast<double>(tr - tw);
    sum_eng += static_cast<double>(eng - tw);
    if (tr == eng) {
      ++equal;
    } else if (on_edge) {
      ++coincident;
      coincident_later += tr == eng + o.read_period_ps;
    } else {
      ++other;
      if (first.is_null()) first = {{"write_ps", tw}, {"rtl_read_ps", tr}, {"engine_read_ps", eng}};
    }
  }
  const std::size_t n = tb.latency.size();
  nlohmann::json j;
  j["block"] = "cdc";
  j["write_clock"] = {{"period_ps", o.write_period_ps}, {"phase_ps", o.write_phase_ps}};
  j["read_clock"] = {{"period_ps", o.read_period_ps}, {"phase_ps", o.read_phase_ps}};
  j["sync_stages"] = kSyncStages;
  j["words_latency_phase"] = n;
  j["words_total"] = tb.expect;
  j["equal_to_engine"] = equal;
  // A read edge at the very instant of the write: the engine counts it as capturing, the RTL's
  // synchronizer samples the old pointer (a real flop would be metastable and go either way).
  j["coincident_edges"] = coincident;
  j["coincident_one_period_later"] = coincident_later;
  j["other_differences"] = other;
  if (!first.is_null()) j["first_difference"] = first;
  j["mean_latency_ps"] = {{"rtl", n ? sum_rtl / static_cast<double>(n) : 0.0}, {"engine", n ? sum_eng / static_cast<double>(n) : 0.0}};
  nlohmann::json h = nlohmann::json::array();
  for (const auto& [lat, c] : hist) h.push_back({{"latency_ps", lat}, {"rtl", c.first}, {"engine", c.second}});
  j["histogram"] = h;
  j["full_cycles"] = tb.full_seen;
  j["data_errors"] = tb.errors;
  if (tb.errors) j["first_data_error"] = tb.first_error;
  j["pass"] = tb.done && tb.errors == 0 && other == 0 && coincident == coincident_later && n == o.words && tb.full_seen > 0;
  j["seconds"] = secs;
  return j;
}

}  // namespace wafersim::rtl
