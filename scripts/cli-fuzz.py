#!/usr/bin/python3
"""cli-fuzz.py - mutation fuzz of every lutsim reader through the command line.

Each case mutates one seed input (an .npy array, an arch/energy/model/quant
JSON file, assembly text or a binary program), runs the lutsim command that
reads it, and classifies the run:

  crash      killed by a signal (segfault, abort, sanitizer trap)
  hang       still running after --timeout seconds
  multiline  failed (exit != 0) with an error that is not one line per message
             (every stderr line must start with "lutsim:" or "warning:"-style
             prefix; a raw newline copied from the input breaks that)
  leftover   failed but left an output file behind (outputs are all-or-nothing)
  canary     a file named by a `$(...)` or backtick payload was created

Everything else (exit 0, or exit 1/2 with one-line errors) is fine.  Seeds
come from workloads/ and from files this script makes; nothing is fetched.
Mutations are seeded: the same --seed gives the same cases.  Findings are
copied to OUT/findings/ with the command that reproduces them.

usage: scripts/cli-fuzz.py --lutsim build/lutsim [--cases N] [--seed S]
                           [--timeout T] [--out DIR] [--target NAME ...]
"""
import argparse
import json
import os
import random
import shutil
import subprocess
import sys
import tempfile
import time

SRC = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
CANARY = "/tmp/lutsim-cli-fuzz-canary"

# JSON values that have broken readers before, or that probe limits and the
# one-line rule: control characters, shell payloads, huge and odd numbers.
HOSTILE = [
    "a\nb", "x\r\ny", "\t", "\u0001", "$(touch %s)" % CANARY, "`touch %s`" % CANARY,
    "';touch %s;'" % CANARY, '"', "\\", "", " ", "../../etc/passwd", "%s%s%n",
    0, -1, 1, 2, 3, 7, 8, 63, 64, 65, 4096, 2**31 - 1, 2**31, 2**32, 2**53, 2**63 - 1,
    -2**63, 1e308, -1e308, 1e-308, 0.5, -0.0, True, False, None, [], {}, [1, 2], {"a": 1},
]


def npy_bytes(rng, dtype, shape):
    """A valid .npy (version 1.0) with random content."""
    descr = {"i1": "|i1", "i4": "<i4", "f4": "<f4", "u1": "|u1"}[dtype]
    size = {"i1": 1, "i4": 4, "f4": 4, "u1": 1}[dtype]
    hdr = "{'descr': '%s', 'fortran_order': False, 'shape': (%s), }" % (
        descr, "".join("%d," % s for s in shape))
    pad = 64 - (10 + len(hdr) + 1) % 64
    hdr = hdr + " " * pad + "\n"
    n = 1
    for s in shape:
        n *= s
    if dtype == "i1":
        data = bytes(rng.choice([0xFF, 0x00, 0x01]) for _ in range(n))  # -1, 0, 1
    else:
        data = bytes(rng.randrange(256) for _ in range(n * size))
    return b"\x93NUMPY\x01\x00" + len(hdr).to_bytes(2, "little") + hdr.encode() + data


def mutate_bytes(rng, data):
    data = bytearray(data)
    for _ in range(rng.randint(1, 4)):
        op = rng.randrange(6)
        if not data:
            data += bytes([rng.randrange(256)])
            continue
        i = rng.randrange(len(data))
        if op == 0:
            data[i] ^= 1 << rng.randrange(8)
        elif op == 1:
            data[i] = rng.choice([0, 0xFF, 0x7F, 0x80, ord("\n"), ord("'"), ord("9")])
        elif op == 2:
            del data[i:i + rng.randint(1, 16)]
        elif op == 3:
            data[i:i] = bytes(rng.randrange(256) for _ in range(rng.randint(1, 8)))
        elif op == 4:
            j = rng.randrange(len(data))
            data[i:i] = data[j:j + rng.randint(1, 32)]
        else:
            del data[i:]
    return bytes(data)


def json_paths(v, path=()):
    yield path
    if isinstance(v, dict):
        for k, x in v.items():
            yield from json_paths(x, path + (k,))
    elif isinstance(v, list):
        for i, x in enumerate(v):
            yield from json_paths(x, path + (i,))


def mutate_json(rng, text):
    """Structure-aware: replace, delete or add keys with hostile values."""
    try:
        doc = json.loads(text)
    except ValueError:
        return mutate_bytes(rng, text)
    for _ in range(rng.randint(1, 3)):
        paths = [p for p in json_paths(doc) if p]
        if not paths:
            break
        p = rng.choice(paths)
        parent = doc
        for k in p[:-1]:
            parent = parent[k]
        op = rng.randrange(4)
        if op == 0:
            parent[p[-1]] = rng.choice(HOSTILE)
        elif op == 1 and isinstance(parent, dict):
            del parent[p[-1]]
        elif op == 2 and isinstance(parent, dict):
            parent[rng.choice(["a\nb", "x", "$(touch %s)" % CANARY, str(p[-1]) + "_"])] = rng.choice(HOSTILE)
        else:
            v = parent[p[-1]]
            if isinstance(v, (int, float)) and not isinstance(v, bool):
                parent[p[-1]] = rng.choice([v * 2, v * 1000, -v, v + 1, v - 1, v * 1e12])
            else:
                parent[p[-1]] = rng.choice(HOSTILE)
    out = json.dumps(doc, indent=1).encode()
    return mutate_bytes(rng, out) if rng.random() < 0.15 else out


