#pragma once
// One partition of the engine (docs/architecture.md, engine principles): a band of whole rows of
// routers stepped by one thread. Everything a step writes is the partition's own (its routers'
// records, its DomainParts, its counters and packet pool), except what goes to another partition
// as mail: flits and credits for routers across the band's edge, and packet ids to free in the
// pool that made them. Mail is taken in between steps, in partition order, and nothing sent in a
// step is usable in that step (every latency is >= 1 cycle), so a result does not depend on how
// many partitions ran it.
#include <cstdint>
#include <memory>
#include <vector>

#include "sim/engine.hpp"
#include "sim/impl/domain_schedule.hpp"
#include "sim/impl/engine_records.hpp"
#include "sim/impl/packet_pool.hpp"
#include "sim/stats.hpp"

#pragma GCC visibility push(hidden)  // as sim/impl/engine_records.hpp says why
namespace wafersim::sim::engine_impl {

// A flit for input VC iv of router m, of another partition, delivered between steps.
struct FlitMail {
  std::uint32_t iv, m;
  Flit f;
};
// A credit for output VC ov, of another partition, usable from cycle `at`.
struct CreditMail {
  std::uint32_t ov, at;
};

struct Part {
  std::uint32_t index = 0, lo = 0, hi = 0;  // routers [lo, hi)
  std::vector<DomainPart> doms;              // the domains with routers here
  std::vector<std::uint32_t> slot;           // [domain]: index into doms, or kNone
  Stats stats;                               // all but link_flits (kept in the engine's: one writer per link)
  std::int64_t live = 0;                     // packets made here minus packets finished here
  std::vector<Delivery> deliveries;
  std::unique_ptr<PacketPool> pool;
  std::vector<std::vector<std::uint32_t>> returns;  // [other partition]: its packet ids finished here
  std::vector<std::vector<FlitMail>> flit_out;      // [partition]
  std::vector<std::vector<CreditMail>> credit_out;  // [partition]
  WakeList wakes_out;                               // domains to reschedule between steps
};

// The first router of band p of `bands` over a mesh of rows x cols: bands of whole rows, of about
// equal router count.
inline std::uint32_t band_begin(std::size_t rows, std::size_t cols, std::uint32_t p, std::uint32_t bands) {
  return static_cast<std::uint32_t>(rows * p / bands * cols);
}

}  // namespace wafersim::sim::engine_impl
#pragma GCC visibility pop
