/* simdgrad-icount: runs every kernel x ISA x size a fixed number of times with callgrind collection
 * switched on only around the calls, dumping one profile per case (named by the case), so that
 * `simdgrad ci-check --mode icount` gets exact, noise-free instruction counts per kernel call.
 *
 * Meant to run as: valgrind --tool=callgrind --collect-atstart=no simdgrad-icount [--reps N]
 * Valgrind hides AVX-512 in CPUID, so only scalar, the auto-vectorized reference (avx2 flags) and
 * avx2 can be measured; the cases of an ISA that is not available are skipped with a note. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <valgrind/callgrind.h>
#include <valgrind/valgrind.h>

#include "simdgrad.h"
#include "sg_kernels_impl.h"

#if SG_ICOUNT_HAVE_AUTO_AVX2
/* The scalar reference compiled again with -O3 -mavx2 -mfma (perf/meson.build): what the compiler's
   auto-vectorizer makes of the specification. */
#endif

/* The training task's shapes: N=4 samples, 3 inputs (2 + bias), H=30 hidden, 1 output. */
enum { TN = 4, TD = 3, TH = 30, TO = 1 };

typedef struct mm_case {
    sg_trans ta, tb;
    size_t m, n, k;
} mm_case;

static const mm_case mm_cases[] = {
    /* the five matmuls of one training step */
    {SG_NO_TRANS, SG_NO_TRANS, TN, TH, TD}, /* h = x.w1 */
    {SG_NO_TRANS, SG_NO_TRANS, TN, TO, TH}, /* y = relu(h).w2 */
    {SG_TRANS, SG_NO_TRANS, TH, TO, TN},    /* grad_w2 = relu(h)^T.g */
    {SG_NO_TRANS, SG_TRANS, TN, TH, TO},    /* grad_hr = g.w2^T */
    {SG_TRANS, SG_NO_TRANS, TD, TH, TN},    /* grad_w1 = x^T.grad_h */
    /* odd sizes: every edge/tail path */
    {SG_NO_TRANS, SG_NO_TRANS, 37, 29, 41},
    {SG_TRANS, SG_NO_TRANS, 37, 29, 41},
    {SG_NO_TRANS, SG_TRANS, 37, 29, 41},
    /* a block-sized square */
    {SG_NO_TRANS, SG_NO_TRANS, 64, 64, 64},
    {SG_TRANS, SG_NO_TRANS, 64, 64, 64},
    {SG_NO_TRANS, SG_TRANS, 64, 64, 64},
};
static const size_t eltwise_sizes[] = {7, 64, 1000, 4099}; /* tails, one vector, L1-sized, odd */

/* The 64x64 matrices and the largest elementwise size, 4099: 64 * 64 alone was 3 floats short, so
   relu at n = 4099 wrote past its arena (heap corruption) and read whatever lay behind the inputs.
   64 * 65 keeps the arenas whole 64-byte lines. */
enum { MAX_ELEMS = 64 * 65 };
static float *buf_a, *buf_b, *buf_c, *buf_d;
static unsigned reps = 3;

/* Deterministic data (xorshift32): values in [-1, 1) with every 8th exactly zero, so relu_grad's
   h == 0 lanes and the scalar branches are exercised the same way on every run. */
static void fill(float *p, size_t n, uint32_t seed)
{
    uint32_t s = seed;
    for (size_t i = 0; i < n; i++) {
        s ^= s << 13;
        s ^= s >> 17;
        s ^= s << 5;
        p[i] = (i % 8 == 7) ? 0.0f : (float)(s >> 8) / 8388608.0f - 1.0f;
    }
}

static float *arena(void)
{
    /* 64-byte aligned so a kernel that peels for alignment takes the same path on every run. */
    float *p = aligned_alloc(64, MAX_ELEMS * sizeof(float));
    if (!p) {
        fprintf(stderr, "simdgrad-icount: out of memory\n");
        exit(2);
    }
    return p;
}

/* One measured case: one warm-up call (lazy binding, first-touch), then reps calls collected. */
#define MEASURE(name, call)                                                                                  \
    do {                                                                                                     \
        call;                                                                                                \
        CALLGRIND_ZERO_STATS;                                                                                \
        CALLGRIND_TOGGLE_COLLECT;                                                                            \
        for (unsigned r_ = 0; r_ < reps; r_++)                                                               \
            call;                                                                                            \
        CALLGRIND_TOGGLE_COLLECT;                                                                            \
        CALLGRIND_DUMP_STATS_AT(name);                                                                       \
        printf("%s\n", name);                                                                                \
    } while (0)

/* The kernel calls of one training step, forward and backward (the weight update is plain C
   outside the kernel table and not counted). Shapes chain exactly as in the training task. */
