#!/usr/bin/env python3
"""lutsim's BitMoD reproduction beside the reference model of BitMoD's
simulator (tests/bitmod_ref.py).  Standard library only.

For each model, phase and design it runs `lutsim run --json` on BitMoD's
published design (workloads/arch/bitmod*.json: the prefill arrays;
bitmod*-decode.json: the decode arrays) with its quantization preset, and
the reference model on the same design, and compares the speedups

    BitMoD-lossless over FP16, BitMoD-lossy over ANT-4b, over OliVe-4b

(cycles ratio) in prefill (256 tokens), decode (one token, 256 keys) and
generative (prefill + 20 decode steps).  Like with like: BitMoD's simulator
counts the decoder layers' Linear layers and the two attention matmuls
(plus lm_head, which it runs on all 256 prefill tokens where lutsim runs
the last one); the compared figure is, on both sides, the decoder layers'
linear layers plus the attention score and context GEMMs (lutsim's arch
with "attention": {"fused": false}, so softmax is its own operation and
left out).  Each side's total is reported too.

Reference bits: FP16 16, BitMoD 6.0625 lossless and 4.0625 / 3.0625 lossy
(BitMoD's figures, scales included), ANT-4b and OliVe-4b 4 (the presets);
BitMoD's own scripts use about 5 bits for ANT and about 4 for OliVe per
model, reported as ref_bitmod_bits.  ref_no_refetch is the reference
without its refetch rule (bitmod_ref.py --no-refetch: each operand read
once, as a design with an output buffer for partial sums can tile it;
lutsim's presets have none, buffers.partial_sums false, as BitMoD's
design); error_no_refetch compares lutsim with that.

Usage: bitmod_compare.py --lutsim BIN --root DIR [--models m1,m2,...]
                         [--json OUT] [--check] [--markdown]
--check exits 1 unless every compared speedup is within 20% of the
reference's and every decoder linear layer's array cycles (compute_cycles)
equal the reference's tile count x PE latency exactly.
"""
import json
import os
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import bitmod_ref  # noqa: E402

MODELS = ["llama-2-7b", "llama-2-13b", "llama-3-8b", "opt-1.3b"]
# preset -> (lutsim prefill arch, reference design, reference options)
DESIGNS = {
    "FP16": ("bitmod-fp16", "fp16", {}),
    "BitMoD-lossless": ("bitmod", "bitmod", {}),
    "BitMoD-lossy": ("bitmod", "bitmod", {"lossy": True}),
    "ANT-4b": ("bitmod-ant", "ant", {"wbits": 4}),
    "OliVe-4b": ("bitmod-olive", "olive", {"wbits": 4}),
}
PAIRS = [("BitMoD-lossless", "FP16"), ("BitMoD-lossy", "ANT-4b"), ("BitMoD-lossy", "OliVe-4b")]
PHASES = ["prefill", "decode"]
TOLERANCE = 0.20
SIDES = ("lutsim", "ref", "ref_bitmod_bits", "ref_no_refetch")
# BitMoD's published speedups (paper): lossless over FP16 1.99x
# discriminative (prefill), 2.41x generative; lossy over ANT 1.66x and over
# OliVe 1.39x generative (shared/reference/bitmod-and-baselines.md)
PUBLISHED = {("BitMoD-lossless", "FP16", "prefill"): 1.99,
             ("BitMoD-lossless", "FP16", "generative"): 2.41,
             ("BitMoD-lossy", "ANT-4b", "generative"): 1.66,
             ("BitMoD-lossy", "OliVe-4b", "generative"): 1.39}


def unfused_arch(root, name, tmp):
    """The preset with attention split into score, softmax, context."""
    d = json.load(open(os.path.join(root, "workloads", "arch", name + ".json")))
    d["attention"] = {"fused": False}
    path = os.path.join(tmp, name + ".json")
    json.dump(d, open(path, "w"))
    return path


