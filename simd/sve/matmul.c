/* Matmul, SVE, vector-length agnostic, all four transpose forms. Same scheme as the NEON kernel:
 * C is computed in tiles of 4 rows × 2 vectors, one fused svmla per accumulator per step p, p
 * strictly increasing; k is cut into chunks of KC and the accumulator parked in C between chunks
 * (exact). Column tails need no scalar code: svwhilelt predicates mask the loads and stores. For
 * B transposed the KC×(2·VL) panel is first copied into a buffer sized for the largest SVE vector
 * (2048 bits). Narrow outputs (n < one vector, e.g. a matrix-vector product) are vectorized over
 * the rows of C instead, with a strided gather when A is not transposed. */
#include <arm_sve.h>
#include <stdint.h>

#include "sg_kernels_impl.h"

enum { KC = 64, MAX_VL = 64 /* floats in a 2048-bit vector */ };

#define SG_INLINE static inline __attribute__((always_inline))

/* Rows 0..mr) of C, columns under predicates p0 / p1 (vectors at c and c + vl). */
SG_INLINE void tile(int mr, size_t kc, const float *a, size_t ars, size_t acs, const float *bp, size_t bs,
                    size_t vl, svbool_t q0, svbool_t q1, float *c, size_t ldc, int first)
{
    const svbool_t all = svptrue_b32();
    const svfloat32_t z = svdup_n_f32(0.0f);
#define SG_LD(r, v) (first || (r) >= mr ? z : svld1_f32(q##v, c + (r)*ldc + (v)*vl))
    svfloat32_t c00 = SG_LD(0, 0), c01 = SG_LD(0, 1), c10 = SG_LD(1, 0), c11 = SG_LD(1, 1);
    svfloat32_t c20 = SG_LD(2, 0), c21 = SG_LD(2, 1), c30 = SG_LD(3, 0), c31 = SG_LD(3, 1);
#undef SG_LD
    size_t p = 0;
    /* Full tiles: fetch four op(A) values with one 128-bit load-and-replicate and use the
       indexed FMLA (still one fused multiply-add per element and step, same p order). */
#define SG_STEP(pp, A0, A1, A2, A3, L0, L1, L2, L3)                                                          \
    do {                                                                                                     \
        const svfloat32_t b0 = svld1_f32(q0, bp + (pp)*bs), b1 = svld1_f32(q1, bp + (pp)*bs + vl);           \
        c00 = svmla_lane_f32(c00, b0, A0, L0);                                                               \
        c01 = svmla_lane_f32(c01, b1, A0, L0);                                                               \
        c10 = svmla_lane_f32(c10, b0, A1, L1);                                                               \
        c11 = svmla_lane_f32(c11, b1, A1, L1);                                                               \
        c20 = svmla_lane_f32(c20, b0, A2, L2);                                                               \
        c21 = svmla_lane_f32(c21, b1, A2, L2);                                                               \
        c30 = svmla_lane_f32(c30, b0, A3, L3);                                                               \
        c31 = svmla_lane_f32(c31, b1, A3, L3);                                                               \
    } while (0)
    if (mr == 4 && acs == 1) { /* A not transposed: each row holds op(A)[r][p..p+3] */
        for (; p + 4 <= kc; p += 4) {
            const svfloat32_t a0 = svld1rq_f32(all, a + p), a1 = svld1rq_f32(all, a + ars + p);
            const svfloat32_t a2 = svld1rq_f32(all, a + 2 * ars + p), a3 = svld1rq_f32(all, a + 3 * ars + p);
            SG_STEP(p, a0, a1, a2, a3, 0, 0, 0, 0);
            SG_STEP(p + 1, a0, a1, a2, a3, 1, 1, 1, 1);
            SG_STEP(p + 2, a0, a1, a2, a3, 2, 2, 2, 2);
            SG_STEP(p + 3, a0, a1, a2, a3, 3, 3, 3, 3);
        }
    } else if (mr == 4 && ars == 1) { /* A transposed: op(A)[0..3][p] are adjacent */
        for (; p < kc; p++) {
            const svfloat32_t aq = svld1rq_f32(all, a + p * acs);
            SG_STEP(p, aq, aq, aq, aq, 0, 1, 2, 3);
        }
    }
#undef SG_STEP
    for (; p < kc; p++) {
        const svfloat32_t b0 = svld1_f32(q0, bp + p * bs), b1 = svld1_f32(q1, bp + p * bs + vl);
        const float *ap = a + p * acs;
        c00 = svmla_n_f32_x(all, c00, b0, ap[0]);
        c01 = svmla_n_f32_x(all, c01, b1, ap[0]);
        if (mr > 1) {
            c10 = svmla_n_f32_x(all, c10, b0, ap[ars]);
            c11 = svmla_n_f32_x(all, c11, b1, ap[ars]);
        }
        if (mr > 2) {
            c20 = svmla_n_f32_x(all, c20, b0, ap[2 * ars]);
            c21 = svmla_n_f32_x(all, c21, b1, ap[2 * ars]);
        }
        if (mr > 3) {
            c30 = svmla_n_f32_x(all, c30, b0, ap[3 * ars]);
            c31 = svmla_n_f32_x(all, c31, b1, ap[3 * ars]);
        }
    }
    svst1_f32(q0, c, c00);
    svst1_f32(q1, c + vl, c01);
    if (mr > 1) {
        svst1_f32(q0, c + ldc, c10);
        svst1_f32(q1, c + ldc + vl, c11);
    }
    if (mr > 2) {
        svst1_f32(q0, c + 2 * ldc, c20);
        svst1_f32(q1, c + 2 * ldc + vl, c21);
    }
    if (mr > 3) {
        svst1_f32(q0, c + 3 * ldc, c30);
        svst1_f32(q1, c + 3 * ldc + vl, c31);
    }
}

