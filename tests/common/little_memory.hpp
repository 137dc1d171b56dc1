#pragma once
// Runs code in a forked child whose address space may grow by only a little, so that a resource
// failure (thread stacks that cannot be mapped) can be tested. Not under the sanitizers, which
// reserve terabytes of address space up front.
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstddef>
#include <fstream>
#include <functional>

namespace wafersim::testing {

// The child's exit code (body's return value), or -signal; a child that hangs is killed after 30 s.
inline int in_child_with_little_memory(std::size_t extra_bytes, const std::function<int()>& body) {
  const pid_t pid = ::fork();
  if (pid == 0) {
    ::alarm(30);
    std::size_t pages = 0;
    std::ifstream("/proc/self/statm") >> pages;
    const rlim_t limit = pages * static_cast<rlim_t>(::sysconf(_SC_PAGESIZE)) + extra_bytes;
    const rlimit rl{limit, limit};
    ::setrlimit(RLIMIT_AS, &rl);
    ::_exit(body());
  }
  int status = 0;
  ::waitpid(pid, &status, 0);
  return WIFEXITED(status) ? WEXITSTATUS(status) : -WTERMSIG(status);
}

}  // namespace wafersim::testing
