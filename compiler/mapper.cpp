#include "compiler/mapper.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <map>
#include <set>

#include "compiler/layouts.hpp"
#include "compiler/plan_builder.hpp"
#include "core/input_error.hpp"

namespace wafersim::compiler {
namespace {

using Vtx = std::size_t;

enum class Layout { kGrid, kHead, kExpert };

struct Mapped {
  Layout layout = Layout::kGrid;
  int region = 0, expert = -1;
  Deps out;  // per position of its layout; empty: not mapped on the wafer
};

// Where weight data enters and leaves: the first working tile from the side of the fabric
// nearest to t, along t's row or column.
class Edge {
 public:
  explicit Edge(const mesh::Fabric& f) : f_(f) {}
  std::uint32_t operator()(std::uint32_t t) {
    if (auto it = cache_.find(t); it != cache_.end()) return it->second;
    const int r = f_.row_of(t), c = f_.col_of(t);
    const int side = f_.nearest_side(t);
    std::uint32_t found = t;
    for (int k = 0; k <= f_.distance_to_side(t, side); ++k) {
      const int rr = side == 2 ? k : side == 3 ? f_.rows() - 1 - k : r;
      const int cc = side == 0 ? k : side == 1 ? f_.cols() - 1 - k : c;
      const auto n = f_.node(rr, cc);
      if (f_.endpoint(n) && f_.router_alive(n)) {
        found = n;
        break;
      }
    }
    return cache_[t] = found;
  }

 private:
  const mesh::Fabric& f_;
  std::map<std::uint32_t, std::uint32_t> cache_;
};

class Emitter {
 public:
  Emitter(const Graph& g, const WaferSystem& sys, const mesh::Fabric& f, const StyleLayout& lay, Plan& plan)
      : g_(g), m_(g.model()), sys_(sys), lay_(lay), plan_(plan), edge_(f),
        b_(plan, sys.compute, static_cast<double>(g.model().activations.bytes), false, [this](std::uint32_t t) { return edge_(t); }) {
    T_ = g.tokens();
    B_ = T_ / m_.sequence;
    mapped_.resize(g.size());
    find_key_tensors();
    // Experts' sub-grids of each region.
    if (m_.is_moe())
      for (std::size_t r = 0; r < lay_.regions.size(); ++r) expert_grids_.push_back(split_for_experts(lay_.regions[r].grid));
  }

  void run() {
    for (Vtx v = 0; v < g_.size(); ++v) emit(v);
  }

 private:
  const Op& op(Vtx v) const { return g_.op(v); }
  bool core(Vtx v) const {
    const Op& o = op(v);
    return o.attention_core || (o.forward_of >= 0 && op(static_cast<Vtx>(o.forward_of)).attention_core);
  }
  int fwd(Vtx v) const { return op(v).forward_of >= 0 ? op(v).forward_of : static_cast<int>(v); }

  // The non-core producers feeding the attention core as its second operand: keys and values.
  void find_key_tensors() {
    for (Vtx v = 0; v < g_.size(); ++v) {
      const Op& o = op(v);
      if (o.phase != Phase::kForward || o.kind != OpKind::kAttnMatMul) continue;
      auto [e, end] = boost::in_edges(v, g_.ops());
      std::vector<Vtx> in;
      for (; e != end; ++e) in.push_back(boost::source(*e, g_.ops()));
      if (in.size() >= 2 && !core(in[1])) key_.insert(in[1]);
    }
  }
  bool key_like(Vtx u) const { return key_.count(static_cast<Vtx>(fwd(u))) > 0; }

  std::vector<TileGrid> split_for_experts(const TileGrid& g) const {
    const int E = m_.moe.experts;
    std::vector<TileGrid> out(E);
    for (int e = 0; e < E; ++e) {
      TileGrid& s = out[e];
      if (g.pc >= E) {
        const int c0 = static_cast<int>(part_begin(g.pc, E, e)), c1 = static_cast<int>(part_end(g.pc, E, e));
        s.pr = g.pr;
        s.pc = c1 - c0;
        for (int i = 0; i < g.pr; ++i)
          for (int j = c0; j < c1; ++j) s.tiles.push_back(g.at(i, j));
      } else {
        s.pr = s.pc = 1;
        s.tiles = {g.tiles[static_cast<std::size_t>(e) * g.size() / E]};
      }
    }
    return out;
  }

