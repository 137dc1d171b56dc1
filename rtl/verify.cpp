#include "rtl/verify.hpp"

#include <fmt/format.h>

#include <filesystem>
#include <fstream>
#include <iostream>

#include "core/input_error.hpp"
#include "rtl/cdc_cosim.hpp"
#include "rtl/isolated.hpp"
#include "rtl/mesh_cosim.hpp"
#include "rtl/pe_cosim.hpp"
#include "rtl/router_cosim.hpp"

namespace wafersim::rtl {
namespace {

std::string verdict(const nlohmann::json& r) { return r.value("pass", false) ? "PASS" : "FAIL"; }

std::string si(double v) {
  if (v >= 1e6) return fmt::format("{:.2f}M", v / 1e6);
  if (v >= 1e3) return fmt::format("{:.1f}k", v / 1e3);
  return fmt::format("{:.0f}", v);
}

void print_router(const nlohmann::json& r, std::ostream& out) {
  const auto& c = r["coverage"];
  out << fmt::format("router {:<12} {}  {} cycles, {} flits in, {} out; coverage: input VCs {}, output VCs {}, turns {} ({:.1f} s, {} cycles/s)\n",
                     r["config"].get<std::string>(), verdict(r), r["cycles"].get<std::uint64_t>(), r["flits_in"].get<std::uint64_t>(),
                     r["flits_out"].get<std::uint64_t>(), c["input_vcs"].get<std::string>(), c["output_vcs"].get<std::string>(),
                     c["turns"].get<std::string>(), r["seconds"].get<double>(), si(r["cycles_per_s"].get<double>()));
  if (r.contains("first_mismatch")) {
    const auto& m = r["first_mismatch"];
    out << fmt::format("  first mismatch at cycle {}: {}\n    rtl   {}\n    model {}\n", m["cycle"].get<std::uint64_t>(),
                       m["signal"].get<std::string>(), m["rtl"].get<std::string>(), m["model"].get<std::string>());
    if (r.contains("waveform")) out << "  waveform (VCD, the cycles around it): " << r["waveform"].get<std::string>() << "\n";
  } else if (!c["complete"].get<bool>()) {
    out << "  coverage incomplete: run more cycles (--cycles) so that every port, VC and turn is exercised\n";
  }
}

void print_mesh(const nlohmann::json& r, std::ostream& out) {
  std::string nodes;
  for (const auto& n : r["rtl_nodes"]) nodes += (nodes.empty() ? "" : ",") + std::to_string(n.get<int>());
  out << fmt::format("mesh   {:<12} {}  4x4 {} with RTL routers at nodes {}: {} of {} packets with the engine's latency (mean {:.1f}, max {} cycles); "
                     "{} cycles ({:.1f} s, {} cycles/s)\n",
                     r["config"].get<std::string>(), verdict(r), r["routing"].get<std::string>(), nodes, r["identical"].get<std::uint64_t>(),
                     r["packets"].get<std::uint64_t>(), r["latency_mean_cycles"].get<double>(), r["latency_max_cycles"].get<std::uint64_t>(),
                     r["cycles"].get<std::uint64_t>(), r["seconds"].get<double>(), si(r["cycles_per_s"].get<double>()));
  if (r.contains("first_difference")) out << "  first difference: " << r["first_difference"].dump() << "\n";
  if (r.contains("testbench_error")) out << "  " << r["testbench_error"].get<std::string>() << "\n";
}

void print_cdc(const nlohmann::json& r, std::ostream& out) {
  out << fmt::format("cdc    {:>5}/{:<4} ps {}  {} words: {} at the engine's crossing time, {} on a coincident read edge ({} one read period later), "
                     "{} other; mean {:.0f} ps RTL vs {:.0f} ps engine; {} words through full/empty stress, {} data errors\n",
                     r["read_clock"]["period_ps"].get<std::int64_t>(), r["read_clock"]["phase_ps"].get<std::int64_t>(), verdict(r),
                     r["words_latency_phase"].get<std::uint64_t>(), r["equal_to_engine"].get<std::uint64_t>(),
                     r["coincident_edges"].get<std::uint64_t>(), r["coincident_one_period_later"].get<std::uint64_t>(),
                     r["other_differences"].get<std::uint64_t>(), r["mean_latency_ps"]["rtl"].get<double>(),
                     r["mean_latency_ps"]["engine"].get<double>(), r["words_total"].get<std::uint64_t>() - r["words_latency_phase"].get<std::uint64_t>(),
                     r["data_errors"].get<std::uint64_t>());
}

void print_pe(const nlohmann::json& r, std::ostream& out) {
  out << fmt::format("pe     {} lanes       {}  {} jobs ({} int8, {} bf16), {} MACs, {} cycles: {} results differ from the C++ PE, {} done cycles differ, "
                     "{} outside the Eigen reference (bf16 worst error {:.2f} of its bound)\n",
                     r["lanes"].get<int>(), verdict(r), r["jobs"].get<int>(), r["jobs_int8"].get<int>(), r["jobs_bf16"].get<int>(),
                     r["macs"].get<std::uint64_t>(), r["cycles"].get<std::uint64_t>(), r["mismatches_vs_model"].get<std::uint64_t>(),
                     r["done_cycle_mismatches"].get<std::uint64_t>(), r["eigen_violations"].get<std::uint64_t>(),
                     r["bf16_worst_error_over_bound"].get<double>());
  if (r.contains("first_mismatch")) out << "  first mismatch: " << r["first_mismatch"].dump() << "\n";
}

}  // namespace

nlohmann::json verify_rtl(const VerifyOptions& o, std::ostream& out) {
  const bool all = o.block == "all";
  if (!all && o.block != "router" && o.block != "mesh" && o.block != "cdc" && o.block != "pe")
    throw InputError(fmt::format("--block: '{}' is not a block; choose router, mesh, cdc, pe or all", o.block));
  if (o.out_dir.empty()) throw InputError("--out: a directory for the report (and waveforms on failure) is required");
  if (o.cycles < 1000) throw InputError(fmt::format("--cycles: {} is too few to exercise a router; use at least 1000", o.cycles));
  std::filesystem::create_directories(o.out_dir);
  nlohmann::json report = {{"seed", o.seed}, {"blocks", nlohmann::json::array()}};
  bool pass = true;
  auto record = [&](nlohmann::json r) {
    pass = pass && r.value("pass", false);
    report["blocks"].push_back(std::move(r));
    report["pass"] = pass;
    std::ofstream(o.out_dir + "/report.json") << report.dump(2) << "\n";
  };
  auto note = [&](const std::string& what) {
    if (o.progress) std::cerr << "verify-rtl: " << what << "...\n";
  };
  if (all || o.block == "router") {
    std::vector<std::string> configs = o.inject_bug ? std::vector<std::string>{"booksim_bug"} : std::vector<std::string>{"booksim", "table"};
    for (const auto& cfg : configs) {
      note("router " + cfg);
      RouterCosimOptions ro;
      ro.config = cfg;
      ro.cycles = o.cycles;
      ro.seed = o.seed;
      ro.out_dir = o.out_dir;
      ro.progress = o.progress;
      auto r = run_isolated([&] { return run_router_cosim(ro); });
      print_router(r, out);
      record(std::move(r));
    }
  }
  if (all || o.block == "mesh") {
    for (const auto& cfg : {std::string("booksim"), std::string("table")}) {
      note("mixed mesh " + cfg);
      MeshCosimOptions mo;
      mo.config = cfg;
      mo.traffic_cycles = std::max<std::uint64_t>(1000, o.cycles / 50);
      mo.rate = cfg == "booksim" ? 0.15 : 0.05;
      mo.seed = o.seed;
      auto r = run_isolated([&] { return run_mesh_cosim(mo); });
      print_mesh(r, out);
      record(std::move(r));
    }
  }
  if (all || o.block == "cdc") {
    // Read clock slower and out of phase, faster, and the same clock (every edge coincides).
    const std::pair<std::int64_t, std::int64_t> reads[] = {{1370, 290}, {700, 123}, {1000, 0}};
    for (const auto& [period, phase] : reads) {
      note(fmt::format("cdc fifo, read clock {} ps phase {} ps", period, phase));
      CdcCosimOptions co;
      co.read_period_ps = period;
      co.read_phase_ps = phase;
      co.seed = o.seed;
      auto r = run_isolated([&] { return run_cdc_cosim(co); });
      print_cdc(r, out);
      record(std::move(r));
    }
  }
  if (all || o.block == "pe") {
    note("pe");
    PeCosimOptions po;
    po.jobs = 400;
    po.seed = o.seed;
    auto r = run_isolated([&] { return run_pe_cosim(po); });
    print_pe(r, out);
    record(std::move(r));
  }
  out << (pass ? "verify-rtl: PASS" : "verify-rtl: FAIL") << " (report: " << o.out_dir << "/report.json)\n";
  return report;
}

}  // namespace wafersim::rtl
