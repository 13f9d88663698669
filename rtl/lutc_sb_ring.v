// lutc_sb_ring.v - one unit's scoreboard: a ring of the instructions that
// unit has been dispatched and that have not completed, oldest first.
// Entries [head, sp) have started; [sp, tail) wait in the unit's queue.
// An instruction's ring index is its tag: the unit carries it and names it
// on a completion port when its results are in the buffers (or DRAM); the
// entry is complete from the next cycle.  Completions may come in any order
// (the DMA's responses); entries free from the head once complete.
// The ring compares a candidate footprint against every live entry
// (read-after-write, write-after-read, write-after-write on any range)
// exactly as cmodel/sim.c's conflicts() does.
//
// The compare is registered: hz[e] holds whether the instruction at the
// dispatch point overlaps entry e.  Both sides of that compare change only
// when the dispatch point advances (an entry is written only by an alloc,
// which is a dispatch), so the ring compares the next instruction (n_rd,
// n_wr) against every entry as it will be after this edge - the entry being
// allocated now included - only on an edge where `advance` is high.  Between
// advances the bits stand; an entry that completes or frees is masked by
// done.  Same conflicts in the same cycle as comparing the candidate every
// cycle, without a simulator evaluating DEPTH compares per cycle.
module lutc_sb_ring #(
    parameter integer DEPTH = 8,
    parameter integer NR = 4,   // read ranges stored per entry
    parameter integer NW = 2,   // write ranges stored per entry
    parameter integer IW = 4,   // index bits (2^IW >= DEPTH)
    parameter integer NC = 1    // completion ports
) (
    input  wire                clk,
    input  wire                rst,
    // candidate (the instruction at the dispatch point): stored on alloc
    /* verilator lint_off UNUSEDSIGNAL */ // (an entry keeps NR reads, NW writes)
    input  wire [4*99-1:0]     c_rd,
    input  wire [2*99-1:0]     c_wr,
    /* verilator lint_on UNUSEDSIGNAL */
    // the instruction after it, which is at the dispatch point from the
    // next cycle when advance is high (dispatch, or a barrier retiring)
    input  wire                advance,
    input  wire [4*99-1:0]     n_rd,
    input  wire [2*99-1:0]     n_wr,
    output wire [DEPTH-1:0]    conflict, // live, not done, conflicting
    output wire [DEPTH-1:0]    done,     // free or complete by now
    output wire                can_alloc,
    output wire                all_done,
    // allocate at tail (dispatch); start_now: it also starts this cycle
    input  wire                alloc,
    input  wire                alloc_start,
    // start the oldest waiting entry (from the queue)
    input  wire                start_q,
    output wire [IW-1:0]       start_tag,  // the tag of whichever starts
    // completion: the unit's results for these tags are visible
    input  wire [NC-1:0]       cpl_v,
    input  wire [NC*IW-1:0]    cpl_tag
);
    localparam integer LAST_I = DEPTH - 1;
    localparam [IW-1:0] LAST = LAST_I[IW-1:0];
    localparam [IW:0]   FULL = DEPTH[IW:0];
    reg [DEPTH-1:0] valid, cdone;
    reg [NR*99-1:0] frd [0:DEPTH-1];
    reg [NW*99-1:0] fwr [0:DEPTH-1];
    reg [IW-1:0]    head, sp, tail;
    reg [IW:0]      count;

    function overlaps(input [98:0] a, input [98:0] b);
        overlaps = (a[98:96] != 3'd7) && (a[98:96] == b[98:96]) &&
                   (a[95:48] < b[47:0]) && (b[95:48] < a[47:0]);
    endfunction
    function [IW-1:0] inc(input [IW-1:0] i);
        inc = (i == LAST) ? {IW{1'b0}} : i + 1'b1;
    endfunction

    genvar g;
    generate
        for (g = 0; g < DEPTH; g = g + 1) begin : ent
            assign done[g] = !valid[g] || cdone[g];
        end
    endgenerate

    // whether a footprint (rd, wr) conflicts with an entry's (er, ew)
    function hits(input [4*99-1:0] rd, input [2*99-1:0] wr, input [NR*99-1:0] er,
                  input [NW*99-1:0] ew);
        integer i, j;
        hits = 1'b0;
        for (i = 0; i < 4; i = i + 1)
            for (j = 0; j < NW; j = j + 1)
                if (overlaps(rd[i*99 +: 99], ew[j*99 +: 99])) hits = 1'b1;
        for (i = 0; i < 2; i = i + 1) begin
            for (j = 0; j < NR; j = j + 1)
                if (overlaps(wr[i*99 +: 99], er[j*99 +: 99])) hits = 1'b1;
            for (j = 0; j < NW; j = j + 1)
                if (overlaps(wr[i*99 +: 99], ew[j*99 +: 99])) hits = 1'b1;
        end
    endfunction

    reg [DEPTH-1:0] hz;
    assign conflict = hz & ~done;

    integer k;
    wire free_head = valid[head] && done[head];
    assign can_alloc = (count < FULL) || free_head;
    assign all_done = &done;
    assign start_tag = sp;

    // the next instruction's hazard bits, against the entries as they are
    // after this edge (the slot allocated now holds the candidate)
    integer e;
    always @(posedge clk)
        if (rst) hz <= {DEPTH{1'b0}};
        else if (advance)
            for (e = 0; e < DEPTH; e = e + 1)
                hz[e] <= (alloc && {{(32-IW){1'b0}}, tail} == e)
                    ? hits(n_rd, n_wr, c_rd[NR*99-1:0], c_wr[NW*99-1:0])
                    : hits(n_rd, n_wr, frd[e], fwr[e]);

    always @(posedge clk) begin
        if (rst) begin
            valid <= {DEPTH{1'b0}};
            cdone <= {DEPTH{1'b0}};
            head <= {IW{1'b0}};
            sp <= {IW{1'b0}};
            tail <= {IW{1'b0}};
            count <= {(IW+1){1'b0}};
        end else begin
            if (free_head) begin
                valid[head] <= 1'b0;
                head <= inc(head);
            end
            for (k = 0; k < NC; k = k + 1)
                if (cpl_v[k]) cdone[cpl_tag[k*IW +: IW]] <= 1'b1;
            if (start_q) sp <= inc(sp);
            if (alloc) begin
                valid[tail] <= 1'b1;
                cdone[tail] <= 1'b0;
                frd[tail] <= c_rd[NR*99-1:0];
                fwr[tail] <= c_wr[NW*99-1:0];
                tail <= inc(tail);
                if (alloc_start) sp <= inc(sp);
            end
            count <= count + {{IW{1'b0}}, alloc} - {{IW{1'b0}}, free_head};
        end
    end
endmodule
