#include "core/sweep_runner.hpp"

#include <fmt/format.h>

#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstdlib>
#include <cstring>
#include <map>
#include <mutex>

#include "core/build_info.hpp"
#include "core/csv.hpp"
#include "core/input_error.hpp"
#include "core/interrupt.hpp"
#include "core/json_file.hpp"
#include "core/progress.hpp"
#include "core/thread_pool.hpp"

namespace wafersim {

std::vector<std::string> sweep_header(const SweepPlan& plan, const std::vector<std::string>& metric_columns) {
  std::vector<std::string> header{"point"};
  for (const auto& axis : plan.axes()) header.push_back(axis.key);
  header.push_back("replicates");
  header.push_back("seed");
  header.insert(header.end(), metric_columns.begin(), metric_columns.end());
  header.push_back("point_hash");
  return header;
}


namespace {

// An exclusive flock on <dir>/.wafersim.lock for the life of the run: a second sweep into the same
// folder is refused (two writers would interleave rows and race on the final rewrite). The kernel
// drops the lock when the process ends, however it ends, so a killed run leaves nothing stale.
class DirectoryLock {
 public:
  explicit DirectoryLock(const std::filesystem::path& dir) {
    const std::filesystem::path file = dir / ".wafersim.lock";
    fd_ = ::open(file.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
    if (fd_ < 0) throw InputError(fmt::format("{}: cannot create the lock file: {}", file.string(), std::strerror(errno)));
    if (::flock(fd_, LOCK_EX | LOCK_NB) != 0) {
      ::close(fd_);
      throw InputError(fmt::format("{}: another sweep is running into this directory; wait for it, or use another --out", dir.string()));
    }
  }
  ~DirectoryLock() { ::close(fd_); }
  DirectoryLock(const DirectoryLock&) = delete;
  DirectoryLock& operator=(const DirectoryLock&) = delete;

 private:
  int fd_ = -1;
};

struct ExistingResults {
  std::map<std::string, std::vector<std::string>> rows_by_hash;
  std::size_t foreign_rows = 0;
};

// Reads what an earlier run left in results.csv, dropping a trailing partial row. A file that does
// not start with this sweep's header line is not ours (another sweep's results, or any other file)
// and is refused, never emptied; only an empty file is taken as a fresh start.
ExistingResults read_existing(const std::filesystem::path& csv_path, const std::vector<std::string>& header,
                              const SweepPlan& plan) {
  ExistingResults existing;
  if (!std::filesystem::exists(csv_path)) return existing;
  std::string text = read_text_file(csv_path);
  if (text.empty()) return existing;
  if (text.rfind(csv_row(header), 0) != 0) {
    throw InputError(fmt::format(
        "{}: is not a results file of this sweep (its first line is not this sweep's header: other columns, or not a results "
        "file at all); use another --out directory or remove the file to start over",
        csv_path.string()));
  }
  if (text.back() != '\n') {  // the header line is whole, so a partial row follows it
    text.erase(text.rfind('\n') + 1);
    write_file_atomically(csv_path, text);
  }
  const CsvText csv = parse_csv(text, csv_path.string());
  std::map<std::string, bool> wanted;
  for (const auto& p : plan.points()) wanted[p.hash] = true;
  for (std::size_t i = 1; i < csv.records.size(); ++i) {
    const auto& fields = csv.records[i].fields;
    if (fields.size() != header.size()) {
      throw InputError(fmt::format("{}:{}: row has {} fields, the header {}", csv_path.string(), csv.records[i].line,
                                   fields.size(), header.size()));
    }
    if (wanted.count(fields.back())) {
      existing.rows_by_hash[fields.back()] = fields;
    } else {
      ++existing.foreign_rows;
    }
  }
  return existing;
}

}  // namespace

SweepOutcome run_sweep(const SweepPlan& plan, const std::vector<std::string>& metric_columns,
                       const PointEvaluator& evaluate, const SweepRunOptions& options) {
  const auto start = std::chrono::steady_clock::now();
  std::filesystem::create_directories(options.out_dir);
  const DirectoryLock lock(options.out_dir);
  SweepOutcome outcome;
  outcome.total = plan.points().size();
  outcome.results_csv = options.out_dir / "results.csv";
  const std::vector<std::string> header = sweep_header(plan, metric_columns);

  ExistingResults existing = read_existing(outcome.results_csv, header, plan);
  if (existing.foreign_rows > 0) {
    fmt::print(stderr, "note: {} rows in {} are not points of this sweep (its config changed); they will be dropped when the sweep completes\n",
               existing.foreign_rows, outcome.results_csv.string());
  }
  if (!std::filesystem::exists(outcome.results_csv) || std::filesystem::file_size(outcome.results_csv) == 0) {
    write_file_atomically(outcome.results_csv, csv_row(header));
  }

  std::vector<const SweepPoint*> pending;
  for (const auto& p : plan.points()) {
    if (!existing.rows_by_hash.count(p.hash)) pending.push_back(&p);
  }
  outcome.reused = plan.points().size() - pending.size();

  auto meta = nlohmann::ordered_json::object();
  meta["tool"] = "wafersim";
  meta["version"] = version();
  meta["git_hash"] = git_hash();
  meta["sweep"] = plan.name();
  meta["sweep_file"] = plan.sweep_file().string();
  meta["system_file"] = plan.system_file().string();
  meta["seed"] = plan.seed();
  meta["replicates"] = plan.replicates();
  meta["evaluate"] = yaml_to_json(plan.evaluate().raw());
  meta["base_config"] = yaml_to_json(plan.base_config().raw());
  auto axes = nlohmann::ordered_json::array();
  for (const auto& a : plan.axes()) {
    auto values = nlohmann::ordered_json::array();
    for (const auto& v : a.values) values.push_back(yaml_to_json(v.raw()));
    axes.push_back({{"key", a.key}, {"values", values}, {"labels", a.labels}});
  }
  meta["axes"] = axes;
  meta["points"] = plan.points().size();
  for (auto& [k, v] : options.extra_meta.items()) meta[k] = v;
  meta["status"] = "running";
  write_json_file(options.out_dir / "meta.json", meta);

  {
    CsvAppender appender(outcome.results_csv);
    std::mutex write_mutex;
    Progress progress("sweep " + plan.name(), pending.size(), options.show_progress);
    ThreadPool pool(std::max(1u, options.jobs));
    pool.parallel_for(pending.size(), [&](std::size_t i) {
      if (interrupted()) return;
      const SweepPoint& point = *pending[i];
      std::optional<std::vector<std::string>> metrics = evaluate(point);
      if (!metrics) return;
      if (metrics->size() != metric_columns.size()) throw std::logic_error("evaluator returned the wrong number of metrics");
      std::vector<std::string> row{std::to_string(point.index)};
      row.insert(row.end(), point.labels.begin(), point.labels.end());
      row.push_back(std::to_string(plan.replicates()));
      row.push_back(std::to_string(plan.seed()));
      row.insert(row.end(), metrics->begin(), metrics->end());
      row.push_back(point.hash);
      std::lock_guard lock(write_mutex);
      appender.write_row(row);
      existing.rows_by_hash[point.hash] = std::move(row);
      ++outcome.computed;
      progress.advance();
    });
    progress.finish();
  }

  outcome.interrupted = existing.rows_by_hash.size() < plan.points().size();
  if (!outcome.interrupted) {
    std::string text = csv_row(header);
    for (const auto& p : plan.points()) text += csv_row(existing.rows_by_hash.at(p.hash));
    write_file_atomically(outcome.results_csv, text);
  }
  outcome.wall_seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  meta["status"] = outcome.interrupted ? "interrupted" : "complete";
  meta["points_done"] = existing.rows_by_hash.size();
  meta["points_computed_this_run"] = outcome.computed;
  meta["wall_seconds_this_run"] = outcome.wall_seconds;
  write_json_file(options.out_dir / "meta.json", meta);
  return outcome;
}

}  // namespace wafersim
