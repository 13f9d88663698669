/* ifetch.h - instruction fetch through an instruction buffer
 * (issue.ibuf_entries): the program streams from DRAM ahead of dispatch.
 *
 * Rules.  The fetcher reads the program in order, one block at a time: as
 * many 16-byte instructions as one DRAM burst holds (at least one, at most
 * the buffer), moved as the whole bursts it touches.  A block's request waits until the
 * buffer has room for all of it (an entry frees when its instruction
 * dispatches); its data then takes the DRAM bus like a DMA load (the caller
 * schedules it) and arrives after the latency.  An instruction dispatches
 * no earlier than its block's arrival.  Fetches never wait for each other's
 * data (the fetcher is pipelined), so a buffer of E entries hides
 * E x 16 B / latency of bandwidth.  Library code: no I/O.
 */
#ifndef IFETCH_H
#define IFETCH_H

#include <stdint.h>

#include "arch.h"

/* DRAM address of the program (instruction i at IFETCH_BASE + 16 i):
 * away from the data a compiled program uses, for a device's row buffers. */
#define IFETCH_BASE ((uint64_t)3 << 30)
#define IFETCH_INSTR_BYTES 16

typedef struct {
    uint64_t entries;     /* E; 0: fetch is free */
    uint64_t per_block;   /* instructions per fetch */
    uint64_t *disp;       /* dispatch cycle of the last E instructions */
    uint64_t *arr;        /* arrival cycle of the E instructions ahead */
    uint64_t blocks;      /* blocks requested so far */
    uint64_t last_req;    /* request cycle of the latest block */
} ifetch;

/* 0, or -1 when memory runs out. */
int ifetch_init(ifetch *f, const arch_t *a);
void ifetch_free(ifetch *f);
/* Whether the next block of a program of n instructions can be requested
 * once `dispatched` instructions have dispatched (the buffer has room for
 * it); if so *req is its request cycle (room, and after the previous
 * request) and *addr, *bytes what it reads.  The fetcher runs ahead:
 * call it after every dispatch, and record each block with ifetch_fetched. */
int ifetch_next(const ifetch *f, uint64_t n, uint64_t dispatched, uint64_t *req,
                uint64_t *addr, uint64_t *bytes);
void ifetch_fetched(ifetch *f, uint64_t req, uint64_t arrival);
/* The earliest dispatch of instruction i (its block's arrival; 0 when fetch
 * is free); record its dispatch cycle with ifetch_dispatched. */
uint64_t ifetch_ready(const ifetch *f, uint64_t i);
void ifetch_dispatched(ifetch *f, uint64_t i, uint64_t disp);

#endif
