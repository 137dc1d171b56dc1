// A separable allocator with round-robin arbiters, exactly as sim/allocator.hpp defines them, so
// that the RTL router and the engine grant the same requests in the same cycle:
//   ISLIP = 0  separable input-first: each input's arbiter picks one requested output, each
//              output's arbiter picks one of the inputs that picked it; pointers move past the
//              winner only on a grant.
//   ISLIP = 1  iSLIP (McKeown 1999): ITERS rounds of grant (output arbiters over the unmatched
//              requesting inputs) and accept (input arbiters); pointers move only on accepts of
//              the first round.
// Requests and grants are combinational; the pointers are this block's registers.
module rr_allocator #(
    parameter int INPUTS = 10,
    parameter int OUTPUTS = 10,
    parameter int ISLIP = 0,
    parameter int ITERS = 1
) (
    input  logic                              clk,
    input  logic                              rst_n,
    input  logic [INPUTS-1:0][OUTPUTS-1:0]    req,
    output logic [INPUTS-1:0]                 gnt_valid,
    output logic [INPUTS-1:0][5:0]            gnt_out
);
  import wafersim_pkg::*;

  logic [INPUTS-1:0][5:0] in_ptr, in_ptr_n;
  logic [OUTPUTS-1:0][5:0] out_ptr, out_ptr_n;

  always_comb begin
    logic [OUTPUTS-1:0][INPUTS-1:0] picked_by;
    logic [INPUTS-1:0][OUTPUTS-1:0] grants_to;
    logic [INPUTS-1:0] free_in;
    logic [OUTPUTS-1:0] free_out;
    logic [5:0] o, i;
    in_ptr_n = in_ptr;
    out_ptr_n = out_ptr;
    gnt_valid = '0;
    gnt_out = '0;
    picked_by = '0;
    grants_to = '0;
    free_in = '0;
    free_out = '0;
    o = '0;
    i = '0;
    if (ISLIP == 0) begin
      for (int a = 0; a < INPUTS; a++) begin
        if (|req[a]) begin
          o = rr_pick(64'(req[a]), in_ptr[a], OUTPUTS);
          picked_by[o[$clog2(OUTPUTS+1)-1:0]][a] = 1'b1;
        end
      end
      for (int b = 0; b < OUTPUTS; b++) begin
        if (|picked_by[b]) begin
          i = rr_pick(64'(picked_by[b]), out_ptr[b], INPUTS);
          gnt_valid[i[$clog2(INPUTS+1)-1:0]] = 1'b1;
          gnt_out[i[$clog2(INPUTS+1)-1:0]] = 6'(b);
          out_ptr_n[b] = rr_next(i, INPUTS);
          in_ptr_n[i[$clog2(INPUTS+1)-1:0]] = rr_next(6'(b), OUTPUTS);
        end
      end
    end else begin
      for (int a = 0; a < INPUTS; a++) free_in[a] = |req[a];
      for (int b = 0; b < OUTPUTS; b++)
        for (int a = 0; a < INPUTS; a++) if (req[a][b]) free_out[b] = 1'b1;
      for (int it = 0; it < ITERS; it++) begin
        grants_to = '0;
        for (int b = 0; b < OUTPUTS; b++) begin
          logic [INPUTS-1:0] r;
          for (int a = 0; a < INPUTS; a++) r[a] = req[a][b] & free_in[a];
          if (free_out[b] && |r) begin
            i = rr_pick(64'(r), out_ptr[b], INPUTS);
            grants_to[i[$clog2(INPUTS+1)-1:0]][b] = 1'b1;
          end
        end
        for (int a = 0; a < INPUTS; a++) begin
          if (|grants_to[a]) begin
            o = rr_pick(64'(grants_to[a]), in_ptr[a], OUTPUTS);
            gnt_valid[a] = 1'b1;
            gnt_out[a] = o;
            free_in[a] = 1'b0;
            free_out[o[$clog2(OUTPUTS+1)-1:0]] = 1'b0;
            if (it == 0) begin
              in_ptr_n[a] = rr_next(o, OUTPUTS);
              out_ptr_n[o[$clog2(OUTPUTS+1)-1:0]] = rr_next(6'(a), INPUTS);
            end
          end
        end
      end
    end
  end

  always_ff @(posedge clk or negedge rst_n) begin
    if (!rst_n) begin
      in_ptr <= '0;
      out_ptr <= '0;
    end else begin
      in_ptr <= in_ptr_n;
      out_ptr <= out_ptr_n;
    end
  end
endmodule
