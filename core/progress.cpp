#include "core/progress.hpp"

#include <fmt/format.h>
#include <unistd.h>

#include <cstdio>

namespace wafersim {

Progress::Progress(std::string label, std::size_t total, bool enabled)
    : label_(std::move(label)), total_(total), enabled_(enabled), start_(std::chrono::steady_clock::now()) {}

Progress::~Progress() { finish(); }

bool Progress::stderr_is_terminal() { return isatty(STDERR_FILENO) == 1; }

void Progress::advance(std::size_t n) {
  done_ += n;
  if (enabled_) draw();
}

void Progress::finish() {
  if (!enabled_) return;
  std::lock_guard lock(mutex_);
  if (finished_) return;
  finished_ = true;
  std::fputs("\r\033[K", stderr);
  std::fflush(stderr);
}

void Progress::draw() {
  std::lock_guard lock(mutex_);
  if (finished_) return;
  const auto now = std::chrono::steady_clock::now();
  if (now - last_draw_ < std::chrono::milliseconds(100)) return;
  last_draw_ = now;
  const std::size_t done = done_.load();
  const double elapsed = std::chrono::duration<double>(now - start_).count();
  std::string eta;
  if (done > 0 && done < total_) eta = fmt::format(", ~{:.0f} s left", elapsed / done * (total_ - done));
  const double percent = total_ ? 100.0 * done / total_ : 100.0;
  fmt::print(stderr, "\r\033[K{}: {}/{} ({:.0f}%){}", label_, done, total_, percent, eta);
  std::fflush(stderr);
}

}  // namespace wafersim
