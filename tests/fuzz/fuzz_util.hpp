#pragma once
// Helpers for the fuzz targets. TempInput: for readers that take a path, the input bytes go to one
// temporary file per process (several fuzzers, or -jobs/-workers copies of one, may run at once),
// rewritten for every input and removed at exit. note(): with WAFERSIM_FUZZ_VERBOSE=1 in the
// environment a target says what became of each input (for triage: `WAFERSIM_FUZZ_VERBOSE=1
// ./build-fuzz/tests/fuzz/trace_fuzzer FILE...`); silent otherwise.
#include <unistd.h>

#include <cstdio>

#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>
#include <system_error>

namespace wafersim::fuzz {

inline void note(const char* what, const std::string& detail = "") {
  static const bool verbose = [] {
    const char* v = std::getenv("WAFERSIM_FUZZ_VERBOSE");
    return v && *v && std::string(v) != "0";
  }();
  if (verbose) std::fprintf(stderr, "fuzz: %s%s%s\n", what, detail.empty() ? "" : ": ", detail.c_str());
}

class TempInput {
 public:
  // `name` and `extension` make the file recognisable: wafersim-fuzz-<name>-<pid><extension>.
  TempInput(const std::string& name, const std::string& extension) {
    std::filesystem::path dir;
    if (const char* t = std::getenv("TMPDIR"); t && *t) dir = t;
    else if (std::error_code ec; std::filesystem::is_directory("/dev/shm", ec)) dir = "/dev/shm";  // no disk writes
    else dir = std::filesystem::temp_directory_path();
    path_ = dir / ("wafersim-fuzz-" + name + "-" + std::to_string(::getpid()) + extension);
  }
  ~TempInput() {
    std::error_code ec;
    std::filesystem::remove(path_, ec);
  }
  TempInput(const TempInput&) = delete;
  TempInput& operator=(const TempInput&) = delete;

  // Replaces the file's contents with the input; returns its path.
  const std::filesystem::path& write(const std::uint8_t* data, std::size_t size) {
    std::ofstream out(path_, std::ios::binary | std::ios::trunc);
    out.write(reinterpret_cast<const char*>(data), static_cast<std::streamsize>(size));
    out.close();
    if (!out) std::abort();  // the harness, not the reader: never mistake this for a finding's absence
    return path_;
  }

 private:
  std::filesystem::path path_;
};

}  // namespace wafersim::fuzz
