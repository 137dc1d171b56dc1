#pragma once
// A one-line progress display on stderr, redrawn at most ten times a second, and only when stderr
// is a terminal: logs and pipes stay clean. Thread-safe.
#include <atomic>
#include <chrono>
#include <cstddef>
#include <mutex>
#include <string>

namespace wafersim {

class Progress {
 public:
  Progress(std::string label, std::size_t total, bool enabled);
  ~Progress();
  void advance(std::size_t n = 1);
  void finish();
  static bool stderr_is_terminal();

 private:
  void draw();
  std::string label_;
  std::size_t total_;
  bool enabled_;
  std::atomic<std::size_t> done_{0};
  std::mutex mutex_;
  std::chrono::steady_clock::time_point start_;
  std::chrono::steady_clock::time_point last_draw_;
  bool finished_ = false;
};

}  // namespace wafersim
