#!/bin/bash
# Installs, from Debian's packages only, what lutsim needs to build and test.
# Idempotent: when everything is present it only checks, in well under a second.
#
#   install-deps.sh          what `make`, `make run`, `make test` need
#   install-deps.sh fuzz     that, and clang with libFuzzer for `make fuzz`
#   install-deps.sh slurm    that, and a single-node Slurm for `make test-slurm`
set -euo pipefail

# One package per need; keep this list and README's in step.
PKGS=(
    gcc g++ make            # C11 model and compiler, C++17 tests and harnesses
    libgtest-dev            # GoogleTest suites
    libjansson-dev          # JSON: arch, energy tables, statistics
    libsqlite3-dev          # sweep results (lutsim sweep)
    verilator               # RTL simulation and lint
    libsystemc-dev          # SystemC system model
    gnuplot-nox             # roofline and energy plots
    yosys                   # synthesis for area estimates
    python3-numpy           # .npy interoperability tests against numpy itself
)
# Optional groups, named on the command line.
for group in "$@"; do
    case $group in
        fuzz) PKGS+=(clang libclang-rt-14-dev) ;; # libFuzzer and its sanitizer runtimes
        slurm) PKGS+=(munge slurmctld slurmd slurm-client) ;; # scripts/slurm-local.sh
        *) echo "install-deps: unknown group '$group' (known: fuzz, slurm)" >&2; exit 2 ;;
    esac
done

missing=()
for p in "${PKGS[@]}"; do
    # dpkg-query is fast and needs no root; "install ok installed" means present.
    if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
        missing+=("$p")
    fi
done

if [ ${#missing[@]} -eq 0 ]; then
    exit 0
fi

echo "install-deps: missing Debian packages: ${missing[*]}" >&2
if [ "$(id -u)" -ne 0 ]; then
    echo "install-deps: run as root (or: sudo apt-get install ${missing[*]})" >&2
    exit 1
fi

export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends "${missing[@]}" < /dev/null
echo "install-deps: installed ${missing[*]}"
