#include "sim/traffic_pattern.hpp"

namespace wafersim::sim {
namespace {

class Uniform final : public TrafficPattern {
 public:
  Uniform(const TrafficContext& ctx, bool self) : ctx_(ctx), self_(self) {}
  std::uint32_t destination(std::uint32_t src, Rng& rng) const override { return uniform_destination(ctx_, src, self_, rng); }

 private:
  const TrafficContext& ctx_;
  bool self_;
};

const RegisterTrafficPattern kRegister{{"uniform", "uniform random over reachable working tiles", {"self_destinations"},
                                        [](const TrafficContext& ctx, const YamlNode& t) {
                                          return std::make_unique<Uniform>(ctx, t.get_bool("self_destinations", true));
                                        }}};

}  // namespace
}  // namespace wafersim::sim
