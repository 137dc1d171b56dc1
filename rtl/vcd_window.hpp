#pragma once
// The last N cycles of a set of signals, kept in a ring, written as a VCD file when a scoreboard
// finds a mismatch: the waveform window around the failing cycle, openable in GTKWave or Surfer.
#include <cstdint>
#include <string>
#include <vector>

namespace wafersim::rtl {

class VcdWindow {
 public:
  struct Signal {
    std::string name;
    int width;
  };
  VcdWindow(std::vector<Signal> signals, int cycles);
  // One cycle's values, in the order of the signals.
  void sample(std::uint64_t cycle, const std::vector<std::uint64_t>& values);
  // Writes the window (oldest first); `period_ps` sets the time axis.
  void write(const std::string& path, std::int64_t period_ps, const std::string& comment) const;

 private:
  std::vector<Signal> signals_;
  std::size_t cycles_;
  std::vector<std::pair<std::uint64_t, std::vector<std::uint64_t>>> ring_;
  std::size_t next_ = 0;
};

}  // namespace wafersim::rtl
