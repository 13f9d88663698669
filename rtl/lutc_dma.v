// lutc_dma.v - the DMA engine on an AXI4-style master port.
//
// Issue.  A started transfer is cut into bursts of up to ARCH_DRAM_BURST
// bytes: contiguous transfers (stride == bytes or one row) as one run over
// rows*bytes, strided ones per row.  Each burst is one transaction of one
// beat (the data bus is one burst wide): a read on AR, or a write on AW
// and W together (the burst's bytes read from the buffer, wstrb marking
// them).  A transaction needs a free ID; IDs are the slots of the
// outstanding-transaction table (OT of them: dma.max_outstanding, or the
// DRAM latency when that is 0, which an ideal bus never fills), so at most
// OT transactions are in flight, reads and writes together.
// The engine is busy until its last transaction's request is accepted: it
// takes the next transfer in that cycle (ready = !busy || last handshake).
// The port may be held for instruction fetch for a cycle (hold): nothing
// is presented then, and a held engine is never one whose valid is up.
//
// Completion.  Each table entry remembers the scoreboard tag of its
// transfer (and, for reads, the buffer, address and byte count).  A read
// beat (R) is written into the buffer at the clock edge; a write response
// (B) frees its entry.  A transfer completes in the cycle its last
// outstanding entry frees once its issue is over: cpl_r (last read beat
// written) or cpl_b (last write response), with its tag.  Responses may
// come in any order across IDs (random memory); the table does not care.
//
// Beats carry the bytes from the transaction's address on (byte lane i is
// address + i; an AXI4 simplification of unaligned transfers).
// Instruction words carry fields this unit does not use, and addresses are
// computed wide and cut to the 22-bit ISA address: unused bits by design.
/* verilator lint_off UNUSEDSIGNAL */
`include "isa.vh"
`include "arch_params.vh"
module lutc_dma #(
    parameter integer TW = 8 // scoreboard tag bits
) (
    input  wire          clk,
    input  wire          rst,
    input  wire          start,
    input  wire [127:0]  word,
    input  wire [TW-1:0] tag,
    output reg           busy,
    output wire          last,     // busy, and its last request is accepted now
    // the port is shared with instruction fetch (lutc_top.v): hold keeps
    // this cycle's transaction off it; wants: one would be presented
    input  wire          hold,
    output wire          wants,
    // AXI4-style master
    output wire          arvalid,
    input  wire          arready,
    output wire [47:0]   araddr,
    output wire [`ARCH_DMA_IDW-1:0] arid,
    input  wire          rvalid,
    output wire          rready,
    input  wire [`ARCH_DMA_IDW-1:0] rid,
    output wire          awvalid,
    input  wire          awready,
    output wire [47:0]   awaddr,
    output wire [`ARCH_DMA_IDW-1:0] awid,
    output wire          wvalid,
    input  wire          wready,
    output wire [`ARCH_DRAM_BURST-1:0] wstrb,
    input  wire          bvalid,
    output wire          bready,
    input  wire [`ARCH_DMA_IDW-1:0] bid,
    // buffer side: read data to write (loads), store data to read
    output wire          dw_en,
    output wire [23:0]   dw_tag,   // {buf, addr}
    output wire [15:0]   dw_len,
    output wire [1:0]    rd_buf,
    output wire [21:0]   rd_addr,
    output wire          rd_en,
    // completion
    output wire          cpl_r,
    output wire [TW-1:0] cpl_r_tag,
    output wire          cpl_b,
    output wire [TW-1:0] cpl_b_tag
);
    localparam [47:0] BURST = `ARCH_DRAM_BURST;
    localparam integer OT = `ARCH_DMA_OT, IDW = `ARCH_DMA_IDW;
    localparam [IDW:0] OTN = OT[IDW:0];

    wire        w_store  = word[`ISA_OPCODE_LSB +: `ISA_OPCODE_W] == `OP_STORE;
    wire [1:0]  w_buf    = word[`F_LOAD_BUF_LSB +: `F_LOAD_BUF_W];
    wire [47:0] w_sram   = {26'd0, word[`F_LOAD_SRAM_LSB +: `F_LOAD_SRAM_W]};
    wire [47:0] w_rows   = {32'd0, word[`F_LOAD_ROWS_LSB +: `F_LOAD_ROWS_W]};
    wire [47:0] w_bytes  = {30'd0, word[`F_LOAD_BYTES_LSB +: `F_LOAD_BYTES_W]};
    wire [47:0] w_dram   = {8'd0, word[`F_LOAD_DRAM_LSB +: `F_LOAD_DRAM_W]};
    wire [47:0] w_stride = {24'd0, word[`F_LOAD_STRIDE_LSB +: `F_LOAD_STRIDE_W]};
    wire [47:0] w_total  = w_rows * w_bytes;
    wire        w_contig = (w_stride == w_bytes) || (w_rows == 48'd1);

    // ---- issue ----------------------------------------------------------
    reg         store, contig;
    reg [1:0]   bufid;
    reg [TW-1:0] cur_tag;
    reg [47:0]  sram, dram, bytes, stride, total;
    reg [47:0]  off;              // contiguous: offset of this burst
    reg [47:0]  row_d, row_s, boff; // strided: row bases, offset in the row
    reg [15:0]  rows_left;        // strided: rows still to issue (incl. this)
    reg         aw_ok, w_ok;      // this write's AW / W already accepted

    wire [47:0] cur_off_d = contig ? off : row_d + boff;
    wire [47:0] cur_off_s = contig ? off : row_s + boff;
    wire [47:0] remain    = contig ? total - off : bytes - boff;
    wire [47:0] len       = remain < BURST ? remain : BURST;
    wire        final_b   = contig ? remain <= BURST : (rows_left == 16'd1 && remain <= BURST);
    wire [47:0] sram_a    = sram + cur_off_s;

    // free IDs: never used ones first (fresh), then those freed (a FIFO)
    reg [IDW:0]   fresh;
    reg [IDW-1:0] fl [0:OT-1];
    reg [IDW:0]   fl_head, fl_cnt;
    wire          id_avail = fresh < OTN || fl_cnt != {(IDW+1){1'b0}};
    wire [IDW-1:0] id_next = fresh < OTN ? fresh[IDW-1:0] : fl[fl_head[IDW-1:0]];

    assign      wants = busy && id_avail;
    wire        want = wants && !hold;
    assign arvalid = want && !store;
    assign awvalid = want && store && !aw_ok;
    assign wvalid  = want && store && !w_ok;
    assign araddr  = dram + cur_off_d;
    assign awaddr  = araddr;
    assign arid    = id_next;
    assign awid    = id_next;
    genvar g;
    generate
        for (g = 0; g < `ARCH_DRAM_BURST; g = g + 1) begin : strb
            assign wstrb[g] = g < len;
        end
    endgenerate
    assign rd_buf  = bufid;
    assign rd_addr = sram_a[21:0];
    assign rd_en   = busy && store;

    wire ar_hs = arvalid && arready;
    wire aw_done = aw_ok || (awvalid && awready);
    wire w_done  = w_ok || (wvalid && wready);
    wire wr_hs = want && store && aw_done && w_done; // the write burst is fully accepted
    wire take  = ar_hs || wr_hs;                       // a transaction issues this cycle
    assign last = busy && take && final_b;

    // ---- outstanding-transaction table ------------------------------------
    reg [OT-1:0]  t_valid;
    reg [TW-1:0]  t_tag  [0:OT-1];
    reg [23:0]    t_dst  [0:OT-1];   // reads: {buf, addr}
    reg [6:0]     t_len  [0:OT-1];   // reads: bytes (<= 64)

    assign rready = 1'b1;
    assign bready = 1'b1;
    wire [IDW-1:0] ri = rid, bi = bid;
    assign dw_en  = rvalid;
    assign dw_tag = t_dst[ri];
    assign dw_len = {9'd0, t_len[ri]};

    // a transfer is over when no other entry of its tag is outstanding and
    // its issue is over (the transfer issuing now is not).  "No other entry"
    // is read from a count of the outstanding entries per tag, kept as
    // entries are taken and freed, rather than by comparing every entry's
    // tag with the response's each cycle (the same answer; OT compares per
    // response port are what a simulator would otherwise evaluate on every
    // input change).
    // (a tag's count is zero until written after reset: t_cnt_ok, one
    // bit a tag, is what reset clears)
    reg [IDW:0] t_cnt [0:(1<<TW)-1];
    reg [(1<<TW)-1:0] t_cnt_ok;
    function [IDW:0] cnt(input [TW-1:0] t);
        cnt = t_cnt_ok[t] ? t_cnt[t] : {(IDW+1){1'b0}};
    endfunction
    wire [TW-1:0] r_tag = t_tag[ri], b_tag = t_tag[bi];
    wire r_more = cnt(r_tag) > {{IDW{1'b0}}, t_valid[ri]};
    wire b_more = cnt(b_tag) > {{IDW{1'b0}}, t_valid[bi]};
    assign cpl_r = rvalid && !r_more && !(busy && cur_tag == t_tag[ri]);
    assign cpl_b = bvalid && !b_more && !(busy && cur_tag == t_tag[bi]);
    assign cpl_r_tag = r_tag;
    assign cpl_b_tag = b_tag;

    // the counts after this edge: a response frees its entry (if
    // outstanding), a transaction taken adds one of the current tag; the
    // three may name the same tag, so each writes the combined count
    wire r_dec = rvalid && t_valid[ri];
    wire b_dec = bvalid && t_valid[bi];
    function [IDW:0] cnt_next(input [TW-1:0] t);
        cnt_next = cnt(t) - {{IDW{1'b0}}, r_dec && r_tag == t}
                          - {{IDW{1'b0}}, b_dec && b_tag == t}
                          + {{IDW{1'b0}}, take && cur_tag == t};
    endfunction
    always @(posedge clk)
        if (rst) begin
            t_cnt_ok <= {(1<<TW){1'b0}};
        end else begin
            if (r_dec) begin
                t_cnt[r_tag] <= cnt_next(r_tag);
                t_cnt_ok[r_tag] <= 1'b1;
            end
            if (b_dec) begin
                t_cnt[b_tag] <= cnt_next(b_tag);
                t_cnt_ok[b_tag] <= 1'b1;
            end
            if (take) begin
                t_cnt[cur_tag] <= cnt_next(cur_tag);
                t_cnt_ok[cur_tag] <= 1'b1;
            end
        end

    wire [IDW:0] nfree = {{IDW{1'b0}}, rvalid} + {{IDW{1'b0}}, bvalid};
    wire [IDW:0] tail0 = fl_head + fl_cnt >= OTN ? fl_head + fl_cnt - OTN : fl_head + fl_cnt;
    wire [IDW:0] tail1 = tail0 + 1'b1 >= OTN ? tail0 + 1'b1 - OTN : tail0 + 1'b1;
    wire take_fifo = take && !(fresh < OTN);

    always @(posedge clk) begin
        if (rst) begin
            busy <= 1'b0;
            aw_ok <= 1'b0;
            w_ok <= 1'b0;
            t_valid <= {OT{1'b0}};
            fresh <= {(IDW+1){1'b0}};
            fl_head <= {(IDW+1){1'b0}};
            fl_cnt <= {(IDW+1){1'b0}};
        end else begin
            // responses free their entries (pushed on the free list)
            if (rvalid) begin
                t_valid[ri] <= 1'b0;
                fl[tail0[IDW-1:0]] <= ri;
            end
            if (bvalid) begin
                t_valid[bi] <= 1'b0;
                fl[rvalid ? tail1[IDW-1:0] : tail0[IDW-1:0]] <= bi;
            end
            if (take) begin
                t_valid[id_next] <= 1'b1;
                t_tag[id_next] <= cur_tag;
                t_dst[id_next] <= {bufid, sram_a[21:0]};
                t_len[id_next] <= len[6:0];
                if (fresh < OTN) fresh <= fresh + 1'b1;
                else fl_head <= fl_head + 1'b1 >= OTN ? fl_head + 1'b1 - OTN : fl_head + 1'b1;
            end
            fl_cnt <= fl_cnt + nfree - {{IDW{1'b0}}, take_fifo};
            // a write burst's AW and W may be accepted in different cycles
            if (want && store) begin
                aw_ok <= wr_hs ? 1'b0 : aw_done;
                w_ok  <= wr_hs ? 1'b0 : w_done;
            end
            if (take) begin
                if (final_b) busy <= 1'b0;
                off <= off + BURST;
                if (boff + BURST >= bytes) begin
                    boff <= 48'd0;
                    row_d <= row_d + stride;
                    row_s <= row_s + bytes;
                    rows_left <= rows_left - 16'd1;
                end else begin
                    boff <= boff + BURST;
                end
            end
            if (start) begin // (the previous transfer's last request was accepted)
                busy <= 1'b1;
                store <= w_store;
                contig <= w_contig;
                bufid <= w_buf;
                cur_tag <= tag;
                sram <= w_sram;
                dram <= w_dram;
                bytes <= w_bytes;
                stride <= w_stride;
                total <= w_total;
                rows_left <= w_rows[15:0];
                off <= 48'd0;
                row_d <= 48'd0;
                row_s <= 48'd0;
                boff <= 48'd0;
            end
        end
    end
endmodule
