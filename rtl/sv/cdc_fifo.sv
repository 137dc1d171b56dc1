// Clock-domain-crossing FIFO (C. Cummings, "Simulation and Synthesis Techniques for Asynchronous
// FIFO Design", SNUG 2002): binary pointers for addressing, Gray-coded pointers crossing through
// SYNC_STAGES flip-flops into the other domain, so at most one bit of a crossing pointer changes
// per source-clock edge and a metastable sample resolves to the old or the new value, both safe.
//
// The read side is first-word-fall-through: r_valid and r_data show the oldest entry, and
// r_valid && r_ready at a read-clock edge pops it. A word written at write edge t_w is visible to the
// reader SYNC_STAGES read edges after the first read edge strictly after t_w (the engine's
// clock-crossing rule, docs/noc.md "Crossing", counts a read edge that coincides with t_w: see
// docs/rtl.md for that difference).
module cdc_fifo #(
    parameter int WIDTH = 32,
    parameter int DEPTH_LOG2 = 3,
    parameter int SYNC_STAGES = 2
) (
    input  logic             wclk,
    input  logic             wrst_n,
    input  logic             w_valid,
    input  logic [WIDTH-1:0] w_data,
    output logic             w_full,
    input  logic             rclk,
    input  logic             rrst_n,
    input  logic             r_ready,
    output logic             r_valid,
    output logic [WIDTH-1:0] r_data
);
  localparam int A = DEPTH_LOG2;

  logic [WIDTH-1:0] mem[2**A];
  logic [A:0] wbin, wgray, rbin, rgray;
  logic [SYNC_STAGES-1:0][A:0] rgray_sync;  // read pointer in the write domain
  logic [SYNC_STAGES-1:0][A:0] wgray_sync;  // write pointer in the read domain

  function automatic logic [A:0] bin2gray(input logic [A:0] b);
    return b ^ (b >> 1);
  endfunction

  // Write domain.
  logic [A:0] wbin_n;
  assign wbin_n = wbin + (A + 1)'(w_valid && !w_full);
  // Full: the next write would catch up with the read pointer one lap behind.
  assign w_full = wgray == {~rgray_sync[SYNC_STAGES-1][A:A-1], rgray_sync[SYNC_STAGES-1][A-2:0]};
  always_ff @(posedge wclk or negedge wrst_n) begin
    if (!wrst_n) begin
      wbin <= '0;
      wgray <= '0;
      rgray_sync <= '0;
    end else begin
      if (w_valid && !w_full) mem[wbin[A-1:0]] <= w_data;
      wbin <= wbin_n;
      wgray <= bin2gray(wbin_n);
      rgray_sync[0] <= rgray;
      for (int s = 1; s < SYNC_STAGES; s++) rgray_sync[s] <= rgray_sync[s-1];
    end
  end

  // Read domain.
  logic [A:0] rbin_n;
  assign r_valid = rgray != wgray_sync[SYNC_STAGES-1];
  assign r_data = mem[rbin[A-1:0]];
  assign rbin_n = rbin + (A + 1)'(r_valid && r_ready);
  always_ff @(posedge rclk or negedge rrst_n) begin
    if (!rrst_n) begin
      rbin <= '0;
      rgray <= '0;
      wgray_sync <= '0;
    end else begin
      rbin <= rbin_n;
      rgray <= bin2gray(rbin_n);
      wgray_sync[0] <= wgray;
      for (int s = 1; s < SYNC_STAGES; s++) wgray_sync[s] <= wgray_sync[s-1];
    end
  end
endmodule
