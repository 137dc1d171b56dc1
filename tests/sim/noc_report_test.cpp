// The report files of a NoC measurement, from a hand-made result: every figure lands under its
// name and unit, the sweep row has one cell per column, the histogram lists non-empty bins.
#include "sim/noc_report.hpp"

#include <gtest/gtest.h>

namespace wafersim::sim {
namespace {

NocResult hand_made() {
  NocResult r;
  r.status = "saturated";
  r.status_detail = "mean latency 912 cycles passed the threshold 600";
  r.offered = 0.123456789;
  r.accepted = 0.1;
  r.latency_mean = 27.25, r.latency_p50 = 26, r.latency_p99 = 41, r.latency_max = 70000;
  r.hops_mean = 5.5;
  r.link_utilization_max = 0.75, r.link_utilization_mean = 0.25;
  r.packets_measured = 3, r.packets_delivered = 2, r.packets_suppressed = 1;
  r.cycles = 12345;
  r.wall_seconds = 1.23456;
  r.stats.latency_cycles.add(3);
  r.stats.latency_cycles.add(3);
  r.stats.latency_cycles.add(LatencyHistogram::kBins + 4);  // overflow
  return r;
}

TEST(NocReport, TheResultJsonNamesEveryFigureWithItsUnit) {
  const auto j = noc_result_json(hand_made());
  EXPECT_EQ(j["status"], "saturated");
  EXPECT_EQ(j["status_detail"], "mean latency 912 cycles passed the threshold 600");
  EXPECT_DOUBLE_EQ(j["offered_flits_per_node_cycle"].get<double>(), 0.123456789);
  EXPECT_DOUBLE_EQ(j["accepted_flits_per_node_cycle"].get<double>(), 0.1);
  EXPECT_DOUBLE_EQ(j["latency_cycles"]["mean"].get<double>(), 27.25);
  EXPECT_DOUBLE_EQ(j["latency_cycles"]["p99"].get<double>(), 41);
  EXPECT_DOUBLE_EQ(j["latency_cycles"]["max"].get<double>(), 70000);
  EXPECT_EQ(j["packets"]["measured"], 3);
  EXPECT_EQ(j["packets"]["delivered"], 2);
  EXPECT_EQ(j["packets"]["suppressed"], 1);
  EXPECT_DOUBLE_EQ(j["links"]["utilization_mean"].get<double>(), 0.25);
  EXPECT_EQ(j["cycles"], 12345);
}

TEST(NocReport, ASweepRowHasOneCellPerColumnInOrder) {
  const auto row = noc_sweep_row(0.05, hand_made());
  const auto& columns = noc_sweep_columns();
  ASSERT_EQ(row.size(), columns.size());
  auto cell = [&](const std::string& name) {
    for (std::size_t i = 0; i < columns.size(); ++i)
      if (columns[i] == name) return row[i];
    ADD_FAILURE() << "no column " << name;
    return std::string();
  };
  EXPECT_EQ(columns.front(), "rate");
  EXPECT_EQ(cell("rate"), "0.05");
  EXPECT_EQ(cell("status"), "saturated");
  EXPECT_EQ(cell("offered"), "0.123457");  // 6 significant digits
  EXPECT_EQ(cell("latency_max"), "70000");
  EXPECT_EQ(cell("packets_delivered"), "2");
  EXPECT_EQ(cell("cycles"), "12345");
  EXPECT_EQ(cell("wall_s"), "1.235");
}

TEST(NocReport, TheHistogramListsTheNonEmptyBinsThenTheOverflow) {
  EXPECT_EQ(latency_histogram_csv(hand_made()), "latency_cycles,packets\n3,2\n>=65536,1\n");
  EXPECT_EQ(latency_histogram_csv(NocResult{}), "latency_cycles,packets\n");
}

}  // namespace
}  // namespace wafersim::sim
