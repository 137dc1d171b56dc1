// run_noc's verdicts on their own: ok, saturated (latency over the threshold, or not drained),
// deadlock, and undrained for a fixed-length run.
#include "sim/noc_run.hpp"

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

namespace wafersim::sim {
namespace {

namespace fs = std::filesystem;

struct NocRun : ::testing::Test {
  fs::path dir;
  void SetUp() override {
    dir = fs::temp_directory_path() / ("wafersim-nocrun-" + std::to_string(::getpid()) + "-" +
                                       ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::create_directories(dir);
  }
  void TearDown() override { fs::remove_all(dir); }
  // A 6 x 6 mesh with this routing, and a NoC config around it.
  NocConfig config(const std::string& extra, const std::string& routing = "xy") {
    std::ofstream(dir / "mesh.yaml") << "wafer: {tile: {width_mm: 1, height_mm: 1}, placement: rectangle, rows: 6, cols: 6, "
                                        "edge_exclusion_mm: 0}\ndefects: {dead_tile_fraction: 0}\nrepair: {strategy: none}\n"
                                        "routing: {algorithm: " + routing + "}\n";
    std::ofstream(dir / "noc.yaml") << "system: mesh.yaml\n" << extra;
    return NocConfig::load(dir / "noc.yaml");
  }
  static NocResult run(const NocConfig& c) { return run_noc(NocNetwork(c), c, c.traffic); }
};

TEST_F(NocRun, LightLoadIsOkAndDeliversEveryMeasuredPacket) {
  const NocResult r = run(config("traffic: {pattern: uniform, rate: 0.05}\nmeasurement: {warmup_cycles: 500, measure_cycles: 2000}\n"));
  EXPECT_EQ(r.status, "ok") << r.status_detail;
  EXPECT_GT(r.packets_measured, 0u);
  EXPECT_EQ(r.packets_delivered, r.packets_measured);
}

TEST_F(NocRun, OverloadIsSaturatedByTheLatencyThreshold) {
  // Uniform at 0.9 flits/node/cycle on a 6 x 6 mesh: far above its bisection bound of 4/6.
  const NocResult r = run(config("traffic: {pattern: uniform, rate: 0.9}\n"
                                 "measurement: {warmup_cycles: 500, measure_cycles: 5000, latency_threshold_cycles: 200}\n"));
  EXPECT_EQ(r.status, "saturated");
  EXPECT_NE(r.status_detail.find("mean latency of measured packets above 200 cycles"), std::string::npos) << r.status_detail;
}

TEST_F(NocRun, PacketsThatCannotDrainInTimeAreSaturatedOrUndrained) {
  // No drain time at all: the packets made in the window's last cycles are still in flight.
  const std::string light = "traffic: {pattern: uniform, rate: 0.05}\n";
  const NocResult stop = run(config(light + "measurement: {warmup_cycles: 200, measure_cycles: 1000, max_drain_cycles: 0}\n"));
  EXPECT_EQ(stop.status, "saturated");
  EXPECT_NE(stop.status_detail.find("did not drain within 0 cycles"), std::string::npos) << stop.status_detail;
  // A fixed-length run (noc --cycles) reports what it measured instead.
  NocConfig fixed = config(light + "measurement: {warmup_cycles: 0, measure_cycles: 1000, max_drain_cycles: 0}\n");
  fixed.measurement.stop_when_saturated = false;
  const NocResult r = run(fixed);
  EXPECT_EQ(r.status, "undrained");
  EXPECT_LT(r.packets_delivered, r.packets_measured);
}

TEST_F(NocRun, ADeadlockIsFoundWhenNoFlitMoves) {
  // minimal_adaptive has no escape channel: with one VC of 2 flits and 8-flit packets at a high
  // load, a cycle of full buffers forms within a few hundred cycles.
  const NocResult r = run(config("router: {num_vcs: 1, vc_buf_size: 2}\ntraffic: {pattern: uniform, rate: 0.9, packet_size: 8}\n"
                                 "measurement: {warmup_cycles: 0, measure_cycles: 3000, deadlock_cycles: 500}\n",
                                 "minimal_adaptive"));
  EXPECT_EQ(r.status, "deadlock");
  EXPECT_NE(r.status_detail.find("none moved for 500 cycles"), std::string::npos) << r.status_detail;
}

}  // namespace
}  // namespace wafersim::sim
