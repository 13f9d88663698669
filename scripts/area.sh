#!/bin/bash
# make area: yosys (0.23) synthesis of the RTL units to yosys's generic gate
# library ($_AND_, $_MUX_, $_DFF*_, ...), cell counts and an area ESTIMATE
# per unit, for the default arch and a small sweep of LUT tile shapes.
#
# Synthesis: `synth -flatten -top X -noabc; abc -fast; opt_clean` (no
# liberty file, no timing: generic cells only).
#
# Tractability: the wide units are not synthesized at full size.  Each is
# synthesized at two small sizes s1 < s2 of its replicated dimension and
# extrapolated linearly: slice = (A(s2) - A(s1)) / (s2 - s1),
# fixed = A(s1) - s1 * slice, A(S) = fixed + S * slice.  The replicated
# slices are independent copies of the same logic, so this is exact up to
# what synthesis shares between slices and up to log-width terms (index
# counters); the "check" rows compare the extrapolation with a third, real
# synthesis.
#   LUT array  : columns (tile_n x cores), 4 and 8 -> tile_n x cores
#   dequant    : lanes, 1 and 2 -> dequant_lanes
#   scoreboard : ring entries, 2 and 4 -> ARCH_SB_* (one ring per unit)
#   controller : instruction memory address bits 1 and 2 -> 0 entries
#                (the imem is a 64K x 128-bit memory, excluded like the
#                buffers; rings synthesized separately, blackboxed here)
#
# Area model (ASSUMPTIONS, not library figures):
#   - each generic cell type is weighted in NAND2 equivalents (GE) with
#     ratios typical of a standard-cell library (table `ge` below: NAND2 1,
#     AND2/OR2 1.33, XOR2 2.33, MUX2 2.33, DFF 4.67, +2 for an enable,
#     +1.33 for a synchronous reset);
#   - A_NAND2 = 0.49 um^2 per GE: an ASSUMED 28 nm NAND2X1-class cell
#     area (order of magnitude; for comparison the open FreePDK45 /
#     Nangate 45 nm library's NAND2_X1 is 0.798 um^2, i.e. ~0.31 um^2
#     scaled by (28/45)^2).  Override with A_NAND2=...
#   - no placement/routing overhead, no clock tree, no timing-driven sizing.
# NOT included: the four buffers (SRAM, 1 MiB) and the instruction memory
# (1 MiB): memories, whose area a flip-flop netlist does not estimate.
# Weight bit-width: the RTL's widths do not depend on wbits_max (the plane
# shift uses a fixed 3-bit shift amount, the plane counter is 32 bits), so
# the sweep's wbits rows show equal cell counts; what matters is tile m, n,
# k, the core count and the dequant lanes.
set -uo pipefail
BUILD=${1:-build}
GEN="$BUILD/rtl/gen_rtl_includes"
A_NAND2=${A_NAND2:-0.49}
JOBS=${AREA_JOBS:-2}
TIMEOUT=${AREA_TIMEOUT:-300}
OUT="$BUILD/area"
RTL=$(cd rtl && pwd)
# yosys takes its commands as one string (-p), split at blanks and ';', and
# a command starting with '!' goes to a shell: a path with other characters
# than these could turn into commands, so it is refused.
for p in "$OUT" "$RTL"; do
    case "$p" in
    *[!A-Za-z0-9._/+-]*)
        echo "area.sh: '$p': only letters, digits and ._/+- can be passed to yosys safely; build elsewhere (make area BUILD=...)" >&2
        exit 2 ;;
    esac
done
rm -rf "$OUT" && mkdir -p "$OUT"
T0=$(date +%s)

mkinc() { # dir json
    mkdir -p "$1"
    printf '%s\n' "$2" > "$1/arch.json"
    "$GEN" isa > "$1/isa.vh" && "$GEN" arch --arch "$1/arch.json" > "$1/arch_params.vh"
}
param() { # incdir NAME
    sed -n "s/^\`define $2 \([0-9]*\).*/\1/p" "$1/arch_params.vh"
}

# A blackbox of the scoreboard ring for the controller's synthesis.
cat > "$OUT/sb_ring_bb.v" <<'EOV'
(* blackbox *)
module lutc_sb_ring #(parameter integer DEPTH = 8, parameter integer NR = 4,
                      parameter integer NW = 2, parameter integer IW = 4) (
    input clk, input rst, input [63:0] now, input [4*99-1:0] c_rd,
    input [2*99-1:0] c_wr, output [DEPTH-1:0] conflict, output [DEPTH-1:0] done,
    output can_alloc, output all_done, input alloc, input alloc_start,
    input start_q, input [63:0] complete_at_in);
endmodule
EOV

