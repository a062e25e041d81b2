/* ISA-neutral BLIS-style blocking and packing for matmul, in plain C.
 *
 * Included by the x86 matmuls (simd/avx2/matmul.c, simd/avx512/matmul.c) so that it is compiled with
 * that ISA's flags; the ISA supplies a register-blocked microkernel for a full MR x NR tile and its
 * unpacked small-shape kernels (sg_gemm_isa below). Nothing here uses intrinsics. The NEON and SVE
 * matmuls (simd/neon/matmul.c, simd/sve/matmul.c) do not include it: they have their own
 * register-tiled loops, described at the top of those files.
 *
 * Bit-exactness: every C element must be acc = +0; acc = fmaf(a_p, b_p, acc) for p = 0..k-1 in
 * order. The loop nest therefore splits k only into consecutive KC blocks and carries the
 * accumulator through C: the first k block starts from +0, later blocks load what the previous
 * block stored (a float store/load is exact). k is never split into independent partial sums.
 *
 * Packed panels are zero-padded at the m/n edges, so the microkernel always runs a full tile;
 * edge tiles run on a local MR x NR scratch tile and only the valid mr x nr part is copied back,
 * so nothing outside C's m x n (with ldc) is written and nothing outside A/B is read. */
#ifndef SG_GEMM_DRIVER_H
#define SG_GEMM_DRIVER_H

#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <threads.h>

#include "sg_kernels_impl.h"
#include "simd/gemm_blocking.h"

/* Full-tile microkernel: for i < MR, j < NR:
 *   acc = first ? +0 : c[i*ldc + j]; for p < kc: acc = fma(ap[p*MR + i], bp[p*NR + j], acc);
 *   c[i*ldc + j] = acc. */
typedef void (*sg_gemm_ukernel_fn)(size_t kc, const float *ap, const float *bp, float *c, size_t ldc,
                                   int first);

/* ISA packing of one FULL panel (the edge panels take the generic loops below), each reading the
   stored matrix in its natural direction:
   pack_a: ap[p*mr + i] = op(A)[i0+i][p0+p] for i < mr, p < kc;
   pack_b: bp[p*nr + j] = op(B)[p0+p][j0+j] for j < nr, p < kc. */
typedef void (*sg_gemm_pack_a_fn)(sg_trans ta, const float *a, size_t lda, size_t i0, size_t p0, size_t kc,
                                  float *ap);
typedef void (*sg_gemm_pack_b_fn)(sg_trans tb, const float *b, size_t ldb, size_t p0, size_t j0, size_t kc,
                                  float *bp);

/* The entry points take the ISA's kernels as pointers to constants; forcing them inline lets the
   compiler call those kernels directly (measured: +4-6% instructions on TN shapes otherwise). */
#define SG_GEMM_INLINE static inline __attribute__((always_inline))

#define SG_GEMM_MAX_TILE 512 /* mr * nr upper bound for the edge scratch tile */

static inline size_t sg_gemm_min(size_t x, size_t y) { return x < y ? x : y; }

/* op(A)[ic.., pc..] (mc x kc) into mr-row panels: panel r holds ap[p*mr + i] = op(A)[ic+r*mr+i][pc+p]. */
SG_GEMM_INLINE void sg_gemm_pack_a(sg_gemm_pack_a_fn full, sg_trans ta, const float *a, size_t lda, size_t ic,
                                   size_t mc, size_t pc, size_t kc, size_t mr, float *ap)
{
    for (size_t ir = 0; ir < mc; ir += mr, ap += mr * kc) {
        const size_t rows = sg_gemm_min(mr, mc - ir);
        if (rows == mr && full) {
            full(ta, a, lda, ic + ir, pc, kc, ap);
            continue;
        }
        if (ta == SG_NO_TRANS) {
            /* A stored m x k: each row is contiguous in p, so read rows and scatter into the panel. */
            for (size_t i = 0; i < rows; i++) {
                const float *src = a + (ic + ir + i) * lda + pc;
                for (size_t p = 0; p < kc; p++)
                    ap[p * mr + i] = src[p];
            }
        } else {
            /* A stored k x m: op(A) columns are contiguous, a straight copy per p. */
            for (size_t p = 0; p < kc; p++) {
                const float *src = a + (pc + p) * lda + ic + ir;
                for (size_t i = 0; i < rows; i++)
                    ap[p * mr + i] = src[i];
            }
        }
        /* The microkernel reads the padding, so it must be written (valgrind); those lanes are
           never stored to C. */
        if (rows < mr)
            for (size_t p = 0; p < kc; p++)
                for (size_t i = rows; i < mr; i++)
                    ap[p * mr + i] = 0.0f;
    }
}