/* C = op(A)·op(B), vectorized along the columns of C. */
static void by_columns(size_t m, size_t n, size_t k, const float *a, size_t ars, size_t acs, const float *b,
                       size_t brs, size_t bcs, int b_trans, float *c, size_t ldc)
{
    const size_t vl = svcntw();
    float pack[KC * 2 * MAX_VL];
    for (size_t j = 0; j < n; j += 2 * vl) {
        const svbool_t q0 = svwhilelt_b32_u64(j, n), q1 = svwhilelt_b32_u64(j + vl, n);
        const size_t nc = n - j < 2 * vl ? n - j : 2 * vl;
        size_t p0 = 0;
        do { /* runs once when k == 0, so C still gets +0.0 */
            const size_t kc = k - p0 < KC ? k - p0 : KC;
            const float *bp = b + p0 * brs + j;
            size_t bs = brs;
            if (b_trans) {
                for (size_t p = 0; p < kc; p++)
                    for (size_t jj = 0; jj < nc; jj++)
                        pack[p * 2 * vl + jj] = b[(j + jj) * bcs + p0 + p];
                bp = pack;
                bs = 2 * vl;
            }
            const int first = p0 == 0;
            size_t i = 0;
            for (; i + 4 <= m; i += 4)
                tile(4, kc, a + i * ars + p0 * acs, ars, acs, bp, bs, vl, q0, q1, c + i * ldc + j, ldc,
                     first);
            const float *ai = a + i * ars + p0 * acs;
            float *ci = c + i * ldc + j;
            switch (m - i) {
            case 3: tile(3, kc, ai, ars, acs, bp, bs, vl, q0, q1, ci, ldc, first); break;
            case 2: tile(2, kc, ai, ars, acs, bp, bs, vl, q0, q1, ci, ldc, first); break;
            case 1: tile(1, kc, ai, ars, acs, bp, bs, vl, q0, q1, ci, ldc, first); break;
            default: break;
            }
            p0 += kc;
        } while (p0 < k);
    }
}

/* C = op(A)·op(B), vectorized along the rows of C, one column at a time (full k per column). */
static void by_rows(size_t m, size_t n, size_t k, const float *a, size_t ars, size_t acs, const float *b,
                    size_t brs, size_t bcs, float *c, size_t ldc)
{
    const size_t vl = svcntw();
    const svbool_t all = svptrue_b32();
    /* Element offsets of rows i..i+vl-1 of A (ars < 2^26 checked by the caller) and C. */
    const svuint32_t a_idx = svindex_u32(0, (uint32_t)ars);
    for (size_t i = 0; i < m; i += vl) {
        const svbool_t pg = svwhilelt_b32_u64(i, m);
        for (size_t j = 0; j < n; j++) {
            svfloat32_t acc = svdup_n_f32(0.0f);
            for (size_t p = 0; p < k; p++) {
                const float *ap = a + i * ars + p * acs;
                const svfloat32_t av =
                    ars == 1 ? svld1_f32(pg, ap) : svld1_gather_u32index_f32(pg, ap, a_idx);
                acc = svmla_n_f32_x(all, acc, av, b[p * brs + j * bcs]);
            }
            /* Scatter down column j; ldc may be large, so store lane by lane via the predicate. */
            if (ldc < ((size_t)1 << 26))
                svst1_scatter_u32index_f32(pg, c + i * ldc + j, svindex_u32(0, (uint32_t)ldc), acc);
            else
                for (size_t r = 0; r < vl && i + r < m; r++)
                    c[(i + r) * ldc + j] = svlastb_f32(svwhilele_b32_u64(0, r), acc);
        }
    }
}

void sg_sve_matmul(sg_trans ta, sg_trans tb, size_t m, size_t n, size_t k, const float *a, size_t lda,
                   const float *b, size_t ldb, float *c, size_t ldc)
{
    /* op(A)[i][p] = a[i*ars + p*acs], op(B)[p][j] = b[p*brs + j*bcs]. */
    const size_t ars = ta == SG_NO_TRANS ? lda : 1, acs = ta == SG_NO_TRANS ? 1 : lda;
    const size_t brs = tb == SG_NO_TRANS ? ldb : 1, bcs = tb == SG_NO_TRANS ? 1 : ldb;
    if (n < svcntw() && m > n && ars < ((size_t)1 << 26))
        by_rows(m, n, k, a, ars, acs, b, brs, bcs, c, ldc);
    else
        by_columns(m, n, k, a, ars, acs, b, brs, bcs, tb == SG_TRANS, c, ldc);
}
