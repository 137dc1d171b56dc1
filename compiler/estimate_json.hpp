#pragma once
// A training estimate as the JSON that estimate.json holds for each layout (its "estimate", or
// each entry of "best"), shaped here rather than in the CLI so that every front end writes the
// same thing. Times in seconds, memory in GB (1e9 bytes), and "estimated": true, because every
// figure in it is analytic (a wafer cluster's layers are extrapolated from one calibrated layer).
#include <nlohmann/json.hpp>

#include "compiler/training_estimate.hpp"

namespace wafersim::compiler {

nlohmann::ordered_json training_estimate_json(const TrainingEstimate& e);

}  // namespace wafersim::compiler
