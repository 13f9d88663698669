#!/usr/bin/env python3
"""An independent model of BitMoD's analytical simulator (bitmod_sim/ of
abdelfattah-lab/BitMoD-HPCA-25), written from the per-operator rules in
shared/reference/peer-semantics.md, section "BitMoD's simulator"; none of
lutsim's code.  Standard library only.  Results are in cycles (the
simulator has no clock).

Per operator (every Linear layer of the model, lm_head included, and two
attention matmuls per layer; softmax, norms and element-wise work are not
modelled):
  tiles   = ceil(in / dp) * ceil(out / rows) * ceil(tokens / cols) * batch
            (rows map output channels, columns tokens)
  compute = tiles * latency; latency = ceil(floor(bits) / 2) on a bit-serial
            PE (2 weight bits a cycle; KV bits for the attention matmuls), 1
            on the others
  bytes   = weights ceil(in * wbits / 8) * out * batch (KV bits for the
            attention matmuls), inputs and outputs at 16 bits
  refetch = only when the weights and the inputs both exceed their 512 KB
            buffers: either the weights are re-read ceil(inputs / 512 KB)
            times or the inputs ceil(weights / 512 KB) times, whichever moves
            fewer bytes (the inputs on a tie)
  dram    = int(bytes * 8 / 256): a 128-bit DDR bus, two transfers a cycle
  cycles  = max(compute, dram); operators one after another.
Prefill: batch 1 x 256 tokens, the attention over the 256 tokens (score
256 x 256 per query head, no causal mask).  Decode: one token, attention
against 256 keys.  Generative: one prefill plus 20 decode steps.

Designs, as BitMoD's test scripts set them (prefill array / decode array,
rows x cols x dp; bit-serial; weight bits; KV bits):
  fp16    32x24x1 / 64x12x1   no   16                           16
  ant     32x32x1 / 64x16x1   no   per model, about 5           16
  olive   36x32x1 / 72x16x1   no   per model, about 4           16
  bitmod  32x32x4 / 64x16x4   yes  6.0625 lossless;              8
                                   4.0625 prefill / 3.0625 decode lossy

--no-refetch drops the refetch rule (each operand read once), a diagnostic:
what the simulator would count for a design that tiles within its buffers
(partial sums held on chip in an output buffer, which BitMoD's design and
lutsim's presets of it do not have); BitMoD's simulator has no such switch.

Usage:
  bitmod_ref.py CONFIG.json DESIGN PHASE [--wbits B] [--kvbits B] [--lossy]
                [--array RxCxDP] [--no-refetch]
    DESIGN fp16|ant|olive|bitmod, PHASE prefill|decode|generative;
    prints one JSON object: cycles, compute_cycles, linear_cycles,
    attention_cycles, lm_head_cycles, ops (per operator).
"""
import json
import math
import os
import sys

BUS_BITS_PER_CYCLE = 128 * 2  # 128-bit DDR bus, two transfers a cycle
BUFFER_BYTES = 512 * 1024     # 512 KB weight and 512 KB input buffers
ACT_BITS = 16                 # FP16 activations and outputs
CONTEXT = 256                 # prefill tokens and decode KV length
DECODE_STEPS = 20             # generative = prefill + 20 decode steps

# BitMoD's test_ant.py / test_olive.py weight bits per model (HF names)
ANT_BITS = {"facebook/opt-1.3b": 5, "meta-llama/Llama-2-7b-hf": 5,
            "meta-llama/Llama-2-13b-hf": 4, "meta-llama/Meta-Llama-3-8B": 5}
OLIVE_BITS = {"facebook/opt-1.3b": 4, "meta-llama/Llama-2-7b-hf": 4,
              "meta-llama/Llama-2-13b-hf": 4, "meta-llama/Meta-Llama-3-8B": 4.5}

