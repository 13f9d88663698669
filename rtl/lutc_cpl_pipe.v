// lutc_cpl_pipe.v - a compute unit's completion token through its result
// pipeline.  The unit raises `in` in the cycle of its last pass; the
// results leave a LAT-stage pipeline LAT cycles later, when the scoreboard
// (which registers `out`) marks the instruction complete: `out` is `in`
// delayed by LAT - 1 registers (LAT >= 1; LAT is the unit's
// latency_cycles, the depth of its result pipeline).  The data path itself
// writes its results in the last pass's cycle, so release is never early.
module lutc_cpl_pipe #(
    parameter integer LAT = 1,
    parameter integer TW = 8
) (
    input  wire          clk,
    input  wire          rst,
    input  wire          in,
    input  wire [TW-1:0] in_tag,
    output wire          out,
    output wire [TW-1:0] out_tag
);
    generate
        if (LAT <= 1) begin : direct
            // no register: clk and rst drive nothing (read here for the lint)
            wire unused_clk_rst = clk ^ rst;
            assign out = in;
            assign out_tag = in_tag;
        end else begin : pipe
            reg [LAT-2:0] v;
            reg [TW-1:0]  t [0:LAT-2];
            integer i;
            always @(posedge clk) begin
                if (rst) v <= {(LAT-1){1'b0}};
                else begin
                    v[0] <= in;
                    t[0] <= in_tag;
                    for (i = 1; i < LAT - 1; i = i + 1) begin
                        v[i] <= v[i-1];
                        t[i] <= t[i-1];
                    end
                end
            end
            assign out = v[LAT-2];
            assign out_tag = t[LAT-2];
        end
    endgenerate
endmodule
