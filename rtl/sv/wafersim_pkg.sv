// Shared definitions of the wafersim tile blocks: the flit word every port carries and the
// round-robin pick the allocators are built from (the same rule as sim/allocator.hpp).
//
// Flit word (32 bits), identical on every router port and in the C++ models (rtl/flit.hpp):
//   [0]      valid
//   [1]      head
//   [2]      tail
//   [5:3]    vc       virtual channel the flit travels on (downstream input VC)
//   [13:6]   dst      destination {row[3:0], col[3:0]}
//   [31:14]  tag      opaque to the router (packet id and flit index for the scoreboard)
package wafersim_pkg;
  localparam int PORTS = 5;  // 0 north, 1 west, 2 east, 3 south, 4 local (as mesh/routing.hpp)
  localparam int P_NORTH = 0, P_WEST = 1, P_EAST = 2, P_SOUTH = 3, P_LOCAL = 4;

  // The first set bit of mask[n-1:0] at or after position ptr, wrapping around (0 if none).
  function automatic logic [5:0] rr_pick(input logic [63:0] mask, input logic [5:0] ptr, input int n);
    logic found;
    int idx;
    found = 1'b0;
    rr_pick = '0;
    for (int j = 0; j < 64; j++) begin
      idx = int'(ptr) + j;
      if (idx >= n) idx = idx - n;
      if (j < n && !found && mask[idx[5:0]]) begin
        found = 1'b1;
        rr_pick = idx[5:0];
      end
    end
  endfunction

  // The pointer value just past `winner` among n positions.
  function automatic logic [5:0] rr_next(input logic [5:0] winner, input int n);
    rr_next = (int'(winner) + 1 == n) ? 6'd0 : winner + 6'd1;
  endfunction
endpackage
