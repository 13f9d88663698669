/* sweep_expr.c - parse and evaluate constraint expressions (sweep_expr.h).
 * A recursive-descent parser builds a tree of nodes; evaluation walks it. */
#include "sweep_expr.h"

#include <ctype.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum { N_NUM, N_STR, N_NAME, N_NEG, N_NOT, N_BIN };
enum { OP_ADD, OP_SUB, OP_MUL, OP_DIV, OP_LT, OP_LE, OP_GT, OP_GE, OP_EQ, OP_NE, OP_AND, OP_OR };

typedef struct node {
    int kind, op;
    double num;
    char *text;            /* N_STR, N_NAME */
    struct node *a, *b;
} node;

struct sx_expr {
    node *root;
    char **names;
    int nnames;
};

typedef struct {
    const char *s, *p;
    char *err;
    size_t errlen;
    int failed;
    sx_expr *e;
} parser;

static node *parse_or(parser *ps);

static void fail(parser *ps, const char *what)
{
    if (!ps->failed)
        snprintf(ps->err, ps->errlen, "column %d: %s", (int)(ps->p - ps->s) + 1, what);
    ps->failed = 1;
}

static node *mk(parser *ps, int kind)
{
    node *n = calloc(1, sizeof *n);
    if (!n)
        fail(ps, "out of memory");
    else
        n->kind = kind;
    return n;
}

static void free_node(node *n)
{
    if (!n)
        return;
    free_node(n->a);
    free_node(n->b);
    free(n->text);
    free(n);
}

static void skip(parser *ps)
{
    while (*ps->p == ' ' || *ps->p == '\t')
        ps->p++;
}

/* Consumes the symbol tok (an operator) if it comes next. */
static int accept(parser *ps, const char *tok)
{
    skip(ps);
    size_t l = strlen(tok);
    if (strncmp(ps->p, tok, l) != 0)
        return 0;
    if (isalpha((unsigned char)tok[0]) && (isalnum((unsigned char)ps->p[l]) || ps->p[l] == '_'))
        return 0; /* "order" is a name, not "or" */
    ps->p += l;
    return 1;
}

static node *bin(parser *ps, int op, node *a, node *b)
{
    node *n = (a && b) ? mk(ps, N_BIN) : NULL;
    if (!n) {
        free_node(a);
        free_node(b);
        return NULL;
    }
    n->op = op;
    n->a = a;
    n->b = b;
    return n;
}

static node *parse_name(parser *ps)
{
    const char *q = ps->p;
    while (isalnum((unsigned char)*q) || *q == '_' || *q == '.')
        q++;
    node *n = mk(ps, N_NAME);
    if (!n)
        return NULL;
    n->text = strndup(ps->p, (size_t)(q - ps->p));
    ps->p = q;
    sx_expr *e = ps->e;
    char **nn = realloc(e->names, sizeof *nn * (size_t)(e->nnames + 1));
    if (!n->text || !nn) {
        fail(ps, "out of memory");
        return n;
    }
    e->names = nn;
    e->names[e->nnames++] = n->text;
    return n;
}

static node *parse_primary(parser *ps)
{
    skip(ps);
    char c = *ps->p;
    if (accept(ps, "(")) {
        node *n = parse_or(ps);
        if (!accept(ps, ")")) {
            fail(ps, "expected ')'");
            free_node(n);
            return NULL;
        }
        return n;
    }
    if (isdigit((unsigned char)c) || (c == '.' && isdigit((unsigned char)ps->p[1]))) {
        char *end;
        node *n = mk(ps, N_NUM);
        if (n) {
            n->num = strtod(ps->p, &end);
            ps->p = end;
        }
        return n;
    }
    if (c == '\'' || c == '"') {
        const char *q = strchr(ps->p + 1, c);
        if (!q) {
            fail(ps, "unterminated string");
            return NULL;
        }
        node *n = mk(ps, N_STR);
        if (n && !(n->text = strndup(ps->p + 1, (size_t)(q - ps->p - 1))))
            fail(ps, "out of memory");
        ps->p = q + 1;
        return n;
    }
    if (isalpha((unsigned char)c) || c == '_')
        return parse_name(ps);
    fail(ps, c ? "expected a number, a string, a key path or '('" : "unexpected end");
    return NULL;
}

static node *parse_unary(parser *ps)
{
    if (accept(ps, "-")) {
        node *a = parse_unary(ps), *n = a ? mk(ps, N_NEG) : NULL;
        if (!n) {
            free_node(a);
            return NULL;
        }
        n->a = a;
        return n;
    }
    return parse_primary(ps);
}

static node *parse_product(parser *ps)
{
    node *n = parse_unary(ps);
    while (n && !ps->failed) {
        int op = accept(ps, "*") ? OP_MUL : accept(ps, "/") ? OP_DIV : -1;
        if (op < 0)
            break;
        n = bin(ps, op, n, parse_unary(ps));
    }
    return n;
}

static node *parse_sum(parser *ps)
{
    node *n = parse_product(ps);
    while (n && !ps->failed) {
        int op = accept(ps, "+") ? OP_ADD : accept(ps, "-") ? OP_SUB : -1;
        if (op < 0)
            break;
        n = bin(ps, op, n, parse_product(ps));
    }
    return n;
}

