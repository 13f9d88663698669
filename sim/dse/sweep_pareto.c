/* sweep_pareto.c - `lutsim sweep pareto`: the front, as text, CSV and
 * gnuplot scatter plots of each pair of objectives. */
#include "sweep_cmds.h"
#include "sweep_pareto.h"

#include "commands.h"
#include "gnuplot.h"
#include "outfiles.h"
#include "sweep_args.h"
#include "sweep_table.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

static const char pareto_usage[] =
    "usage: lutsim sweep pareto DIR --objectives K:min,K:max,... [--where EXPR]\n"
    "                           [--csv F] [--plot PLOTDIR]\n"
    "\n"
    "The non-dominated points of DIR's sweep (status ok, EXPR true, every\n"
    "objective known): no other point is as good in every objective and better\n"
    "in one.  Printed as id and objectives; --csv writes their full rows (the\n"
    "columns of `sweep export`); --plot draws each pair of objectives (at most\n"
    "3 objectives) as PLOTDIR/pareto-A--B.png, .svg and .pdf, the front\n"
    "highlighted and labelled with point ids, beside pareto.dat and pareto.gp.\n";

#define MAX_OBJ 8

typedef struct {
    int nobj, col[MAX_OBJ], max[MAX_OBJ];
    char key[MAX_OBJ][256];
    double *v;
    long long *id;
    size_t n, cap;
} points;

static int collect(sweep_table *t, void *ctx)
{
    points *p = ctx;
    double row[MAX_OBJ];
    for (int j = 0; j < p->nobj; j++) {
        if (sqlite3_column_type(t->st, p->col[j]) == SQLITE_NULL)
            return 0;
        row[j] = sqlite3_column_double(t->st, p->col[j]);
        if (isnan(row[j]))
            return 0;
    }
    if (p->n == p->cap) {
        size_t c = p->cap ? 2 * p->cap : 1024;
        double *v = realloc(p->v, sizeof *v * c * (size_t)p->nobj);
        if (v)
            p->v = v;
        long long *id = realloc(p->id, sizeof *id * c);
        if (id)
            p->id = id;
        if (!v || !id)
            return -1;
        p->cap = c;
    }
    memcpy(p->v + p->n * (size_t)p->nobj, row, sizeof row[0] * (size_t)p->nobj);
    p->id[p->n++] = sqlite3_column_int64(t->st, 0);
    return 0;
}

