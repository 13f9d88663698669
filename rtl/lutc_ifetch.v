// lutc_ifetch.v - the instruction buffer (issue.ibuf_entries = E entries)
// and its fetcher: the program streams from DRAM (instruction i at
// IFETCH_BASE + 16 i, cmodel/ifetch.h) over the core's memory port.
//
// The fetcher reads the program in blocks of one burst (K = burst / 16
// instructions, E a multiple of K), in order.  A block is requested once
// the buffer has room for all of it: its last instruction's entry is free
// after this cycle's dispatch.  The request is registered (it is on the
// port from the next cycle) and stays until the port takes it (f_take);
// then the next block may be requested in the same cycle.  A block's ID is
// its slot in the buffer (block mod E/K), so beats may return in any order
// and each is written where it belongs.  An entry is valid from the edge
// its beat is written until its instruction leaves the buffer: a unit's
// instruction when it dispatches, a barrier or halt as soon as it is at the
// dispatch point (it waits there in a register of its own, hold_word, so
// the fetcher can refill its entry meanwhile: sim.c frees it at dispatch).
//
// The dispatch side sees the word at the dispatch point (cur, valid when
// cur_v) and the word that will be there after this edge (nxt: the next
// one when adv, else the same one), bypassed from a beat arriving now, so
// the scoreboard can register that instruction's hazards on the same edge
// (lutc_sb_ring.v).  refresh: the instruction at the dispatch point was
// missing and arrives at this edge (its hazards must be taken now).
`include "arch_params.vh"
module lutc_ifetch #(
    parameter integer E = 64,    // entries
    parameter integer K = 4,     // instructions per block (one beat)
    parameter integer FIDW = 4   // block-slot ID bits (2^FIDW >= E / K)
) (
    input  wire            clk,
    input  wire            rst,
    input  wire            run,      // not halted: the fetcher may request
    input  wire [31:0]     prog_n,   // instructions in the program
    // dispatch side
    input  wire            adv,      // the dispatch point moves on at this edge
    input  wire            is_ctrl,  // cur is a barrier or halt
    output wire [127:0]    cur,
    output wire            cur_v,
    output wire [127:0]    nxt,
    output wire            refresh,
    // read requests (the port's AR, through the arbiter in lutc_top.v)
    output reg             f_valid,
    output reg  [47:0]     f_addr,
    output reg  [FIDW-1:0] f_id,
    output reg  [32:0]     f_last,   // the block's last instruction index
    input  wire            f_take,   // the request is accepted this cycle
    // the request register after this edge, for the DMA's start (lutc_top.v),
    // as it will be if the instruction at the dispatch point stays
    // (nx_valid, nx_last), and whether that instruction leaving now would
    // load a block of its own (nx_self: its last instruction is it + E)
    output wire            nx_valid,
    output wire [32:0]     nx_last,
    output wire            nx_self,
    // read data for the fetcher's IDs
    input  wire            r_v,
    input  wire [FIDW-1:0] r_id,
    input  wire [K*128-1:0] r_data
);
    localparam integer NB = E / K;
    localparam integer LK = $clog2(K);
    localparam integer SW = $clog2(E) > 0 ? $clog2(E) : 1;
    localparam [47:0] BASE = 48'd3 << 30; // IFETCH_BASE (cmodel/ifetch.h)
    localparam integer LAST_S = E - 1;
    localparam integer LAST_B = NB - 1;

    reg [127:0]  ibuf [0:E-1];
    reg [E-1:0]  v;
    reg [SW-1:0] slot;        // the entry of the next instruction to leave
    reg [31:0]   disp;        // instructions that left the buffer
    reg          hold_active; // cur is a barrier / halt that already left
    reg [127:0]  hold_word;
    reg [32:0]   nfirst;      // first instruction of the next block to request
    reg [FIDW-1:0] nslot;     // its buffer slot

    wire [SW-1:0] slot_n = slot == LAST_S[SW-1:0] ? {SW{1'b0}} : slot + 1'b1;
    wire [SW-1:0] tgt = adv && !hold_active ? slot_n : slot;
    // (K is a power of two: an entry's block slot and word are its bits)
    /* verilator lint_off UNUSEDSIGNAL */
    wire [31:0] tgt32 = {{(32-SW){1'b0}}, tgt};
    wire [31:0] slot32 = {{(32-SW){1'b0}}, slot};
    /* verilator lint_on UNUSEDSIGNAL */
    wire [FIDW-1:0] tgt_blk = tgt32[LK +: FIDW];
    wire [FIDW-1:0] cur_blk = slot32[LK +: FIDW];
    wire [31:0] tgt_w = tgt32 & (K - 1);

    assign cur = hold_active ? hold_word : ibuf[slot];
    assign cur_v = hold_active || v[slot];
    assign nxt = (r_v && r_id == tgt_blk) ? r_data[tgt_w * 128 +: 128] : ibuf[tgt];
    assign refresh = !adv && !cur_v && r_v && r_id == cur_blk;
    // the instruction at the dispatch point leaves its entry this cycle
    wire take = !hold_active && cur_v && (adv || is_ctrl);

    // room: the block's last instruction takes the entry of instruction
    // last - E, which must have left by the end of this cycle
    wire [32:0] last = nfirst + K - 1;
    wire [32:0] disp_after = {1'b0, disp} + {32'd0, take};
    wire room = last < disp_after + E;
    wire more = nfirst < {1'b0, prog_n};
    wire load = run && more && room && (!f_valid || f_take);
    wire room0 = last < {1'b0, disp} + E;
    wire load0 = run && more && room0 && (!f_valid || f_take);
    assign nx_valid = load0 || (f_valid && !f_take);
    assign nx_last = load0 ? last : f_last;
    assign nx_self = run && more && !room0 && last < {1'b0, disp} + 1 + E &&
                     (!f_valid || f_take);

    integer w;
    always @(posedge clk) begin
        if (rst) begin
            v <= {E{1'b0}};
            slot <= {SW{1'b0}};
            disp <= 32'd0;
            nfirst <= 33'd0;
            nslot <= {FIDW{1'b0}};
            f_valid <= 1'b0;
            hold_active <= 1'b0;
        end else begin
            if (r_v)
                for (w = 0; w < K; w = w + 1) begin
                    ibuf[{{(32-FIDW){1'b0}}, r_id} * K + w] <= r_data[w * 128 +: 128];
                    v[{{(32-FIDW){1'b0}}, r_id} * K + w] <= 1'b1;
                end
            if (take) begin
                v[slot] <= 1'b0;
                slot <= slot_n;
                disp <= disp + 32'd1;
            end
            if (take && !adv) begin
                hold_active <= 1'b1;
                hold_word <= ibuf[slot];
            end else if (adv) begin
                hold_active <= 1'b0;
            end
            if (load) begin
                f_valid <= 1'b1;
                f_addr <= BASE + {11'd0, nfirst, 4'd0};
                f_id <= nslot;
                f_last <= last;
                nfirst <= nfirst + K;
                nslot <= nslot == LAST_B[FIDW-1:0] ? {FIDW{1'b0}} : nslot + 1'b1;
            end else if (f_take) begin
                f_valid <= 1'b0;
            end
        end
    end
endmodule
