/* model_json.c - HuggingFace config.json and quant preset files. */
#include "model_json.h"

#include "arch_json.h" /* cfg_json_kind, cfg_parse, cfg_read_text_file */
#include "hf_keys.h"
#include "lut_float.h"
#include "workload_embed.h"

#include <ctype.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef hf_ctx ctx;

void hf_got_text(const json_t *v, char *out, size_t n)
{
    if (json_is_integer(v))
        snprintf(out, n, "%lld", (long long)json_integer_value(v));
    else if (json_is_real(v))
        snprintf(out, n, "%.17g", json_real_value(v));
    else if (json_is_string(v))
        snprintf(out, n, "string \"%.40s\"", json_string_value(v));
    else
        snprintf(out, n, "%s", cfg_json_kind(v));
}

/* Reads a positive integer (integral numbers like 4096.0 are accepted).
 * Absent or null: -1 "missing" if required, else *out is left alone. */
int hf_get_int(const hf_ctx *c, const json_t *doc, const char *key, int required, int lo,
                   int *out)
{
    const json_t *v = json_object_get(doc, key);
    if (!v || (json_is_null(v) && !required)) {
        if (required)
            FAIL(c, "missing key \"%s\"", key);
        return 0;
    }
    char got[80];
    hf_got_text(v, got, sizeof got);
    double d = json_is_number(v) ? json_number_value(v) : NAN;
    if (!json_is_number(v) || d != floor(d) || d < lo)
        FAIL(c, "%s: expected %s integer, got %s", key, lo > 0 ? "a positive" : "a non-negative",
             got);
    if (d > 1e9)
        FAIL(c, "%s: %s is too large", key, got);
    *out = (int)d;
    return 0;
}

int hf_get_bool(const hf_ctx *c, const json_t *doc, const char *key, int *out)
{
    const json_t *v = json_object_get(doc, key);
    if (!v || json_is_null(v))
        return 0;
    if (!json_is_boolean(v)) {
        char got[80];
        hf_got_text(v, got, sizeof got);
        FAIL(c, "%s: expected true or false, got %s", key, got);
    }
    *out = json_is_true(v);
    return 0;
}

static int is_moe_type(const char *t)
{
    static const char *const moe[] = { "mixtral", "dbrx", "jamba", "arctic", "jetmoe",
                                       "minimax", "grok", NULL };
    for (const char *const *m = moe; *m; m++)
        if (strcmp(t, *m) == 0)
            return 1;
    return strstr(t, "moe") != NULL || strncmp(t, "deepseek", 8) == 0;
}

static void base_name(const char *label, char *out, size_t n)
{
    const char *b = strrchr(label, '/');
    b = b ? b + 1 : label;
    size_t len = strlen(b);
    if (len > 5 && strcmp(b + len - 5, ".json") == 0)
        len -= 5;
    if (len >= n)
        len = n - 1;
    memcpy(out, b, len);
    out[len] = '\0';
}