static node *parse_compare(parser *ps)
{
    node *n = parse_sum(ps);
    if (!n || ps->failed)
        return n;
    /* two-character operators first */
    static const struct { const char *tok; int op; } ops[] = {
        { "<=", OP_LE }, { ">=", OP_GE }, { "==", OP_EQ }, { "!=", OP_NE },
        { "<", OP_LT }, { ">", OP_GT },
    };
    for (size_t i = 0; i < sizeof ops / sizeof ops[0]; i++)
        if (accept(ps, ops[i].tok))
            return bin(ps, ops[i].op, n, parse_sum(ps));
    return n;
}

static node *parse_not(parser *ps)
{
    if (accept(ps, "not") || (skip(ps), ps->p[0] == '!' && ps->p[1] != '=' && accept(ps, "!"))) {
        node *a = parse_not(ps), *n = a ? mk(ps, N_NOT) : NULL;
        if (!n) {
            free_node(a);
            return NULL;
        }
        n->a = a;
        return n;
    }
    return parse_compare(ps);
}

static node *parse_and(parser *ps)
{
    node *n = parse_not(ps);
    while (n && !ps->failed && (accept(ps, "and") || accept(ps, "&&")))
        n = bin(ps, OP_AND, n, parse_not(ps));
    return n;
}

static node *parse_or(parser *ps)
{
    node *n = parse_and(ps);
    while (n && !ps->failed && (accept(ps, "or") || accept(ps, "||")))
        n = bin(ps, OP_OR, n, parse_and(ps));
    return n;
}

sx_expr *sx_parse(const char *text, char *err, size_t errlen)
{
    sx_expr *e = calloc(1, sizeof *e);
    if (!e) {
        snprintf(err, errlen, "out of memory");
        return NULL;
    }
    parser ps = { text, text, err, errlen, 0, e };
    e->root = parse_or(&ps);
    skip(&ps);
    if (!ps.failed && *ps.p)
        fail(&ps, "unexpected text after the expression");
    if (ps.failed || !e->root) {
        if (!ps.failed)
            fail(&ps, "empty expression");
        sx_free(e);
        return NULL;
    }
    return e;
}

void sx_free(sx_expr *e)
{
    if (!e)
        return;
    free_node(e->root);
    free(e->names);
    free(e);
}

const char *sx_name(const sx_expr *e, int i)
{
    return i >= 0 && i < e->nnames ? e->names[i] : NULL;
}

typedef struct {
    sx_lookup fn;
    void *ctx;
    char *err;
    size_t errlen;
} evalctx;

static int eval(const node *n, evalctx *c, sx_value *v);

static int need_num(const sx_value *v, evalctx *c)
{
    if (v->is_str) {
        snprintf(c->err, c->errlen, "'%s' is a string where a number is needed", v->str);
        return -1;
    }
    return 0;
}

static double truth_of(const sx_value *v)
{
    return v->is_str ? v->str[0] != '\0' : v->num != 0;
}

static int eval_bin(const node *n, evalctx *c, sx_value *v)
{
    sx_value a, b;
    if (eval(n->a, c, &a) != 0)
        return -1;
    v->is_str = 0;
    if (n->op == OP_AND || n->op == OP_OR) { /* short-circuit: the right side may not apply */
        int t = truth_of(&a) != 0;
        if (t == (n->op == OP_OR)) {
            v->num = t;
            return 0;
        }
        if (eval(n->b, c, &b) != 0)
            return -1;
        v->num = truth_of(&b) != 0;
        return 0;
    }
    if (eval(n->b, c, &b) != 0)
        return -1;
    if ((n->op == OP_EQ || n->op == OP_NE) && (a.is_str || b.is_str)) {
        int eq = a.is_str && b.is_str && strcmp(a.str, b.str) == 0;
        v->num = n->op == OP_EQ ? eq : !eq;
        return 0;
    }
    if (need_num(&a, c) != 0 || need_num(&b, c) != 0)
        return -1;
    double x = a.num, y = b.num;
    switch (n->op) {
    case OP_ADD: v->num = x + y; break;
    case OP_SUB: v->num = x - y; break;
    case OP_MUL: v->num = x * y; break;
    case OP_DIV: v->num = x / y; break;
    case OP_LT: v->num = x < y; break;
    case OP_LE: v->num = x <= y; break;
    case OP_GT: v->num = x > y; break;
    case OP_GE: v->num = x >= y; break;
    case OP_EQ: v->num = x == y; break;
    default: v->num = x != y; break;
    }
    return 0;
}

static int eval(const node *n, evalctx *c, sx_value *v)
{
    switch (n->kind) {
    case N_NUM:
        v->is_str = 0;
        v->num = n->num;
        return 0;
    case N_STR:
        v->is_str = 1;
        v->str = n->text;
        return 0;
    case N_NAME:
        if (c->fn(c->ctx, n->text, v) != 0) {
            snprintf(c->err, c->errlen, "%s is unknown", n->text);
            return -1;
        }
        return 0;
    case N_NEG:
        if (eval(n->a, c, v) != 0 || need_num(v, c) != 0)
            return -1;
        v->num = -v->num;
        return 0;
    case N_NOT:
        if (eval(n->a, c, v) != 0)
            return -1;
        v->num = !truth_of(v);
        v->is_str = 0;
        return 0;
    default:
        return eval_bin(n, c, v);
    }
}

int sx_eval(const sx_expr *e, sx_lookup fn, void *ctx, sx_value *value, int *truth, char *err,
            size_t errlen)
{
    evalctx c = { fn, ctx, err, errlen };
    sx_value v;
    if (eval(e->root, &c, &v) != 0)
        return -1;
    if (value)
        *value = v;
    if (truth)
        *truth = truth_of(&v) != 0;
    return 0;
}
