#include <unistd.h>

#include <iostream>

#include "cli/commands.hpp"
#include "core/provenance.hpp"
#include "rtl/verify.hpp"

namespace wafersim::cli {

const bool kVerifyRtlBuilt = true;

int run_verify_rtl_command(const VerifyRtlArgs& a) {
  rtl::VerifyOptions o;
  o.block = a.block;
  o.cycles = a.cycles;
  o.seed = a.seed;
  RunProvenance::current().set_seed(a.seed);
  o.out_dir = a.out_dir.string();
  o.inject_bug = a.inject_bug;
  o.progress = isatty(STDERR_FILENO) != 0;  // as every command: progress only to a terminal
  const nlohmann::json report = rtl::verify_rtl(o, std::cout);
  return report.value("pass", false) ? 0 : 1;
}

}  // namespace wafersim::cli