int model_from_hf_json(const json_t *doc, const char *label, const char *name,
                       model_cfg *out, char *err, size_t errlen)
{
    ctx c = { label ? label : "<model>", err, errlen };
    if (!json_is_object(doc))
        FAIL(&c, "expected a JSON object at the top level, got %s", cfg_json_kind(doc));

    const json_t *mt = json_object_get(doc, "model_type");
    if (!mt)
        FAIL(&c, "missing key \"model_type\"");
    if (!json_is_string(mt))
        FAIL(&c, "model_type: expected a string, got %s", cfg_json_kind(mt));
    const char *type = json_string_value(mt);
    int fam = model_family_from_name(type);
    if (fam < 0 && is_moe_type(type))
        FAIL(&c, "model_type: \"%.40s\": this mixture-of-experts family is not supported "
             "(supported: mixtral, qwen2_moe, qwen3_moe, deepseek_v2, deepseek_v3, olmoe, "
             "phimoe)", type);
    if (fam < 0)
        FAIL(&c, "model_type: unsupported \"%.40s\" (supported: llama, mistral, qwen2, qwen3, "
             "opt, phi3, gemma, gemma2, bitnet and the mixture-of-experts families mixtral, qwen2_moe, "
             "qwen3_moe, deepseek_v2, deepseek_v3, olmoe, phimoe)", type);
    if (!hf_is_moe_family((model_family)fam)) {
        /* expert keys in a dense family's config: a misspelt model_type */
        static const char *const moe_keys[] = { "num_local_experts", "num_experts",
                                                "n_routed_experts", "moe_num_experts", NULL };
        for (const char *const *k = moe_keys; *k; k++) {
            const json_t *v = json_object_get(doc, *k);
            if (v && !json_is_null(v) && !(json_is_number(v) && json_number_value(v) <= 1))
                FAIL(&c, "%s: mixture-of-experts key in a \"%s\" config (a MoE model_type is "
                     "needed: mixtral, qwen2_moe, ...)", *k, type);
        }
    }

    model_cfg m;
    model_cfg_init(&m, (model_family)fam);
    const int opt = fam == MODEL_OPT;
    if (hf_get_int(&c, doc, "hidden_size", 1, 1, &m.hidden_size) ||
        hf_get_int(&c, doc, opt ? "ffn_dim" : "intermediate_size", 1, 1, &m.intermediate_size) ||
        hf_get_int(&c, doc, "num_attention_heads", 1, 1, &m.num_attention_heads) ||
        hf_get_int(&c, doc, "num_key_value_heads", 0, 1, &m.num_key_value_heads) ||
        hf_get_int(&c, doc, "head_dim", 0, 1, &m.head_dim) ||
        hf_get_int(&c, doc, "num_hidden_layers", 1, 1, &m.num_hidden_layers) ||
        hf_get_int(&c, doc, "vocab_size", 1, 1, &m.vocab_size) ||
        hf_get_int(&c, doc, "max_position_embeddings", 0, 1, &m.max_position_embeddings) ||
        hf_get_bool(&c, doc, "tie_word_embeddings", &m.tie_word_embeddings))
        return -1;
    if (opt) {
        int proj = m.hidden_size, bias = 1;
        const int maxpos = m.max_position_embeddings ? m.max_position_embeddings : 2048;
        if (hf_get_int(&c, doc, "word_embed_proj_dim", 0, 1, &proj) ||
            hf_get_bool(&c, doc, "enable_bias", &bias))
            return -1;
        if (proj != m.hidden_size)
            FAIL(&c, "word_embed_proj_dim: %d differs from hidden_size (%d); projected "
                 "embeddings are not supported", proj, m.hidden_size);
        if (maxpos > (1 << 24) - 2)
            FAIL(&c, "max_position_embeddings: %d is too large (at most %d)", maxpos,
                 (1 << 24) - 2);
        m.learned_positions = maxpos + 2; /* OPT's learned positions are offset by 2 */
        m.linear_bias = bias;
    }
    static const char *const act_keys[] = { "hidden_activation", "hidden_act",
                                            "activation_function", NULL };
    for (const char *const *k = act_keys; *k; k++) {
        const json_t *v = json_object_get(doc, *k);
        if (!v || json_is_null(v))
            continue;
        if (!json_is_string(v))
            FAIL(&c, "%s: expected a string, got %s", *k, cfg_json_kind(v));
        const char *s = json_string_value(v);
        if (!*s || strlen(s) >= sizeof m.act)
            FAIL(&c, "%s: expected a name of 1..%zu characters", *k, sizeof m.act - 1);
        snprintf(m.act, sizeof m.act, "%s", s);
        break;
    }

    if (name && *name) {
        snprintf(m.name, sizeof m.name, "%s", name);
    } else {
        const json_t *np = json_object_get(doc, "_name_or_path");
        if (json_is_string(np) && *json_string_value(np))
            snprintf(m.name, sizeof m.name, "%s", json_string_value(np));
        else
            base_name(c.label, m.name, sizeof m.name);
    }

    if ((hf_is_moe_family((model_family)fam) && hf_moe_keys(&c, doc, &m) != 0) ||
        hf_attention_keys(&c, doc, &m) != 0)
        return -1;
    char why[300];
    if (model_cfg_finish(&m, why, sizeof why))
        FAIL(&c, "%s", why);
    *out = m;
    return 0;
}

static json_t *load(const char *text, const ctx *c)
{
    return cfg_parse(text, c->label, c->err, c->errlen);
}

