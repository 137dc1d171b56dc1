#include "core/thread_pool.hpp"

#include <fmt/format.h>
#include <sched.h>

#include <algorithm>
#include <system_error>
#include <utility>

#include "core/input_error.hpp"

namespace wafersim {

unsigned available_cpus() {
  cpu_set_t set;
  CPU_ZERO(&set);
  if (::sched_getaffinity(0, sizeof set, &set) == 0) return std::max(1, CPU_COUNT(&set));
  return std::max(1u, std::thread::hardware_concurrency());
}

ThreadPool::ThreadPool(unsigned threads) {
  if (threads == 0) threads = std::max(1u, std::thread::hardware_concurrency());
  try {
    for (unsigned i = 0; i < threads; ++i) workers_.emplace_back([this] { worker_loop(); });
  } catch (const std::system_error& e) {
    // The destructor does not run for a constructor that throws: stop the threads started so far
    // here (left joinable, they would end the process).
    const std::size_t started = workers_.size();
    stop_and_join();
    throw InputError(fmt::format("cannot start {} threads (started {}): {}; ask for fewer (--jobs)", threads, started, e.what()));
  }
}

ThreadPool::~ThreadPool() { stop_and_join(); }

void ThreadPool::stop_and_join() {
  {
    std::lock_guard lock(mutex_);
    stop_ = true;
  }
  work_ready_.notify_all();
  for (auto& w : workers_) w.join();
  workers_.clear();
}

void ThreadPool::parallel_for(std::size_t n, const std::function<void(std::size_t)>& body) {
  if (n == 0) return;
  std::unique_lock lock(mutex_);
  body_ = &body;
  next_ = 0;
  count_ = n;
  error_ = nullptr;
  work_ready_.notify_all();
  work_done_.wait(lock, [&] { return next_ >= count_ && running_ == 0; });
  body_ = nullptr;
  if (error_) std::rethrow_exception(std::exchange(error_, nullptr));
}

void ThreadPool::worker_loop() {
  std::unique_lock lock(mutex_);
  for (;;) {
    work_ready_.wait(lock, [&] { return stop_ || (body_ && next_ < count_); });
    if (stop_) return;
    const std::size_t i = next_++;
    ++running_;
    const auto* body = body_;
    lock.unlock();
    try {
      (*body)(i);
    } catch (...) {
      lock.lock();
      if (!error_) error_ = std::current_exception();
      next_ = count_;  // skip what has not started
      lock.unlock();
    }
    lock.lock();
    --running_;
    if (next_ >= count_ && running_ == 0) work_done_.notify_all();
  }
}

}  // namespace wafersim
