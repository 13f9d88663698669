// lutc_buffers.v - the four on-chip buffers (act, weight, table, output),
// byte-addressed, sizes from the arch.  Reads are combinational from
// registered unit addresses (a synchronous SRAM with its address register
// in the unit); writes land at the clock edge.  Each unit has its own port,
// as wide as its per-cycle need (see README "RTL" for how this compares
// with the arch's banks x width x ports, which the C model's timing does
// not charge either).  Out-of-range reads return 0 (the C model's bounds
// checks reject out-of-range accesses before a run).
/* verilator lint_off BLKSEQ */
`include "isa.vh"
`include "arch_params.vh"
module lutc_buffers (
    input  wire          clk,
    // DMA: load data returning from DRAM, and store reads
    input  wire          dw_en,
    input  wire [23:0]   dw_tag,   // {buf, addr}
    input  wire [15:0]   dw_len,
    input  wire [`ARCH_DRAM_BURST*8-1:0] dw_data,
    input  wire          dr_en,
    input  wire [1:0]    dr_buf,
    input  wire [21:0]   dr_addr,
    output reg  [`ARCH_DRAM_BURST*8-1:0] dr_data,
    // precompute
    input  wire          tp_aen,
    input  wire [21:0]   tp_aaddr,
    output reg  [`ARCH_TILE_K*8-1:0] tp_adata,
    input  wire          tp_twe,
    input  wire [21:0]   tp_taddr,
    input  wire [`ARCH_ENTRIES*16-1:0] tp_tdata,
    input  wire          tp_swe,
    input  wire [21:0]   tp_saddr,
    input  wire [31:0]   tp_sdata,
    // LUT array
    input  wire          lw_en,
    input  wire [21:0]   lw_addr,
    output reg  [`ARCH_COLS*`ARCH_TILE_K-1:0] lw_data,
    input  wire          lt_en,
    input  wire [`ARCH_TILE_M*22-1:0] lt_addr,
    output reg  [`ARCH_TILE_M*`ARCH_ENTRIES*16-1:0] lt_data,
    input  wire          la_ren,
    input  wire [`ARCH_TILE_M*22-1:0] la_addr,
    output reg  [`ARCH_TILE_M*`ARCH_COLS*32-1:0] la_rdata,
    input  wire [`ARCH_TILE_M-1:0] la_we,
    input  wire [15:0]   la_wlen,
    input  wire [`ARCH_TILE_M*`ARCH_COLS*32-1:0] la_wdata,
    // dequant
    input  wire          qa_en,
    input  wire [21:0]   qa_addr,
    output reg  [`ARCH_DQ_LANES*32-1:0] qa_data,
    input  wire          qd_en,
    input  wire [21:0]   qd_addr,
    output reg  [`ARCH_DQ_LANES*32-1:0] qd_data,
    input  wire [`ARCH_DQ_LANES*22-1:0] qm_addr,
    output reg  [`ARCH_DQ_LANES*32-1:0] qm_data,
    input  wire [`ARCH_DQ_LANES*22-1:0] qs_addr,
    output reg  [`ARCH_DQ_LANES*32-1:0] qs_data,
    input  wire          qw_en,
    input  wire [21:0]   qw_addr,
    input  wire [15:0]   qw_len,
    input  wire [`ARCH_DQ_LANES*32-1:0] qw_data
);
    localparam integer NA = `ARCH_BUF_ACT_BYTES, NWG = `ARCH_BUF_WEIGHT_BYTES,
                       NT = `ARCH_BUF_TABLE_BYTES, NO = `ARCH_BUF_OUTPUT_BYTES;
    localparam integer TM = `ARCH_TILE_M, COLS = `ARCH_COLS, TK = `ARCH_TILE_K;
    localparam integer E = `ARCH_ENTRIES, L = `ARCH_DQ_LANES, B = `ARCH_DRAM_BURST;

    reg [7:0] m_act [0:NA-1];
    reg [7:0] m_wgt [0:NWG-1];
    reg [7:0] m_tbl [0:NT-1];
    reg [7:0] m_out [0:NO-1];

    function [7:0] rd(input [1:0] b, input [31:0] a);
        case (b)
            2'd0: rd = a < NA ? m_act[a[`ARCH_BUF_ACT_AW-1:0]] : 8'd0;
            2'd1: rd = a < NWG ? m_wgt[a[`ARCH_BUF_WEIGHT_AW-1:0]] : 8'd0;
            2'd2: rd = a < NT ? m_tbl[a[`ARCH_BUF_TABLE_AW-1:0]] : 8'd0;
            default: rd = a < NO ? m_out[a[`ARCH_BUF_OUTPUT_AW-1:0]] : 8'd0;
        endcase
    endfunction
    task wr(input [1:0] b, input [31:0] a, input [7:0] v);
        case (b)
            2'd0: if (a < NA) m_act[a[`ARCH_BUF_ACT_AW-1:0]] = v;
            2'd1: if (a < NWG) m_wgt[a[`ARCH_BUF_WEIGHT_AW-1:0]] = v;
            2'd2: if (a < NT) m_tbl[a[`ARCH_BUF_TABLE_AW-1:0]] = v;
            default: if (a < NO) m_out[a[`ARCH_BUF_OUTPUT_AW-1:0]] = v;
        endcase
    endtask
    function [31:0] rd32(input [1:0] b, input [31:0] a);
        rd32 = {rd(b, a + 3), rd(b, a + 2), rd(b, a + 1), rd(b, a)};
    endfunction

    integer i, j, k;
    always @* begin
        dr_data = {B*8{1'b0}};
        if (dr_en) for (i = 0; i < B; i = i + 1) dr_data[i*8 +: 8] = rd(dr_buf, {10'd0, dr_addr} + i);
    end
    always @* begin
        tp_adata = {TK*8{1'b0}};
        if (tp_aen) for (i = 0; i < TK; i = i + 1) tp_adata[i*8 +: 8] = rd(2'd0, {10'd0, tp_aaddr} + i);
    end
    // (a row wholly inside the buffer, the common case, is read without a
    // bounds compare per byte, and four bytes at a time: one 32-bit word
    // written per four bytes, not a masked update of it per byte)
    localparam integer LWB = COLS*TK/8;
    wire [`ARCH_BUF_WEIGHT_AW-1:0] lwa = lw_addr[`ARCH_BUF_WEIGHT_AW-1:0];
    always @* begin
        lw_data = {COLS*TK{1'b0}};
        if (lw_en && NWG >= LWB && LWB % 4 == 0 && {10'd0, lw_addr} <= NWG - LWB)
            for (i = 0; i < LWB / 4; i = i + 1)
                lw_data[i*32 +: 32] = {m_wgt[lwa + 4*i[`ARCH_BUF_WEIGHT_AW-1:0] + 3],
                                       m_wgt[lwa + 4*i[`ARCH_BUF_WEIGHT_AW-1:0] + 2],
                                       m_wgt[lwa + 4*i[`ARCH_BUF_WEIGHT_AW-1:0] + 1],
                                       m_wgt[lwa + 4*i[`ARCH_BUF_WEIGHT_AW-1:0]]};
        else if (lw_en)
            for (i = 0; i < LWB; i = i + 1) lw_data[i*8 +: 8] = rd(2'd1, {10'd0, lw_addr} + i);
    end
    always @* begin
        lt_data = {TM*E*16{1'b0}};
        if (lt_en)
            for (j = 0; j < TM; j = j + 1)
                for (i = 0; i < 2*E; i = i + 1)
                    lt_data[(j*2*E + i)*8 +: 8] = rd(2'd2, {10'd0, lt_addr[j*22 +: 22]} + i);
    end
    always @* begin
        /* verilator lint_off WIDTHCONCAT */
        la_rdata = '0; // 32 Kbit wide: tile_m rows x cols x 32 bits
        /* verilator lint_on WIDTHCONCAT */
        if (la_ren)
            for (j = 0; j < TM; j = j + 1)
                for (i = 0; i < 4*COLS; i = i + 1)
                    la_rdata[(j*4*COLS + i)*8 +: 8] = rd(2'd3, {10'd0, la_addr[j*22 +: 22]} + i);
    end
    always @* begin
        qa_data = {L*32{1'b0}};
        qm_data = {L*32{1'b0}};
        qs_data = {L*32{1'b0}};
        if (qa_en) begin
            for (i = 0; i < 4*L; i = i + 1) qa_data[i*8 +: 8] = rd(2'd3, {10'd0, qa_addr} + i);
            for (j = 0; j < L; j = j + 1) begin
                qm_data[j*32 +: 32] = rd32(2'd1, {10'd0, qm_addr[j*22 +: 22]});
                qs_data[j*32 +: 32] = rd32(2'd2, {10'd0, qs_addr[j*22 +: 22]});
            end
        end
    end
    always @* begin
        qd_data = {L*32{1'b0}};
        if (qd_en) for (i = 0; i < 4*L; i = i + 1) qd_data[i*8 +: 8] = rd(2'd3, {10'd0, qd_addr} + i);
    end

    always @(posedge clk) begin
        if (dw_en)
            for (i = 0; i < B; i = i + 1)
                if (i < dw_len) wr(dw_tag[23:22], {10'd0, dw_tag[21:0]} + i, dw_data[i*8 +: 8]);
        if (tp_twe)
            for (i = 0; i < 2*E; i = i + 1) wr(2'd2, {10'd0, tp_taddr} + i, tp_tdata[i*8 +: 8]);
        if (tp_swe)
            for (i = 0; i < 4; i = i + 1) wr(2'd2, {10'd0, tp_saddr} + i, tp_sdata[i*8 +: 8]);
        // (per column, then per byte: loops short enough for Verilator to
        // unroll into constant slices)
        for (j = 0; j < TM; j = j + 1)
            if (la_we[j])
                for (i = 0; i < COLS; i = i + 1)
                    if (i*4 < la_wlen)
                        for (k = 0; k < 4; k = k + 1)
                            wr(2'd3, {10'd0, la_addr[j*22 +: 22]} + i*4 + k,
                               la_wdata[((j*COLS + i)*4 + k)*8 +: 8]);
        if (qw_en)
            for (i = 0; i < 4*L; i = i + 1)
                if (i < qw_len) wr(2'd3, {10'd0, qw_addr} + i, qw_data[i*8 +: 8]);
    end
endmodule
/* verilator lint_on BLKSEQ */
