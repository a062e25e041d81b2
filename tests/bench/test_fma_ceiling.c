/* Guards the FMA-peak ceilings against silently collapsing (gcc once merged 12 identical FMA
 * chains into one and the "peak" came out 3x too high; commit 8719a6a gave the chains distinct
 * start values). Runs each ceiling loop for a fixed number of rounds and checks the value it
 * leaves in its sink against a scalar fmaf() recomputation of the chains with DISTINCT starts
 * 1 + j/1024, summed in the loop's order. A dropped or merged chain, a missing FMA per round, or
 * identical start values give a different sum: no disassembly, no timing. */
#include <math.h>
#include <stdint.h>
#include <stdio.h>

#include "sg_config.h"
#include "simdgrad.h"

#define ROUNDS 1000
#define MUL    0.999f /* as in bench/ceilings_*.c */
#define ADD    0.001f

/* One chain after ROUNDS rounds of c = fma(c, MUL, ADD), started at 1 + j/1024. */
static float chain(int j)
{
    float c = 1.0f + (float)j * 0x1p-10f;
    for (int i = 0; i < ROUNDS; i++)
        c = fmaf(c, MUL, ADD);
    return c;
}

/* c0 + c1 + ... + c(n-1), left to right (the scalar loops' sink). */
static float seq_sum(int n)
{
    float s = chain(0);
    for (int j = 1; j < n; j++)
        s += chain(j);
    return s;
}

/* The AVX2/AVX-512 loops' tree: ((c0+c1)+(c2+c3)) + ((c4+c5)+(c6+c7)), then + ((c8+c9)+(c10+c11)). */
static float tree_sum12(void)
{
    float c[12];
    for (int j = 0; j < 12; j++)
        c[j] = chain(j);
    float s = ((c[0] + c[1]) + (c[2] + c[3])) + ((c[4] + c[5]) + (c[6] + c[7]));
    return s + ((c[8] + c[9]) + (c[10] + c[11]));
}

static int failures;

static void check(const char *name, double flops, double want_flops, float sink, float want)
{
    const bool ok = flops == want_flops && sink == want;
    printf("%s %s: sink %.9g (want %.9g), flops %.0f (want %.0f)\n", ok ? "ok  " : "FAIL", name, (double)sink,
           (double)want, flops, want_flops);
    failures += !ok;
}

#if SIMDGRAD_HAVE_AVX2
double sgb_avx2_fma_scalar(int64_t iters);
double sgb_avx2_fma_ymm(int64_t iters);
extern float sgb_avx2_sink;
#endif
#if SIMDGRAD_HAVE_AVX512
double sgb_avx512_fma_zmm(int64_t iters);
extern float sgb_avx512_sink;
#endif
#if SIMDGRAD_HAVE_NEON
double sgb_neon_fma_scalar(int64_t iters);
double sgb_neon_fma_q(int64_t iters);
extern float sgb_neon_sink;
#endif

int main(void)
{
    int ran = 0;
    /* The identical-start bug would give this; the checks below would then fail. */
    printf("(12 chains all from 1.0 would sum to %.9g)\n", (double)(12 * chain(0)));
    /* The check is only sharp if every chain still moves each round (a skipped chain or round
       then changes the sum): chain j after ROUNDS and after ROUNDS-1 rounds must differ. */
    for (int j = 1; j < 16; j++) {
        float c = 1.0f + (float)j * 0x1p-10f;
        for (int i = 0; i < ROUNDS - 1; i++)
            c = fmaf(c, MUL, ADD);
        if (fmaf(c, MUL, ADD) == c || c == chain(0)) {
            printf("FAIL: chain %d has stopped moving or reached chain 0: the test cannot see a lost chain\n",
                   j);
            failures++;
        }
    }
#if SIMDGRAD_HAVE_AVX2
    if (sg_isa_available(SG_ISA_AVX2)) {
        double f = sgb_avx2_fma_scalar(ROUNDS);
        check("avx2 scalar (12 chains)", f, 2.0 * 12 * ROUNDS, sgb_avx2_sink, seq_sum(12));
        f = sgb_avx2_fma_ymm(ROUNDS);
        check("avx2 ymm (12 chains)", f, 2.0 * 12 * 8 * ROUNDS, sgb_avx2_sink, tree_sum12());
        ran++;
    }
#endif
#if SIMDGRAD_HAVE_AVX512
    if (sg_isa_available(SG_ISA_AVX512)) {
        const double f = sgb_avx512_fma_zmm(ROUNDS);
        /* 16 equal lanes: any reduction order gives 16 * lane exactly (sums of equal powers of two). */
        check("avx512 zmm (12 chains)", f, 2.0 * 12 * 16 * ROUNDS, sgb_avx512_sink, 16.0f * tree_sum12());
        ran++;
    }
#endif
#if SIMDGRAD_HAVE_NEON
    if (sg_isa_available(SG_ISA_NEON)) {
        double f = sgb_neon_fma_scalar(ROUNDS);
        check("neon scalar (16 chains)", f, 2.0 * 16 * ROUNDS, sgb_neon_sink, seq_sum(16));
        f = sgb_neon_fma_q(ROUNDS);
        check("neon q (16 chains)", f, 2.0 * 16 * 4 * ROUNDS, sgb_neon_sink, 4.0f * seq_sum(16));
        ran++;
    }
#endif
    if (!ran) {
        printf("SKIP: no FMA ceiling for this CPU (AVX2, AVX-512, NEON only)\n");
        return 77;
    }
    return failures ? 1 : 0;
}
