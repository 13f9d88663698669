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
module lutc_sb_ring #(
    parameter integer DEPTH = 8,
    parameter integer NR = 4,   // read ranges stored per entry
    parameter integer NW = 2,   // write ranges stored per entry
    parameter integer IW = 4,   // index bits (2^IW >= DEPTH)
    parameter integer NC = 1    // completion ports
) (
    input  wire                clk,
    input  wire                rst,
    // candidate (the instruction at the dispatch point)
    input  wire [4*99-1:0]     c_rd,
    input  wire [2*99-1:0]     c_wr,
    output reg  [DEPTH-1:0]    conflict, // live, not done, conflicting
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

    integer e, i, j;
    reg hit;
    always @* begin
        for (e = 0; e < DEPTH; e = e + 1) begin
            hit = 1'b0;
            // (a done entry never conflicts: skip its compares; the same
            // function as hit && !done, cheaper to simulate)
            if (!done[e]) begin
                for (i = 0; i < 4; i = i + 1)
                    for (j = 0; j < NW; j = j + 1)
                        if (overlaps(c_rd[i*99 +: 99], fwr[e][j*99 +: 99])) hit = 1'b1;
                for (i = 0; i < 2; i = i + 1) begin
                    for (j = 0; j < NR; j = j + 1)
                        if (overlaps(c_wr[i*99 +: 99], frd[e][j*99 +: 99])) hit = 1'b1;
                    for (j = 0; j < NW; j = j + 1)
                        if (overlaps(c_wr[i*99 +: 99], fwr[e][j*99 +: 99])) hit = 1'b1;
                end
            end
            conflict[e] = hit && !done[e];
        end
    end

    wire free_head = valid[head] && done[head];
    assign can_alloc = (count < FULL) || free_head;
    assign all_done = &done;
    assign start_tag = sp;

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
            for (i = 0; i < NC; i = i + 1)
                if (cpl_v[i]) cdone[cpl_tag[i*IW +: IW]] <= 1'b1;
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
