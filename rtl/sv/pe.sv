// A processing element: a row of LANES multiply-accumulate units computing C = A x B out of its
// local SRAM, in int8 (int32 accumulation, wrapping) or bf16 (fp32 accumulation, rtl/sv/fp32_pkg.sv).
//
// Local SRAM, DIM x DIM elements per matrix, row-major: A[i][k] at i * DIM + k, B[k][j] at
// k * DIM + j (B is banked by column modulo LANES, so one cycle reads LANES consecutive elements of
// a row), C[i][j] at i * DIM + j. The host writes A and B through mem_we/mem_sel/mem_addr/mem_wdata
// (int8 in the low byte) and reads C through c_addr -> c_rdata one cycle later.
//
// Schedule: for each row i and each block of LANES columns, K cycles of MACs (one A element
// broadcast to the lanes, one B element per lane; accumulation in k order, the order the bf16
// rounding depends on) and one cycle writing the block back. start (with fmt, m, n, k sampled)
// begins; done rises M * ceil(N / LANES) * (K + 1) edges after the edge that sampled start, and busy falls with it.
module pe #(
    parameter int LANES = 4,
    parameter int DIM = 16
) (
    input  logic        clk,
    input  logic        rst_n,
    input  logic        mem_we,
    input  logic        mem_sel,     // 0 A, 1 B
    input  logic [7:0]  mem_addr,
    input  logic [15:0] mem_wdata,
    input  logic [7:0]  c_addr,
    output logic [31:0] c_rdata,
    input  logic        start,
    input  logic        fmt,         // 0 int8 -> int32, 1 bf16 -> fp32
    input  logic [4:0]  m,           // 1..DIM
    input  logic [4:0]  n,
    input  logic [4:0]  k,
    output logic        busy,
    output logic        done
);
  import fp32_pkg::*;

  logic [15:0] a_mem[DIM * DIM];
  logic [15:0] b_mem[DIM * DIM];
  logic [31:0] c_mem[DIM * DIM];
  logic [LANES-1:0][31:0] acc;
  logic [4:0] mm, nn, kk_n;
  logic bf16;
  logic [4:0] i, j0, kk;
  logic writeback;

  always_ff @(posedge clk) begin
    if (mem_we && !mem_sel) a_mem[mem_addr] <= mem_wdata;
    if (mem_we && mem_sel) b_mem[mem_addr] <= mem_wdata;
    c_rdata <= c_mem[c_addr];
  end

  function automatic logic [31:0] mac(input logic [31:0] c, input logic [15:0] a, input logic [15:0] b, input logic is_bf16);
    if (is_bf16) return fp32_add(c, bf16_mul(a, b));
    return c + 32'($signed(a[7:0]) * $signed(b[7:0]));
  endfunction

  always_ff @(posedge clk or negedge rst_n) begin
    if (!rst_n) begin
      busy <= 1'b0;
      done <= 1'b0;
      acc <= '0;
      i <= '0;
      j0 <= '0;
      kk <= '0;
      writeback <= 1'b0;
      mm <= '0;
      nn <= '0;
      kk_n <= '0;
      bf16 <= 1'b0;
    end else begin
      done <= 1'b0;
      if (!busy) begin
        if (start) begin
          busy <= 1'b1;
          mm <= m;
          nn <= n;
          kk_n <= k;
          bf16 <= fmt;
          i <= '0;
          j0 <= '0;
          kk <= '0;
          writeback <= 1'b0;
          acc <= '0;
        end
      end else if (!writeback) begin
        for (int l = 0; l < LANES; l++)
          acc[l] <= mac(acc[l], a_mem[8'(i) * 8'(DIM) + 8'(kk)], b_mem[8'(kk) * 8'(DIM) + 8'(j0) + 8'(l)], bf16);
        if (kk + 5'd1 == kk_n) writeback <= 1'b1;
        kk <= kk + 5'd1;
      end else begin
        for (int l = 0; l < LANES; l++)
          if (int'(j0) + l < int'(nn)) c_mem[8'(i) * 8'(DIM) + 8'(j0) + 8'(l)] <= acc[l];
        acc <= '0;
        kk <= '0;
        writeback <= 1'b0;
        if (int'(j0) + LANES < int'(nn)) begin
          j0 <= j0 + 5'(LANES);
        end else begin
          j0 <= '0;
          if (i + 5'd1 == mm) begin
            busy <= 1'b0;
            done <= 1'b1;
          end
          i <= i + 5'd1;
        end
      end
    end
  end
endmodule
