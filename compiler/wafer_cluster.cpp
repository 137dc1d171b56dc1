#include "compiler/wafer_cluster.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <set>

#include "compiler/step.hpp"
#include "compiler/training_estimate.hpp"
#include "core/input_error.hpp"
#include "core/thread_pool.hpp"
#include "mesh/yield_study.hpp"
#include "sim/clock_domains.hpp"

namespace wafersim::compiler {

double WaferClusterSpec::collective_bytes_per_s() const {
  return (topology == "torus_2d" ? 2.0 : 4.0) * edge.bytes_per_s;
}

WaferClusterSpec WaferClusterSpec::from_yaml(const YamlNode& node, const std::filesystem::path& dir, const ConfigMount& mount) {
  node.expect_map();
  node.check_keys({"name", "description", "kind", "wafer", "wafers", "yield", "off_wafer", "external_memory", "power", "cost", "calibration"});
  WaferClusterSpec c;
  c.name = node.require("name").as_string();
  c.description = node.get_string("description", "");
  const YamlNode kind = node.require("kind");
  if (kind.as_string() != "wafer_cluster") kind.fail("'" + kind.as_string() + "': expected kind: wafer_cluster");
  const YamlNode wf = node.require("wafer");
  c.wafer_file = wf.from_command_line() ? std::filesystem::path(wf.as_string()) : dir / wf.as_string();
  if (!std::filesystem::exists(c.wafer_file)) wf.fail(fmt::format("wafer system file {} does not exist", c.wafer_file.string()));
  c.wafer_mount = mount.child("wafer");
  c.wafer = WaferSystem::load(c.wafer_file, c.wafer_mount);
  c.wafers = node.require("wafers").as_int(Range::closed(1, 1e8));

  const YamlNode y = node.child("yield");
  y.expect_map();
  y.check_keys({"samples", "accept_tile_fraction"});
  c.yield_samples = static_cast<int>(y.get_int("samples", c.yield_samples, Range::closed(1, 10000)));
  c.accept_tile_fraction = y.get_double("accept_tile_fraction", c.accept_tile_fraction, Range::closed(0.0, 1.0));

  const YamlNode o = node.require("off_wafer");
  o.expect_map();
  o.check_keys({"gb_s_per_edge", "latency_us", "topology"});
  c.edge.bytes_per_s = o.require("gb_s_per_edge").as_double(Range::closed(0.001, 1e8)) * 1e9;
  c.edge.latency_s = o.get_double("latency_us", 1.0, Range::closed(0, 1e9)) * 1e-6;
  c.topology = o.get_choice("topology", "torus_2d", {"torus_2d", "fat_tree", "switched"});

  const YamlNode m = node.require("external_memory");
  m.expect_map();
  m.check_keys({"capacity_tb", "tb_s"});
  c.memory_bytes = m.require("capacity_tb").as_double(Range::closed(0, 1e6)) * 1e12;
  c.memory_bytes_per_s = m.require("tb_s").as_double(Range::closed(0.001, 100000)) * 1e12;

  const YamlNode p = node.require("power");
  p.expect_map();
  p.check_keys({"tile_active_w", "tile_idle_w", "pj_per_bit_hop", "pj_per_bit_off_wafer", "overhead"});
  c.tile_active_w = p.require("tile_active_w").as_double(Range::closed(0, 10000));
  c.tile_idle_w = p.require("tile_idle_w").as_double(Range::closed(0, 10000));
  if (c.tile_idle_w > c.tile_active_w) p.child("tile_idle_w").fail("idle power exceeds active power");
  c.pj_per_bit_hop = p.get_double("pj_per_bit_hop", 0.0, Range::closed(0, 10000));
  c.pj_per_bit_off_wafer = p.get_double("pj_per_bit_off_wafer", 0.0, Range::closed(0, 10000));
  c.power_overhead = p.get_double("overhead", 1.0, Range::closed(1.0, 10.0));

  const YamlNode k = node.require("cost");
  k.expect_map();
  k.check_keys({"wafer_usd", "system_usd_per_wafer"});
  c.wafer_usd = k.require("wafer_usd").as_double(Range::closed(0, 1e12));
  c.system_usd_per_wafer = k.get_double("system_usd_per_wafer", 0.0, Range::closed(0, 1e12));

  const YamlNode cal = node.child("calibration");
  cal.expect_map();
  cal.check_keys({"window"});
  c.window = static_cast<int>(cal.get_int("window", c.window, Range::closed(4, 256)));
  return c;
}

WaferClusterSpec WaferClusterSpec::load(const std::filesystem::path& file, const ConfigMount& mount) {
  return from_yaml(YamlNode::load_file(file, mount), file.parent_path(), mount);
}

bool is_wafer_cluster_file(const std::filesystem::path& file) {
  const YamlNode n = YamlNode::load_file(file);
  return n.is_map() && n.has("kind") && n.child("kind").is_scalar() && n.child("kind").as_string() == "wafer_cluster";
}

namespace {

double tile_peak_flops_per_cycle(const TileComputeSpec& t) { return 2.0 * t.macs_per_cycle(); }

}  // namespace

WaferCharacter characterize_wafers(const WaferClusterSpec& c, std::uint64_t seed) {
  WaferCharacter w;
  const mesh::SystemConfig& cfg = c.wafer.mesh;
  const mesh::Wafer wafer(cfg.wafer);
  w.samples = static_cast<std::size_t>(c.yield_samples);
  std::vector<double> usable, ghz;
  for (std::size_t r = 0; r < w.samples; ++r) {
    const std::uint64_t s = mesh::replicate_seed(seed, r);
    const mesh::WaferSample sample = mesh::sample_wafer(cfg, wafer, s, 0);
    const auto [lr, lc] = cfg.repair.impl->nominal_shape(wafer);
    w.logical_tiles = static_cast<double>(lr) * lc;
    w.sites = static_cast<double>(wafer.site_count());
    const double tiles = static_cast<double>(sample.metrics.largest_component);
    if (tiles < c.accept_tile_fraction * w.logical_tiles) continue;
    ++w.accepted;
    const sim::ClockDomains clocks = sim::ClockDomains::build(c.wafer.clock, wafer, sample.map, sample.fabric, s);
    double sum = 0;
    std::size_t n = 0;
    for (std::uint32_t node = 0; node < sample.fabric.nodes(); ++node) {
      if (!sample.fabric.endpoint(node)) continue;
      sum += 1000.0 / static_cast<double>(clocks.domain(clocks.of(node)).period_ps);
      ++n;
    }
    usable.push_back(tiles);
    ghz.push_back(n ? sum / static_cast<double>(n) : 0.0);
  }
  w.wafer_yield = proportion_interval(w.accepted, w.samples);
  if (w.accepted == 0)
    throw InputError(fmt::format("{}: none of {} sampled wafers reaches {:.0f}% of its {:.0f}-tile logical array (yield.accept_tile_fraction); "
                                 "lower the defect density or add spares",
                                 c.wafer_file.string(), w.samples, 100 * c.accept_tile_fraction, w.logical_tiles));
  w.usable_tiles = mean_interval(usable);
  w.tile_ghz = mean_interval(ghz);
  const TileComputeSpec& t = c.wafer.compute;
  w.nominal_peak_flops = w.sites * tile_peak_flops_per_cycle(t) * c.wafer.frequency_hz();
  w.usable_peak_flops = w.usable_tiles.mean * tile_peak_flops_per_cycle(t) * w.tile_ghz.mean * 1e9;
  w.sram_bytes = w.usable_tiles.mean * t.sram_bytes();
  return w;
}

double on_wafer_bit_hops(const Plan& plan, const mesh::Fabric& f) {
  double bit_hops = 0;
  std::set<std::pair<std::uint32_t, int>> tree;  // (node, direction): the links of one XY tree
  for (const sim::WorkItem& w : plan.workload.items) {
    if (w.kind != sim::WorkItem::Kind::kMessage) continue;
    const std::uint32_t src = w.src == sim::kOffWafer ? w.edge_tile : w.src;
    double links = 0;
    if (w.multicast()) {
      tree.clear();
      for (const std::uint32_t d : w.dsts) {
        int r = f.row_of(src), c = f.col_of(src);  // X first along the source's row, then Y
        const int rd = f.row_of(d), cd = f.col_of(d);
        for (; c != cd; c += cd > c ? 1 : -1) tree.insert({f.node(r, c), cd > c ? 0 : 1});
        for (; r != rd; r += rd > r ? 1 : -1) tree.insert({f.node(r, c), rd > r ? 2 : 3});
      }
      links = static_cast<double>(tree.size());
    } else {
      const std::uint32_t dst = w.dst == sim::kOffWafer ? w.edge_tile : w.dst;
      links = std::abs(f.row_of(src) - f.row_of(dst)) + std::abs(f.col_of(src) - f.col_of(dst));
    }
    bit_hops += static_cast<double>(w.bytes) * 8.0 * links;
  }
  return bit_hops;
}

namespace {

// The model's layer scaled by s (width, heads, FFN, tokens), with a dense FFN as wide as the
// experts a token visits, one layer and a tiny vocabulary (the head then costs little; embedding
// and head are charged like layers on the full wafer).
ModelSpec representative_layer(const ModelSpec& m, double s) {
  ModelSpec r = m;
  r.name = m.name + "-representative-layer";
  r.layers = 1;
  r.heads = std::max(1, static_cast<int>(std::lround(m.heads * s)));
  r.kv_heads = std::max(1, static_cast<int>(std::lround(m.kv_heads * s)));
  while (r.heads % r.kv_heads != 0) --r.kv_heads;
  r.d_model = static_cast<std::int64_t>(r.heads) * m.head_dim;
  const double ffn = static_cast<double>(m.ffn_size) * (m.is_moe() ? m.moe.top_k : 1) * s;
  r.ffn_size = std::max<std::int64_t>(64, std::llround(ffn / 64.0) * 64);
  r.moe = MoeSpec{};
  r.vocab = 256;
  // The micro-batch's sequences stay apart: each attends over its own (scaled) tokens only.
  r.sequence = std::max<std::int64_t>(16, std::llround(static_cast<double>(m.sequence) * s / 16.0) * 16);
  if (r.max_positions > 0) r.max_positions = std::max(r.max_positions, r.sequence);
  r.micro_batch = m.micro_batch;
  r.global_batch = m.micro_batch;
  r.training_tokens = 0;
  return r;
}

}  // namespace

LayerCalibration calibrate_on_wafer(const ModelSpec& model, const WaferClusterSpec& c, const WaferCharacter& w, bool simulate,
                                    std::uint64_t seed, const std::function<void(std::size_t, std::size_t)>& on_progress,
                                    const std::vector<std::string>& matmul_mappings) {
  LayerCalibration cal;
  const double side = std::sqrt(w.usable_tiles.mean);
  cal.scale = std::min(1.0, static_cast<double>(c.window) / side);
  cal.representative = representative_layer(model, cal.scale);

  // A window x window piece of the wafer: the same tile, network, clocks and defect process, no
  // spare rows (after repair the wafer's logical array is nearly defect-free; the window keeps
  // whatever dead tiles the draw gives as holes).
  WaferSystem win = c.wafer;
  win.mesh.name = c.wafer.mesh.name + "-window";
  win.mesh.wafer.placement = mesh::Placement::kRectangle;
  win.mesh.wafer.rows = win.mesh.wafer.cols = std::min(c.window, static_cast<int>(side));
  win.mesh.repair = mesh::RepairSpec::from_yaml(YamlNode::parse("{strategy: none}", "window"), win.mesh.wafer);
  StepOptions so;
  so.seed = seed;
  so.style = "layer_sequential";
  parse_matmul_mappings(matmul_mappings, so.matmul_mapping, so.matmul_overrides);
  // A unit of the real layer attends over the real sequence's keys: its SRAM is checked for those.
  so.attention_key_scale = static_cast<double>(model.sequence) / static_cast<double>(cal.representative.sequence);
  const CompiledStep step = compile_step(cal.representative, win, so);
  cal.matmul_mappings = mapping_choice_lines(step.plan);
  cal.sram_max_bytes = step.plan.sram_max_bytes;
  cal.tiles_used = 0;
  double ghz = 0;
  for (const Region& r : step.plan.regions) {
    for (auto t : r.grid.tiles) ghz += 1000.0 / static_cast<double>(step.net->clocks->domain(step.net->clocks->of(t)).period_ps);
    cal.tiles_used += r.grid.size();
  }
  ghz /= static_cast<double>(std::max<std::size_t>(1, cal.tiles_used));
  DeviceSpec dev;
  const double tiles = static_cast<double>(cal.tiles_used);
  dev.peak_flops = tiles * tile_peak_flops_per_cycle(c.wafer.compute) * ghz * 1e9;
  dev.vector_flops = tiles * c.wafer.compute.vector_flops_per_cycle * ghz * 1e9;
  dev.memory_bytes_per_s = 1e30;  // the tile model charges SRAM access inside its cycles
  cal.roofline_s = roofline_seconds(cal.representative, dev, cal.representative.micro_batch, Recompute::kNone);
  cal.analytic_s = step.analytic.makespan_ps * 1e-12;
  cal.analytic_compute_s = step.analytic.critical_path.compute_ps * 1e-12;
  double makespan = cal.analytic_s, compute = cal.analytic_compute_s;
  if (simulate) {
    const sim::WorkloadResult r = simulate_step(step, on_progress);
    cal.simulated = true;
    cal.simulated_s = static_cast<double>(r.makespan_ps) * 1e-12;
    cal.simulated_compute_s = r.critical_path.compute_ps * 1e-12;
    makespan = cal.simulated_s, compute = cal.simulated_compute_s;
  }
  cal.compute_factor = compute / cal.roofline_s;
  cal.bounds = plan_bounds(*step.graph, step.plan, win, step.net->sample.fabric, *step.net->clocks, makespan * 1e12);
  for (const ResourceBound& b : cal.bounds.bounds)
    if (b.resource.rfind("network", 0) == 0) cal.network_bound_per_roofline_s = std::max(cal.network_bound_per_roofline_s, b.bound_s / cal.roofline_s);
  cal.comm_factor = std::max(0.0, makespan - compute) / cal.roofline_s;
  // Bit-hops per FLOP on the whole wafer (its energy): bytes per FLOP are the same on the window
  // and the wafer (work and traffic per tile shrink alike), but how far they go depends on the
  // mapping: ring and shift neighbours stay neighbours, broadcast trees and edge legs span the
  // grid. So the growth is measured: the layer at half the scale on a half window, and bit-hops
  // per FLOP extrapolated from the two as side^alpha, alpha within [0, 1] (0: every message as
  // far on any fabric; 1: every one as far as the fabric is wide).
  const double here = step.plan.flops > 0 ? on_wafer_bit_hops(step.plan, step.net->sample.fabric) / step.plan.flops : 0.0;
  cal.bit_hops_growth = 1;
  const int half = static_cast<int>(win.mesh.wafer.rows) / 2;
  if (cal.scale < 1 && half >= 4) {
    WaferSystem small = win;
    small.mesh.wafer.rows = small.mesh.wafer.cols = half;
    const ModelSpec rep = representative_layer(model, cal.scale / 2);
    StepOptions so2 = so;
    so2.attention_key_scale = static_cast<double>(model.sequence) / static_cast<double>(rep.sequence);
    try {
      const CompiledStep s2 = compile_step(rep, small, so2);
      const double there = s2.plan.flops > 0 ? on_wafer_bit_hops(s2.plan, s2.net->sample.fabric) / s2.plan.flops : 0.0;
      if (here > 0 && there > 0)
        cal.bit_hops_growth = std::clamp(std::log(here / there) / std::log(static_cast<double>(win.mesh.wafer.rows) / half), 0.0, 1.0);
    } catch (const InputError&) {
      // The half-size layer does not map (SRAM at its micro-batch): keep the upper bound, alpha = 1.
    }
  }
  cal.bit_hops_per_flop = here * std::pow(1.0 / cal.scale, cal.bit_hops_growth);
  return cal;
}

std::vector<LayerCalibration> calibrate_micro_batches(const ModelSpec& model, const WaferClusterSpec& c, const WaferCharacter& w,
                                                      const std::vector<std::int64_t>& micro_batches, std::uint64_t seed,
                                                      const std::vector<std::string>& matmul_mappings, unsigned threads) {
  if (micro_batches.empty()) throw InputError("no micro-batch to calibrate the representative layer at");
  auto at = [&](std::int64_t mb) {
    ModelSpec m = model;
    m.micro_batch = mb;
    return calibrate_on_wafer(m, c, w, false, seed, {}, matmul_mappings);
  };
  // Each compiles on its own (largest first, the slowest, so the threads finish together).
  const std::size_t n = micro_batches.size();
  std::vector<LayerCalibration> out(n);
  std::vector<std::string> errors(n);
  auto one = [&](std::size_t k) {
    const std::size_t i = n - 1 - k;
    try {
      out[i] = at(micro_batches[i]);
    } catch (const InputError& e) {
      errors[i] = e.what();
    }
  };
  if (threads > 1 && n > 1) {
    ThreadPool pool(std::min<unsigned>(threads, static_cast<unsigned>(n)));
    pool.parallel_for(n, one);
  } else {
    for (std::size_t k = 0; k < n; ++k) one(k);
  }
  // The first's error is the user's. The others differ from it only in their micro-batch: what
  // stops one of them from mapping is its size (SRAM), never the input.
  if (!errors[0].empty()) throw InputError(fmt::format("the representative layer at micro-batch {}: {}", micro_batches[0], errors[0]));
  for (std::size_t i = 1; i < n; ++i) {
    if (errors[i].empty()) continue;
    out[i].representative = model;
    out[i].representative.micro_batch = micro_batches[i];
    out[i].unfit = errors[i];
  }
  return out;
}

const LayerCalibration& calibration_at(const std::vector<LayerCalibration>& cals, std::int64_t mb) {
  for (const LayerCalibration& c : cals)
    if (c.representative.micro_batch == mb) return c;
  throw InputError(fmt::format("micro-batch {}: the representative layer was not calibrated at it", mb));
}

ClusterSpec as_training_cluster(const WaferClusterSpec& c, const WaferCharacter& w, const std::vector<LayerCalibration>& cals,
                                const ModelSpec& model) {
  if (cals.empty()) throw InputError("a wafer cluster needs its representative layer calibrated at one micro-batch at least");
  ClusterSpec k;
  k.name = c.name;
  k.description = c.description;
  k.devices = c.wafers;
  k.device.name = c.wafer.mesh.name + " wafer";
  k.device.peak_flops = w.usable_peak_flops;
  k.device.vector_flops = w.usable_tiles.mean * c.wafer.compute.vector_flops_per_cycle * w.tile_ghz.mean * 1e9;
  k.device.memory_bytes = w.sram_bytes + c.memory_bytes;
  k.device.memory_bytes_per_s = 1e30;  // as in the calibration: inside the tile model's cycles
  k.device.matmul_efficiency = 1.0;
  k.domain = 1;
  k.scale_out = LinkSpec{c.collective_bytes_per_s(), c.edge.latency_s};
  k.scale_up = k.scale_out;
  k.topology = c.topology;
  WaferTerms& t = k.wafer;
  t.enabled = true;
  for (const LayerCalibration& l : cals)
    t.layer.push_back({l.representative.micro_batch, l.compute_factor, l.comm_factor, l.bit_hops_per_flop * c.pj_per_bit_hop, l.unfit});
  t.sram_bytes = w.sram_bytes;
  t.stream_bytes_per_s = c.memory_bytes_per_s;
  t.layer_weight_bytes = static_cast<double>(model.attention_params_per_layer() + model.ffn_params_per_layer()) * model.weights.bytes;
  t.tiles = w.usable_tiles.mean;
  t.tile_active_w = c.tile_active_w;
  t.tile_idle_w = c.tile_idle_w;
  t.pj_per_bit_off_wafer = c.pj_per_bit_off_wafer;
  t.power_overhead = c.power_overhead;
  t.wafer_usd = c.wafer_usd / w.wafer_yield.mean;
  t.system_usd = c.system_usd_per_wafer;
  t.nominal_peak_flops = w.nominal_peak_flops;
  return k;
}

}  // namespace wafersim::compiler
