// The wafersim executable as a user meets it: every kind of bad input gives one clear line and exit
// code 2; sweeps give byte-identical results for any --jobs and resume after an interruption.
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <sys/wait.h>

#include <array>
#include <map>
#include <regex>
#include <cstdio>
#include <filesystem>
#include <fstream>

#include <nlohmann/json.hpp>

#include "core/build_info.hpp"
#include "core/csv.hpp"

namespace {

using ::testing::HasSubstr;
namespace fs = std::filesystem;

struct Result {
  int status;
  std::string output;  // stdout and stderr together
};

// A whole command line through the shell.
Result run_shell(const std::string& line) {
  const std::string command = line + " 2>&1";
  std::FILE* pipe = popen(command.c_str(), "r");
  std::string out;
  std::array<char, 4096> buf;
  while (std::size_t n = std::fread(buf.data(), 1, buf.size(), pipe)) out.append(buf.data(), n);
  const int raw = pclose(pipe);
  return {WIFEXITED(raw) ? WEXITSTATUS(raw) : -1, out};
}

Result run(const std::string& args) { return run_shell(std::string(WAFERSIM_BIN) + " " + args); }

// A path quoted for the test's own shell.
std::string quoted(const std::string& s) {
  std::string q = "'";
  for (const char c : s) q += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return q + "'";
}

// The charts need matplotlib in the interpreter wafersim starts; where it is missing the chart
// tests are skipped (the rest of each CLI check runs with WAFERSIM_PYTHON=/bin/echo).
bool matplotlib_importable() {
  static const bool ok = run_shell(std::string(WAFERSIM_PYTHON) + " -c 'import matplotlib' >/dev/null").status == 0;
  return ok;
}

struct Cli : ::testing::Test {
  fs::path dir;
  void SetUp() override {
    dir = fs::temp_directory_path() / ("wafersim-cli-" + std::to_string(::getpid()) + "-" +
                                       ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(dir);
    fs::create_directories(dir);
  }
  void TearDown() override { fs::remove_all(dir); }
  std::string write(const std::string& name, const std::string& text) {
    std::ofstream(dir / name) << text;
    return (dir / name).string();
  }
  // A small system: 30 x 30 tiles of 1 mm.
  std::string system(const std::string& defects = "{model: negative_binomial, alpha: 2, d0_per_cm2: 5}") {
    return write("sys.yaml",
                 "wafer: {tile: {width_mm: 1, height_mm: 1}, placement: rectangle, rows: 30, cols: 30}\n"
                 "defects: " + defects + "\nrepair: {strategy: spare_rows, window: 10, spares: 1}\n");
  }
  void expect_bad_input(const Result& r, const std::string& message) {
    EXPECT_EQ(r.status, 2) << r.output;
    EXPECT_THAT(r.output, HasSubstr(message));
    EXPECT_THAT(r.output, HasSubstr("wafersim: error: "));
    EXPECT_EQ(std::count(r.output.begin(), r.output.end(), '\n'), 1) << r.output;  // one line
  }
};

TEST_F(Cli, BadInputsGiveOneLineAndExitCode2) {
  const std::string out = " --out " + (dir / "o").string();
  expect_bad_input(run("defects " + write("a.yaml", "wafer: {tile: {width_mm: 1, height_mm: 1}, diamter_mm: 300}\n") + out),
                   "a.yaml:1:44: wafer.diamter_mm: unknown key (did you mean 'diameter_mm'?)");
  expect_bad_input(run("defects " + write("b.yaml", "wafer: {tile: {width_mm: one, height_mm: 1}}\n") + out),
                   "b.yaml:1:26: wafer.tile.width_mm: expected a number, got 'one'");
  expect_bad_input(run("defects " + system("{d0_per_cm2: -1}") + out), "defects.d0_per_cm2: must be in [0, 10000], got -1");
  // An output path that cannot be a directory is refused before any work (every command's --out).
  expect_bad_input(run("defects " + system() + " --out /proc/wafersim-no/x"), "cannot create the output directory '/proc/wafersim-no/x'");
  expect_bad_input(run("defects " + system() + " --out " + write("plain.txt", "x")), "cannot create the output directory");
  expect_bad_input(run("simulate --model " + std::string(WAFERSIM_SOURCE_DIR) + "/workloads/gpt2-small.yaml --system " +
                       std::string(WAFERSIM_SOURCE_DIR) + "/configs/systems/tiny-3nm-32x32.yaml --out /proc/wafersim-no/x"),
                   "cannot create the output directory");
  expect_bad_input(run("defects " + system("{model: negative_binomial, alpha: 0}") + out), "defects.alpha: must be in [0.001, 1e+06], got 0");
  expect_bad_input(run("defects " + write("c.yaml", "wafer: {tile: {width_mm: 400, height_mm: 400}}\n") + out),
                   "wafer.tile: a 400 x 400 mm tile is larger than the usable wafer");
  expect_bad_input(run("defects " + (dir / "missing.yaml").string() + out), "missing.yaml: cannot open file");
  expect_bad_input(run("sweep " + (dir / "missing.yaml").string() + out), "missing.yaml: cannot open file");
  write("bad.csv", "# wafersim defect map v1\n# rows=30 cols=30\nrow,col,compute,router,link_e,link_s,speed\n0,0,1,1,1,yes,1\n");
  expect_bad_input(run("defects " + system("{map_file: bad.csv}") + out), "bad.csv:4: link_s: expected 0 or 1, got 'yes'");
  system();
  expect_bad_input(run("sweep " + write("s.yaml", "system: sys.yaml\naxes:\n  - key: defects.d0\n    values: [0.1]\n") + out),
                   "s.yaml:3:10: axes[0].key: 'defects.d0' is not a key of the system config");
  expect_bad_input(run("sweep " + write("s2.yaml", "system: sys.yaml\nreplicate: 3\n") + out), "replicate: unknown key (did you mean 'replicates'?)");
  expect_bad_input(run("defects " + system() + " --seed notanumber" + out), "--seed");
  expect_bad_input(run("sweep " + write("s3.yaml", "system: sys.yaml\n") + " --jobs 0" + out), "--jobs");
  expect_bad_input(run("frobnicate"), "unknown command 'frobnicate'");
  expect_bad_input(run("sweeep"), "unknown command 'sweeep' (did you mean 'sweep'?)");
}

// NaN passes CLI11's ranges (it compares false both ways) and no quantity here is infinite: every
// floating-point flag of every command refuses both, checked once for all options (cli/main.cpp).
// Before, `--restart-loss nan` printed "nan days" and `--rate nan` ran.
TEST_F(Cli, NonFiniteNumbersAndEmptyValuesInAnyFlagAreRefused) {
  const std::string root = WAFERSIM_SOURCE_DIR;
  const std::string out = " --out " + (dir / "nf").string();
  const std::string gpu = " --model " + root + "/workloads/gpt2-small.yaml --system " + root + "/configs/systems/selene-a100.yaml";
  for (const std::string v : {"nan", "NaN", "inf", "-inf", "1e999"}) {
    // NaN: this check; the infinities: the flags' ranges (which say "Value inf not in range").
    const std::string why = v == "nan" || v == "NaN" ? "'" + v + "' is not a finite number" : "Value " + v;
    expect_bad_input(run("estimate" + gpu + " --restart-loss " + v), "--restart-loss: " + why);
    expect_bad_input(run("estimate" + gpu + " --target-days " + v), "--target-days: " + why);
    expect_bad_input(run("compile --model " + root + "/workloads/gpt2-block.yaml --system " + root + "/configs/systems/tiny-3nm-32x32.yaml" +
                         " --dead-fraction " + v + out),
                     "--dead-fraction: " + why);
  }
  expect_bad_input(run("noc " + root + "/configs/noc/booksim-like.yaml --rate nan" + out), "--rate: 'nan' is not a finite number");
  // An empty value was taken as "not given" and ignored (`route --algorithm ''` routed xy).
  expect_bad_input(run("route " + root + "/configs/systems/mesh-8x8.yaml --algorithm ''" + out), "--algorithm: empty value");
  expect_bad_input(run("estimate" + gpu + " --matmul-mapping ''"), "--matmul-mapping: empty value");
}

// The plotting scripts start without a shell: a directory whose name holds a quote and a
// command substitution reaches the script as one argument, and nothing runs. A script that fails
// makes the command exit non-zero and says why. (Before, std::system with the path in single
// quotes broke on the quote and could run the command.)
TEST_F(Cli, PlotScriptsGetTheirDirectoryAsOneArgumentWithoutAShell) {
  const fs::path odd = dir / "a'b $(touch pwned) `touch pwned2`";
  fs::create_directories(odd);
  { std::ofstream(odd / "results.csv") << "point,defects.d0_per_cm2,replicates,seed,wafer_yield,hash\n0,0.1,4,1,0.5,ab\n"; }
  const Result ok = run_shell("cd " + quoted(dir.string()) + " && env WAFERSIM_PYTHON=/bin/echo " + WAFERSIM_BIN + " plot " + quoted(odd.string()));
  EXPECT_EQ(ok.status, 0) << ok.output;
  EXPECT_THAT(ok.output, HasSubstr("/plot_sweep.py " + odd.string()));
  EXPECT_FALSE(fs::exists(dir / "pwned"));
  EXPECT_FALSE(fs::exists(dir / "pwned2"));
  const Result bad = run_shell("env WAFERSIM_PYTHON=/bin/false " + std::string(WAFERSIM_BIN) + " plot " + quoted(odd.string()));
  EXPECT_EQ(bad.status, 1) << bad.output;
  EXPECT_THAT(bad.output, HasSubstr("plotting failed: '/bin/false' exited with status 1"));
  const Result missing = run_shell("env WAFERSIM_PYTHON=/nonexistent/python " + std::string(WAFERSIM_BIN) + " plot " + quoted(odd.string()));
  EXPECT_EQ(missing.status, 1) << missing.output;
  EXPECT_THAT(missing.output, HasSubstr("cannot start '/nonexistent/python'"));
}

// Where there is nothing to plot, plot says so in one line naming the folder, exit code 2: an
// empty folder, one of a command whose pictures are SVGs it drew already, a missing folder, a
// results.csv without rows or of another shape, a kind without charts.
TEST_F(Cli, PlotWhereThereIsNothingToPlotSaysSoInOneLine) {
  const fs::path empty = dir / "empty 'one'";
  fs::create_directories(empty);
  expect_bad_input(run("plot " + quoted(empty.string())), empty.string() + ": nothing to plot: no results.csv here");
  ASSERT_EQ(run("defects " + system() + " --out " + quoted((dir / "d").string())).status, 0);
  expect_bad_input(run("plot " + (dir / "d").string()), "its pictures are drawn already: wafer_map.svg");
  expect_bad_input(run("plot " + (dir / "missing").string()), (dir / "missing").string() + ": no such directory");
  fs::create_directories(dir / "h");
  std::ofstream(dir / "h" / "results.csv") << "point,defects.d0_per_cm2,replicates,seed\n";
  expect_bad_input(run("plot " + (dir / "h").string()), "nothing to plot: results.csv has no rows yet");
  fs::create_directories(dir / "other");
  std::ofstream(dir / "other" / "results.csv") << "a,b\n1,2\n";
  expect_bad_input(run("plot " + (dir / "other").string()), "results.csv is not one that wafersim sweep or noc --sweep writes (it starts 'a')");
  std::ofstream(dir / "other" / "meta.json") << R"({"kind": "frobnicate"})";
  expect_bad_input(run("plot " + (dir / "other").string()), "nothing to plot: meta.json says kind 'frobnicate'");
}

// A sweep with a repair axis draws the repair strategies compared in one figure, besides one chart
// per strategy; meta.json says it is a sweep, and plot redraws it with plot_sweep.py.
TEST_F(Cli, SweepChartsCompareTheRepairStrategiesInOneFigure) {
  system();
  const std::string sweep = write("rs.yaml",
                                  "name: repair-test\nsystem: sys.yaml\nseed: 3\nreplicates: 3\naxes:\n"
                                  "  - key: defects.d0_per_cm2\n    values: [0.5, 5, 50]\n"
                                  "  - key: repair\n    values: [{strategy: none}, {strategy: spare_rows, window: 10, spares: 1}]\n"
                                  "    labels: [none, spare1]\n");
  const fs::path out = dir / "s 'r'";
  const Result r = run_shell("env WAFERSIM_PYTHON=/bin/echo " + std::string(WAFERSIM_BIN) + " sweep " + sweep + " --out " + quoted(out.string()));
  ASSERT_EQ(r.status, 0) << r.output;
  EXPECT_THAT(r.output, HasSubstr("/plot_sweep.py " + out.string() + "\n"));
  std::ifstream meta_in(out / "meta.json");
  EXPECT_EQ(nlohmann::json::parse(meta_in).at("kind"), "sweep");
  if (!matplotlib_importable()) GTEST_SKIP() << WAFERSIM_PYTHON << " has no matplotlib: the charts themselves are not drawn";
  const Result drawn = run("plot " + quoted(out.string()));
  ASSERT_EQ(drawn.status, 0) << drawn.output;
  for (const char* chart : {"yield_vs_d0_by_repair.png", "yield_vs_d0_none.png", "yield_vs_d0_spare1.png"})
    EXPECT_TRUE(fs::exists(out / "plots" / chart)) << chart << "\n" << drawn.output;
}

// The charts' words: known keys get labels with units, unknown ones stay as they are; log ticks
// read as plain numbers (0.3, not 0.30000000000000004 or 3e-01); D0 over 0.03..1 is ticked 1-3.
TEST(Charts, LabelsAreWordsWithUnitsAndLogTicksArePlainNumbers) {
  const Result r = run_shell(std::string(WAFERSIM_PYTHON) + " -c \"import sys; sys.path.insert(0, '" + WAFERSIM_SOURCE_DIR +
                             "/scripts'); import wafersim_labels as w; print('|'.join([w.label('defects.d0_per_cm2'), "
                             "w.label('defects.alpha'), w.label('repair'), w.label('rates'), w.label('some.new_key'), "
                             "w.short('defects.alpha'), w.tick_text(0.30000000000000004), w.tick_text(0.03), w.tick_text(3000), "
                             "w.tick_text(1e-05), str(w.log_subs(0.03, 1))]))\"");
  ASSERT_EQ(r.status, 0) << r.output;
  EXPECT_EQ(r.output, "D0 (defects/cm^2)|clustering alpha|repair strategy|offered load (flits/node/cycle)|some.new_key|alpha|"
                      "0.3|0.03|3000|1e-05|(1.0, 3.0)\n");
}

TEST_F(Cli, DefectsWritesMapSvgAndSummaryAndALoadedMapReproducesIt) {
  const Result r = run("defects " + system() + " --seed 3 --out " + (dir / "d").string());
  ASSERT_EQ(r.status, 0) << r.output;
  EXPECT_THAT(r.output, HasSubstr("900 tile sites on a 30 x 30 grid"));
  for (const char* f : {"defect_map.csv", "wafer_map.svg", "summary.json"}) EXPECT_TRUE(fs::exists(dir / "d" / f)) << f;
  EXPECT_THAT(wafersim::read_text_file(dir / "d" / "wafer_map.svg"), HasSubstr("</svg>"));
  // The written map, loaded back through a config, gives the same fabric.
  fs::copy_file(dir / "d" / "defect_map.csv", dir / "map.csv");
  const Result loaded = run("defects " + system("{map_file: map.csv}") + " --out " + (dir / "e").string());
  ASSERT_EQ(loaded.status, 0) << loaded.output;
  const std::string line = r.output.substr(r.output.find("repair"), r.output.find('\n', r.output.find("repair")) - r.output.find("repair"));
  EXPECT_THAT(loaded.output, HasSubstr(line));
}

TEST_F(Cli, SweepIsByteIdenticalForOneAndTwoJobsAndResumes) {
  system();
  const std::string sweep = write("s.yaml",
                                  "system: sys.yaml\nseed: 9\nreplicates: 6\nevaluate: {stretch_sources: 4}\naxes:\n"
                                  "  - key: defects.d0_per_cm2\n    values: [1, 10, 40]\n"
                                  "  - key: repair.spares\n    values: [0, 1, 2]\n");
  const Result one = run("sweep " + sweep + " --no-plots --jobs 1 --out " + (dir / "j1").string());
  ASSERT_EQ(one.status, 0) << one.output;
  const Result two = run("sweep " + sweep + " --no-plots --jobs 2 --out " + (dir / "j2").string());
  ASSERT_EQ(two.status, 0) << two.output;
  const std::string a = wafersim::read_text_file(dir / "j1" / "results.csv");
  EXPECT_EQ(a, wafersim::read_text_file(dir / "j2" / "results.csv"));
  EXPECT_EQ(wafersim::parse_csv(a, "r").records.size(), 10u);
  EXPECT_TRUE(fs::exists(dir / "j1" / "meta.json"));
  EXPECT_TRUE(fs::exists(dir / "j1" / "plots" / "maps" / "point-008.svg"));

  // Keep the header and 4 rows plus half a row, as a killed run might; the rerun computes the
  // other 5 points and ends with the same bytes.
  std::string cut;
  std::size_t pos = 0;
  for (int line = 0; line < 5; ++line) pos = a.find('\n', pos) + 1;
  cut = a.substr(0, pos) + a.substr(pos, 20);
  std::ofstream(dir / "j2" / "results.csv", std::ios::trunc) << cut;
  const Result resumed = run("sweep " + sweep + " --no-plots --jobs 2 --out " + (dir / "j2").string());
  ASSERT_EQ(resumed.status, 0) << resumed.output;
  EXPECT_THAT(resumed.output, HasSubstr("5 computed now, 4 reused"));
  EXPECT_EQ(wafersim::read_text_file(dir / "j2" / "results.csv"), a);
}

// --set on the other commands: the sweep's own keys, its system's (under system.), a model's and a
// system's (under model. and system.).
TEST_F(Cli, SetReachesEveryConfigACommandReads) {
  system();
  const std::string sweep = write("s.yaml", "system: sys.yaml\nseed: 3\nreplicates: 2\naxes:\n  - key: repair.spares\n    values: [0, 1]\n");
  const Result r = run("sweep " + sweep + " --set replicates=3 --set system.defects.d0_per_cm2=0 --no-plots --out " + (dir / "s").string());
  ASSERT_EQ(r.status, 0) << r.output;
  const auto rows = wafersim::read_csv_file(dir / "s" / "results.csv").records;
  ASSERT_EQ(rows.size(), 3u);
  const auto& header = rows[0].fields;
  const auto col = [&](const std::string& name) { return std::find(header.begin(), header.end(), name) - header.begin(); };
  for (std::size_t i = 1; i < rows.size(); ++i) {
    EXPECT_EQ(std::stod(rows[i].fields[col("tile_yield")]), 1.0);  // no defects at D0 = 0
    EXPECT_EQ(rows[i].fields[col("replicates")], "3");
  }
  expect_bad_input(run("sweep " + sweep + " --set system.defects.d0_per_cm2=-1 --no-plots --out " + (dir / "b").string()),
                   "--set system.defects.d0_per_cm2=-1: defects.d0_per_cm2: must be in [0, 10000], got -1");
  expect_bad_input(run("defects " + system() + " --set wafer.rows=0 --out " + (dir / "d").string()), "--set wafer.rows=0: wafer.rows");
  const std::string root = WAFERSIM_SOURCE_DIR;
  expect_bad_input(run("graph --model " + root + "/workloads/gpt2-small.yaml --set model.layers=0"), "--set model.layers=0: layers");
  expect_bad_input(run("graph --model " + root + "/workloads/gpt2-small.yaml --set layers=2"),
                   "--set layers=2: no config this command reads is at 'layers'; key paths start at model.");
  expect_bad_input(run("estimate --model " + root + "/workloads/gpt3-175b.yaml --system " + root +
                       "/configs/systems/selene-a100.yaml --set system.device.peak_tflops=-3"),
                   "--set system.device.peak_tflops=-3: device.peak_tflops");
  const Result g = run("graph --model " + root + "/workloads/gpt2-small.yaml --set model.layers=2");
  ASSERT_EQ(g.status, 0) << g.output;
  const Result g12 = run("graph --model " + root + "/workloads/gpt2-small.yaml");
  EXPECT_NE(g.output, g12.output);
}

TEST_F(Cli, RouteProvesDeadlockFreedomOrShowsACycle) {
  const std::string cfg = write("m.yaml",
                                "wafer: {tile: {width_mm: 1, height_mm: 1}, placement: rectangle, rows: 8, cols: 8}\n"
                                "defects: {dead_tile_fraction: 0.1}\nrouting: {algorithm: duato}\n");
  const Result ok = run("route " + cfg + " --seed 2 --out " + (dir / "r").string());
  ASSERT_EQ(ok.status, 0) << ok.output;
  EXPECT_THAT(ok.output, HasSubstr("duato: deadlock-free"));
  EXPECT_THAT(ok.output, HasSubstr("reachability        1.000000"));
  EXPECT_TRUE(fs::exists(dir / "r" / "route.json"));
  EXPECT_THAT(wafersim::read_text_file(dir / "r" / "link_load.svg"), HasSubstr("Busiest output link per cell"));
  EXPECT_THAT(wafersim::read_text_file(dir / "r" / "link_load.svg"), HasSubstr(">link load (flits/cycle per flit/node/cycle)</text>"));
  const Result bad = run("route " + cfg + " --algorithm minimal_adaptive --exact-cdg --out " + (dir / "b").string());
  ASSERT_EQ(bad.status, 0) << bad.output;
  EXPECT_THAT(bad.output, HasSubstr("NOT deadlock-free"));
  EXPECT_THAT(bad.output, HasSubstr("cycle: ("));
  expect_bad_input(run("route " + cfg + " --algorithm duatto --out " + (dir / "c").string()),
                   "--algorithm duatto: routing.algorithm: unknown routing algorithm 'duatto' (did you mean 'duato'?)");
  expect_bad_input(run("route " + write("n.yaml", "wafer: {tile: {width_mm: 1, height_mm: 1}}\nrouting: {algoritm: xy}\n") + " --out " +
                       (dir / "d").string()),
                   "routing.algoritm: unknown key (did you mean 'algorithm'?)");
}

}  // namespace

namespace {

struct NocCli : Cli {
  // A NoC config on a 6 x 6 mesh (system written beside it).
  std::string noc(const std::string& extra = "", const std::string& routing = "xy", const std::string& defects = "{dead_tile_fraction: 0}") {
    write("mesh.yaml", "wafer: {tile: {width_mm: 1, height_mm: 1}, placement: rectangle, rows: 6, cols: 6, edge_exclusion_mm: 0}\n"
                       "defects: " + defects + "\nrepair: {strategy: none}\nrouting: {algorithm: " + routing + "}\n");
    const bool own_measurement = extra.find("measurement") != std::string::npos;
    return write("noc.yaml", "system: mesh.yaml\n" + std::string(own_measurement ? "" : "measurement: {warmup_cycles: 1000, measure_cycles: 3000}\n") + extra);
  }
};

TEST_F(NocCli, RunsMeasuresAndWritesItsResults) {
  const Result r = run("noc " + noc("traffic: {pattern: uniform, rate: 0.1}\n") + " --out " + (dir / "o").string());
  ASSERT_EQ(r.status, 0) << r.output;
  EXPECT_THAT(r.output, HasSubstr("status            ok"));
  for (const char* f : {"noc.json", "latency_histogram.csv", "links.svg"}) EXPECT_TRUE(fs::exists(dir / "o" / f)) << f;
  // The heat map says when its link loads were sampled: the window after the warm-up.
  EXPECT_THAT(wafersim::read_text_file(dir / "o" / "links.svg"), HasSubstr("flits counted in cycles 1000..4000 (after 1000 cycles of warm-up)"));
  std::ifstream in(dir / "o" / "noc.json");
  const std::string json((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  EXPECT_THAT(json, HasSubstr("\"status\": \"ok\""));
}

TEST_F(NocCli, ThreadsGiveTheSameResultsFile) {
  const std::string config = noc("traffic: {pattern: uniform, rate: 0.3, packet_size: 2}\n", "duato", "{dead_tile_fraction: 0.1}");
  auto result_of = [&](const std::string& threads, const std::string& out) {
    const Result r = run("noc " + config + " --threads " + threads + " --no-plots --out " + (dir / out).string());
    EXPECT_EQ(r.status, 0) << r.output;
    std::ifstream in(dir / out / "noc.json");
    const auto json = nlohmann::json::parse(in);
    EXPECT_EQ(json.at("threads_requested"), std::stoi(threads));
    EXPECT_EQ(json.at("threads"), 1);  // 36 routers: more threads would only slow it down
    auto res = json.at("result");
    for (const char* timing : {"wall_seconds", "router_cycles_per_second", "engine_bytes"}) res.erase(timing);
    return res.dump();
  };
  const std::string one = result_of("1", "t1");
  EXPECT_THAT(one, HasSubstr("latency_cycles"));
  EXPECT_EQ(result_of("3", "t3"), one);
  std::ifstream h1(dir / "t1" / "latency_histogram.csv"), h3(dir / "t3" / "latency_histogram.csv");
  EXPECT_EQ(std::string(std::istreambuf_iterator<char>(h1), {}), std::string(std::istreambuf_iterator<char>(h3), {}));
}

TEST_F(NocCli, SweepWritesALatencyThroughputCurveAndStopsAtSaturation) {
  const Result r = run("noc " + noc() + " --sweep --rates 0.05,0.2,0.9,0.95 --no-plots --out " + (dir / "s").string());
  ASSERT_EQ(r.status, 0) << r.output;
  const auto rows = wafersim::read_csv_file(dir / "s" / "results.csv").records;
  ASSERT_EQ(rows.size(), 4u);  // header + 0.05, 0.2, 0.9 (saturated; 0.95 not run)
  EXPECT_EQ(rows[1].fields[1], "ok");
  EXPECT_EQ(rows[3].fields[1], "saturated");
  EXPECT_THAT(r.output, HasSubstr("stopped at the first saturated rate"));
}

// `wafersim plot` on a NoC sweep's folder draws its latency-throughput chart with plot_noc.py,
// chosen by meta.json's kind, or, for a folder written before meta.json had one, by the columns of
// results.csv. The folder's name has quotes and spaces. (Before, plot knew only sweep folders and
// ran plot_sweep.py on a NoC sweep, which failed on its columns.)
TEST_F(NocCli, PlotDrawsTheChartOfANocSweepInAFolderWithQuotes) {
  const fs::path out = dir / "it's a \"noc\" sweep";
  const std::string config = noc();
  const Result r = run("noc " + config + " --sweep --rates 0.05,0.2 --no-plots --out " + quoted(out.string()));
  ASSERT_EQ(r.status, 0) << r.output;
  EXPECT_FALSE(fs::exists(out / "plots"));
  std::ifstream meta_in(out / "meta.json");
  nlohmann::json meta = nlohmann::json::parse(meta_in);
  EXPECT_EQ(meta.at("kind"), "noc_sweep");
  const std::string echo = "env WAFERSIM_PYTHON=/bin/echo " + std::string(WAFERSIM_BIN);
  const Result by_kind = run_shell(echo + " plot " + quoted(out.string()));
  EXPECT_EQ(by_kind.status, 0) << by_kind.output;
  EXPECT_THAT(by_kind.output, HasSubstr("/plot_noc.py " + out.string() + "\n"));
  meta.erase("kind");
  std::ofstream(out / "meta.json") << meta.dump();
  const Result by_columns = run_shell(echo + " plot " + quoted(out.string()));
  EXPECT_EQ(by_columns.status, 0) << by_columns.output;
  EXPECT_THAT(by_columns.output, HasSubstr("/plot_noc.py " + out.string() + "\n"));
  // noc --sweep draws through the same path.
  const Result swept = run_shell(echo + " noc " + config + " --sweep --rates 0.05 --out " + quoted((dir / "n2").string()));
  EXPECT_EQ(swept.status, 0) << swept.output;
  EXPECT_THAT(swept.output, HasSubstr("/plot_noc.py " + (dir / "n2").string() + "\n"));

  if (!matplotlib_importable()) GTEST_SKIP() << WAFERSIM_PYTHON << " has no matplotlib: the chart itself is not drawn";
  const Result drawn = run("plot " + quoted(out.string()));
  EXPECT_EQ(drawn.status, 0) << drawn.output;
  ASSERT_TRUE(fs::exists(out / "plots" / "latency_throughput.png")) << drawn.output;
  EXPECT_GT(fs::file_size(out / "plots" / "latency_throughput.png"), 10000u);
}

// minimal_adaptive (no escape) deadlocks this network within a few hundred cycles. With the stall
// shorter than deadlock_cycles when the window closes, the run used to end "ok" with 0 of 0
// packets measured; it must say deadlock, with or without warm-up.
TEST_F(NocCli, ADeadlockDuringWarmUpIsReportedAsOne) {
  for (const char* warmup : {"3000", "0"}) {
    const std::string cfg = noc(std::string("router: {num_vcs: 1, vc_buf_size: 2}\ntraffic: {pattern: uniform, rate: 0.9, packet_size: 8}\n") +
                                    "measurement: {warmup_cycles: " + warmup + ", measure_cycles: 1000, deadlock_cycles: 5000}\n",
                                "minimal_adaptive");
    const Result r = run("noc " + cfg + " --out " + (dir / "dl").string());
    EXPECT_THAT(r.output, HasSubstr("status            deadlock")) << "warm-up " << warmup << ": " << r.output;
  }
}

// --set changes any key before the config is validated, and the flags that stand for keys go the
// same way: a bursty source's on_rate >= rate holds for --set, --rate, --rates and sweep.rates (the
// engine used to clamp silently).
TEST_F(NocCli, SetChangesAnyKeyAndTheConfigsRulesSeeIt) {
  const std::string out = " --no-plots --out " + (dir / "x").string();
  const std::string bursty = noc("traffic: {pattern: uniform, rate: 0.1, injection: bursty, burst_length: 4, on_rate: 0.5}\n");
  expect_bad_input(run("noc " + bursty + " --set traffic.rate=0.6" + out),
                   "noc.yaml:3:85: traffic.on_rate: must be >= rate (0.600000): a bursty source offers on_rate while on (with --set traffic.rate=0.6)");
  expect_bad_input(run("noc " + bursty + " --rate 0.6" + out), "traffic.on_rate: must be >= rate (0.600000)");
  expect_bad_input(run("noc " + bursty + " --rate 0.6" + out), "(with --rate 0.6)");
  expect_bad_input(run("noc " + bursty + " --sweep --rates 0.1,0.7" + out), "--rates 0.1,0.7: sweep.rates[1]: rate 0.7 is above traffic.on_rate (0.5)");
  expect_bad_input(run("noc " + bursty + " --set traffic.rate=2" + out), "--set traffic.rate=2: traffic.rate: must be in [0, 1], got 2");
  expect_bad_input(run("noc " + bursty + " --set traffic.rte=0.2" + out), "--set traffic.rte=0.2: traffic.rte: unknown key (did you mean 'rate'?)");
  // A key of the system file, which the NoC config names under system:.
  expect_bad_input(run("noc " + bursty + " --set system.routing.algorithm=duatoo" + out), "--set system.routing.algorithm=duatoo: routing.algorithm");
  // A key the file allows but this command never reads would change nothing: refused, not ignored.
  expect_bad_input(run("noc " + bursty + " --set system.compute.ghz=2" + out), "this command does not use 'system.compute.ghz'");
  expect_bad_input(run("noc " + bursty + " --set traffic.rate.x=1" + out), "'traffic.rate' is a value, not a section of keys");
  expect_bad_input(run("noc " + bursty + " --set traffic.rate" + out), "expected key.path=value");

  // Accepted changes are the run's: the system's routing, the traffic's rate, the seed.
  const Result ok = run("noc " + bursty + " --set traffic.rate=0.2 --set system.routing.algorithm=duato --set seed=7" + out);
  ASSERT_EQ(ok.status, 0) << ok.output;
  EXPECT_THAT(ok.output, HasSubstr("duato routing"));
  std::ifstream in(dir / "x" / "noc.json");
  const auto json = nlohmann::json::parse(in);
  EXPECT_EQ(json.at("traffic").at("rate"), 0.2);
  EXPECT_EQ(json.at("seed"), 7);
  // --traffic switches the pattern: the keys only the config's own pattern took (booksim-like's
  // self_destinations, which transpose refuses) go with it.
  const std::string booksim = std::string(WAFERSIM_SOURCE_DIR) + "/configs/noc/booksim-like.yaml";
  const Result t = run("noc " + booksim + " --traffic transpose --set measurement.measure_cycles=1000" + out);
  ASSERT_EQ(t.status, 0) << t.output;
  EXPECT_THAT(t.output, HasSubstr("booksim-like: transpose on"));
  expect_bad_input(run("noc " + booksim + " --set traffic.pattern=transpose" + out), "traffic.self_destinations: unknown key");
  EXPECT_EQ(run("noc " + booksim + " --set traffic.pattern=transpose --set traffic.self_destinations=null --set measurement.measure_cycles=1000" + out).status, 0);
  // The JSON records what made it: the command line, the seed, each config as resolved.
  const auto& prov = json.at("provenance");
  EXPECT_EQ(prov.at("seed"), 7);
  EXPECT_EQ(prov.at("command").at(1), "noc");
  EXPECT_EQ(prov.at("configs").at("config").at("resolved").at("traffic").at("rate"), 0.2);
  EXPECT_EQ(prov.at("configs").at("system").at("resolved").at("routing").at("algorithm"), "duato");
  // The config's own sweep.rates meet the same rule, reported where they are written.
  expect_bad_input(run("noc " + noc("traffic: {pattern: uniform, rate: 0.1, injection: bursty, on_rate: 0.5}\nsweep: {rates: [0.1, 0.8]}\n") +
                       " --sweep" + out),
                   "noc.yaml:4:22: sweep.rates[1]: rate 0.8 is above traffic.on_rate (0.5)");
}

TEST_F(NocCli, BadNocInputsGiveOneLineAndExitCode2) {
  const std::string out = " --out " + (dir / "x").string();
  expect_bad_input(run("noc " + noc("router: {num_vc: 2}\n") + out), "noc.yaml:3:10: router.num_vc: unknown key (did you mean 'num_vcs'?)");
  expect_bad_input(run("noc " + noc("router: {num_vcs: 9}\n") + out), "router.num_vcs: must be in [1, 8]");
  expect_bad_input(run("noc " + noc("traffic: {pattern: uniformm}\n") + out), "traffic.pattern");
  expect_bad_input(run("noc " + noc() + " --traffic tornado" + out), "--traffic tornado: traffic.pattern: 'tornado' is not one of");
  expect_bad_input(run("noc " + noc("", "xy", "{dead_tile_fraction: 0.2}") + out), "xy cannot route around the holes");
  // Every routing that needs a whole mesh says so (minimal_adaptive ended in "internal error: ...
  // has no output" at its first dead end).
  expect_bad_input(run("noc " + noc("", "minimal_adaptive", "{dead_tile_fraction: 0.2}") + out), "minimal_adaptive cannot route around the holes");
  expect_bad_input(run("noc " + noc("router: {num_vcs: 3}\n", "duato") + out), "noc.yaml:3:19: router.num_vcs: 3 VCs cannot be split evenly among the 2 VC classes of duato");
  expect_bad_input(run("noc " + noc() + " --sweep" + out), "--sweep needs sweep.rates");
  expect_bad_input(run("noc " + noc() + " --sweep --rates 0.1,abc" + out), "--rates: 'abc' is not a rate");
  expect_bad_input(run("noc " + noc("traffic: {pattern: transpose}\n") + " --system " + write("r.yaml",
      "wafer: {tile: {width_mm: 1, height_mm: 1}, placement: rectangle, rows: 4, cols: 6, edge_exclusion_mm: 0}\nrepair: {strategy: none}\n") + out),
      "transpose needs a square array");
  write("t.csv", "cycle,src_row,src_col,dst_row,dst_col,flits\n0,0,0,5,5,2\n3,0,0,9,0,1\n");
  expect_bad_input(run("noc " + noc("traffic: {pattern: trace, trace: t.csv}\n") + out), "t.csv:3: coordinates outside the 6 x 6 fabric");
  expect_bad_input(run("noc " + noc("measurement: {warmup_cycles: -5}\n") + out), "measurement.warmup_cycles");
  expect_bad_input(run("noc " + noc() + " --threads 0" + out), "--threads");
}

// A trace source still backlogged when the window opens (it offers 2 flits a cycle into a port that
// takes 1): the run ends (it used to loop for ever counting the unmade packets, deaf to Ctrl-C)
// and offers exactly 2 flits/cycle over 36 nodes.
TEST_F(NocCli, ATraceSourceBackloggedAcrossTheWindowEnds) {
  std::string trace = "cycle,src_row,src_col,dst_row,dst_col,flits\n";
  for (int c = 0; c < 6000; c += 2) trace += std::to_string(c) + ",0,0,5,5,4\n";
  write("t.csv", trace);
  const Result r = run_shell("timeout 60 " + std::string(WAFERSIM_BIN) + " noc " +
                             noc("traffic: {pattern: trace, trace: t.csv}\nmeasurement: {warmup_cycles: 2000, measure_cycles: 3000, "
                                 "latency_threshold_cycles: 100000, max_drain_cycles: 10}\n") +
                             " --no-plots --out " + (dir / "b").string());
  ASSERT_EQ(r.status, 0) << r.output;
  EXPECT_THAT(r.output, HasSubstr("offered           0.05556 flits/node/cycle"));
}

// Ctrl-C in a long run: it stops at once, with exit code 130, and writes what it measured.
TEST_F(NocCli, SigintStopsALongRunAndKeepsItsResults) {
  const std::string cfg = noc("traffic: {pattern: uniform, rate: 0.2}\n");
  const Result r = run_shell("timeout 60 sh -c '" + std::string(WAFERSIM_BIN) + " noc " + cfg + " --cycles 4000000000 --no-plots --out " +
                             (dir / "i").string() + " & p=$!; sleep 1; kill -INT $p; wait $p; echo exit=$?'");
  EXPECT_THAT(r.output, HasSubstr("status            interrupted"));
  EXPECT_THAT(r.output, HasSubstr("exit=130"));
  std::ifstream in(dir / "i" / "noc.json");
  ASSERT_TRUE(in.good()) << r.output;
  EXPECT_EQ(nlohmann::json::parse(in).at("result").at("status"), "interrupted");
}

TEST_F(NocCli, TraceDrivenTrafficDeliversEveryPacket) {
  // With a UTF-8 byte-order mark, as a spreadsheet saves it (it was taken as part of a field).
  write("t.csv", "\xEF\xBB\xBF# two packets\ncycle,src_row,src_col,dst_row,dst_col,flits\n0,0,0,5,5,4\n100,5,5,0,0,1\n");
  const Result r = run("noc " + noc("traffic: {pattern: trace, trace: t.csv}\nmeasurement: {warmup_cycles: 0, measure_cycles: 1000}\n") +
                       " --out " + (dir / "t").string());
  ASSERT_EQ(r.status, 0) << r.output;
  // Hand-worked zero-load latencies with the default router (rc 0, va 1, sa 1, st 1) and 1-cycle
  // channels: 10 hops, 11 routers: 1 + 11 x 3 + 10 x 1 + 1 + (flits - 1) = 48 (4 flits), 45 (1 flit).
  EXPECT_THAT(r.output, HasSubstr("mean 46.50  p50 45  p99 48  max 48 cycles (2 of 2 measured packets delivered)"));
}

// A trace is measured from its first cycle unless a warm-up is asked for; one that ends inside an
// explicit warm-up measures nothing, and says so (it used to report "0 of 0" with status ok).
TEST_F(NocCli, ATraceIsNotWarmedUpAwayUnlessAsked) {
  write("t.csv", "cycle,src_row,src_col,dst_row,dst_col,flits\n0,0,0,5,5,4\n100,5,5,0,0,1\n");
  const Result r = run("noc " + noc("traffic: {pattern: trace, trace: t.csv}\nmeasurement: {measure_cycles: 1000}\n") + " --no-plots --out " +
                       (dir / "d").string());
  ASSERT_EQ(r.status, 0) << r.output;
  EXPECT_THAT(r.output, HasSubstr("(2 of 2 measured packets delivered)"));
  const Result w = run("noc " + noc("traffic: {pattern: trace, trace: t.csv}\nmeasurement: {warmup_cycles: 1000, measure_cycles: 1000}\n") +
                       " --no-plots --out " + (dir / "w").string());
  ASSERT_EQ(w.status, 0) << w.output;
  EXPECT_THAT(w.output, HasSubstr("wafersim: warning: no packet was created in the measurement window (cycles 1000 to 2000)"));
}

}  // namespace

// compile / simulate / graph: the compiler as a user meets it.
TEST_F(Cli, CompileWritesThePlanAndSimulateComparesEngineAndAnalytic) {
  const std::string model = std::string(WAFERSIM_SOURCE_DIR) + "/workloads/gpt2-block.yaml";
  const std::string sys = std::string(WAFERSIM_SOURCE_DIR) + "/configs/systems/tiny-3nm-32x32.yaml";
  const Result c = run("compile --model " + model + " --system " + sys + " --out " + (dir / "c").string());
  ASSERT_EQ(c.status, 0) << c.output;
  EXPECT_THAT(c.output, HasSubstr("layer_pipelined"));
  const auto plan = nlohmann::json::parse(wafersim::read_text_file(dir / "c" / "plan.json"));
  EXPECT_GT(plan["regions"].size(), 0u);
  // Which build wrote it, and which mappings the plan used.
  EXPECT_EQ(plan["provenance"]["wafersim"], wafersim::version());
  EXPECT_EQ(plan["provenance"]["git_hash"], wafersim::git_hash());
  EXPECT_TRUE(plan["mappings"]["moe"].is_null());
  EXPECT_TRUE(plan["mappings"]["attention"].is_string());
  EXPECT_THAT(wafersim::read_text_file(dir / "c" / "placement.svg"), HasSubstr("</svg>"));
  // The GPT-2-like block on the clean 32 x 32 fabric: the cycle engine within 15% of the flow
  // model (the issue's agreement bound; measured -10.7%).
  const Result s = run("simulate --model " + model + " --system " + sys + " --out " + (dir / "s").string() + " --trace " + (dir / "t.json").string());
  ASSERT_EQ(s.status, 0) << s.output;
  EXPECT_THAT(s.output, HasSubstr("simulated (cycle engine)"));
  EXPECT_THAT(s.output, HasSubstr("simulated: limited by "));
  EXPECT_THAT(c.output, HasSubstr("bounds of the silicon"));
  // The trace: every task a slice named by its op, every delivery a flow from its message.
  const auto trace = nlohmann::json::parse(wafersim::read_text_file(dir / "t.json"));
  std::size_t tasks = 0, starts = 0, ends = 0, named_regions = 0;
  for (const auto& e : trace["traceEvents"]) {
    const std::string ph = e["ph"];
    if (ph == "X" && e["args"].contains("cycles")) {
      ++tasks;
      EXPECT_NE(e["name"].get<std::string>(), "-");
    }
    if (ph == "s") ++starts;
    if (ph == "f") ++ends;
    if (ph == "M" && e["name"] == "process_name" && e["args"]["name"].get<std::string>().rfind("region ", 0) == 0) ++named_regions;
  }
  EXPECT_EQ(tasks, plan["tasks"].get<std::size_t>());
  EXPECT_GT(starts, 0u);
  EXPECT_EQ(starts, ends);
  EXPECT_EQ(named_regions, plan["regions"].size());
  expect_bad_input(run("simulate --model " + model + " --system " + sys + " --trace " + dir.string()), "is a directory");
  expect_bad_input(run("simulate --model " + model + " --system " + sys + " --trace " + (dir / "no" / "t.json").string()), "does not exist");
  const auto sim = nlohmann::json::parse(wafersim::read_text_file(dir / "s" / "simulate.json"));
  const double ratio = sim["micro_batch_s"]["ratio"].get<double>();
  EXPECT_GT(ratio, 0.85) << s.output;
  EXPECT_LT(ratio, 1.15) << s.output;
}

// The issue's agreement check on a small model: two layers of gpt2-small (sequence 128, one
// sequence per micro-batch) fill the 32 x 32 fabric. Clean: the cycle engine within 15% of the flow
// model (measured +4.0%). With 5% of the tiles dead: both slower than on the clean fabric, and the
// report says why (fewer tiles, longer paths). About 140 s in release.
TEST_F(Cli, SimulatedGpt2LayersAgreeWithTheAnalyticModelAndDeadTilesSlowBothDown) {
#ifdef WAFERSIM_SANITIZED
  GTEST_SKIP() << "minutes of cycle simulation; the sanitizer build runs the gpt2-block comparison instead";
#endif
  const std::string args = "simulate --model " + std::string(WAFERSIM_SOURCE_DIR) + "/workloads/gpt2-small.yaml --system " +
                           std::string(WAFERSIM_SOURCE_DIR) + "/configs/systems/tiny-3nm-32x32.yaml --layers 2 --sequence 128 --micro-batch 1";
  const Result clean = run(args + " --out " + (dir / "clean").string());
  ASSERT_EQ(clean.status, 0) << clean.output;
  const Result dead = run(args + " --dead-fraction 0.05 --out " + (dir / "dead").string());
  ASSERT_EQ(dead.status, 0) << dead.output;
  const auto c = nlohmann::json::parse(wafersim::read_text_file(dir / "clean" / "simulate.json"))["micro_batch_s"];
  const auto d = nlohmann::json::parse(wafersim::read_text_file(dir / "dead" / "simulate.json"))["micro_batch_s"];
  EXPECT_GT(c["ratio"].get<double>(), 0.85) << clean.output;
  EXPECT_LT(c["ratio"].get<double>(), 1.15) << clean.output;
  EXPECT_GT(d["simulated"].get<double>(), c["simulated"].get<double>()) << dead.output;
  EXPECT_GT(d["analytic"].get<double>(), c["analytic"].get<double>()) << dead.output;
  EXPECT_THAT(dead.output, HasSubstr("fewer tiles: 1024 -> "));
  EXPECT_THAT(dead.output, HasSubstr("longer paths: messages travel "));
}

TEST_F(Cli, EstimateSearchesLayoutsAndRejectsBadOnes) {
  const std::string model = " --model " + std::string(WAFERSIM_SOURCE_DIR) + "/workloads/gpt3-175b.yaml";
  const std::string sys = " --system " + std::string(WAFERSIM_SOURCE_DIR) + "/configs/systems/selene-a100.yaml";
  const Result r = run("estimate" + model + sys + " --devices 1024 --out " + (dir / "e").string());
  ASSERT_EQ(r.status, 0) << r.output;
  EXPECT_THAT(r.output, HasSubstr("ESTIMATED"));
  EXPECT_THAT(r.output, HasSubstr("layouts/s"));
  EXPECT_THAT(r.output, HasSubstr("next best:"));
  const auto j = nlohmann::json::parse(wafersim::read_text_file(dir / "e" / "estimate.json"));
  EXPECT_GT(j["best"][0]["days"].get<double>(), 0.0);
  expect_bad_input(run("estimate" + model + sys + " --devices 1024 --tp 8 --pp 7 --dp 8"), "pp 7 does not divide the 96 layers");
  expect_bad_input(run("estimate" + model + sys + " --devices 8 --tp 8 --pp 1"), "GB per device");
  const std::string neg = write("neg.yaml", "name: x\nkind: gpu_cluster\ndevices: 8\ndevice: {peak_tflops: 1, vector_tflops: 1, memory_gb: 1, "
                                            "memory_tb_s: 1}\nscale_up: {domain: 8, gb_s: 300}\nscale_out: {gb_s: -25}\n");
  expect_bad_input(run("estimate" + model + " --system " + neg), "neg.yaml:6");
}

// The layout flags of issue 18 (--cp, --fp8, --overlap, --stage-layers) and `wafersim validate`:
// each bad value is one line with exit code 2.
TEST_F(Cli, EstimateLayoutFlagsAndValidate) {
  const std::string root = WAFERSIM_SOURCE_DIR;
  const std::string model = " --model " + root + "/workloads/gpt3-175b.yaml";
  const std::string a100 = " --system " + root + "/configs/systems/selene-a100.yaml --devices 1024";
  const std::string h100 = " --system " + root + "/configs/systems/dgx-h100.yaml --devices 1024";
  const Result ok = run("estimate" + model + h100 + " --tp 8 --pp 16 --cp 2 --fp8 --sp --zero 1 --stage-layers 5,6,6,6,6,6,6,6,6,6,6,6,6,6,6,7 "
                        "--overlap tp,dp --out " + (dir / "l").string());
  ASSERT_EQ(ok.status, 0) << ok.output;
  EXPECT_THAT(ok.output, HasSubstr("cp 2"));
  EXPECT_THAT(ok.output, HasSubstr("fp8"));
  EXPECT_THAT(ok.output, HasSubstr("no-overlap pp"));
  EXPECT_THAT(ok.output, HasSubstr("overlap hides: tensor-parallel"));
  const auto j = nlohmann::json::parse(wafersim::read_text_file(dir / "l" / "estimate.json"));
  EXPECT_EQ(j["estimate"]["cp"].get<int>(), 2);
  EXPECT_EQ(j["estimate"]["stage_layers"].size(), 16u);
  EXPECT_GT(j["estimate"]["hidden_by_overlap_s"]["tp"].get<double>(), 0.0);
  expect_bad_input(run("estimate" + model + a100 + " --tp 8 --pp 16 --fp8"), "FP8 needs the device's FP8 peak");
  expect_bad_input(run("estimate" + model + a100 + " --tp 8 --pp 16 --cp 3 --dp 1"), "cp 3 does not divide the sequence of 2048 tokens");
  expect_bad_input(run("estimate" + model + a100 + " --tp 8 --pp 2 --stage-layers 40,50"), "sum to 90; the model has 96");
  expect_bad_input(run("estimate" + model + a100 + " --tp 8 --pp 2 --stage-layers 48,x"), "'x' is not a positive layer count");
  expect_bad_input(run("estimate" + model + a100 + " --tp 8 --pp 16 --overlap tp,zz"), "'zz' is not tp, dp or pp");
  expect_bad_input(run("estimate" + model + a100 + " --cp 2"), "set a given layout");
  const Result v = run("validate " + root + "/configs/validation/nemo-24.12-h100-fp8.yaml");
  ASSERT_EQ(v.status, 0) << v.output;
  EXPECT_THAT(v.output, HasSubstr("Llama 3 8B on 8 H100s"));
  EXPECT_THAT(v.output, HasSubstr("mean |error|"));
  expect_bad_input(run("validate " + write("v.yaml", "rows: []\n")), "v.yaml");
}

TEST_F(Cli, WaferEstimateSizesTheMachineForATargetAndShowsWhatMovesIt) {
  std::string text = wafersim::read_text_file(std::string(WAFERSIM_SOURCE_DIR) + "/workloads/gpt2-small.yaml");
  text.replace(text.find("sequence: 1024"), 14, "sequence: 64");  // a layer the 8 x 8 window holds
  const std::string model = " --model " + write("m.yaml", text + "\ntraining_tokens: 1e10\n");
  write("w.yaml", "name: small\nwafer: {tile: {width_mm: 1, height_mm: 1}, edge_exclusion_mm: 0, placement: rectangle, rows: 8, cols: 8}\n"
                  "defects: {dead_tile_fraction: 0.0}\nrepair: {strategy: none}\nrouting: {algorithm: duato}\n"
                  "compute: {array: 4, vector_flops_per_cycle: 8, sram_kib: 4096}\nnoc: {clock: {frequency_ghz: 1.0}}\n");
  const std::string cluster = "name: c\nkind: wafer_cluster\nwafer: w.yaml\nwafers: 16\nyield: {samples: 2}\n"
                              "external_memory: {capacity_tb: 1, tb_s: 1}\npower: {tile_active_w: 1, tile_idle_w: 0.5}\n"
                              "cost: {wafer_usd: 1000}\ncalibration: {window: 8}\n";
  const std::string sys = " --system " + write("c.yaml", cluster + "off_wafer: {gb_s_per_edge: 100}\n");
  const Result r = run("estimate" + model + sys + " --target-days 30 --sensitivity --out " + (dir / "w").string());
  ASSERT_EQ(r.status, 0) << r.output;
  EXPECT_THAT(r.output, HasSubstr("fewest wafers for 30 days:"));
  EXPECT_THAT(r.output, HasSubstr("answer (ESTIMATED):"));
  EXPECT_THAT(r.output, HasSubstr("limited by"));
  EXPECT_THAT(r.output, HasSubstr("EXTRAPOLATED"));
  EXPECT_THAT(r.output, HasSubstr("not cycle-simulated"));
  EXPECT_TRUE(std::filesystem::exists(dir / "w" / "sensitivity.svg"));
  const auto j = nlohmann::json::parse(wafersim::read_text_file(dir / "w" / "estimate.json"));
  // The layer is calibrated at every micro-batch the search tries; the chosen layout's is shown.
  EXPECT_THAT(r.output, HasSubstr("compiled at micro-batch 1, 2, 4, 8:"));
  ASSERT_EQ(j["calibration"]["micro_batches"].size(), 4u);
  EXPECT_EQ(j["calibration"]["sequences"].get<std::int64_t>(), j["best"][0]["micro_batch"].get<std::int64_t>());
  EXPECT_LE(j["best"][0]["days"].get<double>(), 30.0);
  // base, off-wafer bandwidth, clock, external memory bandwidth, SRAM per tile, on-wafer: x2 each (no D0 or spares on this wafer)
  EXPECT_EQ(j["sensitivity"].size(), 11u);
  // The silicon's bounds, per step, and what the configured 16 wafers would need for 30 days.
  EXPECT_THAT(r.output, HasSubstr("bounds of the silicon"));
  EXPECT_THAT(r.output, HasSubstr("16 wafers already train in"));
  const Result two = run("estimate" + model + sys + " --target-days 2");
  ASSERT_EQ(two.status, 0) << two.output;
  // 16 wafers take longer than 2 days (the count found for 2 days above is 32, so more than 2):
  // the target line says so with today's days.
  const std::string at = "to train in 2 days on 16 wafers (now ";
  ASSERT_THAT(two.output, HasSubstr(at));
  EXPECT_GT(std::stod(two.output.substr(two.output.find(at) + at.size())), 2.0);
  ASSERT_TRUE(j.contains("bounds"));
  EXPECT_GT(j["bounds"]["resources"].size(), 3u);
  EXPECT_LE(j["bounds"]["binding_share_of_step"].get<double>(), 1.0 + 1e-9);
  // Bad input: a negative bandwidth, wafer flags on a GPU cluster, a count no layout can use.
  expect_bad_input(run("estimate" + model + " --system " + write("n.yaml", cluster + "off_wafer: {gb_s_per_edge: -1}\n")), "n.yaml:");
  expect_bad_input(run("estimate" + model + " --system " + std::string(WAFERSIM_SOURCE_DIR) + "/configs/systems/selene-a100.yaml --target-days 1"),
                   "are for wafer clusters");
  expect_bad_input(run("estimate" + model + sys + " --wafers 11"), "does not fit on 11 wafers");
  // A micro-batch asked for whose layer cannot map on the tiles.
  expect_bad_input(run("estimate" + model + sys + " --tp 1 --pp 1 --micro-batch 5000"), "the representative layer at micro-batch 5000:");
}

TEST_F(Cli, GraphShowsYamlAndOnnxModelsAlike) {
  const Result y = run("graph --model " + std::string(WAFERSIM_SOURCE_DIR) + "/workloads/gpt2-small.yaml");
  ASSERT_EQ(y.status, 0) << y.output;
  EXPECT_THAT(y.output, HasSubstr("parameters 124439808"));
#if WAFERSIM_HAS_ONNX
  const Result o = run(std::string("graph --model ") + WAFERSIM_GPT2_BLOCK_ONNX);
  ASSERT_EQ(o.status, 0) << o.output;
  EXPECT_THAT(o.output, HasSubstr("(ONNX graph): 128 tokens per micro-batch"));
#else
  // Built without ONNX (cmake -DWAFERSIM_ONNX=OFF): one line saying so, whatever the file.
  const std::string onnx = write("block.onnx", "not read");
  expect_bad_input(run("graph --model " + onnx),
                   onnx + ": this wafersim was built without ONNX support (cmake -DWAFERSIM_ONNX=ON, needs libonnx-dev)");
#endif
}

// list is built from the registries: every family, an entry's own keys, JSON for scripts, and a
// mistyped family gets a did-you-mean.
TEST_F(Cli, ListShowsEveryRegisteredImplementation) {
  const Result all = run("list");
  ASSERT_EQ(all.status, 0) << all.output;
  for (const char* family : {"yield:", "repair:", "routing:", "allocator:", "traffic:", "style:", "matmul:", "attention:", "moe:"})
    EXPECT_THAT(all.output, HasSubstr(family));
  for (const char* entry : {"negative_binomial", "spare_rows", "duato", "islip", "hotspot", "layer_pipelined", "cannon", "streamed", "expert_sliced"})
    EXPECT_THAT(all.output, HasSubstr(entry));
  EXPECT_THAT(all.output, HasSubstr("keys: window, spares"));
  const Result one = run("list routing --json");
  ASSERT_EQ(one.status, 0) << one.output;
  const auto j = nlohmann::json::parse(one.output);
  ASSERT_EQ(j.size(), 1u);
  std::vector<std::string> names;
  for (const auto& e : j.at("routing").at("entries")) names.push_back(e.at("name"));
  EXPECT_EQ(names, (std::vector<std::string>{"duato", "minimal_adaptive", "up_down", "xy"}));
  expect_bad_input(run("list rooting"), "unknown family 'rooting' (did you mean 'routing'?)");
}

TEST_F(Cli, BadCompilerInputsGiveOneLineAndExitCode2) {
  const std::string sys = " --system " + std::string(WAFERSIM_SOURCE_DIR) + "/configs/systems/tiny-3nm-32x32.yaml";
  const std::string out = " --out " + (dir / "o").string();
#if WAFERSIM_HAS_ONNX
  expect_bad_input(run("graph --model " + write("not.onnx", "name: gpt2-small\nd_model: 768\n")), "not an ONNX model");
#endif
  expect_bad_input(run("compile --model " + std::string(WAFERSIM_SOURCE_DIR) + "/workloads/gpt3-175b.yaml" + sys + out),
                   "does not fit system 'tiny-3nm-32x32' in any mapping style");
  expect_bad_input(run("graph --model " + write("heads.yaml", "name: x\nvocab: 100\nd_model: 100\nlayers: 1\nheads: 3\n"
                                                              "ffn: {size: 400, activation: gelu}\nsequence: 8\n")),
                   "heads.yaml:5:8: heads: 3 heads do not divide d_model 100");
#if WAFERSIM_HAS_ONNX
  expect_bad_input(run(std::string("compile --model ") + WAFERSIM_GPT2_BLOCK_ONNX + sys + out), "compile and simulate take YAML model descriptions");
  expect_bad_input(run(std::string("graph --model ") + WAFERSIM_GPT2_BLOCK_ONNX + " --dim batch"), "--dim 'batch': expected NAME=N");
#endif
  expect_bad_input(run("simulate --model " + std::string(WAFERSIM_SOURCE_DIR) + "/workloads/gpt2-small.yaml" + sys + " --layers 99"),
                   "--layers 99: the model has 12 layers");
  // A routing that cannot serve a fabric with holes is refused before anything is costed (the
  // cost model used to stop with "internal error: ... has no route").
  std::string text = wafersim::read_text_file(std::string(WAFERSIM_SOURCE_DIR) + "/configs/systems/tiny-3nm-32x32.yaml");
  text.replace(text.find("algorithm: duato"), 16, "algorithm: minimal_adaptive");
  expect_bad_input(run("compile --model " + std::string(WAFERSIM_SOURCE_DIR) + "/workloads/gpt2-block.yaml --system " + write("ma.yaml", text) +
                       " --dead-fraction 0.1" + out),
                   "minimal_adaptive cannot route around the holes");
  const std::string gpt2 = "compile --model " + std::string(WAFERSIM_SOURCE_DIR) + "/workloads/gpt2-small.yaml --layers 2 --sequence 128 --micro-batch 1";
  expect_bad_input(run(gpt2 + sys + out + " --matmul-mapping canon"), "unknown matmul mapping 'canon' (did you mean 'cannon'?)");
  expect_bad_input(run(gpt2 + sys + out + " --matmul-mapping attn.qproj=cannon"), "no weighted matmul of model 'gpt2-small' is named 'attn.qproj'");
  expect_bad_input(run(gpt2 + sys + out + " --matmul-mapping =cannon"), "give NAME or OP=NAME");
  expect_bad_input(run(gpt2 + sys + out + " --attention-mapping stream"), "unknown attention mapping 'stream' (did you mean 'streamed'?)");
  expect_bad_input(run(gpt2 + sys + out + " --moe-mapping expert_sliced"), "model 'gpt2-small' has no experts");
  expect_bad_input(run("compile --model " + std::string(WAFERSIM_SOURCE_DIR) + "/workloads/gpt2-block.yaml" + sys + out + " --in-flight 2"),
                   "--in-flight 2: a step of model 'gpt2-block' has 1 micro-batch");
  expect_bad_input(run(gpt2 + sys + out + " --in-flight 0"), "--in-flight");
  expect_bad_input(run("compile --model " + std::string(WAFERSIM_SOURCE_DIR) + "/workloads/moe-block.yaml" + sys + out + " --moe-mapping expert_slice"),
                   "unknown MoE mapping 'expert_slice' (did you mean 'expert_sliced'?)");
  // gpt2-small at 1024 tokens: every unit of a head all-gathering 1024 keys and values does not fit
  // a tile's SRAM; streamed does (and auto takes it).
  const std::string long_seq = "compile --model " + std::string(WAFERSIM_SOURCE_DIR) + "/workloads/gpt2-small.yaml --layers 1 --sequence 1024 --micro-batch 1";
  expect_bad_input(run(long_seq + sys + out + " --attention-mapping gathered"), "attention mapping 'gathered' needs");
  // Cannon keeps a second copy of each weight: on a tile with 736 KiB of SRAM the plan fits, the
  // copy does not. (At 720 KiB the attention's working set does not fit either.)
  std::string small = wafersim::read_text_file(std::string(WAFERSIM_SOURCE_DIR) + "/configs/systems/tiny-3nm-32x32.yaml");
  small.replace(small.find("sram_kib: 1536"), 14, "sram_kib: 736");
  expect_bad_input(run(gpt2 + " --system " + write("small-sram.yaml", small) + out + " --matmul-mapping cannon"),
                   "its extra copy of each weight needs");
}

namespace wafersim {
namespace {

#if WAFERSIM_HAS_RTL
TEST_F(Cli, VerifyRtlPassesReportsAndShowsAnInjectedBugsCycle) {
  const Result ok = run("verify-rtl --block cdc --out " + dir.string());
  EXPECT_EQ(ok.status, 0) << ok.output;
  EXPECT_THAT(ok.output, HasSubstr("verify-rtl: PASS"));
  EXPECT_THAT(ok.output, HasSubstr("at the engine's crossing time"));
  const auto report = nlohmann::json::parse(std::ifstream(dir / "report.json"));
  EXPECT_TRUE(report["pass"].get<bool>());
  EXPECT_EQ(report["blocks"].size(), 3u);  // three clock pairs

  const Result bug = run("verify-rtl --block router --inject-bug --cycles 20000 --seed 3 --out " + (dir / "bug").string());
  EXPECT_EQ(bug.status, 1) << bug.output;  // a verification failure, not bad input
  EXPECT_THAT(bug.output, HasSubstr("router booksim_bug  FAIL"));
  EXPECT_THAT(bug.output, HasSubstr("first mismatch at cycle "));
  EXPECT_THAT(bug.output, HasSubstr(".vcd"));

  expect_bad_input(run("verify-rtl --block alu --out " + dir.string()), "--block");
  expect_bad_input(run("verify-rtl --block pe"), "--out");
  expect_bad_input(run("verify-rtl --cycles 10 --out " + dir.string()), "--cycles");
}
#else
// Built without the RTL (cmake -DWAFERSIM_RTL=OFF): verify-rtl is still listed, and says what is
// missing in one line with exit code 2, with or without its flags, writing nothing.
TEST_F(Cli, VerifyRtlSaysThisBuildHasNoRtl) {
  const std::string why = "verify-rtl: this wafersim was built without the RTL (cmake -DWAFERSIM_RTL=ON, needs SystemC and Verilator)";
  expect_bad_input(run("verify-rtl"), why);
  expect_bad_input(run("verify-rtl --block router --out " + (dir / "v").string()), why);
  EXPECT_FALSE(fs::exists(dir / "v"));
  const Result help = run("--help");
  EXPECT_EQ(help.status, 0) << help.output;
  EXPECT_THAT(help.output, HasSubstr("verify-rtl"));
  EXPECT_THAT(help.output, HasSubstr("(not in this build: cmake -DWAFERSIM_RTL=ON)"));
}
#endif

}  // namespace
}  // namespace wafersim

// Every command and flag that README.md and the docs show in a command line exists: for each
// `wafersim CMD ...` (in code blocks, with continuation lines joined, and in inline code), CMD is a
// command and each --flag is in `wafersim CMD --help`.
TEST(Docs, EveryCommandAndFlagTheyNameExists) {
  const fs::path root = WAFERSIM_SOURCE_DIR;
  std::vector<fs::path> files = {root / "README.md"};
  for (const auto& e : fs::directory_iterator(root / "docs"))
    if (e.path().extension() == ".md") files.push_back(e.path());
  std::map<std::string, std::string> help;  // command -> its --help
  std::size_t checked = 0;
  const std::regex command_re(R"((?:^|[\s`(])(?:\./build/|\$P/bin/|[\w/.-]*/bin/)?wafersim\s+([a-z][a-z-]*)([^`]*))");
  const std::regex flag_re(R"((?:^|[\s\[|(])(--[a-z][a-z0-9-]*))");
  for (const fs::path& f : files) {
    std::ifstream in(f);
    std::vector<std::string> logical;  // command lines: code-block lines joined over '\' and indented continuations
    std::string line;
    bool in_code = false;
    while (std::getline(in, line)) {
      if (line.rfind("```", 0) == 0) {
        in_code = !in_code;
        continue;
      }
      if (in_code && !logical.empty() && (logical.back().ends_with("\\") || (!line.empty() && line[0] == ' ' && logical.back().find("wafersim") != std::string::npos))) {
        if (logical.back().ends_with("\\")) logical.back().pop_back();
        logical.back() += " " + line;
        continue;
      }
      if (in_code) {
        logical.push_back(line);
        continue;
      }
      // Prose: each inline code span on its own.
      for (std::size_t a = line.find('`'); a != std::string::npos; a = line.find('`', a + 1)) {
        const std::size_t b = line.find('`', a + 1);
        if (b == std::string::npos) break;
        logical.push_back(line.substr(a + 1, b - a - 1));
        a = b;
      }
    }
    for (const std::string& l : logical) {
      if (l.find_first_not_of(' ') != std::string::npos && l[l.find_first_not_of(' ')] == '#') continue;  // a comment line
      for (std::sregex_iterator m(l.begin(), l.end(), command_re), end; m != end; ++m) {
        const std::string cmd = (*m)[1];
        if (!help.count(cmd)) {
          const Result r = run(cmd + " --help");
          ASSERT_EQ(r.status, 0) << f.filename() << ": `wafersim " << cmd << "` is not a command (in: " << l << ")";
          help[cmd] = r.output;
        }
        // The flags up to the next command on the line (a pipe, `&&`, or another wafersim).
        std::string rest = (*m)[2];
        for (const char* stop : {"|", "&&", ";", " wafersim ", " 2>", " >"})
          if (const std::size_t at = rest.find(stop); at != std::string::npos) rest = rest.substr(0, at);
        for (std::sregex_iterator fl(rest.begin(), rest.end(), flag_re); fl != end; ++fl) {
          const std::string flag = (*fl)[1];
          ++checked;
          EXPECT_TRUE(std::regex_search(help[cmd], std::regex("(^|[\\s,])" + flag + "([\\s,={]|$)")))
              << f.filename() << ": `wafersim " << cmd << " " << flag << "` is not a flag of " << cmd << " (in: " << l << ")";
        }
      }
    }
  }
  EXPECT_GT(checked, 100u);  // the docs do name flags: the parse found them
}
