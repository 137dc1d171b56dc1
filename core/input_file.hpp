#pragma once
// Reading a file a user named (a config, a defect map, a trace, an ONNX model), with the checks
// that keep a bad path from hanging or exhausting the machine: a directory or a device
// (/dev/zero, /dev/urandom) is refused at once, and a pipe or file is read only up to a size limit.
#include <cstddef>
#include <filesystem>
#include <string>

namespace wafersim {

inline constexpr std::size_t kMaxTextInputBytes = std::size_t{1} << 30;    // 1 GiB of YAML or CSV
inline constexpr std::size_t kMaxBinaryInputBytes = std::size_t{2} << 30;  // protobuf's own 2 GiB limit

// The whole file. Throws InputError naming the file: missing or unreadable, a directory, a device,
// or larger than max_bytes (with the limit in the message).
std::string read_input_file(const std::filesystem::path& file, std::size_t max_bytes = kMaxTextInputBytes);

}  // namespace wafersim
