#pragma once
// Strong physical units. A quantity's unit lives in its type, so a latency in picoseconds can never
// be added to a size in bytes by accident. Each unit is an integer or floating count of its base
// quantity; conversions are explicit functions, never implicit constructors.
#include <compare>
#include <cstdint>

namespace wafersim {

template <typename Tag, typename Rep>
class Quantity {
 public:
  using rep = Rep;
  constexpr Quantity() = default;
  constexpr explicit Quantity(Rep value) : value_(value) {}
  constexpr Rep count() const { return value_; }

  constexpr Quantity& operator+=(Quantity o) { value_ += o.value_; return *this; }
  constexpr Quantity& operator-=(Quantity o) { value_ -= o.value_; return *this; }
  friend constexpr Quantity operator+(Quantity a, Quantity b) { return Quantity(a.value_ + b.value_); }
  friend constexpr Quantity operator-(Quantity a, Quantity b) { return Quantity(a.value_ - b.value_); }
  friend constexpr Quantity operator*(Quantity a, Rep k) { return Quantity(a.value_ * k); }
  friend constexpr Quantity operator*(Rep k, Quantity a) { return Quantity(a.value_ * k); }
  friend constexpr auto operator<=>(Quantity, Quantity) = default;

 private:
  Rep value_{};
};

// Time is integer picoseconds everywhere in the engine (docs/architecture.md, engine principles).
using Picoseconds = Quantity<struct PicosecondsTag, std::int64_t>;
using Bytes = Quantity<struct BytesTag, std::int64_t>;
using Flops = Quantity<struct FlopsTag, double>;

}  // namespace wafersim
