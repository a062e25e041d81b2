/* matmul, AVX-512: a 12x32 register-blocked microkernel under the shared BLIS-style driver for large
 * shapes, and unpacked paths for small shapes, where packing would cost more than the product.
 *
 * Every output is one sequential chain acc = fma(a_p, b_p, acc), p = 0..k-1, starting from +0:
 * vectors always run ACROSS outputs (over n, or over m when A is transposed), never across k. */
#include <stdint.h>

#include "sg_kernels_impl.h"
#include "simd/avx2/gemm_pack.h"
#include "simd/avx512/intrin.h"
#include "simd/gemm_driver.h"

#define MR SG_GEMM_AVX512_MR
#define NR SG_GEMM_AVX512_NR

/* 24 zmm accumulators + 2 B vectors; the A values are broadcast straight from the packed panel. The
   accumulators are named variables, not an array, so they provably live in registers. */
#define UK_ROWS(X) X(0) X(1) X(2) X(3) X(4) X(5) X(6) X(7) X(8) X(9) X(10) X(11)
static void ukernel_12x32(size_t kc, const float *ap, const float *bp, float *c, size_t ldc, int first)
{
#define UK_DECL(i) __m512 c##i##_0, c##i##_1;
    UK_ROWS(UK_DECL)
    if (first) {
#define UK_ZERO(i) c##i##_0 = c##i##_1 = _mm512_setzero_ps();
        UK_ROWS(UK_ZERO)
    } else {
#define UK_LOAD(i)                                                                                           \
    c##i##_0 = _mm512_loadu_ps(c + i * ldc);                                                                 \
    c##i##_1 = _mm512_loadu_ps(c + i * ldc + 16);
        UK_ROWS(UK_LOAD)
    }
    for (size_t p = 0; p < kc; p++, ap += MR, bp += NR) {
        const __m512 b0 = _mm512_loadu_ps(bp), b1 = _mm512_loadu_ps(bp + 16);
#define UK_FMA(i)                                                                                            \
    {                                                                                                        \
        const __m512 av = _mm512_set1_ps(ap[i]);                                                             \
        c##i##_0 = _mm512_fmadd_ps(av, b0, c##i##_0);                                                        \
        c##i##_1 = _mm512_fmadd_ps(av, b1, c##i##_1);                                                        \
    }
        UK_ROWS(UK_FMA)
    }
#define UK_STORE(i)                                                                                          \
    _mm512_storeu_ps(c + i * ldc, c##i##_0);                                                                 \
    _mm512_storeu_ps(c + i * ldc + 16, c##i##_1);
    UK_ROWS(UK_STORE)
}

static inline __mmask16 lanes(size_t r) { return r >= 16 ? (__mmask16)0xFFFF : (__mmask16)((1u << r) - 1); }

/* Rows i..i+3 of C, columns j..j+16*V-1 under lane masks m0 (and m1 when V == 2): 4*V independent
   chains over k. Named accumulators (an array here was kept in memory by gcc). V is a constant at
   every call, so the V == 2 work disappears from the one-vector variant. */
static inline __attribute__((always_inline)) void rows_block4(int V, __mmask16 m0, __mmask16 m1, size_t k,
                                                              const float *a, size_t a_row, size_t a_col,
                                                              const float *b, size_t ldb, float *c,
                                                              size_t ldc)
{
    __m512 x0 = _mm512_setzero_ps(), x1 = x0, x2 = x0, x3 = x0, y0 = x0, y1 = x0, y2 = x0, y3 = x0;
    for (size_t p = 0; p < k; p++) {
        const __m512 b0 = _mm512_maskz_loadu_ps(m0, b + p * ldb);
        const __m512 a0 = _mm512_set1_ps(a[p * a_col]), a1 = _mm512_set1_ps(a[a_row + p * a_col]);
        const __m512 a2 = _mm512_set1_ps(a[2 * a_row + p * a_col]),
                     a3 = _mm512_set1_ps(a[3 * a_row + p * a_col]);
        x0 = _mm512_fmadd_ps(a0, b0, x0);
        x1 = _mm512_fmadd_ps(a1, b0, x1);
        x2 = _mm512_fmadd_ps(a2, b0, x2);
        x3 = _mm512_fmadd_ps(a3, b0, x3);
        if (V == 2) {
            const __m512 b1 = _mm512_maskz_loadu_ps(m1, b + p * ldb + 16);
            y0 = _mm512_fmadd_ps(a0, b1, y0);
            y1 = _mm512_fmadd_ps(a1, b1, y1);
            y2 = _mm512_fmadd_ps(a2, b1, y2);
            y3 = _mm512_fmadd_ps(a3, b1, y3);
        }
    }
    _mm512_mask_storeu_ps(c, m0, x0);
    _mm512_mask_storeu_ps(c + ldc, m0, x1);
    _mm512_mask_storeu_ps(c + 2 * ldc, m0, x2);
    _mm512_mask_storeu_ps(c + 3 * ldc, m0, x3);
    if (V == 2) {
        _mm512_mask_storeu_ps(c + 16, m1, y0);
        _mm512_mask_storeu_ps(c + ldc + 16, m1, y1);
        _mm512_mask_storeu_ps(c + 2 * ldc + 16, m1, y2);
        _mm512_mask_storeu_ps(c + 3 * ldc + 16, m1, y3);
    }
}

static inline __attribute__((always_inline)) void rows_block1(int V, __mmask16 m0, __mmask16 m1, size_t k,
                                                              const float *a, size_t a_col, const float *b,
                                                              size_t ldb, float *c)
{
    __m512 x0 = _mm512_setzero_ps(), y0 = x0;
    for (size_t p = 0; p < k; p++) {
        const __m512 a0 = _mm512_set1_ps(a[p * a_col]);
        x0 = _mm512_fmadd_ps(a0, _mm512_maskz_loadu_ps(m0, b + p * ldb), x0);
        if (V == 2)
            y0 = _mm512_fmadd_ps(a0, _mm512_maskz_loadu_ps(m1, b + p * ldb + 16), y0);
    }
    _mm512_mask_storeu_ps(c, m0, x0);
    if (V == 2)
        _mm512_mask_storeu_ps(c + 16, m1, y0);
}

static inline __attribute__((always_inline)) void rows_strip(int V, __mmask16 m0, __mmask16 m1, size_t m,
                                                             size_t k, const float *a, size_t a_row,
                                                             size_t a_col, const float *b, size_t ldb,
                                                             float *c, size_t ldc)
{
    size_t i = 0;
    for (; i + 4 <= m; i += 4)
        rows_block4(V, m0, m1, k, a + i * a_row, a_row, a_col, b, ldb, c + i * ldc, ldc);
    for (; i < m; i++)
        rows_block1(V, m0, m1, k, a + i * a_row, a_col, b, ldb, c + i * ldc);
}

/* B row-major (k x n, row stride ldb): vectorize over n, strips of 32 columns (16 for the last <= 16).
   op(A) is read through strides (a_row, a_col) as broadcast scalars, so this serves NN and TN. */
static void direct_rows(size_t m, size_t n, size_t k, const float *a, size_t a_row, size_t a_col,
                        const float *b, size_t ldb, float *c, size_t ldc)
{
    size_t j = 0;
    for (; j + 16 < n; j += 32) /* more than 16 columns left: two vectors, the second maybe partial */
        rows_strip(2, 0xFFFF, lanes(n - j - 16), m, k, a, a_row, a_col, b + j, ldb, c + j, ldc);
    if (j < n)
        rows_strip(1, lanes(n - j), 0, m, k, a, a_row, a_col, b + j, ldb, c + j, ldc);
}

/* A stored k x m (ta == SG_TRANS), so op(A) columns are contiguous: vectorize over m, one column of C
   per chain set. Meant for small n (the n = 1 gradient shapes); C columns are strided, so results go
   through a small buffer and scalar stores. op(B) is read through strides (b_row, b_col). */
static void direct_cols(size_t m, size_t n, size_t k, const float *a, size_t lda, const float *b,
                        size_t b_row, size_t b_col, float *c, size_t ldc)
{
    for (size_t i = 0; i < m; i += 32) {
        const size_t rows = sg_gemm_min(32, m - i);
        const __mmask16 m0 = lanes(rows), m1 = rows > 16 ? lanes(rows - 16) : 0;
        for (size_t j = 0; j < n; j++) {
            __m512 acc0 = _mm512_setzero_ps(), acc1 = _mm512_setzero_ps();
            for (size_t p = 0; p < k; p++) {
                const __m512 bv = _mm512_set1_ps(b[p * b_row + j * b_col]);
                acc0 = _mm512_fmadd_ps(_mm512_maskz_loadu_ps(m0, a + p * lda + i), bv, acc0);
                acc1 = _mm512_fmadd_ps(_mm512_maskz_loadu_ps(m1, a + p * lda + i + 16), bv, acc1);
            }
            if (ldc == 1) { /* n == 1 with a packed C: the column is contiguous */
                _mm512_mask_storeu_ps(c + i, m0, acc0);
                _mm512_mask_storeu_ps(c + i + 16, m1, acc1);
                continue;
            }
            float out[32];
            _mm512_storeu_ps(out, acc0);
            _mm512_storeu_ps(out + 16, acc1);
            for (size_t r = 0; r < rows; r++)
                c[(i + r) * ldc + j] = out[r];
        }
    }
}

/* The tile and the packing threshold are SG_GEMM_TILE_AVX512 (simd/gemm_blocking.h); KC, MC and NC
   follow from the cache sizes at run time (docs/matmul.md). On the Zen 4 (32 KiB L1d, 1 MiB L2) the
   model gives KC = 128, as measured best there against 96 and 192 (docs/x86-kernels.md), and packing
   from op(A) > 512 KiB, i.e. from 384^3 as measured: the unpacked kernels ran 2.5x faster at
   32^3-64^3 and 10-20% faster at 128^3-256^3; at 512^3 NT fell to 51 against 80 packed
   (simdgrad-bench, 2026-11-26). Packing and the unpacked NT transpose are the AVX2 ones of
   simd/avx2/gemm_pack.h for this tile (8x8 ymm transposes; zmm packing has not been measured on an
   AVX-512 machine). */
SG_GEMM_PACKERS(pack_a_panel, pack_b_panel, MR, NR)

static const sg_gemm_isa gemm = {
    .tile = SG_GEMM_TILE_AVX512,
    .ukernel = ukernel_12x32,
    .pack_a = pack_a_panel,
    .pack_b = pack_b_panel,
    .rows = direct_rows,
    .cols = direct_cols,
    .cols_below = 8,
    .transpose = sg_transpose_b,
};

void sg_avx512_matmul(sg_trans ta, sg_trans tb, size_t m, size_t n, size_t k, const float *a, size_t lda,
                      const float *b, size_t ldb, float *c, size_t ldc)
{
    sg_gemm_matmul(&gemm, ta, tb, m, n, k, a, lda, b, ldb, c, ldc);
}
