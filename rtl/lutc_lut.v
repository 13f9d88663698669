// lutc_lut.v - the LUT array: tile_m tables x (tile_n * cores) columns.
// One pass per cycle: ceil(m/tile_m) * ceil(n/cols) * ceil(klen/tk) * wbits
// passes (unit_lut.c's cost; ARCH_LMMA_PER_PASS == 1).  Pass order: row
// block, column block, chunk, bit-plane.  Per pass every column reads its
// tk-bit index field of the bit-plane row (bits [tk-2:0] select one of the
// 2^(tk-1) entries of each row's table, bit tk-1 negates) and adds the
// signed entry << plane to its accumulator.  Accumulators live in the
// array; the first pass of a block loads them (accum) or starts from zero,
// the last pass writes them to the output buffer.
// Instruction words carry fields this unit does not use, and addresses are
// computed wide and cut to the 22-bit ISA address: unused bits by design.
/* verilator lint_off UNUSEDSIGNAL */
`include "isa.vh"
`include "arch_params.vh"
module lutc_lut (
    input  wire          clk,
    input  wire          rst,
    input  wire          start,
    input  wire [127:0]  word,
    output reg           busy,
    output wire          last_beat,
    // weight buffer: one bit-plane row segment of cols fields
    output wire [21:0]   w_addr,
    output wire          w_en,
    input  wire [`ARCH_COLS*`ARCH_TILE_K-1:0] w_data,
    // table buffer: tile_m tables
    output wire [`ARCH_TILE_M*22-1:0] t_addr,
    output wire          t_en,
    input  wire [`ARCH_TILE_M*`ARCH_ENTRIES*16-1:0] t_data,
    // output buffer: accumulator rows (read at a block's first pass if
    // accum, written at its last)
    output wire [`ARCH_TILE_M*22-1:0] a_addr,
    output wire          a_ren,
    input  wire [`ARCH_TILE_M*`ARCH_COLS*32-1:0] a_rdata,
    output wire [`ARCH_TILE_M-1:0] a_we,
    output wire [15:0]   a_wlen,
    output reg  [`ARCH_TILE_M*`ARCH_COLS*32-1:0] a_wdata
);
    localparam integer TM = `ARCH_TILE_M;
    localparam integer COLS = `ARCH_COLS;
    localparam integer TK = `ARCH_TILE_K;
    localparam integer E = `ARCH_ENTRIES;
    localparam integer EB = E * `ARCH_ENTRY_BYTES;

    wire [31:0] w_tbl   = {10'd0, word[`F_LMMA_TBL_LSB +: `F_LMMA_TBL_W]};
    wire [31:0] w_wgt   = {10'd0, word[`F_LMMA_WGT_LSB +: `F_LMMA_WGT_W]};
    wire [31:0] w_acc   = {10'd0, word[`F_LMMA_ACC_LSB +: `F_LMMA_ACC_W]};
    wire [31:0] w_m     = {20'd0, word[`F_LMMA_M_LSB +: `F_LMMA_M_W]};
    wire [31:0] w_n     = {16'd0, word[`F_LMMA_N_LSB +: `F_LMMA_N_W]};
    wire [31:0] w_klen  = {14'd0, word[`F_LMMA_KLEN_LSB +: `F_LMMA_KLEN_W]};
    wire [31:0] w_wbits = {28'd0, word[`F_LMMA_WBITS_LSB +: `F_LMMA_WBITS_W]};
    wire        w_accum = word[`F_LMMA_ACCUM_LSB];

    reg [31:0] tbl, wgt, acc, m, n, wbits, chunks, rb, rps, cps;
    reg        accum;
    reg [31:0] rp, cp, c, i;
    reg [TM*COLS*32-1:0] acc_q;

    wire first = (c == 32'd0) && (i == 32'd0);
    wire last  = (c == chunks - 32'd1) && (i == wbits - 32'd1);
    wire [31:0] col0 = cp * COLS;
    wire [31:0] ncols_left = n - col0;
    wire [31:0] ncols = ncols_left < COLS ? ncols_left : COLS;
    wire [31:0] wa = wgt + (c * wbits + i) * rb + cp * (COLS * TK / 8);
    assign w_addr = wa[21:0];
    assign last_beat = busy && last && cp == cps - 32'd1 && rp == rps - 32'd1;
    assign w_en = busy;
    assign t_en = busy;
    assign a_ren = busy && first && accum;
    assign a_wlen = ncols[13:0] * 16'd4;

    genvar g;
    generate
        for (g = 0; g < TM; g = g + 1) begin : row
            wire [31:0] r = rp * TM + g;
            wire [31:0] ta = tbl + (r * chunks + c) * EB;
            wire [31:0] aa = acc + (r * n + col0) * 4;
            assign t_addr[g*22 +: 22] = ta[21:0];
            assign a_addr[g*22 +: 22] = aa[21:0];
            assign a_we[g] = busy && last && (r < m);
        end
    endgenerate

    // Each row's entries sign-extended and shifted to this pass's bit-plane
    // once per row (E shifters a row) rather than once per column (COLS
    // shifters a row): -(t << plane) == (-t) << plane in 32 bits, so a
    // column still selects an entry, negates it when its sign bit is set,
    // and adds it, and the sums are the same.  A column's multiplexer is 32
    // bits wide instead of 16, about what the per-column shifter cost.
    reg [31:0] tsh [0:TM*E-1];
    integer q;
    always @*
        for (q = 0; q < TM*E; q = q + 1)
            tsh[q] = {{16{t_data[q*16 + 15]}}, t_data[q*16 +: 16]} << i[2:0];

    // The columns, as loops over (row, column) rather than a generate
    // block: Verilator unrolls them (--unroll-count, per loop: so the row
    // and the column loops stay apart) into constant word indices, where a
    // generate of TM x COLS slice assigns became one TM*COLS*32-bit
    // concatenation per cycle.  A column's weight field is read once for its
    // TM rows.  What a pass adds to: the output buffer's accumulators or
    // zero on a block's first pass, the array's own after that (selected per
    // column: as one 32 Kbit vector select a simulator copies it whole, in
    // idle cycles too).
    // (per-column temporaries: not traced)
    /* verilator tracing_off */
    integer lg, lh;
    reg [TK-1:0] f;
    reg [31:0] x, init, base;
    /* verilator tracing_on */
    // (an idle array computes nothing: its sums are written only while busy)
    always @* begin
        f = {TK{1'b0}}; x = 32'd0; init = 32'd0; base = 32'd0;
        /* verilator lint_off WIDTHCONCAT */
        if (!busy) a_wdata = '0;
        /* verilator lint_on WIDTHCONCAT */
        else for (lh = 0; lh < COLS; lh = lh + 1) begin
            f = w_data[lh*TK +: TK];
            for (lg = 0; lg < TM; lg = lg + 1) begin
                x = tsh[lg*E + {{(32-TK+1){1'b0}}, f[TK-2:0]}];
                init = accum ? a_rdata[(lg*COLS + lh)*32 +: 32] : 32'd0;
                base = first ? init : acc_q[(lg*COLS + lh)*32 +: 32];
                a_wdata[(lg*COLS + lh)*32 +: 32] = base + (f[TK-1] ? -x : x);
            end
        end
    end

    always @(posedge clk) if (busy) acc_q <= a_wdata;

    always @(posedge clk) begin
        if (rst) begin
            busy <= 1'b0;
        end else if (start) begin
            busy <= 1'b1;
            tbl <= w_tbl; wgt <= w_wgt; acc <= w_acc; m <= w_m; n <= w_n;
            wbits <= w_wbits; accum <= w_accum;
            chunks <= (w_klen + TK - 1) / TK;
            rb <= (w_n * TK + 7) / 8;
            rps <= (w_m + TM - 1) / TM;
            cps <= (w_n + COLS - 1) / COLS;
            rp <= 32'd0; cp <= 32'd0; c <= 32'd0; i <= 32'd0;
        end else if (busy) begin
            if (i != wbits - 32'd1) begin
                i <= i + 32'd1;
            end else begin
                i <= 32'd0;
                if (c != chunks - 32'd1) begin
                    c <= c + 32'd1;
                end else begin
                    c <= 32'd0;
                    if (cp != cps - 32'd1) begin
                        cp <= cp + 32'd1;
                    end else begin
                        cp <= 32'd0;
                        rp <= rp + 32'd1;
                        if (rp == rps - 32'd1) busy <= 1'b0;
                    end
                end
            end
        end
    end
endmodule