/* op(B)[pc.., jc..] (kc x nc) into nr-column panels: bp[p*nr + j] = op(B)[pc+p][jc+r*nr+j]. */
SG_GEMM_INLINE void sg_gemm_pack_b(sg_gemm_pack_b_fn full, sg_trans tb, const float *b, size_t ldb, size_t pc,
                                   size_t kc, size_t jc, size_t nc, size_t nr, float *bp)
{
    for (size_t jr = 0; jr < nc; jr += nr, bp += nr * kc) {
        const size_t cols = sg_gemm_min(nr, nc - jr);
        if (cols == nr && full) {
            full(tb, b, ldb, pc, jc + jr, kc, bp);
            continue;
        }
        if (tb == SG_NO_TRANS) {
            for (size_t p = 0; p < kc; p++) {
                const float *src = b + (pc + p) * ldb + jc + jr;
                for (size_t j = 0; j < cols; j++)
                    bp[p * nr + j] = src[j];
            }
        } else {
            /* B stored n x k: transpose while packing, reading each stored row contiguously. */
            for (size_t j = 0; j < cols; j++) {
                const float *src = b + (jc + jr + j) * ldb + pc;
                for (size_t p = 0; p < kc; p++)
                    bp[p * nr + j] = src[p];
            }
        }
        if (cols < nr)
            for (size_t p = 0; p < kc; p++)
                for (size_t j = cols; j < nr; j++)
                    bp[p * nr + j] = 0.0f;
    }
}

/* The block size <= max that cuts total into the fewest equal blocks, rounded up to a multiple of unit
   (still <= max when max is a multiple of unit, as the derived kc and mc are). */
static inline size_t sg_gemm_balance(size_t total, size_t max, size_t unit)
{
    const size_t blocks = (total + max - 1) / max;
    const size_t even = (total + blocks - 1) / blocks;
    return sg_gemm_min(max, (even + unit - 1) / unit * unit);
}

/* One kc-deep pass over an mr x nr tile of C that may be cut by the m/n edge. */
static inline void sg_gemm_tile(sg_gemm_ukernel_fn uk, const sg_matmul_blocking *bl, size_t kc,
                                const float *ap, const float *bp, float *c, size_t ldc, size_t rows,
                                size_t cols, int first)
{
    if (rows == bl->mr && cols == bl->nr) {
        uk(kc, ap, bp, c, ldc, first);
        return;
    }
    float tile[SG_GEMM_MAX_TILE];
    const size_t nr = bl->nr;
    memset(tile, 0, sizeof(float) * bl->mr * nr);
    if (!first)
        for (size_t i = 0; i < rows; i++)
            memcpy(tile + i * nr, c + i * ldc, sizeof(float) * cols);
    uk(kc, ap, bp, tile, nr, 0);
    for (size_t i = 0; i < rows; i++)
        memcpy(c + i * ldc, tile + i * nr, sizeof(float) * cols);
}

/* Prefetching the next C tile: the microkernel must load C before its first FMA (the chain continues
   from it, k in order), and from the second k block on those rows come from L3 or DRAM for large
   products; a whole call ahead (kc·mr·nr FMAs) hides that latency. */
#ifndef SG_GEMM_PREFETCH_C
#define SG_GEMM_PREFETCH_C 1
#endif
static inline void sg_gemm_prefetch_tile(const float *c, size_t ldc, size_t rows, size_t cols)
{
    for (size_t i = 0; i < rows; i++) {
        __builtin_prefetch(c + i * ldc, 1, 3);
        __builtin_prefetch(c + i * ldc + cols - 1, 1, 3);
    }
}

/* ---- The packing buffer: one per thread (and per including ISA file), kept between calls ----
   A fresh allocation per call (up to kc·(mc+nc) floats, MiBs) costs a malloc/free each time and, when
   the allocator hands the memory back to the system, page faults on the next call. The block lives in C11
   thread-specific storage whose destructor frees it when the thread exits; the main thread's block stays
   reachable until exit. Its first 64 bytes hold the capacity, so the floats after it stay 64-byte aligned. */
static tss_t sg_gemm_buf_key;
static int sg_gemm_buf_key_ok;
static once_flag sg_gemm_buf_once = ONCE_FLAG_INIT;
static void sg_gemm_buf_key_make(void)
{
    sg_gemm_buf_key_ok = tss_create(&sg_gemm_buf_key, free) == thrd_success;
}

