#pragma once
// `wafersim verify-rtl`: runs the co-simulations of the RTL tile blocks, each in its own process,
// prints pass or fail per block with cycles, flits and coverage, and writes DIR/report.json
// (rewritten after every block, so an interrupted run keeps what finished) and, on a mismatch,
// the waveform window around it.
//
//   router  every RTL router configuration built (rtl/CMakeLists.txt) against the engine's router
//           model, `cycles` cycles of constrained-random traffic each
//   mesh    the mixed 4 x 4 mesh against the fast engine, per packet (xy with the booksim router,
//           up_down through the route table with the table router)
//   cdc     the clock-crossing FIFO between three clock pairs against the engine's crossing rule
//   pe      random matmul jobs in int8 and bf16 against the C++ PE model and Eigen
#include <cstdint>
#include <iosfwd>
#include <string>

#include <nlohmann/json.hpp>

namespace wafersim::rtl {

struct VerifyOptions {
  std::string block = "all";          // router | mesh | cdc | pe | all
  std::uint64_t cycles = 1000000;     // router: cycles per configuration; mesh: traffic cycles = cycles / 50
  std::uint64_t seed = 1;
  std::string out_dir;                // required
  bool inject_bug = false;            // router: run the test-only booksim_bug build (must FAIL)
  bool progress = true;               // per-block progress on stderr
};

// The blocks' reports; {"pass": all passed}. Throws InputError for a bad block name.
nlohmann::json verify_rtl(const VerifyOptions& options, std::ostream& out);

}  // namespace wafersim::rtl
