/* dram_map.h - physical address -> DRAM coordinates (channel, bank group,
 * bank, row, column), as a mixed-radix number.
 *
 * A mapping names the five fields from the most to the least significant,
 * separated by colons, each exactly once:
 *     ro  row             rows per bank
 *     ba  bank            banks per bank group
 *     bg  bank group      bank groups
 *     co  column          row_bytes / burst_bytes bursts per row
 *     ch  channel         channels
 * Below the last field is the byte within a burst.  So "ro:ba:co:bg:ch" sends
 * consecutive bursts to consecutive channels, then bank groups (so a stream
 * alternates bank groups and is not held to tCCD_L), then columns of one
 * row; "ro:ch:ba:bg:co" (DRAMsim3's DDR4 order without ranks) keeps a whole
 * row contiguous.  Counts need not be powers of two (the digits are
 * remainders); addresses beyond the device's capacity wrap.
 */
#ifndef DRAM_MAP_H
#define DRAM_MAP_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

enum { DRAM_F_RO = 0, DRAM_F_BA, DRAM_F_BG, DRAM_F_CO, DRAM_F_CH, DRAM_F_COUNT };

typedef struct {
    int field[DRAM_F_COUNT];       /* digit i (least significant first) holds this field */
    uint32_t radix[DRAM_F_COUNT];  /* size of digit i */
    int8_t shift[DRAM_F_COUNT];    /* log2 of radix[i] if a power of two, else -1 */
    int8_t burst_shift;            /* log2 of burst_bytes if a power of two, else -1 */
    uint64_t burst_bytes;
} dram_map;

/* Parses text for a device of these sizes; 0, or -1 with a message. */
int dram_map_init(dram_map *m, const char *text, uint32_t rows, uint32_t banks_per_group,
                  uint32_t bankgroups, uint32_t columns, uint32_t channels,
                  uint64_t burst_bytes, char *err, size_t errlen);

/* The digits of the burst holding byte addr (least significant first). */
void dram_map_digits(const dram_map *m, uint64_t addr, uint32_t digit[DRAM_F_COUNT]);
/* Digits from..4 of burst b, given x = b over the radices of the digits
 * below `from` (whose digits the caller has). */
void dram_map_digits_from(const dram_map *m, uint64_t x, int from, uint32_t digit[DRAM_F_COUNT]);

/* Advances digits to the next burst address. */
static inline void dram_map_next(const dram_map *m, uint32_t digit[DRAM_F_COUNT])
{
    for (int i = 0; i < DRAM_F_COUNT; i++) {
        if (++digit[i] < m->radix[i])
            return;
        digit[i] = 0;
    }
}

/* One channel's bursts, in address order: the digits other than digit
 * `fixed` (the channel's) count up as one mixed-radix number. */
static inline void dram_map_next_in(const dram_map *m, uint32_t digit[DRAM_F_COUNT], int fixed)
{
    for (int i = 0; i < DRAM_F_COUNT; i++) {
        if (i == fixed)
            continue;
        if (++digit[i] < m->radix[i])
            return;
        digit[i] = 0;
    }
}

/* Advances that count by n (fixed -1: the address's own count). */
void dram_map_add_in(const dram_map *m, uint32_t digit[DRAM_F_COUNT], int fixed, uint64_t n);

/* Bursts of [b0, b1) (burst indices) whose digit `fixed` is v; the digits of
 * the first in first (when there is one). */
uint64_t dram_map_count_in(const dram_map *m, uint64_t b0, uint64_t b1, int fixed, uint32_t v,
                           uint32_t first[DRAM_F_COUNT]);

/* Steps of the count that keep every digit from index `upto` on (other than
 * `fixed`) as it is now, counting the current one. */
uint64_t dram_map_steps_below(const dram_map *m, const uint32_t digit[DRAM_F_COUNT], int fixed,
                              int upto);

#ifdef __cplusplus
}
#endif
#endif
