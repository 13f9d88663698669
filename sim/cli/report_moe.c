/* report_moe.c - per-layer experts touched and their weight traffic. */
#include "report_moe.h"

#include "moe.h"
#include "quant_layout.h"
#include "routing.h"
#include "units.h"

#include <stdlib.h>
#include <string.h>

/* Packed weights and scales of one routed expert (gate, up, down). */
static uint64_t expert_bytes(const model_cfg *m, const quant_preset *q)
{
    quant_bytes up, down;
    quant_matrix_bytes(q, (uint64_t)m->moe_intermediate, (uint64_t)m->hidden_size, &up);
    quant_matrix_bytes(q, (uint64_t)m->hidden_size, (uint64_t)m->moe_intermediate, &down);
    return 2 * (up.weight_bytes + up.meta_bytes) + down.weight_bytes + down.meta_bytes;
}

/* touched per MoE layer and the layer index of each; NULL for dense. */
static int *route_of(const model_cfg *m, const model_phase *ph, int *nmoe, int **layer,
                     char *err, size_t errlen)
{
    *nmoe = moe_layer_count(m);
    if (*nmoe == 0)
        return NULL;
    int *t = malloc(sizeof *t * (size_t)*nmoe), *l = malloc(sizeof *l * (size_t)*nmoe);
    if (!t || !l || moe_route(m, ph, t, *nmoe, err, errlen) != 0) {
        free(t);
        free(l);
        *nmoe = -1;
        return NULL;
    }
    for (int i = 0, j = 0; i < m->num_hidden_layers; i++)
        if (moe_layer_is_moe(m, i))
            l[j++] = i;
    *layer = l;
    return t;
}

int moe_print(FILE *f, const model_cfg *m, const quant_preset *q, const model_phase *ph,
              char *err, size_t errlen)
{
    int n, *layer = NULL;
    int *t = route_of(m, ph, &n, &layer, err, errlen);
    if (n < 0)
        return -1;
    if (!t)
        return 0;
    const uint64_t eb = expert_bytes(m, q);
    char b[3][UNITS_LEN];
    uint64_t sum = 0;
    for (int i = 0; i < n; i++)
        sum += (uint64_t)t[i];
    fprintf(f, "experts (%s routing): %d MoE layers touch %llu of %d x %d experts "
               "(uniform expectation %.4g a layer for %llu tokens, top-%d), %s of expert "
               "weights at %s each\n",
            m->moe_routing == MOE_ROUTE_ZIPF ? "zipf" : "uniform", n, (unsigned long long)sum, n,
            m->moe_experts, moe_expected_touched(m->moe_experts, m->moe_top_k,
                                                  model_phase_tokens(ph)),
            (unsigned long long)model_phase_tokens(ph), m->moe_top_k,
            units_si(b[0], sizeof b[0], (double)sum * (double)eb, "B"),
            units_si(b[1], sizeof b[1], (double)eb, "B"));
    fprintf(f, "  layer:touched");
    for (int i = 0; i < n; i++)
        fprintf(f, "%s%d:%d", i % 12 == 11 ? "\n  " : " ", layer[i], t[i]);
    fprintf(f, "\n");
    free(t);
    free(layer);
    return 0;
}

json_t *moe_to_json(const model_cfg *m, const quant_preset *q, const model_phase *ph)
{
    char err[256];
    int n, *layer = NULL;
    int *t = route_of(m, ph, &n, &layer, err, sizeof err);
    if (!t)
        return NULL;
    const uint64_t eb = expert_bytes(m, q);
    json_t *o = json_object(), *ls = json_array();
    json_object_set_new(o, "routing", json_string(m->moe_routing == MOE_ROUTE_ZIPF ? "zipf" : "uniform"));
    json_object_set_new(o, "zipf_s", json_real(m->moe_zipf_s));
    json_object_set_new(o, "seed", json_integer(m->moe_route_seed));
    json_object_set_new(o, "experts", json_integer(m->moe_experts));
    json_object_set_new(o, "top_k", json_integer(m->moe_top_k));
    json_object_set_new(o, "expected_touched",
                        json_real(moe_expected_touched(m->moe_experts, m->moe_top_k,
                                                       model_phase_tokens(ph))));
    json_object_set_new(o, "expert_bytes", json_integer((json_int_t)eb));
    for (int i = 0; i < n; i++) {
        json_t *e = json_object();
        json_object_set_new(e, "layer", json_integer(layer[i]));
        json_object_set_new(e, "touched", json_integer(t[i]));
        json_object_set_new(e, "bytes", json_integer((json_int_t)(eb * (uint64_t)t[i])));
        json_array_append_new(ls, e);
    }
    json_object_set_new(o, "layers", ls);
    free(t);
    free(layer);
    return o;
}

int moe_parse_routing(const char *s, int *routing, double *zipf_s)
{
    if (strcmp(s, "uniform") == 0) {
        *routing = MOE_ROUTE_UNIFORM;
        return 0;
    }
    if (strncmp(s, "zipf:", 5) != 0 || !s[5])
        return -1;
    if (strspn(s + 5, "0123456789.") != strlen(s + 5))
        return -1;
    char *end;
    double v = strtod(s + 5, &end);
    if (*end || !(v >= 0 && v <= 8))
        return -1;
    *routing = MOE_ROUTE_ZIPF;
    *zipf_s = v;
    return 0;
}
