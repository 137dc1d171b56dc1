#include "core/interrupt.hpp"

#include <atomic>
#include <csignal>

namespace wafersim {
namespace {

std::atomic<bool> g_interrupted{false};

extern "C" void on_signal(int sig) {
  if (g_interrupted.exchange(true)) {
    std::signal(sig, SIG_DFL);
    std::raise(sig);
  }
}

}  // namespace

void install_interrupt_handler() {
  std::signal(SIGINT, on_signal);
  std::signal(SIGTERM, on_signal);
}

bool interrupted() { return g_interrupted.load(std::memory_order_relaxed); }

const std::atomic<bool>& interrupt_flag() { return g_interrupted; }

void set_interrupted(bool value) { g_interrupted = value; }

}  // namespace wafersim
