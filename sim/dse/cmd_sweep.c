/* cmd_sweep.c - `lutsim sweep SUBCOMMAND`: dispatch, and `sweep point`. */
#include "commands.h"
#include "sweep_cmds.h"

#include "arch_json.h"
#include "outfiles.h"
#include "report_run.h"
#include "sweep_args.h"
#include "sweep_point.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char sweep_usage[] =
    "usage: lutsim sweep SUBCOMMAND [OPTIONS]\n"
    "\n"
    "Design-space sweeps over architectures and run options (README \"Design-space\n"
    "sweeps\"):\n"
    "  run SPEC --out DIR [-j N] [--shard I/N] [--force] [--ops]\n"
    "                      evaluate the spec's points into DIR (parallel, resumable)\n"
    "  export DIR --csv F  every point as CSV, ordered by id\n"
    "  pareto DIR --objectives K:min,K:max,... [--where EXPR] [--csv F] [--plot D]\n"
    "                      the non-dominated points, with scatter plots\n"
    "  best DIR --by K[:min|max] [--where EXPR]\n"
    "                      the best point by one figure\n"
    "  point SPEC --id N [--json R.json] [--arch-out A.json]\n"
    "                      evaluate one point alone and print its full report\n"
    "  merge DIR           combine DIR's shard databases into DIR/results.sqlite\n"
    "  status DIR [--shards N]\n"
    "                      missing or partial shards, and the --array= list to resubmit\n"
    "  slurm SPEC --out DIR --tasks N ...\n"
    "                      write an sbatch job-array script for a cluster\n"
    "\n"
    "`lutsim sweep SUBCOMMAND --help` explains each.\n";

static const char point_usage[] =
    "usage: lutsim sweep point SPEC --id N [--json R.json] [--arch-out A.json]\n"
    "\n"
    "Evaluates point N of the sweep spec alone and prints its parameters and the\n"
    "full report of `lutsim run` on it (the same numbers as its row).\n"
    "  --json R.json      the report as JSON, like `lutsim run --json`\n"
    "  --arch-out A.json  the point's architecture, for `lutsim run --arch`\n";

/* Writes j to the staged file tmp of the output named shown. */
static int write_json(const char *tmp, const char *shown, json_t *j)
{
    if (json_dump_file(j, tmp, JSON_INDENT(2) | JSON_REAL_PRECISION(17)) != 0) {
        cli_error("%s: cannot write", shown);
        return -1;
    }
    return 0;
}

int sweep_cmd_point(int argc, char **argv)
{
    const char *json = NULL, *arch_out = NULL, *id_text = NULL, *spec = NULL;
    const sweep_opt opts[] = {
        { "id", &id_text, NULL, 1 }, { "json", &json, NULL, 0 }, { "arch-out", &arch_out, NULL, 0 },
        { NULL, NULL, NULL, 0 },
    };
    int rc = sweep_args(argc, argv, "sweep point", opts, point_usage, "SPEC", &spec);
    if (rc >= 0)
        return rc;
    char err[2048];
    sweep_spec s;
    if (sweep_spec_load_checked(spec, &s, err, sizeof err) != 0) {
        cli_error("%s", err);
        return 1;
    }
    char *end;
    unsigned long long id = strtoull(id_text, &end, 10);
    if (*id_text < '0' || *id_text > '9' || *end || id >= s.npoints) {
        cli_error("--id: expected a point 0..%llu of %s, got '%s'",
                  (unsigned long long)s.npoints - 1, s.label, id_text);
        sweep_spec_free(&s);
        return 2;
    }
    sweep_ctx *c = malloc(sizeof *c);
    json_t *vals[s.np > 0 ? s.np : 1];
    if (!c || sweep_ctx_init(c, &s) != 0 || sweep_point_values(&s, id, vals) != 0) {
        cli_error("out of memory");
        if (c)
            sweep_ctx_free(c);
        free(c);
        sweep_spec_free(&s);
        return 1;
    }
    printf("point %llu of %s (%llu points)\n", id, s.label, (unsigned long long)s.npoints);
    for (int j = 0; j < s.np; j++) {
        char *v = json_dumps(vals[j], JSON_ENCODE_ANY | JSON_REAL_PRECISION(17));
        printf("  %s = %s\n", s.p[j].key, v ? v : "?");
        free(v);
    }
    /* the row first (constraints too), then the report: a second
     * simulation of the same phases is a hit in c's cache */
    json_t *row = sweep_eval(c, id, 0, err, sizeof err);
    json_t *cols = json_object_get(row, "cols");
    const char *status = json_string_value(json_object_get(cols, "status"));
    sweep_inputs in;
    memset(&in, 0, sizeof in);
    outfiles of;
    out_init(&of);
    out_input(&of, spec, "SPEC");
    const char *tj = NULL, *ta = NULL;
    rc = -1;
    if (!row)
        cli_error("%s", err);
    else if (strcmp(status, "ok") != 0)
        cli_error("point %llu of %s is %s: %s", id, s.label, status,
                  json_string_value(json_object_get(cols, "reason")));
    else if ((json && !(tj = out_stage(&of, json, err, sizeof err))) ||
             (arch_out && !(ta = out_stage(&of, arch_out, err, sizeof err))))
        cli_error("%s", err);
    else if (sweep_point_inputs(c, vals, &in, &status, err, sizeof err) != 0 ||
             sweep_point_simulate(c, &in, err, sizeof err) != 0)
        cli_error("point %llu: %s", id, err); /* cannot be: the row said ok */
    else
        rc = 0;
    for (int k = 0; rc == 0 && k < in.nph; k++) {
        printf("\n");
        run_print(stdout, &in.a, &in.em, &in.m, &in.q, &in.ph[k]);
    }
    if (rc == 0 && tj) {
        json_t *r = run_to_json(&in.a, &in.em, &in.m, &in.q, in.ph, in.nph);
        rc = write_json(tj, json, r);
        json_decref(r);
    }
    if (rc == 0 && ta) {
        json_t *aj = arch_to_json(&in.a);
        rc = write_json(ta, arch_out, aj);
        json_decref(aj);
    }
    if (rc == 0 && out_commit(&of, err, sizeof err) != 0) {
        cli_error("%s", err);
        rc = -1;
    }
    if (rc != 0)
        out_abort(&of);
    json_decref(row);
    sweep_inputs_free(&in);
    for (int j = 0; j < s.np; j++)
        json_decref(vals[j]);
    sweep_ctx_free(c);
    free(c);
    sweep_spec_free(&s);
    return rc == 0 ? 0 : 1;
}

typedef struct {
    const char *name;
    int (*fn)(int, char **);
} subcommand;

static const subcommand subs[] = {
    { "run", sweep_cmd_run },       { "export", sweep_cmd_export }, { "pareto", sweep_cmd_pareto },
    { "best", sweep_cmd_best },     { "point", sweep_cmd_point },   { "merge", sweep_cmd_merge },
    { "status", sweep_cmd_status }, { "slurm", sweep_cmd_slurm },
};

int cmd_sweep(int argc, char **argv)
{
    if (argc < 2) {
        fputs(sweep_usage, stderr);
        return 2;
    }
    if (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h") || !strcmp(argv[1], "help")) {
        fputs(sweep_usage, stdout);
        return 0;
    }
    for (size_t i = 0; i < sizeof subs / sizeof subs[0]; i++)
        if (!strcmp(argv[1], subs[i].name))
            return subs[i].fn(argc - 1, argv + 1);
    cli_error("sweep: unknown subcommand '%s' (see `lutsim sweep --help`)", argv[1]);
    return 2;
}
