"""quantize_ref.py - an independent numpy model of `lutsim quantize`, for
tests/test_quantize.cpp.  It shares no code with lutsim: it writes its own
safetensors files and quantizes from the formulas of the issue and the
BitMoD paper (reference: shared/reference/bitmod-and-baselines.md).

  quantize_ref.py model DIR          a two-layer sharded model (F16 + BF16)
  quantize_ref.py matrices DIR       gauss.npy and outliers.npy (float32), half.npy
                                     (float16, 40 x 200)
  quantize_ref.py expect P1.json,P2.json,... OUT-{}.json INPUT...
      per preset (OUT with {} = the preset's base name) and per input (a
      .safetensors file's linear weights, or a .npy) the mse, sqnr_db and
      bits_per_weight numpy computes under the preset
"""
import json
import math
import struct
import sys

import numpy as np

F32 = np.float32


def write_safetensors(path, tensors):
    header, blobs, off = {}, [], 0
    for name, (dtype, arr) in tensors.items():
        b = np.ascontiguousarray(arr).tobytes()
        header[name] = {"dtype": dtype, "shape": list(arr.shape), "data_offsets": [off, off + len(b)]}
        off += len(b)
        blobs.append(b)
    h = json.dumps(header).encode()
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(h)))
        f.write(h)
        for b in blobs:
            f.write(b)


def to_bf16_bits(a):
    """float32 -> bfloat16 bits, round to nearest even."""
    u = a.astype(F32).view(np.uint32).astype(np.uint64)
    return ((u + 0x7FFF + ((u >> 16) & 1)) >> 16).astype(np.uint16)


def from_bf16_bits(b):
    return (b.astype(np.uint32) << 16).view(F32)


def read_safetensors(path):
    with open(path, "rb") as f:
        n = struct.unpack("<Q", f.read(8))[0]
        header = json.loads(f.read(n))
        data = f.read()
    out = {}
    for name, e in header.items():
        if name == "__metadata__":
            continue
        b, t = e["data_offsets"]
        raw = data[b:t]
        if e["dtype"] == "F32":
            a = np.frombuffer(raw, dtype="<f4")
        elif e["dtype"] == "F16":
            a = np.frombuffer(raw, dtype="<f2").astype(F32)
        elif e["dtype"] == "BF16":
            a = from_bf16_bits(np.frombuffer(raw, dtype="<u2"))
        else:
            continue
        out[name] = a.reshape(e["shape"])
    return out


def make_model(d):
    rng = np.random.default_rng(7)
    q = (rng.standard_normal((48, 320)) * 0.02).astype(np.float16)  # k not a multiple of 128
    down = (rng.standard_normal((64, 256)) * 0.05).astype(F32)
    down[5, 17] = 0.9  # one outlier
    emb = rng.standard_normal((16, 48)).astype(np.float16)
    norm = np.ones(48, dtype=np.float16)
    s1, s2 = "model-00001-of-00002.safetensors", "model-00002-of-00002.safetensors"
    write_safetensors(f"{d}/{s1}", {"model.embed_tokens.weight": ("F16", emb),
                                    "model.layers.0.self_attn.q_proj.weight": ("F16", q),
                                    "model.layers.0.input_layernorm.weight": ("F16", norm)})
    write_safetensors(f"{d}/{s2}", {"model.layers.1.mlp.down_proj.weight": ("BF16", to_bf16_bits(down))})
    wm = {"model.embed_tokens.weight": s1, "model.layers.0.self_attn.q_proj.weight": s1,
          "model.layers.0.input_layernorm.weight": s1, "model.layers.1.mlp.down_proj.weight": s2}
    with open(f"{d}/model.safetensors.index.json", "w") as f:
        json.dump({"metadata": {"total_size": 0}, "weight_map": wm}, f)


