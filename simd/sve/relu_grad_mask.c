/* The masked ReLU gradient from relu_mask's codes instead of h (relu_grad_mask, simdgrad.h), SVE,
 * vector-length agnostic. A step covers four vectors of floats, whose codes are exactly VL/32 mask
 * bytes: one byte-extending load puts byte j in u32 lane j, and for each vector a TBL copies the byte
 * lane l needs (l/4 within that vector's quarter) into lane l, where its code sits at bits 2·(l%4);
 * it is compared there, against per-lane constants, unshifted. Zeros and NaNs in h are rare: when no
 * code of the step has its high bit set (ZERO and NAN do), each vector is dy loaded under the POS
 * lanes, the load zeroing the others (a NEG lane's +0.0 costs no select). Otherwise POS and ZERO lanes
 * load dy, ZERO lanes multiply it by g0 (svmul, a plain IEEE multiply: Linux runs AArch64 without
 * flush-to-zero, like the reference), and NAN lanes take y (h's NaN as relu passed it through), loaded
 * only under the NAN lanes' predicate, so y is read only there. The last step runs the same code under
 * svwhilelt predicates: the padding bits of the last mask byte are never looked at, and no float past
 * n is touched. */
#include <arm_sve.h>
#include <stdbool.h>

#include "sg_kernels_impl.h"

/* dx for one vector under pg: bytes holds the step's mask bytes (byte j in lane j), idx the lane each
 * of this vector's lanes reads its byte from; c_field, c_pos and c_zero are 3, SG_MASK_POS and
 * SG_MASK_ZERO shifted to lane l's bits 2·(l%4). */
static inline void grad_vec(svbool_t pg, svuint32_t bytes, svuint32_t idx, svuint32_t c_field,
                            svuint32_t c_pos, svuint32_t c_zero, bool rare, const float *y, const float *dy,
                            float *dx, svfloat32_t g0)
{
    const svuint32_t field = svand_u32_x(pg, svtbl_u32(bytes, idx), c_field);
    const svbool_t pos = svcmpeq_u32(pg, field, c_pos);
    if (!rare) {
        svst1_f32(pg, dx, svld1_f32(pos, dy));
        return;
    }
    const svbool_t zero = svcmpeq_u32(pg, field, c_zero);
    const svbool_t nan = svcmpeq_u32(pg, field, c_field);
    svfloat32_t r = svmul_f32_m(zero, svld1_f32(svorr_b_z(pg, pos, zero), dy), g0);
    if (svptest_any(pg, nan))
        r = svsel_f32(nan, svld1_f32(nan, y), r);
    svst1_f32(pg, dx, r);
}

/* True when a code among the active bytes is ZERO or NAN (bit 1 of some code set). */
static inline bool any_rare(svbool_t pb, svuint32_t bytes)
{
    return svptest_any(pb, svcmpne_n_u32(pb, svand_n_u32_x(pb, bytes, 0xAAu), 0));
}

void sg_sve_relu_grad_mask(size_t n, const uint8_t *mask, const float *y, const float *dy, float *dx,
                           float grad_at_zero)
{
    const size_t vl = svcntw(); /* a multiple of 4: SVE vectors are multiples of 128 bits */
    const svbool_t all = svptrue_b32();
    const svfloat32_t g0 = svdup_n_f32(grad_at_zero);
    const svuint32_t lane = svindex_u32(0, 1);
    const svuint32_t shift = svlsl_n_u32_x(all, svand_n_u32_x(all, lane, 3), 1);
    const svuint32_t c_field = svlsl_u32_x(all, svdup_n_u32(3), shift);
    const svuint32_t c_pos = svlsl_u32_x(all, svdup_n_u32(SG_MASK_POS), shift);
    const svuint32_t c_zero = svlsl_u32_x(all, svdup_n_u32(SG_MASK_ZERO), shift);
    const svuint32_t idx0 = svlsr_n_u32_x(all, lane, 2);
    const svuint32_t idx1 = svadd_n_u32_x(all, idx0, (uint32_t)(vl / 4));
    const svuint32_t idx2 = svadd_n_u32_x(all, idx0, (uint32_t)(2 * vl / 4));
    const svuint32_t idx3 = svadd_n_u32_x(all, idx0, (uint32_t)(3 * vl / 4));
    size_t i = 0;
    for (; i + 4 * vl <= n; i += 4 * vl) {
        const svuint32_t bytes = svld1ub_u32(all, mask + i / 4);
        const bool rare = any_rare(all, bytes);
        grad_vec(all, bytes, idx0, c_field, c_pos, c_zero, rare, y + i, dy + i, dx + i, g0);
        grad_vec(all, bytes, idx1, c_field, c_pos, c_zero, rare, y + i + vl, dy + i + vl, dx + i + vl, g0);
        grad_vec(all, bytes, idx2, c_field, c_pos, c_zero, rare, y + i + 2 * vl, dy + i + 2 * vl,
                 dx + i + 2 * vl, g0);
        grad_vec(all, bytes, idx3, c_field, c_pos, c_zero, rare, y + i + 3 * vl, dy + i + 3 * vl,
                 dx + i + 3 * vl, g0);
    }
    if (i < n) {
        const svbool_t pb = svwhilelt_b32_u64(i / 4, (n + 3) / 4);
        const svuint32_t bytes = svld1ub_u32(pb, mask + i / 4);
        const bool rare = any_rare(pb, bytes);
        /* Vectors wholly past n are skipped, so no pointer is formed past the arrays. */
        for (size_t q = 0; q < 4 && i + q * vl < n; q++) {
            const size_t j = i + q * vl;
            const svuint32_t idx = svadd_n_u32_x(all, idx0, (uint32_t)(q * vl / 4));
            grad_vec(svwhilelt_b32_u64(j, n), bytes, idx, c_field, c_pos, c_zero, rare, y + j, dy + j, dx + j,
                     g0);
        }
    }
}
