#include "core/thread_pool.hpp"

#include <gtest/gtest.h>

#include <atomic>
#include <stdexcept>
#include <vector>

#include "../common/little_memory.hpp"
#include "core/input_error.hpp"

namespace wafersim {
namespace {

TEST(ThreadPool, RunsEveryIndexExactlyOnce) {
  ThreadPool pool(3);
  for (int round = 0; round < 5; ++round) {
    std::vector<std::atomic<int>> hits(1000);
    pool.parallel_for(hits.size(), [&](std::size_t i) { ++hits[i]; });
    for (auto& h : hits) ASSERT_EQ(h.load(), 1);
  }
}

TEST(ThreadPool, RethrowsTheFirstErrorAndStaysUsable) {
  ThreadPool pool(2);
  EXPECT_THROW(pool.parallel_for(100, [](std::size_t i) { if (i == 10) throw std::runtime_error("boom"); }), std::runtime_error);
  std::atomic<int> n{0};
  pool.parallel_for(10, [&](std::size_t) { ++n; });
  EXPECT_EQ(n.load(), 10);
}

#if !defined(WAFERSIM_SANITIZED)  // the sanitizers reserve terabytes of address space up front
// A pool that cannot start all its threads says so (an InputError the CLI reports with exit 2);
// it used to end the process (std::terminate on the started threads) or hang while unwinding.
TEST(ThreadPool, FailingToStartItsThreadsIsAClearError) {
  const int code = testing::in_child_with_little_memory(std::size_t{256} << 20, [] {
    try {
      ThreadPool pool(1000);
      return 1;  // started them all: the limit did not bite
    } catch (const InputError& e) {
      return std::string(e.what()).find("cannot start 1000 threads") != std::string::npos ? 0 : 2;
    }
  });
  EXPECT_EQ(code, 0);
}
#endif

}  // namespace
}  // namespace wafersim
