#!/bin/bash
# A private single-node Slurm cluster (Debian's munge, slurmctld, slurmd,
# slurm-client; `scripts/install-deps.sh slurm`), for `make test-slurm` and for
# trying `lutsim sweep slurm` scripts on a workstation.
#
#   slurm-local.sh start  DIR   write DIR/slurm.conf, start munged, slurmctld, slurmd
#   slurm-local.sh status DIR   which daemons run (by their recorded PIDs), sinfo
#   slurm-local.sh stop   DIR   cancel the jobs, stop the daemons and their job steps
#
# All state (key, sockets, spool, logs, PID files) lives in DIR; nothing under
# /etc or /run is touched.  munged wants every folder above DIR searchable by
# all (a `mktemp -d` folder is 0700: chmod 0755 it).  Clients reach the cluster with
#   export SLURM_CONF=DIR/slurm.conf
# Daemons are started and stopped by the PIDs they recorded in DIR, never by
# name, so other clusters or daemons on the machine are left alone.  The
# settings follow /work/shared/reference/slurm.md (no systemd, root, 22.05):
# fast scheduler ticks, cred_expire=10 so a requeued task may rerun after
# about 10 s instead of 120 s, no cgroups, localhost only.
set -euo pipefail

NODE=lutsim1           # the one node; slurmd -N, no hostname resolution
PARTITION=local

usage() {
    echo "usage: slurm-local.sh start|stop|status DIR" >&2
    exit 2
}

[ $# -eq 2 ] || usage
cmd=$1
case $2 in
    /*) dir=$2 ;;
    *) dir=$(pwd)/$2 ;;
esac
conf=$dir/slurm.conf

alive() { # alive PIDFILE: the recorded process exists
    local pid
    [ -s "$1" ] || return 1
    pid=$(cat "$1")
    [[ $pid =~ ^[0-9]+$ ]] && kill -0 "$pid" 2>/dev/null
}

port_free() { # nothing listens on 127.0.0.1:$1
    ! (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null
}

write_conf() {
    local topo mem base
    # The node's real topology (slurm.md pitfall 5): RealMemory above what
    # slurmd measures drains the node, so claim 95% of it.
    topo=$(slurmd -C | head -1)
    mem=$(sed -n 's/.*RealMemory=\([0-9]*\).*/\1/p' <<< "$topo")
    topo=$(sed -e 's/^NodeName=[^ ]* //' -e 's/ *RealMemory=[0-9]*//' <<< "$topo")
    # Two private clusters side by side need their own ports.
    base=$((20000 + RANDOM % 20000))
    while ! port_free "$base" || ! port_free $((base + 1)); do
        base=$((base + 2))
    done
    cat > "$conf" <<EOF
# written by scripts/slurm-local.sh; all state in $dir
ClusterName=lutsim
SlurmctldHost=localhost(127.0.0.1)
SlurmctldPort=$base
SlurmdPort=$((base + 1))
AuthType=auth/munge
CredType=cred/munge
AuthInfo=socket=$dir/munge/munge.socket,cred_expire=10
SlurmUser=root
SlurmdUser=root
StateSaveLocation=$dir/ctld
SlurmdSpoolDir=$dir/spool
SlurmctldPidFile=$dir/slurmctld.pid
SlurmdPidFile=$dir/slurmd.pid
SlurmctldLogFile=$dir/slurmctld.log
SlurmdLogFile=$dir/slurmd.log
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
JobAcctGatherType=jobacct_gather/none
MpiDefault=none
SelectType=select/cons_tres
SelectTypeParameters=CR_Core
DefMemPerCPU=$((mem * 95 / 100 / $(nproc)))
SchedulerType=sched/backfill
SchedulerParameters=batch_sched_delay=0,sched_min_interval=0,default_queue_depth=1000,bf_interval=2,sched_interval=5
MailProg=/bin/true
KillWait=5
MinJobAge=60
ReturnToService=2
SlurmdTimeout=30
NodeName=$NODE NodeAddr=127.0.0.1 $topo RealMemory=$((mem * 95 / 100)) State=UNKNOWN
PartitionName=$PARTITION Nodes=$NODE Default=YES MaxTime=INFINITE State=UP
EOF
}

