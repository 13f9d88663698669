#!/bin/bash
# make area: yosys (0.23) synthesis of the RTL units to yosys's generic gate
# library, cell counts and an area estimate per unit.
#
# Area model (an assumption, not a library figure): `stat -tech cmos` counts
# CMOS transistors of the generic cells; area = transistors / 4 x A_NAND2,
# with A_NAND2 = 0.49 um^2 (a 28 nm NAND2X1-class cell, the order of
# magnitude published for 28 nm standard-cell libraries).  Buffers (SRAM)
# and the instruction memory are not synthesized: they are memories, and a
# flip-flop netlist of 1 MiB says nothing about their area.
# Sweep: the LUT array for a few tile shapes (one core; the array scales
# linearly with cores) and weight bit-widths (wbits_max: the plane counter
# and shifter width).
set -uo pipefail
BUILD=${1:-build}
GEN="$BUILD/rtl/gen_rtl_includes"
A_NAND2=${A_NAND2:-0.49}
OUT="$BUILD/area"
mkdir -p "$OUT"
TIMEOUT=${AREA_TIMEOUT:-600}

synth() { # label incdir top files...
    local label=$1 inc=$2 top=$3; shift 3
    local log="$OUT/$label.log"
    timeout "$TIMEOUT" yosys -q -l "$log" -p "read_verilog -sv -I$inc $*; synth -flatten -top $top; stat; stat -tech cmos" >/dev/null 2>&1
    if [ $? -ne 0 ]; then
        printf "%-34s %s\n" "$label" "synthesis failed or timed out (log: $log)"
        return
    fi
    local cells tr
    cells=$(grep -E '^ +Number of cells:' "$log" | head -1 | awk '{print $4}')
    tr=$(grep -E 'Estimated number of transistors:' "$log" | tail -1 | awk '{print $5}' | tr -d '+')
    awk -v l="$label" -v c="$cells" -v t="$tr" -v a="$A_NAND2" \
        'BEGIN { printf "%-34s %10s cells %12s transistors %12.0f um^2\n", l, c, t, t / 4 * a }'
}

arch_json() { # cores m n k wbits_max
    cat <<EOJ
{ "lut": { "cores": $1, "tile": { "m": $2, "n": $3, "k": $4 }, "wbits_max": $5 } }
EOJ
}

mkinc() { # dir json
    mkdir -p "$1"
    printf '%s\n' "$2" > "$1/arch.json"
    "$GEN" isa > "$1/isa.vh" && "$GEN" arch --arch "$1/arch.json" > "$1/arch_params.vh"
}

echo "area per unit, default arch (A_NAND2 = $A_NAND2 um^2 assumed; buffers not included)"
D="$BUILD/gen"
synth default_tprec "$D" lutc_tprec rtl/lutc_tprec.v
synth default_dq "$D" lutc_dq rtl/lutc_dq.v
synth default_dma "$D" lutc_dma rtl/lutc_dma.v
synth default_decode "$D" lutc_cost rtl/lutc_cost.v
synth default_scoreboard_ring_lut "$D" lutc_sb_ring rtl/lutc_sb_ring.v
echo "LUT array sweep (one core; tile m x n x k, wbits_max)"
for cfg in "2 64 4 8" "2 64 4 4" "2 64 4 2" "4 32 4 8" "8 16 4 8" "2 32 4 8"; do
    set -- $cfg
    dir="$OUT/inc_m$1n$2k$3w$4"
    mkinc "$dir" "$(arch_json 1 "$1" "$2" "$3" "$4")" || { echo "arch m$1 n$2 k$3 w$4 rejected"; continue; }
    synth "lut_m$1_n$2_k$3_w$4_x1core" "$dir" lutc_lut rtl/lutc_lut.v
done
