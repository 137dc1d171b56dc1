#pragma once
// Packet records of one engine partition (sim/impl/partition.hpp), in blocks that never move:
// other partitions read and update the records of packets they eject while this one adds blocks.
// A free list makes a packet without allocating once the pool has grown to the network's load.
#include <fmt/format.h>

#include <cstdint>
#include <memory>
#include <vector>

#include "core/input_error.hpp"
#include "sim/impl/engine_records.hpp"

// Hidden: the engine's private parts are no symbols of the shared library, so a call the compiler
// does not inline is a direct call, never a PLT hop (sim/engine.cpp).
#pragma GCC visibility push(hidden)
namespace wafersim::sim::engine_impl {

class PacketPool {
 public:
  static constexpr unsigned kBlockBits = 14;
  // `max_records`: the ids this pool may hand out (a partition's share of the 32-bit packet id).
  explicit PacketPool(std::size_t max_records) { blocks_.reserve((max_records >> kBlockBits) + 1); }
  Packet& operator[](std::uint32_t i) { return blocks_[i >> kBlockBits][i & ((1u << kBlockBits) - 1)]; }
  // A free record's index.
  std::uint32_t take() {
    if (!free_.empty()) {
      const std::uint32_t i = free_.back();
      free_.pop_back();
      return i;
    }
    if ((used_ >> kBlockBits) == blocks_.size()) {
      if (blocks_.size() == blocks_.capacity())
        throw InputError(fmt::format("more than {:.3g} packets in flight at once in one engine partition (32-bit packet ids): "
                                     "simulate a smaller fabric or shorter packets, or run more --threads", static_cast<double>(used_)));
      blocks_.push_back(std::make_unique<Packet[]>(std::size_t{1} << kBlockBits));
    }
    return static_cast<std::uint32_t>(used_++);
  }
  void give_back(std::uint32_t i) { free_.push_back(i); }
  std::size_t bytes() const { return blocks_.size() * (sizeof(Packet) << kBlockBits) + free_.capacity() * 4; }

 private:
  std::vector<std::unique_ptr<Packet[]>> blocks_;  // capacity reserved up front: never reallocates
  std::vector<std::uint32_t> free_;
  std::size_t used_ = 0;
};

}  // namespace wafersim::sim::engine_impl
#pragma GCC visibility pop
