#pragma once
// A simulated step as a Chrome / Perfetto trace-event JSON file (`simulate --trace FILE`; open it
// at ui.perfetto.dev or chrome://tracing), to look at overlap and stalls:
// - one process per region of the plan (tiles outside every region, such as edge tiles that only
//   pass off-wafer data, under "other tiles");
// - per tile, a thread for its tasks (slices named by the graph op, with their cycles) and one for
//   the messages it sends (a slice from the message's injection to its last delivery, named by op
//   and destination);
// - a flow arrow from each message to every tile it is delivered to, ending on a short slice on
//   that tile's "received" thread when the message is done (its last delivery: the runner keeps
//   one end time per message, so a multicast's members all show that one).
// Times are the engine's, in microseconds.
#include <filesystem>

#include "compiler/graph.hpp"
#include "compiler/plan.hpp"
#include "sim/workload_run.hpp"

namespace wafersim::compiler {

void write_chrome_trace(const Plan& plan, const Graph& graph, const sim::WorkloadResult& result, const std::filesystem::path& file);

}  // namespace wafersim::compiler