DESIGNS = {  # prefill array, decode array (rows, cols, dp), bit-serial, KV bits
    "fp16": ((32, 24, 1), (64, 12, 1), False, 16),
    "ant": ((32, 32, 1), (64, 16, 1), False, 16),
    "olive": ((36, 32, 1), (72, 16, 1), False, 16),
    "bitmod": ((32, 32, 4), (64, 16, 4), True, 8),
}


# lutsim's short names (workloads/models/NAME.json) of BitMoD's models, for
# configs without _name_or_path (llama-3-8b.json)
HF_NAMES = {"opt-1.3b": "facebook/opt-1.3b", "llama-2-7b": "meta-llama/Llama-2-7b-hf",
            "llama-2-13b": "meta-llama/Llama-2-13b-hf", "llama-3-8b": "meta-llama/Meta-Llama-3-8B"}


def model_name(cfg):
    """The HF name: _name_or_path, else the file's short name mapped."""
    return cfg.get("_name_or_path") or HF_NAMES.get(cfg.get("_lutsim_model", ""), "")


def load_config(path):
    cfg = json.load(open(path))
    cfg["_lutsim_model"] = os.path.basename(path)[:-len(".json")]
    return cfg


def default_wbits(design, cfg, phase, lossy):
    name = model_name(cfg)
    if design == "fp16":
        return 16
    if design == "ant":
        return ANT_BITS.get(name, 5)
    if design == "olive":
        return OLIVE_BITS.get(name, 4)
    if lossy:
        return 4.0625 if phase == "prefill" else 3.0625
    return 6.0625


