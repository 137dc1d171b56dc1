#include "compiler/mapper.hpp"

#include "mesh/fabric_metrics.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cctype>
#include <cmath>
#include <map>
#include <set>
#include <stdexcept>
#include <tuple>

#include "compiler/attention_mapping.hpp"
#include "compiler/key_ring.hpp"
#include "compiler/moe_mapping.hpp"
#include "compiler/moe_routing.hpp"
#include "compiler/layouts.hpp"
#include "compiler/matmul_mapping.hpp"
#include "compiler/plan_builder.hpp"
#include "core/input_error.hpp"
#include "mesh/fabric_metrics.hpp"

namespace wafersim::compiler {
namespace {

using Vtx = std::size_t;

enum class Layout { kGrid, kHead, kExpert };

struct Mapped {
  Layout layout = Layout::kGrid;
  int region = 0, expert = -1;
  Deps out;  // per position of its layout; empty: not mapped on the wafer
  // Head-layout ops of an attention mapping that streams keys: per step of key blocks, per unit,
  // what that step's output waits for (empty for ops that sum over the keys: only `out` is whole).
  std::vector<Deps> steps;
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
  Emitter(const Graph& g, const WaferSystem& sys, const mesh::Fabric& f, const StyleLayout& lay, const MemoryFit& fit, const MapOptions& mo,
          Plan& plan)
      : g_(g), m_(g.model()), sys_(sys), lay_(lay), fit_(fit), mo_(mo), plan_(plan), edge_(f),
        b_(plan, sys.compute, static_cast<double>(g.model().activations.bytes), false, [this](std::uint32_t t) { return edge_(t); }) {
    T_ = g.tokens();
    B_ = T_ / m_.sequence;
    mapped_.resize(g.size());
    find_key_tensors();
    attn_ = AttentionMappingRegistry::instance().find(mo_.attention_mapping);
    if (!attn_) throw std::logic_error("Emitter: attention mapping '" + mo_.attention_mapping + "' is not resolved");
    plan_.attention_mapping = attn_->name;
    check_attention_sram();
    // Experts' groups of tiles in each region, where the MoE mapping gives them their own.
    if (m_.is_moe()) {
      const MoeMappingEntry* moe = MoeMappingRegistry::instance().find(mo_.moe_mapping);
      if (!moe) throw std::logic_error("Emitter: MoE mapping '" + mo_.moe_mapping + "' is not resolved");
      plan_.moe_mapping = moe->name;
      load_ = moe_load(m_.moe, static_cast<double>(T_));
      if (moe->expert_groups)
        for (std::size_t r = 0; r < lay_.regions.size(); ++r) expert_grids_.push_back(moe->expert_groups(lay_.regions[r].grid, m_.moe.experts));
    }
  }

