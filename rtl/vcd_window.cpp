#include "rtl/vcd_window.hpp"

#include <fmt/format.h>

#include <fstream>
#include <stdexcept>

namespace wafersim::rtl {

VcdWindow::VcdWindow(std::vector<Signal> signals, int cycles) : signals_(std::move(signals)), cycles_(static_cast<std::size_t>(cycles)) {
  ring_.reserve(cycles_);
}

void VcdWindow::sample(std::uint64_t cycle, const std::vector<std::uint64_t>& values) {
  if (ring_.size() < cycles_) {
    ring_.emplace_back(cycle, values);
  } else {
    ring_[next_] = {cycle, values};
    next_ = (next_ + 1) % cycles_;
  }
}

namespace {
std::string vcd_id(std::size_t i) {
  std::string s;
  do {
    s += static_cast<char>('!' + i % 90);
    i /= 90;
  } while (i);
  return s;
}
std::string binary(std::uint64_t v, int width) {
  std::string s;
  for (int b = width - 1; b >= 0; --b) s += (v >> b & 1) ? '1' : '0';
  return s;
}
}  // namespace

void VcdWindow::write(const std::string& path, std::int64_t period_ps, const std::string& comment) const {
  std::ofstream f(path);
  if (!f) throw std::runtime_error("cannot write " + path);
  f << "$comment " << comment << " $end\n$timescale 1ps $end\n$scope module tb $end\n";
  for (std::size_t i = 0; i < signals_.size(); ++i)
    f << fmt::format("$var wire {} {} {} $end\n", signals_[i].width, vcd_id(i), signals_[i].name);
  f << "$var wire 64 " << vcd_id(signals_.size()) << " cycle $end\n$upscope $end\n$enddefinitions $end\n";
  const std::size_t n = ring_.size();
  const std::size_t first = n < cycles_ ? 0 : next_;
  std::vector<std::uint64_t> last;
  for (std::size_t j = 0; j < n; ++j) {
    const auto& [cycle, values] = ring_[(first + j) % n];
    f << '#' << static_cast<std::int64_t>(cycle) * period_ps << '\n';
    for (std::size_t i = 0; i < signals_.size(); ++i)
      if (last.empty() || last[i] != values[i]) f << 'b' << binary(values[i], signals_[i].width) << ' ' << vcd_id(i) << '\n';
    f << 'b' << binary(cycle, 64) << ' ' << vcd_id(signals_.size()) << '\n';
    last = values;
  }
  if (n) f << '#' << static_cast<std::int64_t>(ring_[(first + n - 1) % n].first + 1) * period_ps << '\n';
}

}  // namespace wafersim::rtl
