#!/bin/bash
# `make test-slurm`: a sweep on a private single-node Slurm cluster equals the
# same sweep on one machine.
#
# Starts a cluster (scripts/slurm-local.sh), writes the job array of
# tests/slurm/sweep.json with `lutsim sweep slurm` (4 tasks, 2 at once),
# submits it and its merge job, cancels task 1 while it runs and requeues it,
# waits (polling squeue), and checks that the merged export is byte-identical
# to `lutsim sweep run` of the same spec on this machine.  Stops the cluster
# and removes everything on success, failure or interrupt.  Ends with its
# run time and one summary line "N passed, N failed"; exits non-zero on any
# failure.
#
#   test-slurm.sh [BUILD]      (default build; needs BUILD/lutsim)
set -uo pipefail
BUILD=${1:-build}
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root" || exit 1
lutsim=$(realpath "$BUILD/lutsim")
spec=tests/slurm/sweep.json
tasks=4
shard_points=50 # tests/slurm/sweep.json: 200 points in 4 shards
wait_limit=${SLURM_TEST_WAIT:-300} # seconds for the whole array and merge
t0=$EPOCHREALTIME

work=$(mktemp -d /tmp/lutsim-slurm.XXXXXX)
chmod 0755 "$work" # munged: every folder above its socket searchable by all
cluster=$work/cluster
sweep=$work/sweep
started=0
cleanup() {
    if [ $started = 1 ]; then
        bash scripts/slurm-local.sh stop "$cluster" > /dev/null 2>&1
    fi
    rm -rf "$work"
}
trap cleanup EXIT
trap 'echo "test-slurm: interrupted"; exit 130' INT TERM HUP

passed=0 failed=0
pass() { echo "   ok: $1"; passed=$((passed + 1)); }
fail() { echo "   FAILED: $1"; failed=$((failed + 1)); }
finish() {
    echo "test-slurm: run time $(awk -v a="$t0" -v b="$EPOCHREALTIME" 'BEGIN { printf "%.1f", b - a }') s"
    echo "$passed passed, $failed failed"
    [ "$failed" -eq 0 ] && [ "$passed" -gt 0 ]
    exit
}
# A step that the rest depends on: stop at once, with the summary.
fatal() { fail "$1"; [ -n "${2:-}" ] && sed 's/^/   | /' "$2" | tail -15; finish; }

job_state() { # job_state ID: Slurm's JobState of a job or array task
    scontrol -o show job "$1" 2>/dev/null | sed -n 's/.*JobState=\([A-Z_]*\).*/\1/p' | head -1
}

echo "== test-slurm: cluster in $cluster"
started=1 # (a start that fails half-way leaves daemons to stop)
bash scripts/slurm-local.sh start "$cluster" > "$work/start.log" 2>&1 || fatal "slurm-local.sh start" "$work/start.log"
export SLURM_CONF=$cluster/slurm.conf

"$lutsim" sweep slurm "$spec" --out "$sweep" --tasks $tasks --cpus 1 --throttle 2 \
    --min-task-seconds 0 --partition local --time 00:10:00 > "$work/slurm.log" 2>&1 ||
    fatal "lutsim sweep slurm" "$work/slurm.log"
if grep -qxF "#SBATCH --array=0-$((tasks - 1))%2" "$sweep/slurm/array.sbatch"; then
    pass "sweep slurm wrote --array=0-$((tasks - 1))%2"
else
    fatal "sweep slurm: no --array=0-$((tasks - 1))%2 line" "$sweep/slurm/array.sbatch"
fi

jid=$(sbatch --parsable "$sweep/slurm/array.sbatch" 2> "$work/sbatch.log") || fatal "sbatch array" "$work/sbatch.log"
jid=${jid%%;*}
mid=$(sbatch --parsable --dependency=afterany:"$jid" "$sweep/slurm/merge.sbatch" 2> "$work/sbatch.log") ||
    fatal "sbatch merge" "$work/sbatch.log"
mid=${mid%%;*}
echo "   array job $jid, merge job $mid"