def run_lutsim(lutsim, arch, model, quant, phase, tmp):
    out = os.path.join(tmp, "run.json")
    args = [lutsim, "run", "--arch", arch, "--model", model, "--quant", quant, "--phase", phase,
            "--quiet", "--json", out]
    args += ["--seq", "256"] if phase == "prefill" else ["--context", "256"]
    subprocess.run(args, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    ph = json.load(open(out))["phases"][0]
    like = 0
    linear_compute = {}
    for o in ph["ops"]:
        if o["kind"] == "linear" and o["name"] != "lm_head":
            like += o["cycles"]
            linear_compute[o["name"].split(".")[-1]] = o["compute_cycles"]
        elif o["name"] in ("layer.attn_score", "layer.attn_context"):
            like += o["cycles"]
    return {"total": ph["total"]["cycles"], "like": like, "linear_compute": linear_compute}


def run_ref(cfg, design, phase, opts):
    r = bitmod_ref.run(cfg, design, phase, **opts)
    linear_compute = {}
    for o in r["ops"]:
        if o["kind"] == "linear" and o["name"] != "lm_head":
            k = o["name"].split(".")[-1]
            k = {"out_proj": "o_proj"}.get(k, k)  # lutsim names OPT's out_proj o_proj
            linear_compute[k] = linear_compute.get(k, 0) + o["compute_cycles"]
    return {"total": r["cycles"], "like": r["linear_cycles"] + r["attention_cycles"],
            "linear_compute": linear_compute}


def measure(lutsim, root, models):
    res = {"models": {}, "tolerance": TOLERANCE}
    with tempfile.TemporaryDirectory() as tmp:
        for m in models:
            cfg = bitmod_ref.load_config(os.path.join(root, "workloads", "models", m + ".json"))
            per = {}
            for q, (arch, design, opts) in DESIGNS.items():
                per[q] = {}
                for ph in PHASES:
                    a = unfused_arch(root, arch + ("-decode" if ph == "decode" else ""), tmp)
                    per[q][ph] = {"lutsim": run_lutsim(lutsim, a, m, q, ph, tmp),
                                  "ref": run_ref(cfg, design, ph, opts)}
                    # BitMoD's own per-model bits for the baselines
                    plain = {k: v for k, v in opts.items() if k != "wbits"}
                    per[q][ph]["ref_bitmod_bits"] = run_ref(cfg, design, ph, plain)
                    per[q][ph]["ref_no_refetch"] = run_ref(cfg, design, ph,
                                                           dict(opts, refetch=False))
                gen = {}
                for side in SIDES:
                    p, d = per[q]["prefill"][side], per[q]["decode"][side]
                    gen[side] = {k: p[k] + bitmod_ref.DECODE_STEPS * d[k] for k in ("total", "like")}
                per[q]["generative"] = gen
            rows = []
            for fast, base in PAIRS:
                for ph in PHASES + ["generative"]:
                    f, b = per[fast][ph], per[base][ph]
                    row = {"design": fast, "baseline": base, "phase": ph}
                    for side in SIDES:
                        for k in ("like", "total"):
                            row[f"{side}_{k}"] = b[side][k] / f[side][k]
                    row["error"] = row["lutsim_like"] / row["ref_like"] - 1
                    row["error_no_refetch"] = row["lutsim_like"] / row["ref_no_refetch_like"] - 1
                    row["published"] = PUBLISHED.get((fast, base, ph))
                    rows.append(row)
            res["models"][m] = {"speedups": rows, "cycles": per}
    return res


def check(res):
    bad = []
    for m, r in res["models"].items():
        for row in r["speedups"]:
            if abs(row["error"]) > TOLERANCE:
                bad.append(f"{m} {row['design']}/{row['baseline']} {row['phase']}: lutsim "
                           f"{row['lutsim_like']:.3f}x vs reference {row['ref_like']:.3f}x")
        for q, phases in r["cycles"].items():
            for ph in PHASES:
                lc, rc = phases[ph]["lutsim"]["linear_compute"], phases[ph]["ref"]["linear_compute"]
                if lc != rc:
                    bad.append(f"{m} {q} {ph}: linear array cycles {lc} vs reference {rc}")
    return bad


def markdown(res):
    out = ["| model | speedup | phase | lutsim (lin+attn) | reference (lin+attn) | error |"
           " ref, no refetch (lin+attn) | error vs it | lutsim total | reference total |"
           " ref, BitMoD's bits | published |",
           "|---|---|---|---|---|---|---|---|---|---|---|---|"]
    for m, r in res["models"].items():
        for row in r["speedups"]:
            pub = f"{row['published']:.2f}x" if row["published"] else "-"
            out.append(f"| {m} | {row['design']} / {row['baseline']} | {row['phase']} | "
                       f"{row['lutsim_like']:.2f}x | {row['ref_like']:.2f}x | "
                       f"{100 * row['error']:+.1f}% | {row['ref_no_refetch_like']:.2f}x | "
                       f"{100 * row['error_no_refetch']:+.1f}% | {row['lutsim_total']:.2f}x | "
                       f"{row['ref_total']:.2f}x | {row['ref_bitmod_bits_total']:.2f}x | {pub} |")
    return "\n".join(out)


def main(argv):
    a = {"--lutsim": None, "--root": None, "--models": ",".join(MODELS), "--json": None}
    flags = set()
    i = 1
    while i < len(argv):
        if argv[i] in ("--check", "--markdown"):
            flags.add(argv[i])
            i += 1
        elif argv[i] in a and i + 1 < len(argv):
            a[argv[i]] = argv[i + 1]
            i += 2
        else:
            sys.exit(__doc__.split("Usage: ")[1])
    if not a["--lutsim"] or not a["--root"]:
        sys.exit(__doc__.split("Usage: ")[1])
    res = measure(a["--lutsim"], a["--root"], a["--models"].split(","))
    if a["--json"]:
        json.dump(res, open(a["--json"], "w"), indent=1)
    if "--markdown" in flags:
        print(markdown(res))
    if "--check" in flags:
        bad = check(res)
        for b in bad:
            print("bitmod_compare: " + b, file=sys.stderr)
        sys.exit(1 if bad else 0)


if __name__ == "__main__":
    main(sys.argv)
