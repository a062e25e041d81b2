/* The training task's step fused for its shape (n = 4 samples, d = 3 with the bias, h = 30 hidden, o = 1
 * output) in ymm registers: fused_4x3x30x1 below. Shared by the AVX2 and the AVX-512 train_step
 * (simd/avx2/train_step.c, simd/avx512/train_step.c), each compiling it with its own flags; include only
 * from those two files. The step is bound by the latency of y_pred's 30-FMA chain (docs/training-step.md),
 * which wider vectors do not shorten; compiled with AVX-512VL it gets 32 vector registers, so fewer of the
 * 4×30 activations are spilled.
 *
 * Bit-identical to the unfused sequence: every product is the chain the matmul contract spells (acc = +0;
 * acc = fma(a_p, b_p, acc), p in order, a from op(A) and b from op(B) as the matmul kernels pass them),
 * relu and relu_grad are the kernels' lane formulas (simd/avx2/relu_lanes.h), the loss adds in row-major
 * order and the update rounds the product, then the difference.
 *
 * Layout: a row of 30 is four vectors, the last holding columns 24-29 (load_row below); the two reductions
 * that run ALONG a row (y_pred over the 30 columns, the zero counts) skip its two spare lanes.
 *
 * The critical path of a step is y_pred = h_relu·w2: 30 dependent FMAs per sample (the contract's order),
 * run as one 4-lane chain (one lane per sample) over columns of h_relu transposed in registers. Everything
 * else (the 16 + 16 + 48 FMAs of the other products) is short chains beside it. */
#ifndef SG_X86_TRAIN_STEP_FUSED_H
#define SG_X86_TRAIN_STEP_FUSED_H

#include <immintrin.h>
#include <stdint.h>

#include "simd/avx2/relu_lanes.h"

#define TN 4
#define TD 3
#define TH 30

/* A row of TH = 30 as four vectors: columns 0-7, 8-15, 16-23 and 24-29 (whose lanes 6 and 7 are zero on
   load, garbage after arithmetic, and never stored). The last one moves as 16 + 8 bytes, and every row is
   loaded in exactly the pieces it was stored in, so the next step's loads of w1 and w2 are forwarded from
   this step's stores (overlapping vectors would make a load straddle two stores and wait for both). */
static inline __m256 load_row(const float *row, int v)
{
    if (v < 3)
        return _mm256_loadu_ps(row + 8 * v);
    const __m128 lo = _mm_loadu_ps(row + 24),
                 hi = _mm_castsi128_ps(_mm_loadl_epi64((const __m128i *)(row + 28)));
    return _mm256_insertf128_ps(_mm256_castps128_ps256(lo), hi, 1);
}
static inline void store_row(float *row, int v, __m256 x)
{
    if (v < 3) {
        _mm256_storeu_ps(row + 8 * v, x);
        return;
    }
    _mm_storeu_ps(row + 24, _mm256_castps256_ps128(x));
    _mm_storel_epi64((__m128i *)(row + 28), _mm_castps_si128(_mm256_extractf128_ps(x, 1)));
}
/* The lanes of a compare mask that are columns of the row. */
static inline unsigned lanes(int v, __m256 m)
{
    return (unsigned)_mm256_movemask_ps(m) & (v == 3 ? 0x3fu : 0xffu);
}

/* h = x·w1 (NN 4×30×3): 16 chains of 3, a = x[i][p] broadcast, b = w1[p][cols]. */
static inline __attribute__((always_inline)) __m256 h_at(const float *x, const float *w1, int i, int v)
{
    __m256 acc = _mm256_fmadd_ps(_mm256_broadcast_ss(x + i * TD), load_row(w1, v), _mm256_setzero_ps());
    acc = _mm256_fmadd_ps(_mm256_broadcast_ss(x + i * TD + 1), load_row(w1 + TH, v), acc);
    return _mm256_fmadd_ps(_mm256_broadcast_ss(x + i * TD + 2), load_row(w1 + 2 * TH, v), acc);
}

/* The rare case of an h with an exact zero or a NaN: h again (same operations, same bits) and its zero
   count. Out of line, so that the usual path holds neither h nor the count. */
static __attribute__((noinline)) unsigned zeros_of_h(const float *x, const float *w1)
{
    unsigned zeros = 0;
    for (int i = 0; i < TN; i++)
        for (int v = 0; v < 4; v++)
            zeros += (unsigned)__builtin_popcount(
                lanes(v, _mm256_cmp_ps(h_at(x, w1, i, v), _mm256_setzero_ps(), _CMP_EQ_OQ)));
    return zeros;
}

/* Backward and update from g = 2·(y_pred − y). exact (a constant at each call): h has a ±0 or a NaN, so
   relu_grad takes its full formula on h (recomputed) and counts[1] the zeros whose upstream gradient is
   not 0; else relu_grad keeps grad_h_relu where h > 0, i.e. where h_relu != 0, and is +0 elsewhere. */
