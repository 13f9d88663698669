/* device_ff.c - sample plan and stability check for DRAM devices. */
#include "device_ff.h"

#include "dram_dev.h"

#define BLOCK 64      /* tiles: burst alignments repeat (bursts <= 64 B) */
#define WARM 16       /* tiles before the samples start, beside the fetch's */
#define REFRESHES 16  /* tREFI a window spans at least */

int devff_plan_of(const arch_t *a, uint64_t tiles, uint64_t ipt, uint64_t tile_cycles,
                  devff_plan *f)
{
    dram_spec s;
    char why[300];
    if (arch_dram_spec(a, &s, why, sizeof why) != 1 || BLOCK % s.burst_bytes != 0 || ipt == 0)
        return 0;
    const double refi = (double)s.tREFI * s.tck_ns * a->clock_ghz; /* accelerator cycles */
    const double per = tile_cycles ? (double)tile_cycles : 1.0;
    f->window = BLOCK * (1 + (uint64_t)(REFRESHES * refi / (BLOCK * per)));
    /* the fetch fills ibuf_entries ahead while the first tiles run */
    f->warm = WARM + 2 * (uint64_t)a->ibuf_entries / ipt;
    if (tiles < f->warm)
        return 0;
    f->base = f->warm + (tiles - f->warm) % BLOCK;
    /* the short sample and the long one together shorter than the whole */
    f->spent = f->base;
    return f->spent + f->base + 2 * f->window < tiles;
}

int devff_longer(devff_plan *f, uint64_t tiles)
{
    f->spent += f->base + 2 * f->window; /* the long sample that disagreed */
    f->window *= 2;
    return f->spent + f->base + 2 * f->window < tiles;
}

void devff_trace_init(devff_trace *t, const devff_plan *f, size_t n_short, size_t n_long)
{
    const size_t ipt = (n_long - n_short) / (2 * f->window), w = ipt * f->window;
    /* The long sample is the short one with 2 windows of tiles inserted
     * before its last tile; end the windows 4 tiles before that. */
    t->mark[2] = n_long - 1 - 4 * ipt; /* n_short >= warm x ipt > 4 x ipt */
    t->mark[1] = t->mark[2] - w;
    t->mark[0] = t->mark[1] - w;
    t->upto = 0;
    t->at[0] = t->at[1] = t->at[2] = 0;
}

void devff_trace_fn(void *ctx, size_t index, const isa_instr *in, isa_unit unit, uint64_t start,
                    uint64_t busy_end, uint64_t complete)
{
    devff_trace *t = ctx;
    (void)in, (void)unit, (void)start, (void)busy_end;
    if (complete > t->upto)
        t->upto = complete;
    for (int i = 0; i < 3; i++)
        if (index == t->mark[i])
            t->at[i] = t->upto;
}

double devff_disagreement(const devff_trace *t)
{
    if (t->at[1] < t->at[0] || t->at[2] < t->at[1] || t->at[2] == t->at[0])
        return 1.0;
    const double w1 = (double)(t->at[1] - t->at[0]), w2 = (double)(t->at[2] - t->at[1]);
    return (w1 > w2 ? w1 - w2 : w2 - w1) / (0.5 * (w1 + w2));
}
