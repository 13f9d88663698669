#!/usr/bin/env python3
"""area-fit.py - fit the area model's logic coefficients to yosys synthesis.

Each RTL unit (rtl/) is synthesised by yosys 0.23 at several parameter
points to generic gates restricted to the functions of the NanGate45 cells
in workloads/area/default.json ("cells": AND2, NAND2, OR2, NOR2, XOR2,
XNOR2, MUX2, AOI21, INV, BUF, DFF); the cell counts times those cells'
areas give the unit's area in um^2 at 45 nm.  Per unit, a closed form over
the parameters that scale it (a sum of coefficient x product of
parameters, the terms in UNITS below) is fitted by least squares on the
relative error; points marked held-out are synthesised too but not used in
the fit, and their error is the model's error.

  make area-fit     synthesise every point, fit, write workloads/area/logic_fit.json
  make area-check   synthesise the held-out points again and check the
                    committed coefficients predict them within 10%

Usage: area-fit.py fit BUILD OUT.json | check BUILD FIT.json  [--units a,b]
  --units: only those units are synthesised (fit: the others keep their
  entries in OUT.json, which must hold every unit; check: only theirs are
  checked).  make area-fit UNITS=a,b passes it.

Programs are started from argument vectors (subprocess, no shell).  yosys
reads its commands from a script file; every path written into it is
checked to hold only [A-Za-z0-9._/+-] (yosys splits commands at blanks
and ';').
"""
import concurrent.futures
import hashlib
import json
import os
import re
import subprocess
import sys
import time

SRC = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
RTL = os.path.join(SRC, "rtl")
CELLS = os.path.join(SRC, "workloads", "area", "default.json")
JOBS = int(os.environ.get("AREA_JOBS", "2"))
TIMEOUT = int(os.environ.get("AREA_TIMEOUT", "900"))
TOLERANCE = 0.10
ABC_GATES = "AND,NAND,OR,NOR,XOR,XNOR,MUX,AOI3"
SAFE = re.compile(r"^[A-Za-z0-9._/+-]+$")

# A blackbox of the scoreboard ring, for the controller's synthesis (the
# rings are priced as their own unit).
RING_BB = """(* blackbox *)
module lutc_sb_ring #(parameter integer DEPTH = 8, parameter integer NR = 4,
                      parameter integer NW = 2, parameter integer IW = 4,
                      parameter integer NC = 1) (
    input clk, input rst, input [4*99-1:0] c_rd,
    input [2*99-1:0] c_wr, output [DEPTH-1:0] conflict, output [DEPTH-1:0] done,
    output can_alloc, output all_done, input alloc, input alloc_start,
    input start_q, output [IW-1:0] start_tag, input [NC-1:0] cpl_v,
    input [NC*IW-1:0] cpl_tag);
endmodule
"""


def ring_depths(q, dram_lat, tprec_lat=2, lmma_lat=4, dq_lat=4):
    """The ring depths gen_rtl_includes prints (ARCH_SB_*): queue + latency + 2."""
    return [q + dram_lat + 2, q + tprec_lat + 2, q + lmma_lat + 2, q + dq_lat + 2]


def npot(k):
    """1 when k is not a power of two: the RTL's divisions by tile_k are then
    real dividers (by a power of two they are shifts)."""
    return int(k & (k - 1) != 0)


def lut_point(m, cols, k):
    return {"params": {"m": m, "cols": cols, "k": k, "entries": 2 ** (k - 1), "k_npot": npot(k)},
            "arch": {"lut": {"cores": 1, "tile": {"m": m, "n": cols, "k": k}}}}


def tprec_point(k):
    return {"params": {"k": k, "entries": 2 ** (k - 1), "k_npot": npot(k)},
            "arch": {"lut": {"tile": {"k": k}}}}


def dq_point(lanes):
    return {"params": {"lanes": lanes}, "arch": {"dequant": {"lanes": lanes}}}


def dma_point(burst, ot):
    """On ideal memory (a DRAM device fixes the burst); ot = dma.max_outstanding,
    the outstanding-transaction table's slots (arch_dma_ot)."""
    idw = max(1, (ot - 1).bit_length()) if ot > 1 else 1
    # the table's reads by ID decode the whole 2^idw ID space: pad IDs
    # beyond the ot slots still cost multiplexer inputs
    return {"params": {"burst_bytes": burst, "ot": ot, "idw": idw, "pad": 2 ** idw - ot},
            "arch": {"dram": {"model": "ideal", "channels": 0, "burst_bytes": burst},
                     "dma": {"max_outstanding": ot}}}


