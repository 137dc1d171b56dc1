#include "core/input_file.hpp"

#include <fcntl.h>
#include <fmt/format.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "core/input_error.hpp"

namespace wafersim {

std::string read_input_file(const std::filesystem::path& file, std::size_t max_bytes) {
  const std::string name = file.string();
  // O_NONBLOCK so that opening a FIFO with no writer does not wait for ever; cleared below.
  const int fd = ::open(name.c_str(), O_RDONLY | O_CLOEXEC | O_NONBLOCK);
  if (fd < 0) throw InputError(fmt::format("{}: cannot open file: {}", name, std::strerror(errno)));
  struct Closer {
    int fd;
    ~Closer() { ::close(fd); }
  } closer{fd};
  struct stat st {};
  if (::fstat(fd, &st) != 0) throw InputError(fmt::format("{}: cannot read file: {}", name, std::strerror(errno)));
  if (S_ISDIR(st.st_mode)) throw InputError(fmt::format("{}: is a directory, not a file", name));
  if (S_ISCHR(st.st_mode) || S_ISBLK(st.st_mode)) throw InputError(fmt::format("{}: is a device, not a file", name));
  if (S_ISREG(st.st_mode) && static_cast<std::uintmax_t>(st.st_size) > max_bytes)
    throw InputError(fmt::format("{}: is {:.3g} GiB; inputs are limited to {:.3g} GiB", name, static_cast<double>(st.st_size) / (1 << 30),
                                 static_cast<double>(max_bytes) / (1 << 30)));
  ::fcntl(fd, F_SETFL, ::fcntl(fd, F_GETFL) & ~O_NONBLOCK);
  std::string out;
  if (S_ISREG(st.st_mode)) out.reserve(static_cast<std::size_t>(st.st_size));
  char buf[1 << 16];
  for (;;) {
    const ssize_t n = ::read(fd, buf, sizeof buf);
    if (n < 0) {
      if (errno == EINTR) continue;
      throw InputError(fmt::format("{}: cannot read file: {}", name, std::strerror(errno)));
    }
    if (n == 0) break;
    if (out.size() + static_cast<std::size_t>(n) > max_bytes)
      throw InputError(fmt::format("{}: more than {:.3g} GiB; inputs are limited to that", name, static_cast<double>(max_bytes) / (1 << 30)));
    out.append(buf, static_cast<std::size_t>(n));
  }
  return out;
}

}  // namespace wafersim
