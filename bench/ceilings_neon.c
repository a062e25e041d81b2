/* NEON ceilings (aarch64, where Advanced SIMD is baseline): FMA chains for scalar fmadd and
 * 128-bit fmla, 16 independent chains (4-cycle latency × up to 4 FP pipes on Neoverse V-class
 * cores), and streaming loops for read / copy / add. */
#include <arm_neon.h>

#include "sgb.h"

#define SGB_MUL 0.999f
#define SGB_ADD 0.001f

float sgb_neon_sink;

/* One fmadd per chain in asm: the compiler would otherwise pack the scalar chains into vectors. */
#define SGB_FMADD(c) __asm__("fmadd %s0, %s0, %s1, %s2" : "+w"(c) : "w"(m), "w"(a))

double sgb_neon_fma_scalar(int64_t iters)
{
    const float m = SGB_MUL, a = SGB_ADD;
    float c[16];
    for (int j = 0; j < 16; j++) /* distinct values: identical chains would be merged into one */
        c[j] = 1.0f + (float)j * 0x1p-10f;
    float c0 = c[0], c1 = c[1], c2 = c[2], c3 = c[3], c4 = c[4], c5 = c[5], c6 = c[6], c7 = c[7];
    float c8 = c[8], c9 = c[9], c10 = c[10], c11 = c[11], c12 = c[12], c13 = c[13], c14 = c[14], c15 = c[15];
    for (int64_t i = 0; i < iters; i++) {
        SGB_FMADD(c0);
        SGB_FMADD(c1);
        SGB_FMADD(c2);
        SGB_FMADD(c3);
        SGB_FMADD(c4);
        SGB_FMADD(c5);
        SGB_FMADD(c6);
        SGB_FMADD(c7);
        SGB_FMADD(c8);
        SGB_FMADD(c9);
        SGB_FMADD(c10);
        SGB_FMADD(c11);
        SGB_FMADD(c12);
        SGB_FMADD(c13);
        SGB_FMADD(c14);
        SGB_FMADD(c15);
    }
    sgb_neon_sink = c0 + c1 + c2 + c3 + c4 + c5 + c6 + c7 + c8 + c9 + c10 + c11 + c12 + c13 + c14 + c15;
    return 2.0 * 16 * (double)iters;
}

double sgb_neon_fma_q(int64_t iters)
{
    const float32x4_t m = vdupq_n_f32(SGB_MUL), a = vdupq_n_f32(SGB_ADD);
    float32x4_t c[16];
    for (int j = 0; j < 16; j++) /* distinct values: identical chains would be merged into one */
        c[j] = vdupq_n_f32(1.0f + (float)j * 0x1p-10f);
    for (int64_t i = 0; i < iters; i++)
        for (int j = 0; j < 16; j++) /* fully unrolled at -O2+; every chain stays in a register */
            c[j] = vfmaq_f32(a, c[j], m);
    float32x4_t s = c[0];
    for (int j = 1; j < 16; j++)
        s = vaddq_f32(s, c[j]);
    sgb_neon_sink = vaddvq_f32(s);
    return 2.0 * 16 * 4 * (double)iters;
}

/* n is a multiple of 16 (sgb_elems_for). */
float sgb_neon_read(size_t n, const float *a)
{
    float32x4_t s0 = vdupq_n_f32(0), s1 = s0, s2 = s0, s3 = s0;
    for (size_t i = 0; i < n; i += 16) {
        s0 = vaddq_f32(s0, vld1q_f32(a + i));
        s1 = vaddq_f32(s1, vld1q_f32(a + i + 4));
        s2 = vaddq_f32(s2, vld1q_f32(a + i + 8));
        s3 = vaddq_f32(s3, vld1q_f32(a + i + 12));
    }
    return vaddvq_f32(vaddq_f32(vaddq_f32(s0, s1), vaddq_f32(s2, s3)));
}

void sgb_neon_copy(size_t n, const float *a, float *b)
{
    for (size_t i = 0; i < n; i += 16) {
        float32x4_t x0 = vld1q_f32(a + i), x1 = vld1q_f32(a + i + 4);
        float32x4_t x2 = vld1q_f32(a + i + 8), x3 = vld1q_f32(a + i + 12);
        vst1q_f32(b + i, x0);
        vst1q_f32(b + i + 4, x1);
        vst1q_f32(b + i + 8, x2);
        vst1q_f32(b + i + 12, x3);
    }
}

void sgb_neon_add(size_t n, const float *a, const float *b, float *c)
{
    for (size_t i = 0; i < n; i += 16) {
        vst1q_f32(c + i, vaddq_f32(vld1q_f32(a + i), vld1q_f32(b + i)));
        vst1q_f32(c + i + 4, vaddq_f32(vld1q_f32(a + i + 4), vld1q_f32(b + i + 4)));
        vst1q_f32(c + i + 8, vaddq_f32(vld1q_f32(a + i + 8), vld1q_f32(b + i + 8)));
        vst1q_f32(c + i + 12, vaddq_f32(vld1q_f32(a + i + 12), vld1q_f32(b + i + 12)));
    }
}

/* FMA latency: one chain of dependent 128-bit fmla, eight per round. Returns the FMAs done. */
double sgb_neon_fma_latency(int64_t iters)
{
    const float32x4_t m = vdupq_n_f32(SGB_MUL), a = vdupq_n_f32(SGB_ADD);
    float32x4_t c = vdupq_n_f32(1.0f);
    for (int64_t i = 0; i < iters; i++)
        for (int j = 0; j < 8; j++)
            __asm__("fmla %0.4s, %1.4s, %2.4s" : "+w"(c) : "w"(m), "w"(a));
    sgb_neon_sink = vgetq_lane_f32(c, 0);
    return 8.0 * (double)iters;
}