static inline __attribute__((always_inline)) void backward(const float *x, float *w1, float *w2,
                                                           __m256 hr[TN][4], __m128 g, float lr, float g0,
                                                           int exact, uint64_t *counts)
{
    const __m256 zero = _mm256_setzero_ps();
    const __m256 g8 = _mm256_castps128_ps256(g);
    const __m256 gb[TN] = {_mm256_permutevar8x32_ps(g8, _mm256_set1_epi32(0)),
                           _mm256_permutevar8x32_ps(g8, _mm256_set1_epi32(1)),
                           _mm256_permutevar8x32_ps(g8, _mm256_set1_epi32(2)),
                           _mm256_permutevar8x32_ps(g8, _mm256_set1_epi32(3))};
    /* grad_h = relu_grad(h, grad_h_relu, g0), grad_h_relu = g·w2ᵀ (NT 4×30×1: a = g[i], b = w2[cols]). */
    __m256 gh[TN][4];
    const __m256 g0v = _mm256_set1_ps(g0);
    unsigned effective = 0;
    for (int i = 0; i < TN; i++)
        for (int v = 0; v < 4; v++) {
            const __m256 ghr = _mm256_fmadd_ps(gb[i], load_row(w2, v), zero);
            if (exact) {
                const __m256 h = h_at(x, w1, i, v);
                effective += (unsigned)__builtin_popcount(
                    lanes(v, _mm256_and_ps(_mm256_cmp_ps(h, zero, _CMP_EQ_OQ),
                                           _mm256_cmp_ps(ghr, zero, _CMP_NEQ_UQ))));
                gh[i][v] = relu_grad8(h, ghr, g0v);
            } else {
                gh[i][v] = _mm256_and_ps(ghr, _mm256_cmp_ps(hr[i][v], zero, _CMP_NEQ_UQ));
            }
        }
    counts[1] = effective;
    /* grad_w1 = xᵀ·grad_h (TN 3×30×4): a = x[i][p], b = grad_h[i][cols]; w1 -= lr·grad_w1. */
    const __m256 lrv = _mm256_set1_ps(lr);
    for (int p = 0; p < TD; p++) {
        __m256 acc[4] = {zero, zero, zero, zero};
        for (int i = 0; i < TN; i++) {
            const __m256 xb = _mm256_broadcast_ss(x + i * TD + p);
            for (int v = 0; v < 4; v++)
                acc[v] = _mm256_fmadd_ps(xb, gh[i][v], acc[v]);
        }
        for (int v = 0; v < 4; v++)
            store_row(w1 + p * TH, v, _mm256_sub_ps(load_row(w1 + p * TH, v), _mm256_mul_ps(lrv, acc[v])));
    }
    /* grad_w2 = h_reluᵀ·g (TN 30×1×4): a = h_relu[i][cols], b = g[i]; w2 -= lr·grad_w2. */
    for (int v = 0; v < 4; v++) {
        __m256 acc = zero;
        for (int i = 0; i < TN; i++)
            acc = _mm256_fmadd_ps(hr[i][v], gb[i], acc);
        store_row(w2, v, _mm256_sub_ps(load_row(w2, v), _mm256_mul_ps(lrv, acc)));
    }
}

/* backward() for an h with a ±0 or a NaN, out of line (h_relu recomputed) so that the usual path passes
   no array of its registers to a call. */
static __attribute__((noinline)) void backward_exact(const float *x, float *w1, float *w2, __m128 g, float lr,
                                                     float g0, uint64_t *counts)
{
    __m256 hr[TN][4];
    for (int i = 0; i < TN; i++)
        for (int v = 0; v < 4; v++)
            hr[i][v] = relu8(h_at(x, w1, i, v));
    backward(x, w1, w2, hr, g, lr, g0, 1, counts);
}

static void fused_4x3x30x1(const float *x, const float *y, float *w1, float *w2, float lr, float g0,
                           float max_loss, float *loss_out, uint64_t *counts)
{
    /* Forward, one 8-column block at a time so that y_pred's chain starts after the first block:
       h_relu = relu(x·w1), whether h has a ±0 or a NaN (EQ_UQ: equal to 0, or unordered), and
       y_pred = h_relu·w2 (NN 4×1×30) as one 4-lane chain in column order over the block's 4×8
       transpose t[c] = [column c of the 4 rows | column c+4]. */
    __m256 hr[TN][4];
    unsigned special = 0;
    __m128 yp = _mm_setzero_ps();
    for (int v = 0; v < 4; v++) {
        for (int i = 0; i < TN; i++) {
            const __m256 h = h_at(x, w1, i, v);
            hr[i][v] = relu8(h);
            special |= lanes(v, _mm256_cmp_ps(h, _mm256_setzero_ps(), _CMP_EQ_UQ));
        }
        const __m256 a01 = _mm256_unpacklo_ps(hr[0][v], hr[1][v]),
                     b01 = _mm256_unpackhi_ps(hr[0][v], hr[1][v]);
        const __m256 a23 = _mm256_unpacklo_ps(hr[2][v], hr[3][v]),
                     b23 = _mm256_unpackhi_ps(hr[2][v], hr[3][v]);
        const __m256 t[4] = {_mm256_shuffle_ps(a01, a23, 0x44), _mm256_shuffle_ps(a01, a23, 0xee),
                             _mm256_shuffle_ps(b01, b23, 0x44), _mm256_shuffle_ps(b01, b23, 0xee)};
        const int cols = v == 3 ? 6 : 8;
        for (int c = 0; c < cols; c++) {
            const __m128 col = c < 4 ? _mm256_castps256_ps128(t[c]) : _mm256_extractf128_ps(t[c - 4], 1);
            yp = _mm_fmadd_ps(col, _mm_broadcast_ss(w2 + 8 * v + c), yp);
        }
    }
    /* Loss in row-major order, one rounding per operation; g = 2·diff. */
    const __m128 diff = _mm_sub_ps(yp, _mm_loadu_ps(y));
    const __m128 g = _mm_mul_ps(_mm_set1_ps(2.0f), diff);
    float sq[4];
    _mm_storeu_ps(sq, _mm_mul_ps(diff, diff));
    float loss = 0.0f;
    for (int i = 0; i < TN; i++)
        loss = loss + sq[i];
    *loss_out = loss;
    counts[0] = special ? zeros_of_h(x, w1) : 0;
    counts[1] = 0;
    if (!(loss <= max_loss))
        return;
    if (special)
        backward_exact(x, w1, w2, g, lr, g0, counts);
    else
        backward(x, w1, w2, hr, g, lr, g0, 0, counts);
}

#endif
