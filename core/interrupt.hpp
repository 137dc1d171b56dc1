#pragma once
// Ctrl-C handling for long jobs: the first SIGINT/SIGTERM sets a flag that work loops poll, so
// finished results are kept and the output stays valid; a second one ends the process at once.
#include <atomic>

namespace wafersim {

void install_interrupt_handler();
bool interrupted();
// The flag itself, for a hot loop that polls it without a call (the cycle engine, once a step).
const std::atomic<bool>& interrupt_flag();
// For tests: raise or clear the flag as a signal would.
void set_interrupted(bool value);

}  // namespace wafersim
