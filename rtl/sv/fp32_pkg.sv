// The arithmetic of the PE's bf16 path (rtl/sv/pe.sv): the exact bf16 x bf16 product in fp32 and
// the fp32 sum rounded to nearest, ties to even (IEEE 754), with subnormals flushed to zero
// (inputs and results), as most AI accelerators' bf16 units do. Inputs with exponent 255 (inf,
// NaN) and results that overflow are outside the contract: overflow gives inf, NaN is not kept.
package fp32_pkg;
  // bf16 x bf16: 8-bit significands, so the 16-bit product fits fp32's 24 bits exactly.
  function automatic logic [31:0] bf16_mul(input logic [15:0] a, input logic [15:0] b);
    logic s;
    logic [15:0] p;
    int e;
    s = a[15] ^ b[15];
    if (a[14:7] == 8'd0 || b[14:7] == 8'd0) return {s, 31'd0};
    p = 16'({1'b1, a[6:0]}) * 16'({1'b1, b[6:0]});
    e = int'(a[14:7]) + int'(b[14:7]) - 127;
    if (p[15]) begin
      e = e + 1;
      p = p << 1;  // drop the leading one
    end else begin
      p = p << 2;
    end
    if (e <= 0) return {s, 31'd0};
    if (e >= 255) return {s, 8'hff, 23'd0};
    return {s, 8'(e), p[15:0], 7'd0};
  endfunction

  // x + y, round to nearest even. Working format: [51] carry, [50:27] significand, [26:1] 26 guard
  // bits, [0] sticky (any bit shifted out below); a sticky at the very bottom keeps both the
  // ties and the borrow of a subtraction exact.
  function automatic logic [31:0] fp32_add(input logic [31:0] x, input logic [31:0] y);
    logic [31:0] greater, lesser;
    logic [51:0] bm, sm, sum, shifted_out;
    int d, e, lz;
    logic [24:0] mant;
    logic guard, rest, sign;
    if (x[30:23] == 8'd0 && y[30:23] == 8'd0) return {x[31] & y[31], 31'd0};
    if (x[30:23] == 8'd0) return y;
    if (y[30:23] == 8'd0) return x;
    if (x[30:0] >= y[30:0]) begin
      greater = x;
      lesser = y;
    end else begin
      greater = y;
      lesser = x;
    end
    sign = greater[31];
    d = int'(greater[30:23]) - int'(lesser[30:23]);
    bm = {2'b01, greater[22:0], 27'd0};
    sm = {2'b01, lesser[22:0], 27'd0};
    if (d >= 52) begin
      sm = 52'd1;
    end else begin
      shifted_out = sm & ((52'd1 << d) - 52'd1);
      sm = (sm >> d) | 52'(shifted_out != 52'd0);
    end
    e = int'(greater[30:23]);
    if (greater[31] == lesser[31]) begin
      sum = bm + sm;
      if (sum[51]) begin
        sum = (sum >> 1) | 52'(sum[0]);
        e = e + 1;
      end
    end else begin
      sum = bm - sm;
      if (sum == 52'd0) return 32'd0;
      lz = 0;
      for (int b = 50; b >= 0; b--) if (sum[b] && lz == 0) lz = 51 - b;
      lz = lz - 1;  // shift so that the leading one sits at bit 50
      sum = sum << lz;
      e = e - lz;
    end
    if (e <= 0) return {sign, 31'd0};
    guard = sum[26];
    rest = sum[25:0] != 26'd0;
    mant = {1'b0, sum[50:27]} + 25'(guard && (rest || sum[27]));
    if (mant[24]) begin
      mant = mant >> 1;
      e = e + 1;
    end
    if (e >= 255) return {sign, 8'hff, 23'd0};
    return {sign, 8'(e), mant[22:0]};
  endfunction
endpackage
