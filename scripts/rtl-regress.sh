#!/bin/bash
# make rtl-regress SEEDS=N [SEED=S]: N constrained-random cases through the C
# model and the RTL (random GEMM shapes / formats / bit-widths / group sizes
# lowered by gemm_lower, and random hand-built instruction sequences);
# prints every mismatch and ends with "N passed, N failed".
set -uo pipefail
BUILD=${1:-build}
N=${2:-50}
SEED=${3:-1}
"$BUILD/rtl/rtl-compare" --regress "$N" --seed "$SEED" | grep -v '^ok '
exit "${PIPESTATUS[0]}"