  const TileGrid& grid_of(const Mapped& x) const {
    return x.layout == Layout::kExpert ? expert_grids_[x.region][x.expert] : lay_.regions[x.region].grid;
  }

  HeadUnits units(int region) const {
    const std::size_t tiles = lay_.regions[region].grid.size();
    const std::int64_t bh = B_ * m_.heads;
    const auto want = static_cast<std::int64_t>((tiles + bh - 1) / bh);
    const std::int64_t max_q = std::max<std::int64_t>(1, m_.sequence / sys_.compute.array);
    return HeadUnits{B_, m_.heads, m_.sequence, static_cast<int>(std::clamp<std::int64_t>(want, 1, max_q))};
  }

  std::int64_t rows_of(Vtx u) const { return op(u).kind == OpKind::kMatMul ? op(u).m : T_; }
  std::int64_t width_of(Vtx u) const {
    const Op& o = op(u);
    if (o.kind == OpKind::kMatMul) return o.n;
    return std::max<std::int64_t>(1, static_cast<std::int64_t>(std::llround(o.bytes_written / (static_cast<double>(T_) * m_.activations.bytes))));
  }

  // The pieces a layout holds of (have) or needs from (need) the tensor produced by u.
  std::vector<Piece> pieces(const Mapped& x, Vtx u, bool have, bool key_rows, double& scale) const {
    const int t = static_cast<int>(u);
    if (x.layout == Layout::kGrid) return grid_pieces(grid_of(x), t, rows_of(u), width_of(u), have ? x.out : Deps{});
    if (x.layout == Layout::kExpert) {
      const TileGrid& s = grid_of(x);
      const std::int64_t w = width_of(u);
      scale = static_cast<double>(m_.moe.top_k) / (static_cast<double>(m_.moe.experts) * s.pr);
      std::vector<Piece> out;
      for (std::size_t p = 0; p < s.size(); ++p) {
        const int j = static_cast<int>(p % s.pc);
        out.push_back({s.tiles[p], Slice{t, 0, T_, part_begin(w, s.pc, j), part_end(w, s.pc, j)}, have ? x.out[p] : std::vector<std::uint32_t>{}});
      }
      return out;
    }
    const HeadUnits hu = units(x.region);
    const std::int64_t heads_in = key_rows ? m_.kv_heads : m_.heads;
    std::vector<Piece> out;
    for (std::size_t k = 0; k < hu.count(); ++k)
      out.push_back({hu.tile(k, grid_of(x)), hu.rect(k, t, key_rows, heads_in, m_.head_dim), have ? x.out[k] : std::vector<std::uint32_t>{}});
    return out;
  }

