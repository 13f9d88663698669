#!/bin/bash
# Runs every test binary in BUILD/tests and ends with one summary line over
# all suites: "N passed, N failed".  Exits non-zero if anything failed.
set -uo pipefail
BUILD=${1:-build}
passed=0
failed=0
broken=()
for t in "$BUILD"/tests/*; do
    [ -x "$t" ] || continue
    name=$(basename "$t")
    log="$BUILD/test-logs/$name.log"
    mkdir -p "$BUILD/test-logs"
    echo "== $name"
    "$t" --gtest_brief=1 > "$log" 2>&1 < /dev/null
    rc=$?
    # GoogleTest's own closing lines give the counts.
    p=$(sed -n 's/^\[  PASSED  \] \([0-9]*\) tests\{0,1\}\..*/\1/p' "$log" | tail -1)
    f=$(sed -n 's/^\[  FAILED  \] \([0-9]*\) tests\{0,1\}, listed below:.*/\1/p' "$log" | tail -1)
    p=${p:-0}; f=${f:-0}
    if [ $rc -ne 0 ] && [ "$f" -eq 0 ]; then
        # Crashed or exited early: count the whole binary as one failure.
        f=1
        echo "   $name exited with status $rc before reporting (log: $log)"
        tail -5 "$log" | sed 's/^/   | /'
    fi
    if [ "$f" -gt 0 ]; then
        broken+=("$name")
        grep -E '^\[  FAILED  \]|Failure|error' "$log" | head -20 | sed 's/^/   | /'
    fi
    echo "   $p passed, $f failed"
    passed=$((passed + p))
    failed=$((failed + f))
done
# The command-line mutation fuzz (scripts/cli-fuzz.py, `make cli-fuzz` runs
# it longer): a short seeded run, one test per reader.
if [ -x "$BUILD/lutsim" ] && [ -x /usr/bin/python3 ]; then
    echo "== cli-fuzz"
    log="$BUILD/test-logs/cli-fuzz.log"
    /usr/bin/python3 "$(dirname "$0")/cli-fuzz.py" --lutsim "$BUILD/lutsim" --cases "${CLI_FUZZ_CASES:-20}" \
        --out "$BUILD/test-logs/cli-fuzz" > "$log" 2>&1 < /dev/null
    # table rows: target cases ok crash hang multiline leftover canary seconds
    read -r p f < <(awk 'NF == 9 && $2 ~ /^[0-9]+$/ { if ($4 + $5 + $6 + $7 + $8 > 0) f++; else p++ }
                         END { print p + 0, f + 0 }' "$log")
    if [ "$f" -gt 0 ] || [ "$p" -eq 0 ]; then
        broken+=("cli-fuzz")
        [ "$p" -eq 0 ] && [ "$f" -eq 0 ] && f=1
        sed 's/^/   | /' "$log" | tail -15
    fi
    echo "   $p passed, $f failed"
    passed=$((passed + p))
    failed=$((failed + f))
fi
if [ ${#broken[@]} -gt 0 ]; then
    echo "failing suites: ${broken[*]} (logs in $BUILD/test-logs/)"
fi
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ] && [ "$passed" -gt 0 ]