  // The graph once per micro-batch in flight (MapOptions::micro_batches_in_flight), each copy
  // with its own dataflow on the same tiles, so that one's communication overlaps another's
  // compute. The optimizer runs once, after every copy's weight gradients.
  void run() {
    const int n = std::max(1, mo_.micro_batches_in_flight);
    for (int c = 0; c < n; ++c) {
      mapped_.assign(g_.size(), Mapped{});
      gathered_x_.clear();
      gathered_dy_.clear();
      dispatched_.clear();
      for (Vtx v = 0; v < g_.size(); ++v)
        if (op(v).kind != OpKind::kOptimizer || c + 1 == n) emit(v);
      flush_heads();
      earlier_.push_back(std::move(mapped_));
    }
    mapped_ = std::move(earlier_.back());
    earlier_.pop_back();
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
      // Each of the group's rows gets an even share of the token slots the router sends the expert.
      scale = load_.processed[static_cast<std::size_t>(x.expert)] / (static_cast<double>(T_) * s.pr);
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
    me.layout = core(v) ? Layout::kHead : o.expert >= 0 && !expert_grids_.empty() ? Layout::kExpert : Layout::kGrid;
    me.expert = o.expert;
    // Streamed attention: consecutive head-layout ops are emitted together, step by step.
    const bool stream_head = me.layout == Layout::kHead && attn_->streams_keys;
    if (!pending_.empty() && (!stream_head || me.region != pending_region_ || reads_pending_sum(v))) flush_heads();
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
    PendingHead ph;
    ph.v = v;
    for (auto [e, end] = boost::in_edges(v, g_.ops()); e != end; ++e) {
      const Vtx u = boost::source(*e, g_.ops());
      const Mapped& src = mapped_[u];
      // The optimizer also waits for the earlier micro-batches' weight gradients (same layout).
      if (o.kind == OpKind::kOptimizer)
        for (const auto& copy : earlier_)
          if (copy[u].layout == me.layout && copy[u].region == me.region && copy[u].expert == me.expert && !copy[u].out.empty())
            for (std::size_t p = 0; p < npos; ++p) ready[p].insert(ready[p].end(), copy[u].out[p].begin(), copy[u].out[p].end());
      if (stream_head && src.region == me.region && src.layout == Layout::kHead &&
          (pending_set_.count(u) || src.steps.size() == head_steps(me.region))) {
        ph.per_step.push_back(u);  // step t waits for the producer's step t
        continue;
      }
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
      if (stream_head && key_rows && me.layout == Layout::kHead && !ph.streams) {
        // Streamed: each unit gets its own block; the rest comes around the ring in flush_heads().
        const HeadUnits hu = units(me.region);
        std::vector<Piece> own;
        for (std::size_t k = 0; k < hu.count(); ++k) {
          own.push_back({hu.tile(k, grid_of(me)), hu.rect(k, static_cast<int>(u), false, m_.kv_heads, m_.head_dim), {}});
          ph.blocks.push_back(own.back().rect);
        }
        ph.own = b_.redistribute(have, own, 1.0, static_cast<int>(v));
        ph.streams = true;
        continue;
      }
      // Keys and values reach a head's units around its ring; their gradients leave the same way.
      // A tensor goes to an expert's group once, whichever of the expert's ops reads it first.
      const auto dispatch = std::make_tuple(u, me.region, me.expert);
      const bool to_group = me.layout == Layout::kExpert;
      if (to_group && dispatched_.count(dispatch)) {
        const Deps& got = dispatched_.at(dispatch);
        for (std::size_t p = 0; p < npos; ++p) ready[p].insert(ready[p].end(), got[p].begin(), got[p].end());
        continue;
      }
      const Deps got = key_rows && me.layout == Layout::kHead   ? gather_keys(have, me, u, v)
                       : key_rows && src.layout == Layout::kHead ? reduce_keys(src, need, u, v)
                                                                 : b_.redistribute(have, need, std::min(s1, s2), static_cast<int>(v));
      if (to_group) dispatched_[dispatch] = got;
      for (std::size_t p = 0; p < npos; ++p) ready[p].insert(ready[p].end(), got[p].begin(), got[p].end());
    }
    if (stream_head) {
      ph.ready = std::move(ready);
      pending_region_ = me.region;
      pending_set_.insert(v);
      pending_.push_back(std::move(ph));
      return;
    }
    if (me.layout == Layout::kHead) {
      emit_head(v, me, ready);
      return;
    }
    const TileGrid& g = grid_of(me);
    if (o.kind == OpKind::kMatMul) {
      const MatmulRole role = role_of(v);
      const bool weight_operand = role == MatmulRole::kForward || role == MatmulRole::kInputGrad;
      const bool stream = weight_operand && lay_.weights_stream;
      Deps b_ready = weight_operand ? Deps(g.size()) : ready;
      const auto key = std::make_pair(me.region, me.layout == Layout::kExpert ? me.expert : -1);  // one weight stream per grid
      if (stream && last_weighted_.count(key)) b_ready = last_weighted_[key];
      const MatmulMappingEntry& entry = mapping_of(v, me);
      // A resident weight that the mapping moves (Cannon's shifts of W, and of W^T for dX) is used
      // by one matmul at a time (a forward and its recomputation, the micro-batches in flight):
      // each waits, position by position, until the previous use is done with it.
      const bool shared_weight = weight_operand && !stream && entry.moves_resident_weight;
      const auto weight_copy = std::make_pair(fwd(v), role == MatmulRole::kInputGrad);
      if (shared_weight && weight_free_.count(weight_copy)) b_ready = weight_free_.at(weight_copy);
      // Forward (and recompute): A is X, kept gathered for dW; dX: A is dY, likewise.
      Deps* keep = entry.weight_grad_in_place && weight_operand ? &(o.weighted ? gathered_x_ : gathered_dy_)[fwd(v)] : nullptr;
      MatmulCall call{b_, g, o.m, o.k, o.n, role, weight_operand ? weight_b() : MatmulB::kActivation, ready, b_ready, static_cast<int>(v),
                      weight_grid(g, v), keep};
      call.link_bytes_per_cycle = sys_.channels.flit_bytes;
      call.buffer_bytes = buffer_budget(me.region);
      call.buffer_bytes_used = &region_buffers_[me.region];
      if (shared_weight) call.weight_free = &weight_free_[weight_copy];
      me.out = entry.emit(call);
      if (stream) last_weighted_[key] = me.out;
      if (lay_.weights_stream && role == MatmulRole::kWeightGrad) {
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

  MatmulRole role_of(Vtx v) const {
    const Op& o = op(v);
    if (o.weighted) return MatmulRole::kForward;  // and its recomputation
    if (!op(static_cast<Vtx>(fwd(v))).weighted) return MatmulRole::kActivations;
    return o.grad_of_input == 1 ? MatmulRole::kWeightGrad : MatmulRole::kInputGrad;
  }
  MatmulB weight_b() const { return lay_.weights_stream ? MatmulB::kStreamed : MatmulB::kResident; }

  // The weight grid of a resident weight: its shape is chosen for the forward matmul's K x N, and
  // the dX of that matmul uses it transposed.
  PlanBuilder::WeightGrid weight_grid(const TileGrid& g, Vtx v) const {
    const Op& f = op(static_cast<Vtx>(fwd(v)));
    PlanBuilder::WeightGrid w;
    w.rows = weight_grid_rows(g.size(), f.k, f.n);
    w.cols = static_cast<int>(g.size()) / w.rows;
    w.transposed = role_of(v) == MatmulRole::kInputGrad;
    return w;
  }

  // dW = X^T dY of a weight whose mapping computes it in place, from the X its forward gathered
  // and the dY its dX gathered there: no traffic of its own.
  bool weight_grad_in_place(Vtx v) {
    const Op& o = op(v);
    if (o.kind != OpKind::kMatMul || role_of(v) != MatmulRole::kWeightGrad || mapped_[v].layout != Layout::kGrid) return false;
    const int f = fwd(v);
    return mapping_of(v, mapped_[v]).weight_grad_in_place && gathered_x_.count(f) && gathered_dy_.count(f);
  }

  void emit_weight_grad(Vtx v, Mapped& me) {
    const Op& o = op(v);
    const TileGrid& g = grid_of(me);
    const Deps none;
    MatmulCall call{b_, g, o.m, o.k, o.n, MatmulRole::kWeightGrad, MatmulB::kActivation, none, none, static_cast<int>(v), weight_grid(g, v)};
    call.gathered_x = &gathered_x_.at(fwd(v));
    call.gathered_dy = &gathered_dy_.at(fwd(v));
    call.link_bytes_per_cycle = sys_.channels.flit_bytes;
    call.buffer_bytes = buffer_budget(me.region);
    call.buffer_bytes_used = &region_buffers_[me.region];
    me.out = mapping_of(v, me).emit(call);
  }

  // The matmul mapping of v's weight (or of v, a matmul of two activations): asked for by name,
  // by default or by an override (auto is resolved in map_model(), one whole plan per mapping);
  // with matmul_fallback, the first usable mapping where the asked one cannot do this weight.
  const MatmulMappingEntry& mapping_of(Vtx v, const Mapped& me) {
    const int f = role_of(v) == MatmulRole::kActivations ? static_cast<int>(v) : fwd(v);
    if (auto it = choice_.find(f); it != choice_.end()) return *it->second;
    const auto& reg = MatmulMappingRegistry::instance();
    const Op& fo = op(static_cast<Vtx>(f));
    const MatmulB b = role_of(v) == MatmulRole::kActivations ? MatmulB::kActivation : weight_b();
    const TileGrid& g = grid_of(me);
    std::string asked = mo_.matmul_mapping;
    const std::string short_name = fo.name.substr(fo.name.find('.') == std::string::npos ? 0 : fo.name.find('.') + 1);
    for (const auto& [name, mapping] : mo_.matmul_overrides)
      if (name == fo.name || name == short_name) asked = mapping;
    const bool is_default = asked == mo_.matmul_mapping;
    Plan::MatmulChoice choice{fo.name, "", ""};
    const MatmulMappingEntry* pick = reg.find(asked);
    if (!pick) throw InputError(reg.unknown(asked, "matmul mapping"));
    std::string why = pick->unusable(g, b);
    if (why.empty()) why = sram_short(*pick, fo, me.region, b);
    if (!why.empty()) {
      if (!(is_default && mo_.matmul_fallback))
        throw InputError(fmt::format("matmul mapping '{}' cannot do {} on a {} x {} grid: {}", asked, fo.name, g.pr, g.pc, why));
      pick = nullptr;
      for (const std::string& name : reg.names()) {
        const MatmulMappingEntry& e = *reg.find(name);
        if (e.unusable(g, b).empty() && sram_short(e, fo, me.region, b).empty()) {
          pick = &e;
          break;
        }
      }
      if (!pick) throw InputError(fmt::format("no matmul mapping can do {} on a {} x {} grid ({}: {})", fo.name, g.pr, g.pc, asked, why));
      choice.note = fmt::format("{} cannot: {}", asked, why);
    }
    choice.mapping = pick->name;
    if (role_of(v) != MatmulRole::kActivations && b == MatmulB::kResident && pick->extra_weight_copies > 0)
      region_extra_[me.region] += extra_bytes(*pick, fo, me.region);
    plan_.matmul_choices.push_back(std::move(choice));
    choice_[f] = pick;
    return *pick;
  }

  double extra_bytes(const MatmulMappingEntry& e, const Op& fo, int region) const {
    return e.extra_weight_copies * static_cast<double>(fo.params) * m_.weights.bytes /
           static_cast<double>(std::max<std::size_t>(1, lay_.regions[static_cast<std::size_t>(region)].grid.size()));
  }
  // Why e's extra weight copies do not fit in the region's SRAM (empty: they do).
  std::string sram_short(const MatmulMappingEntry& e, const Op& fo, int region, MatmulB b) const {
    if (b != MatmulB::kResident || e.extra_weight_copies <= 0 || fit_.region_sram_bytes.empty()) return {};
    const double used = fit_.region_sram_bytes[static_cast<std::size_t>(region)] + region_extra(region) + extra_bytes(e, fo, region);
    if (used <= sys_.compute.sram_bytes()) return {};
    return fmt::format("its extra copy of each weight needs {:.3g} MiB of SRAM per tile of region {}, which has {:.3g} MiB", used / 1048576.0,
                       lay_.regions[static_cast<std::size_t>(region)].name, sys_.compute.sram_bytes() / 1048576.0);
  }
  // SRAM per tile of a region left for operand buffers: what its state leaves, less, for every
  // weight in it, the largest extra copy any matmul mapping keeps (the mappings of later weights
  // are not chosen yet when an earlier matmul is emitted).
  double buffer_budget(int region) {
    if (fit_.region_sram_bytes.empty()) return 0;
    if (auto it = buffer_budget_.find(region); it != buffer_budget_.end()) return it->second;
    double most = 0;
    const auto& reg = MatmulMappingRegistry::instance();
    for (const std::string& n : reg.names()) most = std::max(most, reg.find(n)->extra_weight_copies);
    double extra = 0;
    for (std::size_t v = 0; v < g_.size(); ++v) {
      const Op& o = g_.op(v);
      if (o.kind == OpKind::kMatMul && o.weighted && o.phase == Phase::kForward &&
          lay_.region_of_layer[static_cast<std::size_t>(o.layer + 1)] == region)
        extra += most * static_cast<double>(o.params) * m_.weights.bytes /
                 static_cast<double>(std::max<std::size_t>(1, lay_.regions[static_cast<std::size_t>(region)].grid.size()));
    }
    const double left = sys_.compute.sram_bytes() - fit_.region_sram_bytes[static_cast<std::size_t>(region)] - extra;
    return buffer_budget_[region] = std::max(0.0, left);
  }
  double region_extra(int region) const {
    auto it = region_extra_.find(region);
    return it == region_extra_.end() ? 0.0 : it->second;
  }

  // The query blocks of each (sequence, head) as a ring: member q is unit group * Q + q.
  // The query-block units of each (sequence, head) as a ring, in unit order: neighbours are next
  // to each other on the grid, and one link runs back across the group. (Folded, with neighbours
  // two units apart and no link back, the GPT-4 layer's key-gradient reduce-scatter took 55 us
  // in the cost model instead of 43: every step's messages go twice as far.)
  // f(units in ring order, their tiles, the bytes of each one's block of keys).
  template <typename F>
  void for_each_head_ring(const Mapped& x, F&& f) const {
    const HeadUnits hu = units(x.region);
    const int Q = hu.query_blocks;
    for (std::size_t group = 0; group < hu.count() / static_cast<std::size_t>(Q); ++group) {
      std::vector<std::size_t> members;
      std::vector<std::uint32_t> tiles;
      std::vector<double> bytes;
      for (int r = 0; r < Q; ++r) {
        const std::size_t u = group * static_cast<std::size_t>(Q) + static_cast<std::size_t>(r);
        members.push_back(u);
        tiles.push_back(hu.tile(u, grid_of(x)));
        bytes.push_back(static_cast<double>(hu.rect(u, 0, false, m_.kv_heads, m_.head_dim).rows() * m_.head_dim) *
                        static_cast<double>(m_.activations.bytes));
      }
      f(members, tiles, bytes);
    }
  }

  // Keys or values (tensor u) into the head layout: each unit gets its own query block's rows,
  // then multicasts them to the other units of its head (PlanBuilder::multicast_allgather).
  Deps gather_keys(const std::vector<Piece>& have, const Mapped& me, Vtx u, Vtx v) {
    const HeadUnits hu = units(me.region);
    std::vector<Piece> own;
    for (std::size_t k = 0; k < hu.count(); ++k)
      own.push_back({hu.tile(k, grid_of(me)), hu.rect(k, static_cast<int>(u), false, m_.kv_heads, m_.head_dim), {}});
    const Deps got = b_.redistribute(have, own, 1.0, static_cast<int>(v));
    Deps out(hu.count());
    for_each_head_ring(me, [&](const std::vector<std::size_t>& members, const std::vector<std::uint32_t>& tiles, const std::vector<double>&) {
      Deps mine;
      std::vector<Slice> blocks;
      for (const std::size_t k : members) mine.push_back(got[k]), blocks.push_back(own[k].rect);
      const Deps all = b_.multicast_allgather(tiles, blocks, mine, static_cast<int>(v));
      for (std::size_t q = 0; q < members.size(); ++q) out[members[q]] = all[q];
    });
    return out;
  }

  // Gradients of keys or values (tensor u, a partial over every row on each unit of a head) out
  // of the head layout: reduce-scattered around the head's ring, then each block to `need`.
  Deps reduce_keys(const Mapped& src, const std::vector<Piece>& need, Vtx u, Vtx v) {
    std::vector<Piece> summed;
    const HeadUnits hu = units(src.region);
    for_each_head_ring(src, [&](const std::vector<std::size_t>& members, const std::vector<std::uint32_t>& tiles, const std::vector<double>& bytes) {
      Deps partial;
      for (const std::size_t k : members) partial.push_back(src.out[k]);
      const Deps done = b_.ring_reduce_scatter(tiles, bytes, partial, static_cast<int>(v));
      for (std::size_t q = 0; q < tiles.size(); ++q)
        summed.push_back({tiles[q], hu.rect(members[(q + 1) % tiles.size()], static_cast<int>(u), false, m_.kv_heads, m_.head_dim), done[q]});
    });
    return b_.redistribute(summed, need, 1.0, static_cast<int>(v));
  }

  // Streamed attention (AttentionMappingEntry::streams_keys): the head-layout ops waiting in
  // pending_, emitted together step by step: at step t every op's tasks of step t on each unit
  // (the key blocks of that step, compiler/key_ring.hpp), the first op's waiting for the last
  // one's step t - 2, so that a unit works on two steps' blocks at most.
  struct PendingHead {
    Vtx v = 0;
    Deps ready;                  // per unit: for every step
    std::vector<Vtx> per_step;   // head-layout producers whose step t the op's step t waits for
    bool streams = false;        // reads a key-like tensor that comes around the head's ring
    std::vector<Slice> blocks;   // per unit: its own block of that tensor
    Deps own;                    // per unit: when it holds it
  };

  // Ops that sum over the keys (the context, dQ): their output is whole only after the last step.
  bool sums_keys(Vtx v) const { return op(v).kind == OpKind::kAttnMatMul && op(v).key_dim == Op::Dim::kK; }
  bool reads_pending_sum(Vtx v) const {
    for (auto [e, end] = boost::in_edges(v, g_.ops()); e != end; ++e)
      if (const Vtx u = boost::source(*e, g_.ops()); pending_set_.count(u) && sums_keys(u)) return true;
    return false;
  }

  // Key blocks per step (w) of a region's streamed attention, and its number of steps.
  int head_w(int region) const {
    auto it = head_w_.find(region);
    return it == head_w_.end() ? 1 : it->second;
  }
  std::size_t head_steps(int region) const {
    if (!attn_->streams_keys) return 1;
    const auto q = static_cast<std::size_t>(units(region).query_blocks), w = static_cast<std::size_t>(head_w(region));
    return (q + w - 1) / w;
  }

  // A unit's rows of keys in one block: its query block's.
  std::int64_t block_rows(const HeadUnits& hu, std::size_t unit) const { return hu.rect(unit, 0, false, m_.kv_heads, m_.head_dim).rows(); }

  // Cycles of op v's task over `keys` keys on one unit (the first step: t0).
  std::uint64_t step_cycles(Vtx v, const HeadUnits& hu, std::int64_t keys, bool t0) const {
    const Op& o = op(v);
    const std::int64_t q = hu.query_blocks;
    if (o.kind != OpKind::kAttnMatMul)
      return b_.tile().vector_cycles(o.flops / static_cast<double>(hu.count()) * static_cast<double>(keys) / static_cast<double>(m_.sequence));
    std::int64_t m = o.m, k = o.k, n = o.n;
    (o.grad_of_input == 1 ? k : m) = ((o.grad_of_input == 1 ? k : m) + q - 1) / q;  // the unit's queries
    if (o.key_dim == Op::Dim::kM) m = keys;
    if (o.key_dim == Op::Dim::kK) k = keys;
    if (o.key_dim == Op::Dim::kN) n = keys;
    std::uint64_t cycles = b_.tile().matmul_cycles(m, k, n);
    // The forward context's online softmax rescales the output rows when a block raises a row's maximum.
    if (o.key_dim == Op::Dim::kK && o.grad_of_input < 0 && !t0) cycles += b_.tile().vector_cycles(2.0 * static_cast<double>(m * n));
    return cycles;
  }

  void flush_heads() {
    if (pending_.empty()) return;
    const int region = pending_region_;
    const HeadUnits hu = units(region);
    const TileGrid& g = lay_.regions[static_cast<std::size_t>(region)].grid;
    const std::size_t Q = static_cast<std::size_t>(hu.query_blocks), groups = hu.count() / Q, G = head_steps(region);
    const int w = head_w(region);
    const std::size_t n_ops = pending_.size();
    std::map<Vtx, std::size_t> index;
    for (std::size_t x = 0; x < n_ops; ++x) index[pending_[x].v] = x;
    // One ring per streaming op and head.
    std::vector<std::vector<KeyRing>> rings(n_ops);
    for (std::size_t x = 0; x < n_ops; ++x) {
      if (!pending_[x].streams) continue;
      for (std::size_t gi = 0; gi < groups; ++gi) {
        std::vector<std::uint32_t> tiles;
        std::vector<Slice> blocks;
        Deps own;
        for (std::size_t q = 0; q < Q; ++q) {
          const std::size_t u = gi * Q + q;
          tiles.push_back(hu.tile(u, g));
          blocks.push_back(pending_[x].blocks[u]);
          own.push_back(pending_[x].own[u]);
        }
        rings[x].emplace_back(b_, std::move(tiles), std::move(blocks), std::move(own), w, static_cast<int>(pending_[x].v));
      }
    }
    // The keys of each step (the same on every unit of a head up to the blocks' rounding).
    auto keys_at = [&](std::size_t u, std::size_t t) {
      const std::size_t gi = u / Q, q = u % Q;
      std::int64_t keys = 0;
      for (std::size_t j = t * static_cast<std::size_t>(w); j < std::min(Q, (t + 1) * static_cast<std::size_t>(w)); ++j)
        keys += block_rows(hu, gi * Q + (q + Q - j % Q) % Q);
      return keys;
    };
    std::vector<std::vector<std::vector<std::uint32_t>>> task(n_ops, std::vector<std::vector<std::uint32_t>>(G, std::vector<std::uint32_t>(hu.count(), kNoItem)));
    for (std::size_t t = 0; t < G; ++t)
      for (std::size_t x = 0; x < n_ops; ++x) {
        const PendingHead& ph = pending_[x];
        Deps at(hu.count());
        if (ph.streams)
          for (std::size_t gi = 0; gi < groups; ++gi) {
            Deps done(Q);
            if (t >= 2)
              for (std::size_t q = 0; q < Q; ++q) done[q] = {task[x][t - 2][gi * Q + q]};
            Deps a = rings[x][gi].arrive(t, done);
            for (std::size_t q = 0; q < Q; ++q) at[gi * Q + q] = std::move(a[q]);
          }
        for (std::size_t u = 0; u < hu.count(); ++u) {
          std::vector<std::uint32_t> after = ph.ready[u];
          after.insert(after.end(), at[u].begin(), at[u].end());
          for (const Vtx p : ph.per_step) {
            if (auto it = index.find(p); it != index.end()) after.push_back(task[it->second][t][u]);
            else after.insert(after.end(), mapped_[p].steps[t][u].begin(), mapped_[p].steps[t][u].end());
          }
          if (sums_keys(ph.v) && t > 0) after.push_back(task[x][t - 1][u]);
          if (x == 0 && t >= 2) after.push_back(task[n_ops - 1][t - 2][u]);
          task[x][t][u] = b_.task(hu.tile(u, g), step_cycles(ph.v, hu, keys_at(u, t), t == 0), std::move(after), static_cast<int>(ph.v));
        }
      }
    for (std::size_t x = 0; x < n_ops; ++x) {
      Mapped& me = mapped_[pending_[x].v];
      me.out.assign(hu.count(), {});
      me.steps.clear();
      if (sums_keys(pending_[x].v)) {
        for (std::size_t u = 0; u < hu.count(); ++u) me.out[u] = {task[x][G - 1][u]};
        continue;
      }
      me.steps.assign(G, Deps(hu.count()));
      for (std::size_t t = 0; t < G; ++t)
        for (std::size_t u = 0; u < hu.count(); ++u) {
          me.steps[t][u] = {task[x][t][u]};
          me.out[u].push_back(task[x][t][u]);
        }
    }
    pending_.clear();
    pending_set_.clear();
  }

  // The SRAM each region's attention needs per tile, at the model's real key count
  // (MapOptions::attention_key_scale), and for a streaming entry the blocks per step: w balances
  // the fixed cost of a step's context task (the array's fill and drain over its output tiles plus
  // the task overhead) against the wait for the first w blocks, as Cannon's merged steps do
  // (PlanBuilder::cannon_steps_per_task), within the SRAM its state leaves.
  void check_attention_sram() {
    if (m_.heads <= 0 || fit_.region_sram_bytes.empty()) return;
    for (std::size_t r = 0; r < lay_.regions.size(); ++r) {
      const Region& reg = lay_.regions[r];
      if (std::none_of(reg.layers.begin(), reg.layers.end(), [](int l) { return l >= 0; }) || reg.grid.size() == 0) continue;
      const HeadUnits hu = units(static_cast<int>(r));
      AttentionShape s;
      s.query_rows = s.block_rows = (m_.sequence + hu.query_blocks - 1) / hu.query_blocks;
      s.key_rows = static_cast<std::int64_t>(std::ceil(static_cast<double>(m_.sequence) * std::max(1.0, mo_.attention_key_scale)));
      s.head_dim = m_.head_dim;
      s.element_bytes = static_cast<double>(m_.activations.bytes);
      // Every micro-batch in flight may be in its attention at once.
      const double per_tile = std::ceil(static_cast<double>(hu.count()) / static_cast<double>(reg.grid.size())) *
                              std::max(1, mo_.micro_batches_in_flight);
      // What the resident state leaves (the extra weight copies a matmul mapping may keep are
      // checked against it when the mapping is chosen).
      const double budget = std::max(0.0, sys_.compute.sram_bytes() - fit_.region_sram_bytes[r]);
      int w = 1;
      if (attn_->streams_keys) {
        const TileComputeSpec& t = sys_.compute;
        const double out_tiles = static_cast<double>(((s.query_rows + t.array - 1) / t.array) * ((s.head_dim + t.array - 1) / t.array));
        const double fixed = out_tiles * t.array + t.task_overhead_cycles;
        const double shift = static_cast<double>(s.block_rows * s.head_dim) * s.element_bytes / std::max(1e-9, static_cast<double>(sys_.channels.flit_bytes));
        w = merged_steps(hu.query_blocks, fixed, shift);
        while (w > 1 && attn_->working_set_bytes(s, w) * per_tile > budget) --w;
        head_w_[static_cast<int>(r)] = w;
        plan_.attention_blocks_per_step = std::max(plan_.attention_blocks_per_step, w);
      }
      const double need = attn_->working_set_bytes(s, w) * per_tile;
      if (need > budget)
        throw InputError(fmt::format("attention mapping '{}' needs {:.3g} MiB of SRAM per tile in region {} ({:g} unit(s) of {} query rows per "
                                     "tile, attending over {} keys), and its state leaves {:.3g} MiB",
                                     attn_->name, need / 1048576.0, reg.name, per_tile, s.query_rows, s.key_rows, budget / 1048576.0));
      region_buffers_[static_cast<int>(r)] = std::max(region_buffers_[static_cast<int>(r)], need);
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
  const MemoryFit& fit_;
  const MapOptions& mo_;
  Plan& plan_;
  Edge edge_;
  PlanBuilder b_;
  std::int64_t T_ = 0, B_ = 1;
  std::vector<Mapped> mapped_;
  std::vector<std::vector<Mapped>> earlier_;  // the micro-batches in flight mapped before this one
  // Per resident weight copy a mapping moves ((forward op, W^T for dX)): when its last use is done with it.
  std::map<std::pair<int, bool>, Deps> weight_free_;
  std::set<Vtx> key_;
  std::vector<std::vector<TileGrid>> expert_grids_;  // per region, per expert (empty: experts share the grid)
  MoeLoad load_;
  std::map<std::tuple<Vtx, int, int>, Deps> dispatched_;  // (tensor, region, expert): what its copy in the group waits for
  std::map<std::pair<int, int>, Deps> last_weighted_;
  std::map<int, Deps> gathered_x_, gathered_dy_;  // per forward weighted matmul: its gathered A per weight position
  std::map<int, double> region_flops_;
  std::map<int, const MatmulMappingEntry*> choice_;  // per weight (forward op)
  std::map<int, double> region_extra_;               // extra weight copies, bytes per tile
  std::map<int, double> region_buffers_;             // peak operand buffers beyond the usual, bytes per tile
  std::map<int, double> buffer_budget_;
  const AttentionMappingEntry* attn_ = nullptr;
  std::map<int, int> head_w_;  // per region: key blocks per step of streamed attention
  std::vector<PendingHead> pending_;
  std::set<Vtx> pending_set_;
  int pending_region_ = 0;

 public:
  const std::map<int, double>& region_flops() const { return region_flops_; }
  const std::map<int, double>& region_extra() const { return region_extra_; }
  const std::map<int, double>& region_buffers() const { return region_buffers_; }
  double tiles_used() const {
    double n = 0;
    for (const auto& r : lay_.regions) n += static_cast<double>(r.grid.size());
    return n;
  }
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

StyleLayout whole_fabric_layout(const Graph& g, const WaferSystem& sys, const mesh::Fabric& f, bool spread, bool weights_stream) {
  const ModelSpec& m = g.model();
  StyleLayout lay;
  lay.weights_stream = weights_stream;
  Region r;
  r.name = "wafer";
  r.rows = f.rows();
  r.cols = f.cols();
  r.grid = make_grid(f, 0, 0, f.rows(), f.cols(), spread ? f.rows() : useful_grid_rows(g, sys.compute),
                     spread ? f.cols() : useful_grid_cols(m.d_model, sys.compute));
  for (int l = -1; l < m.layers; ++l) r.layers.push_back(l);
  lay.regions.push_back(std::move(r));
  lay.region_of_layer.assign(static_cast<std::size_t>(m.layers) + 1, 0);
  return lay;
}

MemoryFit memory_fit(const Graph& g, const WaferSystem& sys, const StyleLayout& layout, Recompute recompute, int in_flight) {
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
  for (int l = -1; l < m.layers; ++l)
    resident[layout.region_of_layer[static_cast<std::size_t>(l + 1)]] += std::max(1, in_flight) * kept_activation_bytes(g, l, recompute);
  MemoryFit fit;
  double used_tiles = 0, sum = 0;
  for (std::size_t r = 0; r < layout.regions.size(); ++r) {
    const double tiles = static_cast<double>(std::max<std::size_t>(1, layout.regions[r].grid.size()));
    // Streaming: two weight blocks in flight (double buffering) on top of the activations.
    const double per_tile = (resident[r] + (layout.weights_stream ? 2.0 * biggest_weight : 0.0)) / tiles;
    fit.sram_max_bytes = std::max(fit.sram_max_bytes, per_tile);
    fit.region_sram_bytes.push_back(per_tile);
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

std::vector<std::string> mapping_choice_lines(const Plan& plan) {
  struct Group {
    std::string name, mapping, note;
    int weights = 0;
  };
  std::vector<Group> groups;
  for (const auto& c : plan.matmul_choices) {
    std::string name = c.op.find('.') == std::string::npos ? c.op : c.op.substr(c.op.find('.') + 1);
    // The experts' weights of one role are one line: "moe.e*.up x8".
    if (name.rfind("moe.e", 0) == 0) {
      std::size_t end = 5;
      while (end < name.size() && std::isdigit(static_cast<unsigned char>(name[end]))) ++end;
      if (end > 5 && end < name.size() && name[end] == '.') name = "moe.e*" + name.substr(end);
    }
    auto it = std::find_if(groups.begin(), groups.end(), [&](const Group& g) { return g.name == name && g.mapping == c.mapping; });
    if (it == groups.end()) {
      groups.push_back({name, c.mapping, c.note, 0});
      it = groups.end() - 1;
    }
    ++it->weights;
  }
  // " (auto: a 0.1 ms; b >= 0.2 ms by its bound; c not usable: why)", or nothing.
  auto candidates = [](const std::vector<Plan::MappingCandidate>& tried) {
    std::string s;
    if (tried.empty()) return s;
    s = " (auto:";
    for (const auto& c : tried)
      s += fmt::format(" {} {}{}", c.mapping,
                       c.ps < 0 ? (c.note.rfind("not costed", 0) == 0 ? c.note : "not usable: " + c.note)
                                : fmt::format("{}{:.4g} ms{}", c.bound_only ? ">= " : "", c.ps * 1e-9, c.bound_only ? " by its bound" : ""),
                       &c == &tried.back() ? ")" : ";");
    return s;
  };
  std::vector<std::string> out;
  if (!plan.moe_mapping.empty()) out.push_back("MoE mapping: " + plan.moe_mapping + candidates(plan.moe_auto));
  if (!plan.attention_mapping.empty()) {
    std::string line = "attention mapping: " + plan.attention_mapping;
    if (plan.attention_blocks_per_step > 0) line += fmt::format(" ({} key block{} a step)", plan.attention_blocks_per_step, plan.attention_blocks_per_step == 1 ? "" : "s");
    out.push_back(line + candidates(plan.attention_auto));
  }
  if (groups.empty()) return out;
  std::string head = "matmul mappings";
  if (!plan.matmul_auto.empty()) {
    head += " (auto: the whole plan compiled with each and costed, the fastest kept:";
    for (const auto& c : plan.matmul_auto)
      head += fmt::format(" {} {}{:.4g} ms{}{}", c.mapping, c.bound_only ? ">= " : "", c.ps * 1e-9, c.bound_only ? " by its bound, not costed" : "",
                          &c == &plan.matmul_auto.back() ? ")" : ",");
  }
  out.push_back(head + ":");
  for (const Group& g : groups)
    out.push_back(fmt::format("  {:<20} x{:<4} {}{}", g.name, g.weights, g.mapping, g.note.empty() ? "" : " (" + g.note + ")"));
  return out;
}

void parse_matmul_mappings(const std::vector<std::string>& specs, std::string& default_mapping,
                           std::vector<std::pair<std::string, std::string>>& overrides) {
  for (const std::string& v : specs) {
    const auto eq = v.find('=');
    if (eq == std::string::npos) {
      if (v.empty()) throw InputError("--matmul-mapping: empty value; give NAME or OP=NAME");
      default_mapping = v;
      continue;
    }
    if (eq == 0 || eq + 1 == v.size() || v.find('=', eq + 1) != std::string::npos)
      throw InputError(fmt::format("--matmul-mapping '{}': give NAME or OP=NAME (e.g. attn.q_proj=cannon)", v));
    overrides.emplace_back(v.substr(0, eq), v.substr(eq + 1));
  }
}

namespace {

Plan map_connected(const Graph& g, const WaferSystem& sys, const mesh::Fabric& fabric, const MapOptions& options);

// The options with every family that auto chose in `first` fixed to its choice there: the matmul
// mapping to the one of first's candidates that was costed fastest, the attention mapping to
// first's.
MapOptions as_chosen_in(MapOptions o, const Plan& first) {
  if (o.matmul_mapping == "auto" && !first.matmul_auto.empty()) {
    const Plan::AutoCandidate* w = nullptr;
    for (const auto& c : first.matmul_auto)
      if (!c.bound_only && (!w || c.ps < w->ps)) w = &c;
    if (w) o.matmul_mapping = w->mapping, o.matmul_fallback = true;
  }
  if (o.attention_mapping == "auto" && !first.attention_mapping.empty()) o.attention_mapping = first.attention_mapping;
  return o;
}

// Auto for a layer-mapping family (attention, MoE): the plan compiled with each entry in its
// auto_order (options.*field set to its name), the first with the other families as asked, the
// rest with what the first chose (as_chosen_in), each costed with cost_ps (bound_ps prunes) and
// the fastest kept; without cost_ps, the first that maps. An entry that cannot map (InputError:
// it does not fit) is left out and noted. The kept plan lists the candidates in `tried`, and keeps
// the first's auto lists of the other families.
template <typename Entry>
Plan auto_layer_mapping(const Registry<Entry>& reg, std::string MapOptions::*field, std::vector<Plan::MappingCandidate> Plan::*tried_out,
                        const Graph& g, const WaferSystem& sys, const mesh::Fabric& fabric, const MapOptions& options) {
  std::vector<std::pair<int, std::string>> ordered;
  for (const std::string& name : reg.names())
    if (reg.find(name)->auto_order > 0) ordered.emplace_back(reg.find(name)->auto_order, name);
  std::sort(ordered.begin(), ordered.end());
  Plan best, first;
  double best_ps = -1;
  bool have_first = false;
  MapOptions follow = options;
  std::vector<Plan::MappingCandidate> tried;
  std::string first_error;
  for (const auto& [order, name] : ordered) {
    MapOptions o = follow;
    o.*field = name;
    Plan p;
    try {
      p = map_connected(g, sys, fabric, o);
    } catch (const InputError& e) {
      tried.push_back({name, -1, false, e.what()});
      if (first_error.empty()) first_error = e.what();
      continue;
    }
    if (!have_first) {
      follow = as_chosen_in(options, p);
      first.matmul_auto = p.matmul_auto, first.attention_auto = p.attention_auto, first.moe_auto = p.moe_auto;
      have_first = true;
    }
    if (!options.cost_ps) {  // no cost model: the first that maps
      tried.push_back({name, -1, false, "not costed (no cost model)"});
      best = std::move(p), best_ps = 0;
      break;
    }
    if (best_ps >= 0 && options.bound_ps) {
      const double bound = options.bound_ps(p.workload);
      if (bound >= best_ps) {
        tried.push_back({name, bound, true, {}});
        continue;
      }
    }
    const double ps = options.cost_ps(p.workload);
    tried.push_back({name, ps, false, {}});
    if (best_ps < 0 || ps < best_ps) best_ps = ps, best = std::move(p);
  }
  if (best_ps < 0) throw InputError(first_error);
  if (best.matmul_auto.empty()) best.matmul_auto = first.matmul_auto;
  if (best.attention_auto.empty()) best.attention_auto = first.attention_auto;
  if (best.moe_auto.empty()) best.moe_auto = first.moe_auto;
  if (tried.size() > 1) best.*tried_out = std::move(tried);
  return best;
}

// map_model on a fabric whose endpoints are all in one connected piece.
Plan map_connected(const Graph& g, const WaferSystem& sys, const mesh::Fabric& fabric, const MapOptions& options) {
  const auto& moe = MoeMappingRegistry::instance();
  if (options.moe_mapping != "auto") {
    if (!moe.find(options.moe_mapping)) throw InputError("--moe-mapping: " + moe.unknown(options.moe_mapping, "MoE mapping") + ", or auto");
    if (!g.model().is_moe())
      throw InputError(fmt::format("--moe-mapping {}: model '{}' has no experts (moe: in its YAML); leave it out or give auto",
                                   options.moe_mapping, g.model().name));
  } else if (g.model().is_moe()) {
    return auto_layer_mapping(moe, &MapOptions::moe_mapping, &Plan::moe_auto, g, sys, fabric, options);
  }
  const auto& am = AttentionMappingRegistry::instance();
  if (options.attention_mapping != "auto") {
    const AttentionMappingEntry* a = am.find(options.attention_mapping);
    if (!a) throw InputError("--attention-mapping: " + am.unknown(options.attention_mapping, "attention mapping") + ", or auto");
    if (a->streams_keys)
      for (std::size_t v = 0; v < g.size(); ++v)
        if (g.op(v).kind == OpKind::kAttnMatMul && g.op(v).attention_core && g.op(v).key_dim == Op::Dim::kNone)
          throw InputError(fmt::format("attention mapping '{}' streams the keys, but the graph does not say which dimension of {} runs over "
                                       "them (an ONNX import); use gathered",
                                       a->name, g.op(v).name));
  } else {
    return auto_layer_mapping(am, &MapOptions::attention_mapping, &Plan::attention_auto, g, sys, fabric, options);
  }
  const auto& mm = MatmulMappingRegistry::instance();
  if (options.matmul_mapping != "auto" && !mm.find(options.matmul_mapping))
    throw InputError("--matmul-mapping: " + mm.unknown(options.matmul_mapping, "matmul mapping") + ", or auto");
  for (const auto& [op, name] : options.matmul_overrides)
    if (!mm.find(name)) throw InputError(fmt::format("--matmul-mapping {}={}: {}", op, name, mm.unknown(name, "matmul mapping")));
  if (options.matmul_mapping == "auto") {
    if (!options.cost_ps) throw std::logic_error("map_model: matmul_mapping auto needs a cost model");
    Plan best;
    double best_ps = -1;
    std::vector<Plan::AutoCandidate> tried;
    std::string first_error;
    for (const std::string& name : MatmulMappingRegistry::instance().names()) {
      MapOptions o = options;
      o.matmul_mapping = name;
      o.matmul_fallback = true;
      try {
        Plan p = map_connected(g, sys, fabric, o);
        if (best_ps >= 0 && options.bound_ps) {
          const double bound = options.bound_ps(p.workload);
          if (bound >= best_ps) {
            tried.push_back({name, bound, true});
            continue;
          }
        }
        const double ps = options.cost_ps(p.workload);
        tried.push_back({name, ps, false});
        if (best_ps < 0 || ps < best_ps) best_ps = ps, best = std::move(p);
      } catch (const InputError& e) {
        if (first_error.empty()) first_error = e.what();
      }
    }
    if (best_ps < 0) throw InputError(first_error);
    best.matmul_auto = std::move(tried);
    return best;
  }
  const auto& reg = MappingStyleRegistry::instance();
  std::vector<std::string> tries;
  if (options.style == "auto") {
    std::vector<std::pair<int, std::string>> ordered;
    for (const std::string& name : reg.names())
      if (reg.find(name)->auto_order > 0) ordered.emplace_back(reg.find(name)->auto_order, name);
    std::sort(ordered.begin(), ordered.end());
    for (const auto& [order, name] : ordered) tries.push_back(name);
  }
  else if (reg.find(options.style)) tries = {options.style};
  else throw InputError(reg.unknown(options.style, "mapping style"));
  std::string reasons;
  if (options.micro_batches_in_flight < 1)
    throw InputError(fmt::format("--in-flight {}: give 1 or more micro-batches", options.micro_batches_in_flight));
  for (const std::string& name : tries) {
    StyleLayout lay = reg.find(name)->layout(g, sys, fabric, false);
    if (lay.weights_stream && options.micro_batches_in_flight > 1) {
      reasons += fmt::format("{}{}: streams its weights, and micro-batches in flight need them resident", reasons.empty() ? "" : "; ", name);
      continue;
    }
    MemoryFit fit = memory_fit(g, sys, lay, options.recompute, options.micro_batches_in_flight);
    if (!fit.fits) {
      lay = reg.find(name)->layout(g, sys, fabric, true);
      fit = memory_fit(g, sys, lay, options.recompute, options.micro_batches_in_flight);
    }
    if (!fit.fits) {
      reasons += fmt::format("{}{}: {}", reasons.empty() ? "" : "; ", name, fit.why_not);
      continue;
    }
    Plan plan;
    plan.model = g.model().name;
    plan.system = sys.mesh.name;
    plan.style = name;
    plan.pipelined = reg.find(name)->pipeline_stages;
    plan.regions = lay.regions;
    plan.weights_stream = lay.weights_stream;
    plan.micro_batches_in_flight = options.micro_batches_in_flight;
    plan.sram_max_bytes = fit.sram_max_bytes;
    plan.sram_mean_bytes = fit.sram_mean_bytes;
    plan.external_memory_bytes = fit.external_bytes;
    for (const auto& [name, mapping] : options.matmul_overrides) {
      bool found = false;
      for (std::size_t v = 0; v < g.size() && !found; ++v) {
        const Op& o = g.op(v);
        const std::string short_name = o.name.substr(o.name.find('.') == std::string::npos ? 0 : o.name.find('.') + 1);
        found = o.kind == OpKind::kMatMul && o.weighted && (o.name == name || short_name == name);
      }
      if (!found) throw InputError(fmt::format("--matmul-mapping {}={}: no weighted matmul of model '{}' is named '{}' (names look like "
                                               "'attn.q_proj' or 'L0.attn.q_proj'; `wafersim graph` lists the ops)",
                                               name, mapping, g.model().name, name));
    }
    Emitter e(g, sys, fabric, lay, fit, options, plan);
    e.run();
    // Extra weight copies stay; operand buffers beyond the usual two blocks come and go (the peak counts).
    std::map<int, std::pair<double, double>> added;  // region: (extra copies, buffers)
    for (auto [r, extra] : e.region_extra()) added[r].first = extra;
    for (auto [r, buffers] : e.region_buffers()) added[r].second = buffers;
    for (auto [r, eb] : added) {
      plan.sram_max_bytes = std::max(plan.sram_max_bytes, fit.region_sram_bytes[static_cast<std::size_t>(r)] + eb.first + eb.second);
      plan.sram_mean_bytes += eb.first * static_cast<double>(lay.regions[static_cast<std::size_t>(r)].grid.size()) / std::max(1.0, e.tiles_used());
    }
    for (auto [r, f] : e.region_flops()) plan.regions[static_cast<std::size_t>(r)].flops = f;
    return plan;
  }
  throw InputError(fmt::format("model '{}' ({:.4g} B parameters) does not fit system '{}' in any mapping style: {}", g.model().name,
                               static_cast<double>(g.model().total_params()) / 1e9, sys.mesh.name, reasons));
}

}  // namespace

Plan map_model(const Graph& g, const WaferSystem& sys, const mesh::Fabric& fabric, const MapOptions& options) {
  const mesh::FabricComponents pieces = mesh::fabric_components(fabric);
  if (pieces.pieces() <= 1) return map_connected(g, sys, fabric, options);
  // Dead tiles split the fabric and no route leaves a piece: map on the largest piece, its
  // endpoints the only ones (the others still forward nothing the plan sends).
  mesh::Fabric piece = fabric;
  std::size_t cut_off = 0;
  for (mesh::NodeId n = 0; n < piece.nodes(); ++n)
    if (piece.endpoint(n) && !pieces.in_largest(n)) {
      piece.place(n, piece.physical(n), piece.router_alive(n), false);
      ++cut_off;
    }
  Plan plan = map_connected(g, sys, piece, options);
  plan.fabric_pieces = pieces.pieces();
  plan.tiles_cut_off = cut_off;
  return plan;
}

}  // namespace wafersim::compiler
