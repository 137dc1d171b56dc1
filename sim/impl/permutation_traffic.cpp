// The permutation patterns: transpose, bit complement, bit reverse. Each maps a node to one fixed
// destination; a destination that is dead or unreachable suppresses the packet.
#include <bit>

#include "sim/traffic_pattern.hpp"

namespace wafersim::sim {
namespace {

class Permutation final : public TrafficPattern {
 public:
  Permutation(const TrafficContext& ctx, std::function<std::uint32_t(std::uint32_t)> map) : ctx_(ctx), map_(std::move(map)) {}
  std::uint32_t destination(std::uint32_t src, Rng&) const override {
    const std::uint32_t d = map_(src);
    return ctx_.reachable(src, d) ? d : kNoDestination;
  }

 private:
  const TrafficContext& ctx_;
  std::function<std::uint32_t(std::uint32_t)> map_;
};

std::unique_ptr<TrafficPattern> transpose(const TrafficContext& ctx, const YamlNode& t) {
  const mesh::Fabric& f = *ctx.fabric;
  if (f.rows() != f.cols())
    t.child("pattern").fail("transpose needs a square array, the fabric is " + std::to_string(f.rows()) + " x " + std::to_string(f.cols()));
  return std::make_unique<Permutation>(ctx, [&f](std::uint32_t s) { return f.node(f.col_of(s), f.row_of(s)); });
}

std::unique_ptr<TrafficPattern> bitcomp(const TrafficContext& ctx, const YamlNode&) {
  const mesh::Fabric& f = *ctx.fabric;
  return std::make_unique<Permutation>(ctx, [&f](std::uint32_t s) { return f.node(f.rows() - 1 - f.row_of(s), f.cols() - 1 - f.col_of(s)); });
}

std::unique_ptr<TrafficPattern> bitrev(const TrafficContext& ctx, const YamlNode& t) {
  const std::size_t n = ctx.fabric->nodes();
  if (!std::has_single_bit(n)) t.child("pattern").fail("bitrev needs a power-of-two node count, the fabric has " + std::to_string(n));
  const int bits = std::countr_zero(n);
  return std::make_unique<Permutation>(ctx, [bits](std::uint32_t s) {
    std::uint32_t r = 0;
    for (int b = 0; b < bits; ++b) r |= ((s >> b) & 1u) << (bits - 1 - b);
    return r;
  });
}

const RegisterTrafficPattern kTranspose{{"transpose", "(r, c) -> (c, r)", {}, transpose}};
const RegisterTrafficPattern kBitcomp{{"bitcomp", "(r, c) -> (rows-1-r, cols-1-c)", {}, bitcomp}};
const RegisterTrafficPattern kBitrev{{"bitrev", "node index bit-reversed", {}, bitrev}};

}  // namespace
}  // namespace wafersim::sim
