// arch_pin.h - architectures for tests that depend on figures, pinned here
// rather than taken from the embedded default (which moves to realistic
// design points): the LUT array of the LUT Tensor Core sweep and an ideal
// memory system.
#ifndef ARCH_PIN_H
#define ARCH_PIN_H

#include <cstdio>

#include "arch.h"

// 8 cores of M2 N64 K4 tiles at 1 GHz (512 MACs a cycle at 8 bits), the
// buffers of the LUT Tensor Core sweep, one-cycle SRAM passes.
inline void pin_lut_array(arch_t *a)
{
    a->clock_ghz = 1.0;
    a->lut_cores = 8;
    a->tile_m = 2;
    a->tile_n = 64;
    a->tile_k = 4;
    a->buf[BUF_TBL].kib = 16;
    a->buf[BUF_OUT].kib = 256;
    a->buf[BUF_ACT].kib = 256;
    a->buf[BUF_WGT].kib = 512;
    a->sram_ideal = 1;
}

// The ideal DRAM bus at 64 B/cycle (64 GB/s at 1 GHz), latency 100 cycles,
// 64-byte bursts, one DMA queue with no limit on transfers in flight.
inline void pin_ideal_memory(arch_t *a)
{
    std::snprintf(a->dram_model, sizeof a->dram_model, "ideal");
    a->clock_ghz = 1.0;
    a->dram_gbps = 64.0;
    a->dram_latency = 100;
    a->dram_burst = 64;
    a->dma_engines = 1;
    a->dma_max_outstanding = 0;
}

#endif