  void emit(Vtx v) {
    const Op& o = op(v);
    Mapped& me = mapped_[v];
    me.region = lay_.region_of_layer[static_cast<std::size_t>(o.layer + 1)];
    me.layout = core(v) ? Layout::kHead : o.expert >= 0 ? Layout::kExpert : Layout::kGrid;
    me.expert = o.expert;
    if (o.kind == OpKind::kOptimizer && lay_.weights_stream) {
      plan_.offwafer_flops += o.flops;
      return;
    }
    plan_.flops += o.flops;
    region_flops_[me.region] += o.flops;
    if (weight_grad_in_place(v)) {
      emit_weight_grad(v, me);
      return;
    }
    const std::size_t npos = me.layout == Layout::kHead ? units(me.region).count() : grid_of(me).size();
    Deps ready(npos);
    for (auto [e, end] = boost::in_edges(v, g_.ops()); e != end; ++e) {
      const Vtx u = boost::source(*e, g_.ops());
      const Mapped& src = mapped_[u];
      if (src.out.empty()) continue;
      if (src.region == me.region && src.layout == me.layout && src.expert == me.expert) {
        for (std::size_t p = 0; p < npos; ++p) ready[p].insert(ready[p].end(), src.out[p].begin(), src.out[p].end());
        continue;
      }
      // Keys and values (and their gradients) span the whole sequence in the head layout.
      const bool key_rows = (me.layout == Layout::kHead && key_like(u)) ||
                            (src.layout == Layout::kHead && op(u).grad_of_input == 1 && op(u).kind == OpKind::kAttnMatMul);
      double s1 = 1.0, s2 = 1.0;
      auto have = pieces(src, u, true, key_rows, s1);
      auto need = pieces(me, u, false, key_rows, s2);
      const Deps got = b_.redistribute(have, need, std::min(s1, s2), static_cast<int>(v));
      for (std::size_t p = 0; p < npos; ++p) ready[p].insert(ready[p].end(), got[p].begin(), got[p].end());
    }
    if (me.layout == Layout::kHead) {
      emit_head(v, me, ready);
      return;
    }
    const TileGrid& g = grid_of(me);
    if (o.kind == OpKind::kMatMul) {
      const bool weight_operand = o.weighted || (o.grad_of_input == 0 && op(static_cast<Vtx>(fwd(v))).weighted);
      const bool stream = weight_operand && lay_.weights_stream;
      Deps b_ready = weight_operand ? Deps(g.size()) : ready;
      const auto key = std::make_pair(me.region, me.expert);
      if (stream && last_weighted_.count(key)) b_ready = last_weighted_[key];
      if (weight_operand && !lay_.weights_stream) {
        // Forward (and recompute): A is X, kept gathered for dW; dX: A is dY, likewise.
        auto& keep = o.weighted ? gathered_x_ : gathered_dy_;
        me.out = b_.weight_stationary(g, o.m, o.k, o.n, ready, static_cast<int>(v), weight_grid(g, v), &keep[fwd(v)]);
      }
      else
        me.out = b_.summa(g, o.m, o.k, o.n, -1, -1, static_cast<int>(v), ready, b_ready, static_cast<int>(v), stream);
      if (stream) last_weighted_[key] = me.out;
      if (lay_.weights_stream && o.grad_of_input == 1 && op(static_cast<Vtx>(fwd(v))).weighted) {
        // Weight gradients leave for the off-wafer optimizer.
        for (std::size_t p = 0; p < g.size(); ++p) {
          if (me.out[p].empty()) continue;
          const double bytes = static_cast<double>((part_end(o.m, g.pr, static_cast<int>(p / g.pc)) - part_begin(o.m, g.pr, static_cast<int>(p / g.pc))) *
                                                   (part_end(o.n, g.pc, static_cast<int>(p % g.pc)) - part_begin(o.n, g.pc, static_cast<int>(p % g.pc)))) *
                               m_.gradients.bytes;
          me.out[p] = {b_.store(g.tiles[p], bytes, me.out[p], static_cast<int>(v))};
        }
      }
      return;
    }
    me.out = b_.elementwise(g, T_, o.flops, o.row_reduction, ready, static_cast<int>(v));
  }

  // The weight grid of a resident weight: its shape is chosen for the forward matmul's K x N, and
  // the dX of that matmul uses it transposed.
  PlanBuilder::WeightGrid weight_grid(const TileGrid& g, Vtx v) const {
    const Op& f = op(static_cast<Vtx>(fwd(v)));
    PlanBuilder::WeightGrid w;
    w.rows = weight_grid_rows(g.size(), f.k, f.n);
    w.cols = static_cast<int>(g.size()) / w.rows;
    w.transposed = !op(v).weighted;
    return w;
  }

  // dW = X^T dY of a resident weight is computed where the weight lies, from the X its forward
  // gathered and the dY its dX gathered there: no traffic of its own.
  bool weight_grad_in_place(Vtx v) const {
    const Op& o = op(v);
    if (o.kind != OpKind::kMatMul || o.grad_of_input != 1 || lay_.weights_stream || mapped_[v].layout != Layout::kGrid) return false;
    const int f = fwd(v);
    return op(static_cast<Vtx>(f)).weighted && gathered_x_.count(f) && gathered_dy_.count(f);
  }

