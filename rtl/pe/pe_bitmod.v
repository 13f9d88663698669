// pe_bitmod.v - BitMoD's bit-serial PE (Chen et al., HPCA 2025), as its
// paper describes it (shared/reference/bitmod-and-baselines.md): a cycle
// takes one term of each of DP weights and DP FP16 activations and does a
// DP-way dot product - exponent alignment to the largest exponent, 1b x 11b
// mantissa products, an adder tree - then shift-accumulates the sum at the
// terms' bit position.  A weight is split into terms (-1)^s x 2^e x m
// (m one bit): INT8/INT6 as 4/3 radix-4 Booth digits (+-1, +-2 at bit
// positions 0, 2, 4, 6: e in {0, 1}), FP4/FP3 as 2 sign-magnitude terms
// (e up to 3).  One term a weight a cycle = BitMoD's 2 weight bits a
// cycle.  Synthesised by scripts/area-fit.py (unit pe_bitmod); checked
// against a C reference by tests/test_pe_rtl.cpp.
//
// Arithmetic (what the reference reproduces):
//  - Activation i: FP16 with subnormals (exponent field 0: significand
//    0.f, exponent 1); exponent 31 is taken as an ordinary exponent.
//    Significand man_i (11 bits), exponent E_i = max(exp_i, 1) + e_i.
//  - A lane whose product is zero (m_i = 0 or man_i = 0) takes no part in
//    the maximum: E_i = 0.  emax = max E_i.
//  - Alignment: v_i = (man_i << G) >> (emax - E_i), truncated (the
//    magnitude: toward zero), then negated when s_i ^ sign_i.
//  - The adder tree sums the DP v_i exactly.
//  - Shift-accumulate: acc += sum << (emax + pos), ACCW-bit two's
//    complement (wraps; not detected).  The accumulator is fixed point:
//    one unit is 2^-(25 + G) of an activation x term product, i.e.
//    acc x 2^-(25+G) = sum over cycles and lanes of the aligned products.
//    With no truncation (every emax - E_i <= G) this is exact:
//    sum (-1)^(s_i ^ sign_i) x m_i x 2^(e_i + pos) x act_i.
//    Full range needs 11 + G + 1 + log2(DP) + 34 + 7 bits (58 at G = 3,
//    DP = 4); ACCW = 64 leaves 6 bits of headroom for summing.
//  The group scale (BitMoD's bit-serial dequantizer) is applied outside.
module pe_bitmod #(
    parameter integer DP = 4,     // weights (and activations) a cycle
    parameter integer ACCW = 64,  // accumulator bits
    parameter integer G = 3,      // guard bits kept below the largest exponent
    parameter integer EW = 2,     // term exponent bits (e in 0 .. 2^EW - 1)
    parameter integer PW = 3      // bit-position bits (pos in 0 .. 2^PW - 1)
) (
    input  wire                   clk,
    input  wire                   rst,
    input  wire                   en,
    input  wire                   clear,
    input  wire [16*DP-1:0]       act,   // DP FP16 activations
    input  wire [DP-1:0]          ws,    // term signs
    input  wire [EW*DP-1:0]       we,    // term exponents
    input  wire [DP-1:0]          wm,    // term mantissas (1: the term is there)
    input  wire [PW-1:0]          pos,   // the terms' bit position (common)
    output reg  signed [ACCW-1:0] acc
);
    localparam integer XW = 6;                 // exponent bits: up to 31 + 2^EW - 1
    localparam integer VW = 11 + G;            // aligned magnitude bits
    localparam integer LG = (DP <= 1) ? 0 : $clog2(DP);
    localparam integer SW = VW + 1 + LG;       // adder tree sum bits (signed)

    // ---- per lane: significand, exponent, sign (the 1b x 11b product)
    // (flat vectors, lane i at [11*i +: 11] and [XW*i +: XW])
    reg [11*DP-1:0] man;
    reg [XW*DP-1:0] ex;
    reg [DP-1:0]    sg;
    integer i;
    always @(*) begin
        for (i = 0; i < DP; i = i + 1) begin
            man[11*i +: 11] = {act[16*i+10 +: 5] != 5'd0, act[16*i +: 10]} & {11{wm[i]}};
            ex[XW*i +: XW] = (man[11*i +: 11] == 11'd0) ? {XW{1'b0}} :
                    ((act[16*i+10 +: 5] == 5'd0) ? 6'd1 : {1'b0, act[16*i+10 +: 5]}) +
                    {{(XW-EW){1'b0}}, we[EW*i +: EW]};
            sg[i] = ws[i] ^ act[16*i+15];
        end
    end

    // ---- the largest exponent
    reg [XW-1:0] emax;
    integer j;
    always @(*) begin
        emax = {XW{1'b0}};
        for (j = 0; j < DP; j = j + 1)
            if (ex[XW*j +: XW] > emax)
                emax = ex[XW*j +: XW];
    end

    // ---- align each lane to emax (truncating), sign it, and sum: written as
    // a running sum: the DP - 1 adders a tree has (yosys keeps the chain:
    // the same adders, more logic depth)
    reg [VW-1:0]        v;
    reg [XW-1:0]        sh;
    reg signed [SW-1:0] sum;
    integer k;
    always @(*) begin
        sum = {SW{1'b0}};
        for (k = 0; k < DP; k = k + 1) begin
            sh = emax - ex[XW*k +: XW];
            v = {man[11*k +: 11], {G{1'b0}}} >> sh;
            sum = sg[k] ? sum - $signed({{(SW-VW){1'b0}}, v}) : sum + $signed({{(SW-VW){1'b0}}, v});
        end
    end

    // ---- shift-accumulate at emax + pos
    wire [XW:0]            shamt = {1'b0, emax} + {{(XW+1-PW){1'b0}}, pos};
    wire signed [ACCW-1:0] sumx = {{(ACCW-SW){sum[SW-1]}}, sum};
    wire signed [ACCW-1:0] add = sumx <<< shamt;
    always @(posedge clk) begin
        if (rst || clear)
            acc <= {ACCW{1'b0}};
        else if (en)
            acc <= acc + add;
    end
endmodule
