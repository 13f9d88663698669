// pe_mac_fp16.v - one lane of an FP16 tensor core: an FP16 x FP16 multiply
// accumulated into a floating-point register (sign, 8-bit exponent, MW
// fraction bits; MW = 23 is FP32), one multiply-accumulate a cycle.
// Synthesised by scripts/area-fit.py for the area model (unit pe_mac_fp16);
// checked against a C reference by tests/test_pe_rtl.cpp.
//
// Arithmetic (what the reference reproduces):
//  - FP16 inputs: normal numbers and zero.  A subnormal input (exponent
//    field 0) is flushed to zero.  Inputs must be finite: exponent 31
//    (Inf/NaN) is taken as an ordinary exponent, not special-cased.
//  - The product of two FP16 normals has 22 significant bits (11 x 11), so
//    it is exact in the accumulator's format (MW >= 21): no rounding there.
//  - The add acc + product is IEEE-754 round-to-nearest-even, rounded once
//    (guard, round and sticky bits); an exact cancellation gives +0.
//  - The accumulator starts at +0 (clear) and only ever holds sums of such
//    products, all multiples of 2^-48, so it never becomes subnormal and is
//    never -0: no subnormal path in the adder.  Exponent overflow (past
//    2^128, more than 2^96 of the largest products) is not detected.
//  So with MW = 23 the register holds exactly what C's float computes for
//  acc = acc + (float)a * (float)b on flushed inputs.
module pe_mac_fp16 #(
    parameter integer MW = 23    // accumulator fraction bits (23: FP32), >= 21
) (
    input  wire           clk,
    input  wire           rst,
    input  wire           en,
    input  wire           clear,
    input  wire [15:0]    a,
    input  wire [15:0]    b,
    output reg  [MW+8:0]  acc    // {sign, exponent (bias 127), fraction}
);
    localparam integer M = MW + 1;   // significand bits with the hidden one
    localparam integer W = M + 3;    // aligned width: significand, guard, round, sticky

    // ---- multiply: exact 22-bit product, normalised to M bits
    wire [4:0]  ea = a[14:10];
    wire [4:0]  eb = b[14:10];
    wire        pzero = (ea == 5'd0) || (eb == 5'd0);
    wire [21:0] mp = {1'b1, a[9:0]} * {1'b1, b[9:0]};     // in [2^20, 2^22)
    // value = mp x 2^(ea + eb - 30 - 20); normalised with the hidden bit at
    // 2^0 the biased exponent is ea + eb - 30 + 127 + mp[21]
    wire [7:0]  pexp = pzero ? 8'd0 : {3'b000, ea} + {3'b000, eb} + 8'd97 + {7'd0, mp[21]};
    wire [M-1:0] pman = pzero ? {M{1'b0}} :
                        mp[21] ? {mp, {(M-22){1'b0}}} : {mp[20:0], {(M-21){1'b0}}};
    wire        psign = a[15] ^ b[15];

    // ---- the accumulator's operand (never subnormal: exponent 0 is zero)
    wire        asign = acc[MW+8];
    wire [7:0]  aexp = acc[MW+7:MW];
    wire [M-1:0] aman = {aexp != 8'd0, acc[MW-1:0]};

    // ---- order by magnitude: x the larger, y the smaller
    wire        a_big = {aexp, aman} >= {pexp, pman};
    wire        xs = a_big ? asign : psign;
    wire        ys = a_big ? psign : asign;
    wire [7:0]  xe = a_big ? aexp : pexp;
    wire [7:0]  ye = a_big ? pexp : aexp;
    wire [M-1:0] xm = a_big ? aman : pman;
    wire [M-1:0] ym = a_big ? pman : aman;

    // ---- align y to x: shift right by the exponent difference, the bits
    // shifted out ORed into the sticky bit
    wire [7:0]  d = xe - ye;
    wire        far = ({24'd0, d} >= W);
    wire [W-1:0] yext = {ym, 3'b000};
    wire [W-1:0] ysh = far ? {W{1'b0}} : (yext >> d);
    wire [W-1:0] lost = far ? yext : (yext & ~({W{1'b1}} << d));
    wire [W-1:0] yal = {ysh[W-1:1], ysh[0] | (|lost)};

    // ---- add or subtract (x >= y in magnitude: the difference is >= 0)
    wire [W:0]  xw = {1'b0, xm, 3'b000};
    wire [W:0]  sum = (xs ^ ys) ? xw - {1'b0, yal} : xw + {1'b0, yal};

    // ---- normalise: a carry shifts right one (sticky kept); otherwise
    // shift left by the leading zeros (more than one only when d <= 1,
    // where nothing was shifted out)
    function [5:0] lzc;
        input [W-1:0] v;
        integer i;
        reg found;
        begin
            lzc = 6'd0;
            found = 1'b0;
            for (i = W - 1; i >= 0; i = i - 1) begin
                if (!found && v[i])
                    found = 1'b1;
                else if (!found)
                    lzc = lzc + 6'd1;
            end
        end
    endfunction
    wire        carry = sum[W];
    wire [5:0]  lz = lzc(sum[W-1:0]);
    wire [W-1:0] nrm = carry ? {sum[W:2], sum[1] | sum[0]} : (sum[W-1:0] << lz);
    // (8 bits: the exponent neither overflows nor underflows, see above)
    wire [7:0]  nexp = carry ? xe + 8'd1 : xe - {2'b00, lz};

    // ---- round to nearest, ties to even: guard nrm[2], round|sticky nrm[1:0]
    wire        rup = nrm[2] & (nrm[1] | nrm[0] | nrm[3]);
    wire [M:0]  rman = {1'b0, nrm[W-1:3]} + {{M{1'b0}}, rup};
    wire        rcarry = rman[M];                      // 1.11..1 + ulp = 10.0
    wire [7:0]  rexp = nexp + {7'd0, rcarry};
    wire [MW-1:0] frac = rcarry ? {MW{1'b0}} : rman[MW-1:0];
    wire        zero = (sum == {(W+1){1'b0}});
    wire [MW+8:0] result = zero ? {(MW+9){1'b0}} : {xs, rexp, frac};

    always @(posedge clk) begin
        if (rst || clear)
            acc <= {(MW+9){1'b0}};
        else if (en)
            acc <= result;
    end
endmodule