# Cancel task 1 mid-way: once its shard holds some of its points, not all.
victim=${jid}_1
stored=
for ((i = 0; i < 1200; i++)); do
    stored=$("$lutsim" sweep status "$sweep" --shards $tasks 2>/dev/null |
             sed -n 's/^shard 1 of [0-9]*: partial, \([1-9][0-9]\+\) of .*/\1/p')
    [ -n "$stored" ] && break
    sleep 0.1
done
[ -n "$stored" ] || fatal "shard 1 never held part of its points (task $victim: $(job_state "$victim"))"
scancel "$victim"
for ((i = 0; i < 100; i++)); do
    case $(job_state "$victim") in RUNNING|COMPLETING) sleep 0.1 ;; *) break ;; esac
done
state=$(job_state "$victim")
if [ "$state" = CANCELLED ]; then
    pass "task $victim cancelled while running, its shard holding $stored points"
else
    fail "task $victim was $state at the cancel, not running (shard too short?)"
fi
"$lutsim" sweep status "$sweep" --shards $tasks > "$work/status.log" 2>&1
line=$(grep '^shard 1 of' "$work/status.log")
if [[ $line == *partial* ]]; then
    pass "sweep status after the cancel: $line"
else
    fail "sweep status after the cancel: '$line', not partial"
fi
if scontrol requeue "$victim" > "$work/requeue.log" 2>&1; then
    pass "scontrol requeue $victim"
else
    fail "scontrol requeue $victim: $(head -1 "$work/requeue.log")"
fi

# Wait for the array and the merge job to leave the queue.
deadline=$((SECONDS + wait_limit))
while [ -n "$(squeue -h -j "$jid,$mid" -o %i 2>/dev/null)" ]; do
    [ $SECONDS -lt $deadline ] || fatal "jobs still queued after $wait_limit s: $(squeue -h -j "$jid,$mid" | tr '\n' ';')"
    sleep 0.5
done
for ((i = 0; i < tasks; i++)); do
    state=$(job_state "${jid}_$i")
    [ "$state" = COMPLETED ] || fail "task ${jid}_$i ended $state (log: $(tail -2 "$sweep/slurm/logs/shard-$i.out" 2>/dev/null | tr '\n' ' '))"
done
# The rerun resumed the shard: it evaluated only the points the first run
# had not stored ("N evaluated now" of sweep run's closing lines).
again=$(sed -n 's/^ *\([0-9]*\) evaluated now.*/\1/p' "$sweep/slurm/logs/shard-1.out" 2>/dev/null | tail -1)
if grep -q 'restart 1,' "$sweep/slurm/logs/shard-1.out" 2>/dev/null && [ -n "$again" ] && [ "$again" -lt $shard_points ]; then
    pass "task $victim ran again after the requeue and evaluated the $again points left"
else
    fail "task $victim did not run again (log: $(tr '\n' ' ' < "$sweep/slurm/logs/shard-1.out" 2>/dev/null))"
fi
state=$(job_state "$mid")
if [ "$state" = COMPLETED ] && [ -f "$sweep/results.sqlite" ]; then
    pass "merge job $mid merged the shards into results.sqlite"
else
    fatal "merge job $mid ended $state" "$sweep/slurm/logs/merge.out"
fi

# The same sweep on this machine, exported the same way.
"$lutsim" sweep run "$spec" --out "$work/single" -j 2 > "$work/single.log" 2>&1 ||
    fatal "sweep run on one machine" "$work/single.log"
"$lutsim" sweep export "$sweep" --csv "$work/slurm.csv" > "$work/export.log" 2>&1 &&
    "$lutsim" sweep export "$work/single" --csv "$work/single.csv" >> "$work/export.log" 2>&1 ||
    fatal "sweep export" "$work/export.log"
rows=$(($(wc -l < "$work/single.csv") - 1))
if [ "$rows" -ge 200 ] && cmp -s "$work/slurm.csv" "$work/single.csv"; then
    pass "merged export byte-identical to the single-machine sweep ($rows points)"
else
    fail "merged export differs from the single-machine sweep ($rows points): $(cmp "$work/slurm.csv" "$work/single.csv" 2>&1 | head -1)"
fi

bash scripts/slurm-local.sh stop "$cluster" > /dev/null 2>&1 && started=0
finish
