/* sram.h - banked on-chip buffers (buffers.ideal false): which bank an
 * address is in, how long an access pattern takes, and each buffer's ports
 * as a resource shared by the instructions that run at the same time.
 *
 * Geometry of a buffer: `banks` banks, each `width_bits` wide, each with
 * `ports` ports (one access of one word per port per cycle).  Addresses
 * interleave by word: byte address a is in word a / W (W = width_bits / 8)
 * of bank (a / W) % banks, so consecutive words go to consecutive banks
 * and a row of the buffer is banks x W bytes.
 *
 * Cost of one step (a set of accesses a unit makes together): the busiest
 * bank's words (a word read once serves every access inside it), divided by
 * the ports, rounded up: accesses that collide in a bank serialise, and so
 * do more accesses than ports.  Everything is closed form per instruction
 * (patterns that repeat along an address stride are summed over one period
 * and multiplied), never per-cycle stepping.
 *
 * Ports shared across instructions (sram_ports): each buffer's ports serve
 * `ports` word slots a cycle, shared by the instructions that run at once.
 * An instruction is taken to spread its slots evenly over its busy window
 * [start, start + occupancy).  One that starts while earlier ones are
 * still running on a buffer needs t = (its own slots + the earlier ones'
 * slots that fall in its window, pro rata) / ports cycles there.  A compute
 * unit whose t exceeds its occupancy stays busy that long (it stalls for
 * the port).  A DMA is never slowed (its data streams from DRAM): what its
 * t exceeds its occupancy by is the time it stole from the compute
 * instructions it overlapped, a debt of the buffer that the next compute
 * instruction using the buffer pays on top (the compute unit yields the
 * port; earlier instructions are never revisited, so the stall moves to
 * the next one).  This is a fluid model of the DRAM bus's kind: it gets
 * the sum right (a DMA writing a single-ported weight buffer while an lmma
 * reads it every cycle costs the two together), not the order of the
 * stolen cycles.  The last SRAM_PORT_RECENT windows of each buffer are
 * kept.
 */
#ifndef SRAM_H
#define SRAM_H

#include "arch.h"

#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef struct {
    uint64_t width; /* bytes per bank word */
    uint64_t banks;
    uint64_t ports;
} sram_geom;

void sram_geom_of(const arch_t *a, buf_id b, sram_geom *g);

/* Bank of byte address addr. */
static inline uint64_t sram_bank(const sram_geom *g, uint64_t addr)
{
    return (addr / g->width) % g->banks;
}

/* Cycles for a step whose busiest bank serves `words` words (at least 1
 * for a non-empty step). */
static inline uint64_t sram_cycles(const sram_geom *g, uint64_t words)
{
    return (words + g->ports - 1) / g->ports;
}

/* Period of (k x step) mod m over k: m / gcd(step mod m, m) (1 when step
 * is a multiple of m); and the least common multiple of two periods. */
uint64_t sram_period(uint64_t step, uint64_t m);
uint64_t sram_lcm(uint64_t a, uint64_t b);

/* Words the busiest bank serves for one contiguous access [lo, lo + len):
 * ceil(words spanned / banks). */
uint64_t sram_range_words(const sram_geom *g, uint64_t lo, uint64_t len);

/* count accesses of len bytes at base + k x stride, each its own step:
 * *words = the sum of their busiest-bank words, *cycles = the sum of their
 * step cycles.  Closed form over the period of (address mod width). */
void sram_strided(const sram_geom *g, uint64_t base, uint64_t stride, uint64_t count,
                  uint64_t len, uint64_t *words, uint64_t *cycles);

/* One step of n accesses of len bytes each at lo[0..n-1] (n <= 64, len
 * any length): the busiest bank's distinct words.  *even (if not NULL)
 * gets what the busiest bank would serve with the same distinct words
 * spread evenly over the banks, ceil(words / banks): the step's cost
 * without bank conflicts. */
uint64_t sram_step_words(const sram_geom *g, const uint64_t *lo, int n, uint64_t len,
                         uint64_t *even);

/* The ports of every buffer across instructions (see above). */
#define SRAM_PORT_RECENT 16
typedef struct sram_ports {
    struct {
        uint64_t lo[SRAM_PORT_RECENT], hi[SRAM_PORT_RECENT], words[SRAM_PORT_RECENT];
        int n, next;
        uint64_t debt;   /* cycles DMAs took from compute on this buffer */
        uint64_t hi_max; /* no window recorded ends later (0 when zeroed) */
    } b[BUF_COUNT];
} sram_ports;

/* The busy time, at least occupancy, that an instruction starting at
 * start and using words[b] slots of each buffer needs with the ports'
 * other users (a DMA, dma != 0: always occupancy, its excess becomes the
 * buffers' debt); records its window [start, start + that time). */
uint64_t sram_ports_use(sram_ports *p, const arch_t *a, int dma, uint64_t start,
                        uint64_t occupancy, const uint64_t words[BUF_COUNT]);

#ifdef __cplusplus
}
#endif
#endif
