#include "compiler/wafer_estimate.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <set>

#include "core/input_error.hpp"
#include "core/thread_pool.hpp"

namespace wafersim::compiler {

void apply_run_losses(TrainingEstimate& e, const RunLosses& l) {
  const double f = l.factor();
  e.days *= f;
  e.energy_mwh *= f;
}

SearchResult search_wafers(const ModelSpec& model, ClusterSpec cluster, std::int64_t wafers, const RunLosses& losses,
                           const Parallelism::Overlap& overlap) {
  cluster.devices = wafers;
  SearchResult r = search_parallelism(model, cluster, wafers, overlap);
  for (TrainingEstimate& e : r.ranked) apply_run_losses(e, losses);
  return r;
}

Sizing wafers_for_days(const ModelSpec& model, const ClusterSpec& cluster, double days, const RunLosses& losses, std::int64_t max_wafers,
                       const Parallelism::Overlap& overlap) {
  if (model.training_tokens <= 0) throw InputError(fmt::format("{}: the model states no training_tokens, so no wafer count meets a number of days", model.name));
  std::set<std::int64_t> counts;
  for (std::int64_t tp : {1, 2, 4, 8}) {
    if (model.heads % tp != 0 || model.ffn_size % tp != 0) continue;
    for (std::int64_t pp : divisors(model.layers))
      for (std::int64_t dp : divisors(model.global_batch))
        if (tp * pp * dp <= max_wafers) counts.insert(tp * pp * dp);
  }
  const std::vector<std::int64_t> n(counts.begin(), counts.end());
  Sizing s;
  auto fastest = [&](std::int64_t w) {
    ++s.counts_tried;
    SearchResult r = search_wafers(model, cluster, w, losses, overlap);
    s.layouts_searched += r.considered;
    return r;
  };
  auto meets = [&](const SearchResult& r) { return !r.ranked.empty() && r.ranked.front().days <= days; };
  // The largest count some layout fits on (memory can rule out the few largest).
  std::size_t last = n.size() - 1;
  SearchResult top = fastest(n[last]);
  while (top.ranked.empty() && last > 0) top = fastest(n[--last]);
  if (!meets(top))
    throw InputError(fmt::format("{} cannot train in {} days on up to {} wafers of '{}' (best: {:.1f} days on {})", model.name, days,
                                 max_wafers, cluster.name, top.ranked.empty() ? 0.0 : top.ranked.front().days, n[last]));
  // Bisection: days fall as wafers grow (more data parallelism), up to layout granularity.
  std::size_t lo = 0, hi = last;
  SearchResult at_hi = std::move(top);
  while (lo < hi) {
    const std::size_t mid = lo + (hi - lo) / 2;
    SearchResult r = fastest(n[mid]);
    if (meets(r)) {
      hi = mid;
      at_hi = std::move(r);
    } else {
      lo = mid + 1;
    }
  }
  s.wafers = n[hi];
  s.search = std::move(at_hi);
  return s;
}

std::string limiting_term(const StepBreakdown& t) {
  const std::pair<double, const char*> terms[] = {
      {t.compute, "compute"}, {t.memory, "memory-bound ops"}, {t.onwafer_comm, "on-wafer communication"},
      {t.tp_comm, "tensor-parallel communication"}, {t.ep_comm, "expert all-to-all"}, {t.pp_comm, "pipeline sends"},
      {t.bubble, "pipeline bubble"}, {t.dp_comm, "gradient all-reduce"}, {t.streaming, "weight streaming"}};
  return std::max_element(std::begin(terms), std::end(terms))->second;
}

SiliconBounds step_bounds(const ClusterSpec& c, const TrainingEstimate& e, const std::vector<LayerCalibration>& cals) {
  const LayerCalibration& cal = calibration_at(cals, e.par.micro_batch);
  SiliconBounds b;
  const auto& t = e.time;
  const auto& w = c.wafer;
  b.achieved_s = t.step;
  const double devices = static_cast<double>(e.par.devices());
  const double compute = e.model_flops_per_step / (devices * c.device.peak_flops);
  b.bounds.push_back({"tile compute", compute, false, fmt::format("{:.4g} PFLOP per wafer at {:.4g} PFLOP/s usable", e.model_flops_per_step / devices / 1e15,
                                                                  c.device.peak_flops / 1e15)});
  b.bounds.push_back({"on-wafer network", compute * cal.network_bound_per_roofline_s, true,
                      fmt::format("the representative layer's largest network bound, {:.3g} x its roofline", cal.network_bound_per_roofline_s)});
  b.bounds.push_back({"external memory bandwidth", e.resident ? 0.0 : e.streamed_bytes_per_step / w.stream_bytes_per_s, true,
                      e.resident ? std::string("nothing streamed: the state fits in SRAM")
                                 : fmt::format("{:.4g} TB per step at {:.4g} TB/s", e.streamed_bytes_per_step / 1e12, w.stream_bytes_per_s / 1e12)});
  const double links = t.tp_comm + t.ep_comm + t.pp_comm + t.dp_comm;
  b.bounds.push_back({"off-wafer links", links, true, fmt::format("collectives' time as costed, at {:.4g} GB/s per wafer", c.scale_out.bytes_per_s / 1e9)});
  b.sram_fits = e.resident;
  b.sram = e.resident ? fmt::format("fits: {:.4g} of {:.4g} GB per wafer", e.memory_per_device_bytes / 1e9, w.sram_bytes / 1e9)
                      : fmt::format("{:.4g} GB of state per wafer, {:.3g} x the {:.4g} GB of SRAM: weights stream", e.memory_per_device_bytes / 1e9,
                                    e.memory_per_device_bytes / w.sram_bytes, w.sram_bytes / 1e9);
  return b;
}

std::vector<std::string> growth_needed(const ClusterSpec& c, const TrainingEstimate& e, const std::vector<LayerCalibration>& cals, double days) {
  std::vector<std::string> out;
  if (e.days <= 0 || days <= 0) return out;
  const double target = e.time.step * days / e.days;
  const SiliconBounds b = step_bounds(c, e, cals);
  if (target >= e.time.step) {
    out.push_back(fmt::format("{} wafers already train in {:.3g} days, within {:g}", e.par.devices(), e.days, days));
    return out;
  }
  out.push_back(fmt::format("to train in {:g} days on {} wafers (now {:.3g} days), a step must take {:.4g} s (now {:.4g} s):", days, e.par.devices(),
                            e.days, target, e.time.step));
  bool any = false;
  for (const ResourceBound& r : b.bounds) {
    if (r.bound_s <= target) continue;
    any = true;
    const char* what = r.resource == b.bounds[0].resource ? "peak FLOP/s per wafer" : r.resource.c_str();
    out.push_back(fmt::format("  {} must grow x{:.3g}: its bound alone is {:.4g} s", what, r.bound_s / target, r.bound_s));
  }
  if (!b.sram_fits && c.wafer.tiles > 0)
    out.push_back(fmt::format("  SRAM per tile would have to grow x{:.3g} (to {:.4g} MiB) for the state to stay on the wafer and nothing to stream",
                              e.memory_per_device_bytes / c.wafer.sram_bytes, e.memory_per_device_bytes / c.wafer.tiles / 1048576.0));
  if (!any)
    out.push_back(fmt::format("  no resource's bound is over it (the largest, {}, is {:.4g} s): the mapping, not the silicon, stands between "
                              "({:.3g} x its bound now)",
                              b.binding().resource, b.binding().bound_s, e.time.step / b.binding().bound_s));
  return out;
}

namespace {

// The wafer's repair section with a different spare count.
mesh::RepairSpec with_spares(const WaferClusterSpec& c, int spares) {
  const YamlNode rep = YamlNode::load_file(c.wafer_file, c.wafer_mount).child("repair");
  const std::string strategy = rep.get_string("strategy", "none");
  const std::int64_t window = rep.get_int("window", 100);
  return mesh::RepairSpec::from_yaml(
      YamlNode::parse(fmt::format("{{strategy: {}, window: {}, spares: {}}}", strategy, window, std::min<std::int64_t>(spares, window - 1)),
                      c.wafer_file.string() + " (sensitivity)"),
      c.wafer.mesh.wafer);
}

}  // namespace

std::vector<SensitivityRow> sensitivity(const ModelSpec& model, const WaferClusterSpec& base, const std::vector<LayerCalibration>& cals,
                                        const SensitivityQuestion& q, const RunLosses& losses, std::uint64_t seed,
                                        const std::vector<std::string>& matmul_mappings) {
  struct Variant {
    std::string knob, setting;
    WaferClusterSpec cluster;
    double comm_scale = 1.0;
    bool recompile = false;  // the representative layer again, on this variant's tiles
  };
  std::vector<Variant> vs;
  vs.push_back({"base", "as configured", base, 1.0});
  const double d0 = base.wafer.mesh.defects.d0_per_cm2;
  if (d0 > 0) {
    for (double f : {0.5, 2.0, 4.0}) {
      Variant v{"defect density D0", fmt::format("{:g} /cm2 (x{:g})", d0 * f, f), base, 1.0};
      v.cluster.wafer.mesh.defects.d0_per_cm2 = d0 * f;
      vs.push_back(v);
    }
  }
  const YamlNode rep = YamlNode::load_file(base.wafer_file, base.wafer_mount).child("repair");
  if (rep.get_string("strategy", "none") != "none") {
    const std::int64_t spares = rep.get_int("spares", 1);
    for (std::int64_t k : {std::int64_t{0}, 2 * std::max<std::int64_t>(1, spares)}) {
      Variant v{"spares per window", fmt::format("{} (base {})", k, spares), base, 1.0};
      v.cluster.wafer.mesh.repair = with_spares(base, static_cast<int>(k));
      vs.push_back(v);
    }
  }
  for (double f : {0.25, 4.0}) {
    Variant v{"off-wafer bandwidth", fmt::format("{:g} GB/s per edge (x{:g})", base.edge.bytes_per_s * f / 1e9, f), base, 1.0};
    v.cluster.edge.bytes_per_s *= f;
    vs.push_back(v);
  }
  for (double f : {0.8, 1.2}) {
    Variant v{"clock frequency", fmt::format("{:.2f} GHz (x{:g})", base.wafer.clock.frequency_ghz * f, f), base, 1.0};
    v.cluster.wafer.clock.frequency_ghz *= f;
    vs.push_back(v);
  }
  for (double f : {0.5, 2.0}) {
    Variant v{"external memory bandwidth", fmt::format("{:g} TB/s per wafer (x{:g})", base.memory_bytes_per_s * f / 1e12, f), base, 1.0};
    v.cluster.memory_bytes_per_s *= f;
    vs.push_back(v);
  }
  // The representative layer is compiled again: which micro-batches fit the tiles changes.
  for (double f : {0.5, 4.0}) {
    Variant v{"SRAM per tile", fmt::format("{:g} KiB (x{:g})", base.wafer.compute.sram_kib * f, f), base, 1.0, true};
    v.cluster.wafer.compute.sram_kib *= f;
    vs.push_back(v);
  }
  for (double f : {0.5, 0.1}) vs.push_back({"on-wafer communication (mapping)", fmt::format("x{:g} of the calibrated time", f), base, f});

  std::vector<SensitivityRow> rows;
  for (Variant& v : vs) {
    SensitivityRow row;
    row.knob = v.knob;
    row.setting = v.setting;
    WaferCharacter w;
    try {
      w = characterize_wafers(v.cluster, seed);
    } catch (const InputError&) {
      row.limit = "no wafer accepted";
      rows.push_back(row);
      continue;
    }
    try {
      // The calibration is per clock cycle of the window: its factors hold at any frequency.
      std::vector<LayerCalibration> c = cals;
      if (v.recompile) {
        std::vector<std::int64_t> mbs;
        for (const LayerCalibration& l : cals) mbs.push_back(l.representative.micro_batch);
        c = calibrate_micro_batches(model, v.cluster, w, mbs, seed, matmul_mappings, available_cpus());
      }
      for (LayerCalibration& l : c) l.comm_factor *= v.comm_scale;
      ClusterSpec k = as_training_cluster(v.cluster, w, c, model);
      const TrainingEstimate* best = nullptr;
      SearchResult r;
      if (q.target_days > 0) {
        Sizing s = wafers_for_days(model, k, q.target_days, losses);
        row.answer = static_cast<double>(s.wafers);
        r = std::move(s.search);
      } else {
        r = search_wafers(model, k, q.wafers, losses);
        if (r.ranked.empty()) throw InputError("no layout fits");
      }
      best = &r.ranked.front();
      if (q.target_days <= 0) row.answer = best->days;
      row.days = best->days;
      row.mfu = best->mfu;
      row.capital_usd = best->capital_usd;
      row.power_mw = best->power_mw;
      row.limit = limiting_term(best->time);
    } catch (const InputError& e) {
      row.limit = e.what();
    }
    rows.push_back(row);
  }
  return rows;
}

}  // namespace wafersim::compiler
