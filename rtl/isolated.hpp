#pragma once
// SystemC elaborates one design per process and cannot be reset, and Verilated models keep global
// state: every co-simulation therefore runs in a forked child process, which returns its report
// as JSON through a pipe. A crash in the child (a Verilator assertion, a signal) becomes an
// exception in the caller, never a lost or half-written result.
#include <functional>

#include <nlohmann/json.hpp>

namespace wafersim::rtl {

nlohmann::json run_isolated(const std::function<nlohmann::json()>& body);

}  // namespace wafersim::rtl
