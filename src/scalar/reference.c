/* The scalar reference: the specification every vectorized kernel must match bit for bit.
 *
 * Built without auto-vectorization and without FP contraction (see meson.build), so each
 * line means exactly the IEEE operation it spells; fmaf is explicit where the contract says
 * fused multiply-add. The same source is compiled again for the benchmarks' "auto" baseline
 * (-O3 with an ISA's flags) with SG_REF_PREFIX renaming the entry points. */
#include <math.h>
#include <string.h>

#include "sg_kernels_impl.h"
#include "train_step_seq.h"

#ifndef SG_REF_PREFIX
#define SG_REF_PREFIX sg_scalar_
#endif
#define SG_REF_CAT2(a, b) a##b
#define SG_REF_CAT(a, b)  SG_REF_CAT2(a, b)
#define SG_REF(name)      SG_REF_CAT(SG_REF_PREFIX, name)
#ifndef SG_REF_ISA
#define SG_REF_ISA SG_ISA_SCALAR
#endif

/* Prototypes for renamed builds; the default prefix is already declared by the header. */
SG_DECLARE_ISA_KERNELS(SG_REF_PREFIX);

void SG_REF(matmul)(sg_trans ta, sg_trans tb, size_t m, size_t n, size_t k, const float *a, size_t lda,
                    const float *b, size_t ldb, float *c, size_t ldc)
{
    /* op(A)[i][p] and op(B)[p][j] as strides, so one loop nest serves all four forms. */
    const size_t a_row = ta == SG_NO_TRANS ? lda : 1, a_col = ta == SG_NO_TRANS ? 1 : lda;
    const size_t b_row = tb == SG_NO_TRANS ? ldb : 1, b_col = tb == SG_NO_TRANS ? 1 : ldb;
    for (size_t i = 0; i < m; i++) {
        for (size_t j = 0; j < n; j++) {
            float acc = 0.0f;
            for (size_t p = 0; p < k; p++)
                acc = fmaf(a[i * a_row + p * a_col], b[p * b_row + j * b_col], acc);
            c[i * ldc + j] = acc;
        }
    }
}

void SG_REF(relu)(size_t n, const float *x, float *y)
{
    for (size_t i = 0; i < n; i++) {
        const float v = x[i];
        /* v != v keeps NaN; everything not > 0 (including -0.0) becomes +0.0. */
        y[i] = (v > 0.0f || v != v) ? v : 0.0f;
    }
}

void SG_REF(relu_grad)(size_t n, const float *h, const float *dy, float *dx, float grad_at_zero)
{
    for (size_t i = 0; i < n; i++) {
        const float hv = h[i], g = dy[i];
        float r;
        if (hv > 0.0f)
            r = g;
        else if (hv == 0.0f)
            r = grad_at_zero * g;
        else if (hv < 0.0f)
            r = 0.0f;
        else
            r = hv; /* NaN in h: the NaN itself */
        dx[i] = r;
    }
}

/* The code relu_grad branches on, as data: the same comparisons in the same order. */
static unsigned mask_code(float hv)
{
    if (hv > 0.0f)
        return SG_MASK_POS;
    if (hv == 0.0f)
        return SG_MASK_ZERO;
    if (hv < 0.0f)
        return SG_MASK_NEG;
    return SG_MASK_NAN;
}

void SG_REF(relu_mask)(size_t n, const float *x, float *y, uint8_t *mask)
{
    unsigned byte = 0;
    for (size_t i = 0; i < n; i++) {
        const float v = x[i];
        byte |= mask_code(v) << (2 * (i % 4));
        y[i] = (v > 0.0f || v != v) ? v : 0.0f;
        if (i % 4 == 3 || i + 1 == n) {
            mask[i / 4] = (uint8_t)byte;
            byte = 0;
        }
    }
}

void SG_REF(relu_grad_mask)(size_t n, const uint8_t *mask, const float *y, const float *dy, float *dx,
                            float grad_at_zero)
{
    for (size_t i = 0; i < n; i++) {
        const unsigned code = (mask[i / 4] >> (2 * (i % 4))) & 3u;
        const float g = dy[i];
        float r;
        if (code == SG_MASK_POS)
            r = g;
        else if (code == SG_MASK_ZERO)
            r = grad_at_zero * g;
        else if (code == SG_MASK_NEG)
            r = 0.0f;
        else
            r = y[i]; /* h's NaN, passed through by the forward relu */
        dx[i] = r;
    }
}

static uint32_t f32_bits(float f)
{
    uint32_t b;
    memcpy(&b, &f, sizeof b);
    return b;
}

static float bits_f32(uint32_t b)
{
    float f;
    memcpy(&f, &b, sizeof f);
    return f;
}

void SG_REF(round_bf16)(size_t n, const float *x, float *y)
{
    for (size_t i = 0; i < n; i++) {
        const uint32_t b = f32_bits(x[i]);
        uint32_t r;
        if ((b & 0x7fffffffu) > 0x7f800000u)
            r = (b | 0x00400000u) & 0xffff0000u; /* NaN: quiet, top 7 payload bits */
        else
            /* Ties to even on the 16 dropped bits; a carry into the exponent is the correct
               rounding (up to inf past the largest finite bf16). */
            r = (b + 0x7fffu + ((b >> 16) & 1u)) & 0xffff0000u;
        y[i] = bits_f32(r);
    }
}

void SG_REF(round_fp16)(size_t n, const float *x, float *y)
{
    for (size_t i = 0; i < n; i++) {
        const uint32_t b = f32_bits(x[i]), sign = b & 0x80000000u, a = b & 0x7fffffffu;
        uint32_t r;
        if (a > 0x7f800000u) {
            r = (b | 0x00400000u) & 0xffffe000u; /* NaN: quiet, top 10 payload bits */
        } else if (a >= 0x38800000u) {
            /* Normal binary16 range and above: ties to even on the 13 dropped bits; 65520 and up
               carry to 2^16 or beyond, which is out of range: inf. */
            r = (a + 0xfffu + ((a >> 13) & 1u)) & 0xffffe000u;
            r = sign | (r >= 0x47800000u ? 0x7f800000u : r);
        } else {
            /* Below 2^-14 binary16 is fixed point with step 2^-24: adding 0.5 (whose ulp is 2^-24)
               rounds |x| to that grid, ties to even, exactly; subtracting it back is exact. */
            const float q = (bits_f32(a) + 0.5f) - 0.5f;
            r = sign | f32_bits(q);
        }
        y[i] = bits_f32(r);
    }
}

/* The step is the unfused sequence of this file's kernels (src/train_step_seq.h), so every ISA's fused
   step is checked against exactly what the seven separate calls and the update compute. */
void SG_REF(train_step)(size_t n, size_t d, size_t h, size_t o, const float *x, const float *y, float *w1,
                        float *w2, float lr, float grad_at_zero, float max_loss, float *work, float *loss,
                        uint64_t *counts)
{
    sg_train_step_seq(SG_REF(matmul), SG_REF(relu), SG_REF(relu_grad), n, d, h, o, x, y, w1, w2, lr,
                      grad_at_zero, max_loss, work, loss, counts);
}

/* This build's table: every family from this file (sg_scalar_table in the library, the rebuilt
   baselines' sg_auto_<isa>_table and sgb_scalarfma_table in the benchmarks and the icount driver). */
#define SG_REF_ENTRY_(prefix, name, params, args, work) .name = prefix##name,
const sg_kernels SG_REF(table) = {.isa = SG_REF_ISA, SG_FAMILY_ROWS(SG_REF_ENTRY_, SG_REF_PREFIX)};
