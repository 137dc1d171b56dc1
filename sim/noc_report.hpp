#pragma once
// The files a NoC measurement is reported in, shaped here rather than in the CLI so that every
// front end (the `wafersim noc` command, scripts, tests) writes the same thing:
//   noc.json's "result"         noc_result_json
//   results.csv of a rate sweep noc_sweep_columns / noc_sweep_row
//   latency_histogram.csv       latency_histogram_csv
//   domains.csv                 domains_csv (several clock domains)
#include <nlohmann/json.hpp>

#include <string>
#include <vector>

#include "sim/clock_domains.hpp"
#include "sim/noc_run.hpp"

namespace wafersim::sim {

// Every figure of one measurement, in named units (cycles are reference-clock cycles).
nlohmann::ordered_json noc_result_json(const NocResult& r);

// The columns of a rate sweep's results.csv, and one row of it (%.6g numbers, counts exact).
const std::vector<std::string>& noc_sweep_columns();
std::vector<std::string> noc_sweep_row(double rate, const NocResult& r);

// "latency_cycles,packets": one line per non-empty bin, then ">=N,count" for the overflow.
std::string latency_histogram_csv(const NocResult& r);

// One line per clock domain: its period and phase, and the flits and credits that crossed into
// and out of it in the window.
std::string domains_csv(const ClockDomains& clocks, const NocResult& r);

}  // namespace wafersim::sim
