// The router's allocators on their own, against hand-worked allocations (Dally & Towles ch. 19;
// McKeown's iSLIP) and the properties every allocation must have.
#include "sim/allocator.hpp"

#include <gtest/gtest.h>

#include <array>

#include "core/random.hpp"

namespace wafersim::sim {
namespace {

AllocateFn allocator(const std::string& name) {
  const AllocatorEntry* e = AllocatorRegistry::instance().find(name);
  EXPECT_NE(e, nullptr) << name;
  return e ? e->allocate : nullptr;
}

// One allocation of `requests` with the given pointers; returns the grants.
template <int N>
std::array<std::int8_t, N> run(AllocateFn f, const std::array<std::uint64_t, N>& requests, std::array<std::uint8_t, N>& in_ptr,
                               std::array<std::uint8_t, N>& out_ptr, int iterations = 1) {
  std::array<std::int8_t, N> grant{};
  AllocProblem p;
  p.inputs = N, p.outputs = N;
  p.requests = requests.data();
  p.input_ptr = in_ptr.data();
  p.output_ptr = out_ptr.data();
  p.iterations = iterations;
  p.grant = grant.data();
  f(p);
  return grant;
}

TEST(Allocator, RoundRobinPicksTheFirstRequestAtOrAfterThePointer) {
  EXPECT_EQ(round_robin_pick(0b1010, 0), 1);
  EXPECT_EQ(round_robin_pick(0b1010, 2), 3);
  EXPECT_EQ(round_robin_pick(0b1010, 4), 1);  // wraps
  EXPECT_EQ(round_robin_pick(std::uint64_t{1} << 63, 63), 63);
  EXPECT_EQ(next_pointer(3, 4), 0);
  EXPECT_EQ(next_pointer(1, 4), 2);
}

// Two inputs that both want both outputs, all pointers at 0 (hand-worked).
TEST(Allocator, SeparableInputFirstByHand) {
  const AllocateFn f = allocator("separable_input_first");
  const std::array<std::uint64_t, 2> both = {0b11, 0b11};
  std::array<std::uint8_t, 2> in{0, 0}, out{0, 0};
  // Both inputs pick output 0; output 0 takes input 0. Only the winners' pointers move.
  EXPECT_EQ(run<2>(f, both, in, out), (std::array<std::int8_t, 2>{0, -1}));
  EXPECT_EQ(in, (std::array<std::uint8_t, 2>{1, 0}));
  EXPECT_EQ(out, (std::array<std::uint8_t, 2>{1, 0}));
  // Now input 0 picks output 1 and input 1 output 0: both granted.
  EXPECT_EQ(run<2>(f, both, in, out), (std::array<std::int8_t, 2>{1, 0}));
}

TEST(Allocator, IslipByHand) {
  const AllocateFn f = allocator("islip");
  const std::array<std::uint64_t, 2> both = {0b11, 0b11};
  {
    std::array<std::uint8_t, 2> in{0, 0}, out{0, 0};
    // Both outputs grant input 0; it accepts output 0. Output 1's grant was not accepted: its
    // pointer stays, so the arbiters desynchronise and the next cycle matches both.
    EXPECT_EQ(run<2>(f, both, in, out), (std::array<std::int8_t, 2>{0, -1}));
    EXPECT_EQ(in, (std::array<std::uint8_t, 2>{1, 0}));
    EXPECT_EQ(out, (std::array<std::uint8_t, 2>{1, 0}));
    EXPECT_EQ(run<2>(f, both, in, out), (std::array<std::int8_t, 2>{1, 0}));
  }
  {
    // A second iteration matches input 1 to output 1 in the first cycle; pointers move only for
    // the first iteration's accepts.
    std::array<std::uint8_t, 2> in{0, 0}, out{0, 0};
    EXPECT_EQ(run<2>(f, both, in, out, 2), (std::array<std::int8_t, 2>{0, 1}));
    EXPECT_EQ(in, (std::array<std::uint8_t, 2>{1, 0}));
    EXPECT_EQ(out, (std::array<std::uint8_t, 2>{1, 0}));
  }
}

// Every allocation is a matching of requests; iSLIP with as many iterations as ports is maximal
// (no free input requests a free output); a lone request gets what allocate_single gives.
TEST(Allocator, AllocationsAreMatchingsAndIslipConvergesToMaximal) {
  constexpr int N = 5;
  Rng rng(7);
  for (const char* name : {"separable_input_first", "islip"}) {
    const AllocateFn f = allocator(name);
    std::array<std::uint8_t, N> in{}, out{};
    for (int trial = 0; trial < 2000; ++trial) {
      std::array<std::uint64_t, N> req{};
      for (auto& r : req) r = rng.next_u64() & ((1u << N) - 1);
      const int iterations = std::string(name) == "islip" ? N : 1;
      const auto g = run<N>(f, req, in, out, iterations);
      std::uint64_t used = 0;
      for (int i = 0; i < N; ++i) {
        if (g[i] < 0) continue;
        EXPECT_TRUE(req[i] >> g[i] & 1) << name << ": input " << i << " granted an output it did not request";
        EXPECT_FALSE(used >> g[i] & 1) << name << ": output " << int(g[i]) << " granted twice";
        used |= std::uint64_t{1} << g[i];
      }
      if (iterations == N)
        for (int i = 0; i < N; ++i)
          EXPECT_FALSE(g[i] < 0 && (req[i] & ~used)) << name << ": not maximal at trial " << trial;
    }
    for (int trial = 0; trial < 200; ++trial) {  // a lone request
      std::array<std::uint64_t, N> req{};
      const int who = static_cast<int>(rng.next_u64() % N);
      req[who] = (rng.next_u64() & ((1u << N) - 1)) | 1;
      std::array<std::uint8_t, N> in2 = in, out2 = out;
      const auto g = run<N>(f, req, in, out, 1);
      EXPECT_EQ(g[who], allocate_single(who, req[who], in2.data(), out2.data(), N, N)) << name;
      EXPECT_EQ(in, in2) << name;
      EXPECT_EQ(out, out2) << name;
    }
  }
}

}  // namespace
}  // namespace wafersim::sim