# One synthesis job: label incdir top "chparam args" files...
# Writes $OUT/label.stat (yosys stat) or $OUT/label.fail.
synth_job() {
    local label=$1 inc=$2 top=$3 chp=$4; shift 4
    local ch=""
    [ -n "$chp" ] && ch="chparam $chp $top;"
    if timeout "$TIMEOUT" yosys -q -l "$OUT/$label.log" -p \
        "read_verilog -sv -I$inc $*; $ch synth -flatten -top $top -noabc; abc -fast; opt_clean; tee -q -o $OUT/$label.stat stat" \
        >/dev/null 2>&1 && [ -s "$OUT/$label.stat" ]; then
        :
    else
        touch "$OUT/$label.fail"
    fi
}
run() { # same arguments as synth_job, at most $JOBS at a time
    while [ "$(jobs -rp | wc -l)" -ge "$JOBS" ]; do wait -n; done
    synth_job "$@" &
}

# ---- the jobs ---------------------------------------------------------------
D="$BUILD/gen"
# (longest jobs first)
for aw in 1 2; do
    run "ctrl_aw$aw" "$D" lutc_ctrl "-set IMEM_AW $aw" \
        "$OUT/sb_ring_bb.v" "$RTL/lutc_cost.v" "$RTL/lutc_ctrl.v"
done
run tprec "$D" lutc_tprec "" "$RTL/lutc_tprec.v"
run dma "$D" lutc_dma "" "$RTL/lutc_dma.v"
for l in 1 2 4; do
    mkinc "$OUT/inc_dq$l" "{ \"dequant\": { \"lanes\": $l } }"
    run "dq_l$l" "$OUT/inc_dq$l" lutc_dq "" "$RTL/lutc_dq.v"
done
# rings: r0 DMA (NR 1, NW 1), r1 tprec (1, 2), r2 LUT (3, 1), r3 dequant (4, 1)
RINGS="dma:1:1:ARCH_SB_DMA tprec:1:2:ARCH_SB_TPREC lut:3:1:ARCH_SB_LUT dq:4:1:ARCH_SB_DQ"
for r in $RINGS; do
    IFS=: read -r name nr nw _ <<< "$r"
    for d in 2 4; do
        iw=$(( d == 2 ? 1 : 2 ))
        run "ring_${name}_d$d" "$D" lutc_sb_ring "-set DEPTH $d -set NR $nr -set NW $nw -set IW $iw" \
            "$RTL/lutc_sb_ring.v"
    done
done
# LUT array: shapes (m n k) at equal m*n*k, 8 cores, wbits_max 8; plus
# wbits_max 2 and 4 for the default shape (expected: no change)
SHAPES="8:16:4:8 4:32:4:8 2:64:4:8 2:64:4:2 2:64:4:4"
for s in $SHAPES; do
    IFS=: read -r m n k w <<< "$s"
    for c in 4 8; do
        mkinc "$OUT/inc_lut_m${m}k${k}w${w}c$c" \
            "{ \"lut\": { \"cores\": 1, \"tile\": { \"m\": $m, \"n\": $c, \"k\": $k }, \"wbits_max\": $w } }"
        run "lut_m${m}k${k}w${w}_c$c" "$OUT/inc_lut_m${m}k${k}w${w}c$c" lutc_lut "" "$RTL/lutc_lut.v"
    done
done
# extrapolation check: the default LUT shape at 16 columns
mkinc "$OUT/inc_lut_m2k4w8c16" '{ "lut": { "cores": 1, "tile": { "m": 2, "n": 16, "k": 4 }, "wbits_max": 8 } }'
run lut_m2k4w8_c16 "$OUT/inc_lut_m2k4w8c16" lutc_lut "" "$RTL/lutc_lut.v"
wait

# ---- the table ----------------------------------------------------------------
# cells and GE of one synthesis: prints "cells ge" (or "fail")
measure() {
    local f="$OUT/$1.stat"
    if [ -e "$OUT/$1.fail" ] || [ ! -s "$f" ]; then echo fail; return; fi
    awk '
    function ge(t,   g) {
        if (t ~ /DFF|DLATCH/) {
            g = 4.67
            if (t ~ /DFFE_|DFFCE_|SDFFE_|SDFFCE_|ALDFFE_|DFFSRE_/) g += 2
            if (t ~ /^\$_SDFF/) g += 1.33
            if (t ~ /DFFSR/) g += 2
            return g
        }
        if (t == "$_NOT_") return 0.67
        if (t == "$_BUF_") return 1
        if (t == "$_NAND_" || t == "$_NOR_") return 1
        if (t == "$_AND_" || t == "$_OR_" || t == "$_ANDNOT_" || t == "$_ORNOT_") return 1.33
        if (t == "$_XOR_" || t == "$_XNOR_") return 2.33
        if (t == "$_MUX_" || t == "$_NMUX_") return 2.33
        if (t == "$_AOI3_" || t == "$_OAI3_") return 1.33
        if (t == "$_AOI4_" || t == "$_OAI4_") return 1.67
        return -1
    }
    $1 ~ /^\$_/ && $2 ~ /^[0-9]+$/ && !seen[$1]++ {
        g = ge($1)
        if (g < 0) { unknown = unknown " " $1; next }
        cells += $2; gsum += $2 * g
    }
    END {
        if (unknown != "") printf "warning: no GE weight for%s\n", unknown > "/dev/stderr"
        printf "%d %.1f\n", cells, gsum
    }' "$f"
}
# linear extrapolation: label s1 s2 S -> "cells ge" at size S
extrap() {
    local a b
    a=$(measure "$1_$2") b=$(measure "$1_$3")
    if [ "$a" = fail ] || [ "$b" = fail ]; then echo fail; return; fi
    awk -v a="$a" -v b="$b" -v s1="$4" -v s2="$5" -v S="$6" 'BEGIN {
        split(a, x, " "); split(b, y, " ")
        for (i = 1; i <= 2; i++) { sl = (y[i] - x[i]) / (s2 - s1); v[i] = x[i] + (S - s1) * sl }
        printf "%d %.1f\n", v[1], v[2] }'
}
TOTC=0 TOTG=0 BAD=0
row() { # name how "cells ge" [total: 1 adds to the total]
    local name=$1 how=$2 cg=$3 add=${4:-1}
    if [ "$cg" = fail ]; then
        printf "  %-34s %-30s %s\n" "$name" "$how" "synthesis failed or timed out (logs: $OUT)"
        BAD=1
        return
    fi
    set -- $cg
    printf "  %-34s %-30s %10d %12.0f %12.0f\n" "$name" "$how" "$1" "$2" "$(awk -v g="$2" -v a="$A_NAND2" 'BEGIN{print g*a}')"
    if [ "$add" = 1 ]; then
        TOTC=$((TOTC + $1))
        TOTG=$(awk -v t="$TOTG" -v g="$2" 'BEGIN{printf "%.1f", t+g}')
    fi
}
hdr() {
    printf "  %-34s %-30s %10s %12s %12s\n" "unit" "synthesized as" "cells" "NAND2-eq" "area um^2"
}

