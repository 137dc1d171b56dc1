#include "mesh/yield_study.hpp"

#include <fmt/format.h>

#include <cmath>

#include "core/random.hpp"
#include "mesh/channel_dependency.hpp"
#include "mesh/defect_sampler.hpp"
#include "mesh/route_metrics.hpp"

namespace wafersim::mesh {

StudyOptions StudyOptions::from_yaml(const YamlNode& evaluate) {
  evaluate.check_keys({"stretch_sources", "metrics", "route_destinations"});
  StudyOptions o;
  o.stretch_sources = static_cast<std::size_t>(evaluate.get_int("stretch_sources", 16, Range::closed(0, 1e6)));
  if (evaluate.has("metrics")) {
    o.yield_metrics = false;
    for (const YamlNode& g : evaluate.child("metrics").items()) {
      const std::string group = g.as_choice({"yield", "routing"});
      (group == "yield" ? o.yield_metrics : o.routing_metrics) = true;
    }
    if (!o.yield_metrics && !o.routing_metrics) evaluate.child("metrics").fail("name at least one metric group: yield, routing");
  }
  o.route_destinations = evaluate.get_int("route_destinations", -1, Range::closed(-1, 1e8));
  return o;
}

std::uint64_t replicate_seed(std::uint64_t seed, std::size_t replicate) {
  return Rng(seed).stream(replicate).next_u64();
}

namespace {

DefectMap draw_map(const SystemConfig& config, const Wafer& wafer, std::uint64_t seed) {
  if (config.defects.map_file) return DefectMap::load_csv(*config.defects.map_file, wafer);
  return sample_defects(wafer, config.defects, seed);
}

}  // namespace

WaferSample sample_wafer(const SystemConfig& config, const Wafer& wafer, std::uint64_t seed, std::size_t stretch_sources) {
  DefectMap map = draw_map(config, wafer, seed);
  Fabric fabric = config.repair.impl->repair(wafer, map);
  FabricMetrics metrics = measure_fabric(fabric, stretch_sources, seed);
  return WaferSample{std::move(map), std::move(fabric), std::move(metrics)};
}

std::optional<ClosedForms> closed_forms(const SystemConfig& config, const Wafer& wafer) {
  const DefectSpec& d = config.defects;
  if (d.map_file) return std::nullopt;
  ClosedForms cf;
  if (d.dead_tile_fraction) {
    const double sites = static_cast<double>(wafer.site_count());
    const double dead = static_cast<double>(std::llround(*d.dead_tile_fraction * sites));
    cf.expected_alive_tiles = sites - dead;
    cf.tile_yield = cf.expected_alive_tiles / sites;
    if (!config.repair.impl->tolerates_dead_tiles()) cf.wafer_yield = dead == 0 ? 1.0 : 0.0;
    else cf.wafer_yield_note = "no closed form coded for an exact number of dead tiles with spares";
    return cf;
  }
  const double lambda = d.lambda_per_tile(wafer.spec().tile_area_mm2()) * d.tile_kill_share();
  const std::vector<double> w = radial_weights(wafer, d);
  std::vector<double> p_dead(wafer.cells(), 0.0);
  for (TileId t = 0; t < wafer.cells(); ++t) {
    if (!wafer.is_site(t)) continue;
    const double y = d.model->yield(lambda * w[t]);
    cf.expected_alive_tiles += y;
    p_dead[t] = 1.0 - y;
  }
  cf.tile_yield = cf.expected_alive_tiles / static_cast<double>(wafer.site_count());
  const bool independent = !d.model->clusters() || d.cluster_block == Block::kTile;
  if (independent) {
    cf.wafer_yield = config.repair.impl->formed_probability(wafer, p_dead);
  } else if (!config.repair.impl->tolerates_dead_tiles()) {
    // No dead tile at all: independent across blocks, Y(total lambda) within each.
    double p = 1.0;
    for (const CellRect& b : cluster_block_rects(wafer, d.cluster_block)) {
      double block_lambda = 0.0;
      for (int r = b.r0; r < b.r1; ++r) {
        for (int c = b.c0; c < b.c1; ++c) {
          if (wafer.is_site(r, c)) block_lambda += lambda * w[wafer.id(r, c)];
        }
      }
      p *= d.model->yield(block_lambda);
    }
    cf.wafer_yield = p;
  } else {
    cf.wafer_yield_note = fmt::format("no closed form: tiles in one {} share a clustered defect density, so spare windows are not independent",
                                      block_name(d.cluster_block));
  }
  return cf;
}

std::optional<StudyResult> run_study(const SystemConfig& config, std::uint64_t seed, std::size_t replicates,
                                     const StudyOptions& options,
                                     const std::function<void(std::size_t, const WaferSample&)>& on_sample,
                                     const std::function<bool()>& should_stop) {
  const Wafer wafer(config.wafer);
  StudyResult out;
  out.replicates = replicates;
  out.closed = closed_forms(config, wafer);
  std::vector<double> tile_yield, usable, rows, cols, largest, reachable, stretch_mean, stretch_max, dead_links, spares, bypass;
  std::size_t formed = 0, deadlock_free = 0;
  std::vector<double> reach, hops, stretch_m, stretch_s, bound;
  for (std::size_t r = 0; r < replicates; ++r) {
    if (should_stop && should_stop()) return std::nullopt;
    const WaferSample s = sample_wafer(config, wafer, replicate_seed(seed, r), options.stretch_sources);
    const DefectMap::Counts counts = s.map.counts();
    tile_yield.push_back(static_cast<double>(counts.tiles_alive) / static_cast<double>(counts.sites));
    usable.push_back(static_cast<double>(s.metrics.largest_component));
    formed += s.fabric.formed ? 1 : 0;
    rows.push_back(s.fabric.rows());
    cols.push_back(s.fabric.cols());
    largest.push_back(s.metrics.largest_component_fraction);
    reachable.push_back(s.metrics.reachable_pair_fraction);
    if (!std::isnan(s.metrics.stretch_mean)) {
      stretch_mean.push_back(s.metrics.stretch_mean);
      stretch_max.push_back(s.metrics.stretch_max);
    }
    dead_links.push_back(static_cast<double>(s.fabric.dead_logical_links));
    spares.push_back(static_cast<double>(s.fabric.spares_used));
    const auto& h = s.metrics.link_length_histogram;
    if (h.size() > out.link_length_histogram.size()) out.link_length_histogram.resize(h.size(), 0);
    double longer = 0;
    for (std::size_t len = 0; len < h.size(); ++len) {
      out.link_length_histogram[len] += h[len];
      if (len > 1) longer += static_cast<double>(h[len]);
      if (h[len] > 0) out.max_link_length = std::max(out.max_link_length, static_cast<int>(len));
    }
    bypass.push_back(longer);
    if (options.routing_metrics) {
      const auto routing = config.routing.build(s.fabric);
      deadlock_free += check_deadlock(*routing).deadlock_free ? 1 : 0;
      RouteMetricsOptions mo;
      mo.seed = replicate_seed(seed, r);
      mo.destinations = options.route_destinations >= 0 ? static_cast<std::size_t>(options.route_destinations)
                                                        : default_route_destinations(s.fabric.nodes());
      const RouteMetrics rm = measure_routing(*routing, mo);
      reach.push_back(rm.reachability);
      if (rm.reachability > 0) {
        hops.push_back(rm.hops_mean);
        stretch_m.push_back(rm.stretch_manhattan_mean);
        stretch_s.push_back(rm.stretch_shortest_mean);
      }
      if (rm.exact) bound.push_back(rm.throughput_bound);
      out.route_hops_max = std::max(out.route_hops_max, rm.hops_max);
      out.route_exact = out.route_exact && rm.exact;
      out.route_state_bytes = rm.state_bytes_per_node;
    }
    if (on_sample) on_sample(r, s);
  }
  out.tile_yield = mean_interval(tile_yield);
  out.usable_tiles = mean_interval(usable);
  out.wafer_yield = proportion_interval(formed, replicates);
  out.logical_rows = mean_interval(rows);
  out.logical_cols = mean_interval(cols);
  out.largest_component_frac = mean_interval(largest);
  out.reachable_pairs = mean_interval(reachable);
  out.stretch_mean = mean_interval(stretch_mean);
  out.stretch_max = mean_interval(stretch_max);
  out.dead_links = mean_interval(dead_links);
  out.spares_used = mean_interval(spares);
  out.bypass_links = mean_interval(bypass);
  out.route_reachability = mean_interval(reach);
  out.route_hops_mean = mean_interval(hops);
  out.route_stretch_manhattan = mean_interval(stretch_m);
  out.route_stretch_shortest = mean_interval(stretch_s);
  out.route_throughput_bound = mean_interval(bound);
  out.route_deadlock_free = proportion_interval(deadlock_free, options.routing_metrics ? replicates : 0);
  return out;
}

namespace {

const std::vector<std::string>& estimate_names() {
  static const std::vector<std::string> names{"tile_yield",      "usable_tiles",          "wafer_yield",
                                              "logical_rows",    "logical_cols",          "largest_component_frac",
                                              "reachable_pairs", "stretch_mean",          "stretch_max",
                                              "dead_links",      "spares_used",           "bypass_links"};
  return names;
}

std::string number(double x) { return std::isnan(x) ? std::string() : fmt::format("{:.8g}", x); }

}  // namespace

namespace {

const std::vector<std::string>& route_names() {
  static const std::vector<std::string> names{"route_reachability", "route_hops_mean", "route_stretch_manhattan",
                                              "route_stretch_shortest", "route_throughput_bound", "route_deadlock_free"};
  return names;
}

void add_estimate_columns(std::vector<std::string>& cols, const std::string& n) {
  cols.push_back(n);
  cols.push_back(n + "_lo");
  cols.push_back(n + "_hi");
}

void add_estimate_cells(std::vector<std::string>& cells, const Estimate& e) {
  cells.push_back(number(e.mean));
  cells.push_back(number(e.lo));
  cells.push_back(number(e.hi));
}

}  // namespace

std::vector<std::string> study_columns(const StudyOptions& options) {
  std::vector<std::string> cols;
  if (options.yield_metrics) {
    for (const auto& n : estimate_names()) {
      add_estimate_columns(cols, n);
      if (n == "tile_yield" || n == "wafer_yield") cols.push_back(n + "_closed");
    }
    cols.push_back("max_link_length");
    cols.push_back("link_length_hist");
  }
  if (options.routing_metrics) {
    for (const auto& n : route_names()) add_estimate_columns(cols, n);
    cols.push_back("route_hops_max");
    cols.push_back("route_state_bytes");
    cols.push_back("route_exact");
  }
  return cols;
}

std::vector<std::string> study_cells(const StudyResult& r, const StudyOptions& options) {
  std::vector<std::string> cells;
  if (options.yield_metrics) {
    const Estimate* estimates[] = {&r.tile_yield,   &r.usable_tiles, &r.wafer_yield,     &r.logical_rows,
                                   &r.logical_cols, &r.largest_component_frac, &r.reachable_pairs, &r.stretch_mean,
                                   &r.stretch_max,  &r.dead_links,   &r.spares_used,     &r.bypass_links};
    for (std::size_t i = 0; i < estimate_names().size(); ++i) {
      add_estimate_cells(cells, *estimates[i]);
      if (estimate_names()[i] == "tile_yield") cells.push_back(r.closed ? number(r.closed->tile_yield) : "");
      if (estimate_names()[i] == "wafer_yield") cells.push_back(r.closed && r.closed->wafer_yield ? number(*r.closed->wafer_yield) : "");
    }
    cells.push_back(std::to_string(r.max_link_length));
    std::string hist;
    for (std::size_t len = 1; len < r.link_length_histogram.size(); ++len) {
      if (r.link_length_histogram[len] == 0) continue;
      hist += fmt::format("{}{}:{}", hist.empty() ? "" : ";", len, r.link_length_histogram[len]);
    }
    cells.push_back(hist);
  }
  if (options.routing_metrics) {
    for (const Estimate* e : {&r.route_reachability, &r.route_hops_mean, &r.route_stretch_manhattan, &r.route_stretch_shortest,
                              &r.route_throughput_bound, &r.route_deadlock_free}) {
      add_estimate_cells(cells, *e);
    }
    cells.push_back(number(r.route_hops_max));
    cells.push_back(std::to_string(r.route_state_bytes));
    cells.push_back(r.route_exact ? "true" : "false");
  }
  return cells;
}

}  // namespace wafersim::mesh
