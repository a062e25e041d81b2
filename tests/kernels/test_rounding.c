/* round_bf16 and round_fp16 over every float bit pattern (2^32), bit for bit, NaN payloads included:
 * each vector ISA against the scalar reference, and the reference against an independent rule:
 * binary16 through the compiler's _Float16 conversion (IEEE, libgcc or F16C/FCVT), bfloat16 by
 * choosing between the two neighbouring bf16 values with exact double arithmetic.
 *
 * SIMDGRAD_TEST_SCALE=small (qemu, sanitizers, valgrind) sweeps every 2039th block of 65536 patterns
 * plus every block holding a boundary (zero, the binary16 subnormal/normal/overflow thresholds,
 * inf/NaN), instead of all 65536 blocks. The tails, placements and in-place calls are the
 * elementwise tester's job; this one is about values. */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sgtest.h"

enum { BLOCK = 1 << 16, BLOCKS = 1 << 16 };

#define f32  sgt_f32
#define bits sgt_bits

static uint32_t rule_bf16(uint32_t b)
{
    const float f = f32(b);
    if (isnan(f))
        return (b | 0x00400000u) & 0xffff0000u;
    if (isinf(f) || (b & 0xffffu) == 0)
        return b; /* already a bf16 value */
    /* The bf16 neighbours below and above in magnitude; above the largest finite one is 2^128. */
    const uint32_t lo = b & 0xffff0000u, hi = lo + 0x10000u;
    const double d = fabs((double)f), dl = fabs((double)f32(lo));
    const double dh = (hi & 0x7fffffffu) == 0x7f800000u ? ldexp(1.0, 128) : fabs((double)f32(hi));
    if (d - dl < dh - d)
        return lo;
    if (d - dl > dh - d)
        return hi;
    return (lo & 0x10000u) ? hi : lo; /* tie: the even one */
}

#ifdef __FLT16_MANT_DIG__
static uint32_t rule_fp16(uint32_t b) { return bits((float)(_Float16)f32(b)); }
#define HAVE_FP16_RULE 1
#else
#define HAVE_FP16_RULE 0
#endif

/* Blocks (top 16 bits) where the rounding rules change; checked at every scale. */
static bool boundary_block(uint32_t blk)
{
    static const uint32_t at[] = {0x0000, 0x0001, 0x3300, 0x3380, 0x387f, 0x3880,
                                  0x477f, 0x4780, 0x7f7f, 0x7f80, 0x7fc0, 0x7fff};
    for (size_t i = 0; i < sizeof at / sizeof at[0]; i++)
        if ((blk & 0x7fff) == at[i])
            return true;
    return false;
}

typedef struct family {
    const char *name;
    sg_family id;
    uint32_t (*rule)(uint32_t);
} family;

int main(void)
{
    sgt_install_fault_handler();
    const sg_kernels *all[SG_ISA_COUNT + 1];
    int n_all = 0;
    const int vector_isas = sgt_all_kernels(all, &n_all);
    const family fams[] = {
        {"round_bf16", SG_FAMILY_round_bf16, rule_bf16},
#if HAVE_FP16_RULE
        {"round_fp16", SG_FAMILY_round_fp16, rule_fp16},
#else
        {"round_fp16", SG_FAMILY_round_fp16, NULL},
#endif
    };
    float *in = malloc(BLOCK * sizeof *in), *ref = malloc(BLOCK * sizeof *ref),
          *out = malloc(BLOCK * sizeof *out);
    if (!in || !ref || !out)
        sgt_skip("out of memory");
    const uint32_t step = sgt_small() ? 2039 : 1;
    for (size_t f = 0; f < sizeof fams / sizeof fams[0]; f++) {
        if (!fams[f].rule)
            printf("%s: no _Float16 in this compiler: the reference is checked against the ISAs only\n",
                   fams[f].name);
        unsigned long blocks = 0;
        for (uint32_t blk = 0; blk < BLOCKS; blk++) {
            if (blk % step && !boundary_block(blk))
                continue;
            blocks++;
            for (uint32_t i = 0; i < BLOCK; i++)
                in[i] = f32(blk << 16 | i);
            sgt_context("%s block 0x%04x scalar", fams[f].name, (unsigned)blk);
            if (fams[f].id == SG_FAMILY_round_bf16)
                all[0]->round_bf16(BLOCK, in, ref);
            else
                all[0]->round_fp16(BLOCK, in, ref);
            /* The rule is slow (soft-float binary16 without F16C): every 61st value, all of a
               boundary block. */
            const uint32_t rstep = boundary_block(blk) ? 1 : 61;
            for (uint32_t i = 0; fams[f].rule && i < BLOCK; i += rstep) {
                const uint32_t want = fams[f].rule(blk << 16 | i), got = bits(ref[i]);
                if (got != want &&
                    !SGT_CHECK(false, "%s reference: 0x%08x -> 0x%08x, rule says 0x%08x", fams[f].name,
                               (unsigned)(blk << 16 | i), (unsigned)got, (unsigned)want))
                    break;
            }
            for (int k = 1; k < n_all; k++) {
                sgt_context("%s block 0x%04x %s", fams[f].name, (unsigned)blk, sg_isa_name(all[k]->isa));
                if (fams[f].id == SG_FAMILY_round_bf16)
                    all[k]->round_bf16(BLOCK, in, out);
                else
                    all[k]->round_fp16(BLOCK, in, out);
                if (memcmp(out, ref, BLOCK * sizeof *out) != 0) {
                    uint32_t i = 0;
                    while (bits(out[i]) == bits(ref[i]))
                        i++;
                    SGT_CHECK(false, "%s %s: 0x%08x -> 0x%08x, reference 0x%08x", fams[f].name,
                              sg_isa_name(all[k]->isa), (unsigned)(blk << 16 | i), (unsigned)bits(out[i]),
                              (unsigned)bits(ref[i]));
                }
            }
            if (sgt_failures() > 10)
                break;
        }
        printf("%s: %lu blocks of 65536 patterns, %d vector ISA(s)\n", fams[f].name, blocks, n_all - 1);
    }
    free(in);
    free(ref);
    free(out);
    return sgt_finish("test_rounding", vector_isas);
}
