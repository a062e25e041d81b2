/* Rounding to bfloat16 and binary16, kept as float (round_bf16 / round_fp16, simdgrad.h), SVE,
 * vector-length agnostic. binary16 is FCVT to half and back (Linux's FPCR: nearest even, no
 * flush, no default NaN: the reference's rule); bfloat16 is the reference's integer rounding.
 * svwhilelt predicates cover the tail: inactive lanes are neither loaded nor stored. */
#include <arm_sve.h>

#include "sg_kernels_impl.h"

static inline svfloat32_t bf16_v(svbool_t pg, svfloat32_t v)
{
    const svuint32_t b = svreinterpret_u32_f32(v);
    const svuint32_t odd = svand_n_u32_x(pg, svlsr_n_u32_x(pg, b, 16), 1);
    const svuint32_t rounded =
        svand_n_u32_x(pg, svadd_u32_x(pg, svadd_n_u32_x(pg, b, 0x7fff), odd), 0xffff0000u);
    const svuint32_t quiet = svand_n_u32_x(pg, svorr_n_u32_x(pg, b, 0x00400000u), 0xffff0000u);
    return svreinterpret_f32_u32(svsel_u32(svcmpuo_f32(pg, v, v), quiet, rounded));
}

static inline svfloat32_t fp16_v(svbool_t pg, svfloat32_t v)
{
    /* FCVT narrows each 32-bit lane to a half in its low 16 bits and widens it back in place. */
    return svcvt_f32_f16_x(pg, svcvt_f16_f32_x(pg, v));
}

#define SG_SVE_ROUND_LOOP(fn)                                                                                \
    const size_t vl = svcntw();                                                                              \
    for (size_t i = 0; i < n; i += vl) {                                                                     \
        const svbool_t pg = svwhilelt_b32_u64(i, n);                                                         \
        svst1_f32(pg, y + i, fn(pg, svld1_f32(pg, x + i)));                                                  \
    }

void sg_sve_round_bf16(size_t n, const float *x, float *y) { SG_SVE_ROUND_LOOP(bf16_v) }

void sg_sve_round_fp16(size_t n, const float *x, float *y) { SG_SVE_ROUND_LOOP(fp16_v) }