  void emit_weight_grad(Vtx v, Mapped& me) {
    const Op& o = op(v);  // [K x M] x [M x N]: m = forward k, k = tokens, n = forward n
    const TileGrid& g = grid_of(me);
    PlanBuilder::WeightGrid w = weight_grid(g, v);
    w.transposed = false;
    const Deps& x = gathered_x_.at(fwd(v));
    const Deps& dy = gathered_dy_.at(fwd(v));
    me.out.assign(g.size(), {});
    for (std::size_t q = 0; q < g.size(); ++q) {
      const int i = static_cast<int>(q) / w.cols, j = static_cast<int>(q) % w.cols;
      const std::int64_t kk = part_end(o.m, w.rows, i) - part_begin(o.m, w.rows, i);
      const std::int64_t nn = part_end(o.n, w.cols, j) - part_begin(o.n, w.cols, j);
      if (kk <= 0 || nn <= 0) continue;
      std::vector<std::uint32_t> after = x[q];
      after.insert(after.end(), dy[q].begin(), dy[q].end());
      me.out[q] = {b_.task(g.tiles[q], b_.tile().matmul_cycles(kk, o.k, nn), after, static_cast<int>(v))};
    }
  }

  void emit_head(Vtx v, Mapped& me, const Deps& ready) {
    const Op& o = op(v);
    const HeadUnits hu = units(me.region);
    const TileGrid& g = grid_of(me);
    me.out.assign(hu.count(), {});
    const std::int64_t q = hu.query_blocks;
    std::uint64_t cycles;
    if (o.kind == OpKind::kAttnMatMul)
      cycles = o.grad_of_input == 1 ? b_.tile().matmul_cycles(o.m, (o.k + q - 1) / q, o.n) : b_.tile().matmul_cycles((o.m + q - 1) / q, o.k, o.n);
    else
      cycles = b_.tile().vector_cycles(o.flops / static_cast<double>(hu.count()));
    for (std::size_t u = 0; u < hu.count(); ++u) me.out[u] = {b_.task(hu.tile(u, g), cycles, ready[u], static_cast<int>(v))};
  }

  const Graph& g_;
  const ModelSpec& m_;
  const WaferSystem& sys_;
  const StyleLayout& lay_;
  Plan& plan_;
  Edge edge_;
  PlanBuilder b_;
  std::int64_t T_ = 0, B_ = 1;
  std::vector<Mapped> mapped_;
  std::set<Vtx> key_;
  std::vector<std::vector<TileGrid>> expert_grids_;
  std::map<std::pair<int, int>, Deps> last_weighted_;
  std::map<int, Deps> gathered_x_, gathered_dy_;  // per forward weighted matmul: its gathered A per weight position
  std::map<int, double> region_flops_;

