#pragma once
// A fixed set of worker threads. Work is handed out dynamically, but every result is stored by
// index by the caller, so nothing observable depends on which thread ran what, or when.
#include <condition_variable>
#include <cstddef>
#include <exception>
#include <functional>
#include <mutex>
#include <thread>
#include <vector>

namespace wafersim {

// CPUs this process may run on (its affinity mask, which containers and taskset narrow), unlike
// std::thread::hardware_concurrency, which counts the machine's.
unsigned available_cpus();

class ThreadPool {
 public:
  // threads == 0 means one per hardware thread. Throws InputError when the system cannot start
  // that many (a process or memory limit), after stopping the ones it started.
  explicit ThreadPool(unsigned threads);
  ~ThreadPool();
  ThreadPool(const ThreadPool&) = delete;
  ThreadPool& operator=(const ThreadPool&) = delete;

  unsigned size() const { return static_cast<unsigned>(workers_.size()); }

  // Calls body(i) for every i in [0, n), spread over the workers; returns when all are done.
  // The first exception thrown by a body is rethrown here, after the remaining started calls end;
  // calls not yet started are skipped.
  void parallel_for(std::size_t n, const std::function<void(std::size_t)>& body);

 private:
  void worker_loop();
  void stop_and_join();
  std::vector<std::thread> workers_;
  std::mutex mutex_;
  std::condition_variable work_ready_;
  std::condition_variable work_done_;
  const std::function<void(std::size_t)>* body_ = nullptr;
  std::size_t next_ = 0;
  std::size_t count_ = 0;
  std::size_t running_ = 0;
  std::exception_ptr error_;
  bool stop_ = false;
};

}  // namespace wafersim
