// The mesh router of the wafersim cycle engine in synthesizable SystemVerilog: an input-queued
// virtual-channel router with credit flow control and wormhole switching, cycle-for-cycle the
// router sim/router_spec.hpp and docs/noc.md describe (same parameters, same pipeline, same
// allocators), so that it can replace the C++ model in a simulated mesh.
//
// Timing convention (what "cycle k" means at the pins). A flit on in_flit_* during cycle k is
// written into its input VC at the edge that ends cycle k and is usable from cycle k+1: a channel
// of latency L is a wire when L = 1 and L-1 registers otherwise. A flit granted the switch in
// cycle s appears on out_flit_* during cycle s + SW_DELAY (SW_DELAY = sw_alloc_delay +
// st_final_delay registers), and its credit on credit_out_* during cycle s + CREDIT_DELAY. Every
// output is a register, so routers can be wired to each other in any order.
//
// Pipeline per cycle, in the engine's order (stages of delay 0 chain within the cycle):
//   RC  a head at the front of an idle VC computes its route; it may request VA ROUTING_DELAY
//       cycles later (dimension order on my_x/my_y, or the route table);
//   VA  requesting heads are matched to free output VCs (VC_ALLOCATOR); a winner may request the
//       switch VC_ALLOC_DELAY cycles later;
//   SA  a flit at the front of an active VC with a credit for its output VC (ejection always has
//       one) requests its output port from its crossbar input (VC v of port p uses input
//       p * INPUT_SPEEDUP + v % INPUT_SPEEDUP); SW_ALLOCATOR matches inputs to ports, then each
//       granted input picks one of its VCs wanting that port, round-robin. The winner leaves its
//       buffer (credit back upstream); a tail frees its input VC and its output VC (at once, or
//       once all credits are back with WAIT_FOR_TAIL_CREDIT).
//
// Route table (TABLE_ROUTING = 1): one entry per (input port, destination), written through
// tbl_we/tbl_addr/tbl_data = {port[2:0], dst[7:0]} -> the output VCs (bit o * NUM_VCS + v) the head
// may take. It serves any routing function of (input port, destination) with one VC class
// (xy, up_down); escape-VC schemes (duato) are not built in RTL.
module router #(
    parameter int NUM_VCS = 2,          // router.num_vcs (1..8)
    parameter int BUF_DEPTH = 8,        // router.vc_buf_size
    parameter int ROUTING_DELAY = 0,    // router.routing_delay
    parameter int VC_ALLOC_DELAY = 1,   // router.vc_alloc_delay
    parameter int SW_DELAY = 2,         // router.sw_alloc_delay + router.st_final_delay (>= 1)
    parameter int CREDIT_DELAY = 2,     // router.credit_delay (>= 1)
    parameter int INPUT_SPEEDUP = 1,    // router.input_speedup
    parameter int VC_ISLIP = 0,      // router.vc_allocator: 0 separable_input_first, 1 islip
    parameter int SW_ISLIP = 1,      // router.sw_allocator
    parameter int ALLOC_ITERS = 1,      // router.alloc_iters
    parameter int WAIT_FOR_TAIL_CREDIT = 0,
    parameter int TABLE_ROUTING = 0,
    // Test only, never set in a design: 1 swaps the credits arriving for VCs 0 and 1 of every
    // output port, the kind of bug the co-simulation scoreboard must catch.
    parameter int INJECT_BUG = 0
) (
    input  logic        clk,
    input  logic        rst_n,
    input  logic [3:0]  my_x,           // this router's column
    input  logic [3:0]  my_y,           // and row
    input  logic [31:0] in_flit_n,  in_flit_w,  in_flit_e,  in_flit_s,  in_flit_l,
    output logic [31:0] out_flit_n, out_flit_w, out_flit_e, out_flit_s, out_flit_l,
    input  logic [7:0]  credit_in_n,  credit_in_w,  credit_in_e,  credit_in_s,   // VC mask, from downstream
    output logic [7:0]  credit_out_n, credit_out_w, credit_out_e, credit_out_s, credit_out_l,
    input  logic        tbl_we,
    input  logic [10:0] tbl_addr,
    input  logic [39:0] tbl_data
);
  import wafersim_pkg::*;

  localparam int V = NUM_VCS;
  localparam int VP = PORTS * V;          // input VCs, and output VCs
  localparam int G = PORTS * INPUT_SPEEDUP;  // crossbar inputs
  localparam int CW = $clog2(BUF_DEPTH + 1);
  localparam int PW = $clog2(BUF_DEPTH);
  localparam int DW = 8;                  // delay counters
  localparam int VPW = $clog2(VP);
  localparam logic [1:0] IDLE = 2'd0, WAIT_VC = 2'd1, ACTIVE = 2'd2;

  // ---- pins as arrays ----
  logic [PORTS-1:0][31:0] in_flit;
  logic [PORTS-1:0][7:0] credit_in;
  assign in_flit = {in_flit_l, in_flit_s, in_flit_e, in_flit_w, in_flit_n};
  always_comb begin
    credit_in = {8'd0, credit_in_s, credit_in_e, credit_in_w, credit_in_n};
    if (INJECT_BUG == 1)
      for (int p = 0; p < PORTS; p++) credit_in[p][1:0] = {credit_in[p][0], credit_in[p][1]};
  end

  // ---- state ----
  logic [VP-1:0][BUF_DEPTH-1:0][31:0] fifo;
  logic [VP-1:0][PW-1:0] rd_ptr, wr_ptr;
  logic [VP-1:0][CW-1:0] count;
  logic [VP-1:0][1:0] state;
  logic [VP-1:0][DW-1:0] wait_cnt;
  logic [VP-1:0][5:0] out_vc;
  logic [VP-1:0][VP-1:0] route;
  logic [VP-1:0][CW-1:0] credits;        // per output VC: free slots downstream
  logic [VP-1:0] ov_free, ov_releasing;
  logic [G-1:0][5:0] sa_vc_ptr;
  logic [PORTS-1:0][SW_DELAY-1:0][31:0] out_pipe;
  logic [PORTS-1:0][CREDIT_DELAY-1:0][7:0] cred_pipe;

  // ---- routing ----
  logic [(TABLE_ROUTING != 0 ? 5 * 256 : 1)-1:0][VP-1:0] table_mem;

  function automatic logic [VP-1:0] xy_route(input logic [7:0] dst);
    logic signed [4:0] dc, dr;
    int port;
    dc = $signed({1'b0, dst[3:0]}) - $signed({1'b0, my_x});
    dr = $signed({1'b0, dst[7:4]}) - $signed({1'b0, my_y});
    port = dc > 0 ? P_EAST : dc < 0 ? P_WEST : dr > 0 ? P_SOUTH : dr < 0 ? P_NORTH : P_LOCAL;
    xy_route = VP'({V{1'b1}}) << (port * V);
  endfunction

  // ---- combinational pipeline ----
  logic [VP-1:0][31:0] front;
  logic [VP-1:0] nonempty, rc_fire, want_vc, active_now, sa_elig, pop;
  logic [VP-1:0][VP-1:0] route_now, va_req;
  logic [VP-1:0] va_gnt_valid;
  logic [VP-1:0][5:0] va_gnt_out, out_now;
  logic [VP-1:0] ov_avail;
  logic [G-1:0][PORTS-1:0] sa_req;
  logic [G-1:0][VP-1:0] cand;
  logic [G-1:0] sa_gnt_valid;
  logic [G-1:0][5:0] sa_gnt_out;
  logic [PORTS-1:0][31:0] xbar_out;
  logic [PORTS-1:0][7:0] credit_now;
  logic [VP-1:0] sent_on;   // output VCs a flit left on this cycle
  logic [VP-1:0] released;  // output VCs whose packet's tail left this cycle
  logic [G-1:0][5:0] sa_vc_ptr_n;

  always_comb begin
    for (int iv = 0; iv < VP; iv++) begin
      nonempty[iv] = count[iv] != 0;
      front[iv] = fifo[iv][rd_ptr[iv]];
      rc_fire[iv] = state[iv] == IDLE && nonempty[iv];
      route_now[iv] = route[iv];
      if (rc_fire[iv]) begin
        if (TABLE_ROUTING != 0) route_now[iv] = table_mem[{3'(iv / V), front[iv][13:6]}];
        else route_now[iv] = xy_route(front[iv][13:6]);
      end
      want_vc[iv] = (rc_fire[iv] && ROUTING_DELAY == 0) || (state[iv] == WAIT_VC && wait_cnt[iv] == 0);
    end
    // VA. Output VCs waiting for their tail's credit become free once all credits are back.
    for (int ov = 0; ov < VP; ov++)
      ov_avail[ov] = ov_free[ov] | (ov_releasing[ov] && int'(credits[ov]) == BUF_DEPTH);
    for (int iv = 0; iv < VP; iv++) va_req[iv] = want_vc[iv] ? (route_now[iv] & ov_avail) : '0;
  end

  rr_allocator #(.INPUTS(VP), .OUTPUTS(VP), .ISLIP(VC_ISLIP), .ITERS(ALLOC_ITERS)) u_va (
      .clk, .rst_n, .req(va_req), .gnt_valid(va_gnt_valid), .gnt_out(va_gnt_out));

  always_comb begin
    sa_req = '0;
    cand = '0;
    for (int iv = 0; iv < VP; iv++) begin
      logic [5:0] o;
      active_now[iv] = state[iv] == ACTIVE || va_gnt_valid[iv];
      out_now[iv] = va_gnt_valid[iv] ? va_gnt_out[iv] : out_vc[iv];
      o = 6'(int'(out_now[iv]) / V);
      sa_elig[iv] = active_now[iv] && nonempty[iv]
                    && (va_gnt_valid[iv] ? VC_ALLOC_DELAY == 0 : wait_cnt[iv] == 0)
                    && (int'(o) == P_LOCAL || credits[out_now[iv]] != 0);
      if (sa_elig[iv]) begin
        sa_req[(iv / V) * INPUT_SPEEDUP + (iv % V) % INPUT_SPEEDUP][o[2:0]] = 1'b1;
        cand[(iv / V) * INPUT_SPEEDUP + (iv % V) % INPUT_SPEEDUP][iv] = 1'b1;
      end
    end
  end

  rr_allocator #(.INPUTS(G), .OUTPUTS(PORTS), .ISLIP(SW_ISLIP), .ITERS(ALLOC_ITERS)) u_sa (
      .clk, .rst_n, .req(sa_req), .gnt_valid(sa_gnt_valid), .gnt_out(sa_gnt_out));

  // Switch traversal: each granted crossbar input sends the VC it picks round-robin among those
  // wanting the granted port.
  always_comb begin
    logic [VP-1:0] vcs;
    logic [5:0] li, ov;
    vcs = '0;
    li = '0;
    ov = '0;
    pop = '0;
    xbar_out = '0;
    credit_now = '0;
    sent_on = '0;
    released = '0;
    sa_vc_ptr_n = sa_vc_ptr;
    for (int g = 0; g < G; g++) begin
      if (sa_gnt_valid[g]) begin
        for (int iv = 0; iv < VP; iv++) vcs[iv] = cand[g][iv] && int'(out_now[iv]) / V == int'(sa_gnt_out[g]);
        li = rr_pick(64'(vcs), sa_vc_ptr[g], VP);
        sa_vc_ptr_n[g] = rr_next(li, VP);
        pop[li[VPW-1:0]] = 1'b1;
        ov = out_now[li];
        xbar_out[sa_gnt_out[g][2:0]] = {front[li][31:6], 3'(int'(ov) % V), front[li][2:0]};
        credit_now[int'(li) / V][int'(li) % V] = 1'b1;
        sent_on[ov[VPW-1:0]] = 1'b1;
        if (front[li][2]) released[ov[VPW-1:0]] = 1'b1;
      end
    end
  end

  // ---- registers ----
  always_ff @(posedge clk or negedge rst_n) begin
    if (!rst_n) begin
      rd_ptr <= '0;
      wr_ptr <= '0;
      count <= '0;
      state <= '0;
      wait_cnt <= '0;
      out_vc <= '0;
      route <= '0;
      for (int ov = 0; ov < VP; ov++) credits[ov] <= CW'(BUF_DEPTH);
      ov_free <= '1;
      ov_releasing <= '0;
      sa_vc_ptr <= '0;
      out_pipe <= '0;
      cred_pipe <= '0;
    end else begin
      for (int iv = 0; iv < VP; iv++) begin
        logic push;
        push = in_flit[iv / V][0] && int'(in_flit[iv / V][5:3]) == iv % V;
        if (push) begin
          fifo[iv][wr_ptr[iv]] <= in_flit[iv / V];
          wr_ptr[iv] <= PW'((int'(wr_ptr[iv]) + 1) % BUF_DEPTH);
        end
        if (pop[iv]) rd_ptr[iv] <= PW'((int'(rd_ptr[iv]) + 1) % BUF_DEPTH);
        count[iv] <= count[iv] + CW'(push) - CW'(pop[iv]);
        // Pipeline state of the packet at the front.
        if (pop[iv] && front[iv][2]) begin
          state[iv] <= IDLE;
        end else if (va_gnt_valid[iv]) begin
          state[iv] <= ACTIVE;
          out_vc[iv] <= va_gnt_out[iv];
          wait_cnt[iv] <= VC_ALLOC_DELAY == 0 ? '0 : DW'(VC_ALLOC_DELAY - 1);
        end else if (rc_fire[iv]) begin
          state[iv] <= WAIT_VC;
          wait_cnt[iv] <= ROUTING_DELAY == 0 ? '0 : DW'(ROUTING_DELAY - 1);
        end else if (wait_cnt[iv] != 0) begin
          wait_cnt[iv] <= wait_cnt[iv] - 1'b1;
        end
        if (rc_fire[iv]) route[iv] <= route_now[iv];
      end
      for (int ov = 0; ov < VP; ov++) begin
        credits[ov] <= credits[ov] + CW'(credit_in[ov / V][ov % V]) - CW'(sent_on[ov] && ov / V != P_LOCAL);
      end
      // Allocation takes an output VC; a tail gives it back (next cycle's VA sees it).
      for (int ov = 0; ov < VP; ov++) begin
        logic taken;
        taken = 1'b0;
        for (int iv = 0; iv < VP; iv++) if (va_gnt_valid[iv] && int'(va_gnt_out[iv]) == ov) taken = 1'b1;
        if (released[ov]) begin  // possibly taken this very cycle, by a 1-flit packet
          if (ov / V == P_LOCAL || WAIT_FOR_TAIL_CREDIT == 0) begin
            ov_free[ov] <= 1'b1;
          end else begin
            ov_free[ov] <= 1'b0;
            ov_releasing[ov] <= 1'b1;
          end
        end else if (taken) begin
          ov_free[ov] <= 1'b0;
          ov_releasing[ov] <= 1'b0;
        end else if (ov_releasing[ov] && want_vc != '0 && int'(credits[ov]) == BUF_DEPTH) begin
          ov_free[ov] <= 1'b1;
          ov_releasing[ov] <= 1'b0;
        end
      end
      sa_vc_ptr <= sa_vc_ptr_n;
      for (int p = 0; p < PORTS; p++) begin
        out_pipe[p][0] <= xbar_out[p];
        for (int s = 1; s < SW_DELAY; s++) out_pipe[p][s] <= out_pipe[p][s-1];
        cred_pipe[p][0] <= credit_now[p];
        for (int s = 1; s < CREDIT_DELAY; s++) cred_pipe[p][s] <= cred_pipe[p][s-1];
      end
    end
  end

  generate
    if (TABLE_ROUTING != 0) begin : g_table
      always_ff @(posedge clk) if (tbl_we) table_mem[tbl_addr] <= tbl_data[VP-1:0];
      if (VP < 40) begin : g_narrow
        logic unused_tbl_bits;
        assign unused_tbl_bits = ^tbl_data[39:VP];
      end
    end else begin : g_no_table
      assign table_mem = '0;
      logic unused_tbl;
      assign unused_tbl = ^{tbl_we, tbl_addr, tbl_data};
    end
  endgenerate

  assign {out_flit_l, out_flit_s, out_flit_e, out_flit_w, out_flit_n} =
      {out_pipe[4][SW_DELAY-1], out_pipe[3][SW_DELAY-1], out_pipe[2][SW_DELAY-1], out_pipe[1][SW_DELAY-1], out_pipe[0][SW_DELAY-1]};
  assign {credit_out_l, credit_out_s, credit_out_e, credit_out_w, credit_out_n} =
      {cred_pipe[4][CREDIT_DELAY-1], cred_pipe[3][CREDIT_DELAY-1], cred_pipe[2][CREDIT_DELAY-1], cred_pipe[1][CREDIT_DELAY-1], cred_pipe[0][CREDIT_DELAY-1]};
endmodule
