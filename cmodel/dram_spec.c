/* dram_spec.c - the fields of a DRAM device spec (one schema for checking,
 * loading presets and listing them), range checks, derived figures. */
#include "dram_dev.h"
#include "dram_map.h"
#include "dram_presets.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

typedef struct {
    const char *key;
    int is_int;
    size_t off;
    double lo, hi;
} spec_field;

#define SO(m) offsetof(dram_spec, m)
#define TIMING(m, lo) { #m, 1, SO(m), lo, 1000000 }

static const spec_field fields[] = {
    { "tck_ns", 0, SO(tck_ns), 0.01, 100 },
    { "channels", 1, SO(channels), 1, DRAM_MAX_CHANNELS },
    { "bankgroups", 1, SO(bankgroups), 1, DRAM_MAX_BANKS },
    { "banks_per_group", 1, SO(banks_per_group), 1, DRAM_MAX_BANKS },
    { "rows", 1, SO(rows), 1, 1 << 30 },
    { "row_bytes", 1, SO(row_bytes), 1, 1 << 20 },
    { "burst_bytes", 1, SO(burst_bytes), 1, 4096 },
    TIMING(tBL, 1), TIMING(tCL, 0), TIMING(tCWL, 0), TIMING(tRCD, 0), TIMING(tRCDW, 0),
    TIMING(tRP, 0), TIMING(tRAS, 0), TIMING(tRC, 0), TIMING(tCCD_S, 1), TIMING(tCCD_L, 1),
    TIMING(tRRD_S, 1), TIMING(tRRD_L, 1), TIMING(tFAW, 0), TIMING(tWR, 0), TIMING(tWTR_S, 0),
    TIMING(tWTR_L, 0), TIMING(tRTP, 0), TIMING(tRTW, 0), TIMING(tRFC, 0), TIMING(tREFI, 1),
    { "rd_pj_per_bit", 0, SO(rd_pj_per_bit), 0, 1e4 },
    { "wr_pj_per_bit", 0, SO(wr_pj_per_bit), 0, 1e4 },
    { "act_pj", 0, SO(act_pj), 0, 1e9 },
    { "ref_pj", 0, SO(ref_pj), 0, 1e12 },
    { "queue_depth", 1, SO(queue_depth), 1, DRAM_MAX_QUEUE },
};
#define NFIELDS ((int)(sizeof fields / sizeof fields[0]))

const char *dram_spec_field(int i)
{
    return i >= 0 && i < NFIELDS ? fields[i].key : NULL;
}

static double get(const dram_spec *s, const spec_field *f)
{
    const char *p = (const char *)s + f->off;
    if (f->is_int) {
        int v;
        memcpy(&v, p, sizeof v);
        return v;
    }
    double v;
    memcpy(&v, p, sizeof v);
    return v;
}

static void set(dram_spec *s, const spec_field *f, double v)
{
    char *p = (char *)s + f->off;
    if (f->is_int) {
        int i = (int)v;
        memcpy(p, &i, sizeof i);
    } else {
        memcpy(p, &v, sizeof v);
    }
}

static int find(const char *key)
{
    for (int i = 0; i < NFIELDS; i++)
        if (strcmp(fields[i].key, key) == 0)
            return i;
    return -1;
}

#define FAIL(...) do { snprintf(err, errlen, __VA_ARGS__); return -1; } while (0)

int dram_spec_check(const dram_spec *s, char *err, size_t errlen)
{
    for (int i = 0; i < NFIELDS; i++) {
        const spec_field *f = &fields[i];
        double v = get(s, f);
        if (!(v >= f->lo && v <= f->hi))
            FAIL("%s: must be %g..%g, got %g", f->key, f->lo, f->hi, v);
    }
    if (s->bankgroups * s->banks_per_group > DRAM_MAX_BANKS)
        FAIL("bankgroups x banks_per_group: at most %d banks per channel, got %d x %d",
             DRAM_MAX_BANKS, s->bankgroups, s->banks_per_group);
    if (s->row_bytes < s->burst_bytes || s->row_bytes % s->burst_bytes)
        FAIL("row_bytes: must be a multiple of burst_bytes %d, got %d", s->burst_bytes,
             s->row_bytes);
    if (s->tREFI <= s->tRFC)
        FAIL("tREFI: %d cycles leaves no time beside tRFC %d", s->tREFI, s->tRFC);
    dram_map m;
    if (dram_map_init(&m, s->mapping, (uint32_t)s->rows, (uint32_t)s->banks_per_group,
                      (uint32_t)s->bankgroups, (uint32_t)(s->row_bytes / s->burst_bytes),
                      (uint32_t)s->channels, (uint64_t)s->burst_bytes, err, errlen))
        return -1;
    return 0;
}

double dram_peak_gbps(const dram_spec *s)
{
    return (double)s->channels * s->burst_bytes / (s->tBL * s->tck_ns);
}

/* ---- presets ---------------------------------------------------------- */

int dram_preset_count(void) { return dram_preset_table_count; }

const char *dram_preset_name(int i)
{
    return i >= 0 && i < dram_preset_table_count ? dram_preset_table[i].name : NULL;
}

const char *dram_preset_description(int i)
{
    return i >= 0 && i < dram_preset_table_count ? dram_preset_table[i].description : NULL;
}

const char *dram_preset_source(int i, const char *field)
{
    if (i < 0 || i >= dram_preset_table_count)
        return NULL;
    const dram_preset *p = &dram_preset_table[i];
    if (strcmp(field, "mapping") == 0)
        return p->mapping_source;
    for (const dram_preset_value *v = p->values; v->key; v++)
        if (strcmp(v->key, field) == 0)
            return v->source;
    return NULL;
}

int dram_preset_spec(const char *name, dram_spec *s, char *err, size_t errlen)
{
    const dram_preset *p = NULL;
    for (int i = 0; i < dram_preset_table_count; i++)
        if (strcmp(dram_preset_table[i].name, name) == 0)
            p = &dram_preset_table[i];
    if (!p) {
        char list[256] = "";
        for (int i = 0; i < dram_preset_table_count; i++)
            snprintf(list + strlen(list), sizeof list - strlen(list), "%s%s", i ? ", " : "",
                     dram_preset_table[i].name);
        FAIL("unknown DRAM preset \"%s\" (known: %s)", name, list);
    }
    memset(s, 0, sizeof *s);
    snprintf(s->name, sizeof s->name, "%s", p->name);
    snprintf(s->mapping, sizeof s->mapping, "%s", p->mapping);
    char seen[NFIELDS] = { 0 };
    for (const dram_preset_value *v = p->values; v->key; v++) {
        int f = find(v->key);
        if (f < 0 || seen[f] || !v->source || !v->source[0])
            FAIL("DRAM preset %s: field %s is unknown, repeated or has no source", p->name,
                 v->key);
        if (fields[f].is_int && v->value != floor(v->value))
            FAIL("DRAM preset %s: %s must be a whole number, got %g", p->name, v->key,
                 v->value);
        seen[f] = 1;
        set(s, &fields[f], v->value);
    }
    for (int f = 0; f < NFIELDS; f++)
        if (!seen[f])
            FAIL("DRAM preset %s: field %s is missing", p->name, fields[f].key);
    return dram_spec_check(s, err, errlen);
}