static void train_step_kernels(const sg_kernels *k)
{
    float *x = buf_a, *w1 = buf_a + 64, *w2 = buf_a + 256, *y = buf_a + 512;
    float *h = buf_c, *hr = buf_c + 256, *yp = buf_c + 512, *g = buf_c + 576;
    float *gw2 = buf_d, *ghr = buf_d + 256, *gh = buf_d + 512, *gw1 = buf_d + 768;
    k->matmul(SG_NO_TRANS, SG_NO_TRANS, TN, TH, TD, x, TD, w1, TH, h, TH);
    k->relu(TN * TH, h, hr);
    k->matmul(SG_NO_TRANS, SG_NO_TRANS, TN, TO, TH, hr, TH, w2, TO, yp, TO);
    for (size_t i = 0; i < TN * TO; i++)
        g[i] = 2.0f * (yp[i] - y[i]);
    k->matmul(SG_TRANS, SG_NO_TRANS, TH, TO, TN, hr, TH, g, TO, gw2, TO);
    k->matmul(SG_NO_TRANS, SG_TRANS, TN, TH, TO, g, TO, w2, TO, ghr, TH);
    k->relu_grad(TN * TH, h, ghr, gh, 1.0f);
    k->matmul(SG_TRANS, SG_NO_TRANS, TD, TH, TN, x, TD, gh, TH, gw1, TH);
}

static void run_isa(const char *label, const sg_kernels *k)
{
    char name[128];
    for (size_t i = 0; i < sizeof eltwise_sizes / sizeof eltwise_sizes[0]; i++) {
        const size_t n = eltwise_sizes[i];
        snprintf(name, sizeof name, "relu/%s/n:%zu", label, n);
        MEASURE(name, k->relu(n, buf_a, buf_c));
        snprintf(name, sizeof name, "relu_grad/%s/g0:0.5/n:%zu", label, n);
        MEASURE(name, k->relu_grad(n, buf_a, buf_b, buf_c, 0.5f));
    }
    for (size_t i = 0; i < sizeof mm_cases / sizeof mm_cases[0]; i++) {
        const mm_case *c = &mm_cases[i];
        const size_t lda = c->ta == SG_NO_TRANS ? c->k : c->m, ldb = c->tb == SG_NO_TRANS ? c->n : c->k;
        snprintf(name, sizeof name, "matmul_%s%s/%s/m:%zu/n:%zu/k:%zu", c->ta == SG_TRANS ? "t" : "n",
                 c->tb == SG_TRANS ? "t" : "n", label, c->m, c->n, c->k);
        MEASURE(name, k->matmul(c->ta, c->tb, c->m, c->n, c->k, buf_a, lda, buf_b, ldb, buf_c, c->n));
    }
    snprintf(name, sizeof name, "train_step/%s", label);
    MEASURE(name, train_step_kernels(k));
}

int main(int argc, char **argv)
{
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--reps") && i + 1 < argc) {
            char *end;
            const unsigned long v = strtoul(argv[++i], &end, 10);
            if (*end || v < 1 || v > 1000) {
                fprintf(stderr, "simdgrad-icount: --reps wants 1..1000\n");
                return 2;
            }
            reps = (unsigned)v;
        } else {
            fprintf(stderr, "usage: valgrind --tool=callgrind --collect-atstart=no %s [--reps N]\n", argv[0]);
            return 2;
        }
    }
    if (!RUNNING_ON_VALGRIND) {
        /* Natively the client requests are no-ops: nothing would be measured. */
        fprintf(stderr,
                "simdgrad-icount: must run under valgrind --tool=callgrind (use simdgrad ci-check)\n");
        return 2;
    }
    buf_a = arena();
    buf_b = arena();
    buf_c = arena();
    buf_d = arena();
    fill(buf_a, MAX_ELEMS, 1u);
    fill(buf_b, MAX_ELEMS, 2u);
    fill(buf_c, MAX_ELEMS, 3u);
    fill(buf_d, MAX_ELEMS, 4u);

    run_isa("scalar", sg_kernels_get(SG_ISA_SCALAR));
    if (sg_isa_available(SG_ISA_AVX2)) {
#if SG_ICOUNT_HAVE_AUTO_AVX2
        run_isa("auto_avx2", &sg_auto_avx2_table);
#endif
        run_isa("avx2", sg_kernels_get(SG_ISA_AVX2));
    } else if (sg_isa_compiled(SG_ISA_AVX2)) {
        fprintf(stderr, "simdgrad-icount: skipping avx2 and auto_avx2: not available on this CPU\n");
    }
    for (int isa = 0; isa < SG_ISA_COUNT; isa++)
        if (isa != SG_ISA_SCALAR && isa != SG_ISA_AVX2 && sg_isa_compiled((sg_isa)isa))
            fprintf(stderr, "simdgrad-icount: skipping %s: %s\n", sg_isa_name((sg_isa)isa),
                    sg_isa_available((sg_isa)isa) ? "not in the icount set"
                                                  : "not available under valgrind/on this CPU");
    free(buf_a);
    free(buf_b);
    free(buf_c);
    free(buf_d);
    return 0;
}
