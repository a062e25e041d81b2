/* Matmul, NEON, all four transpose forms. C is computed in 4×8 register tiles (8 accumulators):
 * each step p broadcasts op(A)[i+r][p] and does one fused vfmaq per accumulator, so every C
 * element sees exactly the reference's fmaf chain with p strictly increasing. k is cut into
 * chunks of KC; between chunks the float accumulator is parked in C and reloaded (exact).
 * op(B) rows must be contiguous along j: for B not transposed they are, for B transposed the
 * KC×8 panel is copied into a stack buffer first. Columns left over after the 8- and 4-wide
 * panels (n % 4) are vectorized over rows instead, so n == 1 (a matrix-vector product) still
 * uses all four lanes; the remaining corner is scalar fmaf. */
#include <arm_neon.h>
#include <math.h>

#include "sg_kernels_impl.h"

enum { MR = 4, NR = 8, KC = 256 };

#define SG_INLINE static inline __attribute__((always_inline))

/* C[0..mr)[0..4*nv) (+)= op(A)[0..mr)[0..kc) · Bpanel[0..kc)[0..4*nv).
 * op(A)[r][p] = a[r*ars + p*acs]; Bpanel row p starts at bp + p*bs. first: start from +0. */
SG_INLINE void tile(int mr, int nv, size_t kc, const float *a, size_t ars, size_t acs, const float *bp,
                    size_t bs, float *c, size_t ldc, int first)
{
    float32x4_t acc[MR][2];
    for (int r = 0; r < mr; r++)
        for (int v = 0; v < nv; v++)
            acc[r][v] = first ? vdupq_n_f32(0.0f) : vld1q_f32(c + r * ldc + 4 * v);
    size_t p = 0;
    /* Full tiles: four op(A) values per 128-bit load, used through the by-element FMLA (still
       one fused multiply-add per element and step, same p order). Lane numbers must be
       constants, hence the macro. */
#define SG_STEP(pp, A0, A1, A2, A3, L0, L1, L2, L3)                                                          \
    do {                                                                                                     \
        for (int v = 0; v < nv; v++) {                                                                       \
            const float32x4_t bq = vld1q_f32(bp + (pp)*bs + 4 * v);                                          \
            acc[0][v] = vfmaq_laneq_f32(acc[0][v], bq, A0, L0);                                              \
            acc[1][v] = vfmaq_laneq_f32(acc[1][v], bq, A1, L1);                                              \
            acc[2][v] = vfmaq_laneq_f32(acc[2][v], bq, A2, L2);                                              \
            acc[3][v] = vfmaq_laneq_f32(acc[3][v], bq, A3, L3);                                              \
        }                                                                                                    \
    } while (0)
    if (mr == 4 && acs == 1) { /* A not transposed: each row holds op(A)[r][p..p+3] */
        for (; p + 4 <= kc; p += 4) {
            const float32x4_t a0 = vld1q_f32(a + p), a1 = vld1q_f32(a + ars + p);
            const float32x4_t a2 = vld1q_f32(a + 2 * ars + p), a3 = vld1q_f32(a + 3 * ars + p);
            SG_STEP(p, a0, a1, a2, a3, 0, 0, 0, 0);
            SG_STEP(p + 1, a0, a1, a2, a3, 1, 1, 1, 1);
            SG_STEP(p + 2, a0, a1, a2, a3, 2, 2, 2, 2);
            SG_STEP(p + 3, a0, a1, a2, a3, 3, 3, 3, 3);
        }
    } else if (mr == 4 && ars == 1) { /* A transposed: op(A)[0..3][p] are adjacent */
        for (; p < kc; p++) {
            const float32x4_t aq = vld1q_f32(a + p * acs);
            SG_STEP(p, aq, aq, aq, aq, 0, 1, 2, 3);
        }
    }
#undef SG_STEP
    for (; p < kc; p++) {
        float32x4_t bv[2];
        for (int v = 0; v < nv; v++)
            bv[v] = vld1q_f32(bp + p * bs + 4 * v);
        for (int r = 0; r < mr; r++) {
            const float ar = a[r * ars + p * acs];
            for (int v = 0; v < nv; v++)
                acc[r][v] = vfmaq_n_f32(acc[r][v], bv[v], ar);
        }
    }
    for (int r = 0; r < mr; r++)
        for (int v = 0; v < nv; v++)
            vst1q_f32(c + r * ldc + 4 * v, acc[r][v]);
}

