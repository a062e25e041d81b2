/* Vector packing and transposes for the x86 matmuls, in AVX2 intrinsics: included by simd/avx2/matmul.c
 * (6x16 tile) and simd/avx512/matmul.c (12x32 tile, whose flags include AVX2), each instantiating the
 * panel packers for its own tile through SG_GEMM_PACKERS below. Include only from those two files.
 *
 * Every packer reads the stored matrix along its rows (8 floats per load) and writes exactly the panel's
 * floats: nothing outside A or B is read, nothing outside the panel written. Packing moves values
 * without arithmetic, so it cannot change a bit of the product. */
#ifndef SG_AVX2_GEMM_PACK_H
#define SG_AVX2_GEMM_PACK_H

#include <immintrin.h>

#include "sg_kernels_impl.h"

/* In-register 8x8 transpose: on return r[q] holds lane q of each input, r[q][i] = in[i][q]. */
static inline void sg_transpose8(__m256 r[8])
{
    const __m256 t0 = _mm256_unpacklo_ps(r[0], r[1]), t1 = _mm256_unpackhi_ps(r[0], r[1]);
    const __m256 t2 = _mm256_unpacklo_ps(r[2], r[3]), t3 = _mm256_unpackhi_ps(r[2], r[3]);
    const __m256 t4 = _mm256_unpacklo_ps(r[4], r[5]), t5 = _mm256_unpackhi_ps(r[4], r[5]);
    const __m256 t6 = _mm256_unpacklo_ps(r[6], r[7]), t7 = _mm256_unpackhi_ps(r[6], r[7]);
    const __m256 u0 = _mm256_shuffle_ps(t0, t2, 0x44), u1 = _mm256_shuffle_ps(t0, t2, 0xEE);
    const __m256 u2 = _mm256_shuffle_ps(t1, t3, 0x44), u3 = _mm256_shuffle_ps(t1, t3, 0xEE);
    const __m256 u4 = _mm256_shuffle_ps(t4, t6, 0x44), u5 = _mm256_shuffle_ps(t4, t6, 0xEE);
    const __m256 u6 = _mm256_shuffle_ps(t5, t7, 0x44), u7 = _mm256_shuffle_ps(t5, t7, 0xEE);
    r[0] = _mm256_permute2f128_ps(u0, u4, 0x20);
    r[1] = _mm256_permute2f128_ps(u1, u5, 0x20);
    r[2] = _mm256_permute2f128_ps(u2, u6, 0x20);
    r[3] = _mm256_permute2f128_ps(u3, u7, 0x20);
    r[4] = _mm256_permute2f128_ps(u0, u4, 0x31);
    r[5] = _mm256_permute2f128_ps(u1, u5, 0x31);
    r[6] = _mm256_permute2f128_ps(u2, u6, 0x31);
    r[7] = _mm256_permute2f128_ps(u3, u7, 0x31);
}

/* The first w lanes of v to p, w in 1..8 (a constant at every call site, so one path remains). */
static inline __attribute__((always_inline)) void sg_store_lanes(float *p, __m256 v, size_t w)
{
    if (w == 8) {
        _mm256_storeu_ps(p, v);
        return;
    }
    const __m128 lo = _mm256_castps256_ps128(v), hi = _mm256_extractf128_ps(v, 1);
    if (w >= 4) {
        _mm_storeu_ps(p, lo);
        if (w >= 6)
            _mm_storel_pi((__m64 *)(p + 4), hi);
        if (w == 5 || w == 7)
            _mm_store_ss(p + w - 1, w == 5 ? hi : _mm_movehl_ps(hi, hi));
        return;
    }
    float t[4];
    _mm_storeu_ps(t, lo);
    for (size_t i = 0; i < w; i++)
        p[i] = t[i];
}

/* dst[0..w) = src[0..w), w in 1..8 (a constant at every call site): the widest moves that fit, never a
   float past either end. */
static inline __attribute__((always_inline)) void sg_copy_lanes(float *dst, const float *src, size_t w)
{
    size_t i = 0;
    if (w == 8) {
        _mm256_storeu_ps(dst, _mm256_loadu_ps(src));
        return;
    }
    if (w >= 4) {
        _mm_storeu_ps(dst, _mm_loadu_ps(src));
        i = 4;
    }
    if (w - i >= 2) {
        _mm_storel_pi((__m64 *)(dst + i), _mm_loadl_pi(_mm_setzero_ps(), (const __m64 *)(src + i)));
        i += 2;
    }
    if (i < w)
        dst[i] = src[i];
}

/* ap[p*mr + i] = op(A)[i0+i][p0+p] for i < mr, p < kc. NN/NT: 8 stored rows at a time are read 8 floats
   at a time and transposed (missing rows zero, never read). TN/TT: a stored row holds mr floats of
   op(A)'s column p, copied whole. */