def ctrl_point(q, lat):
    s = sum(ring_depths(q, lat))
    return {"params": {"q": q, "s": s, "dram_latency": lat},
            "arch": {"issue": {"queue_depth": q}, "dram": {"latency_cycles": lat}},
            "chparam": [("IMEM_AW", 1)]}


def ring_point(depth, nr, nw):
    iw = max(1, (depth - 1).bit_length())
    return {"params": {"depth": depth, "nr": nr, "nw": nw},
            "arch": {},
            "chparam": [("DEPTH", depth), ("NR", nr), ("NW", nw), ("IW", iw)]}


def pe_point(aw, ww, accw):
    return {"params": {"aw": aw, "ww": ww, "accw": accw}, "arch": {},
            "chparam": [("AW", aw), ("WW", ww), ("ACCW", accw)]}


def fp16_point(mw):
    return {"params": {"mw": mw}, "arch": {}, "chparam": [("MW", mw)]}


def bitmod_point(dp, accw):
    return {"params": {"dp": dp, "accw": accw}, "arch": {}, "chparam": [("DP", dp), ("ACCW", accw)]}


PE_FIT = [(8, 8, 32), (4, 4, 16), (8, 4, 24), (6, 6, 24), (16, 16, 48), (4, 8, 20), (8, 8, 20),
          (8, 8, 40), (16, 16, 40)]

