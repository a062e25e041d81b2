/* matmul, AVX2 + FMA: a 6x16 register-blocked microkernel under the shared BLIS-style driver for large
 * shapes, and unpacked paths for small shapes, where packing would cost more than the product.
 *
 * Every output is one sequential chain acc = fma(a_p, b_p, acc), p = 0..k-1, starting from +0:
 * vectors always run ACROSS outputs (over n, or over m when A is transposed), never across k. */
#include <immintrin.h>
#include <stdint.h>

#include "sg_kernels_impl.h"
#include "simd/avx2/tail_mask.h"
#include "simd/gemm_driver.h"

#define MR 6
#define NR 16

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

/* KC = 256: the B micro-panel (KC*NR*4 = 16 KiB) plus the A micro-panel (6 KiB) stay in the 32 KiB L1d;
   the packed A block (MC*KC*4 = 144 KiB) in L2; the packed B block (KC*NC*4 = 2 MiB) in L3.
   Packing from 128^3 up: at 32^3 and 64^3 the unpacked kernels ran 2-2.5x faster than the packed path
   (NN 64^3: 103 vs 69 GFLOP/s), at 128^3 they were even (simdgrad-bench, 2026-11-26). */
static const sg_gemm_isa gemm = {
    .blocking = {.mr = MR, .nr = NR, .mc = 144, .kc = 256, .nc = 2048},
    .ukernel = ukernel_6x16,
    .min_m = MR,
    .rows = direct_rows,
    .cols = direct_cols,
    .cols_below = 4,
    .pack_min_mnk = 128.0 * 128 * 128,
};

void sg_avx2_matmul(sg_trans ta, sg_trans tb, size_t m, size_t n, size_t k, const float *a, size_t lda,
                    const float *b, size_t ldb, float *c, size_t ldc)
{
    sg_gemm_matmul(&gemm, ta, tb, m, n, k, a, lda, b, ldb, c, ldc);
}