NAMES = ["$(touch %s)" % CANARY, "`touch %s`" % CANARY, "x'; touch %s; '" % CANARY,
         'x"; system("touch %s"); "' % CANARY, "a\nb", "it's \"quoted\"", "back\\slash",
         "; !touch %s" % CANARY, "%s%n%d", "\u00e9t\u00e9", "a,b", "x" * 300]


def name_mutator(key):
    """A valid file whose `key` (a name) is hostile: it must be data, never code."""
    def mutate(rng, text):
        doc = json.loads(text)
        doc[key] = rng.choice(NAMES) + rng.choice(["", "/m", "\n$(id)"])
        return json.dumps(doc).encode()
    return mutate


class Target:
    """One reader: its seeds, how to mutate them, the command that reads them."""

    def __init__(self, name, seeds, mutate, argv, outputs=()):
        self.name, self.seeds, self.mutate, self.argv, self.outputs = name, seeds, mutate, argv, outputs


def read(path):
    with open(path, "rb") as f:
        return f.read()


SWEEP_SEED = json.dumps({
    "base": {"model": "tiny", "quant": "W2A8", "phase": "both", "seq": 16, "context": 32},
    "grid": {"arch.lut.tile.n": [32, 64], "quant": ["W2A8", "W4A8"]},
    "zip": [{"arch.lut.tile.m": [2, 4], "arch.buffers.table.kib": [16, 32]}],
    "random": {"count": 2, "seed": 7, "ranges": {"arch.dram.bandwidth_gbps": {"log": [16, 1024]},
                                                  "arch.lut.cores": {"int": [1, 8]}}},
    "constraints": ["arch.lut.tile.m * arch.lut.tile.n <= 256 and decode.seconds < 1"],
}).encode()


def make_targets(lutsim, work, rng):
    wl = os.path.join(SRC, "workloads")

    def files(sub):
        d = os.path.join(wl, sub)
        return [read(os.path.join(d, f)) for f in sorted(os.listdir(d)) if f.endswith(".json")]

    # A program and its assembly, compiled by lutsim itself.
    prog = os.path.join(work, "seed.bin")
    subprocess.run([lutsim, "gemm", "--random", "4x64x128", "--wfmt", "int", "--wbits", "2",
                    "--program", prog], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=True)
    asm = subprocess.run([lutsim, "disasm", prog], capture_output=True, check=True).stdout
    act = npy_bytes(rng, "i1", (4, 128))
    wgt = npy_bytes(rng, "i1", (64, 128))
    with open(os.path.join(work, "act.npy"), "wb") as f:
        f.write(act)
    with open(os.path.join(work, "wgt.npy"), "wb") as f:
        f.write(wgt)
    A, W = os.path.join(work, "act.npy"), os.path.join(work, "wgt.npy")
    run = [lutsim, "run", "--quant", "W2A8", "--model", "tiny", "--seq", "16", "--context", "32"]
    out = os.path.join(work, "out")
    return [
        Target("npy-act", [act], mutate_bytes,
               lambda f: [lutsim, "gemm", "--act", f, "--weight", W, "--wfmt", "ternary",
                          "--out", out + ".npy"], [out + ".npy"]),
        Target("npy-weight", [wgt], mutate_bytes,
               lambda f: [lutsim, "gemm", "--act", A, "--weight", f, "--wfmt", "ternary",
                          "--out", out + ".npy"], [out + ".npy"]),
        Target("arch", files("arch"), mutate_json,
               lambda f: run + ["--arch", f, "--json", out + ".json"], [out + ".json"]),
        Target("energy", files("energy"), mutate_json,
               lambda f: run + ["--energy", f, "--csv", out + ".csv"], [out + ".csv"]),
        Target("model", files("models"), mutate_json,
               lambda f: [lutsim, "run", "--quant", "W2A8", "--model", f, "--seq", "16",
                          "--context", "32", "--phase", "decode", "--json", out + ".json"],
               [out + ".json"]),
        # names reach gnuplot: a hostile name must plot or be refused, never run
        Target("model-plot", [read(os.path.join(wl, "models", "tiny.json"))],
               name_mutator("_name_or_path"),
               lambda f: [lutsim, "run", "--quant", "W2A8", "--model", f, "--seq", "16",
                          "--phase", "prefill", "--plot", out + "-plot"], [out + "-plot"]),
        Target("arch-plot", [read(os.path.join(wl, "arch", "default.json"))], name_mutator("name"),
               lambda f: [lutsim, "run", "--quant", "W2A8", "--model", "tiny", "--seq", "16",
                          "--phase", "prefill", "--arch", f, "--plot", out + "-plot"], [out + "-plot"]),
        Target("quant-plot", [read(os.path.join(wl, "quant", "W2A8.json"))], name_mutator("name"),
               lambda f: [lutsim, "run", "--quant", f, "--model", "tiny", "--seq", "16",
                          "--phase", "prefill", "--plot", out + "-plot"], [out + "-plot"]),
        Target("quant", files("quant"), mutate_json,
               lambda f: run + ["--quant", f, "--json", out + ".json"], [out + ".json"]),
        # a sweep spec: one point of it evaluated alone
        Target("sweep-spec", [SWEEP_SEED], mutate_json,
               lambda f: [lutsim, "sweep", "point", f, "--id", "1", "--json", out + ".json"],
               [out + ".json"]),
        Target("asm", [asm], mutate_bytes,
               lambda f: [lutsim, "asm", f, "-o", out + ".bin"], [out + ".bin"]),
        Target("program", [read(prog)], mutate_bytes,
               lambda f: [lutsim, "exec", f, "--stats", out + ".json"], [out + ".json"]),
    ]