static int parse_objectives(const char *list, points *p)
{
    char buf[4096];
    snprintf(buf, sizeof buf, "%s", list);
    char *save = NULL;
    for (char *tok = strtok_r(buf, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
        if (p->nobj == MAX_OBJ) {
            cli_error("--objectives: at most %d", MAX_OBJ);
            return -1;
        }
        if (sweep_parse_objective(tok, p->key[p->nobj], sizeof p->key[0], &p->max[p->nobj]) != 0)
            return -1;
        p->nobj++;
    }
    if (p->nobj < 2) {
        cli_error("--objectives: expected at least two, as K:min,K:max");
        return -1;
    }
    return 0;
}

typedef struct {
    const unsigned char *front;
    const points *p;
    size_t at;
    FILE *f;
} csv_front;

static int front_row(sweep_table *t, void *ctx)
{
    csv_front *c = ctx;
    long long id = sqlite3_column_int64(t->st, 0);
    while (c->at < c->p->n && c->p->id[c->at] < id)
        c->at++;
    if (c->at < c->p->n && c->p->id[c->at] == id && c->front[c->at])
        sweep_table_csv_row(t, c->f);
    return 0;
}

/* Safe file-name part of a key. */
static void file_part(const char *key, char *out, size_t n)
{
    size_t o = 0;
    for (const char *k = key; *k && o + 1 < n; k++)
        out[o++] = (*k >= 'a' && *k <= 'z') || (*k >= 'A' && *k <= 'Z') || (*k >= '0' && *k <= '9') ||
                   *k == '.' || *k == '_' ? *k : '_';
    out[o] = '\0';
}

static int write_dat(const char *path, const points *p, const unsigned char *front)
{
    FILE *f = fopen(path, "w");
    if (!f)
        return -1;
    fprintf(f, "# id");
    for (int j = 0; j < p->nobj; j++)
        fprintf(f, " %s", p->key[j]);
    fprintf(f, " front\n");
    for (size_t i = 0; i < p->n; i++) {
        fprintf(f, "%lld", p->id[i]);
        for (int j = 0; j < p->nobj; j++)
            fprintf(f, " %.17g", p->v[i * (size_t)p->nobj + (size_t)j]);
        fprintf(f, " %d\n", front[i]);
    }
    int bad = ferror(f);
    return (fclose(f) != 0 || bad) ? -1 : 0;
}

/* The script: one plot per pair, its outputs in variables png1, svg1, pdf1, ... */
static int write_gp(const char *path, const points *p, long nfront, char names[][3][600])
{
    FILE *f = fopen(path, "w");
    if (!f)
        return -1;
    fprintf(f, "# lutsim sweep pareto: each pair of objectives, the front highlighted.\n"
               "# Redraw with `gnuplot pareto.gp` in this folder.\n"
               "if (!exists(\"dat\")) dat = \"pareto.dat\"\n"
               "set grid\nset key outside right top\nF = %d\n", p->nobj + 2);
    int pair = 0;
    for (int a = 0; a < p->nobj; a++) {
        for (int b = a + 1; b < p->nobj; b++) {
            pair++;
            char xa[GP_QUOTED_SIZE(300)], yb[GP_QUOTED_SIZE(300)], lab[300];
            snprintf(lab, sizeof lab, "%s (%s)", p->key[a], p->max[a] ? "max" : "min");
            gp_quote(lab, xa);
            snprintf(lab, sizeof lab, "%s (%s)", p->key[b], p->max[b] ? "max" : "min");
            gp_quote(lab, yb);
            static const char *const ext[3] = { "png", "svg", "pdf" };
            for (int e = 0; e < 3; e++) {
                char q[GP_QUOTED_SIZE(600)];
                gp_quote(names[pair - 1][e], q);
                fprintf(f, "if (!exists(\"%s%d\")) %s%d = %s\n", ext[e], pair, ext[e], pair, q);
            }
            fprintf(f, "set xlabel %s noenhanced\nset ylabel %s noenhanced\n"
                       "set title \"Pareto front: %ld of %zu points\"\n", xa, yb, nfront, p->n);
            fprintf(f, "do for [fmt in \"pngcairo svg pdfcairo\"] {\n"
                       "    if (fmt eq \"pngcairo\") { set terminal pngcairo size 1000,700 font \"sans,10\"; set output png%d }\n"
                       "    if (fmt eq \"svg\") { set terminal svg size 1000,700 font \"sans,10\"; set output svg%d }\n"
                       "    if (fmt eq \"pdfcairo\") { set terminal pdfcairo size 7in,5in font \"sans,8\"; set output pdf%d }\n"
                       "    plot dat using (column(F) == 0 ? column(%d) : 1/0):%d with points pt 7 ps 0.6 lc rgb \"#9a9a9a\" title \"dominated\", \\\n"
                       "         dat using (column(F) == 1 ? column(%d) : 1/0):%d with points pt 7 ps 1.2 lc rgb \"#d62728\" title \"Pareto front\", \\\n"
                       "         dat using (column(F) == 1 ? column(%d) : 1/0):%d:(sprintf(\"%%d\", column(1))) with labels offset char 0.8,0.6 left font \",7\" notitle\n"
                       "    unset output\n}\n",
                    pair, pair, pair, a + 2, b + 2, a + 2, b + 2, a + 2, b + 2);
        }
    }
    int bad = ferror(f);
    return (fclose(f) != 0 || bad) ? -1 : 0;
}

/* Stages and draws the plots into dir. */
static int plot(const char *dir, outfiles *of, const points *p, const unsigned char *front,
                long nfront, char *err, size_t errlen)
{
    if (p->nobj > 3) {
        snprintf(err, errlen, "--plot: at most 3 objectives (3 pairs of plots)");
        return -1;
    }
    if (out_dir(of, dir, err, errlen) != 0)
        return -1;
    char path[1200], names[3][3][600], final[3][3][1400];
    const char *tdat, *tgp, *tmp[3][3];
    snprintf(path, sizeof path, "%s/pareto.dat", dir);
    if (!(tdat = out_stage(of, path, err, errlen)))
        return -1;
    snprintf(path, sizeof path, "%s/pareto.gp", dir);
    if (!(tgp = out_stage(of, path, err, errlen)))
        return -1;
    int pair = 0;
    static const char *const ext[3] = { "png", "svg", "pdf" };
    for (int a = 0; a < p->nobj; a++) {
        for (int b = a + 1; b < p->nobj; b++, pair++) {
            char fa[256], fb[256];
            file_part(p->key[a], fa, sizeof fa);
            file_part(p->key[b], fb, sizeof fb);
            for (int e = 0; e < 3; e++) {
                snprintf(names[pair][e], sizeof names[pair][e], "pareto-%s--%s.%s", fa, fb, ext[e]);
                snprintf(final[pair][e], sizeof final[pair][e], "%s/%s", dir, names[pair][e]);
                if (!(tmp[pair][e] = out_stage(of, final[pair][e], err, errlen)))
                    return -1;
            }
        }
    }
    if (write_dat(tdat, p, front) != 0 || write_gp(tgp, p, nfront, names) != 0) {
        snprintf(err, errlen, "%s: cannot write the plot files", dir);
        return -1;
    }
    /* gnuplot -e: the staged names stand in for the final ones */
    size_t len = GP_QUOTED_SIZE(strlen(tdat)) + 16;
    for (int i = 0; i < pair; i++)
        for (int e = 0; e < 3; e++)
            len += GP_QUOTED_SIZE(strlen(tmp[i][e])) + 16;
    char *defs = malloc(len), *d = defs;
    if (!defs) {
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    d += sprintf(d, "dat=");
    gp_quote(tdat, d);
    d += strlen(d);
    for (int i = 0; i < pair; i++) {
        for (int e = 0; e < 3; e++) {
            d += sprintf(d, ";%s%d=", ext[e], i + 1);
            gp_quote(tmp[i][e], d);
            d += strlen(d);
        }
    }
    int rc = gp_run(defs, tgp, &of->child, err, errlen);
    free(defs);
    for (int i = 0; rc == 0 && i < pair; i++) {
        for (int e = 0; e < 3; e++) {
            struct stat sb;
            if (stat(tmp[i][e], &sb) != 0 || sb.st_size == 0) {
                snprintf(err, errlen, "%s: gnuplot wrote nothing", final[i][e]);
                return -1;
            }
        }
    }
    return rc;
}

int sweep_cmd_pareto(int argc, char **argv)
{
    const char *objs = NULL, *where = NULL, *csv = NULL, *plotdir = NULL, *dir = NULL;
    const sweep_opt opts[] = {
        { "objectives", &objs, NULL, 1 }, { "where", &where, NULL, 0 }, { "csv", &csv, NULL, 0 },
        { "plot", &plotdir, NULL, 0 },    { NULL, NULL, NULL, 0 },
    };
    int rc = sweep_args(argc, argv, "sweep pareto", opts, pareto_usage, "DIR", &dir);
    if (rc >= 0)
        return rc;
    points p;
    memset(&p, 0, sizeof p);
    char err[2048];
    sx_expr *w;
    if (parse_objectives(objs, &p) != 0)
        return 2;
    sweep_table t;
    if ((rc = sweep_table_open_where(&t, dir, where, &w)) != 0)
        return rc;
    int status = 1;
    unsigned char *front = NULL;
    outfiles of;
    out_init(&of);
    FILE *f = NULL;
    for (int j = 0; j < p.nobj; j++) {
        if ((p.col[j] = sweep_table_col(&t, p.key[j])) < 0) {
            cli_error("--objectives: %s is not a column of %s", p.key[j], t.db.path);
            goto done;
        }
    }
    const char *tcsv = NULL;
    if (csv && !(tcsv = out_stage(&of, csv, err, sizeof err))) {
        cli_error("%s", err);
        goto done;
    }
    if (sweep_table_each(&t, w, 1, collect, &p, err, sizeof err) != 0) {
        cli_error("%s", err);
        goto done;
    }
    front = malloc(p.n + 1);
    long nf = front ? sweep_pareto_front(p.v, p.n, p.nobj, p.max, front) : -1;
    if (nf < 0) {
        cli_error("out of memory");
        goto done;
    }
    printf("Pareto front: %ld of %zu points (status ok%s, every objective known)\nid", nf, p.n,
           w ? ", --where true" : "");
    for (int j = 0; j < p.nobj; j++)
        printf(",%s", p.key[j]);
    printf("\n");
    for (size_t i = 0; i < p.n; i++) {
        if (!front[i])
            continue;
        printf("%lld", p.id[i]);
        for (int j = 0; j < p.nobj; j++)
            printf(",%.17g", p.v[i * (size_t)p.nobj + (size_t)j]);
        printf("\n");
    }
    if (tcsv) {
        csv_front c = { front, &p, 0, fopen(tcsv, "w") };
        f = c.f;
        sqlite3_reset(t.st);
        if (!f) {
            cli_error("%s: cannot write", csv);
            goto done;
        }
        sweep_table_csv_header(&t, f);
        if (sweep_table_each(&t, NULL, 1, front_row, &c, err, sizeof err) != 0) {
            cli_error("%s", err);
            goto done;
        }
        int bad = ferror(f);
        bad |= fclose(f) != 0;
        f = NULL;
        if (bad) {
            cli_error("%s: cannot write", csv);
            goto done;
        }
    }
    if (plotdir && plot(plotdir, &of, &p, front, nf, err, sizeof err) != 0) {
        cli_error("%s", err);
        goto done;
    }
    if (out_commit(&of, err, sizeof err) != 0) {
        cli_error("%s", err);
        goto done;
    }
    status = 0;
done:
    if (f)
        fclose(f);
    if (status)
        out_abort(&of);
    free(front);
    free(p.v);
    free(p.id);
    sweep_table_close(&t);
    sx_free(w);
    return status;
}