# Per unit: top module, files, the closed form's terms (each a product of
# parameters; [] is the constant), the fit points and the held-out points.
UNITS = {
    "lut_array": {
        "top": "lutc_lut", "files": ["lutc_lut.v"],
        "why": "per (table row, column): an entries:1 multiplexer of 16-bit entries, "
               "negate, 32-bit add and register; per column its index field; "
               "per table row its address and the bit-plane shift of its entries (once a "
               "row, not a column); fixed: the pass counters and address arithmetic, "
               "and dividers by tile_k when it is not a power of two (k_npot)",
        "terms": [[], ["m"], ["cols"], ["m", "cols"], ["m", "cols", "entries"], ["k_npot"]],
        "fit": [lut_point(1, 2, 4), lut_point(2, 2, 4), lut_point(2, 4, 4), lut_point(1, 8, 4),
                lut_point(1, 4, 2), lut_point(2, 2, 3), lut_point(1, 2, 5), lut_point(4, 2, 4),
                lut_point(2, 8, 4), lut_point(2, 16, 4)],
        "held_out": [lut_point(4, 4, 4), lut_point(2, 12, 4)],
    },
    "precompute": {
        "top": "lutc_tprec", "files": ["lutc_tprec.v"],
        "why": "entries table entries, each a sum of k activations, saturated; "
               "fixed: row/chunk counters and address arithmetic, and a divider by tile_k "
               "when it is not a power of two (k_npot)",
        "terms": [[], ["entries"], ["k", "entries"], ["k_npot"]],
        "fit": [tprec_point(2), tprec_point(3), tprec_point(4), tprec_point(6)],
        "held_out": [tprec_point(5)],
    },
    "dequant": {
        "top": "lutc_dq", "files": ["lutc_dq.v"],
        "why": "per lane a 32 x 32-bit multiply, 64-bit add, halving and 32-bit add; "
               "fixed: counters and addresses",
        "terms": [[], ["lanes"]],
        "fit": [dq_point(1), dq_point(2), dq_point(4)],
        "held_out": [dq_point(3)],
    },
    "dma": {
        "top": "lutc_dma", "files": ["lutc_dma.v"],
        "why": "2-D address generation and counters (48-bit); burst_bytes write-strobe "
               "comparators; the outstanding-transaction table: per slot a valid bit, "
               "scoreboard tag, buffer address and length, two tag comparators (the "
               "last-response test of R and B), the free-ID list of idw-bit entries, "
               "and the read multiplexers of the R and B IDs over the 2^idw ID space "
               "(pad = 2^idw - ot IDs with no slot)",
        "terms": [[], ["burst_bytes"], ["ot"], ["ot", "idw"], ["pad"]],
        "fit": [dma_point(32, 2), dma_point(32, 8), dma_point(64, 8), dma_point(16, 32),
                dma_point(32, 32), dma_point(64, 64), dma_point(32, 128), dma_point(32, 256),
                dma_point(32, 24), dma_point(32, 96), dma_point(32, 160)],
        "held_out": [dma_point(32, 320), dma_point(64, 48)],
    },
    "controller": {
        "top": "lutc_ctrl", "files": ["lutc_decode.v", "lutc_ifetch.v", "lutc_ctrl.v"], "ring_blackbox": True,
        "why": "fetch, decode (footprints), 4 queues of q entries (each "
               "a 128-bit word and an s-bit dependency mask, s = the four rings' "
               "entries); synthesised with the smallest instruction memory (2 x 128 "
               "bits, IMEM_AW 1: about 1% of the unit), which lutsim prices as the "
               "instruction buffer instead",
        "terms": [[], ["q"], ["s"], ["q", "s"]],
        "fit": [ctrl_point(2, 4), ctrl_point(4, 4), ctrl_point(2, 20), ctrl_point(4, 20)],
        "held_out": [ctrl_point(3, 12)],
    },
    "scoreboard_ring": {
        "top": "lutc_sb_ring", "files": ["lutc_sb_ring.v"],
        "why": "per entry: a completion bit set by its unit's completion port, nr read and nw write ranges "
               "of 99 bits and their comparators against the candidate's 4 read "
               "and 2 write ranges; fixed: head/tail pointers",
        "terms": [[], ["depth"], ["depth", "nr"], ["depth", "nw"]],
        "fit": [ring_point(2, 1, 1), ring_point(4, 1, 1), ring_point(4, 1, 2), ring_point(4, 3, 1),
                ring_point(8, 4, 1), ring_point(8, 1, 2)],
        "held_out": [ring_point(6, 3, 1), ring_point(16, 1, 1)],
    },
    # PEs of the baseline compute kinds (rtl/pe/), for the kinds that use them
    "pe_mac_int": {
        "top": "pe_mac_int", "files": ["pe/pe_mac_int.v"],
        "why": "an aw x ww-bit signed multiplier (about aw x ww full adders), an "
               "accw-bit adder and register",
        "terms": [[], ["aw", "ww"], ["accw"], ["aw"], ["ww"]],
        "fit": [pe_point(*x) for x in PE_FIT],
        "held_out": [pe_point(8, 8, 24), pe_point(12, 12, 40), pe_point(6, 6, 32),
                     pe_point(12, 12, 32)],
    },
    "pe_systolic": {
        "top": "pe_systolic", "files": ["pe/pe_mac_int.v", "pe/pe_systolic.v"],
        "why": "pe_mac_int plus the aw- and ww-bit forwarding registers",
        "terms": [[], ["aw", "ww"], ["accw"], ["aw"], ["ww"]],
        "fit": [pe_point(*x) for x in PE_FIT],
        "held_out": [pe_point(8, 8, 24), pe_point(12, 12, 32)],
    },
    "pe_mac_fp16": {
        "top": "pe_mac_fp16", "files": ["pe/pe_mac_fp16.v"],
        "why": "an 11 x 11-bit significand multiplier and exponent add (fixed); the "
               "accumulator's adder on mw + 1-bit significands: magnitude compare and swap, "
               "alignment shifter, add/subtract, leading-zero count, normalising shifter "
               "and rounding (about mw x log2(mw) multiplexers), and its mw + 9-bit register",
        "terms": [[], ["mw"], ["mw", "mw"]],
        "fit": [fp16_point(21), fp16_point(23), fp16_point(27), fp16_point(31), fp16_point(39)],
        "held_out": [fp16_point(25), fp16_point(35)],
    },
    "pe_bitmod": {
        "top": "pe_bitmod", "files": ["pe/pe_bitmod.v"],
        "why": "per lane (dp) the term x significand gating, the exponent add, the "
               "maximum-exponent comparator and 14-bit alignment shifter and an adder of "
               "the sum; the accw-bit shift-accumulate (shifter, adder, register)",
        "terms": [[], ["dp"], ["accw"], ["dp", "accw"]],
        "fit": [bitmod_point(1, 48), bitmod_point(2, 32), bitmod_point(2, 64), bitmod_point(4, 32),
                bitmod_point(4, 64), bitmod_point(8, 48), bitmod_point(8, 64), bitmod_point(4, 48)],
        "held_out": [bitmod_point(4, 56), bitmod_point(6, 64), bitmod_point(3, 40)],
    },
}


def die(msg):
    print("area-fit: " + msg, file=sys.stderr)
    sys.exit(1)


def safe(path):
    if not SAFE.match(path):
        die("'%s': only letters, digits and ._/+- can be passed to yosys safely" % path)
    return path


