/* Packing and unpacking relu_mask's 2-bit codes (simdgrad.h, sg_mask_code) with AVX2. Include only
 * from AVX2-compiled files.
 *
 * Per element the code's low bit is "x > 0 or NaN" and its high bit "x == ±0 or NaN"; movemasks of
 * the compares give 8 lanes at a time. The high bit is NLT_UQ & NGT_UQ rather than one EQ_UQ:
 * valgrind 3.19 evaluates EQ_UQ (and NEQ_OQ) as if ordered, which would turn NaN codes into POS
 * under the memcheck stage. No PDEP: it is microcoded (hundreds of cycles) on Zen 1/2, so the bit
 * interleave is shifts and masks. */
#ifndef SG_AVX2_MASK_BITS_H
#define SG_AVX2_MASK_BITS_H
#include <immintrin.h>
#include <stdint.h>
#include <string.h>

/* Bit j of x to bit 2j (x < 2^32). */
static inline uint64_t sg_avx2_spread32(uint64_t x)
{
    x = (x | (x << 16)) & 0x0000FFFF0000FFFFull;
    x = (x | (x << 8)) & 0x00FF00FF00FF00FFull;
    x = (x | (x << 4)) & 0x0F0F0F0F0F0F0F0Full;
    x = (x | (x << 2)) & 0x3333333333333333ull;
    return (x | (x << 1)) & 0x5555555555555555ull;
}

/* The low-bit and high-bit lane masks of 8 elements. */
static inline uint32_t sg_avx2_code_lo8(__m256 v)
{
    return (uint32_t)_mm256_movemask_ps(_mm256_cmp_ps(v, _mm256_setzero_ps(), _CMP_NLE_UQ));
}
static inline uint32_t sg_avx2_code_hi8(__m256 v)
{
    const __m256 z = _mm256_setzero_ps();
    return (uint32_t)_mm256_movemask_ps(
        _mm256_and_ps(_mm256_cmp_ps(v, z, _CMP_NLT_UQ), _mm256_cmp_ps(v, z, _CMP_NGT_UQ)));
}

/* Shifts that move code bit 2j (low) or 2j+1 (high) of a 16-bit group into lane j's sign bit. */
static inline __m256i sg_avx2_code_lo_shifts(void)
{
    return _mm256_setr_epi32(31, 29, 27, 25, 23, 21, 19, 17);
}
static inline __m256i sg_avx2_code_hi_shifts(void)
{
    return _mm256_setr_epi32(30, 28, 26, 24, 22, 20, 18, 16);
}

/* The (n+3)/4 mask bytes of up to 8 elements (n <= 8) as a 16-bit group; nothing past them is read. */
static inline uint32_t sg_avx2_load_codes_partial(const uint8_t *mask, size_t n)
{
    uint32_t bits = mask[0];
    if (n > 4)
        bits |= (uint32_t)mask[1] << 8;
    return bits;
}
#endif
