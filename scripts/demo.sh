#!/bin/bash
# The main job of `make run`: for now a demonstration W2A8 GEMM on the LUT
# datapath, checked bit for bit against the naive reference, with timing.
set -euo pipefail
BUILD=${1:-build}
"$BUILD/lutsim" gemm --random 64x4096x4096 --wfmt int --wbits 2 --seed 1
"$BUILD/lutsim" gemm --random 16x2048x2048 --wfmt ternary --seed 2
