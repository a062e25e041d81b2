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

/* Per ISA: the register tile (mr rows of op(A) x nr columns of op(B)), the smallest m that packs,
   and where the unpacked kernels stop paying: pack once op(A) outgrows L1d (pack_level 1) or half
   of L2 (pack_level 2). The tile is fixed by the register file (docs/matmul.md); the rest follows. */
typedef struct sg_gemm_tile_spec {
    size_t mr, nr, min_m;
    int pack_level;
} sg_gemm_tile_spec;

/* 16 ymm: 6x16 = 12 accumulators + 2 B vectors + 1 broadcast. The unpacked 4x16 kernels lose to
   the packed path once op(A) leaves L1d (measured on the Zen 3, docs/matmul.md). */
#define SG_GEMM_AVX2_MR 6
#define SG_GEMM_AVX2_NR 16
#define SG_GEMM_TILE_AVX2                                                                                    \
    {                                                                                                        \
        .mr = SG_GEMM_AVX2_MR, .nr = SG_GEMM_AVX2_NR, .min_m = SG_GEMM_AVX2_MR, .pack_level = 1              \
    }
/* 32 zmm: 12x32 = 24 accumulators + 2 B vectors + broadcasts. Measured on the Zen 4 (2026-11-26):
   the unpacked kernels kept up to 384^3, where op(A) is about half of its 1 MiB L2. */
#define SG_GEMM_AVX512_MR 12
#define SG_GEMM_AVX512_NR 32
#define SG_GEMM_TILE_AVX512                                                                                  \
    {                                                                                                        \
        .mr = SG_GEMM_AVX512_MR, .nr = SG_GEMM_AVX512_NR, .min_m = SG_GEMM_AVX512_MR / 2, .pack_level = 2    \
    }

#define SG_GEMM_KC_MIN 32
#define SG_GEMM_KC_MAX 1024
#define SG_GEMM_MC_MAX 4096
#define SG_GEMM_NC_MAX 16384

/* The packed path pays once op(A) (4·m·k bytes) exceeds this. */
static inline size_t sg_gemm_pack_min_a_bytes(const sg_gemm_tile_spec *t, const sg_cache_sizes *cs)
{
    return t->pack_level == 1 ? cs->l1d : cs->l2 / 2;
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
    out->pack_min_a_bytes = sg_gemm_pack_min_a_bytes(t, cs);
}

#endif
