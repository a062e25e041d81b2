/* Partial vectors for AVX2 tails (the last r < 8 elements). Include only from AVX2-compiled files.
 *
 * AVX2 has no opmask registers. vmaskmovps would do, but (1) its store form is slow on AMD cores and
 * (2) qemu-x86_64 7.2 (Debian 12) faults on masked-out lanes that cross into an unmapped page, which
 * breaks the guard-page harness under `-cpu Haswell`. So tails use exact-width moves instead: 16, 8 and
 * 4 bytes, composed per r; they touch exactly p[0..r-1] and copy bits unchanged (NaN payloads too). */
#ifndef SG_AVX2_TAIL_MASK_H
#define SG_AVX2_TAIL_MASK_H
#include <immintrin.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

/* p[0..r-1] (r <= 4) into the low lanes, zeros above. */
static inline __m128 sg_avx2_load4_partial(const float *p, size_t r)
{
    uint64_t two;
    switch (r) {
    case 0: return _mm_setzero_ps();
    case 1: return _mm_load_ss(p);
    case 2:
        memcpy(&two, p, 8); /* memcpy, not a double* load: p is only float-aligned */
        return _mm_castsi128_ps(_mm_cvtsi64_si128((long long)two));
    case 3:
        memcpy(&two, p, 8);
        return _mm_movelh_ps(_mm_castsi128_ps(_mm_cvtsi64_si128((long long)two)), _mm_load_ss(p + 2));
    default: return _mm_loadu_ps(p);
    }
}

static inline void sg_avx2_store4_partial(float *p, size_t r, __m128 v)
{
    uint64_t two;
    switch (r) {
    case 0: break;
    case 1: _mm_store_ss(p, v); break;
    case 2:
        two = (uint64_t)_mm_cvtsi128_si64(_mm_castps_si128(v));
        memcpy(p, &two, 8);
        break;
    case 3:
        two = (uint64_t)_mm_cvtsi128_si64(_mm_castps_si128(v));
        memcpy(p, &two, 8);
        _mm_store_ss(p + 2, _mm_movehl_ps(v, v));
        break;
    default: _mm_storeu_ps(p, v); break;
    }
}

/* p[0..r-1] (r <= 8) into the low lanes, zeros above. */
static inline __m256 sg_avx2_load_partial(const float *p, size_t r)
{
    if (r < 4)
        return _mm256_zextps128_ps256(sg_avx2_load4_partial(p, r));
    return _mm256_insertf128_ps(_mm256_castps128_ps256(_mm_loadu_ps(p)), sg_avx2_load4_partial(p + 4, r - 4),
                                1);
}

/* The low r (<= 8) lanes of v into p[0..r-1]; nothing else is written. */
static inline void sg_avx2_store_partial(float *p, size_t r, __m256 v)
{
    if (r < 4) {
        sg_avx2_store4_partial(p, r, _mm256_castps256_ps128(v));
        return;
    }
    _mm_storeu_ps(p, _mm256_castps256_ps128(v));
    sg_avx2_store4_partial(p + 4, r - 4, _mm256_extractf128_ps(v, 1));
}
#endif