def load_cells():
    with open(CELLS) as f:
        doc = json.load(f)
    cells = doc["cells"]["generic"]
    return {name: c["um2"] for name, c in cells.items()}


def point_label(unit, p):
    # (k_npot follows from k, pad from ot: not part of the name)
    return unit + "_" + "_".join("%s%s" % (k, v) for k, v in sorted(p["params"].items())
                                 if k not in ("k_npot", "pad"))


def write_if_changed(path, data):
    """Rewrites path only when its text changes (a reused point stays reused)."""
    if os.path.exists(path):
        with open(path) as f:
            if f.read() == data:
                return
    with open(path, "w") as f:
        f.write(data)


def gen_includes(build, d, arch):
    gen = os.path.join(build, "rtl", "gen_rtl_includes")
    os.makedirs(d, exist_ok=True)
    write_if_changed(os.path.join(d, "arch.json"), json.dumps(arch))
    for what, out, extra in (("isa", "isa.vh", []),
                             ("arch", "arch_params.vh", ["--arch", os.path.join(d, "arch.json")])):
        r = subprocess.run([gen, what] + extra, stdout=subprocess.PIPE, text=True, check=True)
        write_if_changed(os.path.join(d, out), r.stdout)


def synth(build, work, unit, spec, p, cells):
    """Synthesises one point; returns (area_um2, cells, seconds)."""
    d = safe(os.path.join(work, point_label(unit, p)))
    gen_includes(build, d, p["arch"])
    files = [safe(os.path.join(RTL, f)) for f in spec["files"]]
    if spec.get("ring_blackbox"):
        bb = os.path.join(d, "sb_ring_bb.v")
        write_if_changed(bb, RING_BB)
        files.insert(0, bb)
    top = spec["top"]
    stat = os.path.join(d, "stat.txt")
    lines = ["read_verilog -sv -I%s %s" % (d, " ".join(files))]
    for name, val in p.get("chparam", []):
        lines.append("chparam -set %s %d %s" % (name, val, top))
    lines += ["synth -flatten -top %s -noabc" % top,
              "dfflegalize -cell $_DFF_P_ x",
              "abc -fast -g %s" % ABC_GATES,
              "opt_clean",
              "tee -q -o %s stat" % stat]
    ys = os.path.join(d, "synth.ys")
    text = "\n".join(lines) + "\n"
    # a point synthesised before from the same script, sources and generated
    # includes (their SHA-256, kept beside stat.txt) reuses its result;
    # AREA_FRESH=1 forces synthesis
    key = source_hash(text, files + [os.path.join(d, "isa.vh"), os.path.join(d, "arch_params.vh")])
    keyf = os.path.join(d, "source.sha256")
    if os.environ.get("AREA_FRESH") != "1" and os.path.exists(stat) and os.path.exists(keyf):
        with open(keyf) as f:
            if f.read().strip() == key:
                return area_of_stat(stat, cells) + (0.0,)
    for stale in (stat, keyf):
        if os.path.exists(stale):
            os.remove(stale)
    with open(ys, "w") as f:
        f.write(text)
    t0 = time.time()
    log = os.path.join(d, "yosys.log")
    try:
        r = subprocess.run(["yosys", "-q", "-l", log, "-s", ys],
                           stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, timeout=TIMEOUT)
    except subprocess.TimeoutExpired:
        raise SynthError("%s: yosys did not finish in %d s (AREA_TIMEOUT; log: %s)" %
                         (point_label(unit, p), TIMEOUT, log))
    if r.returncode != 0 or not os.path.exists(stat):
        raise SynthError("%s: yosys failed, exit %d (log: %s)" % (point_label(unit, p), r.returncode, log))
    with open(keyf, "w") as f:
        f.write(key + "\n")
    return area_of_stat(stat, cells) + (time.time() - t0,)


class SynthError(Exception):
    """A point that did not synthesise: the run fails, nothing is written."""


def source_hash(script, paths):
    h = hashlib.sha256(script.encode())
    for path in paths:
        with open(path, "rb") as f:
            h.update(os.path.basename(path).encode() + b"\0" + f.read() + b"\0")
    return h.hexdigest()


def area_of_stat(path, cells):
    counts = {}
    with open(path) as f:
        for line in f:
            m = re.match(r"^\s+(\$_\w+_)\s+(\d+)\s*$", line)
            if m:
                counts[m.group(1)] = counts.get(m.group(1), 0) + int(m.group(2))
    area = 0.0
    for name, n in counts.items():
        if name not in cells:
            die("%s: cell type %s has no area in %s" % (path, name, CELLS))
        area += n * cells[name]
    return area, sum(counts.values())