/* floats of packing space, 64-byte aligned; NULL when it cannot be had. *owned: the caller frees the
   returned block (minus 64 bytes) itself, because thread-specific storage was not available. */
static inline float *sg_gemm_buffer(size_t floats, void **owned)
{
    const size_t bytes = 64 + (floats * sizeof(float) + 63) / 64 * 64;
    *owned = NULL;
    call_once(&sg_gemm_buf_once, sg_gemm_buf_key_make);
    size_t *blk = sg_gemm_buf_key_ok ? tss_get(sg_gemm_buf_key) : NULL;
    if (blk && blk[0] >= bytes)
        return (float *)((char *)blk + 64);
    if (blk) {
        tss_set(sg_gemm_buf_key, NULL);
        free(blk);
    }
    blk = aligned_alloc(64, bytes);
    if (!blk)
        return NULL;
    blk[0] = bytes;
    if (!sg_gemm_buf_key_ok || tss_set(sg_gemm_buf_key, blk) != thrd_success)
        *owned = blk;
    return (float *)((char *)blk + 64);
}

/* The blocked product. Returns 0 when done, -1 (nothing written) when the packing buffer could not be
   allocated, so the caller can fall back to an unpacked path. Requires m, n, k > 0. */
SG_GEMM_INLINE int sg_gemm_packed(sg_gemm_ukernel_fn uk, sg_gemm_pack_a_fn pack_a, sg_gemm_pack_b_fn pack_b,
                                  const sg_matmul_blocking *bl, sg_trans ta, sg_trans tb, size_t m, size_t n,
                                  size_t k, const float *a, size_t lda, const float *b, size_t ldb, float *c,
                                  size_t ldc)
{
    const size_t mr = bl->mr, nr = bl->nr;
    if (mr * nr > SG_GEMM_MAX_TILE) /* the edge scratch tile would not hold it: let the caller go unpacked */
        return -1;
    /* Equal blocks instead of full ones plus a thin remainder (k = 300 in 152 + 148, not 256 + 44; m =
       1024 in 5 x 210 rows, not 4 x 252 + 16): a thin k block pays the C load/store for few FMAs, and a
       thin m block streams a whole B micro-panel into L1 for one or two microkernel calls. */
    sg_matmul_blocking eq = *bl;
    eq.kc = sg_gemm_balance(k, bl->kc, 8);
    eq.mc = sg_gemm_balance(m, bl->mc, mr);
    bl = &eq;
    const size_t kc_max = sg_gemm_min(bl->kc, k);
    const size_t mc_max = sg_gemm_min(bl->mc, (m + mr - 1) / mr * mr);
    const size_t nc_max = sg_gemm_min(bl->nc, (n + nr - 1) / nr * nr);
    void *owned;
    float *buf = sg_gemm_buffer(kc_max * (mc_max + nc_max), &owned);
    if (!buf)
        return -1;
    /* B first: its panels (kc x nr) and the A block after it stay 64-byte aligned when nr is a
       multiple of 16. */
    float *bpack = buf, *apack = buf + kc_max * nc_max;

    for (size_t jc = 0; jc < n; jc += bl->nc) {
        const size_t nc = sg_gemm_min(bl->nc, n - jc);
        for (size_t pc = 0; pc < k; pc += bl->kc) {
            const size_t kc = sg_gemm_min(bl->kc, k - pc);
            const int first = pc == 0;
            sg_gemm_pack_b(pack_b, tb, b, ldb, pc, kc, jc, nc, nr, bpack);
            for (size_t ic = 0; ic < m; ic += bl->mc) {
                const size_t mc = sg_gemm_min(bl->mc, m - ic);
                sg_gemm_pack_a(pack_a, ta, a, lda, ic, mc, pc, kc, mr, apack);
                for (size_t jr = 0; jr < nc; jr += nr) {
                    const size_t cols = sg_gemm_min(nr, nc - jr);
                    const float *bp = bpack + jr * kc;
                    for (size_t ir = 0; ir < mc; ir += mr) {
                        const size_t rows = sg_gemm_min(mr, mc - ir);
                        if (SG_GEMM_PREFETCH_C) {
                            /* The next tile's C rows (down the column, else the top of the next one),
                               requested one whole microkernel call ahead of their load. */
                            const size_t ni = ir + mr < mc ? ir + mr : 0, nj = ir + mr < mc ? jr : jr + nr;
                            if (nj < nc)
                                sg_gemm_prefetch_tile(c + (ic + ni) * ldc + jc + nj, ldc,
                                                      sg_gemm_min(mr, mc - ni), sg_gemm_min(nr, nc - nj));
                        }
                        sg_gemm_tile(uk, bl, kc, apack + ir * kc, bp, c + (ic + ir) * ldc + jc + jr, ldc,
                                     rows, cols, first);
                    }
                }
            }
        }
    }
    free(owned);
    return 0;
}

