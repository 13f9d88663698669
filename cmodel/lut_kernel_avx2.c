/* lut_kernel_avx2.c - the AVX2 look-up kernel (T-MAC style byte shuffles).
 *
 * Same integers as lut_kernel_portable; only the order of the (exact) integer
 * additions differs.  A table of at most 16 int16 entries (tk <= 5) is looked
 * up for 16 weight columns at once with vpshufb.  The 16 index bytes are
 * duplicated into 16-bit lanes (lane k = column k), then:
 *
 *  - tk <= 4 (at most 8 entries): one 16-byte table holds the low bytes of the
 *    entries in bytes 0..7 and the high bytes in bytes 8..15; the lane's
 *    control bytes (e, e | 8) make one vpshufb yield the whole int16 entry.
 *  - tk == 5 (16 entries): a low-byte and a high-byte table; controls
 *    (e, 0x80) and (0x80, e) (0x80 zeroes a byte), two vpshufb, one OR.
 *
 * The negate bit becomes a vpsignw operand: the duplicated index lane with
 * a low bit set is never zero and negative exactly when bit 7 is set.
 * Bit-planes 0..P-1 use tables pre-shifted by the plane and sum in int16 for
 * up to F chunks, P and F chosen from the largest table magnitude of the
 * call so that no int16 sum can overflow, then widen into int32.  Higher
 * planes (wide weights only) widen every look-up and shift it in int32.
 * A table entry of -32768 (which int16 cannot negate) sends the call to the
 * portable kernel.
 *
 * Loop order (streaming): for each block of SB columns, walk every (chunk,
 * plane) row of index bytes contiguously, two rows at a time, with the R
 * rows' tables in registers and the int16 sums in an L1-resident scratch;
 * each index vector is prepared once and shared by the R rows, and the next
 * rows are prefetched.  (Keeping a 32-column block's sums in registers over
 * all chunks instead walks 2 * chunks rows 4 KiB apart at once, which the
 * caches and prefetchers handle badly: measured 1.5x slower.)  Columns past
 * the last multiple of 32 take a scalar tail with the portable arithmetic.
 */
#include "lut_kernel.h"

#ifdef LUT_HAVE_AVX2_KERNEL
#include <immintrin.h>
#include <string.h>

enum {
    VBLK = 32,     /* the vector columns are a multiple of this */
    CB_MAX = 32,   /* chunks whose tables are prepared at once (at most) */
    MAX_R = 4,     /* rows per call (the driver's ROW_BLOCK) */
    MAX_TABS = MAX_R * CB_MAX * LUT_MAX_WBITS * 2
};

/* Columns per streaming block: the int16 scratch is SB * R * 2 bytes. */
#define SB 1024
#define AVX2_FN static __attribute__((target("avx2")))
#define AVX2_INLINE static inline __attribute__((target("avx2"), always_inline))

/* Index vectors of one (chunk, plane) for 16 columns, shared by all rows:
 * 16-bit lane k belongs to column k; d holds its index byte in both halves
 * and e = idx & LUT_IDX_MASK (bits 3..6, resp. 4..6, are zero for tk <= 4,
 * resp. tk == 5, since the entry number is below 2^(tk-1)). */
typedef struct {
    __m256i elo; /* tk <= 4: (e, e | 8); tk == 5: (e, 0x80) */
    __m256i ehi; /* tk == 5 only: (0x80, e) */
    __m256i s;   /* vpsignw operand: d | 0x0808 (tk <= 4), d | 1 (tk == 5) */
} idx_prep;

