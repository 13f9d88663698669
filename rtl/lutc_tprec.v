// lutc_tprec.v - table precompute: one table (tile_k activations ->
// 2^(tile_k-1) entries, saturated to table_entry_bits, stored in 16 bits)
// per cycle, rows x ceil(klen / tile_k) cycles (unit_tprec.c), plus the
// row's activation sum, written with the row's last table.
// Entry j = a_0 + sum_{k>=1} (bit (k-1) of j ? a_k : -a_k)   (lut_arith.c).
// Instruction words carry fields this unit does not use, and addresses are
// computed wide and cut to the 22-bit ISA address: unused bits by design.
/* verilator lint_off UNUSEDSIGNAL */
`include "isa.vh"
`include "arch_params.vh"
module lutc_tprec (
    input  wire          clk,
    input  wire          rst,
    input  wire          start,
    input  wire [127:0]  word,
    output reg           busy,
    output wire          last,
    // activation buffer read: TK bytes
    output wire [21:0]   a_addr,
    output wire          a_en,
    input  wire [`ARCH_TILE_K*8-1:0] a_data,
    // table buffer writes: one table, and the activation sum
    output wire          t_we,
    output wire [21:0]   t_addr,
    output reg  [`ARCH_ENTRIES*16-1:0] t_data,
    output wire          s_we,
    output wire [21:0]   s_addr,
    output wire [31:0]   s_data
);
    localparam integer TK = `ARCH_TILE_K;
    localparam integer E = `ARCH_ENTRIES;
    localparam integer EB = E * `ARCH_ENTRY_BYTES;
    localparam integer BITS = `ARCH_TABLE_ENTRY_BITS;

    wire [31:0] w_src    = {10'd0, word[`F_TPREC_SRC_LSB +: `F_TPREC_SRC_W]};
    wire [31:0] w_dst    = {10'd0, word[`F_TPREC_DST_LSB +: `F_TPREC_DST_W]};
    wire [31:0] w_sum    = {10'd0, word[`F_TPREC_SUM_LSB +: `F_TPREC_SUM_W]};
    wire [31:0] w_rows   = {20'd0, word[`F_TPREC_ROWS_LSB +: `F_TPREC_ROWS_W]};
    wire [31:0] w_klen   = {14'd0, word[`F_TPREC_KLEN_LSB +: `F_TPREC_KLEN_W]};
    wire [31:0] w_stride = {10'd0, word[`F_TPREC_STRIDE_LSB +: `F_TPREC_STRIDE_W]};

    reg [31:0] dst, sum, rows, klen, stride, chunks;
    reg [31:0] r, c, tix, rowa;
    reg signed [31:0] rsum;

    wire [31:0] k0 = c * TK;
    wire [31:0] left = klen - k0;
    wire [31:0] avail = left < TK ? left : TK;
    assign a_addr = rowa[21:0] + k0[21:0];
    assign a_en = busy;

    reg signed [31:0] a [0:TK-1];
    reg signed [31:0] csum, ent;
    integer k, j;
    always @* begin
        csum = 32'sd0;
        for (k = 0; k < TK; k = k + 1) begin
            a[k] = (k < avail) ? {{24{a_data[k*8+7]}}, a_data[k*8 +: 8]} : 32'sd0;
            csum = csum + a[k];
        end
        for (j = 0; j < E; j = j + 1) begin
            ent = a[0];
            for (k = 1; k < TK; k = k + 1)
                ent = ((j >> (k - 1)) & 1) != 0 ? ent + a[k] : ent - a[k];
            if (ent > (2 ** (BITS - 1)) - 1) ent = (2 ** (BITS - 1)) - 1;
            if (ent < -(2 ** (BITS - 1))) ent = -(2 ** (BITS - 1));
            t_data[j*16 +: 16] = ent[15:0];
        end
    end
    wire [31:0] tad = dst + tix * EB;
    wire [31:0] sad = sum + r * 4;
    wire signed [31:0] rsum_new = (c == 32'd0 ? 32'sd0 : rsum) + csum;
    wire last_c = c == chunks - 32'd1;
    assign last = busy && last_c && r == rows - 32'd1;
    assign t_we = busy;
    assign t_addr = tad[21:0];
    assign s_we = busy && last_c;
    assign s_addr = sad[21:0];
    assign s_data = rsum_new;

    always @(posedge clk) begin
        if (rst) begin
            busy <= 1'b0;
        end else if (start) begin
            busy <= 1'b1;
            dst <= w_dst; sum <= w_sum; rows <= w_rows; klen <= w_klen;
            stride <= w_stride;
            chunks <= (w_klen + TK - 1) / TK;
            r <= 32'd0; c <= 32'd0; tix <= 32'd0; rowa <= w_src;
            rsum <= 32'sd0;
        end else if (busy) begin
            rsum <= rsum_new;
            tix <= tix + 32'd1;
            if (last_c) begin
                c <= 32'd0;
                r <= r + 32'd1;
                rowa <= rowa + stride;
                if (r == rows - 32'd1) busy <= 1'b0;
            end else begin
                c <= c + 32'd1;
            end
        end
    end
endmodule
