// pe_systolic.v - an output-stationary systolic-array PE: the activation
// passes right and the weight down through one register each, and the PE
// accumulates their product in place (pe_mac_int.v).  Weight- and
// input-stationary PEs hold one operand instead of forwarding it: the same
// registers.  Synthesised by scripts/area-fit.py (unit pe_systolic).
module pe_systolic #(
    parameter integer AW = 8,
    parameter integer WW = 8,
    parameter integer ACCW = 32
) (
    input  wire                   clk,
    input  wire                   rst,
    input  wire                   en,
    input  wire                   clear,
    input  wire signed [AW-1:0]   a_in,
    input  wire signed [WW-1:0]   w_in,
    output reg  signed [AW-1:0]   a_out,
    output reg  signed [WW-1:0]   w_out,
    output wire signed [ACCW-1:0] acc
);
    always @(posedge clk) begin
        if (en) begin
            a_out <= a_in;
            w_out <= w_in;
        end
    end
    pe_mac_int #(.AW(AW), .WW(WW), .ACCW(ACCW)) mac (
        .clk(clk), .rst(rst), .en(en), .clear(clear), .a(a_in), .w(w_in), .acc(acc));
endmodule