CORES=$(param "$D" ARCH_CORES) LANES=$(param "$D" ARCH_DQ_LANES)
TM=$(param "$D" ARCH_TILE_M) TN=$(param "$D" ARCH_TILE_N) TK=$(param "$D" ARCH_TILE_K)
COLS=$((TN * CORES))
echo "Area ESTIMATE per unit (yosys 0.23 generic cells, synth -noabc + abc -fast)."
echo "  area = NAND2-equivalents x A_NAND2; A_NAND2 = $A_NAND2 um^2 is an ASSUMPTION"
echo "  (28 nm NAND2X1-class order of magnitude, not a library figure); the GE weight"
echo "  per cell type is an assumption too (see scripts/area.sh).  EXCLUDED: the four"
echo "  buffers (1 MiB SRAM) and the 64K x 128-bit instruction memory."
echo "  'x->N lin.' = synthesized at the small sizes x, extrapolated linearly to N."
echo
echo "default arch: $CORES cores, tile M$TM N$TN K$TK ($COLS columns), $LANES dequant lanes"
hdr
row "table precompute (tprec)" "whole unit" "$(measure tprec)"
row "LUT array ($COLS columns)" "cols 4,8 -> $COLS lin." "$(extrap lut_m${TM}k${TK}w8 c4 c8 4 8 "$COLS")"
row "dequant ($LANES lanes)" "lanes 1,2 -> $LANES lin." "$(extrap dq l1 l2 1 2 "$LANES")"
row "controller: fetch/decode/queues" "imem aw 1,2 -> 0 entries" "$(extrap ctrl aw1 aw2 2 4 0)"
for r in $RINGS; do
    IFS=: read -r name nr nw pn <<< "$r"
    depth=$(param "$D" "$pn")
    row "scoreboard ring $name ($depth entries)" "depth 2,4 -> $depth lin." "$(extrap "ring_$name" d2 d4 2 4 "$depth")"
done
row "DMA" "whole unit" "$(measure dma)"
printf "  %-34s %-30s %10d %12.0f %12.0f\n" "TOTAL (without buffers, imem)" "" "$TOTC" "$TOTG" \
    "$(awk -v g="$TOTG" -v a="$A_NAND2" 'BEGIN{print g*a}')"
echo
echo "extrapolation checks (extrapolated vs synthesized at that size):"
hdr
row "LUT array, 16 columns, extrapolated" "cols 4,8 -> 16 lin." "$(extrap lut_m2k4w8 c4 c8 4 8 16)" 0
row "LUT array, 16 columns, synthesized" "whole unit" "$(measure lut_m2k4w8_c16)" 0
row "dequant, 4 lanes, extrapolated" "lanes 1,2 -> 4 lin." "$(extrap dq l1 l2 1 2 4)" 0
row "dequant, 4 lanes, synthesized" "whole unit" "$(measure dq_l4)" 0
echo
echo "LUT array sweep, $CORES cores, equal M*N*K per core (other units do not"
echo "depend on tile m/n at equal k, except the controller's constant divisors,"
echo "not re-synthesized):"
hdr
for s in $SHAPES; do
    IFS=: read -r m n k w <<< "$s"
    c=$((n * CORES))
    row "M$m N$n K$k wbits_max $w ($c cols)" "cols 4,8 -> $c lin." "$(extrap "lut_m${m}k${k}w$w" c4 c8 4 8 "$c")" 0
done
echo
echo "($(( $(date +%s) - T0 )) s; $JOBS parallel yosys jobs; logs and stat files in $OUT)"
exit $BAD
