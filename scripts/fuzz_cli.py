#!/usr/bin/python3
"""Mutation fuzz of every reader through the real command line.

    scripts/fuzz_cli.py LUTSIM SECONDS [READER...]

Mutates the shipped inputs (workloads/, a compiled program, small .npy
files) and runs the `lutsim` command that reads each, normally the
sanitizer build (`make fuzz-cli` uses build-san/lutsim).  Every run must:
exit 0, 1 or 2 (no signal, no sanitizer report); on failure print exactly
one line starting "lutsim: " on stderr and leave no output file behind;
finish within 10 s; and never execute anything the file contains (every
mutation may insert `$(touch SENTINEL)`, checked after each run).
Findings go to OUT/findings/READER/ with the command that failed.
READERs: arch energy model quant npy asm prog (default: all).
"""
import os
import random
import shutil
import struct
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
SRC = os.path.dirname(HERE)

INTERESTING = [b"\n", b"\r", b'"', b"\\", b"\\n", b"\\u0000", b"$(touch SENTINEL)", b"'",
               b"99999999999999999999", b"-1", b"0", b"1e308", b"null", b"[]", b"{}",
               b"4294967296", b"2147483648", b"\x00", b"\xff", b"#", b"=", b" "]


def mutate(data, rng):
    data = bytearray(data)
    for _ in range(rng.randint(1, 4)):
        kind = rng.randrange(5)
        pos = rng.randrange(len(data) + 1)
        if kind == 0 and data:
            data[min(pos, len(data) - 1)] ^= 1 << rng.randrange(8)
        elif kind == 1:
            data[pos:pos] = rng.choice(INTERESTING)
        elif kind == 2 and data:
            del data[pos:pos + rng.randint(1, 16)]
        elif kind == 3 and data:
            chunk = data[pos:pos + rng.randint(1, 32)]
            at = rng.randrange(len(data) + 1)
            data[at:at] = chunk
        else:
            if data:
                data[min(pos, len(data) - 1)] = rng.randrange(256)
    return bytes(data)


def npy_bytes(shape, values):
    """A version 1.0 int8 .npy (numpy's layout, written by hand: no numpy)."""
    dims = ", ".join(str(d) for d in shape) + ("," if len(shape) == 1 else "")
    d = "{'descr': '|i1', 'fortran_order': False, 'shape': (%s), }" % dims
    total = (10 + len(d) + 1 + 63) // 64 * 64
    header = d.encode() + b" " * (total - 10 - len(d) - 1) + b"\n"
    return b"\x93NUMPY\x01\x00" + struct.pack("<H", len(header)) + header + bytes(v & 0xff for v in values)


def setup(lutsim, work):
    """Seeds per reader and the fixed companion files."""
    os.makedirs(work, exist_ok=True)
    p = os.path.join(work, "fixed")
    os.makedirs(p, exist_ok=True)
    act = os.path.join(p, "a.npy")
    wgt = os.path.join(p, "w.npy")
    with open(act, "wb") as f:
        f.write(npy_bytes((4, 64), [(i * 37) % 256 - 128 for i in range(4 * 64)]))
    with open(wgt, "wb") as f:
        f.write(npy_bytes((64, 64), [(i * 7) % 4 - 2 for i in range(64 * 64)]))
    prog = os.path.join(p, "p.bin")
    text = os.path.join(p, "p.s")
    subprocess.run([lutsim, "gemm", "--random", "4x64x256", "--wfmt", "int", "--wbits", "2",
                    "--program", prog], check=True, stdout=subprocess.DEVNULL)
    subprocess.run([lutsim, "disasm", prog, "-o", text], check=True)
    small = os.path.join(p, "small.s")
    with open(small, "w") as f:
        f.write("load buf=act sram=0x0 rows=1 bytes=64 dram=0x0 stride=64\nhalt\n")

    def files(d):
        d = os.path.join(SRC, d)
        return [os.path.join(d, n) for n in sorted(os.listdir(d)) if n.endswith(".json")]

    # reader: (seeds, [commands]); {F} the mutated file, {O} an output folder
    return {
        "arch": (files("workloads/arch"), [["arch", "--show", "--arch", "{F}"],
                                           ["exec", small, "--arch", "{F}", "--stats", "{O}/s.json"]]),
        "energy": (files("workloads/energy"), [["exec", small, "--energy", "{F}", "--stats", "{O}/s.json"]]),
        "model": (files("workloads/models"), [["run", "--model", "{F}", "--quant", "W2A8", "--seq", "16",
                                               "--context", "16", "--json", "{O}/r.json", "--csv", "{O}/r.csv"]]),
        "quant": (files("workloads/quant"), [["run", "--model", "tiny", "--quant", "{F}", "--seq", "16",
                                              "--context", "16", "--json", "{O}/r.json"]]),
        "npy": ([act, wgt], [["gemm", "--act", "{F}", "--weight", wgt, "--wfmt", "int", "--wbits", "2",
                              "--out", "{O}/c.npy"],
                             ["gemm", "--act", act, "--weight", "{F}", "--wfmt", "int", "--wbits", "2",
                              "--out", "{O}/c.npy"]]),
        "asm": ([text, small], [["asm", "{F}", "-o", "{O}/o.bin"], ["exec", "{F}", "--stats", "{O}/s.json"]]),
        "prog": ([prog], [["disasm", "{F}", "-o", "{O}/o.s"], ["exec", "{F}", "--stats", "{O}/s.json"]]),
    }


