/* Masked ReLU gradient, SVE, vector-length agnostic. Start from +0.0 (the h < 0 answer) and
 * select in dy where h > 0, grad_at_zero·dy (plain multiply, not fused) where h == ±0, and h
 * itself where h is NaN (unordered compare). The svwhilelt predicate handles the tail. */
#include <arm_sve.h>

#include "sg_kernels_impl.h"

void sg_sve_relu_grad(size_t n, const float *h, const float *dy, float *dx, float grad_at_zero)
{
    const svfloat32_t zero = svdup_n_f32(0.0f), g0 = svdup_n_f32(grad_at_zero);
    for (size_t i = 0; i < n; i += svcntw()) {
        const svbool_t pg = svwhilelt_b32_u64(i, n);
        const svfloat32_t hv = svld1_f32(pg, h + i), g = svld1_f32(pg, dy + i);
        svfloat32_t r = svsel_f32(svcmpgt_n_f32(pg, hv, 0.0f), g, zero);
        r = svsel_f32(svcmpeq_n_f32(pg, hv, 0.0f), svmul_f32_x(pg, g0, g), r);
        r = svsel_f32(svcmpuo_f32(pg, hv, hv), hv, r);
        svst1_f32(pg, dx + i, r);
    }
}