/* Constant mr/nv per call so the accumulators stay in registers. */
static void tile_dispatch(size_t mr, int nv, size_t kc, const float *a, size_t ars, size_t acs,
                          const float *bp, size_t bs, float *c, size_t ldc, int first)
{
#define SG_TILE(M, V) tile(M, V, kc, a, ars, acs, bp, bs, c, ldc, first)
    if (nv == 2) {
        switch (mr) {
        case 4: SG_TILE(4, 2); break;
        case 3: SG_TILE(3, 2); break;
        case 2: SG_TILE(2, 2); break;
        default: SG_TILE(1, 2); break;
        }
    } else {
        switch (mr) {
        case 4: SG_TILE(4, 1); break;
        case 3: SG_TILE(3, 1); break;
        case 2: SG_TILE(2, 1); break;
        default: SG_TILE(1, 1); break;
        }
    }
#undef SG_TILE
}

/* One column j of C for rows i..i+3, vectorized over the rows (full k, no chunking needed). */
static void column4(size_t k, const float *a, size_t ars, size_t acs, const float *b, size_t bps, float *c,
                    size_t ldc)
{
    float32x4_t acc = vdupq_n_f32(0.0f);
    if (ars == 1) { /* A transposed: op(A)[i..i+3][p] is contiguous */
        for (size_t p = 0; p < k; p++)
            acc = vfmaq_n_f32(acc, vld1q_f32(a + p * acs), b[p * bps]);
    } else {
        for (size_t p = 0; p < k; p++) {
            float32x4_t av = vdupq_n_f32(0.0f);
            av = vld1q_lane_f32(a + p * acs, av, 0);
            av = vld1q_lane_f32(a + ars + p * acs, av, 1);
            av = vld1q_lane_f32(a + 2 * ars + p * acs, av, 2);
            av = vld1q_lane_f32(a + 3 * ars + p * acs, av, 3);
            acc = vfmaq_n_f32(acc, av, b[p * bps]);
        }
    }
    vst1q_lane_f32(c, acc, 0);
    vst1q_lane_f32(c + ldc, acc, 1);
    vst1q_lane_f32(c + 2 * ldc, acc, 2);
    vst1q_lane_f32(c + 3 * ldc, acc, 3);
}

void sg_neon_matmul(sg_trans ta, sg_trans tb, size_t m, size_t n, size_t k, const float *a, size_t lda,
                    const float *b, size_t ldb, float *c, size_t ldc)
{
    /* op(A)[i][p] = a[i*ars + p*acs], op(B)[p][j] = b[p*brs + j*bcs]. */
    const size_t ars = ta == SG_NO_TRANS ? lda : 1, acs = ta == SG_NO_TRANS ? 1 : lda;
    const size_t brs = tb == SG_NO_TRANS ? ldb : 1, bcs = tb == SG_NO_TRANS ? 1 : ldb;
    const size_t n_panels = n & ~(size_t)3; /* columns covered by 8- and 4-wide tiles */
    float pack[KC * NR];

    for (size_t j = 0; j < n_panels; j += NR) {
        const int nv = j + NR <= n_panels ? 2 : 1;
        size_t p0 = 0;
        do { /* runs once when k == 0, so C still gets +0.0 */
            const size_t kc = k - p0 < KC ? k - p0 : KC;
            const float *bp = b + p0 * brs + j;
            size_t bs = ldb;
            if (tb == SG_TRANS) {
                for (size_t p = 0; p < kc; p++)
                    for (int jj = 0; jj < 4 * nv; jj++)
                        pack[p * NR + (size_t)jj] = b[(j + (size_t)jj) * bcs + p0 + p];
                bp = pack;
                bs = NR;
            }
            for (size_t i = 0; i < m; i += MR) {
                const size_t mr = m - i < MR ? m - i : MR;
                tile_dispatch(mr, nv, kc, a + i * ars + p0 * acs, ars, acs, bp, bs, c + i * ldc + j, ldc,
                              p0 == 0);
            }
            p0 += kc;
        } while (p0 < k);
    }
    for (size_t j = n_panels; j < n; j++) {
        size_t i = 0;
        for (; i + 4 <= m; i += 4)
            column4(k, a + i * ars, ars, acs, b + j * bcs, brs, c + i * ldc + j, ldc);
        for (; i < m; i++) {
            float acc = 0.0f;
            for (size_t p = 0; p < k; p++)
                acc = fmaf(a[i * ars + p * acs], b[p * brs + j * bcs], acc);
            c[i * ldc + j] = acc;
        }
    }
}
