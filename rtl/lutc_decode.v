// lutc_decode.v - decode of one instruction word: unit and footprint (the
// buffer / DRAM byte ranges it reads and writes, the ranges
// cmodel/unit_*.c name in footprint()), for the scoreboard.  Combinational.
// No timing: every unit signals its own completion.
//
// A range is {space[2:0], lo[47:0], hi[47:0]} = [lo, hi) in space
// (0..3 = act, weight, table, output; 4 = DRAM; 7 = none).
`include "isa.vh"
`include "arch_params.vh"
module lutc_decode (
    input  wire [127:0] word,
    output reg  [2:0]   unit,      // ISA unit number (isa_unit)
    output reg          is_ctrl,   // barrier or halt
    output reg          is_halt,
    output reg          illegal,   // opcode unknown, or not in the RTL (vop)
    output reg  [4*99-1:0] rd,     // up to 4 read ranges
    output reg  [2*99-1:0] wr      // up to 2 write ranges
);
    localparam [2:0] SP_NONE = 3'd7, SP_DRAM = 3'd4;
    localparam integer TK = `ARCH_TILE_K;
    localparam [47:0] TK48 = 48'd`ARCH_TILE_K;
    localparam integer EB = `ARCH_ENTRIES * `ARCH_ENTRY_BYTES; // bytes per table

    wire [5:0] op = word[`ISA_OPCODE_LSB +: `ISA_OPCODE_W];

    // load / store fields (the two share positions; read through LOAD's)
    wire [1:0]  d_buf    = word[`F_LOAD_BUF_LSB +: `F_LOAD_BUF_W];
    wire [47:0] d_sram   = {26'd0, word[`F_LOAD_SRAM_LSB +: `F_LOAD_SRAM_W]};
    wire [47:0] d_rows   = {32'd0, word[`F_LOAD_ROWS_LSB +: `F_LOAD_ROWS_W]};
    wire [47:0] d_bytes  = {30'd0, word[`F_LOAD_BYTES_LSB +: `F_LOAD_BYTES_W]};
    wire [47:0] d_dram   = {8'd0, word[`F_LOAD_DRAM_LSB +: `F_LOAD_DRAM_W]};
    wire [47:0] d_stride = {24'd0, word[`F_LOAD_STRIDE_LSB +: `F_LOAD_STRIDE_W]};
    wire [47:0] s_sram   = {26'd0, word[`F_STORE_SRAM_LSB +: `F_STORE_SRAM_W]};
    // tprec
    wire [47:0] t_src    = {26'd0, word[`F_TPREC_SRC_LSB +: `F_TPREC_SRC_W]};
    wire [47:0] t_dst    = {26'd0, word[`F_TPREC_DST_LSB +: `F_TPREC_DST_W]};
    wire [47:0] t_sum    = {26'd0, word[`F_TPREC_SUM_LSB +: `F_TPREC_SUM_W]};
    wire [47:0] t_rows   = {36'd0, word[`F_TPREC_ROWS_LSB +: `F_TPREC_ROWS_W]};
    wire [47:0] t_klen   = {30'd0, word[`F_TPREC_KLEN_LSB +: `F_TPREC_KLEN_W]};
    wire [47:0] t_stride = {26'd0, word[`F_TPREC_STRIDE_LSB +: `F_TPREC_STRIDE_W]};
    // lmma
    wire [47:0] l_tbl    = {26'd0, word[`F_LMMA_TBL_LSB +: `F_LMMA_TBL_W]};
    wire [47:0] l_wgt    = {26'd0, word[`F_LMMA_WGT_LSB +: `F_LMMA_WGT_W]};
    wire [47:0] l_acc    = {26'd0, word[`F_LMMA_ACC_LSB +: `F_LMMA_ACC_W]};
    wire [47:0] l_m      = {36'd0, word[`F_LMMA_M_LSB +: `F_LMMA_M_W]};
    wire [47:0] l_n      = {32'd0, word[`F_LMMA_N_LSB +: `F_LMMA_N_W]};
    wire [47:0] l_klen   = {30'd0, word[`F_LMMA_KLEN_LSB +: `F_LMMA_KLEN_W]};
    wire [47:0] l_wbits  = {44'd0, word[`F_LMMA_WBITS_LSB +: `F_LMMA_WBITS_W]};
    wire        l_accum  = word[`F_LMMA_ACCUM_LSB];
    // dq
    wire [47:0] q_acc    = {26'd0, word[`F_DQ_ACC_LSB +: `F_DQ_ACC_W]};
    wire [47:0] q_sum    = {26'd0, word[`F_DQ_SUM_LSB +: `F_DQ_SUM_W]};
    wire [47:0] q_meta   = {26'd0, word[`F_DQ_META_LSB +: `F_DQ_META_W]};
    wire [47:0] q_dst    = {26'd0, word[`F_DQ_DST_LSB +: `F_DQ_DST_W]};
    wire [47:0] q_m      = {36'd0, word[`F_DQ_M_LSB +: `F_DQ_M_W]};
    wire [47:0] q_n      = {{(48 - `F_DQ_N_W){1'b0}}, word[`F_DQ_N_LSB +: `F_DQ_N_W]};
    wire        q_accum  = word[`F_DQ_ACCUM_LSB];

    function [98:0] rng(input [2:0] sp, input [47:0] lo, input [47:0] hi);
        rng = {sp, lo, hi};
    endfunction
    function [47:0] cdiv(input [47:0] a, input [47:0] b);
        cdiv = (a + b - 48'd1) / b;
    endfunction

    wire [47:0] d_total  = d_rows * d_bytes;
    wire [47:0] d_dhi    = d_dram + (d_rows - 48'd1) * d_stride + d_bytes;
    // tprec
    wire [47:0] t_chunks = cdiv(t_klen, TK48);
    wire [47:0] t_tables = t_rows * t_chunks;
    // lmma
    wire [47:0] l_chunks = cdiv(l_klen, TK48);
    wire [47:0] l_wrow   = (l_n * TK + 48'd7) / 48'd8;
    wire [47:0] l_mn4    = l_m * l_n * 48'd4;
    // dq
    wire [47:0] q_mn     = q_m * q_n;

    always @* begin
        unit = 3'd0; is_ctrl = 1'b0; is_halt = 1'b0; illegal = 1'b0;
        rd = {4{rng(SP_NONE, 48'd0, 48'd0)}};
        wr = {2{rng(SP_NONE, 48'd0, 48'd0)}};
        case (op)
            `OP_HALT: begin unit = `OP_HALT_UNIT; is_ctrl = 1'b1; is_halt = 1'b1; end
            `OP_BARRIER: begin unit = `OP_BARRIER_UNIT; is_ctrl = 1'b1; end
            `OP_LOAD: begin
                unit = `OP_LOAD_UNIT;
                rd[0 +: 99] = rng(SP_DRAM, d_dram, d_dhi);
                wr[0 +: 99] = rng({1'b0, d_buf}, d_sram, d_sram + d_total);
            end
            `OP_STORE: begin
                unit = `OP_STORE_UNIT;
                rd[0 +: 99] = rng({1'b0, d_buf}, s_sram, s_sram + d_total);
                wr[0 +: 99] = rng(SP_DRAM, d_dram, d_dhi);
            end
            `OP_TPREC: begin
                unit = `OP_TPREC_UNIT;
                rd[0 +: 99] = rng(3'd0, t_src, t_src + (t_rows - 48'd1) * t_stride + t_klen);
                wr[0 +: 99] = rng(3'd2, t_dst, t_dst + t_tables * EB);
                wr[99 +: 99] = rng(3'd2, t_sum, t_sum + t_rows * 48'd4);
            end
            `OP_LMMA: begin
                unit = `OP_LMMA_UNIT;
                rd[0 +: 99] = rng(3'd2, l_tbl, l_tbl + l_m * l_chunks * EB);
                rd[99 +: 99] = rng(3'd1, l_wgt, l_wgt + l_chunks * l_wbits * l_wrow);
                if (l_accum) rd[198 +: 99] = rng(3'd3, l_acc, l_acc + l_mn4);
                wr[0 +: 99] = rng(3'd3, l_acc, l_acc + l_mn4);
            end
            `OP_DQ: begin
                unit = `OP_DQ_UNIT;
                rd[0 +: 99] = rng(3'd3, q_acc, q_acc + q_mn * 48'd4);
                rd[99 +: 99] = rng(3'd2, q_sum, q_sum + q_m * 48'd4);
                rd[198 +: 99] = rng(3'd1, q_meta, q_meta + q_n * 48'd8);
                if (q_accum) rd[297 +: 99] = rng(3'd3, q_dst, q_dst + q_mn * 48'd4);
                wr[0 +: 99] = rng(3'd3, q_dst, q_dst + q_mn * 48'd4);
            end
            default: begin unit = `OP_VOP_UNIT; illegal = 1'b1; end
        endcase
    end
endmodule
