// lutc_ctrl.v - the controller: instruction memory, fetch, decode, in-order
// dispatch (one instruction per cycle) into per-unit queues, and the
// scoreboard that starts each unit's oldest queued instruction when
//   - the unit is ready (idle, or taking its last beat this cycle: its own
//     handshake, u_ready; the DMA also needs the memory port from the next
//     cycle, port_ok: instruction fetch shares it),
//   - every earlier conflicting instruction has completed (dependency mask
//     taken at dispatch against every live scoreboard entry; an entry
//     completes when its unit names its tag on a completion port),
// the rules of cmodel/sim.c.  No cycle count is computed here: timing is
// what the units and the memory do.  A just-dispatched instruction may start in the
// cycle it is dispatched (bypass), as sim.c's start = max(disp, ...) allows.
// A full queue stalls dispatch until its oldest entry starts (same cycle).
// barrier / halt wait until every scoreboard entry is complete.
// Unit k of the RTL (0..3) is ISA unit k+1 (dma, precompute, lut, dequant).
// Instructions come from a 64K-entry memory the testbench loads under reset
// (issue.ibuf_entries 0: fetch is free), or stream from DRAM through the
// instruction buffer (lutc_ifetch.v): nothing dispatches until the
// instruction at the dispatch point is in the buffer (have).
`include "isa.vh"
`include "arch_params.vh"
module lutc_ctrl #(
    parameter integer IMEM_AW = 16
) (
    input  wire           clk,
    input  wire           rst,
    // instruction memory load port (used while rst is high)
    input  wire           imem_we,
    input  wire [IMEM_AW-1:0] imem_addr,
    input  wire [127:0]   imem_wdata,
    // instruction streaming (ARCH_IBUF_ENTRIES > 0; see lutc_ifetch.v)
    input  wire [31:0]    prog_n,
    output wire           f_valid,
    output wire [47:0]    f_addr,
    output wire [`ARCH_IBUF_IDW-1:0] f_id,
    output wire [32:0]    f_last,
    input  wire           f_take,
    output wire           f_nx_valid,
    output wire [32:0]    f_nx_last,
    output wire           f_nx_self,
    output wire [31:0]    dma_next_pc, // what the DMA would start (= u_pc[31:0])
    input  wire           fr_v,
    input  wire [`ARCH_IBUF_IDW-1:0] fr_id,
    input  wire [`ARCH_IBUF_PER_BLOCK*128-1:0] fr_data,
    // to the units
    output wire [3:0]     u_start,
    output wire [4*128-1:0] u_word,
    output wire [4*32-1:0]  u_pc,     // instruction index (trace)
    output wire [4*8-1:0]   u_tag,    // scoreboard tag of what starts
    input  wire [3:0]       u_ready,  // the unit can start an instruction now
    input  wire             port_ok,  // the DMA's start has the memory port (lutc_top.v)
    // completion ports: DMA reads, DMA writes, precompute, LUT, dequant
    input  wire [4:0]       cpl_v,
    /* verilator lint_off UNUSEDSIGNAL */ // (8-bit tag fields, rings use IW bits)
    input  wire [5*8-1:0]   cpl_tag,
    /* verilator lint_on UNUSEDSIGNAL */
    // status
    output reg            halted,
    output reg  [63:0]    now,
    output reg  [63:0]    end_cycle,  // latest completion so far (visible from)
    output wire           ctrl_fire,  // barrier / halt retires this cycle
    output wire [31:0]    pc_out,
    output reg  [7:0]     err,        // bit0 illegal op
    output reg  [63:0]    stall_qfull,
    output reg  [4*64-1:0] stall_dep,
    output reg  [63:0]    stall_port   // DMA: free, dependencies met, port not its
);
    localparam integer Q = `ARCH_QUEUE_DEPTH;
    localparam integer D0 = `ARCH_SB_DMA, D1 = `ARCH_SB_TPREC, D2 = `ARCH_SB_LUT,
                       D3 = `ARCH_SB_DQ;
    localparam integer O0 = 0, O1 = D0, O2 = D0 + D1, O3 = D0 + D1 + D2;
    localparam integer S = D0 + D1 + D2 + D3;
    localparam integer QW = 7; // queue count bits (Q <= 64)
    localparam integer QL_I = Q - 1;
    localparam [QW-1:0] QLAST = QL_I[QW-1:0];
    localparam [QW-1:0] QN = Q[QW-1:0];
    function integer qi(input integer k, input [QW-1:0] sl);
        qi = k * Q + {{(32-QW){1'b0}}, sl};
    endfunction

    localparam integer IB = `ARCH_IBUF_ENTRIES;
    reg [31:0]  pc;
    assign pc_out = pc;
    wire [127:0] cur, nxt_word;
    wire         have, refresh;
    wire [2:0]  c_unit;
    wire        c_ctrl, c_halt, c_ill;
    wire         advance;
    wire [IMEM_AW-1:0] pc_next = pc[IMEM_AW-1:0] + 1'b1;
    generate
        if (IB == 0) begin : g_imem
            reg [127:0] imem [0:(1<<IMEM_AW)-1];
            always @(posedge clk) if (imem_we) imem[imem_addr] <= imem_wdata;
            assign cur = imem[pc[IMEM_AW-1:0]];
            assign nxt_word = imem[pc_next];
            assign have = 1'b1;
            assign refresh = 1'b0;
            assign f_valid = 1'b0;
            assign f_addr = 48'd0;
            assign f_id = {`ARCH_IBUF_IDW{1'b0}};
            assign f_last = 33'd0;
            assign f_nx_valid = 1'b0;
            assign f_nx_last = 33'd0;
            assign f_nx_self = 1'b0;
            /* verilator lint_off UNUSEDSIGNAL */
            wire unused_f = f_take | fr_v | (|fr_id) | (|fr_data) | (|prog_n);
            /* verilator lint_on UNUSEDSIGNAL */
        end else begin : g_ibuf
            lutc_ifetch #(.E(IB), .K(`ARCH_IBUF_PER_BLOCK), .FIDW(`ARCH_IBUF_IDW)) fe (
                .clk(clk), .rst(rst), .run(!rst && !halted), .prog_n(prog_n),
                .adv(advance), .is_ctrl(c_ctrl), .cur(cur), .cur_v(have), .nxt(nxt_word), .refresh(refresh),
                .f_valid(f_valid), .f_addr(f_addr), .f_id(f_id), .f_last(f_last),
                .f_take(f_take), .nx_valid(f_nx_valid), .nx_last(f_nx_last),
                .nx_self(f_nx_self), .r_v(fr_v), .r_id(fr_id), .r_data(fr_data));
            /* verilator lint_off UNUSEDSIGNAL */
            wire unused_imem = imem_we | (|imem_addr) | (|imem_wdata) | (|pc_next);
            /* verilator lint_on UNUSEDSIGNAL */
        end
    endgenerate

    wire [4*99-1:0] c_rd;
    wire [2*99-1:0] c_wr;
    lutc_decode dec (.word(cur), .unit(c_unit), .is_ctrl(c_ctrl), .is_halt(c_halt),
                     .illegal(c_ill), .rd(c_rd), .wr(c_wr));
    // The next instruction's footprint: the rings compare it against their
    // entries on the edge that brings it to the dispatch point (advance), so
    // its hazard bits are registered when it arrives (lutc_sb_ring.v); a
    // streamed instruction that reaches the dispatch point before its beat
    // is compared again on the edge the beat is written (refresh).
    wire [4*99-1:0] n_rd;
    wire [2*99-1:0] n_wr;
    /* verilator lint_off UNUSEDSIGNAL */ // (only the footprint is needed early)
    wire [2:0] n_unit;
    wire       n_ctrl, n_halt, n_ill;
    /* verilator lint_on UNUSEDSIGNAL */
    lutc_decode dec_next (.word(nxt_word), .unit(n_unit), .is_ctrl(n_ctrl),
                          .is_halt(n_halt), .illegal(n_ill), .rd(n_rd), .wr(n_wr));
    wire ring_adv = advance || refresh;

    // ---- scoreboard rings --------------------------------------------------
    wire [S-1:0] conflict, done;
    wire [3:0]   can_alloc, all_done;
    wire [3:0]   alloc, alloc_start, start_q;
    localparam integer I0 = $clog2(D0), I1 = $clog2(D1), I2 = $clog2(D2), I3 = $clog2(D3);
    wire [I0-1:0] tag0;
    wire [I1-1:0] tag1;
    wire [I2-1:0] tag2;
    wire [I3-1:0] tag3;

    lutc_sb_ring #(.DEPTH(D0), .NR(1), .NW(1), .IW(I0), .NC(2)) r0 (
        .clk(clk), .rst(rst), .c_rd(c_rd), .c_wr(c_wr),
        .advance(ring_adv), .n_rd(n_rd), .n_wr(n_wr),
        .conflict(conflict[O0 +: D0]), .done(done[O0 +: D0]), .can_alloc(can_alloc[0]),
        .all_done(all_done[0]), .alloc(alloc[0]), .alloc_start(alloc_start[0]),
        .start_q(start_q[0]), .start_tag(tag0), .cpl_v(cpl_v[1:0]),
        .cpl_tag({cpl_tag[8 +: I0], cpl_tag[0 +: I0]}));
    lutc_sb_ring #(.DEPTH(D1), .NR(1), .NW(2), .IW(I1)) r1 (
        .clk(clk), .rst(rst), .c_rd(c_rd), .c_wr(c_wr),
        .advance(ring_adv), .n_rd(n_rd), .n_wr(n_wr),
        .conflict(conflict[O1 +: D1]), .done(done[O1 +: D1]), .can_alloc(can_alloc[1]),
        .all_done(all_done[1]), .alloc(alloc[1]), .alloc_start(alloc_start[1]),
        .start_q(start_q[1]), .start_tag(tag1), .cpl_v(cpl_v[2]), .cpl_tag(cpl_tag[16 +: I1]));
    lutc_sb_ring #(.DEPTH(D2), .NR(3), .NW(1), .IW(I2)) r2 (
        .clk(clk), .rst(rst), .c_rd(c_rd), .c_wr(c_wr),
        .advance(ring_adv), .n_rd(n_rd), .n_wr(n_wr),
        .conflict(conflict[O2 +: D2]), .done(done[O2 +: D2]), .can_alloc(can_alloc[2]),
        .all_done(all_done[2]), .alloc(alloc[2]), .alloc_start(alloc_start[2]),
        .start_q(start_q[2]), .start_tag(tag2), .cpl_v(cpl_v[3]), .cpl_tag(cpl_tag[24 +: I2]));
    lutc_sb_ring #(.DEPTH(D3), .NR(4), .NW(1), .IW(I3)) r3 (
        .clk(clk), .rst(rst), .c_rd(c_rd), .c_wr(c_wr),
        .advance(ring_adv), .n_rd(n_rd), .n_wr(n_wr),
        .conflict(conflict[O3 +: D3]), .done(done[O3 +: D3]), .can_alloc(can_alloc[3]),
        .all_done(all_done[3]), .alloc(alloc[3]), .alloc_start(alloc_start[3]),
        .start_q(start_q[3]), .start_tag(tag3), .cpl_v(cpl_v[4]), .cpl_tag(cpl_tag[32 +: I3]));
    assign u_tag = {{(8-I3){1'b0}}, tag3, {(8-I2){1'b0}}, tag2, {(8-I1){1'b0}}, tag1,
                    {(8-I0){1'b0}}, tag0};

    // ---- per-unit queues (instructions dispatched, not started) -----------
    reg [127:0] q_word [0:4*Q-1];
    reg [S-1:0] q_mask [0:4*Q-1];
    reg [31:0]  q_pc   [0:4*Q-1];
    reg [QW-1:0] q_head [0:3];
    reg [QW-1:0] q_cnt  [0:3];

    function [QW-1:0] qinc(input [QW-1:0] i);
        qinc = (i == QLAST) ? {QW{1'b0}} : i + 1'b1;
    endfunction
    function [QW-1:0] qadd(input [QW-1:0] a, input [QW-1:0] b);
        qadd = ({1'b0, a} + {1'b0, b} >= {1'b0, QN}) ? a + b - QN : a + b;
    endfunction

    wire [S-1:0] live_conf = conflict; // rings exclude done entries already
    wire run = !rst && !halted;
    wire all_idle = &all_done;
    wire unit_op = run && have && !c_ctrl && !c_ill;

    reg [3:0]   to_u, hd_present, hd_from_q, deps_ok, free_now, st, disp_ok;
    reg [127:0] st_word [0:3];
    reg [31:0]  st_pc [0:3];
    reg         dispatch, qfull_stall;
    integer u;
    always @* begin
        dispatch = 1'b0; qfull_stall = 1'b0;
        for (u = 0; u < 4; u = u + 1) begin
            to_u[u] = unit_op && ({29'd0, c_unit} == u + 1);
            hd_from_q[u] = q_cnt[u] != 0;
            free_now[u] = u_ready[u] && (u != 0 || port_ok);
            // dispatch room: queue not full once its head starts this cycle
            // (the head's start does not depend on dispatch: no loop)
            deps_ok[u] = hd_from_q[u]
                ? ((q_mask[qi(u, q_head[u])] & ~done) == {S{1'b0}})
                : ((live_conf & ~done) == {S{1'b0}});
            st[u] = 1'b0;
            if (hd_from_q[u])
                st[u] = run && free_now[u] && deps_ok[u];
            disp_ok[u] = to_u[u] && can_alloc[u] &&
                         (q_cnt[u] - {{(QW-1){1'b0}}, st[u]} < QN);
            if (!hd_from_q[u])
                st[u] = disp_ok[u] && free_now[u] && deps_ok[u];
            hd_present[u] = hd_from_q[u] || disp_ok[u];
            st_word[u] = hd_from_q[u] ? q_word[qi(u, q_head[u])] : cur;
            st_pc[u]   = hd_from_q[u] ? q_pc[qi(u, q_head[u])] : pc;
            if (disp_ok[u]) dispatch = 1'b1;
            // held back by a full queue or a full scoreboard ring (late
            // DMA responses fill it: cmodel/sb_ring.h models the same)
            if (to_u[u] && !disp_ok[u]) qfull_stall = 1'b1;
        end
    end

    // (outside the always block above: it depends on no unit's ready)
    assign dma_next_pc = q_cnt[0] != 0 ? q_pc[qi(0, q_head[0])] : pc;
    assign ctrl_fire = run && have && c_ctrl && all_idle;
    // the dispatch point moves to pc + 1 at this edge (see the pc update)
    assign advance = dispatch || (ctrl_fire && !c_halt);
    genvar g;
    generate
        for (g = 0; g < 4; g = g + 1) begin : ports
            assign alloc[g] = disp_ok[g];
            assign alloc_start[g] = disp_ok[g] && !hd_from_q[g] && st[g];
            assign start_q[g] = st[g] && hd_from_q[g];
            assign u_start[g] = st[g];
            assign u_word[g*128 +: 128] = st_word[g];
            assign u_pc[g*32 +: 32] = st_pc[g];
        end
    endgenerate

    integer k, s;
    always @(posedge clk) begin
        if (rst) begin
            pc <= 32'd0;
            halted <= 1'b0;
            now <= 64'd0;
            end_cycle <= 64'd0;
            err <= 8'd0;
            stall_qfull <= 64'd0;
            stall_dep <= {4*64{1'b0}};
            stall_port <= 64'd0;
            for (k = 0; k < 4; k = k + 1) begin
                q_head[k] <= {QW{1'b0}};
                q_cnt[k] <= {QW{1'b0}};
            end
        end else if (!halted) begin
            now <= now + 64'd1;
            if (c_ill && have) err[0] <= 1'b1;
            if (qfull_stall) stall_qfull <= stall_qfull + 64'd1;
            if (hd_present[0] && u_ready[0] && deps_ok[0] && !port_ok)
                stall_port <= stall_port + 64'd1;
            if (ctrl_fire) begin
                if (c_halt) halted <= 1'b1;
                else pc <= pc + 32'd1;
            end
            if (dispatch) pc <= pc + 32'd1;
            for (k = 0; k < 4; k = k + 1) begin
                // a ready head held back only by a dependency
                // (as sim.c counts them: the dependency wait first, then the
                // wait for the port)
                if (hd_present[k] && u_ready[k] && !deps_ok[k])
                    stall_dep[k*64 +: 64] <= stall_dep[k*64 +: 64] + 64'd1;
                // dependency masks forget entries that completed
                for (s = 0; s < Q; s = s + 1)
                    q_mask[k*Q + s] <= q_mask[k*Q + s] & ~done;
                if (start_q[k]) q_head[k] <= qinc(q_head[k]);
                if (disp_ok[k] && !(st[k] && !hd_from_q[k])) begin
                    q_word[qi(k, qadd(q_head[k], q_cnt[k]))] <= cur;
                    q_mask[qi(k, qadd(q_head[k], q_cnt[k]))] <= live_conf & ~done;
                    q_pc[qi(k, qadd(q_head[k], q_cnt[k]))] <= pc;
                end
                q_cnt[k] <= q_cnt[k]
                    + ((disp_ok[k] && !(st[k] && !hd_from_q[k])) ? {{(QW-1){1'b0}}, 1'b1} : {QW{1'b0}})
                    - (start_q[k] ? {{(QW-1){1'b0}}, 1'b1} : {QW{1'b0}});
            end
            // with streamed instructions the run lasts until halt retires
            // (it may arrive after the last completion), as sim.c counts it
            if (IB != 0 && ctrl_fire && c_halt && now > end_cycle) end_cycle <= now;
            if (|cpl_v) end_cycle <= now + 64'd1; // complete from the next cycle
        end
    end
endmodule
