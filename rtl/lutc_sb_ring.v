// lutc_sb_ring.v - one unit's scoreboard: a ring of the instructions that
// unit has been dispatched and that have not completed, oldest first.
// Entries [head, sp) have started (complete_at known); [sp, tail) wait in
// the unit's queue.  Completion is in order per unit (constant latency,
// strictly increasing busy_end), so entries free from the head.
// The ring compares a candidate footprint against every live entry
// (read-after-write, write-after-read, write-after-write on any range)
// exactly as cmodel/sim.c's conflicts() does.
module lutc_sb_ring #(
    parameter integer DEPTH = 8,
    parameter integer NR = 4,   // read ranges stored per entry
    parameter integer NW = 2,   // write ranges stored per entry
    parameter integer IW = 4    // index bits (2^IW >= DEPTH)
) (
    input  wire                clk,
    input  wire                rst,
    input  wire [63:0]         now,
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
    input  wire [63:0]         complete_at_in  // for whichever starts
);
    localparam integer LAST_I = DEPTH - 1;
    localparam [IW-1:0] LAST = LAST_I[IW-1:0];
    localparam [IW:0]   FULL = DEPTH[IW:0];
    reg [DEPTH-1:0] valid, started;
    reg [63:0]      cpl [0:DEPTH-1];
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
            assign done[g] = !valid[g] || (started[g] && now >= cpl[g]);
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

    always @(posedge clk) begin
        if (rst) begin
            valid <= {DEPTH{1'b0}};
            started <= {DEPTH{1'b0}};
            head <= {IW{1'b0}};
            sp <= {IW{1'b0}};
            tail <= {IW{1'b0}};
            count <= {(IW+1){1'b0}};
        end else begin
            if (free_head) begin
                valid[head] <= 1'b0;
                head <= inc(head);
            end
            if (start_q) begin
                started[sp] <= 1'b1;
                cpl[sp] <= complete_at_in;
                sp <= inc(sp);
            end
            if (alloc) begin
                valid[tail] <= 1'b1;
                started[tail] <= alloc_start;
                cpl[tail] <= complete_at_in;
                frd[tail] <= c_rd[NR*99-1:0];
                fwr[tail] <= c_wr[NW*99-1:0];
                tail <= inc(tail);
                if (alloc_start) sp <= inc(sp);
            end
            count <= count + {{IW{1'b0}}, alloc} - {{IW{1'b0}}, free_head};
        end
    end
endmodule
