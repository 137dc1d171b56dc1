#include "sim/noc_run.hpp"

#include <fmt/format.h>

#include <chrono>

#include "core/input_error.hpp"
#include "core/interrupt.hpp"
#include "sim/trace.hpp"

namespace wafersim::sim {

NocNetwork::NocNetwork(const NocConfig& config)
    : wafer(config.system.wafer),
      sample(mesh::sample_wafer(config.system, wafer, config.seed, 0)),
      routing(config.system.routing.build(sample.fabric)),
      clocks(std::make_unique<ClockDomains>(ClockDomains::build(config.clock, wafer, sample.map, sample.fabric, config.seed))),
      ctx(TrafficContext::build(sample.fabric)) {
  for (mesh::NodeId n = 0; n < sample.fabric.nodes(); ++n) routers += sample.fabric.router_alive(n) ? 1 : 0;
  // Before anything is simulated or costed on it (the engine checks too).
  if (const std::string why = routing->serves(); !why.empty()) throw InputError(why);
}

std::uint64_t latency_threshold(const NocConfig& config, const mesh::Fabric& fabric) {
  if (config.measurement.latency_threshold_cycles) return config.measurement.latency_threshold_cycles;
  const int hops = (fabric.rows() + fabric.cols()) / 3;
  return 500 + 10 * static_cast<std::uint64_t>(Engine::zero_load_latency(config.router, config.channels, hops, config.traffic.packet_size));
}

NocResult run_noc(const NocNetwork& net, const NocConfig& config, const TrafficSpec& traffic) {
  const auto wall_start = std::chrono::steady_clock::now();
  const mesh::Fabric& fabric = net.sample.fabric;
  EngineOptions opt;
  opt.router = config.router;
  opt.channels = config.channels;
  opt.synchronizer_stages = config.clock.synchronizer_stages;
  opt.tile_pitch_x_mm = config.system.wafer.pitch_x_mm();
  opt.tile_pitch_y_mm = config.system.wafer.pitch_y_mm();
  opt.seed = config.seed;
  opt.threads = config.threads;
  Engine engine(fabric, *net.routing, *net.clocks, opt);
  if (traffic.is_trace()) engine.set_trace(load_trace(traffic.trace_file, net.ctx));
  else engine.set_traffic(traffic, net.ctx);

  const MeasurementSpec& m = config.measurement;
  const std::int64_t P = engine.reference_period_ps();
  const std::int64_t w0 = static_cast<std::int64_t>(m.warmup_cycles) * P;
  const std::int64_t w1 = w0 + static_cast<std::int64_t>(m.measure_cycles) * P;
  const std::int64_t drain_end = w1 + static_cast<std::int64_t>(m.max_drain_cycles) * P;
  engine.set_window(w0, w1);
  const auto threshold_ps = static_cast<double>(latency_threshold(config, fabric)) * P;
  const std::int64_t chunk = std::max<std::int64_t>(1, std::min<std::int64_t>(1000, static_cast<std::int64_t>(m.deadlock_cycles) / 4)) * P;

  NocResult r;
  std::uint64_t moved = 0;
  std::int64_t last_move = 0;
  std::int64_t t = 0;
  const Stats& s = engine.stats();
  auto check = [&]() {
    if (interrupted()) {
      r.status = "interrupted";
      return false;
    }
    if (s.flits_moved != moved || engine.flits_in_network() == 0) {
      moved = s.flits_moved;
      last_move = t;
    } else if (t - last_move >= static_cast<std::int64_t>(m.deadlock_cycles) * P) {
      r.status = "deadlock";
      r.status_detail = std::to_string(engine.flits_in_network()) + " flits in the network, none moved for " +
                        std::to_string((t - last_move) / P) + " cycles";
      return false;
    }
    if (s.packets_measured_done > 0 && static_cast<double>(s.latency_sum_ps) / s.packets_measured_done > threshold_ps) {
      r.status = "saturated";
      r.status_detail = "mean latency of measured packets above " + std::to_string(static_cast<std::uint64_t>(threshold_ps / P)) + " cycles";
      return !m.stop_when_saturated;
    }
    return true;
  };
  bool going = true;
  while (going && t < w1) {
    t = std::min(t + chunk, w1);
    if (!engine.run_until(t)) t = engine.now_ps();  // Ctrl-C: check() reports it
    going = check();
  }
  while (going && s.packets_measured_done < s.packets_measured) {
    if (t >= drain_end) {
      if (!m.stop_when_saturated) {  // a fixed-length run: report what was measured
        if (r.status == "ok") {
          r.status = "undrained";
          r.status_detail = std::to_string(s.packets_measured - s.packets_measured_done) +
                            " measured packets still in flight at the end; latencies cover the delivered ones only";
        }
        break;
      }
      r.status = "saturated";
      r.status_detail = "measured packets did not drain within " + std::to_string(m.max_drain_cycles) + " cycles";
      break;
    }
    t = std::min(t + chunk, drain_end);
    if (!engine.run_until(t)) t = engine.now_ps();  // Ctrl-C: check() reports it
    going = check();
  }

  // A network that stopped moving before the end (a deadlock in the warm-up, or one the window
  // was too short to time out) must not end "ok": simulate on until it moves again or the stall
  // lasts deadlock_cycles.
  while (going && r.status == "ok" && engine.flits_in_network() > 0 && last_move < t) {
    t += chunk;
    if (!engine.run_until(t)) t = engine.now_ps();  // Ctrl-C: check() reports it
    going = check();
  }
  engine.count_unmade_offered(t);
  const double nodes = static_cast<double>(std::max<std::size_t>(1, fabric.endpoint_count()));
  // A run stopped inside the window is measured over the part it ran.
  const double window_cycles = static_cast<double>(std::max<std::int64_t>(1, std::min(t, w1) - w0)) / P;
  r.window_cycles = window_cycles;
  r.offered = s.flits_offered_in_window / (nodes * window_cycles);
  r.accepted = s.flits_ejected_in_window / (nodes * window_cycles);
  r.packets_measured = s.packets_measured;
  r.packets_delivered = s.packets_measured_done;
  r.packets_suppressed = s.packets_suppressed;
  if (r.status == "ok" && s.packets_measured == 0)
    r.status_detail = fmt::format("no packet was created in the measurement window (cycles {} to {}): nothing was measured", w0 / P, w1 / P);
  if (s.packets_measured_done > 0) {
    const double done = static_cast<double>(s.packets_measured_done);
    r.latency_mean = s.latency_sum_ps / done / P;
    r.network_latency_mean = s.network_latency_sum_ps / done / P;
    r.hops_mean = s.hops_sum / done;
    r.latency_p50 = static_cast<double>(s.latency_cycles.quantile(0.5));
    r.latency_p99 = static_cast<double>(s.latency_cycles.quantile(0.99));
    r.latency_max = static_cast<double>(s.max_latency_ps) / P;
    // Zero-load latency at the measured mean hop count (valid for one clock and unit-length links).
    r.zero_load_latency = Engine::zero_load_latency(config.router, config.channels, r.hops_mean, traffic.packet_size);
  }
  const mesh::FabricGraph& g = net.routing->graph();
  double links = 0, sum = 0;
  for (mesh::NodeId n = 0; n < fabric.nodes(); ++n)
    for (int p = 0; p < 4; ++p) {
      if (!(g.mask(n) & (1u << p))) continue;
      const double u = s.link_flits[n * 4 + p] / window_cycles;
      r.link_utilization_max = std::max(r.link_utilization_max, u);
      sum += u;
      ++links;
    }
  r.link_utilization_mean = links > 0 ? sum / links : 0.0;
  r.link_energy_pj = engine.link_bit_mm() * config.channels.energy_pj_per_bit_mm;
  r.link_power_mw = r.link_energy_pj / (window_cycles * P / 1000.0);  // pJ per ns = mW
  for (auto c : s.domain_flits_in) r.flit_crossings += c;
  for (auto c : s.domain_credits_in) r.credit_crossings += c;
  r.cycles = static_cast<std::uint64_t>(engine.now_ps() / P);
  r.wall_seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - wall_start).count();
  r.router_cycles_per_second = r.wall_seconds > 0 ? static_cast<double>(net.routers) * r.cycles / r.wall_seconds : 0.0;
  r.engine_bytes = engine.memory_bytes();
  r.stats = s;
  return r;
}

}  // namespace wafersim::sim
