#include "core/thread_pool.hpp"

#include <algorithm>
#include <utility>

namespace wafersim {

ThreadPool::ThreadPool(unsigned threads) {
  if (threads == 0) threads = std::max(1u, std::thread::hardware_concurrency());
  for (unsigned i = 0; i < threads; ++i) workers_.emplace_back([this] { worker_loop(); });
}

ThreadPool::~ThreadPool() {
  {
    std::lock_guard lock(mutex_);
    stop_ = true;
  }
  work_ready_.notify_all();
  for (auto& w : workers_) w.join();
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