def term_value(term, params):
    v = 1.0
    for name in term:
        v *= params[name]
    return v


def model(terms, coefs, params):
    return sum(c * term_value(t, params) for t, c in zip(terms, coefs))


def solve(a, b):
    """Gaussian elimination with partial pivoting (a is n x n)."""
    n = len(b)
    m = [row[:] + [b[i]] for i, row in enumerate(a)]
    for col in range(n):
        piv = max(range(col, n), key=lambda r: abs(m[r][col]))
        if abs(m[piv][col]) < 1e-300:
            die("fit: singular system (too few independent points)")
        m[col], m[piv] = m[piv], m[col]
        for r in range(n):
            if r != col:
                f = m[r][col] / m[col][col]
                for c in range(col, n + 1):
                    m[r][c] -= f * m[col][c]
    return [m[i][n] / m[i][i] for i in range(n)]


def fit(terms, points):
    """Least squares on the relative error: rows divided by the synthesised area."""
    rows = [[term_value(t, p["params"]) / p["synth_um2"] for t in terms] for p in points]
    n = len(terms)
    ata = [[sum(r[i] * r[j] for r in rows) for j in range(n)] for i in range(n)]
    atb = [sum(r[i] for r in rows) for i in range(n)]
    return solve(ata, atb)


def run_points(build, work, jobs_list, cells):
    """jobs_list: [(unit, spec, point)] -> fills point['synth_um2'], ['cells']."""
    with concurrent.futures.ThreadPoolExecutor(max_workers=JOBS) as ex:
        futs = {ex.submit(synth, build, work, u, s, p, cells): (u, p) for u, s, p in jobs_list}
        failed = []
        for fu in concurrent.futures.as_completed(futs):
            u, p = futs[fu]
            try:
                area, ncells, sec = fu.result()
            except SynthError as e:
                print("  FAILED " + str(e), file=sys.stderr, flush=True)
                failed.append(str(e))
                continue
            p["synth_um2"] = round(area, 3)
            p["cells"] = ncells
            print("  %-60s %10d cells %14.1f um^2  (%.0f s)" % (point_label(u, p), ncells, area, sec),
                  flush=True)
    if failed:
        die("%d of %d points did not synthesise (a unit left out is an error): %s" %
            (len(failed), len(jobs_list), "; ".join(failed)))


def yosys_version():
    r = subprocess.run(["yosys", "-V"], stdout=subprocess.PIPE, text=True, check=True)
    return r.stdout.strip()