 public:
  const std::map<int, double>& region_flops() const { return region_flops_; }
};

double kept_activation_bytes(const Graph& g, int layer, Recompute r) {
  const ModelSpec& m = g.model();
  if (m.mode != Mode::kTraining) return 0;
  if (r == Recompute::kFull && layer >= 0) return static_cast<double>(g.tokens() * m.d_model) * m.activations.bytes;
  double s = 0;
  for (std::size_t v = 0; v < g.size(); ++v) {
    const Op& o = g.op(v);
    if (o.phase != Phase::kForward || o.layer != layer) continue;
    if (r == Recompute::kSelective && o.attention_core) continue;
    s += o.bytes_written;
  }
  return s;
}

}  // namespace

int useful_grid_rows(const Graph& g, const TileComputeSpec& t) {
  return static_cast<int>(std::max<std::int64_t>(1, (g.tokens() + t.array - 1) / t.array));
}

int useful_grid_cols(std::int64_t width, const TileComputeSpec& t) {
  return static_cast<int>(std::max<std::int64_t>(1, (width + t.array - 1) / t.array));
}

MemoryFit memory_fit(const Graph& g, const WaferSystem& sys, const StyleLayout& layout, Recompute recompute) {
  const ModelSpec& m = g.model();
  const bool training = m.mode == Mode::kTraining;
  const double state_per_param = m.weights.bytes + (training ? m.gradients.bytes + 2.0 * m.optimizer.bytes : 0.0);
  std::vector<double> resident(layout.regions.size(), 0.0);
  double total_params = 0, biggest_weight = 0;
  for (std::size_t v = 0; v < g.size(); ++v) {
    const Op& o = g.op(v);
    if (o.phase != Phase::kForward) continue;
    total_params += static_cast<double>(o.params);
    biggest_weight = std::max(biggest_weight, static_cast<double>(o.params) * m.weights.bytes);
    const int r = layout.region_of_layer[static_cast<std::size_t>(o.layer + 1)];
    if (!layout.weights_stream) resident[r] += static_cast<double>(o.params) * state_per_param;
  }
  for (int l = -1; l < m.layers; ++l) resident[layout.region_of_layer[static_cast<std::size_t>(l + 1)]] += kept_activation_bytes(g, l, recompute);
  MemoryFit fit;
  double used_tiles = 0, sum = 0;
  for (std::size_t r = 0; r < layout.regions.size(); ++r) {
    const double tiles = static_cast<double>(std::max<std::size_t>(1, layout.regions[r].grid.size()));
    // Streaming: two weight blocks in flight (double buffering) on top of the activations.
    const double per_tile = (resident[r] + (layout.weights_stream ? 2.0 * biggest_weight : 0.0)) / tiles;
    fit.sram_max_bytes = std::max(fit.sram_max_bytes, per_tile);
    sum += per_tile * tiles;
    used_tiles += tiles;
  }
  fit.sram_mean_bytes = sum / used_tiles;
  if (layout.weights_stream) fit.external_bytes = total_params * state_per_param;
  if (fit.sram_max_bytes > sys.compute.sram_bytes()) {
    fit.fits = false;
    fit.why_not = fmt::format("needs {:.3g} MiB of SRAM on its busiest tile, has {:.3g} MiB", fit.sram_max_bytes / 1048576.0,
                              sys.compute.sram_bytes() / 1048576.0);
  } else if (fit.external_bytes > sys.io.memory_gb * 1e9) {
    fit.fits = false;
    fit.why_not = fmt::format("needs {:.3g} GB of off-wafer memory for weights and optimizer state, has {:.3g} GB", fit.external_bytes / 1e9,
                              sys.io.memory_gb);
  }
  return fit;
}

Plan map_model(const Graph& g, const WaferSystem& sys, const mesh::Fabric& fabric, const MapOptions& options) {
  const auto& reg = MappingStyleRegistry::instance();
  std::vector<std::string> tries;
  if (options.style == "auto") tries = {"layer_pipelined", "weight_streaming"};
  else if (reg.find(options.style)) tries = {options.style};
  else throw InputError(reg.unknown(options.style, "mapping style"));
  std::string reasons;
  for (const std::string& name : tries) {
    StyleLayout lay = reg.find(name)->layout(g, sys, fabric, false);
    MemoryFit fit = memory_fit(g, sys, lay, options.recompute);
    if (!fit.fits) {
      lay = reg.find(name)->layout(g, sys, fabric, true);
      fit = memory_fit(g, sys, lay, options.recompute);
    }
    if (!fit.fits) {
      reasons += fmt::format("{}{}: {}", reasons.empty() ? "" : "; ", name, fit.why_not);
      continue;
    }
    Plan plan;
    plan.model = g.model().name;
    plan.system = sys.mesh.name;
    plan.style = name;
    plan.regions = lay.regions;
    plan.weights_stream = lay.weights_stream;
    plan.sram_max_bytes = fit.sram_max_bytes;
    plan.sram_mean_bytes = fit.sram_mean_bytes;
    plan.external_memory_bytes = fit.external_bytes;
    Emitter e(g, sys, fabric, lay, plan);
    e.run();
    for (auto [r, f] : e.region_flops()) plan.regions[static_cast<std::size_t>(r)].flops = f;
    return plan;
  }
  throw InputError(fmt::format("model '{}' ({:.4g} B parameters) does not fit system '{}' in any mapping style: {}", g.model().name,
                               static_cast<double>(g.model().total_params()) / 1e9, sys.mesh.name, reasons));
}

}  // namespace wafersim::compiler