AVX2_INLINE void prep_idx(const uint8_t *p, int wideE, __m256i dup, idx_prep *x)
{
    const __m256i d = _mm256_shuffle_epi8(
        _mm256_broadcastsi128_si256(_mm_loadu_si128((const __m128i *)p)), dup);
    if (wideE) {
        __m256i e = _mm256_and_si256(d, _mm256_set1_epi16(0x0F0F));
        x->elo = _mm256_or_si256(e, _mm256_set1_epi16((short)0x8000));
        x->ehi = _mm256_or_si256(e, _mm256_set1_epi16(0x0080));
        x->s = _mm256_or_si256(d, _mm256_set1_epi16(1));
    } else {
        /* s = (idx | 8, idx | 8): never zero, negative iff bit 7 is set;
         * masking it gives (e, e | 8) since entry numbers are below 8. */
        __m256i sg = _mm256_or_si256(d, _mm256_set1_epi16(0x0808));
        /* Keep gcc from rewriting (d | a) & b as (d & b) | c: one op more. */
        __asm__("" : "+x"(sg));
        x->s = sg;
        x->elo = _mm256_and_si256(sg, _mm256_set1_epi16(0x0F07));
        x->ehi = x->elo;
    }
}

/* Adds (or, if first, stores) one row's int16 sums plus its int32
 * wide-plane sums into out[0..15]. */
AVX2_INLINE void flush_row(int32_t *out, __m256i a, const __m256i *wide,
                           int have_wide, int first)
{
    __m256i v0 = _mm256_cvtepi16_epi32(_mm256_castsi256_si128(a));
    __m256i v1 = _mm256_cvtepi16_epi32(_mm256_extracti128_si256(a, 1));
    if (have_wide) {
        v0 = _mm256_add_epi32(v0, wide[0]);
        v1 = _mm256_add_epi32(v1, wide[1]);
    }
    if (!first) {
        v0 = _mm256_add_epi32(v0, _mm256_loadu_si256((const __m256i *)out));
        v1 = _mm256_add_epi32(v1, _mm256_loadu_si256((const __m256i *)(out + 8)));
    }
    _mm256_storeu_si256((__m256i *)out, v0);
    _mm256_storeu_si256((__m256i *)(out + 8), v1);
}

/* Signed int16 entries of 16 columns from table registers tl/th. */
AVX2_INLINE __m256i lookup_reg(__m256i tl, __m256i th, int wideE, const idx_prep *x)
{
    __m256i v;
    if (wideE)
        v = _mm256_or_si256(_mm256_shuffle_epi8(tl, x->elo), _mm256_shuffle_epi8(th, x->ehi));
    else
        v = _mm256_shuffle_epi8(tl, x->elo);
    return _mm256_sign_epi16(v, x->s);
}

/* Scratch row stride: SB plus a cache line, so that rows do not alias
 * modulo 4 KiB (stores to one row would stall loads from the next). */
#define SC_STRIDE (SB + 32)
#define WD_STRIDE (SB + 16)

/* Q consecutive (chunk, plane) rows of indices (ip, ip + n, ...; tables tt,
 * tt + R*K, ...) over len columns, added to the int16 sums: the scratch is
 * loaded and stored once per Q rows.  next: the rows to prefetch, or NULL. */
AVX2_INLINE void stream_narrow(const uint8_t *ip, size_t n, const uint8_t *next, int len,
                               const __m128i *tt, int R, int Q, int wideE, int16_t *sc)
{
    const int K = wideE ? 2 : 1;
    const __m256i dup = _mm256_setr_epi8(0, 0, 1, 1, 2, 2, 3, 3, 4, 4, 5, 5, 6, 6, 7, 7,
                                         8, 8, 9, 9, 10, 10, 11, 11, 12, 12, 13, 13, 14, 14, 15, 15);
    __m256i tl[2][MAX_R], th[2][MAX_R];
#pragma GCC unroll 2
    for (int q = 0; q < Q; q++)
#pragma GCC unroll 4
        for (int r = 0; r < R; r++) {
            const __m128i *p = tt + (q * R + r) * K;
            tl[q][r] = _mm256_broadcastsi128_si256(_mm_load_si128(p));
            th[q][r] = wideE ? _mm256_broadcastsi128_si256(_mm_load_si128(p + 1)) : tl[q][r];
        }
    for (int col = 0; col < len; col += 32) {
        if (next) {
#pragma GCC unroll 2
            for (int q = 0; q < Q; q++)
                _mm_prefetch((const char *)(next + q * n + col), _MM_HINT_T0);
        }
#pragma GCC unroll 2
        for (int h = 0; h < 2; h++) {
            idx_prep x[2];
#pragma GCC unroll 2
            for (int q = 0; q < Q; q++)
                prep_idx(ip + q * n + col + 16 * h, wideE, dup, &x[q]);
#pragma GCC unroll 4
            for (int r = 0; r < R; r++) {
                __m256i *a = (__m256i *)(sc + r * SC_STRIDE + col + 16 * h);
                __m256i v = lookup_reg(tl[0][r], th[0][r], wideE, &x[0]);
                if (Q > 1)
                    v = _mm256_add_epi16(v, lookup_reg(tl[1][r], th[1][r], wideE, &x[1]));
                *a = _mm256_add_epi16(*a, v);
            }
        }
    }
}

