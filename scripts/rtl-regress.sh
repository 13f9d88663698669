#!/bin/bash
# make rtl-regress SEEDS=N [SEED=S] [MEMORY=all|ideal|dram|random] [ARCHS=A]: N
# constrained-random cases through the C model and the RTL (random GEMM
# shapes / formats / bit-widths / group sizes lowered by gemm_lower, and
# random hand-built instruction sequences) on each memory the RTL's port can
# be served by (all: ideal, dram, random, a memory seed per case); prints
# every mismatch, the cycle-difference distribution and "N passed, N failed"
# per memory, and writes BUILD/rtl-regress-MEMORY.xml (JUnit, one test case
# per seed).  ARCHS=A (default 0: the ideal architecture only) draws A
# random legal architectures from SEED (rtl_random_arch: cores, tile m/n/k,
# buffers, latencies, DMA transactions in flight, queue depth, instruction-
# buffer entries: programs streamed from DRAM) and runs case
# i on the (i mod A)-th; each architecture's Verilated model is built once
# into the model cache (README "RTL models for any architecture", about a
# minute each, one at a time) and reused by later runs.
set -uo pipefail
BUILD=${1:-build}
N=${2:-50}
SEED=${3:-1}
MEMORY=${4:-all}
ARCHS=${5:-0}
[ "$MEMORY" = all ] && MEMORY="ideal dram random"
rc=0
for m in $MEMORY; do
    echo "== memory $m"
    "$BUILD/rtl/rtl-compare" --regress "$N" --seed "$SEED" --memory "$m" --archs "$ARCHS" \
        --junit "$BUILD/rtl-regress-$m.xml" | grep -v '^ok '
    [ "${PIPESTATUS[0]}" -eq 0 ] || rc=1
done
exit $rc
