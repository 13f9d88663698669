/* device_ff.c - sample plan and stability check for DRAM devices. */
#include "device_ff.h"

#include "dram_dev.h"

#define BLOCK 64      /* tiles: burst alignments repeat (bursts <= 64 B) */
#define WARM 16       /* tiles before the samples start: a cold pipeline */
#define MARGIN 4      /* tiles between the windows and the tail, the last tile included */
#define REFRESHES 16  /* tREFI a window spans at least */
/* Blocks a window has at least.  A tile's cost also drifts slowly, with
 * how its streams' addresses meet the device's interleave (periods of
 * 200-1000 tiles, +-2% on hbm3 and lpddr5 x 5 channels: a window sees a
 * part of it): over 530 random long operations on the DRAM presets,
 * windows of one block (64 tiles) came out up to 1.4% off a full
 * simulation (3 beyond 1%), windows of two at most 0.81%, mean 0.06%. */
#define WINDOW_BLOCKS 2

int devff_plan_of(const arch_t *a, uint64_t tiles, uint64_t ipt, uint64_t tile_cycles,
                  devff_plan *f)
{
    dram_spec s;
    char why[300];
    if (arch_dram_spec(a, &s, why, sizeof why) != 1 || BLOCK % s.burst_bytes != 0 || ipt == 0)
        return 0;
    const double refi = (double)s.tREFI * s.tck_ns * a->clock_ghz; /* accelerator cycles */
    const double per = tile_cycles ? (double)tile_cycles : 1.0;
    f->window = BLOCK * (WINDOW_BLOCKS + (uint64_t)(REFRESHES * refi / (BLOCK * per)));
    /* The instruction fetch runs ibuf_entries ahead of dispatch: the last
     * E / ipt tiles are fetched before the program starts them (no fetch
     * beside them), the others with the fetch beside them (the first fill
     * at start).  The short sample keeps both parts, the warm tiles in the
     * fetched one, so the long one differs by steady tiles with the fetch
     * beside them (with warm tiles alone the fill fetched the short sample
     * whole: hbm3's fetch took 5% of a tile, -4.3% in all). */
    f->tail = ((uint64_t)a->ibuf_entries + ipt - 1) / ipt;
    f->warm = WARM + MARGIN + f->tail;
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
     * before its last tile; end the windows MARGIN tiles before the tail
     * fetched before it starts (the windows' tiles then have the fetch
     * beside them, like the tiles the samples' difference extends over;
     * the first window starts past the WARM tiles: base >= warm). */
    t->mark[2] = n_long - 1 - (size_t)((f->tail + MARGIN) * ipt);
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