/* A plane too wide for int16 sums: widen each look-up and shift in int32. */
AVX2_INLINE void stream_wide(const uint8_t *ip, int len, const __m128i *tt, int R,
                             int wideE, int plane, int32_t *wd)
{
    const int K = wideE ? 2 : 1;
    const __m256i dup = _mm256_setr_epi8(0, 0, 1, 1, 2, 2, 3, 3, 4, 4, 5, 5, 6, 6, 7, 7,
                                         8, 8, 9, 9, 10, 10, 11, 11, 12, 12, 13, 13, 14, 14, 15, 15);
    const __m128i sh = _mm_cvtsi32_si128(plane);
    for (int r = 0; r < R; r++) {
        __m256i tl = _mm256_broadcastsi128_si256(_mm_load_si128(tt + r * K));
        __m256i th = wideE ? _mm256_broadcastsi128_si256(_mm_load_si128(tt + r * K + 1)) : tl;
        for (int col = 0; col < len; col += 16) {
            idx_prep x;
            prep_idx(ip + col, wideE, dup, &x);
            __m256i v = lookup_reg(tl, th, wideE, &x);
            __m256i *a = (__m256i *)(wd + r * WD_STRIDE + col);
            a[0] = _mm256_add_epi32(a[0], _mm256_sll_epi32(
                _mm256_cvtepi16_epi32(_mm256_castsi256_si128(v)), sh));
            a[1] = _mm256_add_epi32(a[1], _mm256_sll_epi32(
                _mm256_cvtepi16_epi32(_mm256_extracti128_si256(v, 1)), sh));
        }
    }
}

/* Streaming order: for each super-block of SB columns, every (chunk, plane)
 * row of indices is walked contiguously, with the R tables in registers and
 * the sums in an L1-resident scratch.  The next index row is prefetched
 * while the current one is consumed. */
AVX2_INLINE void run_stream(const lut_packed *w, int cb, int nc, int P,
                            const __m128i *tv, int R, int wideE, int first,
                            int32_t *acc2, int nv, int16_t *sc, int32_t *wd)
{
    const size_t n = (size_t)w->n;
    const int bits = w->cfg.wtype.bits;
    const int K = wideE ? 2 : 1;
    const int have_wide = P < bits;
    for (int s0 = 0; s0 < nv; s0 += SB) {
        const int len = (nv - s0 < SB) ? nv - s0 : SB;
        for (int r = 0; r < R; r++)
            memset(sc + r * SC_STRIDE, 0, sizeof(int16_t) * (size_t)len);
        if (have_wide)
            for (int r = 0; r < R; r++)
                memset(wd + r * WD_STRIDE, 0, sizeof(int32_t) * (size_t)len);
        const uint8_t *ip = w->idx + (size_t)cb * bits * n + (size_t)s0;
        const __m128i *t = tv;
        if (!have_wide) {
            /* Every plane is narrow: the rows (chunk, plane) in order, two
             * at a time; tables are in the same order. */
            const int rows = nc * bits;
            int j = 0;
            for (; j + 2 <= rows; j += 2, ip += 2 * n, t += 2 * R * K)
                stream_narrow(ip, n, j + 2 < rows ? ip + 2 * n : NULL, len, t, R, 2, wideE, sc);
            if (j < rows)
                stream_narrow(ip, n, NULL, len, t, R, 1, wideE, sc);
        } else for (int c = 0; c < nc; c++) {
            const __m128i *tc = t; /* plane-0 (unshifted) tables of this chunk */
            for (int i = 0; i < bits; i++, ip += n) {
                const int last = (c == nc - 1 && i == bits - 1);
                if (i < P) {
                    stream_narrow(ip, n, last ? NULL : ip + n, len, t, R, 1, wideE, sc);
                    t += R * K;
                } else {
                    stream_wide(ip, len, tc, R, wideE, i, wd);
                }
            }
        }
        for (int r = 0; r < R; r++)
            for (int col = 0; col < len; col += 16) {
                __m256i a = _mm256_load_si256((const __m256i *)(sc + r * SC_STRIDE + col));
                flush_row(acc2 + r * n + s0 + col, a,
                          have_wide ? (const __m256i *)(wd + r * WD_STRIDE + col) : NULL,
                          have_wide, first);
            }
    }
}