start_munge() {
    # munged's checks (pitfall 2): key directory 0700, key 0400, socket
    # directory world-searchable.
    mkdir -p "$dir/munge" "$dir/munge-key"
    chmod 0755 "$dir/munge"
    chmod 0700 "$dir/munge-key"
    if [ ! -s "$dir/munge-key/munge.key" ]; then
        mungekey --create --keyfile="$dir/munge-key/munge.key"
    fi
    chmod 0400 "$dir/munge-key/munge.key"
    munged --socket="$dir/munge/munge.socket" --key-file="$dir/munge-key/munge.key" \
        --pid-file="$dir/munged.pid" --log-file="$dir/munged.log" \
        --seed-file="$dir/munge-key/munged.seed" < /dev/null
}

wait_idle() { # the node accepts work, or give up after 20 s
    local i state
    for ((i = 0; i < 100; i++)); do
        state=$(sinfo -h -n "$NODE" -o %T 2>/dev/null || true)
        case $state in
            idle*|mixed*|allocated*) return 0 ;;
        esac
        sleep 0.2
    done
    echo "slurm-local: node $NODE not idle after 20 s (state '${state:-none}'); see $dir/*.log" >&2
    return 1
}

do_start() {
    if alive "$dir/slurmctld.pid" || alive "$dir/slurmd.pid" || alive "$dir/munged.pid"; then
        echo "slurm-local: a cluster already runs in $dir (stop it first)" >&2
        exit 1
    fi
    for tool in munged mungekey slurmctld slurmd sinfo; do
        if ! command -v "$tool" > /dev/null; then
            echo "slurm-local: $tool not found (run: scripts/install-deps.sh slurm)" >&2
            exit 1
        fi
    done
    mkdir -p "$dir/ctld" "$dir/spool"
    chmod 0755 "$dir"
    write_conf
    export SLURM_CONF=$conf
    start_munge
    # Without -D both daemonize and write their PID files (pitfall 1);
    # -i: ignore state from an earlier run in this directory.
    slurmctld -i -f "$conf" < /dev/null
    slurmd -N "$NODE" -f "$conf" < /dev/null
    wait_idle
    echo "slurm-local: cluster up in $dir; export SLURM_CONF=$conf"
}

# job steps of this cluster: slurmstepd does not stay a child of slurmd
# (pitfall 10); it inherits slurmd's SLURM_CONF, which names this directory.
steps_of_cluster() {
    local p
    for p in /proc/[0-9]*; do
        [ "$(cat "$p/comm" 2>/dev/null)" = slurmstepd ] || continue
        if grep -qzxF "SLURM_CONF=$conf" "$p/environ" 2>/dev/null; then
            echo "${p#/proc/}"
        fi
    done
}

stop_pid() { # stop_pid PIDFILE: SIGTERM, wait up to 10 s, then SIGKILL
    local pid i
    alive "$1" || return 0
    pid=$(cat "$1")
    kill -TERM "$pid" 2>/dev/null || true
    for ((i = 0; i < 50; i++)); do
        kill -0 "$pid" 2>/dev/null || return 0
        sleep 0.2
    done
    kill -KILL "$pid" 2>/dev/null || true
}

do_stop() {
    local steps pid i
    if [ ! -f "$conf" ]; then
        echo "slurm-local: no cluster in $dir (no slurm.conf)" >&2
        exit 1
    fi
    export SLURM_CONF=$conf
    if alive "$dir/slurmctld.pid"; then
        scancel --quiet --user="$(id -un)" 2>/dev/null || true
    fi
    # Give the steps KillWait to end their tasks, then remove what is left.
    for ((i = 0; i < 35; i++)); do
        steps=$(steps_of_cluster)
        [ -n "$steps" ] || break
        sleep 0.2
    done
    stop_pid "$dir/slurmd.pid"
    stop_pid "$dir/slurmctld.pid"
    for pid in $(steps_of_cluster); do
        kill -KILL "$pid" 2>/dev/null || true
    done
    stop_pid "$dir/munged.pid"
    echo "slurm-local: cluster in $dir stopped"
}

do_status() {
    local d rc=0
    for d in munged slurmctld slurmd; do
        if alive "$dir/$d.pid"; then
            echo "$d: running, pid $(cat "$dir/$d.pid")"
        else
            echo "$d: not running"
            rc=1
        fi
    done
    if [ $rc -eq 0 ]; then
        SLURM_CONF=$conf sinfo
    fi
    return $rc
}

case $cmd in
    start) do_start ;;
    stop) do_stop ;;
    status) do_status ;;
    *) usage ;;
esac
