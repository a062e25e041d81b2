/* ReLU forward, SVE, vector-length agnostic. The governing predicate from svwhilelt covers the
 * tail, so there is no scalar loop and inactive lanes are neither loaded nor stored. Lanes with
 * x <= 0 (ordered compare: true for -0.0, false for NaN) become +0.0; others keep their bits. */
#include <arm_sve.h>

#include "sg_kernels_impl.h"

void sg_sve_relu(size_t n, const float *x, float *y)
{
    const svfloat32_t zero = svdup_n_f32(0.0f);
    for (size_t i = 0; i < n; i += svcntw()) {
        const svbool_t pg = svwhilelt_b32_u64(i, n);
        const svfloat32_t v = svld1_f32(pg, x + i);
        svst1_f32(pg, y + i, svsel_f32(svcmple_n_f32(pg, v, 0.0f), zero, v));
    }
}
