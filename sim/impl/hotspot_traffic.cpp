#include "sim/traffic_pattern.hpp"

namespace wafersim::sim {
namespace {

class Hotspot final : public TrafficPattern {
 public:
  Hotspot(const TrafficContext& ctx, std::vector<std::uint32_t> spots, double fraction, bool self)
      : ctx_(ctx), spots_(std::move(spots)), fraction_(fraction), self_(self) {}
  std::uint32_t destination(std::uint32_t src, Rng& rng) const override {
    if (rng.uniform01() < fraction_) {
      const std::uint32_t d = spots_[rng.uniform_int(spots_.size())];
      return ctx_.reachable(src, d) ? d : kNoDestination;
    }
    return uniform_destination(ctx_, src, self_, rng);
  }

 private:
  const TrafficContext& ctx_;
  std::vector<std::uint32_t> spots_;
  double fraction_;
  bool self_;
};

std::unique_ptr<TrafficPattern> create(const TrafficContext& ctx, const YamlNode& t) {
  const mesh::Fabric& f = *ctx.fabric;
  std::vector<std::uint32_t> spots;
  const YamlNode list = t.require("hotspots");
  for (const YamlNode& p : list.items()) {
    const auto rc = p.items();
    if (rc.size() != 2) p.fail("a hotspot is [row, col]");
    const auto r = rc[0].as_int(Range::closed(0, f.rows() - 1)), c = rc[1].as_int(Range::closed(0, f.cols() - 1));
    const std::uint32_t n = f.node(static_cast<int>(r), static_cast<int>(c));
    if (!f.endpoint(n)) p.fail("hotspot (" + std::to_string(r) + ", " + std::to_string(c) + ") is not a working tile on this fabric");
    spots.push_back(n);
  }
  if (spots.empty()) list.fail("needs at least one [row, col]");
  return std::make_unique<Hotspot>(ctx, std::move(spots), t.get_double("hotspot_fraction", 0.1, Range::fraction()),
                                   t.get_bool("self_destinations", true));
}

const RegisterTrafficPattern kRegister{
    {"hotspot", "a fraction of packets to hotspot tiles, the rest uniform", {"hotspots", "hotspot_fraction", "self_destinations"}, create}};

}  // namespace
}  // namespace wafersim::sim
