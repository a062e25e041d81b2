/* The AVX2 matmul taken apart (tools/matmul_probe/run.sh builds it): simd/avx2/matmul.c is included, so its
 * static microkernel, packers and the driver can be called directly.
 *   probe ukernel KC          the 6x16 microkernel alone on packed panels that stay in L1 (C loaded and
 *                             stored every call, as in the packed product), best of 5 rounds
 *   probe product S FORM KC MC NC REPS
 *                             the packed S^3 product (FORM NN, TN or NT) with that blocking (the driver
 *                             balances kc and mc as always), best of REPS, beside OpenBLAS's sgemm (1 thread)
 *                             timed in the same rounds
 * GFLOP/s = 2·m·n·k / best time. */
#include <cblas.h>
#include <stdio.h>
#include <time.h>

#include "simd/avx2/matmul.c"

void openblas_set_num_threads(int);

/* The library's cache detection is not linked in; the blocking is given explicitly below. */
void sg_cache_sizes_get(sg_cache_sizes *p)
{
    p->l1d = 32768;
    p->l2 = 524288;
    p->l3 = 32u << 20;
}

static double now(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + 1e-9 * (double)t.tv_nsec;
}

static int ukernel(size_t kc)
{
    float *ap = aligned_alloc(64, 4 * 6 * kc + 64), *bp = aligned_alloc(64, 4 * 16 * kc + 64);
    float c[6 * 16];
    for (size_t i = 0; i < 6 * kc; i++)
        ap[i] = 1e-3f * (float)(i % 7);
    for (size_t i = 0; i < 16 * kc; i++)
        bp[i] = 1e-3f * (float)(i % 5);
    for (int i = 0; i < 96; i++)
        c[i] = 0;
    const size_t iters = 800000000 / (kc * 6 * 16);
    /* Through a volatile pointer: inlined into this loop, the calls were merged by the compiler. */
    void (*volatile uk)(size_t, const float *, const float *, float *, size_t, int) = ukernel_6x16;
    double best = 1e9;
    for (int r = 0; r < 5; r++) {
        const double t0 = now();
        for (size_t it = 0; it < iters; it++)
            uk(kc, ap, bp, c, 16, 0);
        const double t = now() - t0;
        best = t < best ? t : best;
    }
    printf("ukernel 6x16 kc %zu: %.1f GFLOP/s\n", kc, 2.0 * 6 * 16 * (double)kc * (double)iters / best / 1e9);
    free(ap);
    free(bp);
    return c[5] > 1e30f;
}

static int product(size_t s, const char *form, size_t kc, size_t mc, size_t nc, int reps)
{
    const sg_trans ta = form[0] == 'T' ? SG_TRANS : SG_NO_TRANS, tb = form[1] == 'T' ? SG_TRANS : SG_NO_TRANS;
    float *a = aligned_alloc(64, 4 * s * s), *b = aligned_alloc(64, 4 * s * s),
          *c = aligned_alloc(64, 4 * s * s);
    for (size_t i = 0; i < s * s; i++) {
        a[i] = 0.01f * (float)(i % 13);
        b[i] = 0.01f * (float)(i % 11);
        c[i] = 0;
    }
    const sg_matmul_blocking bl = {.mr = MR, .nr = NR, .kc = kc, .mc = mc, .nc = nc, .min_m = MR};
    double best = 1e9, best_ob = 1e9;
    openblas_set_num_threads(1);
    for (int r = 0; r < reps; r++) {
        double t0 = now();
        if (sg_gemm_packed(ukernel_6x16, pack_a_panel, pack_b_panel, &bl, ta, tb, s, s, s, a, s, b, s, c,
                           s) != 0)
            return 1;
        double t = now() - t0;
        best = t < best ? t : best;
        t0 = now();
        cblas_sgemm(CblasRowMajor, ta == SG_TRANS ? CblasTrans : CblasNoTrans,
                    tb == SG_TRANS ? CblasTrans : CblasNoTrans, (int)s, (int)s, (int)s, 1.0f, a, (int)s, b,
                    (int)s, 0.0f, c, (int)s);
        t = now() - t0;
        best_ob = t < best_ob ? t : best_ob;
    }
    const double flop = 2.0 * (double)s * (double)s * (double)s;
    printf("%s %zu^3 kc %zu mc %zu nc %zu: %.1f GFLOP/s, openblas %.1f\n", form, s, kc, mc, nc,
           flop / best / 1e9, flop / best_ob / 1e9);
    free(a);
    free(b);
    free(c);
    return 0;
}

int main(int argc, char **argv)
{
    if (argc == 3 && !strcmp(argv[1], "ukernel"))
        return ukernel((size_t)atol(argv[2]));
    if (argc == 8 && !strcmp(argv[1], "product"))
        return product((size_t)atol(argv[2]), argv[3], (size_t)atol(argv[4]), (size_t)atol(argv[5]),
                       (size_t)atol(argv[6]), atoi(argv[7]));
    fprintf(stderr, "usage: probe ukernel KC | probe product S NN|TN|NT KC MC NC REPS\n");
    return 2;
}
