/* The masked ReLU gradient from relu_mask's codes instead of h (relu_grad_mask, simdgrad.h), AVX-512.
 * 16 elements' codes are one 32-bit word: broadcast to every lane, one vptestmd against lane j's bit
 * 2j gives the low-bit opmask, one against bit 2j+1 the high-bit one. Then dx = lo ? dy : +0, over
 * which hi lanes (ZERO, NAN) take g0·dy and, only when some code is NAN, lo & hi lanes take y through
 * an opmask load, so y is read only there. The main loop checks a round's 128 code bits for NAN once in
 * general registers, so its common rounds have no branch inside (and stay one block for the llvm-mca
 * model, docs/model.md).
 *
 * For n >= 256 a peel aligns dx to 64 bytes (see relu_mask.c: whole code bytes, so only when dx is
 * 16-byte aligned). No streaming stores, as relu_mask.c says. */
#include <stdint.h>
#include <string.h>

#include "sg_kernels_impl.h"
#include "simd/avx512/intrin.h"

/* dx for 16 elements whose codes are bits (element j: bits 2j, 2j+1); lanes outside m are not
   stored by the caller, and y is read only in m's NAN lanes (m = 0: the caller knows there are none). */
static inline __m512 grad16(uint32_t bits, __m512 dy, const float *y, __mmask16 m, __m512 g0)
{
    const __m512i lo_bit =
        _mm512_setr_epi32(1 << 0, 1 << 2, 1 << 4, 1 << 6, 1 << 8, 1 << 10, 1 << 12, 1 << 14, 1 << 16, 1 << 18,
                          1 << 20, 1 << 22, 1 << 24, 1 << 26, 1 << 28, 1 << 30);
    const __m512i b = _mm512_set1_epi32((int)bits);
    const __mmask16 lo = _mm512_test_epi32_mask(b, lo_bit);
    const __mmask16 hi = _mm512_test_epi32_mask(b, _mm512_add_epi32(lo_bit, lo_bit));
    __m512 r = _mm512_maskz_mov_ps(lo, dy);
    r = _mm512_mask_mul_ps(r, hi, g0, dy); /* g0 first, as relu_grad: which NaN a NaN·NaN returns */
    const __mmask16 nan = lo & hi & m;
    if (nan)
        r = _mm512_mask_mov_ps(r, nan, _mm512_maskz_loadu_ps(nan, y));
    return r;
}

/* 1 <= r <= 15 elements: exactly their (r+3)/4 code bytes are read, and dy, y, dx under opmasks. */
static void grad_part(const uint8_t *mask, const float *y, const float *dy, float *dx, size_t r, __m512 g0)
{
    uint32_t bits = 0;
    for (size_t k = 0; 4 * k < r; k++)
        bits |= (uint32_t)mask[k] << (8 * k);
    const __mmask16 m = (__mmask16)((1u << r) - 1);
    _mm512_mask_storeu_ps(dx, m, grad16(bits, _mm512_maskz_loadu_ps(m, dy), y, m, g0));
}

void sg_avx512_relu_grad_mask(size_t n, const uint8_t *mask, const float *y, const float *dy, float *dx,
                              float grad_at_zero)
{
    const __m512 g0 = _mm512_set1_ps(grad_at_zero);
    size_t i = 0;
    if (n >= 256 && !((uintptr_t)dx & 15)) {
        const size_t head = ((64 - ((uintptr_t)dx & 63)) & 63) / sizeof(float);
        if (head) {
            grad_part(mask, y, dy, dx, head, g0);
            i = head;
        }
    }
    while (i + 64 <= n) {
        for (; i + 64 <= n; i += 64) { /* the fast rounds, left at the first NAN code */
            uint64_t w[2];
            memcpy(w, mask + i / 4, sizeof w);
            if (((w[0] & w[0] >> 1) | (w[1] & w[1] >> 1)) & 0x5555555555555555ull)
                break;
            for (size_t q = 0; q < 4; q++) {
                const size_t at = i + 16 * q;
                uint32_t c;
                memcpy(&c, mask + at / 4, sizeof c);
                _mm512_storeu_ps(dx + at, grad16(c, _mm512_loadu_ps(dy + at), y + at, 0, g0));
            }
        }
        if (i + 64 > n)
            break;
        for (size_t q = 0; q < 4; q++, i += 16) { /* a round with a NAN code */
            uint32_t c;
            memcpy(&c, mask + i / 4, sizeof c);
            _mm512_storeu_ps(dx + i, grad16(c, _mm512_loadu_ps(dy + i), y + i, 0xFFFF, g0));
        }
    }
    for (; i + 16 <= n; i += 16) {
        uint32_t w;
        memcpy(&w, mask + i / 4, sizeof w);
        _mm512_storeu_ps(dx + i, grad16(w, _mm512_loadu_ps(dy + i), y + i, 0xFFFF, g0));
    }
    if (i < n)
        grad_part(mask + i / 4, y + i, dy + i, dx + i, n - i, g0);
}