def check(r, outdir, sentinel, elapsed):
    """What is wrong with one run, or None."""
    err = r.stderr.decode("utf-8", "replace")
    if os.path.exists(sentinel):
        return "a command in the input was executed"
    if r.returncode not in (0, 1, 2):
        return "exit status %d (signal or sanitizer)" % r.returncode
    if "Sanitizer" in err or "runtime error" in err:
        return "sanitizer report"
    left = os.listdir(outdir)
    if r.returncode != 0:
        if err.count("\n") != 1 or not err.endswith("\n") or not err.startswith("lutsim: "):
            return "error is not one line starting with lutsim"
        if left:
            return "failed run left output behind: %s" % ", ".join(left)
    elif any(".tmp" in n for n in left):
        return "temporary files left behind: %s" % ", ".join(left)
    if elapsed > 10:
        return "ran %.1f s" % elapsed
    return None


def main():
    if len(sys.argv) < 3:
        print(__doc__, file=sys.stderr)
        return 2
    lutsim = os.path.abspath(sys.argv[1])
    seconds = float(sys.argv[2])
    work = os.path.join(os.path.dirname(lutsim), "fuzz-cli")
    readers = setup(lutsim, work)
    chosen = sys.argv[3:] or list(readers)
    env = dict(os.environ, ASAN_OPTIONS="detect_leaks=1:abort_on_error=1",
               UBSAN_OPTIONS="print_stacktrace=1:abort_on_error=1")
    rng = random.Random(1)
    total = 0
    print("%-8s %8s %6s %9s" % ("reader", "seconds", "runs", "findings"))
    for name in chosen:
        seeds, commands = readers[name]
        fdir = os.path.join(work, "findings", name)
        shutil.rmtree(fdir, ignore_errors=True)
        os.makedirs(fdir)
        runs = found = 0
        kinds = {}
        end = time.time() + seconds
        while time.time() < end:
            seed = rng.choice(seeds)
            ext = os.path.splitext(seed)[1]
            with open(seed, "rb") as f:
                data = f.read()
            run_dir = os.path.join(work, "run")
            shutil.rmtree(run_dir, ignore_errors=True)
            outdir = os.path.join(run_dir, "out")
            os.makedirs(outdir)
            sentinel = os.path.join(run_dir, "SENTINEL")
            data = mutate(data, rng).replace(b"SENTINEL", sentinel.encode())
            path = os.path.join(run_dir, "input" + ext)
            with open(path, "wb") as f:
                f.write(data)
            cmd = [lutsim] + [a.replace("{F}", path).replace("{O}", outdir)
                              for a in rng.choice(commands)]
            t0 = time.time()
            try:
                r = subprocess.run(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                                   stdin=subprocess.DEVNULL, timeout=20, env=env, cwd=run_dir)
                why = check(r, outdir, sentinel, time.time() - t0)
            except subprocess.TimeoutExpired:
                why, r = "ran over 20 s", None
            runs += 1
            if why:
                found += 1
                kinds.setdefault(why.split(":")[0], os.path.join(fdir, "%d%s" % (found, ext)))
                base = os.path.join(fdir, "%d" % found)
                shutil.copy(path, base + ext)
                with open(base + ".txt", "w") as f:
                    f.write("%s\n%s\n" % (why, " ".join(cmd)))
                    if r is not None:
                        f.write(r.stderr.decode("utf-8", "replace")[:4000])
        print("%-8s %8.0f %6d %9d" % (name, seconds, runs, found))
        for why, example in sorted(kinds.items()):
            print("    %s (e.g. %s)" % (why, example))
        total += found
    print("fuzz-cli: %d findings" % total)
    return 1 if total else 0


if __name__ == "__main__":
    sys.exit(main())