def linear_layers(cfg):
    """(name, out, in) of every Linear layer, as the HF modules hold them."""
    h, layers = cfg["hidden_size"], cfg["num_hidden_layers"]
    heads = cfg["num_attention_heads"]
    kv_heads = cfg.get("num_key_value_heads", heads)
    hd = cfg.get("head_dim", h // heads)
    out = []
    for l in range(layers):
        p = f"layers.{l}."
        if cfg.get("model_type") == "opt":
            ffn = cfg["ffn_dim"]
            shapes = [("q_proj", h, h), ("k_proj", h, h), ("v_proj", h, h),
                      ("out_proj", h, h), ("fc1", ffn, h), ("fc2", h, ffn)]
        else:
            inter = cfg["intermediate_size"]
            shapes = [("q_proj", heads * hd, h), ("k_proj", kv_heads * hd, h),
                      ("v_proj", kv_heads * hd, h), ("o_proj", h, heads * hd),
                      ("gate_proj", inter, h), ("up_proj", inter, h), ("down_proj", h, inter)]
        out += [(p + n, o, i) for n, o, i in shapes]
    out.append(("lm_head", cfg["vocab_size"], h))
    return out


def operators(cfg, phase):
    """(name, kind, batch, out, in, tokens): weight [batch, out, in], input
    [batch, tokens, in], output [batch, tokens, out]."""
    tokens = CONTEXT if phase == "prefill" else 1
    ops = [(n, "linear", 1, o, i, tokens) for n, o, i in linear_layers(cfg)]
    h, heads = cfg["hidden_size"], cfg["num_attention_heads"]
    kv_heads = cfg.get("num_key_value_heads", heads)
    hd = h // heads                      # BitMoD: hidden_size / num_attention_heads
    share = heads // kv_heads            # query heads per KV head
    q = share * CONTEXT if phase == "prefill" else share
    for l in range(cfg["num_hidden_layers"]):
        # scores: K [kv_heads, 256 keys, hd] times Q [kv_heads, q, hd]
        ops.append((f"layers.{l}.attn_qk", "attention", kv_heads, CONTEXT, hd, q))
        # context: V^T [kv_heads, hd, 256] times scores [kv_heads, q, 256]
        ops.append((f"layers.{l}.attn_v", "attention", kv_heads, hd, CONTEXT, q))
    return ops


def refetch(w_bytes, i_bytes):
    """(weight fetches, input fetches) of one operator."""
    if w_bytes > BUFFER_BYTES and i_bytes > BUFFER_BYTES:
        input_times = math.ceil(w_bytes / BUFFER_BYTES)   # inputs again per weight tile
        weight_times = math.ceil(i_bytes / BUFFER_BYTES)  # weights again per input tile
        if weight_times * w_bytes + i_bytes < input_times * i_bytes + w_bytes:
            return weight_times, 1
        return 1, input_times
    return 1, 1


def simulate(cfg, design, phase, wbits, kvbits, array, refetch_on=True):
    rows, cols, dp = array
    bit_serial = DESIGNS[design][2]
    res = {"ops": [], "cycles": 0, "compute_cycles": 0, "linear_cycles": 0,
           "attention_cycles": 0, "lm_head_cycles": 0}
    for name, kind, batch, cout, cin, tokens in operators(cfg, phase):
        bits = wbits if kind == "linear" else kvbits
        latency = math.ceil(math.floor(bits) / 2) if bit_serial else 1
        tiles = math.ceil(cin / dp) * math.ceil(cout / rows) * math.ceil(tokens / cols) * batch
        compute = tiles * latency
        w = math.ceil(cin * bits / 8) * cout * batch
        i = math.ceil(cin * ACT_BITS / 8) * tokens * batch
        o = math.ceil(cout * ACT_BITS / 8) * tokens * batch
        fw, fi = refetch(w, i) if refetch_on else (1, 1)
        dram = int(w * 8 / BUS_BITS_PER_CYCLE * fw + o * 8 / BUS_BITS_PER_CYCLE +
                   i * 8 / BUS_BITS_PER_CYCLE * fi)
        cyc = max(compute, dram)
        res["ops"].append({"name": name, "kind": kind, "tiles": tiles, "compute_cycles": compute,
                           "dram_cycles": dram, "dram_bytes": w * fw + i * fi + o,
                           "cycles": cyc})
        res["cycles"] += cyc
        res["compute_cycles"] += compute
        key = "lm_head_cycles" if name == "lm_head" else kind + "_cycles"
        res[key] += cyc
    return res


def run(cfg, design, phase, wbits=None, kvbits=None, lossy=False, array=None, refetch=True):
    """One phase (prefill, decode) or generative (prefill + 20 decodes);
    refetch False drops the refetch rule (--no-refetch)."""
    if phase == "generative":
        p = run(cfg, design, "prefill", wbits, kvbits, lossy, array, refetch)
        d = run(cfg, design, "decode", wbits, kvbits, lossy, array, refetch)
        out = {k: p[k] + DECODE_STEPS * d[k] for k in p if k != "ops"}
        out["prefill"], out["decode"] = p, d
        return out
    pre, dec, _, kv = DESIGNS[design]
    arr = array or (pre if phase == "prefill" else dec)
    wb = wbits if wbits is not None else default_wbits(design, cfg, phase, lossy)
    r = simulate(cfg, design, phase, wb, kvbits if kvbits is not None else kv, arr, refetch)
    r["wbits"], r["array"] = wb, list(arr)
    return r


def main(argv):
    if len(argv) < 4 or argv[2] not in DESIGNS or argv[3] not in ("prefill", "decode", "generative"):
        sys.exit(__doc__.split("Usage:")[1])
    cfg = load_config(argv[1])
    opts = {"wbits": None, "kvbits": None, "lossy": False, "array": None, "refetch": True}
    a = argv[4:]
    while a:
        k = a.pop(0)
        if k == "--lossy":
            opts["lossy"] = True
        elif k == "--no-refetch":
            opts["refetch"] = False
        elif k in ("--wbits", "--kvbits"):
            opts[k[2:]] = float(a.pop(0))
        elif k == "--array":
            opts["array"] = tuple(int(x) for x in a.pop(0).split("x"))
        else:
            sys.exit(f"bitmod_ref.py: unknown option {k}")
    r = run(cfg, argv[2], argv[3], **opts)
    json.dump(r, sys.stdout, indent=1)
    print()


if __name__ == "__main__":
    main(sys.argv)
