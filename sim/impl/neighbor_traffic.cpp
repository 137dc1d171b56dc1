#include "mesh/fabric_graph.hpp"
#include "sim/traffic_pattern.hpp"

namespace wafersim::sim {
namespace {

class Neighbor final : public TrafficPattern {
 public:
  explicit Neighbor(const TrafficContext& ctx) : ctx_(ctx), graph_(*ctx.fabric) {}
  std::uint32_t destination(std::uint32_t src, Rng& rng) const override {
    std::uint32_t options[4];
    int n = 0;
    for (int d = 0; d < 4; ++d) {
      if (!(graph_.mask(src) & (1u << d))) continue;
      const std::uint32_t u = graph_.neighbour(src, d);
      if (ctx_.fabric->endpoint(u)) options[n++] = u;
    }
    return n == 0 ? kNoDestination : options[rng.uniform_int(static_cast<std::uint64_t>(n))];
  }

 private:
  const TrafficContext& ctx_;
  mesh::FabricGraph graph_;
};

const RegisterTrafficPattern kRegister{{"neighbor", "one of the working mesh neighbours, uniformly", {},
                                        [](const TrafficContext& ctx, const YamlNode&) { return std::make_unique<Neighbor>(ctx); }}};

}  // namespace
}  // namespace wafersim::sim
