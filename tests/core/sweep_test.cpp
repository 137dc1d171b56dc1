// Sweep plans (axes over config keys) and the runner's resume, interrupt and ordering guarantees.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include <atomic>
#include <filesystem>
#include <fstream>
#include <thread>

#include "core/csv.hpp"
#include "core/interrupt.hpp"
#include "core/sweep_plan.hpp"
#include "core/sweep_runner.hpp"

namespace wafersim {
namespace {

using ::testing::HasSubstr;
namespace fs = std::filesystem;

// A toy config schema: {a: number >= 0, group: {b: number, c: string}, file: path it reads}.
std::vector<fs::path> validate(const YamlNode& n) {
  n.check_keys({"a", "group", "file"});
  n.get_double("a", 0, Range::non_negative());
  const YamlNode g = n.child("group");
  g.check_keys({"b", "c"});
  g.get_double("b", 0);
  g.get_string("c", "");
  if (!n.has("file")) return {};
  return {fs::path(n.file()).parent_path() / n.get_string("file", "")};
}

struct TempDir {
  fs::path path;
  TempDir() {
    path = fs::temp_directory_path() / ("wafersim-sweep-" + std::to_string(::getpid()) + "-" + std::to_string(counter()++));
    fs::remove_all(path);
    fs::create_directories(path);
  }
  ~TempDir() { fs::remove_all(path); }
  static int& counter() {
    static int c = 0;
    return c;
  }
  fs::path write(const std::string& name, const std::string& text) const {
    std::ofstream(path / name) << text;
    return path / name;
  }
};

const char* kSystem = "a: 1\ngroup: {b: 2, c: x}\n";
const char* kSweep =
    "system: sys.yaml\nseed: 5\nreplicates: 3\naxes:\n"
    "  - key: a\n    values: [1, 2, 3]\n"
    "  - key: group\n    values: [{b: 1, c: p}, {b: 2, c: q}]\n    labels: [P, Q]\n";

// kSweep over kSystem, written into d.
SweepPlan toy_plan(const TempDir& d) {
  d.write("sys.yaml", kSystem);
  return SweepPlan::load(d.write("s.yaml", kSweep), validate);
}

TEST(SweepPlan, ExpandsTheCartesianProductFirstAxisSlowest) {
  TempDir d;
  const SweepPlan plan = toy_plan(d);
  ASSERT_EQ(plan.points().size(), 6u);
  EXPECT_EQ(plan.points()[0].labels, (std::vector<std::string>{"1", "P"}));
  EXPECT_EQ(plan.points()[1].labels, (std::vector<std::string>{"1", "Q"}));
  EXPECT_EQ(plan.points()[5].labels, (std::vector<std::string>{"3", "Q"}));
  EXPECT_EQ(plan.points()[3].config.raw()["a"].as<int>(), 2);
  EXPECT_EQ(plan.points()[3].config.raw()["group"]["c"].as<std::string>(), "q");
  for (std::size_t i = 0; i < 6; ++i) {
    for (std::size_t j = i + 1; j < 6; ++j) EXPECT_NE(plan.points()[i].hash, plan.points()[j].hash);
  }
  // Same file, same hashes.
  EXPECT_EQ(SweepPlan::load(d.path / "s.yaml", validate).points()[4].hash, plan.points()[4].hash);
}

TEST(SweepPlan, AxisOnAKeyTheConfigDoesNotHaveIsReportedAtTheAxis) {
  TempDir d;
  d.write("sys.yaml", kSystem);
  const auto f = d.write("s.yaml", "system: sys.yaml\naxes:\n  - key: group.bb\n    values: [1]\n");
  try {
    SweepPlan::load(f, validate);
    FAIL();
  } catch (const ConfigError& e) {
    EXPECT_THAT(std::string(e.what()), HasSubstr("s.yaml:3:10: axes[0].key: 'group.bb' is not a key of the system config"));
    EXPECT_THAT(std::string(e.what()), HasSubstr("did you mean 'b'?"));
  }
}

TEST(SweepPlan, BadAxisValueIsReportedAtTheValue) {
  TempDir d;
  d.write("sys.yaml", kSystem);
  const auto f = d.write("s.yaml", "system: sys.yaml\naxes:\n  - key: a\n    values: [1, -2]\n");
  try {
    SweepPlan::load(f, validate);
    FAIL();
  } catch (const ConfigError& e) {
    EXPECT_THAT(std::string(e.what()), HasSubstr("s.yaml:4:17: axes[0].values[1]: value for a is invalid: must be >= 0, got -2"));
  }
}

// Every point must differ: a value given twice on an axis (also as the same number written
// otherwise), or an axis inside another, used to give two points one hash, and the sweep never
// completed.
TEST(SweepPlan, PointsThatAreTheSameConfigAreRefused) {
  TempDir d;
  d.write("sys.yaml", kSystem);
  try {
    SweepPlan::load(d.write("s.yaml", "system: sys.yaml\naxes:\n  - key: a\n    values: [1, 2, 1.0]\n"), validate);
    FAIL();
  } catch (const ConfigError& e) {
    EXPECT_THAT(std::string(e.what()), HasSubstr("axes[0].values[2]: value 3 of axis 'a' repeats value 1 (1)"));
  }
  try {
    SweepPlan::load(d.write("s.yaml", "system: sys.yaml\naxes:\n  - key: group\n    values: [{b: 1, c: p}, {b: 2, c: p}]\n"
                                      "  - key: group.b\n    values: [3, 4]\n"),
                    validate);
    FAIL();
  } catch (const InputError& e) {
    EXPECT_THAT(std::string(e.what()), HasSubstr("points 0 (group={b: 1, c: p}, group.b=3) and 2 (group={b: 2, c: p}, group.b=3) are the same config"));
  }
}

// A file the config reads (a defect map) is part of a point's identity: edit it and the point is
// another one.
TEST(SweepPlan, TheHashCoversTheFilesAConfigReads) {
  TempDir d;
  d.write("sys.yaml", "a: 1\nfile: map.csv\n");
  d.write("map.csv", "row,col\n1,1\n");
  const auto f = d.write("s.yaml", "system: sys.yaml\naxes:\n  - key: a\n    values: [1, 2]\n");
  const std::string before = SweepPlan::load(f, validate).points()[1].hash;
  EXPECT_EQ(SweepPlan::load(f, validate).points()[1].hash, before);
  d.write("map.csv", "row,col\n1,2\n");
  EXPECT_NE(SweepPlan::load(f, validate).points()[1].hash, before);
}

TEST(SweepPlan, MissingSystemFileIsReported) {
  TempDir d;
  const auto f = d.write("s.yaml", "system: nope.yaml\n");
  EXPECT_THROW(SweepPlan::load(f, validate), ConfigError);
}

// Evaluator: metrics derived from the point's config; counts calls.
struct CountingEvaluator {
  std::atomic<int> calls{0};
  int interrupt_after = -1;
  std::optional<std::vector<std::string>> operator()(const SweepPoint& p) {
    const int n = ++calls;
    if (interrupt_after >= 0 && n > interrupt_after) {
      set_interrupted(true);
      return std::nullopt;
    }
    return std::vector<std::string>{p.config.raw()["a"].Scalar() + "x" + p.config.raw()["group"]["b"].Scalar()};
  }
};

TEST(SweepRunner, RowsAreIdenticalForOneAndTwoJobs) {
  TempDir d;
  const SweepPlan plan = toy_plan(d);
  std::string bytes[2];
  for (unsigned jobs : {1u, 2u}) {
    CountingEvaluator ev;
    SweepRunOptions o;
    o.out_dir = d.path / ("out" + std::to_string(jobs));
    o.jobs = jobs;
    const SweepOutcome r = run_sweep(plan, {"m"}, std::ref(ev), o);
    EXPECT_FALSE(r.interrupted);
    EXPECT_EQ(r.computed, 6u);
    bytes[jobs - 1] = read_text_file(r.results_csv);
  }
  EXPECT_EQ(bytes[0], bytes[1]);
  EXPECT_THAT(bytes[0], HasSubstr("point,a,group,replicates,seed,m,point_hash\n0,1,P,3,5,1x1,"));
}

TEST(SweepRunner, InterruptKeepsFinishedRowsAndAResumeCompletesToTheSameFile) {
  TempDir d;
  const SweepPlan plan = toy_plan(d);
  SweepRunOptions o;
  o.out_dir = d.path / "ref";
  CountingEvaluator full;
  const std::string reference = read_text_file(run_sweep(plan, {"m"}, std::ref(full), o).results_csv);

  o.out_dir = d.path / "resumed";
  CountingEvaluator first;
  first.interrupt_after = 2;
  const SweepOutcome r1 = run_sweep(plan, {"m"}, std::ref(first), o);
  set_interrupted(false);
  EXPECT_TRUE(r1.interrupted);
  EXPECT_EQ(r1.computed, 2u);
  const CsvText partial = read_csv_file(r1.results_csv);
  EXPECT_EQ(partial.records.size(), 3u);  // header + 2 rows, a valid CSV
  EXPECT_FALSE(partial.ends_with_partial_line);

  // A killed process could leave half a row: the resume drops it.
  { std::ofstream(r1.results_csv, std::ios::app) << "2,2,P,3,5,2x"; }
  CountingEvaluator second;
  const SweepOutcome r2 = run_sweep(plan, {"m"}, std::ref(second), o);
  EXPECT_FALSE(r2.interrupted);
  EXPECT_EQ(r2.reused, 2u);
  EXPECT_EQ(second.calls.load(), 4);
  EXPECT_EQ(read_text_file(r2.results_csv), reference);
}

TEST(SweepRunner, RefusesAResultsFileWithOtherColumns) {
  TempDir d;
  const SweepPlan plan = toy_plan(d);
  fs::create_directories(d.path / "o");
  d.write("o/results.csv", "x,y\n1,2\n");
  SweepRunOptions o;
  o.out_dir = d.path / "o";
  CountingEvaluator ev;
  EXPECT_THROW(run_sweep(plan, {"m"}, std::ref(ev), o), InputError);
}

// A results.csv that is not this sweep's (any other text, with or without a final newline, or
// blank lines) is refused and left as it was: it used to be emptied, taken for a partial row.
TEST(SweepRunner, RefusesAndKeepsAResultsFileThatIsNotOurs) {
  TempDir d;
  const SweepPlan plan = toy_plan(d);
  fs::create_directories(d.path / "o");
  SweepRunOptions o;
  o.out_dir = d.path / "o";
  for (const char* text : {"hello world", "notes\nmore notes\n", "\n\n", "point,a"}) {
    d.write("o/results.csv", text);
    CountingEvaluator ev;
    EXPECT_THROW(run_sweep(plan, {"m"}, std::ref(ev), o), InputError) << text;
    EXPECT_EQ(read_text_file(d.path / "o" / "results.csv"), text);
    EXPECT_EQ(ev.calls.load(), 0);
  }
}

// Two sweeps into one folder: the second is refused while the first holds the folder's lock.
TEST(SweepRunner, ASecondSweepIntoTheSameFolderIsRefused) {
  TempDir d;
  const SweepPlan plan = toy_plan(d);
  SweepRunOptions o;
  o.out_dir = d.path / "o";
  fs::create_directories(o.out_dir);
  const int fd = ::open((o.out_dir / ".wafersim.lock").c_str(), O_RDWR | O_CREAT, 0644);
  ASSERT_EQ(::flock(fd, LOCK_EX | LOCK_NB), 0);  // as a first sweep holds it
  CountingEvaluator ev;
  try {
    run_sweep(plan, {"m"}, std::ref(ev), o);
    FAIL();
  } catch (const InputError& e) {
    EXPECT_THAT(std::string(e.what()), HasSubstr("another sweep is running into this directory"));
  }
  EXPECT_EQ(ev.calls.load(), 0);
  ::close(fd);
  EXPECT_FALSE(run_sweep(plan, {"m"}, std::ref(ev), o).interrupted);
}

// Writers of one file never share a temporary: with a fixed ".tmp" name, one writer's rename took
// the other's file and the second rename failed.
TEST(AtomicWrite, ConcurrentWritersOfOneFileEachLeaveAWholeFile) {
  TempDir d;
  const fs::path file = d.path / "f.txt";
  std::atomic<int> failures{0};
  auto writer = [&](char c) {
    for (int i = 0; i < 200; ++i) {
      try {
        write_file_atomically(file, std::string(1000, c));
      } catch (const std::exception&) {
        ++failures;
      }
    }
  };
  std::thread a(writer, 'a'), b(writer, 'b');
  a.join();
  b.join();
  EXPECT_EQ(failures.load(), 0);
  const std::string text = read_text_file(file);
  EXPECT_TRUE(text == std::string(1000, 'a') || text == std::string(1000, 'b'));
  EXPECT_EQ(std::distance(fs::directory_iterator(d.path), fs::directory_iterator()), 1);  // no temporary left
}

}  // namespace
}  // namespace wafersim