def classify(proc_rc, err, timed_out, leftovers):
    if timed_out:
        return "hang"
    if proc_rc < 0 or proc_rc >= 128:
        return "crash"
    if os.path.exists(CANARY):
        return "canary"
    if proc_rc != 0:
        lines = err.decode(errors="replace").splitlines()
        if not lines:
            return "multiline"  # failed silently: no error at all
        if any(not (l.startswith("lutsim") or l.startswith("warning")) for l in lines):
            return "multiline"
        if leftovers:
            return "leftover"
    return None


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--lutsim", default=os.path.join(SRC, "build", "lutsim"))
    ap.add_argument("--cases", type=int, default=300, help="cases per target (default 300)")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--timeout", type=float, default=10.0, help="seconds before a run is a hang")
    ap.add_argument("--out", default=None, help="folder for findings (default: a temporary one)")
    ap.add_argument("--target", action="append", help="only these targets")
    args = ap.parse_args()
    rng = random.Random(args.seed)
    work = tempfile.mkdtemp(prefix="lutsim-cli-fuzz-")
    outdir = args.out or os.path.join(work, "report")
    shutil.rmtree(os.path.join(outdir, "findings"), ignore_errors=True)  # this run's only
    os.makedirs(os.path.join(outdir, "findings"), exist_ok=True)
    try:
        targets = make_targets(os.path.abspath(args.lutsim), work, rng)
    except subprocess.CalledProcessError as e:
        print("cli-fuzz: cannot make seeds with %s: %s" % (args.lutsim, e), file=sys.stderr)
        return 2
    total_bad = 0
    print("%-12s %8s %7s %6s %6s %10s %9s %7s %8s" % (
        "target", "cases", "ok", "crash", "hang", "multiline", "leftover", "canary", "seconds"))
    for t in targets:
        if args.target and t.name not in args.target:
            continue
        counts = {"ok": 0, "crash": 0, "hang": 0, "multiline": 0, "leftover": 0, "canary": 0}
        t0 = time.time()
        for i in range(args.cases):
            data = t.mutate(rng, rng.choice(t.seeds))
            if isinstance(data, str):
                data = data.encode()
            path = os.path.join(work, "case-%s" % t.name)
            with open(path, "wb") as f:
                f.write(data)
            for o in t.outputs:
                if os.path.isdir(o):
                    shutil.rmtree(o)
                elif os.path.exists(o):
                    os.unlink(o)
            if os.path.exists(CANARY):
                os.unlink(CANARY)
            argv = t.argv(path)
            timed_out = False
            try:
                p = subprocess.run(argv, capture_output=True, timeout=args.timeout,
                                   stdin=subprocess.DEVNULL, cwd=work)
                rc, err = p.returncode, p.stderr
            except subprocess.TimeoutExpired as e:
                timed_out, rc, err = True, 0, e.stderr or b""
            left = [o for o in t.outputs if os.path.exists(o)] + \
                   [f for f in os.listdir(work) if ".tmp-" in f]
            kind = classify(rc, err, timed_out, left if rc != 0 else [])
            if kind is None:
                counts["ok"] += 1
                continue
            counts[kind] += 1
            total_bad += 1
            keep = os.path.join(outdir, "findings", "%s-%s-%d" % (t.name, kind, i))
            shutil.copy(path, keep)
            with open(keep + ".txt", "w") as f:
                f.write("command: %s\nexit: %s\nstderr:\n%s\n" % (
                    " ".join(argv).replace(path, keep), rc, err.decode(errors="replace")))
        print("%-12s %8d %7d %6d %6d %10d %9d %7d %8.1f" % (
            t.name, args.cases, counts["ok"], counts["crash"], counts["hang"], counts["multiline"],
            counts["leftover"], counts["canary"], time.time() - t0))
    if os.path.exists(CANARY):
        os.unlink(CANARY)
    print("%d findings%s" % (total_bad, (" in " + os.path.join(outdir, "findings")) if total_bad else ""))
    if not args.out:
        if total_bad:
            print("(kept: %s)" % outdir)
        else:
            shutil.rmtree(work, ignore_errors=True)
    return 1 if total_bad else 0


if __name__ == "__main__":
    sys.exit(main())
