/* ReLU forward, SVE, vector-length agnostic. Lanes with x <= 0 (ordered compare: true for -0.0,
 * false for NaN) become +0.0; others keep their bits. Whole vectors go two at a time under an
 * all-true predicate; the rest runs under svwhilelt predicates, so there is no scalar tail and
 * inactive lanes are neither loaded nor stored. */
#include <arm_sve.h>

#include "sg_kernels_impl.h"

static inline svfloat32_t relu_v(svbool_t pg, svfloat32_t v)
{
    return svsel_f32(svcmple_n_f32(pg, v, 0.0f), svdup_n_f32(0.0f), v);
}

void sg_sve_relu(size_t n, const float *x, float *y)
{
    const size_t vl = svcntw();
    const svbool_t all = svptrue_b32();
    size_t i = 0;
    for (; i + 2 * vl <= n; i += 2 * vl) {
        const svfloat32_t a = svld1_f32(all, x + i), b = svld1_vnum_f32(all, x + i, 1);
        svst1_f32(all, y + i, relu_v(all, a));
        svst1_vnum_f32(all, y + i, 1, relu_v(all, b));
    }
    for (; i < n; i += vl) {
        const svbool_t pg = svwhilelt_b32_u64(i, n);
        svst1_f32(pg, y + i, relu_v(pg, svld1_f32(pg, x + i)));
    }
}