int model_from_hf_string(const char *text, const char *label, const char *name,
                         model_cfg *out, char *err, size_t errlen)
{
    ctx c = { label ? label : "<model>", err, errlen };
    json_t *doc = load(text, &c);
    if (!doc)
        return -1;
    int rc = model_from_hf_json(doc, c.label, name, out, err, errlen);
    json_decref(doc);
    return rc;
}

/* A short name: no '/' and no ".json" ending. */
static int looks_like_name(const char *s)
{
    size_t n = strlen(s);
    return !strchr(s, '/') && !(n > 5 && strcmp(s + n - 5, ".json") == 0);
}

static void known_names(char *out, size_t n, const char *(*nth)(int))
{
    size_t used = 0;
    out[0] = '\0';
    for (int i = 0; nth(i) && used < n; i++)
        used += (size_t)snprintf(out + used, n - used, "%s%s", i ? ", " : "", nth(i));
}

int model_from_hf_config(const char *path_or_name, model_cfg *out, char *err, size_t errlen)
{
    if (looks_like_name(path_or_name)) {
        const char *text = workload_model_text(path_or_name);
        if (text) {
            /* canonical spelling of the name */
            const char *canon = path_or_name;
            for (int i = 0; workload_model_name(i); i++)
                if (workload_model_text(workload_model_name(i)) == text)
                    canon = workload_model_name(i);
            return model_from_hf_string(text, canon, canon, out, err, errlen);
        }
    }
    char *text = cfg_read_text_file(path_or_name, err, errlen);
    if (!text) {
        if (looks_like_name(path_or_name)) {
            char names[400];
            known_names(names, sizeof names, workload_model_name);
            size_t len = strlen(err);
            snprintf(err + len, errlen > len ? errlen - len : 0,
                     " (and not a built-in model: %s)", names);
        }
        return -1;
    }
    int rc = model_from_hf_string(text, path_or_name, NULL, out, err, errlen);
    free(text);
    return rc;
}

/* ---- quantization presets ---- */

/* A string key's value among names[] (its index), or dflt when absent. */
static int get_choice(const ctx *c, const json_t *doc, const char *key,
                      const char *const *names, int dflt, int *out)
{
    const json_t *v = json_object_get(doc, key);
    *out = dflt;
    if (!v)
        return 0;
    char expect[160] = "";
    for (int i = 0; names[i]; i++) {
        size_t len = strlen(expect);
        snprintf(expect + len, sizeof expect - len, "%s\"%s\"", i ? ", " : "", names[i]);
        if (json_is_string(v) && strcmp(json_string_value(v), names[i]) == 0) {
            *out = i;
            return 0;
        }
    }
    char got[64];
    hf_got_text(v, got, sizeof got);
    FAIL(c, "%s: expected one of %s, got %s", key, expect, got);
}

/* group_size (a count, "channel" or "tensor"), scale, zero_point, packing. */
static int quant_format_keys(const ctx *c, const json_t *doc, quant_preset *q)
{
    static const char *const scales[] = { "fp16", "bf16", "fp32", "int8_exp", NULL };
    static const char *const zps[] = { "none", "int8", "int32", NULL };
    static const char *const packs[] = { "none", "trit5", NULL };
    static const int zp_bits[] = { 0, 8, 32 };
    const json_t *g = json_object_get(doc, "group_size");
    q->group_size = LUT_DEFAULT_GROUP;
    if (json_is_string(g)) {
        const char *gs = json_string_value(g);
        if (strcmp(gs, "channel") != 0 && strcmp(gs, "tensor") != 0)
            FAIL(c, "group_size: expected a positive integer, \"channel\" or \"tensor\", "
                    "got \"%.40s\"", gs);
        q->group_size = 0; /* one group of k per output column */
        q->per_tensor = gs[0] == 't';
    } else if (hf_get_int(c, doc, "group_size", 0, 0, &q->group_size)) {
        return -1;
    }
    int zp;
    if (get_choice(c, doc, "scale", scales, 0, &q->scale) ||
        get_choice(c, doc, "zero_point", zps, 0, &zp) ||
        get_choice(c, doc, "packing", packs, 0, &q->packing))
        return -1;
    q->zp_bits = zp_bits[zp];
    return 0;
}

