// The RTL tile blocks against the C++ models and independent references, through Verilator and
// SystemC. Each co-simulation runs in a child process (rtl/isolated.hpp).
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "rtl/cdc_cosim.hpp"
#include "rtl/isolated.hpp"
#include "rtl/mesh_cosim.hpp"
#include "rtl/pe_cosim.hpp"
#include "rtl/pe_model.hpp"
#include "rtl/router_cosim.hpp"
#include "rtl/router_model.hpp"

namespace wafersim::rtl {
namespace {

#ifdef WAFERSIM_SANITIZED
constexpr std::uint64_t kRouterCycles = 200000;  // the sanitizers make every cycle ~5x slower
#else
constexpr std::uint64_t kRouterCycles = 1000000;
#endif

nlohmann::json router(const std::string& config, std::uint64_t cycles, const std::string& out = "") {
  RouterCosimOptions o;
  o.config = config;
  o.cycles = cycles;
  o.out_dir = out;
  return run_isolated([&] { return run_router_cosim(o); });
}

TEST(RtlRouter, MillionCyclesOfRandomTrafficMatchTheEngineRouterModel) {
  const auto r = router("booksim", kRouterCycles);
  EXPECT_EQ(r["mismatches"], 0) << r.dump(1);
  EXPECT_EQ(r["cycles"], kRouterCycles);
  EXPECT_TRUE(r["coverage"]["complete"].get<bool>()) << r["coverage"].dump(1);
  EXPECT_EQ(r["coverage"]["turns"], "17/17");  // every turn dimension order allows at one router
  // The load is real: about 0.7 flits per port per cycle offered, buffers full at times.
  EXPECT_GT(r["flits_in"].get<double>(), 2.5 * static_cast<double>(kRouterCycles));
  EXPECT_GT(r["credit_stalls"].get<std::uint64_t>(), 0u);
  EXPECT_TRUE(r["pass"].get<bool>());
}

TEST(RtlRouter, TableRoutedConfigurationMatchesTheModel) {
  const auto r = router("table", kRouterCycles / 5);
  EXPECT_EQ(r["mismatches"], 0) << r.dump(1);
  EXPECT_EQ(r["coverage"]["turns"], "25/25");  // a random table: U-turns included
  EXPECT_TRUE(r["pass"].get<bool>());
}

TEST(RtlRouter, InjectedCreditSwapIsCaughtWithItsCycleAndAWaveform) {
  const std::string out = ::testing::TempDir() + "/rtl_bug";
  std::filesystem::create_directories(out);
  const auto r = router("booksim_bug", 100000, out);
  ASSERT_FALSE(r["pass"].get<bool>());
  ASSERT_EQ(r["mismatches"], 1);
  const auto& m = r["first_mismatch"];
  const std::uint64_t cycle = m["cycle"];
  EXPECT_GT(cycle, 0u);
  EXPECT_LT(cycle, 100000u);
  EXPECT_NE(m["rtl"], m["model"]);
  EXPECT_LT(r["cycles"].get<std::uint64_t>(), 100000u);  // stopped soon after it
  // The waveform holds the failing cycle, both routers' outputs and the stimulus.
  std::ifstream f(r["waveform"].get<std::string>());
  ASSERT_TRUE(f.good());
  std::stringstream ss;
  ss << f.rdbuf();
  const std::string vcd = ss.str();
  EXPECT_NE(vcd.find("rtl_out_flit_n"), std::string::npos);
  EXPECT_NE(vcd.find("model_out_flit_n"), std::string::npos);
  EXPECT_NE(vcd.find("credit_in_e"), std::string::npos);
  EXPECT_NE(vcd.find("#" + std::to_string(cycle * 1000) + "\n"), std::string::npos);
}

TEST(RtlRouter, UnknownConfigurationIsNamed) {
  RouterCosimOptions o;
  o.config = "nope";
  try {
    run_isolated([&] { return run_router_cosim(o); });
    FAIL();
  } catch (const std::exception& e) {
    EXPECT_NE(std::string(e.what()).find("built: booksim, table"), std::string::npos) << e.what();
  }
}

// Hand-worked: one 1-flit packet from local to east through the model alone, booksim pipeline
// (0/1/1/1, credit 2). In on the local port during cycle 0 -> usable 1; RC and VA at 1; SA at 2
// (vc_alloc_delay 1); on out_flit_e during 2 + sw_alloc + st_final = 4; its credit on
// credit_out_l during 2 + credit_delay = 4.
TEST(RtlRouter, ModelZeroLoadTimingIsTheDocumentedPipeline) {
  sim::RouterSpec s;
  s.num_vcs = 2;
  s.vc_buf_size = 8;
  s.input_speedup = 2;
  RouterModel m(s, 7, 7, false);
  RouterPins pins;
  int out_cycle = -1, credit_cycle = -1;
  for (int k = 0; k < 10; ++k) {
    m.outputs(pins);
    if (FlitWord{pins.out_flit[2]}.valid()) out_cycle = k;
    if (pins.credit_out[4]) credit_cycle = k;
    pins.in_flit = {};
    if (k == 0) pins.in_flit[4] = FlitWord::make(true, true, 1, 7, 9, 0x55).bits;
    m.clock(pins);
  }
  EXPECT_EQ(out_cycle, 4);
  EXPECT_EQ(credit_cycle, 4);
}

TEST(RtlMesh, MixedMeshLatenciesEqualTheEngineForEveryPacket) {
  MeshCosimOptions o;
  o.traffic_cycles = 10000;
  o.rate = 0.15;  // 0.375 flits per tile per cycle: contention at every router
  const auto r = run_isolated([&] { return run_mesh_cosim(o); });
  EXPECT_GT(r["packets"].get<std::uint64_t>(), 20000u);
  EXPECT_EQ(r["identical"], r["packets"]) << r.dump(1);
  EXPECT_GT(r["latency_max_cycles"].get<double>(), 2 * r["latency_mean_cycles"].get<double>());  // queueing happened
  EXPECT_TRUE(r["pass"].get<bool>());
}

TEST(RtlMesh, UpDownThroughTheRouteTableEqualsTheEngine) {
  MeshCosimOptions o;
  o.config = "table";
  o.rtl_nodes = {1, 2, 4, 7, 8, 11, 13, 14};
  o.traffic_cycles = 5000;
  o.rate = 0.05;
  const auto r = run_isolated([&] { return run_mesh_cosim(o); });
  EXPECT_EQ(r["routing"], "up_down");
  EXPECT_EQ(r["identical"], r["packets"]) << r.dump(1);
  EXPECT_TRUE(r["pass"].get<bool>());
}

// The engine's rule, worked by hand for one word: write at t = 5000 ps, read clock 1370 ps with
// phase 290: edges ..., 4400, 5770, 7140, 8510; first at or after 5000 is 5770, plus 2 stages ->
// 8510: 3510 ps. The RTL must give exactly the engine's time for every word but those written on a
// read edge, which its synchronizer samples one edge later.
TEST(RtlCdc, CrossingLatencyIsTheEngineRuleWordByWord) {
  for (const auto& [period, phase] : std::vector<std::pair<std::int64_t, std::int64_t>>{{1370, 290}, {700, 123}}) {
    CdcCosimOptions o;
    o.read_period_ps = period;
    o.read_phase_ps = phase;
    o.words = 5000;
    const auto r = run_isolated([&] { return run_cdc_cosim(o); });
    EXPECT_EQ(r["other_differences"], 0) << r.dump(1);
    EXPECT_EQ(r["coincident_edges"], r["coincident_one_period_later"]);
    EXPECT_EQ(r["data_errors"], 0);
    EXPECT_GT(r["full_cycles"].get<std::uint64_t>(), 0u);  // the stress phase filled it
    EXPECT_TRUE(r["pass"].get<bool>());
    // The distribution: the engine's mean crossing wait is (period - 1) / 2 + 2 periods over
    // uniform phases (docs/noc.md); the writes sample the phases, so within a few percent.
    const double expected = (static_cast<double>(period) - 1) / 2 + 2.0 * static_cast<double>(period);
    EXPECT_NEAR(r["mean_latency_ps"]["engine"].get<double>(), expected, 0.05 * expected);
  }
}

TEST(RtlCdc, SameClockEveryEdgeCoincidesAndTheRtlTakesOnePeriodMore) {
  CdcCosimOptions o;
  o.read_period_ps = 1000;
  o.read_phase_ps = 0;
  o.words = 2000;
  const auto r = run_isolated([&] { return run_cdc_cosim(o); });
  EXPECT_EQ(r["coincident_edges"], 2000);
  EXPECT_EQ(r["mean_latency_ps"]["rtl"].get<double>(), 3000.0);  // capture at t + 1000, two stages
  EXPECT_EQ(r["mean_latency_ps"]["engine"].get<double>(), 2000.0);
}

TEST(RtlPe, MatmulsEqualTheModelAndEigenInBothFormats) {
  PeCosimOptions o;
  o.jobs = 150;
  const auto r = run_isolated([&] { return run_pe_cosim(o); });
  EXPECT_EQ(r["mismatches_vs_model"], 0) << r.dump(1);
  EXPECT_EQ(r["done_cycle_mismatches"], 0);
  EXPECT_EQ(r["eigen_violations"], 0);
  EXPECT_GT(r["jobs_int8"].get<int>(), 30);
  EXPECT_GT(r["jobs_bf16"].get<int>(), 30);
  EXPECT_GT(r["bf16_worst_error_over_bound"].get<double>(), 0.0);  // rounding happened and was bounded
  EXPECT_TRUE(r["pass"].get<bool>());
}

// The C++ PE arithmetic against hand-worked values.
TEST(RtlPe, ArithmeticHandWorked) {
  EXPECT_EQ(pe_int8_mac(10, 0xff, 0x80), 10 + (-1) * (-128));  // int8 operands are signed
  // bf16 1.5 (0x3fc0) x 2.5 (0x4020) = 3.75 exactly.
  EXPECT_EQ(pe_bf16_mac(0.0f, 0x3fc0, 0x4020), 3.75f);
  // Round to nearest even: 1 + 2^-24 is a tie between 1 and 1 + 2^-23 and goes to 1.
  const std::uint16_t two_m24 = static_cast<std::uint16_t>((127 - 24) << 7), one = 0x3f80;
  EXPECT_EQ(pe_bf16_mac(1.0f, two_m24, one), 1.0f);
  // Subnormal inputs count as zero.
  EXPECT_EQ(pe_bf16_mac(2.0f, 0x0001, one), 2.0f);
  // Schedule: 3 rows, 6 columns in blocks of 4 (2 blocks), K = 5: 3 * 2 * 6 = 36 edges.
  PeJob j;
  j.m = 3;
  j.n = 6;
  j.k = 5;
  EXPECT_EQ(pe_cycles(j, 4), 36u);
}

}  // namespace
}  // namespace wafersim::rtl
