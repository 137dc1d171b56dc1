#pragma once
// The threads that step an engine's partitions (sim/impl/partition.hpp) together. The caller's
// thread steps partition 0 and P - 1 threads step the others; they meet at three barriers a step:
//   go   (once per run) every thread has arrived to start: `running` is set then, so none can
//        still be reading the value that ended the previous run;
//   mid  every partition has stepped its routers: each may now take the mail sent to it;
//   end  every partition has taken its mail: on one thread, the stepper finishes the step and
//        plans the next (`between_steps`), or the run ends.
// A partition that throws records its error and the others stop at the next barrier; run()
// rethrows the lowest partition's error, the same on every run whatever the thread timing.
//
// Stepper is the engine (sim/engine.cpp), called directly (a template, no virtual call):
//   void step_part(std::uint32_t p);   steps partition p's routers at the planned step
//   void take_mail(std::uint32_t p);   partition p takes in what the others sent it
//   bool between_steps();              finishes the step, plans the next; false when none
//   void abandon_step();               after an error: forgets the step that failed
#include <fmt/format.h>

#include <atomic>
#include <barrier>
#include <cstdint>
#include <exception>
#include <memory>
#include <system_error>
#include <thread>
#include <vector>

#include "core/input_error.hpp"

#pragma GCC visibility push(hidden)  // as sim/impl/engine_records.hpp says why
namespace wafersim::sim::engine_impl {

template <class Stepper>
class StepTeam {
 public:
  // Starts the threads of partitions 1 .. partitions - 1 (none for one partition). Throws
  // InputError when the system refuses a thread (the ones started are stopped first).
  StepTeam(Stepper& stepper, std::uint32_t partitions) : stepper_(stepper), errors_(partitions) {
    const std::uint32_t P = partitions;
    if (P == 1) return;
    go_barrier_ = std::make_unique<std::barrier<Start>>(P, Start{this});
    mid_barrier_ = std::make_unique<std::barrier<>>(P);
    end_barrier_ = std::make_unique<std::barrier<Sync>>(P, Sync{this});
    try {
      for (std::uint32_t p = 1; p < P; ++p)
        team_.emplace_back([this, p] {
          for (;;) {
            go_barrier_->arrive_and_wait();
            if (shutting_down_) return;
            work(p);
          }
        });
    } catch (const std::system_error& e) {
      // The threads started wait at go_barrier for P arrivals: arrive for the ones that never
      // started, and once for this thread, so that they see shutting_down and end.
      const std::size_t started = team_.size();
      shutting_down_ = true;
      for (std::size_t missing = started + 1; missing < P; ++missing) go_barrier_->arrive_and_drop();
      go_barrier_->arrive_and_wait();
      for (auto& t : team_) t.join();
      team_.clear();
      throw InputError(fmt::format("cannot start {} engine threads (started {}): {}; ask for fewer (--threads)", P, started + 1, e.what()));
    }
  }

  ~StepTeam() {
    if (team_.empty()) return;
    shutting_down_ = true;
    go_barrier_->arrive_and_wait();
    for (auto& t : team_) t.join();
  }
  StepTeam(const StepTeam&) = delete;
  StepTeam& operator=(const StepTeam&) = delete;

  // One partition: the caller steps alone, without barriers.
  bool solo() const { return team_.empty(); }

  // Runs steps, the first one planned already, until between_steps() says there are no more.
  void run() {
    go_barrier_->arrive_and_wait();
    work(0);
    for (std::exception_ptr& error : errors_)  // the lowest partition's error: the same on every run
      if (error) {
        std::exception_ptr e = error;
        for (std::exception_ptr& x : errors_) x = nullptr;
        failed_ = false;
        stepper_.abandon_step();
        std::rethrow_exception(e);
      }
  }

 private:
  struct Sync {
    StepTeam* team;
    void operator()() noexcept { team->running_ = !team->failed_.load() && team->stepper_.between_steps(); }
  };
  struct Start {
    StepTeam* team;
    void operator()() noexcept { team->running_ = true; }
  };

  // Partition p's thread, from the step already planned until the run ends.
  void work(std::uint32_t p) {
    for (;;) {
      try {
        if (!failed_.load(std::memory_order_relaxed)) stepper_.step_part(p);
      } catch (...) {
        errors_[p] = std::current_exception();
        failed_ = true;
      }
      mid_barrier_->arrive_and_wait();
      try {
        if (!failed_.load(std::memory_order_relaxed)) stepper_.take_mail(p);
      } catch (...) {
        errors_[p] = std::current_exception();
        failed_ = true;
      }
      end_barrier_->arrive_and_wait();  // Sync: between_steps() runs here
      if (!running_) return;
    }
  }

  Stepper& stepper_;
  std::vector<std::exception_ptr> errors_;  // [partition]
  std::vector<std::thread> team_;
  std::unique_ptr<std::barrier<Start>> go_barrier_;
  std::unique_ptr<std::barrier<>> mid_barrier_;
  std::unique_ptr<std::barrier<Sync>> end_barrier_;
  bool running_ = false, shutting_down_ = false;
  std::atomic<bool> failed_{false};
};

}  // namespace wafersim::sim::engine_impl
#pragma GCC visibility pop
