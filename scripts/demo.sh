#!/bin/bash
# The main job of `make run`: lutsim's report on the embedded default,
# Llama-2-7B with W2A8 weights, prefill (batch 1 x 2048 tokens) and decode
# (batch 1, context 2048), on the default architecture; then a bit-exact
# check of one GEMM through the compiled program on the C model.
set -euo pipefail
BUILD=${1:-build}
OUT=${RESULTS:-results}/llama-2-7b-W2A8
mkdir -p "$OUT"
"$BUILD/lutsim" run --model llama-2-7b --quant W2A8 --phase both --batch 1 --seq 2048 \
    --context 2048 --json "$OUT/report.json" --csv "$OUT/report.csv" \
    --trace "$OUT/timeline.json" --plot "$OUT"
echo
"$BUILD/lutsim" gemm --random 16x4096x4096 --wfmt int --wbits 2 --seed 1
echo
echo "results in $OUT/: report.json, report.csv, timeline.json (Perfetto), roofline.png/.svg/.pdf"