def make_matrices(d):
    rng = np.random.default_rng(11)
    g = rng.standard_normal((64, 1024)).astype(F32)
    np.save(f"{d}/gauss.npy", g)
    o = rng.standard_normal((64, 1024)).astype(F32)
    idx = rng.choice(o.size, size=o.size // 200, replace=False)  # 0.5 % outliers
    o.flat[idx] = rng.choice([-1.0, 1.0], size=idx.size) * rng.uniform(8, 16, size=idx.size)
    np.save(f"{d}/outliers.npy", o.astype(F32))
    np.save(f"{d}/half.npy", (rng.standard_normal((40, 200)) * 0.03).astype(np.float16))


# ---- the quantizers, from the formulas ----

def round_scale(s, kind):
    s = F32(s)
    if kind == "fp16":
        return F32(np.float16(s))
    if kind == "bf16":
        return from_bf16_bits(to_bf16_bits(np.array([s])))[0]
    if kind == "fp32":
        return s
    if kind == "int8_exp":  # nearest power of two in the log domain
        if not s > 0:
            return F32(0)
        e = math.floor(math.log2(float(s)) + 0.5)
        if float(s) < 2.0 ** (e - 0.5):
            e -= 1
        elif float(s) >= 2.0 ** (e + 0.5):
            e += 1
        return F32(2.0 ** max(-126, min(127, e)))
    raise ValueError(kind)


def quant_uniform(g, p, whole=None):
    """One group g (float32) under preset p; whole = the tensor for per-tensor."""
    src = g if whole is None else whole
    fmt, b, kind = p["wfmt"], p.get("wbits"), p.get("scale", "fp16")
    if fmt == "int":
        qmax = 2 ** (b - 1) - 1
        s = round_scale(np.max(np.abs(src)) / F32(qmax), kind)
        if s == 0:
            return np.zeros_like(g)
        q = np.clip(np.rint(g / s), -(2 ** (b - 1)), qmax)
        return q.astype(F32) * s
    if fmt == "uint":
        lo, hi = min(F32(np.min(src)), F32(0)), max(F32(np.max(src)), F32(0))
        qmax = 2 ** b - 1
        s = round_scale((F32(hi) - F32(lo)) / F32(qmax), kind)
        if s == 0:
            return np.zeros_like(g)
        z = np.clip(np.rint(-F32(lo) / s), 0, qmax)
        q = np.clip(np.rint(g / s) + z, 0, qmax)
        return (q - z).astype(F32) * s
    if fmt in ("ternary", "binary"):
        s = round_scale(F32(np.mean(np.abs(src.astype(np.float64)))), kind)  # absmean
        if fmt == "binary":
            q = np.where(g < 0, -1.0, 1.0)
        elif s == 0:
            return np.zeros_like(g)
        else:
            q = np.clip(np.rint(g / s), -1, 1)
        return q.astype(F32) * s if s > 0 else np.zeros_like(g)
    raise ValueError(fmt)


# BitMoD grids (FP4 in halves), from the paper: the -0 slot becomes the special value
FP3 = [0, 1, 2, 4, -1, -2, -4]
FP4 = [0, 1, 2, 3, 4, 6, 8, 12, -1, -2, -3, -4, -6, -8, -12]
SPECIAL = {3: [3, -3, 6, -6], 4: [10, -10, 16, -16]}  # ER+, ER-, EA+, EA-


def bitmod_grid(b, v):
    vals = (FP3 if b == 3 else FP4) + [SPECIAL[b][v]]
    return np.array(sorted(vals, key=abs), dtype=F32)  # ties go to the smaller magnitude


def bitmod_row(row, b, glen):
    vmin = 4 if b == 3 else 12
    amax = F32(np.max(np.abs(row)))
    rs = F32(0)
    if amax > 0:
        s = amax / F32(vmin * 255)
        rs = F32(np.float16(s))
        if rs < s:
            rs = F32(np.nextafter(np.float16(rs), np.float16(np.inf)))
    out = np.zeros_like(row)
    for j in range(0, row.size, glen):
        g = row[j:j + glen]
        ga = F32(np.max(np.abs(g)))
        best = None
        for v in range(4):
            grid = bitmod_grid(b, v)
            vmax = F32(np.max(np.abs(grid)))
            sc = 0 if not (rs > 0 and ga > 0) else int(np.clip(np.rint(ga / (vmax * rs)), 1, 255))
            s = F32(sc) * rs
            if s > 0:
                x = (g / s).astype(F32)
                pick = grid[np.argmin(np.abs(x[:, None] - grid[None, :]), axis=1)]
                dq = pick * s
            else:
                dq = np.zeros_like(g)
            sse = float(np.sum((dq.astype(np.float64) - g.astype(np.float64)) ** 2))
            if best is None or sse < best[0]:
                best = (sse, dq)
        out[j:j + glen] = best[1]
    return out


def quantize(w, p):
    n, k = w.shape
    gs = p.get("group_size", 128)
    per_tensor = gs == "tensor"
    glen = k if (per_tensor or gs == "channel" or gs == 0 or gs > k) else gs
    out = np.zeros_like(w)
    for r in range(n):
        if p["wfmt"] == "bitmod":
            out[r] = bitmod_row(w[r], p["wbits"], glen)
            continue
        for j in range(0, k, glen):
            out[r, j:j + glen] = quant_uniform(w[r, j:j + glen], p, w if per_tensor else None)
    return out, glen


def stored_bits(p, n, k, glen):
    """Weights + metadata, from the preset descriptions."""
    fmt, b = p["wfmt"], p.get("wbits", 2 if p["wfmt"] == "ternary" else 1)
    groups = n * -(-k // glen)
    wbytes = -(-n * k * b // 8)
    if p.get("packing") == "trit5":
        wbytes = -(-n * k // 5)  # 5 ternary weights per byte
    scale_b = {"fp16": 2, "bf16": 2, "fp32": 4, "int8_exp": 1}[p.get("scale", "fp16")]
    if fmt == "bitmod":
        meta = -(-groups * 10 // 8) + 2 * n  # 8-bit scale + 2-bit type per group, fp16 per row
    elif p.get("group_size") == "tensor":
        meta = scale_b
    else:
        meta = groups * (scale_b + (1 if p.get("zero_point", "none") == "int8" else 0))
    return 8 * (wbytes + meta)


def expect_all(presets, out_pattern, inputs):
    for path in presets.split(","):
        base = path.rsplit("/", 1)[-1][:-len(".json")]
        expect(path, out_pattern.replace("{}", base), inputs)


def expect(preset_path, out_path, inputs):
    p = json.load(open(preset_path))
    res = []
    for path in inputs:
        mats = read_safetensors(path) if path.endswith(".safetensors") else {path: np.load(path)}
        for name, w in mats.items():
            if w.ndim != 2 or not name.endswith((".weight", ".npy")) or any(
                    t in name for t in ("embed", "norm", "lm_head")):
                continue
            w = w.astype(F32)
            dq, glen = quantize(w, p)
            e = dq.astype(np.float64) - w.astype(np.float64)
            sse, ssw = float(np.sum(e * e)), float(np.sum(w.astype(np.float64) ** 2))
            res.append({"name": name, "mse": sse / w.size, "sqnr_db": 10 * math.log10(ssw / sse),
                        "bits_per_weight": stored_bits(p, *w.shape, glen) / w.size})
    json.dump(res, open(out_path, "w"))


if __name__ == "__main__":
    cmd = sys.argv[1]
    if cmd == "model":
        make_model(sys.argv[2])
    elif cmd == "matrices":
        make_matrices(sys.argv[2])
    else:
        expect_all(sys.argv[2], sys.argv[3], sys.argv[4:])
