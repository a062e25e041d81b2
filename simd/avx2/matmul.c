/* matmul, AVX2 + FMA: a 6x16 register-blocked microkernel under the shared BLIS-style driver for large
 * shapes, and unpacked paths for small shapes, where packing would cost more than the product.
 *
 * Every output is one sequential chain acc = fma(a_p, b_p, acc), p = 0..k-1, starting from +0:
 * vectors always run ACROSS outputs (over n, or over m when A is transposed), never across k. */
#include <immintrin.h>
#include <stdint.h>

#include "sg_kernels_impl.h"
#include "simd/avx2/gemm_pack.h"
#include "simd/avx2/tail_mask.h"
#include "simd/gemm_driver.h"

#define MR SG_GEMM_AVX2_MR
#define NR SG_GEMM_AVX2_NR

/* 12 ymm accumulators + 2 B vectors + 1 broadcast: 15 of the 16 registers. The accumulators are named
   variables, not an array: gcc kept an array in memory and stored it back every k step. */
#define UK_ROWS(X) X(0) X(1) X(2) X(3) X(4) X(5)
static void ukernel_6x16(size_t kc, const float *ap, const float *bp, float *c, size_t ldc, int first)
{
#define UK_DECL(i) __m256 c##i##0, c##i##1;
    UK_ROWS(UK_DECL)
    if (first) {
#define UK_ZERO(i) c##i##0 = c##i##1 = _mm256_setzero_ps();
        UK_ROWS(UK_ZERO)
    } else {
#define UK_LOAD(i)                                                                                           \
    c##i##0 = _mm256_loadu_ps(c + i * ldc);                                                                  \
    c##i##1 = _mm256_loadu_ps(c + i * ldc + 8);
        UK_ROWS(UK_LOAD)
    }
#pragma GCC unroll 4
    for (size_t p = 0; p < kc; p++, ap += MR, bp += NR) {
        const __m256 b0 = _mm256_loadu_ps(bp), b1 = _mm256_loadu_ps(bp + 8);
#define UK_FMA(i)                                                                                            \
    {                                                                                                        \
        const __m256 av = _mm256_broadcast_ss(ap + i);                                                       \
        c##i##0 = _mm256_fmadd_ps(av, b0, c##i##0);                                                          \
        c##i##1 = _mm256_fmadd_ps(av, b1, c##i##1);                                                          \
    }
        UK_ROWS(UK_FMA)
    }
#define UK_STORE(i)                                                                                          \
    _mm256_storeu_ps(c + i * ldc, c##i##0);                                                                  \
    _mm256_storeu_ps(c + i * ldc + 8, c##i##1);
    UK_ROWS(UK_STORE)
}

/* Column vectors for the unpacked row kernel. Only n < 8 needs a partial vector (exact-width moves,
   tail_mask.h); otherwise a ragged edge is covered by a full vector that overlaps columns already done.
   Recomputing them gives the same bits (same chain, same order) and C does not alias A or B. */
static inline __m256 ld8(size_t r, const float *p)
{
    return r >= 8 ? _mm256_loadu_ps(p) : sg_avx2_load_partial(p, r);
}
static inline void st8(size_t r, float *p, __m256 v)
{
    if (r >= 8)
        _mm256_storeu_ps(p, v);
    else
        sg_avx2_store_partial(p, r, v);
}

/* Rows i..i+3 of C: vector 0 at column 0 and, when V == 2, vector 1 at column o1 (8, or less when it
   overlaps vector 0). 4*V independent chains over k, in named registers (gcc kept an array in memory).
   V and w are constants at every call site except n < 8. */
static inline __attribute__((always_inline)) void rows_block4(int V, size_t w, size_t o1, size_t k,
                                                              const float *a, size_t a_row, size_t a_col,
                                                              const float *b, size_t ldb, float *c,
                                                              size_t ldc)
{
    __m256 x0 = _mm256_setzero_ps(), x1 = x0, x2 = x0, x3 = x0, y0 = x0, y1 = x0, y2 = x0, y3 = x0;
    for (size_t p = 0; p < k; p++) {
        const __m256 b0 = ld8(w, b + p * ldb);
        const __m256 a0 = _mm256_broadcast_ss(a + p * a_col), a1 = _mm256_broadcast_ss(a + a_row + p * a_col);
        const __m256 a2 = _mm256_broadcast_ss(a + 2 * a_row + p * a_col);
        const __m256 a3 = _mm256_broadcast_ss(a + 3 * a_row + p * a_col);
        x0 = _mm256_fmadd_ps(a0, b0, x0);
        x1 = _mm256_fmadd_ps(a1, b0, x1);
        x2 = _mm256_fmadd_ps(a2, b0, x2);
        x3 = _mm256_fmadd_ps(a3, b0, x3);
        if (V == 2) {
            const __m256 b1 = _mm256_loadu_ps(b + p * ldb + o1);
            y0 = _mm256_fmadd_ps(a0, b1, y0);
            y1 = _mm256_fmadd_ps(a1, b1, y1);
            y2 = _mm256_fmadd_ps(a2, b1, y2);
            y3 = _mm256_fmadd_ps(a3, b1, y3);
        }
    }
    /* Vector 1 first: where it overlaps vector 0 both hold the same values anyway. */
    if (V == 2) {
        _mm256_storeu_ps(c + o1, y0);
        _mm256_storeu_ps(c + ldc + o1, y1);
        _mm256_storeu_ps(c + 2 * ldc + o1, y2);
        _mm256_storeu_ps(c + 3 * ldc + o1, y3);
    }
    st8(w, c, x0);
    st8(w, c + ldc, x1);
    st8(w, c + 2 * ldc, x2);
    st8(w, c + 3 * ldc, x3);
}

static inline __attribute__((always_inline)) void rows_block1(int V, size_t w, size_t o1, size_t k,
                                                              const float *a, size_t a_col, const float *b,
                                                              size_t ldb, float *c)
{
    __m256 x0 = _mm256_setzero_ps(), y0 = x0;
    for (size_t p = 0; p < k; p++) {
        const __m256 a0 = _mm256_broadcast_ss(a + p * a_col);
        x0 = _mm256_fmadd_ps(a0, ld8(w, b + p * ldb), x0);
        if (V == 2)
            y0 = _mm256_fmadd_ps(a0, _mm256_loadu_ps(b + p * ldb + o1), y0);
    }
    if (V == 2)
        _mm256_storeu_ps(c + o1, y0);
    st8(w, c, x0);
}

static inline __attribute__((always_inline)) void rows_strip(int V, size_t w, size_t o1, size_t m, size_t k,
                                                             const float *a, size_t a_row, size_t a_col,
                                                             const float *b, size_t ldb, float *c, size_t ldc)
{
    size_t i = 0;
    for (; i + 4 <= m; i += 4)
        rows_block4(V, w, o1, k, a + i * a_row, a_row, a_col, b, ldb, c + i * ldc, ldc);
    for (; i < m; i++)
        rows_block1(V, w, o1, k, a + i * a_row, a_col, b, ldb, c + i * ldc);
}

/* B row-major (k x n, row stride ldb): vectorize over n in strips of 16 columns. op(A) is read through
   strides (a_row, a_col) as broadcast scalars, so this serves NN and TN. */
static void direct_rows(size_t m, size_t n, size_t k, const float *a, size_t a_row, size_t a_col,
                        const float *b, size_t ldb, float *c, size_t ldc)
{
    if (n < 8) {
        if (n ==
            1) /* the matrix-vector gradient shapes: a constant width folds the partial load to one movss */
            rows_strip(1, 1, 0, m, k, a, a_row, a_col, b, ldb, c, ldc);
        else
            rows_strip(1, n, 0, m, k, a, a_row, a_col, b, ldb, c, ldc);
        return;
    }
    if (n < 16) {
        rows_strip(2, 8, n - 8, m, k, a, a_row, a_col, b, ldb, c, ldc);
        return;
    }
    size_t j = 0;
    for (; j + 16 <= n; j += 16)
        rows_strip(2, 8, 8, m, k, a, a_row, a_col, b + j, ldb, c + j, ldc);
    if (j < n) /* the last 16 columns again, overlapping the previous strip */
        rows_strip(2, 8, 8, m, k, a, a_row, a_col, b + n - 16, ldb, c + n - 16, ldc);
}

/* A stored k x m (ta == SG_TRANS), so op(A) columns are contiguous: vectorize over m, 16 rows of one
   C column per chain pair. Meant for small n (the n = 1 gradient shapes); C columns are strided, so
   results go through a small buffer and scalar stores. op(B) is read through strides (b_row, b_col). */
static void direct_cols(size_t m, size_t n, size_t k, const float *a, size_t lda, const float *b,
                        size_t b_row, size_t b_col, float *c, size_t ldc)
{
    for (size_t i = 0; i < m; i += 16) {
        const size_t rows = sg_gemm_min(16, m - i);
        const size_t r0 = rows >= 8 ? 8 : rows, r1 = rows - r0;
        for (size_t j = 0; j < n; j++) {
            __m256 acc0 = _mm256_setzero_ps(), acc1 = _mm256_setzero_ps();
            for (size_t p = 0; p < k; p++) {
                const __m256 bv = _mm256_broadcast_ss(b + p * b_row + j * b_col);
                acc0 = _mm256_fmadd_ps(ld8(r0, a + p * lda + i), bv, acc0);
                acc1 = _mm256_fmadd_ps(ld8(r1, a + p * lda + i + 8), bv, acc1);
            }
            if (ldc == 1) { /* n == 1 with a packed C: the column is contiguous */
                st8(r0, c + i, acc0);
                st8(r1, c + i + 8, acc1);
                continue;
            }
            float out[16];
            _mm256_storeu_ps(out, acc0);
            _mm256_storeu_ps(out + 8, acc1);
            for (size_t r = 0; r < rows; r++)
                c[(i + r) * ldc + j] = out[r];
        }
    }
}

/* ---- Packing: whole panels with vector loads, each reading the stored matrix along its rows ---- */

SG_GEMM_PACKERS(pack_a_panel, pack_b_panel, MR, NR)

/* The tile and the packing threshold are SG_GEMM_TILE_AVX2 (simd/gemm_blocking.h); KC, MC and NC
   follow from the cache sizes at run time (docs/matmul.md). */
static const sg_gemm_isa gemm = {
    .tile = SG_GEMM_TILE_AVX2,
    .ukernel = ukernel_6x16,
    .pack_a = pack_a_panel,
    .pack_b = pack_b_panel,
    .rows = direct_rows,
    .cols = direct_cols,
    .cols_below = 4,
    .transpose = sg_transpose_b,
};

/* ---- The training task's shapes, without loops over strips or blocks ----
   direct_rows/direct_cols handle any m and n with strips, row blocks and tails; for at most 4 rows of at
   most 32 columns (or one column of at most 32 rows) that bookkeeping cost more instructions than the
   FMAs (NN 4x30x3: 282 in direct_rows for 48 FMAs). These cover the whole output with four vectors at
   offsets 0, 8, 16 and w - 8, clamped to w - 8 (so for w < 32 some vectors repeat a neighbour's columns,
   computing the same chains on the same inputs: the overlapping stores write equal values). */

/* C[i][0..n-1] for i < m <= 4, 8 <= n <= 32, B row-major: two row pairs (8 accumulators, 4 B vectors
   and 2 broadcasts in registers); a missing fourth (third) row repeats the last one and is not stored. */
static inline __attribute__((always_inline)) void tiny_rows_pair(size_t k, const float *a0, const float *a1,
                                                                 size_t a_col, const float *b, size_t ldb,
                                                                 const size_t o[4], float *c0, float *c1)
{
    __m256 x0 = _mm256_setzero_ps(), x1 = x0, x2 = x0, x3 = x0, y0 = x0, y1 = x0, y2 = x0, y3 = x0;
    for (size_t p = 0; p < k; p++, b += ldb) {
        const __m256 b0 = _mm256_loadu_ps(b + o[0]), b1 = _mm256_loadu_ps(b + o[1]);
        const __m256 b2 = _mm256_loadu_ps(b + o[2]), b3 = _mm256_loadu_ps(b + o[3]);
        const __m256 u = _mm256_broadcast_ss(a0 + p * a_col), v = _mm256_broadcast_ss(a1 + p * a_col);
        x0 = _mm256_fmadd_ps(u, b0, x0);
        x1 = _mm256_fmadd_ps(u, b1, x1);
        x2 = _mm256_fmadd_ps(u, b2, x2);
        x3 = _mm256_fmadd_ps(u, b3, x3);
        y0 = _mm256_fmadd_ps(v, b0, y0);
        y1 = _mm256_fmadd_ps(v, b1, y1);
        y2 = _mm256_fmadd_ps(v, b2, y2);
        y3 = _mm256_fmadd_ps(v, b3, y3);
    }
    _mm256_storeu_ps(c0 + o[0], x0);
    _mm256_storeu_ps(c0 + o[1], x1);
    _mm256_storeu_ps(c0 + o[2], x2);
    _mm256_storeu_ps(c0 + o[3], x3);
    if (c1) {
        _mm256_storeu_ps(c1 + o[0], y0);
        _mm256_storeu_ps(c1 + o[1], y1);
        _mm256_storeu_ps(c1 + o[2], y2);
        _mm256_storeu_ps(c1 + o[3], y3);
    }
}

static void tiny_rows(size_t m, size_t n, size_t k, const float *a, size_t a_row, size_t a_col,
                      const float *b, size_t ldb, float *c, size_t ldc)
{
    const size_t last = n - 8, o[4] = {0, sg_gemm_min(8, last), sg_gemm_min(16, last), last};
    if (k == 1) { /* one FMA from +0 per output (the training task's NT 4x30x1): no chain, no loop over p */
        const __m256 zero = _mm256_setzero_ps(), b0 = _mm256_loadu_ps(b + o[0]),
                     b1 = _mm256_loadu_ps(b + o[1]);
        const __m256 b2 = _mm256_loadu_ps(b + o[2]), b3 = _mm256_loadu_ps(b + o[3]);
        for (size_t i = 0; i < m; i++, a += a_row, c += ldc) {
            const __m256 u = _mm256_broadcast_ss(a);
            _mm256_storeu_ps(c + o[0], _mm256_fmadd_ps(u, b0, zero));
            _mm256_storeu_ps(c + o[1], _mm256_fmadd_ps(u, b1, zero));
            _mm256_storeu_ps(c + o[2], _mm256_fmadd_ps(u, b2, zero));
            _mm256_storeu_ps(c + o[3], _mm256_fmadd_ps(u, b3, zero));
        }
        return;
    }
    for (size_t i = 0; i < m; i += 2) {
        const size_t i1 = i + 1 < m ? i + 1 : i;
        tiny_rows_pair(k, a + i * a_row, a + i1 * a_row, a_col, b, ldb, o, c + i * ldc,
                       i + 1 < m ? c + i1 * ldc : NULL);
    }
}

/* C[0..m-1][0], 8 <= m <= 32, A stored k x m (op(A) columns contiguous), C a contiguous column (ldc == 1):
   four vectors over m, one broadcast of op(B)[p][0] per p. */
static void tiny_col(size_t m, size_t k, const float *a, size_t lda, const float *b, size_t b_row, float *c)
{
    const size_t last = m - 8, o0 = 0, o1 = sg_gemm_min(8, last), o2 = sg_gemm_min(16, last), o3 = last;
    __m256 x0 = _mm256_setzero_ps(), x1 = x0, x2 = x0, x3 = x0;
    for (size_t p = 0; p < k; p++, a += lda) {
        const __m256 bv = _mm256_broadcast_ss(b + p * b_row);
        x0 = _mm256_fmadd_ps(_mm256_loadu_ps(a + o0), bv, x0);
        x1 = _mm256_fmadd_ps(_mm256_loadu_ps(a + o1), bv, x1);
        x2 = _mm256_fmadd_ps(_mm256_loadu_ps(a + o2), bv, x2);
        x3 = _mm256_fmadd_ps(_mm256_loadu_ps(a + o3), bv, x3);
    }
    _mm256_storeu_ps(c + o0, x0);
    _mm256_storeu_ps(c + o1, x1);
    _mm256_storeu_ps(c + o2, x2);
    _mm256_storeu_ps(c + o3, x3);
}

/* Everything else, out of line: the driver's frame holds the 16 KiB transpose buffer of the unpacked NT
   path, which the small shapes below then never pay for (nor for the spills of the whole driver). */
static __attribute__((noinline)) void general(sg_trans ta, sg_trans tb, size_t m, size_t n, size_t k,
                                              const float *a, size_t lda, const float *b, size_t ldb,
                                              float *c, size_t ldc)
{
    sg_gemm_matmul(&gemm, ta, tb, m, n, k, a, lda, b, ldb, c, ldc);
}

/* Shapes up to 64 in every dimension (the training task's five among them) are too small to gain from
   packing (m·n·k < 128^3, operands of at most 16 KiB), so they go straight to the unpacked kernels,
   without the driver's entry; the training shapes to the tiny kernels above (instructions per call:
   NT 4x30x1 779 -> 225, TN 30x1x4 407 -> 149, NN 4x30x3 369 -> 280; docs/training-step.md). */
void sg_avx2_matmul(sg_trans ta, sg_trans tb, size_t m, size_t n, size_t k, const float *a, size_t lda,
                    const float *b, size_t ldb, float *c, size_t ldc)
{
    if (m && n && k && m <= 64 && n <= 64 && k <= 64) {
        /* k = 1 and a transposed B with unit row stride: op(B) is one contiguous row, exactly as when B
           is not transposed, so it needs no transpose into a buffer (the training task's NT 4x30x1). */
        if (tb == SG_TRANS && k == 1 && ldb == 1)
            tb = SG_NO_TRANS;
        const size_t a_row = ta == SG_NO_TRANS ? lda : 1, a_col = ta == SG_NO_TRANS ? 1 : lda;
        if (ta == SG_TRANS && n == 1 && ldc == 1 && m >= 8 && m <= 32) {
            tiny_col(m, k, a, lda, b, tb == SG_NO_TRANS ? ldb : 1, c);
            return;
        }
        if (tb == SG_NO_TRANS && m <= 4 && n >= 8 && n <= 32) {
            tiny_rows(m, n, k, a, a_row, a_col, b, ldb, c, ldc);
            return;
        }
        if (ta == SG_TRANS && n < gemm.cols_below && m > n) {
            direct_cols(m, n, k, a, lda, b, tb == SG_NO_TRANS ? ldb : 1, tb == SG_NO_TRANS ? 1 : ldb, c, ldc);
            return;
        }
        if (tb == SG_NO_TRANS) {
            direct_rows(m, n, k, a, a_row, a_col, b, ldb, c, ldc);
            return;
        }
    }
    general(ta, tb, m, n, k, a, lda, b, ldb, c, ldc);
}
