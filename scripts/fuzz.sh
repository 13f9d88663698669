#!/bin/bash
# Runs the libFuzzer targets built by `make fuzz`: each for SECONDS, from
# its seeds, and prints one row per target (executions, corpus, findings)
# and the distinct findings.  Exits non-zero if any target found anything.
#
#   scripts/fuzz.sh FUZZDIR SECONDS TARGET...
#
# Per target NAME, in FUZZDIR:
#   corpus/NAME/    the working corpus (libFuzzer adds to it; kept between runs)
#   findings/NAME/  crash-*, timeout-*, leak-*, oom-* inputs of this run
#   logs/NAME.log   libFuzzer's output
# Seeds: FUZZDIR/seeds/NAME (made at build time) or workloads/ (JSON), and
# tests/fuzz/corpus/NAME (inputs that once found a bug).  A finding is
# reproduced with `FUZZDIR/fuzz_NAME FILE`; copy it into
# tests/fuzz/corpus/NAME/ once the bug is fixed, so `make test` replays it.
set -uo pipefail
FUZZDIR=$1
SECONDS_EACH=$2
shift 2

# every sanitizer report is fatal; a hang is an input running over 1 s
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-halt_on_error=1:print_stacktrace=1}
# the targets' scratch files: memory, not a disk that other jobs keep busy;
# one folder per run, removed at the end whatever killed the processes
scratch_root=/tmp
[ -d /dev/shm ] && [ -w /dev/shm ] && scratch_root=/dev/shm
scratch=$(mktemp -d "$scratch_root/lutsim-fuzz-run-XXXXXX")
trap 'rm -rf "$scratch"' EXIT

seed_dirs() {
    case $1 in
        arch) echo workloads/arch ;;
        energy) echo workloads/energy ;;
        model) echo workloads/models ;;
        quant) echo workloads/quant ;;
        *) echo "$FUZZDIR/seeds/$1" ;;
    esac
    [ -d "tests/fuzz/corpus/$1" ] && echo "tests/fuzz/corpus/$1"
}

# The first line that says what went wrong when FILE is replayed.
signature() {
    local s
    s=$("$FUZZDIR/fuzz_$1" -timeout=1 "$2" 2>&1 |
        grep -m1 -E 'fuzz [a-z]+: finding|SUMMARY:|ERROR: (AddressSanitizer|LeakSanitizer|libFuzzer: timeout)|runtime error' |
        sed -E 's/[^ ]*lutsim-fuzz-[A-Za-z0-9]+\/input-[0-9]+/FILE/g; s/\\x[0-9a-f]{2}/\\xNN/g;
                s/0x[0-9a-f]+/HEX/g; s/[0-9]+/N/g' | cut -c1-160)
    echo "${s:-(no report on replay)}"
}

# A timeout counts only if the input runs over 1 s again on its own: on a
# busy machine a short input can miss the deadline once.  Those that do not
# are moved to findings/NAME/unreproduced/ and reported apart.
recheck_timeouts() {
    local f
    for f in "$FUZZDIR/findings/$1"/timeout-*; do
        [ -e "$f" ] || continue
        if "$FUZZDIR/fuzz_$1" -timeout=1 "$f" > /dev/null 2>&1; then
            mkdir -p "$FUZZDIR/findings/$1/unreproduced"
            mv "$f" "$FUZZDIR/findings/$1/unreproduced/"
        fi
    done
}

# a dictionary, if the target has one
dict_flag() {
    case $1 in
        arch|energy|model|quant) echo "-dict=tests/fuzz/json.dict" ;;
    esac
}

total=0
printf '%-8s %8s %12s %8s %7s %9s\n' target seconds executions exec/s corpus findings
summary=()
for t in "$@"; do
    bin=$FUZZDIR/fuzz_$t
    if [ ! -x "$bin" ]; then
        echo "fuzz.sh: no target $bin" >&2
        exit 2
    fi
    mkdir -p "$FUZZDIR/corpus/$t" "$FUZZDIR/findings/$t" "$FUZZDIR/logs"
    rm -rf "${FUZZDIR:?}/findings/$t"/*
    log=$FUZZDIR/logs/$t.log
    # -fork=1: a finding is saved and fuzzing goes on, so one run counts
    # them all; one worker, as the machine's cores are shared.
    export LUTSIM_FUZZ_SCRATCH=$scratch/$t
    # shellcheck disable=SC2046
    "$bin" -fork=1 -ignore_crashes=1 -ignore_timeouts=1 -ignore_ooms=1 \
        -max_total_time="$SECONDS_EACH" -timeout=1 -rss_limit_mb=2048 \
        -artifact_prefix="$FUZZDIR/findings/$t/" -print_final_stats=1 $(dict_flag "$t") \
        "$FUZZDIR/corpus/$t" $(seed_dirs "$t") > "$log" 2>&1 < /dev/null
    # fork mode's status lines: "#EXECS: cov: C ft: F corp: N exec/s: R ..."
    last=$(grep -E '^#[0-9]+: cov:' "$log" | tail -1)
    execs=$(sed -E 's/^#([0-9]+):.*/\1/' <<< "$last")
    rate=$(( ${execs:-0} / SECONDS_EACH ))
    corp=$(sed -E 's/.*corp: ([0-9]+).*/\1/' <<< "$last")
    recheck_timeouts "$t"
    found=$(find "$FUZZDIR/findings/$t" -maxdepth 1 -type f | wc -l)
    flaky=$(find "$FUZZDIR/findings/$t/unreproduced" -type f 2> /dev/null | wc -l)
    [ "$flaky" -gt 0 ] && summary+=("$t: $flaky timeouts that did not reproduce (findings/$t/unreproduced/)")
    printf '%-8s %8s %12s %8s %7s %9s\n' "$t" "$SECONDS_EACH" "${execs:-?}" "${rate:-?}" \
        "${corp:-?}" "$found"
    total=$((total + found))
    if [ "$found" -gt 0 ]; then
        # distinct findings: replay up to 50 inputs, group by what they
        # report (numbers, escaped bytes and the scratch path made alike)
        sigs=$(find "$FUZZDIR/findings/$t" -maxdepth 1 -type f | head -50 | while read -r f; do
                   printf '%s\t%s\n' "$(signature "$t" "$f")" "$f"; done | sort -t$'\t' -k1,1 -u)
        while IFS=$'\t' read -r sig file; do
            summary+=("$t: ${sig:-(no message; see $log)}  e.g. $file")
        done <<< "$sigs"
    fi
done
if [ ${#summary[@]} -gt 0 ]; then
    echo "findings, distinct (replay one: $FUZZDIR/fuzz_TARGET FILE):"
    printf '  %s\n' "${summary[@]}"
fi
echo "fuzz: $total findings"
[ "$total" -eq 0 ]
