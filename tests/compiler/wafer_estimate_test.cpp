// The wafer-cluster estimate: hand-worked peaks and link bandwidths, the wafer-count bisection,
// run losses, what the sensitivity rows must do, and bad input.
#include <fmt/format.h>
#include <gtest/gtest.h>

#include <cmath>
#include <filesystem>
#include <fstream>

#include "../sim/sim_test_util.hpp"
#include "compiler/wafer_cluster.hpp"
#include "compiler/wafer_estimate.hpp"
#include "core/input_error.hpp"

namespace wafersim::compiler {
namespace {

const std::string kRoot = WAFERSIM_SOURCE_DIR;

// A fault-free 8 x 8 wafer of 4 x 4-array tiles at 1 GHz, in a temporary folder, and a cluster
// of them; `cluster_extra` replaces keys of the cluster file.
struct SmallCluster {
  std::filesystem::path dir;
  explicit SmallCluster(const std::string& name, const std::string& off_wafer = "{gb_s_per_edge: 100, latency_us: 1, topology: torus_2d}",
                        const std::string& sram_kib = "4096") {
    dir = std::filesystem::temp_directory_path() / ("wafersim_wafer_estimate_" + name);
    std::filesystem::create_directories(dir);
    std::ofstream(dir / "wafer.yaml") << "name: small\nwafer: {tile: {width_mm: 1, height_mm: 1}, edge_exclusion_mm: 0, placement: rectangle, "
                                         "rows: 8, cols: 8}\ndefects: {dead_tile_fraction: 0.0}\nrepair: {strategy: none}\n"
                                         "routing: {algorithm: duato}\ncompute: {array: 4, vector_flops_per_cycle: 8, sram_kib: "
                                      << sram_kib
                                      << ", task_overhead_cycles: 4}\nnoc:\n  clock: {frequency_ghz: 1.0, domains: global}\n";
    std::ofstream(dir / "cluster.yaml") << "name: small-cluster\nkind: wafer_cluster\nwafer: wafer.yaml\nwafers: 16\nyield: {samples: 2}\n"
                                           "off_wafer: "
                                        << off_wafer
                                        << "\nexternal_memory: {capacity_tb: 1, tb_s: 0.1}\n"
                                           "power: {tile_active_w: 1.0, tile_idle_w: 0.5, pj_per_bit_hop: 0, pj_per_bit_off_wafer: 0, overhead: 1.0}\n"
                                           "cost: {wafer_usd: 1000, system_usd_per_wafer: 500}\ncalibration: {window: 8}\n";
  }
  ~SmallCluster() { std::filesystem::remove_all(dir); }
  WaferClusterSpec load() const { return WaferClusterSpec::load(dir / "cluster.yaml"); }
};

ModelSpec small_model() {
  ModelSpec m = ModelSpec::load(kRoot + "/workloads/gpt2-small.yaml");
  m.layers = 4;
  m.sequence = 64;
  m.global_batch = 64;
  m.micro_batch = 1;
  m.training_tokens = 1e9;
  return m;
}

// A small cluster characterized and calibrated for small_model(), as a device of the estimator.
struct Calibrated {
  SmallCluster files;
  WaferClusterSpec spec;
  WaferCharacter wafer;
  ModelSpec model = small_model();
  std::vector<LayerCalibration> cals;  // at micro-batch 1, 2, 4 and 8, as the search tries
  LayerCalibration cal;                // micro-batch 1's
  ClusterSpec cluster;
  explicit Calibrated(const std::string& name)
      : files(name), spec(files.load()), wafer(characterize_wafers(spec, 1)),
        cals(calibrate_micro_batches(model, spec, wafer, {std::begin(kSearchMicroBatches), std::end(kSearchMicroBatches)}, 1, {}, 2)),
        cal(calibration_at(cals, 1)), cluster(as_training_cluster(spec, wafer, cals, model)) {}
};

TEST(WaferCluster, PeakIsTilesTimesMacsTimesClockAndYieldIsOneOnAFaultFreeWafer) {
  SmallCluster sc("peak");
  const WaferClusterSpec c = sc.load();
  const WaferCharacter w = characterize_wafers(c, 1);
  EXPECT_EQ(w.usable_tiles.mean, 64.0);
  EXPECT_DOUBLE_EQ(w.wafer_yield.mean, 1.0);
  EXPECT_NEAR(w.tile_ghz.mean, 1.0, 1e-9);
  // 64 tiles x 16 MACs x 2 FLOP x 1 GHz.
  EXPECT_NEAR(w.usable_peak_flops, 64 * 16 * 2 * 1e9, 1e3);
  EXPECT_NEAR(w.nominal_peak_flops, 64 * 16 * 2 * 1e9, 1e3);
  EXPECT_NEAR(w.sram_bytes, 64 * 4096 * 1024.0, 1e-6);
}

TEST(WaferCluster, RingBandwidthIsTwoEdgesOnATorusAndFourIntoASwitch) {
  SmallCluster torus("torus");
  EXPECT_DOUBLE_EQ(torus.load().collective_bytes_per_s(), 2 * 100e9);
  SmallCluster sw("switch", "{gb_s_per_edge: 100, latency_us: 1, topology: switched}");
  EXPECT_DOUBLE_EQ(sw.load().collective_bytes_per_s(), 4 * 100e9);
}

// The power's on-wafer bit-hops, by hand on a 4 x 4 fabric: a unicast of 10 bytes from (0, 0) to
// (2, 3) goes 5 links; a multicast of 4 bytes from (1, 1) to (1, 3), (3, 1) and (3, 3) takes the
// XY tree's 6 links: (1,1)-(1,2)-(1,3) along its row, shared, then down column 1 and column 3.
TEST(WaferCluster, BitHopsAreManhattanRoutesAndXyTreeLinks) {
  sim::testing::TestNetwork net(4, 4);
  const auto& f = net.fabric;
  Plan plan;
  plan.workload.add_message(f.node(0, 0), f.node(2, 3), 10, {});
  plan.workload.add_multicast(f.node(1, 1), {f.node(1, 3), f.node(3, 1), f.node(3, 3)}, 4, {});
  plan.workload.add_task(f.node(0, 0), 100, {});
  EXPECT_DOUBLE_EQ(on_wafer_bit_hops(plan, f), 10 * 8 * 5 + 4 * 8 * 6);
}

TEST(WaferCluster, CalibrationChargesEveryLayerWithTheWindowsMeasuredFactors) {
  const Calibrated t("calibration");
  const LayerCalibration& cal = t.cal;
  const ModelSpec& m = t.model;
  // The window is the whole 8 x 8 wafer: no scaling.
  EXPECT_DOUBLE_EQ(cal.scale, 1.0);
  EXPECT_EQ(cal.representative.d_model, m.d_model);
  // No compiled layer beats its roofline: neither its compute alone nor its whole time.
  EXPECT_GE(cal.compute_factor, 1.0);
  EXPECT_GE(cal.analytic_s, cal.roofline_s);

  const ClusterSpec& k = t.cluster;
  Parallelism p;
  p.dp = 16;
  p.recompute = Recompute::kNone;
  const TrainingEstimate e = estimate_training(m, k, p);
  // On-wafer communication is the compute side's roofline time times comm_factor, and the
  // compute side its roofline time times compute_factor (the optimizer, on the wafer, only
  // scales by compute_factor).
  EXPECT_GT(e.time.onwafer_comm, 0.0);
  EXPECT_LE(e.time.onwafer_comm, (e.time.compute + e.time.memory) / cal.compute_factor * cal.comm_factor * (1 + 1e-9));
  // Capital: 16 x (1000 / yield 1 + 500).
  EXPECT_DOUBLE_EQ(e.capital_usd, 16 * 1500.0);
}

// A micro-batch's sequences are calibrated as separate sequences, not one long one: every op that
// touches tokens, attention's scores included, then grows linearly with the sequences, so the
// roofline is a fixed part (the optimizer's update) plus one sequence's worth per sequence, and
// going from 2 to 4 sequences adds exactly twice what going from 1 to 2 adds. (One sequence of
// 128 or 256 tokens would add more each time, by attention's s^2 part.)
TEST(WaferCluster, CalibrationKeepsAMicroBatchsSequencesApart) {
  SmallCluster files("micro_batch");
  const WaferClusterSpec spec = files.load();
  const WaferCharacter wafer = characterize_wafers(spec, 1);
  double roofline[3];
  for (int i = 0; i < 3; ++i) {
    ModelSpec m = small_model();
    m.micro_batch = 1 << i;
    const LayerCalibration c = calibrate_on_wafer(m, spec, wafer, false, 1);
    EXPECT_EQ(c.representative.sequence, m.sequence);
    EXPECT_EQ(c.representative.micro_batch, m.micro_batch);
    roofline[i] = c.roofline_s;
  }
  EXPECT_NEAR(roofline[2] - roofline[1], 2.0 * (roofline[1] - roofline[0]), 1e-9 * roofline[2]);
}

// A layout is charged the factors of its own micro-batch: doubling micro-batch 2's compute
// factor doubles the compute of a layout at micro-batch 2 and leaves one at micro-batch 1 alone.
TEST(WaferCluster, EachLayoutIsChargedItsOwnMicroBatchsFactors) {
  const Calibrated t("own_micro_batch");
  ClusterSpec a = t.cluster, b = t.cluster;
  for (auto* k : {&a, &b})
    for (auto& f : k->wafer.layer) f.compute = 2.0, f.comm = 0.0;
  for (auto& f : b.wafer.layer)
    if (f.micro_batch == 2) f.compute = 4.0;
  Parallelism p;
  p.dp = 16;
  p.recompute = Recompute::kNone;
  const TrainingEstimate a1 = estimate_training(t.model, a, p), b1 = estimate_training(t.model, b, p);
  EXPECT_DOUBLE_EQ(b1.time.compute, a1.time.compute);
  p.micro_batch = 2;
  const TrainingEstimate a2 = estimate_training(t.model, a, p), b2 = estimate_training(t.model, b, p);
  EXPECT_GT(a2.time.compute, 0.0);
  EXPECT_NEAR(b2.time.compute, 2.0 * a2.time.compute, 1e-12 * b2.time.compute);
}

// With SRAM between what the layer needs at micro-batch 1 and at 8, micro-batch 8 does not map:
// the calibration says why, the search never picks it, and asking for it is one clear error.
TEST(WaferCluster, AMicroBatchWhoseLayerDoesNotFitTheTilesIsNoLayout) {
  const Calibrated roomy("roomy");
  const double need1 = calibration_at(roomy.cals, 1).sram_max_bytes, need8 = calibration_at(roomy.cals, 8).sram_max_bytes;
  ASSERT_GT(need8, need1);
  SmallCluster files("tight", "{gb_s_per_edge: 100, latency_us: 1, topology: torus_2d}", fmt::format("{:.0f}", (need1 + need8) / 2 / 1024));
  const WaferClusterSpec spec = files.load();
  const WaferCharacter wafer = characterize_wafers(spec, 1);
  const ModelSpec m = small_model();
  const auto cals = calibrate_micro_batches(m, spec, wafer, {1, 2, 4, 8}, 1, {}, 2);
  EXPECT_TRUE(calibration_at(cals, 1).unfit.empty());
  EXPECT_FALSE(calibration_at(cals, 8).unfit.empty());
  const ClusterSpec k = as_training_cluster(spec, wafer, cals, m);
  const SearchResult r = search_wafers(m, k, 16, {});
  ASSERT_FALSE(r.ranked.empty());
  for (const auto& e : r.ranked) EXPECT_NE(e.par.micro_batch, 8);
  Parallelism p;
  p.dp = 8;
  p.micro_batch = 8;
  try {
    estimate_training(m, k, p);
    FAIL() << "a micro-batch whose layer does not fit was estimated";
  } catch (const InputError& e) {
    EXPECT_NE(std::string(e.what()).find("micro-batch 8"), std::string::npos) << e.what();
  }
}

TEST(WaferCluster, StateBeyondSramStreamsItsWeightsFromExternalMemory) {
  const Calibrated t("stream");
  const ModelSpec& m = t.model;
  ClusterSpec k = t.cluster;
  k.wafer.sram_bytes = 64 * 1024;  // a wafer whose SRAM holds almost nothing
  Parallelism p;
  p.dp = 16;
  p.recompute = Recompute::kNone;
  const TrainingEstimate e = estimate_training(m, k, p);
  EXPECT_FALSE(e.resident);
  // Weights read forward, backward and written back (bf16: 3 x 2), gradients out (2), Adam's
  // master weights and two moments read and written (2 x 3 x 4): 32 bytes per parameter, plus
  // the activations that spill (written, read).
  const double params = static_cast<double>(m.total_params());
  EXPECT_GE(e.streamed_bytes_per_step, 32.0 * params);
  EXPECT_GE(e.time.step, e.streamed_bytes_per_step / 0.1e12 - 1e-12);
}

TEST(WaferCluster, FewestWafersMeetTheTargetAndTheNextSmallerCountDoesNot) {
  const Calibrated t("sizing");
  const ModelSpec& m = t.model;
  const ClusterSpec& k = t.cluster;
  const double days_on_16 = search_wafers(m, k, 16, {}).ranked.front().days;
  const Sizing s = wafers_for_days(m, k, days_on_16 / 3.0, {});
  EXPECT_LE(s.search.ranked.front().days, days_on_16 / 3.0);
  EXPECT_GT(s.wafers, 16);
  // Every smaller count a layout can use is too slow (or fits no layout).
  for (std::int64_t n = 1; n < s.wafers; ++n) {
    const SearchResult r = search_wafers(m, k, n, {});
    if (!r.ranked.empty()) {
      EXPECT_GT(r.ranked.front().days, days_on_16 / 3.0) << n << " wafers";
    }
  }
  EXPECT_THROW(wafers_for_days(m, k, 1e-9, {}, 4096), InputError);
}

TEST(WaferCluster, RunLossesStretchTheDaysByOneOverWhatIsLeft) {
  TrainingEstimate e;
  e.days = 10;
  e.energy_mwh = 100;
  apply_run_losses(e, {0.10, 0.05});
  EXPECT_NEAR(e.days, 10 / 0.85, 1e-12);
  EXPECT_NEAR(e.energy_mwh, 100 / 0.85, 1e-12);
}

TEST(WaferCluster, SensitivityRowsMoveTheRightWay) {
  const Calibrated t("sensitivity");
  SensitivityQuestion q;
  q.wafers = 16;
  const auto rows = sensitivity(t.model, t.spec, t.cals, q, {}, 1);
  auto row = [&](const std::string& knob, const std::string& prefix) {
    for (const auto& r : rows)
      if (r.knob == knob && r.setting.rfind(prefix, 0) == 0) return r;
    ADD_FAILURE() << knob << " " << prefix;
    return rows.front();
  };
  const double base = rows.front().answer;
  ASSERT_GT(base, 0);
  EXPECT_LT(row("clock frequency", "1.20").answer, base);
  EXPECT_GT(row("clock frequency", "0.80").answer, base);
  EXPECT_LT(row("on-wafer communication (mapping)", "x0.1").answer, base);
  EXPECT_GE(row("off-wafer bandwidth", "25 ").answer, base);
  EXPECT_LE(row("off-wafer bandwidth", "400 ").answer, base);
}

TEST(WaferCluster, BadInputNamesTheFileAndKey) {
  SmallCluster sc("bad", "{gb_s_per_edge: -5, latency_us: 1, topology: torus_2d}");
  try {
    sc.load();
    FAIL() << "negative bandwidth accepted";
  } catch (const std::exception& e) {
    EXPECT_NE(std::string(e.what()).find("cluster.yaml"), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("gb_s_per_edge"), std::string::npos) << e.what();
  }
  SmallCluster topo("badtopo", "{gb_s_per_edge: 5, topology: ring}");
  EXPECT_THROW(topo.load(), std::exception);
}

}  // namespace
}  // namespace wafersim::compiler
