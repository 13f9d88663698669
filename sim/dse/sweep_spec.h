/* sweep_spec.h - a design-space sweep spec (JSON) and its points.
 *
 *   {"base":   {"model": "llama-2-7b", "quant": "W2A8", "arch": "a.json", ...},
 *    "grid":   {"arch.lut.tile.n": [32, 64], "quant": ["W2A8", "W4A8"]},
 *    "zip":    [{"arch.lut.tile.m": [2, 4], "arch.lut.tile.k": [8, 4]}],
 *    "random": {"count": 100, "seed": 7,
 *               "ranges": {"arch.dram.bandwidth_gbps": {"log": [16, 1024]}}},
 *    "constraints": ["arch.lut.tile.m * arch.lut.tile.n <= 512"]}
 *
 * A parameter is an arch.json key path with an "arch." prefix, or a run
 * option: model, quant, phase, batch, seq, context, arch (a file), energy
 * (a file), objective.  Errors name the file and the key path, one line:
 *   "s.json: grid.arch.lut.tile.q: unknown key".
 *
 * Points are numbered 0..npoints-1 and point i follows from i alone: the
 * grid keys are digits of a mixed-radix number (the first key varies
 * slowest), then each zip group is one digit, then the random sample; a
 * random value is splitmix64 of (seed, i, parameter), so every process
 * computes every point the same way.
 */
#ifndef SWEEP_SPEC_H
#define SWEEP_SPEC_H

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

#include "sweep_expr.h"

#ifdef __cplusplus
extern "C" {
#endif

#define SWEEP_KEY_MAX 128
/* A run keeps a byte per point of its range in memory. */
#define SWEEP_MAX_POINTS UINT64_C(1000000000)

typedef enum { SW_GRID, SW_ZIP, SW_RANDOM } sw_source;
typedef enum { RV_LIST, RV_LINEAR, RV_LOG, RV_INT } sw_range;

typedef struct {
    char key[SWEEP_KEY_MAX]; /* "arch.lut.tile.n", "quant" */
    sw_source src;
    int group;               /* zip: the group's index */
    json_t *values;          /* grid, zip, random list: the choices (borrowed from doc) */
    sw_range range;          /* random */
    double lo, hi;
    int integer;             /* the key takes integers (random linear/log values rounded? no: refused) */
} sw_param;

typedef struct {
    char *text;              /* the expression as written */
    sx_expr *e;
    int after_run;           /* refers to a report figure: checked after the simulation */
} sw_constraint;

typedef struct {
    char label[512];         /* the spec's file name, for errors */
    json_t *doc;
    json_t *base;            /* run options and "arch" */
    json_t *arch_doc;        /* the base architecture's JSON (every key) */
    json_t *arch_file;       /* the same as written in its file ({} for the default) */
    char arch_label[512];    /* its file name, or "<default arch>" */
    sw_param *p;
    int np;
    uint64_t grid_radix[64]; /* per grid parameter / zip group: the number of choices */
    int ndigits;
    uint64_t random_count;   /* 0: no random section */
    uint64_t seed;
    sw_constraint *c;
    int nc;
    uint64_t npoints;
    uint64_t hash;           /* FNV-1a 64 of the canonical spec and every file a point
                              * reads (arch, model, quant, energy: base and swept) */
} sweep_spec;

/* Reads and checks a spec file; 0, or -1 with one line in err (and s
 * freed: sweep_spec_free is then a no-op). */
int sweep_spec_load(const char *path, sweep_spec *s, char *err, size_t errlen);
void sweep_spec_free(sweep_spec *s);

/* The values of point id, one new reference per parameter into vals[0..np-1]. */
int sweep_point_values(const sweep_spec *s, uint64_t id, json_t **vals);

/* The point's affinity: points of equal affinity differ at most in the
 * buffers' capacities (arch.buffers.NAME.kib), which the timing memos leave
 * out of their keys (attn_memo.h, timing_memo.h), so they share most of
 * their simulations; `sweep run` gives them to one worker.  Points that
 * share nothing of the kind (a swept random key other than a capacity)
 * have their id as affinity. */
uint64_t sweep_point_affinity(const sweep_spec *s, uint64_t id);

/* A key may be swept by several axes (grid, zip groups, random): each is a
 * factor of the product as usual, and a point where they give the key
 * different values is invalid, so one axis filters another.  Parameter j
 * names its key's column if it is the key's first (1), else 0. */
int sweep_param_first(const sweep_spec *s, int j);

/* 1 with reason ("arch.lut.tile.n: grid 32, zip 256 (the axes disagree)")
 * if two parameters of one key have different values in vals, else 0. */
int sweep_point_conflict(const sweep_spec *s, json_t *const *vals, char *reason, size_t rlen);

/* A run option name ("model", "batch", ...), 1 if it is one. */
int sweep_is_option(const char *name);

/* splitmix64, the counter-based generator of random points. */
uint64_t sweep_splitmix64(uint64_t x);

#ifdef __cplusplus
}
#endif
#endif
