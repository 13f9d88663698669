/* sweep_expr.h - the constraint language of sweep specs and `--where`.
 *
 * A small expression language, parsed into a tree and evaluated; never run
 * as code.  Grammar (usual precedence, left to right):
 *   expr    := and ( ("or" | "||") and )*
 *   and     := not ( ("and" | "&&") not )*
 *   not     := ("not" | "!") not | compare
 *   compare := sum ( ("<" | "<=" | ">" | ">=" | "==" | "!=") sum )?
 *   sum     := product ( ("+" | "-") product )*
 *   product := unary ( ("*" | "/") unary )*
 *   unary   := "-" unary | NUMBER | 'STRING' | "STRING" | NAME | "(" expr ")"
 * NAME is a key path: [A-Za-z_][A-Za-z0-9_.]* (arch.lut.tile.n, decode.seconds).
 * Values are numbers or strings; strings only compare with == and !=; a
 * comparison or logical operator gives 1 or 0; true is non-zero.
 */
#ifndef SWEEP_EXPR_H
#define SWEEP_EXPR_H

#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef struct {
    int is_str;
    double num;
    const char *str; /* valid while the looked-up value lives */
} sx_value;

/* Looks NAME up: 0 with *out set, or -1 if the name is unknown. */
typedef int (*sx_lookup)(void *ctx, const char *name, sx_value *out);

typedef struct sx_expr sx_expr;

/* Parses text; NULL with "column C: problem" in err. */
sx_expr *sx_parse(const char *text, char *err, size_t errlen);
void sx_free(sx_expr *e);

/* Evaluates e: 0 with *truth (non-zero = true) and *value (may be NULL),
 * or -1 with "NAME is unknown" or a type problem in err. */
int sx_eval(const sx_expr *e, sx_lookup fn, void *ctx, sx_value *value, int *truth, char *err,
            size_t errlen);

/* The i-th name the expression refers to (in order of appearance), or NULL. */
const char *sx_name(const sx_expr *e, int i);

#ifdef __cplusplus
}
#endif
#endif
