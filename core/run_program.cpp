#include "core/run_program.hpp"

#include <fmt/format.h>
#include <spawn.h>
#include <sys/wait.h>

#include <cerrno>
#include <cstring>

extern char** environ;

namespace wafersim {

ProgramResult run_program(const std::vector<std::string>& argv) {
  ProgramResult r;
  if (argv.empty() || argv[0].empty()) {
    r.why = "no program to run";
    return r;
  }
  std::vector<char*> args;
  for (const std::string& a : argv) args.push_back(const_cast<char*>(a.c_str()));
  args.push_back(nullptr);
  pid_t pid = 0;
  if (const int e = posix_spawnp(&pid, args[0], nullptr, nullptr, args.data(), environ); e != 0) {
    r.why = fmt::format("cannot start '{}': {}", argv[0], std::strerror(e));
    return r;
  }
  int status = 0;
  while (waitpid(pid, &status, 0) < 0) {
    if (errno == EINTR) continue;  // Ctrl-C reaches the child too; wait for it to end
    r.why = fmt::format("lost '{}': {}", argv[0], std::strerror(errno));
    return r;
  }
  if (WIFEXITED(status)) {
    r.exit_code = WEXITSTATUS(status);
    if (r.exit_code != 0) r.why = fmt::format("'{}' exited with status {}", argv[0], r.exit_code);
  } else if (WIFSIGNALED(status)) {
    r.why = fmt::format("'{}' was killed by signal {}", argv[0], WTERMSIG(status));
  }
  return r;
}

}  // namespace wafersim
