#!/bin/bash
# Runs every benchmark binary in BUILD/bench in turn (each prints its own
# table).  Exits non-zero if any of them fails.
set -uo pipefail
BUILD=${1:-build}
failed=()
ran=0
for b in "$BUILD"/bench/*; do
    [ -f "$b" ] && [ -x "$b" ] || continue
    name=$(basename "$b")
    echo "== $name"
    "$b" < /dev/null
    rc=$?
    ran=$((ran + 1))
    if [ $rc -ne 0 ]; then
        echo "   $name exited with status $rc"
        failed+=("$name")
    fi
done
if [ "$ran" -eq 0 ]; then
    echo "no benchmarks in $BUILD/bench"
    exit 1
fi
if [ ${#failed[@]} -gt 0 ]; then
    echo "failing benchmarks: ${failed[*]}"
    exit 1
fi
echo "$ran benchmark(s) ran"
