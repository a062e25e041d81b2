/* The AVX-512 intrinsics of the avx512 kernels: native <immintrin.h>, or, in the CI-only build
 * -Davx512_emulation=true (SG_AVX512_EMULATED), SIMDe's portable AVX-512 on AVX2+FMA, so that the
 * kernels' own code paths (masks, tails, the packed driver) run bit for bit on a CPU without
 * AVX-512 (tools/stages/25-avx512-emu.sh). Timings of that build mean nothing.
 *
 * Only the intrinsics listed below are aliased. Any other _mm512_* a kernel starts using stays GCC's
 * native one, which fails to compile without -mavx512f ("target specific option mismatch"), so
 * nothing reaches the emulated build without being added, and audited, here. */
#ifndef SG_AVX512_INTRIN_H
#define SG_AVX512_INTRIN_H

#ifndef SG_AVX512_EMULATED
#include <immintrin.h>
#else

/* SIMDe's _mm512_fmadd_ps is a fused multiply-add only where FMA is native (on halves, through
   _mm256_fmadd_ps); elsewhere it falls back to a multiply and an add, two roundings, which would
   break the matmul contract. Native AVX-512 flags would make SIMDe a pass-through and test nothing. */
#if !defined(__AVX2__) || !defined(__FMA__)
#error "the AVX-512 emulation needs -mavx2 -mfma (a fused _mm512_fmadd_ps)"
#endif
#if defined(__AVX512F__)
#error "the AVX-512 emulation must not be compiled with native AVX-512 flags"
#endif

#include <immintrin.h>
#include <simde/x86/avx512.h>
#include <stdint.h>

#if SIMDE_NATURAL_VECTOR_SIZE != 256
#error "expected SIMDe to split 512-bit operations into native 256-bit ones"
#endif

/* SIMDe 0.7.4 has no _mm512_maskz_loadu_ps / _mm512_mask_storeu_ps. These keep AVX-512's fault
   suppression: masked-off lanes are never read or written (VMASKMOVPS per 256-bit half, skipped when
   the half's mask is empty), so the guard-page tests check the kernels' masks as natively. */
static inline __m256i sg_emu_lanes8(unsigned bits)
{
    const __m256i bit = _mm256_setr_epi32(1, 2, 4, 8, 16, 32, 64, 128);
    return _mm256_cmpeq_epi32(_mm256_and_si256(_mm256_set1_epi32((int)bits), bit), bit);
}

static inline __m512 sg_emu_maskz_loadu_ps(__mmask16 k, const void *p)
{
    const float *f = (const float *)p;
    simde__m512_private r;
    r.m256[0] = (k & 0xFF) ? _mm256_maskload_ps(f, sg_emu_lanes8(k & 0xFF)) : _mm256_setzero_ps();
    r.m256[1] = (k >> 8) ? _mm256_maskload_ps(f + 8, sg_emu_lanes8(k >> 8)) : _mm256_setzero_ps();
    return simde__m512_from_private(r);
}

static inline void sg_emu_mask_storeu_ps(void *p, __mmask16 k, __m512 v)
{
    float *f = (float *)p;
    const simde__m512_private a = simde__m512_to_private(v);
    if (k & 0xFF)
        _mm256_maskstore_ps(f, sg_emu_lanes8(k & 0xFF), a.m256[0]);
    if (k >> 8)
        _mm256_maskstore_ps(f + 8, sg_emu_lanes8(k >> 8), a.m256[1]);
}

#undef _mm512_loadu_ps
#undef _mm512_storeu_ps
#undef _mm512_maskz_loadu_ps
#undef _mm512_mask_storeu_ps
#undef _mm512_fmadd_ps
#undef _mm512_set1_ps
#undef _mm512_setzero_ps
#undef _mm512_cmp_ps_mask
#undef _mm512_maskz_mov_ps
#undef _mm512_mask_mov_ps
#undef _mm512_mask_mul_ps
/* relu_mask / relu_grad_mask: integer and opmask work, exact by nature (the kernel tests check the
   codes bit for bit). SIMDe 0.7.4 also lacks _mm512_cvtepi32_epi8 and _mm512_stream_ps, which those
   files therefore avoid (relu_mask.c). */
#undef _mm512_add_epi32
#undef _mm512_castsi512_si128
#undef _mm512_madd_epi16
#undef _mm512_maddubs_epi16
#undef _mm512_mask_add_epi8
#undef _mm512_maskz_mov_epi8
#undef _mm512_permutexvar_epi32
#undef _mm512_set1_epi8
#undef _mm512_set1_epi16
#undef _mm512_set1_epi32
#undef _mm512_setr_epi32
#undef _mm512_shuffle_epi8
#undef _mm512_test_epi32_mask
#define _mm512_loadu_ps(p)                 simde_mm512_loadu_ps(p)
#define _mm512_storeu_ps(p, v)             simde_mm512_storeu_ps(p, v)
#define _mm512_maskz_loadu_ps(k, p)        sg_emu_maskz_loadu_ps(k, p)
#define _mm512_mask_storeu_ps(p, k, v)     sg_emu_mask_storeu_ps(p, k, v)
#define _mm512_fmadd_ps(a, b, c)           simde_mm512_fmadd_ps(a, b, c)
#define _mm512_set1_ps(x)                  simde_mm512_set1_ps(x)
#define _mm512_setzero_ps()                simde_mm512_setzero_ps()
#define _mm512_cmp_ps_mask(a, b, imm)      simde_mm512_cmp_ps_mask(a, b, imm)
#define _mm512_maskz_mov_ps(k, a)          simde_mm512_maskz_mov_ps(k, a)
#define _mm512_mask_mov_ps(src, k, a)      simde_mm512_mask_mov_ps(src, k, a)
#define _mm512_mask_mul_ps(src, k, a, b)   simde_mm512_mask_mul_ps(src, k, a, b)
#define _mm512_add_epi32(a, b)             simde_mm512_add_epi32(a, b)
#define _mm512_castsi512_si128(a)          simde_mm512_castsi512_si128(a)
#define _mm512_madd_epi16(a, b)            simde_mm512_madd_epi16(a, b)
#define _mm512_maddubs_epi16(a, b)         simde_mm512_maddubs_epi16(a, b)
#define _mm512_mask_add_epi8(src, k, a, b) simde_mm512_mask_add_epi8(src, k, a, b)
#define _mm512_maskz_mov_epi8(k, a)        simde_mm512_maskz_mov_epi8(k, a)
#define _mm512_permutexvar_epi32(idx, a)   simde_mm512_permutexvar_epi32(idx, a)
#define _mm512_set1_epi8(x)                simde_mm512_set1_epi8(x)
#define _mm512_set1_epi16(x)               simde_mm512_set1_epi16(x)
#define _mm512_set1_epi32(x)               simde_mm512_set1_epi32(x)
#define _mm512_setr_epi32(...)             simde_mm512_setr_epi32(__VA_ARGS__)
#define _mm512_shuffle_epi8(a, b)          simde_mm512_shuffle_epi8(a, b)
#define _mm512_test_epi32_mask(a, b)       simde_mm512_test_epi32_mask(a, b)

#endif /* SG_AVX512_EMULATED */
#endif
