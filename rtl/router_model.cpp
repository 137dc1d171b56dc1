#include "rtl/router_model.hpp"

#include <fmt/format.h>

#include <stdexcept>

namespace wafersim::rtl {

RouterModel::RouterModel(const sim::RouterSpec& spec, int row, int col, bool table_routing)
    : spec_(spec),
      V_(spec.num_vcs),
      VP_(kPorts * spec.num_vcs),
      S_(spec.input_speedup),
      row_(row),
      col_(col),
      sw_delay_(spec.sw_alloc_delay + spec.st_final_delay),
      table_routing_(table_routing) {
  if (V_ < 1 || V_ > 8) throw std::invalid_argument("RouterModel: num_vcs must be 1..8 (the flit word's VC field)");
  if (sw_delay_ < 1 || spec.credit_delay < 1)
    throw std::invalid_argument("RouterModel: sw_alloc_delay + st_final_delay and credit_delay must be >= 1 (registered outputs)");
  va_fn_ = sim::AllocatorRegistry::instance().find(spec.vc_allocator)->allocate;
  sa_fn_ = sim::AllocatorRegistry::instance().find(spec.sw_allocator)->allocate;
  if (table_routing_) table_.assign(kPorts * 256, 0);
  in_.resize(static_cast<std::size_t>(VP_));
  for (auto& q : in_) q.fifo.assign(static_cast<std::size_t>(spec.vc_buf_size), 0);
  credits_.assign(static_cast<std::size_t>(VP_), spec.vc_buf_size);
  ov_free_ = VP_ == 64 ? ~std::uint64_t{0} : (std::uint64_t{1} << VP_) - 1;
  va_in_ptr_.assign(static_cast<std::size_t>(VP_), 0);
  va_out_ptr_.assign(static_cast<std::size_t>(VP_), 0);
  sa_in_ptr_.assign(static_cast<std::size_t>(kPorts * S_), 0);
  sa_out_ptr_.assign(kPorts, 0);
  sa_vc_ptr_.assign(static_cast<std::size_t>(kPorts * S_), 0);
  out_pipe_.assign(static_cast<std::size_t>(sw_delay_), {});
  credit_pipe_.assign(static_cast<std::size_t>(spec.credit_delay), {});
}

void RouterModel::outputs(RouterPins& pins) const {
  pins.out_flit = out_pipe_.back();
  pins.credit_out = credit_pipe_.back();
}

std::uint64_t RouterModel::route_of(int port, FlitWord f) const {
  if (table_routing_) return table_[static_cast<std::size_t>(port) * 256 + f.dst()];
  // Dimension order, as the engine's inline xy: columns first, then rows.
  const int dc = f.dst_col() - col_, dr = f.dst_row() - row_;
  const int out = dc > 0 ? 2 : dc < 0 ? 1 : dr > 0 ? 3 : dr < 0 ? 0 : 4;
  return ((std::uint64_t{1} << V_) - 1) << (out * V_);
}

void RouterModel::clock(const RouterPins& pins) {
  const std::uint64_t k = cycle_;
  std::array<std::uint32_t, kPorts> xbar{}, credit_now{};
  // RC: heads at the front of idle VCs (every flit in a buffer is usable: it arrived last cycle or earlier).
  std::uint64_t want_vc = 0;
  for (int li = 0; li < VP_; ++li) {
    InVc& q = in_[static_cast<std::size_t>(li)];
    if (!q.count) continue;
    if (q.state == kIdle) {
      q.route = route_of(li / V_, FlitWord{q.fifo[static_cast<std::size_t>(q.rd)]});
      q.state = kWaitVc;
      q.elig = k + static_cast<std::uint64_t>(spec_.routing_delay);
    }
    if (q.state == kWaitVc && q.elig <= k) want_vc |= std::uint64_t{1} << li;
  }
  // VA.
  if (want_vc) {
    for (std::uint64_t r = ov_releasing_; r; r &= r - 1) {
      const int ov = std::countr_zero(r);
      if (credits_[static_cast<std::size_t>(ov)] == spec_.vc_buf_size) {
        ov_releasing_ &= ~(std::uint64_t{1} << ov);
        ov_free_ |= std::uint64_t{1} << ov;
      }
    }
    auto granted = [&](int li, int ov) {
      ov_free_ &= ~(std::uint64_t{1} << ov);
      InVc& q = in_[static_cast<std::size_t>(li)];
      q.state = kActive;
      q.out = ov;
      q.elig = k + static_cast<std::uint64_t>(spec_.vc_alloc_delay);
    };
    if (!(want_vc & (want_vc - 1))) {  // one requester: the engine's shortcut
      const int li = std::countr_zero(want_vc);
      const std::uint64_t r = in_[static_cast<std::size_t>(li)].route & ov_free_;
      if (r) granted(li, sim::allocate_single(li, r, va_in_ptr_.data(), va_out_ptr_.data(), VP_, VP_));
    } else {
      std::uint64_t req[64] = {};
      std::int8_t grant[64];
      for (std::uint64_t w = want_vc; w; w &= w - 1) {
        const int li = std::countr_zero(w);
        req[li] = in_[static_cast<std::size_t>(li)].route & ov_free_;
      }
      sim::AllocProblem prob{VP_, VP_, req, va_in_ptr_.data(), va_out_ptr_.data(), spec_.alloc_iters, grant};
      va_fn_(prob);
      for (std::uint64_t w = want_vc; w; w &= w - 1) {
        const int li = std::countr_zero(w);
        if (grant[li] >= 0) granted(li, grant[li]);
      }
    }
  }
  // SA.
  std::uint64_t sa_req[kPorts * 8] = {}, cand[kPorts * 8] = {};
  std::uint64_t groups = 0;
  for (int li = 0; li < VP_; ++li) {
    const InVc& q = in_[static_cast<std::size_t>(li)];
    if (!q.count || q.state != kActive || q.elig > k) continue;
    const int o = q.out / V_;
    if (o != kPorts - 1 && credits_[static_cast<std::size_t>(q.out)] <= 0) continue;
    const int g = (li / V_) * S_ + (li % V_) % S_;
    sa_req[g] |= std::uint64_t{1} << o;
    cand[g] |= std::uint64_t{1} << li;
    groups |= std::uint64_t{1} << g;
  }
  if (groups) {
    std::int8_t grant[kPorts * 8];
    if (!(groups & (groups - 1))) {
      const int g = std::countr_zero(groups);
      for (int i = 0; i < kPorts * S_; ++i) grant[i] = -1;
      grant[g] = static_cast<std::int8_t>(sim::allocate_single(g, sa_req[g], sa_in_ptr_.data(), sa_out_ptr_.data(), kPorts * S_, kPorts));
    } else {
      sim::AllocProblem prob{kPorts * S_, kPorts, sa_req, sa_in_ptr_.data(), sa_out_ptr_.data(), spec_.alloc_iters, grant};
      sa_fn_(prob);
    }
    for (std::uint64_t gs = groups; gs; gs &= gs - 1) {
      const int g = std::countr_zero(gs);
      if (grant[g] < 0) continue;
      const int o = grant[g];
      std::uint64_t vcs = 0;
      for (std::uint64_t m = cand[g]; m; m &= m - 1) {
        const int li = std::countr_zero(m);
        if (in_[static_cast<std::size_t>(li)].out / V_ == o) vcs |= std::uint64_t{1} << li;
      }
      const int li = sim::round_robin_pick(vcs, sa_vc_ptr_[static_cast<std::size_t>(g)]);
      sa_vc_ptr_[static_cast<std::size_t>(g)] = sim::next_pointer(li, VP_);
      // Switch traversal: the flit leaves its buffer, its credit starts back.
      InVc& q = in_[static_cast<std::size_t>(li)];
      const FlitWord f{q.fifo[static_cast<std::size_t>(q.rd)]};
      q.rd = (q.rd + 1) % spec_.vc_buf_size;
      --q.count;
      credit_now[static_cast<std::size_t>(li / V_)] |= 1u << (li % V_);
      xbar[static_cast<std::size_t>(o)] = f.with_vc(q.out % V_).bits;
      if (o != kPorts - 1) --credits_[static_cast<std::size_t>(q.out)];
      if (f.tail()) {
        q.state = kIdle;
        if (o == kPorts - 1 || !spec_.wait_for_tail_credit) ov_free_ |= std::uint64_t{1} << q.out;
        else ov_releasing_ |= std::uint64_t{1} << q.out;
      }
    }
  }
  // What arrived during the cycle: usable from the next.
  for (int p = 0; p < kPorts; ++p) {
    for (int v = 0; v < V_; ++v)
      if (pins.credit_in[static_cast<std::size_t>(p)] >> v & 1u) {
        int& c = credits_[static_cast<std::size_t>(p * V_ + v)];
        if (p == kPorts - 1 || ++c > spec_.vc_buf_size)
          throw std::logic_error(fmt::format("router model: credit for port {} VC {} beyond its {} buffer slots", p, v, spec_.vc_buf_size));
      }
    const FlitWord f{pins.in_flit[static_cast<std::size_t>(p)]};
    if (!f.valid()) continue;
    if (f.vc() >= V_) throw std::logic_error(fmt::format("router model: flit on port {} names VC {} of {}", p, f.vc(), V_));
    InVc& q = in_[static_cast<std::size_t>(p * V_ + f.vc())];
    if (q.count == spec_.vc_buf_size) throw std::logic_error(fmt::format("router model: buffer overflow on port {} VC {}", p, f.vc()));
    q.fifo[static_cast<std::size_t>((q.rd + q.count) % spec_.vc_buf_size)] = f.bits;
    ++q.count;
  }
  for (std::size_t s = out_pipe_.size() - 1; s > 0; --s) out_pipe_[s] = out_pipe_[s - 1];
  out_pipe_[0] = xbar;
  for (std::size_t s = credit_pipe_.size() - 1; s > 0; --s) credit_pipe_[s] = credit_pipe_[s - 1];
  credit_pipe_[0] = credit_now;
  ++cycle_;
}

}  // namespace wafersim::rtl
