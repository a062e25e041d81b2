/* Rounding to bfloat16 and binary16, kept as float (round_bf16 / round_fp16, simdgrad.h), NEON.
 * binary16 is FCVTN/FCVTL: under Linux's FPCR (round to nearest even, no flush-to-zero, no default
 * NaN, IEEE half) that is exactly the reference's rule, NaN payloads included. bfloat16 is the
 * reference's integer rounding, four lanes at a time. */
#include <arm_neon.h>

#include "sg_kernels_impl.h"

static inline float32x4_t bf16_4(float32x4_t v)
{
    const uint32x4_t b = vreinterpretq_u32_f32(v), hi = vdupq_n_u32(0xffff0000u);
    const uint32x4_t odd = vandq_u32(vshrq_n_u32(b, 16), vdupq_n_u32(1));
    const uint32x4_t rounded = vandq_u32(vaddq_u32(vaddq_u32(b, vdupq_n_u32(0x7fff)), odd), hi);
    const uint32x4_t quiet = vandq_u32(vorrq_u32(b, vdupq_n_u32(0x00400000u)), hi);
    return vreinterpretq_f32_u32(vbslq_u32(vceqq_f32(v, v), rounded, quiet));
}

static inline float32x4_t fp16_4(float32x4_t v) { return vcvt_f32_f16(vcvt_f16_f32(v)); }

static inline float scalar_of(float32x4_t (*fn)(float32x4_t), float x)
{
    return vgetq_lane_f32(fn(vdupq_n_f32(x)), 0);
}

#define SG_NEON_ROUND_LOOP(fn)                                                                               \
    size_t i = 0;                                                                                            \
    for (; i + 8 <= n; i += 8) {                                                                             \
        const float32x4_t a = fn(vld1q_f32(x + i)), b = fn(vld1q_f32(x + i + 4));                            \
        vst1q_f32(y + i, a);                                                                                 \
        vst1q_f32(y + i + 4, b);                                                                             \
    }                                                                                                        \
    for (; i + 4 <= n; i += 4)                                                                               \
        vst1q_f32(y + i, fn(vld1q_f32(x + i)));                                                              \
    for (; i < n; i++)                                                                                       \
        y[i] = scalar_of(fn, x[i]);

void sg_neon_round_bf16(size_t n, const float *x, float *y) { SG_NEON_ROUND_LOOP(bf16_4) }

void sg_neon_round_fp16(size_t n, const float *x, float *y) { SG_NEON_ROUND_LOOP(fp16_4) }
