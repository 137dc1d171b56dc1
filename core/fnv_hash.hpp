#pragma once
// 64-bit FNV-1a: a stable, documented hash for identifying results across runs and machines
// (std::hash may differ between library versions).
#include <cstdint>
#include <string>
#include <string_view>

namespace wafersim {

std::uint64_t fnv1a64(std::string_view bytes);
std::string hex64(std::uint64_t value);  // 16 lower-case hex digits

}  // namespace wafersim
