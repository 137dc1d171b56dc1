#pragma once
// Runs a program from an argument vector and waits for it: posix_spawnp, no shell. Paths are
// passed as they are, so a directory named `a'b$(rm -rf x)` is one argument, never a command.
// The plotting scripts start this way (cli/plot_command.cpp, cli/noc_command.cpp).
#include <string>
#include <vector>

namespace wafersim {

struct ProgramResult {
  int exit_code = -1;  // the program's exit status; -1 when it did not run to an exit
  std::string why;     // empty when it exited 0; else what happened, for one line of an error
  bool ok() const { return exit_code == 0; }
};

// argv[0] is looked up on PATH when it holds no '/'. Standard streams are inherited.
ProgramResult run_program(const std::vector<std::string>& argv);

}  // namespace wafersim