/* Scalar columns [col_lo, n) over all chunks, exactly as the portable kernel. */
static void tail_cols(const lut_packed *w, int c0, int c1, const lut_entry_t *tabs,
                      int R, int32_t *acc2, int col_lo)
{
    const int n = w->n, bits = w->cfg.wtype.bits;
    const int E = lut_table_entries(w->cfg.tk), nchunks = w->nchunks;
    for (int r = 0; r < R; r++)
        for (int col = col_lo; col < n; col++)
            acc2[(size_t)r * n + col] = 0;
    for (int c = c0; c < c1; c++) {
        for (int i = 0; i < bits; i++) {
            const uint8_t *idx = w->idx + ((size_t)c * bits + i) * n;
            for (int r = 0; r < R; r++) {
                const lut_entry_t *t = tabs + ((size_t)r * nchunks + c) * E;
                int32_t *acc = acc2 + (size_t)r * n;
                for (int col = col_lo; col < n; col++)
                    acc[col] = lut_shift_acc(acc[col], lut_lookup(t, idx[col]), i);
            }
        }
    }
}

/* The first min(E, 8) entries of a table (E = 2, 4, 8 or 16), zero-padded. */
AVX2_INLINE __m128i load_entries(const lut_entry_t *t, int E)
{
    if (E >= 8)
        return _mm_loadu_si128((const __m128i *)t);
    if (E == 4)
        return _mm_loadl_epi64((const __m128i *)t);
    int32_t v;
    memcpy(&v, t, sizeof v);
    return _mm_cvtsi32_si128(v);
}

/* Byte tables of chunks [cb, cb+nc), planes s < P, rows r < R, in the order
 * the kernels read them: [chunk][plane][row], 16 bytes each (tk <= 4: low
 * bytes of the entries in 0..7, high bytes in 8..15) or 2 x 16 (tk == 5:
 * low bytes, then high bytes).  Entries shifted by s still fit int16 by the
 * choice of P. */
AVX2_INLINE void prep_tables(const lut_packed *w, int cb, int nc, int P,
                             const lut_entry_t *tabs, int R, int wideE, __m128i *tv)
{
    const int E = lut_table_entries(w->cfg.tk), nchunks = w->nchunks;
    const __m128i split = _mm_setr_epi8(0, 2, 4, 6, 8, 10, 12, 14, 1, 3, 5, 7, 9, 11, 13, 15);
    for (int c = 0; c < nc; c++)
        for (int s = 0; s < P; s++) {
            const __m128i sh = _mm_cvtsi32_si128(s);
            for (int r = 0; r < R; r++) {
                const lut_entry_t *t = tabs + ((size_t)r * nchunks + cb + c) * E;
                __m128i a = _mm_shuffle_epi8(_mm_sll_epi16(load_entries(t, E), sh), split);
                if (wideE) {
                    __m128i b = _mm_shuffle_epi8(
                        _mm_sll_epi16(_mm_loadu_si128((const __m128i *)(t + 8)), sh), split);
                    _mm_store_si128(tv++, _mm_unpacklo_epi64(a, b));
                    _mm_store_si128(tv++, _mm_unpackhi_epi64(a, b));
                } else {
                    _mm_store_si128(tv++, a);
                }
            }
        }
}

/* Largest |entry| of the tables of rows < R, chunks [c0, c1) (32768 for
 * -32768). */
