// verify-rtl in a build without the RTL (cmake -DWAFERSIM_RTL=OFF; cli/verify_rtl_command.cpp in
// one with it): one line naming what is missing, and exit code 2.
#include "cli/commands.hpp"
#include "core/input_error.hpp"

namespace wafersim::cli {

const bool kVerifyRtlBuilt = false;

int run_verify_rtl_command(const VerifyRtlArgs&) {
  throw InputError("verify-rtl: this wafersim was built without the RTL (cmake -DWAFERSIM_RTL=ON, needs SystemC and Verilator)");
}

}  // namespace wafersim::cli
