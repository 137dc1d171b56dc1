#include "core/fnv_hash.hpp"

#include <fmt/format.h>

namespace wafersim {

std::uint64_t fnv1a64(std::string_view bytes) {
  std::uint64_t h = 0xcbf29ce484222325ULL;
  for (unsigned char c : bytes) {
    h ^= c;
    h *= 0x100000001b3ULL;
  }
  return h;
}

std::string hex64(std::uint64_t value) { return fmt::format("{:016x}", value); }

}  // namespace wafersim
