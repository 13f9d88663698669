// lutc_dq.v - dequantization unit, int32 mode: dequant_lanes outputs per
// cycle, ceil(m*n / lanes) cycles (unit_dq.c).  Output j = r*n + col:
//   twice = acc[j] + corr[col] * asum[r]      (64-bit)
//   g     = shift ? twice / 2 : twice          (C division, toward zero)
//   dst[j] = (accum ? dst[j] : 0) + g          (int32, wrapping)
// corr is the int32 at meta + col*8 (weight buffer), asum the int32 at
// sum + r*4 (table buffer).  Float mode (fmode = 1) is not implemented:
// err_fmode is raised and the harness refuses such programs beforehand.
// Instruction words carry fields this unit does not use, and addresses are
// computed wide and cut to the 22-bit ISA address: unused bits by design.
/* verilator lint_off UNUSEDSIGNAL */
`include "isa.vh"
`include "arch_params.vh"
module lutc_dq (
    input  wire          clk,
    input  wire          rst,
    input  wire          start,
    input  wire [127:0]  word,
    output reg           busy,
    output wire          last,
    output reg           err_fmode,
    // output buffer: accumulators and previous destination (contiguous)
    output wire [21:0]   acc_addr,
    output wire          acc_en,
    input  wire [`ARCH_DQ_LANES*32-1:0] acc_data,
    output wire [21:0]   dst_raddr,
    output wire          dst_ren,
    input  wire [`ARCH_DQ_LANES*32-1:0] dst_rdata,
    // per-lane gathers: zero-point factor (weight buffer), row sum (table)
    output wire [`ARCH_DQ_LANES*22-1:0] meta_addr,
    input  wire [`ARCH_DQ_LANES*32-1:0] meta_data,
    output wire [`ARCH_DQ_LANES*22-1:0] sum_addr,
    input  wire [`ARCH_DQ_LANES*32-1:0] sum_data,
    // output buffer write
    output wire          w_en,
    output wire [21:0]   w_addr,
    output wire [15:0]   w_len,
    output wire [`ARCH_DQ_LANES*32-1:0] w_data
);
    localparam integer L = `ARCH_DQ_LANES;

    wire [31:0] f_acc  = {10'd0, word[`F_DQ_ACC_LSB +: `F_DQ_ACC_W]};
    wire [31:0] f_sum  = {10'd0, word[`F_DQ_SUM_LSB +: `F_DQ_SUM_W]};
    wire [31:0] f_meta = {10'd0, word[`F_DQ_META_LSB +: `F_DQ_META_W]};
    wire [31:0] f_dst  = {10'd0, word[`F_DQ_DST_LSB +: `F_DQ_DST_W]};
    wire [31:0] f_m    = {20'd0, word[`F_DQ_M_LSB +: `F_DQ_M_W]};
    wire [31:0] f_n    = {{(32 - `F_DQ_N_W){1'b0}}, word[`F_DQ_N_LSB +: `F_DQ_N_W]};

    reg [31:0] acc, sum, meta, dst, n, total, j0, r0, c0;
    reg        accum, shift;

    // lane l's (row, col): a chain of wrap-around increments from lane 0
    reg [31:0] lr [0:L];
    reg [31:0] lc [0:L];
    integer l;
    // (an idle unit's lanes are not used: they stay at zero while it waits)
    always @* begin
        lr[0] = r0;
        lc[0] = c0;
        for (l = 0; l < L; l = l + 1) begin
            if (!busy) begin
                lc[l+1] = 32'd0;
                lr[l+1] = 32'd0;
            end else if (lc[l] + 32'd1 == n) begin
                lc[l+1] = 32'd0;
                lr[l+1] = lr[l] + 32'd1;
            end else begin
                lc[l+1] = lc[l] + 32'd1;
                lr[l+1] = lr[l];
            end
        end
    end

    wire [31:0] left = total - j0;
    wire [31:0] nl = left < L ? left : L;
    wire [31:0] aa = acc + j0 * 4;
    wire [31:0] da = dst + j0 * 4;
    assign acc_addr = aa[21:0];
    assign last = busy && left <= L;
    assign acc_en = busy;
    assign dst_raddr = da[21:0];
    assign dst_ren = busy && accum;
    assign w_en = busy;
    assign w_addr = da[21:0];
    assign w_len = nl[13:0] * 16'd4;

    // Per-lane gather addresses, only while busy (the buffers read them only
    // then): packing 2 x 64 22-bit fields costs a simulator more than the
    // lanes' arithmetic.
    /* verilator tracing_off */
    reg [31:0] ma, sa;
    /* verilator tracing_on */
    reg [L*22-1:0] mad, sad;
    assign meta_addr = mad;
    assign sum_addr = sad;
    integer la;
    always @* begin
        ma = 32'd0; sa = 32'd0;
        mad = {L*22{1'b0}};
        sad = {L*22{1'b0}};
        if (busy)
            for (la = 0; la < L; la = la + 1) begin
                ma = meta + lc[la] * 8;
                sa = sum + lr[la] * 4;
                mad[la*22 +: 22] = ma[21:0];
                sad[la*22 +: 22] = sa[21:0];
            end
    end

    // The lanes' arithmetic, computed only while busy (w_en is low, and the
    // buffer ignores w_data, otherwise).
    /* verilator tracing_off */
    reg signed [63:0] a64, k64, s64, tw, half;
    reg [63:0] gr;
    reg [31:0] prev;
    /* verilator tracing_on */
    reg [L*32-1:0] wd;
    integer ln;
    assign w_data = wd;
    always @* begin
        a64 = 64'sd0; k64 = 64'sd0; s64 = 64'sd0; tw = 64'sd0; half = 64'sd0;
        gr = 64'd0; prev = 32'd0;
        wd = {L*32{1'b0}};
        if (busy)
            for (ln = 0; ln < L; ln = ln + 1) begin
                a64 = {{32{acc_data[ln*32+31]}}, acc_data[ln*32 +: 32]};
                k64 = {{32{meta_data[ln*32+31]}}, meta_data[ln*32 +: 32]};
                s64 = {{32{sum_data[ln*32+31]}}, sum_data[ln*32 +: 32]};
                tw = a64 + k64 * s64;
                half = (tw + {63'd0, tw[63]}) >>> 1;
                gr = shift ? half : tw;
                prev = accum ? dst_rdata[ln*32 +: 32] : 32'd0;
                wd[ln*32 +: 32] = prev + gr[31:0];
            end
    end

    always @(posedge clk) begin
        if (rst) begin
            busy <= 1'b0;
            err_fmode <= 1'b0;
        end else if (start) begin
            busy <= 1'b1;
            if (word[`F_DQ_FMODE_LSB]) err_fmode <= 1'b1;
            acc <= f_acc; sum <= f_sum; meta <= f_meta; dst <= f_dst; n <= f_n;
            total <= f_m * f_n;
            accum <= word[`F_DQ_ACCUM_LSB];
            shift <= word[`F_DQ_SHIFT_LSB];
            j0 <= 32'd0; r0 <= 32'd0; c0 <= 32'd0;
        end else if (busy) begin
            j0 <= j0 + L;
            r0 <= lr[L];
            c0 <= lc[L];
            if (left <= L) busy <= 1'b0;
        end
    end
endmodule
