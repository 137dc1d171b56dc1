#pragma once
// The 32-bit flit word every router port carries, in the RTL (rtl/sv/wafersim_pkg.sv) and in the
// C++ models, and the port bundle of one router cycle.
//
//   [0] valid  [1] head  [2] tail  [5:3] vc  [13:6] dst {row[3:0], col[3:0]}  [31:14] tag
#include <array>
#include <cstdint>

namespace wafersim::rtl {

inline constexpr int kPorts = 5;  // north, west, east, south, local (mesh/routing.hpp)

struct FlitWord {
  std::uint32_t bits = 0;

  static FlitWord make(bool head, bool tail, int vc, int dst_row, int dst_col, std::uint32_t tag) {
    return {1u | (head ? 2u : 0u) | (tail ? 4u : 0u) | (static_cast<std::uint32_t>(vc) & 7u) << 3 |
            (static_cast<std::uint32_t>(dst_col) & 15u) << 6 | (static_cast<std::uint32_t>(dst_row) & 15u) << 10 | (tag & 0x3ffffu) << 14};
  }
  bool valid() const { return bits & 1u; }
  bool head() const { return bits & 2u; }
  bool tail() const { return bits & 4u; }
  int vc() const { return static_cast<int>(bits >> 3 & 7u); }
  int dst() const { return static_cast<int>(bits >> 6 & 0xffu); }  // {row, col}: the route table's index
  int dst_col() const { return static_cast<int>(bits >> 6 & 15u); }
  int dst_row() const { return static_cast<int>(bits >> 10 & 15u); }
  std::uint32_t tag() const { return bits >> 14; }
  FlitWord with_vc(int vc) const { return {(bits & ~(7u << 3)) | (static_cast<std::uint32_t>(vc) & 7u) << 3}; }
};

// One cycle at a router's pins: flits in and out per port, and credits as a VC mask per port
// (credit_in from the downstream router of each output port; the local port's is unused, ejection
// always has room; credit_out to the upstream of each input port).
struct RouterPins {
  std::array<std::uint32_t, kPorts> in_flit{}, out_flit{};
  std::array<std::uint32_t, kPorts> credit_in{}, credit_out{};
};

}  // namespace wafersim::rtl