/* ---- Unpacked paths: small shapes, where packing costs more than it saves ---- */

/* Vectors over n for a row-major B (row stride ldb): C[i][j] for all i < m, j < n. */
typedef void (*sg_gemm_rows_fn)(size_t m, size_t n, size_t k, const float *a, size_t a_row, size_t a_col,
                                const float *b, size_t ldb, float *c, size_t ldc);
/* Vectors over m for a transposed A (contiguous in m), used when n is narrow. */
typedef void (*sg_gemm_cols_fn)(size_t m, size_t n, size_t k, const float *a, size_t lda, const float *b,
                                size_t b_row, size_t b_col, float *c, size_t ldc);

/* Last resort (B transposed with k > TRANSPOSE_FLOATS and narrow n, or no packing buffer): one fmaf chain
   per output as in the reference, but four rows at a time so four independent chains overlap instead of
   each waiting on the FMA latency. */
static inline void sg_gemm_direct_scalar(size_t m, size_t n, size_t k, const float *a, size_t a_row,
                                         size_t a_col, const float *b, size_t b_row, size_t b_col, float *c,
                                         size_t ldc)
{
    size_t i = 0;
    for (; i + 4 <= m; i += 4)
        for (size_t j = 0; j < n; j++) {
            float acc0 = 0.0f, acc1 = 0.0f, acc2 = 0.0f, acc3 = 0.0f;
            const float *ai = a + i * a_row;
            for (size_t p = 0; p < k; p++) {
                const float bv = b[p * b_row + j * b_col];
                acc0 = fmaf(ai[p * a_col], bv, acc0);
                acc1 = fmaf(ai[a_row + p * a_col], bv, acc1);
                acc2 = fmaf(ai[2 * a_row + p * a_col], bv, acc2);
                acc3 = fmaf(ai[3 * a_row + p * a_col], bv, acc3);
            }
            c[i * ldc + j] = acc0;
            c[(i + 1) * ldc + j] = acc1;
            c[(i + 2) * ldc + j] = acc2;
            c[(i + 3) * ldc + j] = acc3;
        }
    for (; i < m; i++)
        for (size_t j = 0; j < n; j++) {
            float acc = 0.0f;
            for (size_t p = 0; p < k; p++)
                acc = fmaf(a[i * a_row + p * a_col], b[p * b_row + j * b_col], acc);
            c[i * ldc + j] = acc;
        }
}

#define SG_GEMM_TRANSPOSE_FLOATS 4096 /* 16 KiB stack buffer for op(B) chunks in the unpacked NT/TT path */

/* bt[p*nb + j] = b[j*ldb + p] for j < nb, p < k: nb stored rows of B (columns of op(B)) into row-major
   op(B). An ISA may supply a vector version (sg_gemm_isa.transpose); this is the generic one. */
typedef void (*sg_gemm_transpose_fn)(size_t nb, size_t k, const float *b, size_t ldb, float *bt);
static inline void sg_gemm_transpose_scalar(size_t nb, size_t k, const float *b, size_t ldb, float *bt)
{
    for (size_t j = 0; j < nb; j++)
        for (size_t p = 0; p < k; p++)
            bt[p * nb + j] = b[j * ldb + p];
}

/* Picks the unpacked path: over m when A is transposed and n narrower than cols_below, over n when B is
   row-major, else transposes op(B) in chunks (with transpose_fn, or the scalar loop when NULL) so the row
   kernel applies. */
