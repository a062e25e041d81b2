/* Masked ReLU gradient, SVE, vector-length agnostic. Start from +0.0 (the h < 0 answer) and
 * select in dy where h > 0, grad_at_zero·dy (plain multiply, not fused) where h == ±0, and h
 * itself where h is NaN (unordered compare). Whole vectors go two at a time under an all-true
 * predicate; the rest runs under svwhilelt predicates (no scalar tail, no access past the end). */
#include <arm_sve.h>

#include "sg_kernels_impl.h"

static inline svfloat32_t relu_grad_v(svbool_t pg, svfloat32_t h, svfloat32_t dy, svfloat32_t g0)
{
    svfloat32_t r = svsel_f32(svcmpgt_n_f32(pg, h, 0.0f), dy, svdup_n_f32(0.0f));
    r = svsel_f32(svcmpeq_n_f32(pg, h, 0.0f), svmul_f32_x(pg, g0, dy), r);
    return svsel_f32(svcmpuo_f32(pg, h, h), h, r);
}

void sg_sve_relu_grad(size_t n, const float *h, const float *dy, float *dx, float grad_at_zero)
{
    const size_t vl = svcntw();
    const svbool_t all = svptrue_b32();
    const svfloat32_t g0 = svdup_n_f32(grad_at_zero);
    size_t i = 0;
    for (; i + 2 * vl <= n; i += 2 * vl) {
        const svfloat32_t r0 = relu_grad_v(all, svld1_f32(all, h + i), svld1_f32(all, dy + i), g0);
        const svfloat32_t r1 =
            relu_grad_v(all, svld1_vnum_f32(all, h + i, 1), svld1_vnum_f32(all, dy + i, 1), g0);
        svst1_f32(all, dx + i, r0);
        svst1_vnum_f32(all, dx + i, 1, r1);
    }
    for (; i < n; i += vl) {
        const svbool_t pg = svwhilelt_b32_u64(i, n);
        svst1_f32(pg, dx + i, relu_grad_v(pg, svld1_f32(pg, h + i), svld1_f32(pg, dy + i), g0));
    }
}
