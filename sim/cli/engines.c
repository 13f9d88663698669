/* engines.c - the C model, the RTL, or both compared. */
#include "engines.h"

#include "rtl_engine.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *const names[] = { "cmodel", "rtl", "both" };

int engine_parse(const char *s, engine_kind *out)
{
    for (int i = 0; i < 3; i++) {
        if (strcmp(s, names[i]) == 0) {
            *out = (engine_kind)i;
            return 0;
        }
    }
    return -1;
}

const char *engine_name(engine_kind e) { return names[e]; }

int engine_run(engine_kind e, const arch_t *arch, const energy_model *em, const program *p,
               uint8_t *image, size_t image_size, const sim_opts *trace, const char *vcd,
               sim_stats *st, engine_compare *cmp, char *err, size_t errlen)
{
    sim_opts so = { image, image_size, trace ? trace->trace : NULL, trace ? trace->trace_ctx : NULL };
    char e1[512];
    if (cmp) {
        cmp->cmodel_cycles = cmp->rtl_cycles = 0;
        cmp->first_diff = -1;
    }
    if (e != ENGINE_CMODEL && !image) {
        snprintf(err, errlen, "the RTL engine runs with data only (no timing-only mode)");
        return -1;
    }
    if (e != ENGINE_CMODEL && rtl_arch_supported(arch, e1, sizeof e1) != 0) {
        snprintf(err, errlen, "%s", e1);
        return -1;
    }
    if (e == ENGINE_CMODEL)
        return sim_run(arch, em, p, &so, st, err, errlen);
    if (e == ENGINE_RTL) {
        if (rtl_run(arch, p, image, image_size, vcd, st, err, errlen) != 0)
            return -1;
        if (em)
            sim_energy(em, st);
        return 0;
    }
    /* both: each engine on its own copy of the image */
    uint8_t *copy = malloc(image_size ? image_size : 1);
    if (!copy) {
        snprintf(err, errlen, "out of memory for a second %zu-byte memory image", image_size);
        return -1;
    }
    memcpy(copy, image, image_size);
    sim_stats rst;
    int rc = -1;
    if (sim_run(arch, em, p, &so, st, err, errlen) != 0)
        goto out;
    if (rtl_run(arch, p, copy, image_size, vcd, &rst, e1, sizeof e1) != 0) {
        snprintf(err, errlen, "RTL: %s", e1);
        goto out;
    }
    if (cmp) {
        cmp->cmodel_cycles = st->cycles;
        cmp->rtl_cycles = rst.cycles;
    }
    for (size_t i = 0; i < image_size; i++) {
        if (image[i] != copy[i]) {
            if (cmp)
                cmp->first_diff = (int64_t)i;
            snprintf(err, errlen, "engines disagree: DRAM byte 0x%zx is 0x%02x on the C model, 0x%02x on the RTL",
                     i, image[i], copy[i]);
            goto out;
        }
    }
    rc = 0;
out:
    free(copy);
    return rc;
}
