// pe_mac_int.v - the integer MAC processing element of the baseline arrays:
// one signed AW x WW-bit multiply a cycle, accumulated into an ACCW-bit
// register (a lane of a dot-product tensor core; the arithmetic of a
// systolic PE, pe_systolic.v).  Synthesised by scripts/area-fit.py for the
// area model (workloads/area/logic_fit.json, unit pe_mac_int).
module pe_mac_int #(
    parameter integer AW = 8,    // activation bits
    parameter integer WW = 8,    // weight bits
    parameter integer ACCW = 32  // accumulator bits (>= AW + WW)
) (
    input  wire                   clk,
    input  wire                   rst,
    input  wire                   en,
    input  wire                   clear,
    input  wire signed [AW-1:0]   a,
    input  wire signed [WW-1:0]   w,
    output reg  signed [ACCW-1:0] acc
);
    wire signed [AW+WW-1:0] p = a * w;
    wire signed [ACCW-1:0] pe = {{(ACCW-AW-WW){p[AW+WW-1]}}, p};
    always @(posedge clk) begin
        if (rst || clear)
            acc <= {ACCW{1'b0}};
        else if (en)
            acc <= acc + pe;
    end
endmodule
