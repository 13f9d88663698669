// lutc_top.v - the LUT accelerator core: controller, DMA, table precompute,
// LUT array, dequantization, and the four buffers.  DRAM is outside, on an
// AXI4-style master port (AR/R, AW/W/B with valid/ready and IDs; one beat
// of ARCH_DRAM_BURST bytes per transaction; at most ARCH_DMA_OT
// transactions in flight); the testbench serves it (sim/rtl/rtl_memory.h).
// Every unit starts on its own ready and reports completion itself.
// With issue.ibuf_entries > 0 the instruction fetcher (lutc_ifetch.v) shares
// the port: one transaction a cycle, the fetcher's IDs marked by the top ID
// bit.  The older request goes first: a fetch block is as old as the
// instruction whose dispatch made room for it (its last instruction - E),
// the DMA's transaction as old as its transfer; a valid presented and not
// yet accepted keeps the port.  The DMA starts a transfer only when the
// port is its from the next cycle (its first transaction goes then): not
// while an older fetch block will be on it.
`include "isa.vh"
`include "arch_params.vh"
module lutc_top #(
    parameter integer IMEM_AW = 16
) (
    input  wire          clk,
    input  wire          rst,
    input  wire          imem_we,
    input  wire [IMEM_AW-1:0] imem_addr,
    input  wire [127:0]  imem_wdata,
    input  wire [31:0]   prog_n,     // program length (streamed instructions)
    // memory port: read address / data
    output wire          m_arvalid,
    input  wire          m_arready,
    output wire [47:0]   m_araddr,
    output wire [7:0]    m_arlen,    // beats - 1 (always 0: one beat per burst)
    output wire [`ARCH_PORT_IDW-1:0] m_arid,
    input  wire          m_rvalid,
    output wire          m_rready,
    input  wire [`ARCH_PORT_IDW-1:0] m_rid,
    input  wire [`ARCH_DRAM_BURST*8-1:0] m_rdata,
    input  wire          m_rlast,
    // write address / data / response
    output wire          m_awvalid,
    input  wire          m_awready,
    output wire [47:0]   m_awaddr,
    output wire [7:0]    m_awlen,
    output wire [`ARCH_PORT_IDW-1:0] m_awid,
    output wire          m_wvalid,
    input  wire          m_wready,
    output wire [`ARCH_DRAM_BURST*8-1:0] m_wdata,
    output wire [`ARCH_DRAM_BURST-1:0] m_wstrb,
    output wire          m_wlast,
    input  wire          m_bvalid,
    output wire          m_bready,
    input  wire [`ARCH_PORT_IDW-1:0] m_bid,
    // status and trace
    output wire          halted,
    output wire [63:0]   now,
    output wire [63:0]   end_cycle,
    output wire [7:0]    err,
    output wire [3:0]    u_start,
    output wire [4*32-1:0] u_pc,
    output wire [4*8-1:0] u_tag,
    output wire [3:0]    u_bend,   // a unit's last beat (busy_end) is this cycle
    output wire [4:0]    cpl_v,    // completions: DMA read, DMA write, tprec, lut, dq
    output wire [5*8-1:0] cpl_tag,
    output wire          ctrl_fire,
    output wire [31:0]   pc,
    output wire [63:0]   stall_qfull,
    output wire [4*64-1:0] stall_dep,
    output wire [63:0]   stall_port   // the DMA ready but the port not its
);
    localparam integer TM = `ARCH_TILE_M, COLS = `ARCH_COLS, TK = `ARCH_TILE_K;
    localparam integer E = `ARCH_ENTRIES, L = `ARCH_DQ_LANES;

    wire [4*128-1:0] u_word;
    wire [7:0] cerr;
    wire [3:0] busy, last;
    wire fmode_err;
    reg  [1:0] uerr;
    assign err = cerr | {5'd0, fmode_err, uerr};
    wire       d_port_ok; // (lutc_top's arbiter: the DMA may start)
    wire [3:0] u_ready = ~busy | last;
    assign u_bend = busy & last;
    assign m_arlen = 8'd0;
    assign m_awlen = 8'd0;
    assign m_wlast = 1'b1;
    wire unused_rlast = m_rlast; // one beat per transaction

    // ---- the memory port: DMA and instruction fetch ----
    localparam integer IB = `ARCH_IBUF_ENTRIES, PW = `ARCH_PORT_IDW, DW = `ARCH_DMA_IDW,
                       FW = `ARCH_IBUF_IDW;
    wire          d_arvalid, d_awvalid, d_wvalid, d_rvalid, d_bvalid, d_hold, d_wants;
    wire [47:0]   d_araddr, d_awaddr;
    wire [DW-1:0] d_arid, d_awid, d_rid, d_bid;
    wire          f_valid, f_take, fr_v;
    wire [47:0]   f_addr;
    wire [FW-1:0] f_id, fr_id;
    wire [32:0]   f_last, f_nx_last;
    wire          f_nx_valid, f_nx_self;
    wire [31:0]   dma_next_pc;
    assign m_awvalid = d_awvalid;
    assign m_awaddr = d_awaddr;
    assign m_wvalid = d_wvalid;
    assign d_bvalid = m_bvalid;
    generate
        if (IB == 0) begin : g_port
            assign m_arvalid = d_arvalid;
            assign m_araddr = d_araddr;
            assign m_arid = d_arid;
            assign m_awid = d_awid;
            assign d_rvalid = m_rvalid;
            assign d_rid = m_rid;
            assign d_bid = m_bid;
            assign d_hold = 1'b0;
            assign f_take = 1'b0;
            assign fr_v = 1'b0;
            assign fr_id = {FW{1'b0}};
            assign d_port_ok = 1'b1;
            /* verilator lint_off UNUSEDSIGNAL */
            wire unused_f = f_valid | (|f_addr) | (|f_id) | (|f_last) | d_wants | f_nx_valid |
                            (|f_nx_last) | f_nx_self | (|dma_next_pc);
            /* verilator lint_on UNUSEDSIGNAL */
        end else begin : g_arb
            reg [31:0] dma_pc;  // the instruction of the DMA's transfer
            reg        f_held, d_held;
            always @(posedge clk)
                if (u_start[0]) dma_pc <= u_pc[0 +: 32];
            localparam [31:0] IBW = IB;
            wire f_old = f_last <= {1'b0, dma_pc} + {1'b0, IBW};
            wire f_grant = f_valid && !d_held && (f_held || !d_wants || f_old);
            // the transfer that would start now (instruction j = u_pc) is
            // behind the fetch block on the port next cycle if that block is
            // older: made room for by an instruction <= j (with j itself
            // when j is the one leaving the dispatch point now)
            wire [31:0] j = dma_next_pc;
            assign d_port_ok = !((f_nx_valid && f_nx_last <= {1'b0, j} + {1'b0, IBW}) ||
                                 (f_nx_self && j == pc));
            assign d_hold = f_grant;
            assign m_arvalid = f_grant || d_arvalid;
            assign m_araddr = f_grant ? f_addr : d_araddr;
            // (PW > FW and PW > DW: the top bit is the fetcher's)
            wire [PW-1:0] f_pid = {1'b1, {(PW-1){1'b0}}} | {{(PW-FW){1'b0}}, f_id};
            assign m_arid = f_grant ? f_pid : {{(PW-DW){1'b0}}, d_arid};
            assign m_awid = {{(PW-DW){1'b0}}, d_awid};
            assign f_take = f_grant && m_arready;
            assign d_rvalid = m_rvalid && !m_rid[PW-1];
            assign d_rid = m_rid[DW-1:0];
            assign fr_v = m_rvalid && m_rid[PW-1];
            assign fr_id = m_rid[FW-1:0];
            assign d_bid = m_bid[DW-1:0];
            always @(posedge clk)
                if (rst) begin
                    f_held <= 1'b0;
                    d_held <= 1'b0;
                end else begin
                    f_held <= f_grant && !m_arready;
                    d_held <= (d_arvalid && !m_arready) || (d_awvalid && !m_awready) ||
                              (d_wvalid && !m_wready);
                end
            /* verilator lint_off UNUSEDSIGNAL */
            wire unused_b = |m_bid;
            /* verilator lint_on UNUSEDSIGNAL */
        end
    endgenerate

    lutc_ctrl #(.IMEM_AW(IMEM_AW)) ctrl (
        .clk(clk), .rst(rst), .imem_we(imem_we), .imem_addr(imem_addr),
        .imem_wdata(imem_wdata), .prog_n(prog_n), .f_valid(f_valid), .f_addr(f_addr),
        .f_id(f_id), .f_last(f_last), .f_take(f_take), .f_nx_valid(f_nx_valid),
        .f_nx_last(f_nx_last), .f_nx_self(f_nx_self), .dma_next_pc(dma_next_pc), .fr_v(fr_v), .fr_id(fr_id),
        .fr_data(m_rdata), .u_start(u_start), .u_word(u_word), .u_pc(u_pc),
        .u_tag(u_tag), .u_ready(u_ready), .cpl_v(cpl_v), .cpl_tag(cpl_tag), .halted(halted), .now(now), .end_cycle(end_cycle),
        .ctrl_fire(ctrl_fire), .pc_out(pc), .err(cerr), .stall_qfull(stall_qfull),
        .stall_dep(stall_dep), .port_ok(d_port_ok), .stall_port(stall_port));

    // A unit must be ready when the controller starts it: bit 1 flags a
    // violation.
    always @(posedge clk) begin
        if (rst) uerr <= 2'd0;
        else if (|(u_start & busy & ~last)) uerr[1] <= 1'b1;
    end

    // Compute units complete in order: the tag of the instruction a unit
    // runs is latched at its start and passes its result pipeline.
    reg [7:0] run_tag [1:3];
    integer t;
    always @(posedge clk)
        for (t = 1; t < 4; t = t + 1)
            if (u_start[t]) run_tag[t] <= u_tag[t*8 +: 8];

    // ---- DMA ----
    wire [1:0]  dr_buf;
    wire [21:0] dr_addr;
    wire        dr_en, dw_en;
    wire [23:0] dw_tag;
    wire [15:0] dw_len;
    lutc_dma dma (
        .clk(clk), .rst(rst), .start(u_start[0]), .word(u_word[0 +: 128]), .tag(u_tag[0 +: 8]),
        .busy(busy[0]), .last(last[0]),
        .hold(d_hold), .wants(d_wants),
        .arvalid(d_arvalid), .arready(m_arready), .araddr(d_araddr), .arid(d_arid),
        .rvalid(d_rvalid), .rready(m_rready), .rid(d_rid),
        .awvalid(d_awvalid), .awready(m_awready), .awaddr(d_awaddr), .awid(d_awid),
        .wvalid(d_wvalid), .wready(m_wready), .wstrb(m_wstrb),
        .bvalid(d_bvalid), .bready(m_bready), .bid(d_bid),
        .dw_en(dw_en), .dw_tag(dw_tag), .dw_len(dw_len),
        .rd_buf(dr_buf), .rd_addr(dr_addr), .rd_en(dr_en),
        .cpl_r(cpl_v[0]), .cpl_r_tag(cpl_tag[0 +: 8]), .cpl_b(cpl_v[1]), .cpl_b_tag(cpl_tag[8 +: 8]));
    lutc_cpl_pipe #(.LAT(`ARCH_TPREC_LATENCY)) cp1 (.clk(clk), .rst(rst), .in(busy[1] & last[1]),
        .in_tag(run_tag[1]), .out(cpl_v[2]), .out_tag(cpl_tag[16 +: 8]));
    lutc_cpl_pipe #(.LAT(`ARCH_LMMA_LATENCY)) cp2 (.clk(clk), .rst(rst), .in(busy[2] & last[2]),
        .in_tag(run_tag[2]), .out(cpl_v[3]), .out_tag(cpl_tag[24 +: 8]));
    lutc_cpl_pipe #(.LAT(`ARCH_DQ_LATENCY)) cp3 (.clk(clk), .rst(rst), .in(busy[3] & last[3]),
        .in_tag(run_tag[3]), .out(cpl_v[4]), .out_tag(cpl_tag[32 +: 8]));

    // ---- precompute ----
    wire [21:0] tp_aaddr, tp_taddr, tp_saddr;
    wire        tp_aen, tp_twe, tp_swe;
    wire [TK*8-1:0] tp_adata;
    wire [E*16-1:0] tp_tdata;
    wire [31:0] tp_sdata;
    lutc_tprec tprec (
        .clk(clk), .rst(rst), .start(u_start[1]), .word(u_word[128 +: 128]), .busy(busy[1]), .last(last[1]),
        .a_addr(tp_aaddr), .a_en(tp_aen), .a_data(tp_adata), .t_we(tp_twe), .t_addr(tp_taddr),
        .t_data(tp_tdata), .s_we(tp_swe), .s_addr(tp_saddr), .s_data(tp_sdata));

    // ---- LUT array ----
    wire [21:0] lw_addr;
    wire        lw_en, lt_en, la_ren;
    wire [COLS*TK-1:0] lw_data;
    wire [TM*22-1:0] lt_addr, la_addr;
    wire [TM*E*16-1:0] lt_data;
    wire [TM*COLS*32-1:0] la_rdata, la_wdata;
    wire [TM-1:0] la_we;
    wire [15:0] la_wlen;
    lutc_lut lut (
        .clk(clk), .rst(rst), .start(u_start[2]), .word(u_word[256 +: 128]), .busy(busy[2]), .last_beat(last[2]),
        .w_addr(lw_addr), .w_en(lw_en), .w_data(lw_data), .t_addr(lt_addr), .t_en(lt_en),
        .t_data(lt_data), .a_addr(la_addr), .a_ren(la_ren), .a_rdata(la_rdata),
        .a_we(la_we), .a_wlen(la_wlen), .a_wdata(la_wdata));

    // ---- dequant ----
    wire [21:0] qa_addr, qd_addr, qw_addr;
    wire        qa_en, qd_en, qw_en;
    wire [L*32-1:0] qa_data, qd_data, qm_data, qs_data, qw_data;
    wire [L*22-1:0] qm_addr, qs_addr;
    wire [15:0] qw_len;
    lutc_dq dq (
        .clk(clk), .rst(rst), .start(u_start[3]), .word(u_word[384 +: 128]), .busy(busy[3]), .last(last[3]),
        .err_fmode(fmode_err), .acc_addr(qa_addr), .acc_en(qa_en), .acc_data(qa_data),
        .dst_raddr(qd_addr), .dst_ren(qd_en), .dst_rdata(qd_data), .meta_addr(qm_addr),
        .meta_data(qm_data), .sum_addr(qs_addr), .sum_data(qs_data), .w_en(qw_en),
        .w_addr(qw_addr), .w_len(qw_len), .w_data(qw_data));

    lutc_buffers bufs (
        .clk(clk),
        .dw_en(dw_en), .dw_tag(dw_tag), .dw_len(dw_len),
        .dw_data(m_rdata), .dr_en(dr_en), .dr_buf(dr_buf), .dr_addr(dr_addr),
        .dr_data(m_wdata),
        .tp_aen(tp_aen), .tp_aaddr(tp_aaddr), .tp_adata(tp_adata), .tp_twe(tp_twe),
        .tp_taddr(tp_taddr), .tp_tdata(tp_tdata), .tp_swe(tp_swe), .tp_saddr(tp_saddr),
        .tp_sdata(tp_sdata),
        .lw_en(lw_en), .lw_addr(lw_addr), .lw_data(lw_data), .lt_en(lt_en),
        .lt_addr(lt_addr), .lt_data(lt_data), .la_ren(la_ren), .la_addr(la_addr),
        .la_rdata(la_rdata), .la_we(la_we), .la_wlen(la_wlen), .la_wdata(la_wdata),
        .qa_en(qa_en), .qa_addr(qa_addr), .qa_data(qa_data), .qd_en(qd_en),
        .qd_addr(qd_addr), .qd_data(qd_data), .qm_addr(qm_addr), .qm_data(qm_data),
        .qs_addr(qs_addr), .qs_data(qs_data), .qw_en(qw_en), .qw_addr(qw_addr),
        .qw_len(qw_len), .qw_data(qw_data));
endmodule