AVX2_INLINE int32_t table_max(const lut_entry_t *tabs, int nchunks, int E, int R, int c0, int c1)
{
    __m128i m = _mm_setzero_si128();
    for (int r = 0; r < R; r++)
        for (int c = c0; c < c1; c++) {
            const lut_entry_t *t = tabs + ((size_t)r * nchunks + c) * E;
            /* abs(-32768) is 0x8000: the unsigned maximum keeps it. */
            m = _mm_max_epu16(m, _mm_abs_epi16(load_entries(t, E)));
            if (E > 8)
                m = _mm_max_epu16(m, _mm_abs_epi16(_mm_loadu_si128((const __m128i *)(t + 8))));
        }
    m = _mm_max_epu16(m, _mm_srli_si128(m, 8));
    m = _mm_max_epu16(m, _mm_srli_si128(m, 4));
    m = _mm_max_epu16(m, _mm_srli_si128(m, 2));
    return (int32_t)(uint16_t)_mm_extract_epi16(m, 0);
}

/* R and wideE become compile-time constants of each inlined copy. */
AVX2_FN void run_dispatch(const lut_packed *w, int cb, int nc, int P, const __m128i *tv,
                          int R, int wideE, int first, int32_t *acc2, int nv,
                          int16_t *sc, int32_t *wd)
{
#define RS(RR, WE) run_stream(w, cb, nc, P, tv, RR, WE, first, acc2, nv, sc, wd)
    if (wideE) {
        switch (R) {
        case 1: RS(1, 1); break;
        case 2: RS(2, 1); break;
        case 3: RS(3, 1); break;
        default: RS(4, 1); break;
        }
    } else {
        switch (R) {
        case 1: RS(1, 0); break;
        case 2: RS(2, 0); break;
        case 3: RS(3, 0); break;
        default: RS(4, 0); break;
        }
    }
#undef RS
}

__attribute__((target("avx2")))
void lut_kernel_avx2(const lut_packed *w, int c0, int c1,
                     const lut_entry_t *tabs, int R, int32_t *acc2)
{
    const int n = w->n, bits = w->cfg.wtype.bits, tk = w->cfg.tk;
    const int E = lut_table_entries(tk), nchunks = w->nchunks;
    if (tk > 5 || R < 1 || R > MAX_R || c1 <= c0) {
        lut_kernel_portable(w, c0, c1, tabs, R, acc2);
        return;
    }
    /* Largest table magnitude of this call decides the int16 plan. */
    const int32_t vmax = table_max(tabs, nchunks, E, R, c0, c1);
    if (vmax > INT16_MAX) { /* -32768 cannot be negated in int16 */
        lut_kernel_portable(w, c0, c1, tabs, R, acc2);
        return;
    }
    /* P: planes whose shifted entries sum in int16 within one chunk;
     * F: chunks such a sum may span. */
    int P = 1;
    while (P < bits && (int64_t)((1 << (P + 1)) - 1) * vmax <= INT16_MAX)
        P++;
    int64_t per_chunk = (int64_t)((1 << P) - 1) * vmax;
    int F = per_chunk ? (int)(INT16_MAX / per_chunk) : CB_MAX;
    if (F > CB_MAX)
        F = CB_MAX;
    const int wideE = E > 8;
    const int nv = n - n % VBLK;

    _Alignas(32) __m128i tv[MAX_TABS];
    _Alignas(32) int16_t sc[MAX_R * SC_STRIDE];
    _Alignas(32) int32_t wd[MAX_R * WD_STRIDE];
    const int total = c1 - c0;
    const int nblocks = (total + F - 1) / F;
    const int per = (total + nblocks - 1) / nblocks; /* balanced block size */
    if (nv > 0) {
        for (int cb = c0; cb < c1; cb += per) {
            int nc = (c1 - cb < per) ? c1 - cb : per;
            prep_tables(w, cb, nc, P, tabs, R, wideE, tv);
            run_dispatch(w, cb, nc, P, tv, R, wideE, cb == c0, acc2, nv, sc, wd);
        }
    }
    if (nv < n)
        tail_cols(w, c0, c1, tabs, R, acc2, nv);
}
#endif