int quant_from_json(const json_t *doc, const char *label, quant_preset *out, char *err,
                    size_t errlen)
{
    ctx c = { label ? label : "<quant>", err, errlen };
    if (!json_is_object(doc))
        FAIL(&c, "expected a JSON object at the top level, got %s", cfg_json_kind(doc));
    static const char *const allowed[] = { "name", "description", "wfmt", "wbits",
                                           "group_size", "scale", "zero_point", "packing",
                                           "abits", "kv_format", "afmt", "decode_wbits",
                                           NULL };
    const char *key;
    json_t *v;
    json_object_foreach((json_t *)doc, key, v) {
        const char *const *a = allowed;
        while (*a && strcmp(*a, key) != 0)
            a++;
        if (!*a)
            FAIL(&c, "%s: unknown key", key);
    }
    quant_preset q;
    memset(&q, 0, sizeof q);
    const json_t *nm = json_object_get(doc, "name");
    if (nm) {
        if (!json_is_string(nm))
            FAIL(&c, "name: expected a string, got %s", cfg_json_kind(nm));
        size_t len = strlen(json_string_value(nm));
        if (len < 1 || len >= sizeof q.name)
            FAIL(&c, "name: expected a string of 1..%zu characters, got %zu",
                 sizeof q.name - 1, len);
        snprintf(q.name, sizeof q.name, "%s", json_string_value(nm));
    } else {
        base_name(c.label, q.name, sizeof q.name);
    }
    const json_t *d = json_object_get(doc, "description");
    if (d && !json_is_string(d))
        FAIL(&c, "description: expected a string, got %s", cfg_json_kind(d));
    const json_t *f = json_object_get(doc, "wfmt");
    if (!f)
        FAIL(&c, "missing key \"wfmt\"");
    if (!json_is_string(f))
        FAIL(&c, "wfmt: expected \"int\", \"uint\", \"ternary\", \"binary\", \"bitmod\" or "
                 "\"fp16\", got %s", cfg_json_kind(f));
    const char *fs = json_string_value(f);
    if (strcmp(fs, "int") == 0) {
        q.w.fmt = LUT_WFMT_INT;
        q.w.bits = 0;
        if (hf_get_int(&c, doc, "wbits", 1, 1, &q.w.bits))
            return -1;
    } else if (strcmp(fs, "uint") == 0) {
        q.w.fmt = LUT_WFMT_UINT;
        q.w.bits = 0;
        if (hf_get_int(&c, doc, "wbits", 1, 1, &q.w.bits))
            return -1;
    } else if (strcmp(fs, "ternary") == 0 || strcmp(fs, "binary") == 0) {
        q.w.fmt = fs[0] == 't' ? LUT_WFMT_TERNARY : LUT_WFMT_BINARY;
        q.w.bits = fs[0] == 't' ? 2 : 1;
        if (hf_get_int(&c, doc, "wbits", 0, 1, &q.w.bits))
            return -1;
    } else if (strcmp(fs, "bitmod") == 0) {
        q.w.fmt = LUT_WFMT_INT; /* sizing: codes of wbits bits */
        q.w.bits = 0;
        q.mixture = QUANT_MIX_BITMOD;
        if (hf_get_int(&c, doc, "wbits", 1, 1, &q.w.bits))
            return -1;
        if (json_object_get(doc, "scale"))
            FAIL(&c, "scale: BitMoD group scales are INT8 codes under one FP16 scale per row; "
                     "leave the key out");
    } else if (strcmp(fs, "fp16") == 0) {
        /* FP16 weights (BitMoD's baseline): 2 bytes a weight, no scales */
        q.w.fmt = LUT_WFMT_INT; /* sizing: 16-bit codes */
        q.w.bits = 16;
        q.wfp16 = 1;
        if (hf_get_int(&c, doc, "wbits", 0, 1, &q.w.bits))
            return -1;
        if (q.w.bits != 16)
            FAIL(&c, "wbits: \"fp16\" weights are 16 bits, got %d", q.w.bits);
        static const char *const none[] = { "group_size", "scale", "zero_point", "packing", NULL };
        for (int i = 0; none[i]; i++)
            if (json_object_get(doc, none[i]))
                FAIL(&c, "%s: \"fp16\" weights carry no scales or packing; leave the key out",
                     none[i]);
    } else {
        FAIL(&c, "wfmt: expected \"int\", \"uint\", \"ternary\", \"binary\", \"bitmod\" or "
                 "\"fp16\", got \"%.40s\"", fs);
    }
    q.abits = 8;
    if (quant_format_keys(&c, doc, &q) || hf_get_int(&c, doc, "abits", 0, 1, &q.abits))
        return -1;
    if (q.wfp16) { /* one (unit) scale for the matrix: nothing per group */
        q.per_tensor = 1;
        q.group_size = 0;
    }
    const json_t *af = json_object_get(doc, "afmt");
    if (af) {
        const char *as = json_is_string(af) ? json_string_value(af) : "";
        if (strcmp(as, "fp16") == 0 || strcmp(as, "bf16") == 0) {
            if (json_object_get(doc, "abits") && q.abits != 16)
                FAIL(&c, "abits: \"afmt\": \"%s\" activations are 16 bits, got %d", as, q.abits);
            q.afp16 = 1;
            q.afloat = as[0] == 'b' ? LUT_AFMT_BF16 : LUT_AFMT_FP16;
            q.abits = 16;
        } else if (strcmp(as, "int") != 0) {
            char got[64];
            hf_got_text(af, got, sizeof got);
            FAIL(&c, "afmt: expected \"int\", \"fp16\" or \"bf16\", got %s", got);
        }
    }
    if (hf_get_int(&c, doc, "decode_wbits", 0, 1, &q.decode_wbits))
        return -1;
    q.kv_bits = 8;
    const json_t *kvf = json_object_get(doc, "kv_format");
    if (kvf) {
        const char *kv = json_is_string(kvf) ? json_string_value(kvf) : "";
        if (strcmp(kv, "int8") == 0 || strcmp(kv, "int4") == 0)
            q.kv_bits = kv[3] - '0';
        else if (strcmp(kv, "fp16") == 0 && q.afp16)
            q.kv_bits = 16; /* FP16 K/V on an FP16 datapath (mma arrays) */
        else if (strcmp(kv, "fp16") == 0)
            FAIL(&c, "kv_format: \"fp16\" is not modelled: the LUT array multiplies by "
                     "integer bit-planes only and the vector unit has no dot-product path; "
                     "use \"int8\" or \"int4\" (or \"afmt\": \"fp16\" for the mma arrays)");
        else
            FAIL(&c, "kv_format: expected \"int8\" or \"int4\", got %.40s",
                 json_is_string(kvf) ? kv : cfg_json_kind(kvf));
    }
    char why[300];
    if (quant_check(&q, why, sizeof why))
        FAIL(&c, "%s", why);
    *out = q;
    return 0;
}

