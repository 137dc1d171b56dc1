#include "rtl/isolated.hpp"

#include <fmt/format.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <csignal>
#include <cstdio>
#include <stdexcept>
#include <string>

// libsystemc's own main() calls sc_main(); wafersim's programs have their own main() and start
// simulations with sc_start(), so this one only satisfies the link.
extern "C" int sc_main(int, char**) {
  std::fputs("wafersim: sc_main is not an entry point; use wafersim verify-rtl\n", stderr);
  return 2;
}

namespace wafersim::rtl {

nlohmann::json run_isolated(const std::function<nlohmann::json()>& body) {
  int fds[2];
  if (pipe(fds) != 0) throw std::runtime_error("co-simulation: pipe() failed");
  std::fflush(nullptr);
  const pid_t pid = fork();
  if (pid < 0) throw std::runtime_error("co-simulation: fork() failed");
  if (pid == 0) {
    close(fds[0]);
    std::string out;
    try {
      out = body().dump();
    } catch (const std::exception& e) {
      out = nlohmann::json{{"error", e.what()}}.dump();
    }
    const char* p = out.data();
    std::size_t left = out.size();
    while (left) {
      const ssize_t w = write(fds[1], p, left);
      if (w < 0 && errno == EINTR) continue;
      if (w <= 0) break;
      p += w;
      left -= static_cast<std::size_t>(w);
    }
    close(fds[1]);
    std::fflush(nullptr);
    _exit(0);
  }
  close(fds[1]);
  std::string in;
  char buf[65536];
  for (;;) {
    const ssize_t r = read(fds[0], buf, sizeof buf);
    if (r < 0 && errno == EINTR) continue;
    if (r <= 0) break;
    in.append(buf, static_cast<std::size_t>(r));
  }
  close(fds[0]);
  int status = 0;
  while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  if (WIFSIGNALED(status)) throw std::runtime_error(fmt::format("co-simulation process killed by signal {}", WTERMSIG(status)));
  if (in.empty()) throw std::runtime_error("co-simulation process returned no report");
  nlohmann::json j = nlohmann::json::parse(in);
  if (j.contains("error")) throw std::runtime_error(j["error"].get<std::string>());
  return j;
}

}  // namespace wafersim::rtl