def cmd_fit(build, out, only):
    cells = load_cells()
    work = os.path.join(build, "area-fit")
    kept = {}
    if only:
        # the other units keep their committed entries (coefficients, points)
        try:
            with open(out) as f:
                kept = json.load(f)["units"]
        except (OSError, ValueError, KeyError) as e:
            die("--units: %s: cannot read the other units' entries (%s)" % (out, e))
        missing = [u for u in UNITS if u not in only and u not in kept]
        if missing:
            die("--units: %s has no entry for %s; run the full fit" % (out, ", ".join(missing)))
    jobs_list = []
    for u, s in UNITS.items():
        if only and u not in only:
            continue
        for p in s["fit"] + s["held_out"]:
            jobs_list.append((u, s, p))
    # the slowest last: the LUT array, then the controller
    order = {"lut_array": 1, "controller": 2}
    jobs_list.sort(key=lambda j: order.get(j[0], 0))
    print("area-fit: %d syntheses, %d at a time" % (len(jobs_list), JOBS), flush=True)
    run_points(build, work, jobs_list, cells)
    doc = {
        "description": "Logic area of each RTL unit at 45 nm (NanGate45 cell areas), a closed "
                       "form per unit fitted to yosys synthesis.  GENERATED by `make area-fit` "
                       "(scripts/area-fit.py); do not edit by hand.  area_um2 = sum over terms of "
                       "um2 x the product of the term's parameters.",
        "source": "yosys synthesis of rtl/ (%s): synth -flatten -noabc; dfflegalize to $_DFF_P_; "
                  "abc -fast -g %s; cell counts x the NanGate45 cell areas of "
                  "workloads/area/default.json (shared/reference/area.md); least squares on the "
                  "relative error over the fit points" % (yosys_version(), ABC_GATES),
        "command": "make area-fit",
        "node_nm": 45,
        "units": {},
    }
    worst = 0.0
    for u, s in UNITS.items():
        if only and u not in only:
            doc["units"][u] = kept[u]
            worst = max(worst, kept[u]["max_held_out_error"])
            print("%-16s max held-out error %5.2f%% (kept from %s)" %
                  (u, 100 * kept[u]["max_held_out_error"], os.path.basename(out)))
            continue
        coefs = fit(s["terms"], s["fit"])
        for p in s["fit"] + s["held_out"]:
            p["model_um2"] = round(model(s["terms"], coefs, p["params"]), 3)
            p["error"] = round(p["model_um2"] / p["synth_um2"] - 1.0, 5)
        err = max(abs(p["error"]) for p in s["held_out"])
        worst = max(worst, err)
        doc["units"][u] = {
            "rtl": ["rtl/" + f for f in s["files"]], "top": s["top"], "why": s["why"],
            "terms": [{"vars": t, "um2": round(c, 6)} for t, c in zip(s["terms"], coefs)],
            "max_held_out_error": round(err, 5),
            "fit_points": [{k: p[k] for k in ("params", "synth_um2", "cells", "model_um2", "error")}
                           for p in s["fit"]],
            "held_out": [{k: p[k] for k in ("params", "synth_um2", "cells", "model_um2", "error")}
                         for p in s["held_out"]],
        }
        print("%-16s max held-out error %5.2f%%" % (u, 100 * err))
    doc["max_held_out_error"] = round(worst, 5)
    tmp = out + ".tmp"
    with open(tmp, "w") as f:
        json.dump(doc, f, indent=2)
        f.write("\n")
    os.replace(tmp, out)
    print("area-fit: wrote %s; worst held-out error %.2f%%" % (out, 100 * worst))
    return 0 if worst < TOLERANCE else 1


def cmd_check(build, path, only):
    cells = load_cells()
    with open(path) as f:
        doc = json.load(f)
    work = os.path.join(build, "area-check")
    jobs_list = []
    for u, s in UNITS.items():
        if only and u not in only:
            continue
        for p in s["held_out"]:
            jobs_list.append((u, s, p))
    print("area-check: %d held-out syntheses" % len(jobs_list), flush=True)
    run_points(build, work, jobs_list, cells)
    bad = 0
    for u, s, p in jobs_list:
        fu = doc["units"][u]
        terms = [t["vars"] for t in fu["terms"]]
        coefs = [t["um2"] for t in fu["terms"]]
        pred = model(terms, coefs, p["params"])
        err = pred / p["synth_um2"] - 1.0
        rec = [h["synth_um2"] for h in fu["held_out"] if h["params"] == p["params"]]
        recs = "recorded %.1f" % rec[0] if rec else "not recorded"
        ok = abs(err) < TOLERANCE
        bad += not ok
        print("  %-60s synth %12.1f  model %12.1f um^2  %+6.2f%%  (%s)  %s" %
              (point_label(u, p), p["synth_um2"], pred, 100 * err, recs, "ok" if ok else "FAIL"))
    print("area-check: %d of %d held-out points within %.0f%%" %
          (len(jobs_list) - bad, len(jobs_list), 100 * TOLERANCE))
    return 1 if bad else 0


def parse_units(argv):
    """--units a,b (or --units=a,b): the units to synthesise; [] = all."""
    only = []
    rest = []
    i = 0
    while i < len(argv):
        a = argv[i]
        if a == "--units" or a.startswith("--units="):
            if a == "--units":
                if i + 1 >= len(argv):
                    die("--units: expected a comma-separated list of units")
                i += 1
                a = argv[i]
            else:
                a = a[len("--units="):]
            for u in a.split(","):
                if u not in UNITS:
                    die("--units: '%s' is not a unit (%s)" % (u[:40], ", ".join(UNITS)))
                only.append(u)
        else:
            rest.append(a)
        i += 1
    return only, rest


def main(argv):
    only, argv = parse_units(argv)
    if len(argv) != 4 or argv[1] not in ("fit", "check"):
        print(__doc__.split("\n\n")[-3], file=sys.stderr)
        return 2
    build = os.path.abspath(argv[2])
    if argv[1] == "fit":
        return cmd_fit(build, os.path.abspath(argv[3]), only)
    return cmd_check(build, os.path.abspath(argv[3]), only)


if __name__ == "__main__":
    sys.exit(main(sys.argv))
