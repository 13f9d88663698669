/* overlap.c - cycles saved by starting an operation's prologue under the
 * previous operation's tail (the rules are in overlap.h). */
#include "overlap.h"

#include "count.h"

#include <string.h>

static int per_layer(const op_result *r) { return strncmp(r->op.name, "layer.", 6) == 0; }

/* Cycles op b can move under op a's tail, for one boundary. */
static uint64_t boundary(const arch_t *arch, const op_result *a, const op_result *b)
{
    if (b->op.kind != MODEL_OP_LINEAR)
        return 0;
    const int whole = a->op.kind == MODEL_OP_LINEAR;
    for (int x = 0; x < BUF_COUNT; x++) {
        if (!whole && x != BUF_WGT)
            continue;
        if (b->st.lead_bytes[x] > arch_buf_bytes(arch, (buf_id)x) / 2)
            return 0;
    }
    uint64_t mv = whole ? b->st.lead_cycles : b->st.lead_wgt_cycles;
    return mv < a->st.tail_cycles ? mv : a->st.tail_cycles;
}

int overlap_saved(const arch_t *arch, const op_result *ops, int n, uint64_t *saved)
{
    int ovf = 0, first = -1, last = -1;
    *saved = 0;
    for (int i = 0; i < n; i++) {
        if (per_layer(&ops[i])) {
            if (first < 0)
                first = i;
            last = i;
        }
    }
    for (int i = 0; i + 1 < n; i++) {
        /* within a layer once per layer, else once */
        uint64_t times = per_layer(&ops[i]) && per_layer(&ops[i + 1]) ? ops[i].op.repeat : 1;
        *saved = count_addmul(*saved, boundary(arch, &ops[i], &ops[i + 1]), times, &ovf);
    }
    if (first >= 0 && ops[last].op.repeat > 1)
        *saved = count_addmul(*saved, boundary(arch, &ops[last], &ops[first]),
                              ops[last].op.repeat - 1, &ovf);
    return ovf ? -1 : 0;
}
