// lutc_dma.v - the DMA engine.  Busy for max(dram_cycles, sram_cycles)
// (unit_dma.c); in each of its first dram_cycles cycles it issues one
// burst on the DRAM port: contiguous transfers (stride == bytes or one row)
// as one run of bursts over rows*bytes, strided ones as whole bursts per
// row.  Loads: the port returns the data dram_latency cycles after the
// start (testbench), tagged with buffer and address, and it is written into
// the buffer from there.  Stores: the burst's bytes are read from the buffer
// and sent with the request.
// Assumes dram bytes per cycle == burst bytes (one burst per cycle).
// Instruction words carry fields this unit does not use, and addresses are
// computed wide and cut to the 22-bit ISA address: unused bits by design.
/* verilator lint_off UNUSEDSIGNAL */
`include "isa.vh"
`include "arch_params.vh"
module lutc_dma (
    input  wire          clk,
    input  wire          rst,
    input  wire          start,
    input  wire [127:0]  word,
    output reg           busy,
    output wire          last,     // busy, and this is its last cycle
    // DRAM request port (served by the testbench)
    output wire          req_valid,
    output wire          req_we,
    output wire [47:0]   req_addr,
    output wire [15:0]   req_len,
    output wire [23:0]   req_tag,   // {buf[1:0], sram[21:0]} returned with the data
    // buffer read port (stores)
    output wire [1:0]    rd_buf,
    output wire [21:0]   rd_addr,
    output wire          rd_en
);
    localparam [47:0] BURST = `ARCH_DRAM_BURST;
    localparam [47:0] BPC = `ARCH_DRAM_BYTES_PER_CYCLE;
    function [47:0] cdiv(input [47:0] a, input [47:0] b);
        cdiv = (a + b - 48'd1) / b;
    endfunction
    function [47:0] rowb(input [1:0] b);
        case (b)
            2'd0: rowb = `ARCH_BUF_ACT_ROW_BYTES;
            2'd1: rowb = `ARCH_BUF_WEIGHT_ROW_BYTES;
            2'd2: rowb = `ARCH_BUF_TABLE_ROW_BYTES;
            default: rowb = `ARCH_BUF_OUTPUT_ROW_BYTES;
        endcase
    endfunction

    wire        w_store  = word[`ISA_OPCODE_LSB +: `ISA_OPCODE_W] == `OP_STORE;
    wire [1:0]  w_buf    = word[`F_LOAD_BUF_LSB +: `F_LOAD_BUF_W];
    wire [47:0] w_sram   = {26'd0, word[`F_LOAD_SRAM_LSB +: `F_LOAD_SRAM_W]};
    wire [47:0] w_rows   = {32'd0, word[`F_LOAD_ROWS_LSB +: `F_LOAD_ROWS_W]};
    wire [47:0] w_bytes  = {30'd0, word[`F_LOAD_BYTES_LSB +: `F_LOAD_BYTES_W]};
    wire [47:0] w_dram   = {8'd0, word[`F_LOAD_DRAM_LSB +: `F_LOAD_DRAM_W]};
    wire [47:0] w_stride = {24'd0, word[`F_LOAD_STRIDE_LSB +: `F_LOAD_STRIDE_W]};
    wire [47:0] w_total  = w_rows * w_bytes;
    wire        w_contig = (w_stride == w_bytes) || (w_rows == 48'd1);
    wire [47:0] w_bursts = w_contig ? cdiv(w_total, BURST) : w_rows * cdiv(w_bytes, BURST);
    wire [47:0] w_dramc  = cdiv(w_bursts * BURST, BPC);
    wire [47:0] w_sramc  = cdiv(w_total, rowb(w_buf));
    wire [47:0] w_occ    = w_dramc > w_sramc ? w_dramc : w_sramc;

    reg         store, contig;
    reg [1:0]   bufid;
    reg [47:0]  sram, dram, bytes, stride, total;
    reg [47:0]  beats_left, bursts_left;
    reg [47:0]  off;      // contiguous: offset of this burst
    reg [47:0]  row_d, row_s, boff; // strided: row bases, offset in the row

    wire        issuing = busy && bursts_left != 48'd0;
    wire [47:0] cur_off_d = contig ? off : row_d + boff;
    wire [47:0] cur_off_s = contig ? off : row_s + boff;
    wire [47:0] remain    = contig ? total - off : bytes - boff;
    wire [47:0] len       = remain < BURST ? remain : BURST;

    assign last = busy && beats_left == 48'd1;
    assign req_valid = issuing;
    assign req_we    = store;
    assign req_addr  = dram + cur_off_d;
    assign req_len   = len[15:0];
    wire [47:0] sram_a = sram + cur_off_s;
    assign req_tag   = {bufid, sram_a[21:0]};
    assign rd_buf    = bufid;
    assign rd_addr   = sram_a[21:0];
    assign rd_en     = issuing && store;

    always @(posedge clk) begin
        if (rst) begin
            busy <= 1'b0;
            beats_left <= 48'd0;
            bursts_left <= 48'd0;
        end else if (start) begin
            busy <= 1'b1;
            store <= w_store;
            contig <= w_contig;
            bufid <= w_buf;
            sram <= w_sram;
            dram <= w_dram;
            bytes <= w_bytes;
            stride <= w_stride;
            total <= w_total;
            beats_left <= w_occ;
            bursts_left <= w_bursts;
            off <= 48'd0;
            row_d <= 48'd0;
            row_s <= 48'd0;
            boff <= 48'd0;
        end else if (busy) begin
            beats_left <= beats_left - 48'd1;
            if (beats_left == 48'd1) busy <= 1'b0;
            if (issuing) begin
                bursts_left <= bursts_left - 48'd1;
                off <= off + BURST;
                if (boff + BURST >= bytes) begin
                    boff <= 48'd0;
                    row_d <= row_d + stride;
                    row_s <= row_s + bytes;
                end else begin
                    boff <= boff + BURST;
                end
            end
        end
    end
endmodule
