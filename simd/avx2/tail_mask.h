/* Lane mask for the last r (< 8) elements: AVX2 has no opmask registers, so masked tails use
 * maskload/maskstore with a sign-bit mask. Include only from AVX2-compiled files. */
#ifndef SG_AVX2_TAIL_MASK_H
#define SG_AVX2_TAIL_MASK_H
#include <immintrin.h>
#include <stddef.h>

static inline __m256i sg_avx2_tail_mask(size_t r)
{
    const __m256i lane = _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7);
    return _mm256_cmpgt_epi32(_mm256_set1_epi32((int)r), lane);
}
#endif