int quant_from_json_string(const char *text, const char *label, quant_preset *out,
                           char *err, size_t errlen)
{
    ctx c = { label ? label : "<quant>", err, errlen };
    json_t *doc = load(text, &c);
    if (!doc)
        return -1;
    int rc = quant_from_json(doc, c.label, out, err, errlen);
    json_decref(doc);
    return rc;
}

int quant_from_name_or_file(const char *s, quant_preset *out, char *err, size_t errlen)
{
    if (looks_like_name(s)) {
        const char *text = workload_quant_text(s);
        if (text) {
            const char *canon = s;
            for (int i = 0; workload_quant_name(i); i++)
                if (workload_quant_text(workload_quant_name(i)) == text)
                    canon = workload_quant_name(i);
            return quant_from_json_string(text, canon, out, err, errlen);
        }
    }
    char *text = cfg_read_text_file(s, err, errlen);
    if (!text) {
        if (looks_like_name(s)) {
            char names[200];
            known_names(names, sizeof names, workload_quant_name);
            size_t len = strlen(err);
            snprintf(err + len, errlen > len ? errlen - len : 0,
                     " (and not a built-in preset: %s)", names);
        }
        return -1;
    }
    int rc = quant_from_json_string(text, s, out, err, errlen);
    free(text);
    return rc;
}
