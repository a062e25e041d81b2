/* The packed matmul's blocking, derived from the cache sizes and the ISA's register tile (plain C).
 *
 * Included by the x86 matmuls (through simd/gemm_driver.h) and by src/cache_sizes.c, which answers
 * sg_matmul_blocking_get with the same numbers the kernels use. The model is BLIS's analytical one
 * (Low et al., "Analytical modeling is enough for high-performance BLIS", TOMS 2016), simplified;
 * the reasoning and the figures per machine class are in docs/matmul.md.
 *
 * Any blocking gives bit-identical results: k is only cut into consecutive kc blocks and the
 * accumulator is carried through C, so the blocking decides speed, never the value. */
#ifndef SG_GEMM_BLOCKING_H
#define SG_GEMM_BLOCKING_H

#include <stddef.h>

#include "simdgrad.h"

/* Where the unpacked kernels stop paying, as the size of op(A) (4·m·k bytes) against a cache level:
   they re-read op(A) for every 16 or 32 columns of C, which pays while it stays that close. */
typedef enum sg_gemm_pack_level {
    SG_PACK_L1D = 1,        /* op(A) > L1d */
    SG_PACK_HALF_L2 = 2,    /* op(A) > L2 / 2 */
    SG_PACK_QUARTER_L2 = 4, /* op(A) > L2 / 4 */
} sg_gemm_pack_level;

/* Per ISA: the register tile (mr rows of op(A) x nr columns of op(B)), the smallest m that packs, and
   the packing thresholds for a row-major op(B) (NN, TN) and a transposed one (NT, TT: the unpacked path
   must transpose B into a stack buffer as well). The tile is fixed by the register file
   (docs/matmul.md); the cache blocks follow from it. */
typedef struct sg_gemm_tile_spec {
    size_t mr, nr, min_m;
    sg_gemm_pack_level pack_b_rows, pack_b_trans;
} sg_gemm_tile_spec;

/* 16 ymm: 6x16 = 12 accumulators + 2 B vectors + 1 broadcast. Measured on the Zen 3 (docs/matmul.md):
   the unpacked 4x16 kernels beat the packed path for NN/TN up to 160^3 (op(A) 100 KiB) and lose from
   192^3 (144 KiB); for NT the packed path won at 96^3 (36 KiB, just past L1d), 160^3 and 192^3, lost
   at 128^3. */
#define SG_GEMM_AVX2_MR 6
#define SG_GEMM_AVX2_NR 16
#define SG_GEMM_TILE_AVX2                                                                                    \
    {                                                                                                        \
        .mr = SG_GEMM_AVX2_MR, .nr = SG_GEMM_AVX2_NR, .min_m = SG_GEMM_AVX2_MR,                              \
        .pack_b_rows = SG_PACK_QUARTER_L2, .pack_b_trans = SG_PACK_L1D                                       \
    }
/* 32 zmm: 12x32 = 24 accumulators + 2 B vectors + broadcasts. Measured on the Zen 4 (2026-11-26):
   the unpacked kernels kept up to 256^3 in every form and lost from 384^3, where op(A) is about half
   of its 1 MiB L2. */
#define SG_GEMM_AVX512_MR 12
#define SG_GEMM_AVX512_NR 32
#define SG_GEMM_TILE_AVX512                                                                                  \
    {                                                                                                        \
        .mr = SG_GEMM_AVX512_MR, .nr = SG_GEMM_AVX512_NR, .min_m = SG_GEMM_AVX512_MR / 2,                    \
        .pack_b_rows = SG_PACK_HALF_L2, .pack_b_trans = SG_PACK_HALF_L2                                      \
    }

#define SG_GEMM_KC_MIN 32
#define SG_GEMM_KC_MAX 1024
#define SG_GEMM_MC_MAX 4096
#define SG_GEMM_NC_MAX 16384

static inline size_t sg_gemm_level_bytes(sg_gemm_pack_level l, const sg_cache_sizes *cs)
{
    return l == SG_PACK_L1D ? cs->l1d : cs->l2 / (size_t)l;
}

/* The packed path pays once op(A) (4·m·k bytes) exceeds this. */
static inline size_t sg_gemm_pack_min_a_bytes(const sg_gemm_tile_spec *t, const sg_cache_sizes *cs,
                                              sg_trans tb)
{
    return sg_gemm_level_bytes(tb == SG_NO_TRANS ? t->pack_b_rows : t->pack_b_trans, cs);
}

static inline size_t sg_gemm_clamp(size_t v, size_t lo, size_t hi) { return v < lo ? lo : v > hi ? hi : v; }

/* kc: the kc x nr micro-panel of op(B) that the microkernel re-reads for every mr-row sliver takes
   half of L1d, so it and the streaming sliver of op(A) (kc x mr) plus the C tile stay resident;
   a multiple of 8 so the transposing packs run whole 8x8 blocks. mc: the packed mc x kc block of
   op(A), re-read for every micro-panel of B, takes half of L2 (the other half holds the B micro-panels
   and C passing through). nc: the packed kc x nc block of op(B) takes half of L3. */
static inline void sg_gemm_derive(const sg_gemm_tile_spec *t, const sg_cache_sizes *cs,
                                  sg_matmul_blocking *out)
{
    const size_t f = sizeof(float);
    size_t kc = cs->l1d / 2 / (t->nr * f);
    while (kc > SG_GEMM_KC_MIN && (t->nr + t->mr) * kc * f > cs->l1d * 3 / 4)
        kc -= 8;
    kc = sg_gemm_clamp(kc / 8 * 8, SG_GEMM_KC_MIN, SG_GEMM_KC_MAX);
    const size_t mc =
        sg_gemm_clamp(cs->l2 / 2 / (kc * f) / t->mr * t->mr, t->mr, SG_GEMM_MC_MAX / t->mr * t->mr);
    const size_t l3 = cs->l3 ? cs->l3 : 2 * cs->l2;
    const size_t nc = sg_gemm_clamp(l3 / 2 / (kc * f) / t->nr * t->nr, t->nr, SG_GEMM_NC_MAX);
    out->mr = t->mr;
    out->nr = t->nr;
    out->min_m = t->min_m;
    out->kc = kc;
    out->mc = mc;
    out->nc = nc;
    out->pack_min_a_bytes = sg_gemm_pack_min_a_bytes(t, cs, SG_NO_TRANS);
    out->pack_min_a_bytes_bt = sg_gemm_pack_min_a_bytes(t, cs, SG_TRANS);
}

#endif