static inline __attribute__((always_inline)) void sg_pack_a_panel(size_t mr, sg_trans ta, const float *a,
                                                                  size_t lda, size_t i0, size_t p0, size_t kc,
                                                                  float *ap)
{
    if (ta == SG_TRANS) {
        const float *src = a + p0 * lda + i0;
        for (size_t p = 0; p < kc; p++, src += lda, ap += mr)
            for (size_t i = 0; i < mr; i += 8)
                sg_copy_lanes(ap + i, src + i, mr - i < 8 ? mr - i : 8);
        return;
    }
    const float *src = a + i0 * lda + p0;
    size_t p = 0;
    for (; p + 8 <= kc; p += 8)
        for (size_t i = 0; i < mr; i += 8) {
            const size_t rows = mr - i < 8 ? mr - i : 8;
            __m256 r[8];
            for (size_t q = 0; q < 8; q++)
                r[q] = q < rows ? _mm256_loadu_ps(src + (i + q) * lda + p) : _mm256_setzero_ps();
            sg_transpose8(r);
            for (size_t q = 0; q < 8; q++)
                sg_store_lanes(ap + (p + q) * mr + i, r[q], rows);
        }
    for (; p < kc; p++)
        for (size_t i = 0; i < mr; i++)
            ap[p * mr + i] = src[i * lda + p];
}

/* bp[p*nr + j] = op(B)[p0+p][j0+j] for j < nr (a multiple of 8), p < kc. NN/TN: a stored row holds nr
   floats of op(B)'s row, copied whole. NT/TT: nr stored rows are op(B)'s columns; 8x8 blocks of them are
   transposed, so reads stay along the stored rows. bp is 32-byte aligned (panels are 64-byte aligned and
   nr·4 a multiple of 32 bytes). */
static inline __attribute__((always_inline)) void sg_pack_b_panel(size_t nr, sg_trans tb, const float *b,
                                                                  size_t ldb, size_t p0, size_t j0, size_t kc,
                                                                  float *bp)
{
    if (tb == SG_NO_TRANS) {
        const float *src = b + p0 * ldb + j0;
        for (size_t p = 0; p < kc; p++, src += ldb, bp += nr)
            for (size_t j = 0; j < nr; j += 8)
                _mm256_store_ps(bp + j, _mm256_loadu_ps(src + j));
        return;
    }
    const float *src = b + j0 * ldb + p0;
    size_t p = 0;
    for (; p + 8 <= kc; p += 8)
        for (size_t h = 0; h < nr; h += 8) {
            __m256 r[8];
            for (size_t j = 0; j < 8; j++)
                r[j] = _mm256_loadu_ps(src + (h + j) * ldb + p);
            sg_transpose8(r);
            for (size_t q = 0; q < 8; q++)
                _mm256_store_ps(bp + (p + q) * nr + h, r[q]);
        }
    for (; p < kc; p++)
        for (size_t j = 0; j < nr; j++)
            bp[p * nr + j] = src[j * ldb + p];
}

/* The unpacked NT/TT path's transpose of op(B) chunks, bt[p*nb + j] = b[j*ldb + p] (the driver's
   sg_gemm_transpose_fn): 8x8 blocks through registers, the edges element by element. The scalar loop made
   small NT products about half as fast as NN, the transpose costing about as much as the product
   (docs/matmul.md). */
static void sg_transpose_b(size_t nb, size_t k, const float *b, size_t ldb, float *bt)
{
    size_t j = 0;
    for (; j + 8 <= nb; j += 8) {
        size_t p = 0;
        for (; p + 8 <= k; p += 8) {
            __m256 r[8];
            for (size_t q = 0; q < 8; q++)
                r[q] = _mm256_loadu_ps(b + (j + q) * ldb + p);
            sg_transpose8(r);
            for (size_t q = 0; q < 8; q++)
                _mm256_storeu_ps(bt + (p + q) * nb + j, r[q]);
        }
        for (; p < k; p++)
            for (size_t q = 0; q < 8; q++)
                bt[p * nb + j + q] = b[(j + q) * ldb + p];
    }
    for (; j < nb; j++)
        for (size_t p = 0; p < k; p++)
            bt[p * nb + j] = b[j * ldb + p];
}

/* pack_a and pack_b: the driver's full-panel packers (sg_gemm_pack_a_fn, sg_gemm_pack_b_fn) for one tile,
   with its sizes mr and nr as constants. */
#define SG_GEMM_PACKERS(pack_a, pack_b, mr, nr)                                                              \
    static void pack_a(sg_trans ta, const float *a, size_t lda, size_t i0, size_t p0, size_t kc, float *ap)  \
    {                                                                                                        \
        sg_pack_a_panel(mr, ta, a, lda, i0, p0, kc, ap);                                                     \
    }                                                                                                        \
    static void pack_b(sg_trans tb, const float *b, size_t ldb, size_t p0, size_t j0, size_t kc, float *bp)  \
    {                                                                                                        \
        sg_pack_b_panel(nr, tb, b, ldb, p0, j0, kc, bp);                                                     \
    }

#endif
