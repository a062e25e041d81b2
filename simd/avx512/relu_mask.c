/* ReLU forward that also records each element's 2-bit code (relu_mask, simdgrad.h), AVX-512.
 * 64 elements a round: four relu vectors, and their 128 code bits as one 16-byte store.
 *
 * Per element the code's low bit is the relu compare itself (x > 0 or NaN, NLE_UQ) and its high bit
 * x == ±0 or NaN (EQ_UQ); each comes as a 16-bit opmask per vector, joined into 64-bit masks for
 * the round. Packing them (codes64): one byte per element from the two masks, maddubs and madd fold
 * each four bytes into their code byte (b0 + 4·b1 + 16·b2 + 64·b3, one per 32-bit lane), and a byte
 * shuffle plus a dword permute gather those 16 bytes. No PDEP: the avx512 probe does not check BMI2.
 * vpmovdb would replace the last two shuffles, but SIMDe 0.7.4 (the emulated CI build) lacks
 * _mm512_cvtepi32_epi8; its truncating cousins saturate.
 *
 * For n >= 256 a peel aligns y to 64 bytes (a misaligned zmm store splits a cache line, relu.c); it
 * must be a multiple of 4 elements to keep code bytes whole, so it is taken only when y is 16-byte
 * aligned (0, 4, 8 or 12 elements), else the loop runs unaligned. No streaming stores:
 * _mm512_stream_ps is another intrinsic SIMDe 0.7.4 lacks, and relu/relu_grad do not stream either. */
#include <stdint.h>
#include <string.h>

#include "sg_kernels_impl.h"
#include "simd/avx512/intrin.h"

/* The code's low bit (and relu's keep mask) and high bit of 16 lanes. */
static inline __mmask16 code_lo16(__m512 v)
{
    return _mm512_cmp_ps_mask(v, _mm512_setzero_ps(), _CMP_NLE_UQ);
}
static inline __mmask16 code_hi16(__m512 v) { return _mm512_cmp_ps_mask(v, _mm512_setzero_ps(), _CMP_EQ_UQ); }

/* The 16 code bytes of 64 elements whose low bits are lo's bits and high bits hi's (element j: bit j). */
static inline __m128i codes64(uint64_t lo, uint64_t hi)
{
    __m512i c = _mm512_maskz_mov_epi8(lo, _mm512_set1_epi8(1));
    c = _mm512_mask_add_epi8(c, hi, c, _mm512_set1_epi8(2));   /* byte j = code j (0..3) */
    c = _mm512_maddubs_epi16(c, _mm512_set1_epi16(0x0401));    /* b0 + 4·b1 <= 15 */
    c = _mm512_madd_epi16(c, _mm512_set1_epi32(0x00100001));   /* + 16·(b2 + 4·b3) <= 255 */
    c = _mm512_shuffle_epi8(c, _mm512_set1_epi32(0x0C080400)); /* a lane's 4 code bytes */
    c = _mm512_permutexvar_epi32(_mm512_setr_epi32(0, 4, 8, 12, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0), c);
    return _mm512_castsi512_si128(c);
}

/* 1 <= r <= 63 elements from x (a multiple of 4 from the call's start): y and exactly the (r+3)/4
   code bytes; opmask loads and stores touch nothing past element r. */
static void relu_mask_part(const float *x, float *y, uint8_t *mask, size_t r)
{
    const uint64_t live = (1ull << r) - 1;
    uint64_t lo = 0, hi = 0;
    for (size_t q = 0; 16 * q < r; q++) {
        const __mmask16 m = (__mmask16)(live >> (16 * q));
        const __m512 v = _mm512_maskz_loadu_ps(m, x + 16 * q);
        const __mmask16 l = code_lo16(v) & m;
        /* The zero-filled lanes past r read as ZERO: only real elements' bits (unused ones stay 0). */
        lo |= (uint64_t)l << (16 * q);
        hi |= (uint64_t)(code_hi16(v) & m) << (16 * q);
        _mm512_mask_storeu_ps(y + 16 * q, m, _mm512_maskz_mov_ps(l, v));
    }
    const __m128i c = codes64(lo, hi);
    const size_t nb = (r + 3) / 4;
    if (nb == 16) {
        _mm_storeu_si128((__m128i *)(void *)mask, c);
        return;
    }
    size_t at = 0;
    uint64_t w = (uint64_t)_mm_cvtsi128_si64(c);
    if (nb >= 8) {
        memcpy(mask, &w, 8);
        w = (uint64_t)_mm_cvtsi128_si64(_mm_unpackhi_epi64(c, c));
        at = 8;
    }
    if (nb - at >= 4) {
        const uint32_t w4 = (uint32_t)w;
        memcpy(mask + at, &w4, 4);
        w >>= 32;
        at += 4;
    }
    if (nb - at >= 2) {
        const uint16_t w2 = (uint16_t)w;
        memcpy(mask + at, &w2, 2);
        w >>= 16;
        at += 2;
    }
    if (nb - at)
        mask[at] = (uint8_t)w;
}

void sg_avx512_relu_mask(size_t n, const float *x, float *y, uint8_t *mask)
{
    size_t i = 0;
    if (n >= 256 && !((uintptr_t)y & 15)) {
        const size_t head = ((64 - ((uintptr_t)y & 63)) & 63) / sizeof(float);
        if (head) {
            relu_mask_part(x, y, mask, head);
            i = head;
        }
    }
    for (; i + 64 <= n; i += 64) {
        const __m512 a = _mm512_loadu_ps(x + i), b = _mm512_loadu_ps(x + i + 16);
        const __m512 c = _mm512_loadu_ps(x + i + 32), d = _mm512_loadu_ps(x + i + 48);
        const __mmask16 la = code_lo16(a), lb = code_lo16(b), lc = code_lo16(c), ld = code_lo16(d);
        _mm512_storeu_ps(y + i, _mm512_maskz_mov_ps(la, a));
        _mm512_storeu_ps(y + i + 16, _mm512_maskz_mov_ps(lb, b));
        _mm512_storeu_ps(y + i + 32, _mm512_maskz_mov_ps(lc, c));
        _mm512_storeu_ps(y + i + 48, _mm512_maskz_mov_ps(ld, d));
        const uint64_t lo = (uint64_t)la | (uint64_t)lb << 16 | (uint64_t)lc << 32 | (uint64_t)ld << 48;
        const uint64_t hi = (uint64_t)code_hi16(a) | (uint64_t)code_hi16(b) << 16 |
                            (uint64_t)code_hi16(c) << 32 | (uint64_t)code_hi16(d) << 48;
        _mm_storeu_si128((__m128i *)(void *)(mask + i / 4), codes64(lo, hi));
    }
    if (i < n)
        relu_mask_part(x + i, y + i, mask + i / 4, n - i);
}