SG_GEMM_INLINE void sg_gemm_direct(sg_gemm_rows_fn rows_fn, sg_gemm_cols_fn cols_fn,
                                   sg_gemm_transpose_fn transpose_fn, size_t cols_below, sg_trans ta,
                                   sg_trans tb, size_t m, size_t n, size_t k, const float *a, size_t lda,
                                   const float *b, size_t ldb, float *c, size_t ldc)
{
    const size_t a_row = ta == SG_NO_TRANS ? lda : 1, a_col = ta == SG_NO_TRANS ? 1 : lda;
    const size_t b_row = tb == SG_NO_TRANS ? ldb : 1, b_col = tb == SG_NO_TRANS ? 1 : ldb;
    if (ta == SG_TRANS && n < cols_below && m > n) {
        cols_fn(m, n, k, a, lda, b, b_row, b_col, c, ldc);
    } else if (tb == SG_NO_TRANS) {
        rows_fn(m, n, k, a, a_row, a_col, b, ldb, c, ldc);
    } else if (k <= SG_GEMM_TRANSPOSE_FLOATS) {
        /* op(B) columns are rows of the stored B: transpose a chunk of whole columns (all of k) into
           row-major form, then run the row kernel on that chunk of C. */
        float bt[SG_GEMM_TRANSPOSE_FLOATS];
        const size_t chunk = SG_GEMM_TRANSPOSE_FLOATS / k;
        for (size_t j0 = 0; j0 < n; j0 += chunk) {
            const size_t nb = sg_gemm_min(chunk, n - j0);
            (transpose_fn ? transpose_fn : sg_gemm_transpose_scalar)(nb, k, b + j0 * ldb, ldb, bt);
            rows_fn(m, nb, k, a, a_row, a_col, bt, nb, c + j0, ldc);
        }
    } else {
        sg_gemm_direct_scalar(m, n, k, a, a_row, a_col, b, b_row, b_col, c, ldc);
    }
}

/* One ISA's whole matmul: the empty and k = 0 cases, then the packed driver for shapes big enough to
   reuse each packed element (m >= min_m, n >= nr/2, op(A) beyond the tile spec's threshold: see
   simd/gemm_blocking.h), else (or when the packing buffer cannot be allocated) the unpacked paths. The
   matmul.c files fill it with designated initializers. */
typedef struct sg_gemm_isa {
    sg_gemm_tile_spec tile;     /* register tile and packing threshold; the cache blocks derive from it */
    sg_gemm_ukernel_fn ukernel; /* full mr x nr tile of the packed path */
    sg_gemm_pack_a_fn pack_a;   /* full-panel packing, or NULL for the generic loops */
    sg_gemm_pack_b_fn pack_b;
    sg_gemm_rows_fn rows;           /* unpacked, vectors over n (sg_gemm_direct) */
    sg_gemm_cols_fn cols;           /* unpacked, vectors over m for a transposed A ... */
    size_t cols_below;              /* ... used when n < cols_below (and m > n) */
    sg_gemm_transpose_fn transpose; /* unpacked NT/TT: op(B) chunks into row-major form; NULL: scalar loop */
} sg_gemm_isa;

/* The packed path when the product is large enough for it: 0 done, -1 not taken (nothing written).
   Out of line so that its frame (blocking, cache sizes) is not set up on every tiny call: inlined,
   it cost the training task's products 10 instructions a call. */
static __attribute__((noinline)) int sg_gemm_try_packed(const sg_gemm_isa *isa, sg_trans ta, sg_trans tb,
                                                        size_t m, size_t n, size_t k, const float *a,
                                                        size_t lda, const float *b, size_t ldb, float *c,
                                                        size_t ldc)
{
    sg_cache_sizes cs;
    sg_cache_sizes_get(&cs);
    if ((double)m * (double)k * sizeof(float) <= (double)sg_gemm_pack_min_a_bytes(&isa->tile, &cs, tb))
        return -1;
    sg_matmul_blocking bl;
    sg_gemm_derive(&isa->tile, &cs, &bl);
    return sg_gemm_packed(isa->ukernel, isa->pack_a, isa->pack_b, &bl, ta, tb, m, n, k, a, lda, b, ldb, c,
                          ldc);
}

SG_GEMM_INLINE void sg_gemm_matmul(const sg_gemm_isa *isa, sg_trans ta, sg_trans tb, size_t m, size_t n,
                                   size_t k, const float *a, size_t lda, const float *b, size_t ldb, float *c,
                                   size_t ldc)
{
    if (m == 0 || n == 0)
        return;
    if (k == 0) {
        for (size_t i = 0; i < m; i++)
            for (size_t j = 0; j < n; j++)
                c[i * ldc + j] = 0.0f;
        return;
    }
    /* The cheap tests first: the training task's tiny products never look at the cache sizes. */
    if (m >= isa->tile.min_m && n >= isa->tile.nr / 2 &&
        sg_gemm_try_packed(isa, ta, tb, m, n, k, a, lda, b, ldb, c, ldc) == 0)
        return;
    sg_gemm_direct(isa->rows, isa->cols, isa->transpose, isa->cols_below, ta, tb, m, n, k, a, lda, b, ldb, c,
                   ldc);
}

#endif
