/* simdgrad-icount: runs every kernel x ISA x size a fixed number of times with callgrind collection
 * switched on only around the calls, dumping one profile per case (named by the case), so that
 * `simdgrad ci-check --mode icount` gets exact, noise-free instruction counts per kernel call.
 *
 * Meant to run as: valgrind --tool=callgrind --collect-atstart=no simdgrad-icount [--reps N]
 * The ISAs are those of SG_ISA_LIST, each with its auto-vectorized reference (auto_<isa>) where
 * built, and the families those of SG_FAMILY_LIST (elementwise ones from their descriptors).
 * Valgrind hides AVX-512 in CPUID, so an x86 machine measures scalar, auto_avx2 and avx2; the cases
 * of an ISA that is not available are skipped with a note. */
#define _GNU_SOURCE
#include <getopt.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <valgrind/callgrind.h>
#include <valgrind/valgrind.h>

#include "eltwise.h"
#include "sg_config.h"
#include "sg_kernels_impl.h"
#include "simdgrad.h"

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
/* Elementwise inputs and outputs: a, b then extra arenas; c, d then extra arenas. */
static float *in_bufs[SG_ELTWISE_MAX_STREAMS], *out_bufs[SG_ELTWISE_MAX_STREAMS];
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

/* Elementwise families are measured from their descriptors (src/eltwise.h), so a new family needs no
   edit here. The descriptor's call adapter is one indirection more than a direct call, and its few
   instructions would be counted in every call (+15% on relu/avx2/n:7): the adapter is therefore
   called once, on a stand-in table whose entries are the measure_<family> functions below. They
   receive the very arguments the adapter unpacked, with their C types, and MEASURE the direct call
   k->family(args) of the table under test, as a hand-written case would. */
static const sg_kernels *measured; /* the table under test */
static const char *case_name;
#define ICOUNT_MEASURE_FN_(name, params, args, work)                                                         \
    static void measure_##name params                                                                        \
    {                                                                                                        \
        const sg_kernels *k_ = measured;                                                                     \
        MEASURE(case_name, k_->name args);                                                                   \
    }
SG_FAMILY_LIST(ICOUNT_MEASURE_FN_)
#undef ICOUNT_MEASURE_FN_
static const sg_kernels measuring = {.isa = SG_ISA_SCALAR,
#define ICOUNT_MEASURE_ENTRY_(name, params, args, work) .name = measure_##name,
                                     SG_FAMILY_LIST(ICOUNT_MEASURE_ENTRY_)
#undef ICOUNT_MEASURE_ENTRY_
};

/* The value of parameter 0 measured: the first sweep value other than 0 and 1, which a kernel could
   special-case (relu_grad's g0: 0.5, the g0·dy multiply path); else the last one. */
static float icount_param(const sg_eltwise_desc *d)
{
    for (unsigned i = 0; i < d->n_sweep; i++)
        if (d->sweep[i] != 0.0f && d->sweep[i] != 1.0f)
            return d->sweep[i];
    return d->n_sweep ? d->sweep[d->n_sweep - 1] : 0.0f;
}

static void measure_eltwise(const sg_eltwise_desc *d, const char *label, const sg_kernels *k, size_t n)
{
    /* Inputs first (a, b, ...), outputs after (c, d, ...): relu(a -> c), relu_grad(a, b -> c) as ever. */
    const void *in[SG_ELTWISE_MAX_STREAMS];
    void *out[SG_ELTWISE_MAX_STREAMS];
    for (unsigned i = 0; i < d->n_in; i++)
        in[i] = in_bufs[i];
    for (unsigned i = 0; i < d->n_out; i++)
        out[i] = out_bufs[i];
    float params[SG_ELTWISE_MAX_PARAMS] = {0};
    char name[128], fam[96];
    if (d->n_params && d->n_sweep)
        snprintf(fam, sizeof fam, "%s/%s/%s:%g", sg_family_name(d->family), label, d->param_name,
                 (double)(params[0] = icount_param(d)));
    else
        snprintf(fam, sizeof fam, "%s/%s", sg_family_name(d->family), label);
    snprintf(name, sizeof name, "%s/n:%zu", fam, n);
    measured = k;
    case_name = name;
    d->call(&measuring, n, in, out, params);
}

/* A case's count includes the few instructions of its measuring loop, so each loop lives in a function of
   its own (noinline here, measure_<family> above): how the compiler lays out one loop then does not
   depend on what else the driver does, and an edit elsewhere in this file cannot shift a baseline. */
static __attribute__((noinline)) void measure_matmuls(const char *label, const sg_kernels *k)
{
    char name[128];
    for (size_t i = 0; i < sizeof mm_cases / sizeof mm_cases[0]; i++) {
        const mm_case *c = &mm_cases[i];
        const size_t lda = c->ta == SG_NO_TRANS ? c->k : c->m, ldb = c->tb == SG_NO_TRANS ? c->n : c->k;
        snprintf(name, sizeof name, "matmul_%s%s/%s/m:%zu/n:%zu/k:%zu", c->ta == SG_TRANS ? "t" : "n",
                 c->tb == SG_TRANS ? "t" : "n", label, c->m, c->n, c->k);
        MEASURE(name, k->matmul(c->ta, c->tb, c->m, c->n, c->k, buf_a, lda, buf_b, ldb, buf_c, c->n));
    }
}

static __attribute__((noinline)) void measure_train_kernels(const char *label, const sg_kernels *k)
{
    char name[128];
    snprintf(name, sizeof name, "train_step/%s", label);
    MEASURE(name, train_step_kernels(k));
}

/* The same step as one train_step call (fused on ISAs that have a fused path), on its own copy of the
   weights: the call updates them. */
static __attribute__((noinline)) void measure_train_fused(const char *label, const sg_kernels *k)
{
    static float w[TD * TH + TH * TO], work[SG_TRAIN_STEP_WORK(TN, TD, TH, TO)];
    float loss;
    uint64_t counts[2];
    memcpy(w, buf_a + 64, sizeof(float) * TD * TH);
    memcpy(w + TD * TH, buf_a + 256, sizeof(float) * TH * TO);
    char name[128];
    snprintf(name, sizeof name, "train_fused/%s", label);
    MEASURE(name, k->train_step(TN, TD, TH, TO, buf_a, buf_a + 512, w, w + TD * TH, 0.002f, 1.0f, 1e30f, work,
                                &loss, counts));
}

static void run_isa(const char *label, const sg_kernels *k)
{
    for (size_t i = 0; i < sizeof eltwise_sizes / sizeof eltwise_sizes[0]; i++)
        for (int f = 0; f < SG_FAMILY_COUNT; f++) {
            const sg_eltwise_desc *d = sg_eltwise_find((sg_family)f);
            if (d)
                measure_eltwise(d, label, k, eltwise_sizes[i]);
        }
    measure_matmuls(label, k);
    measure_train_kernels(label, k);
    measure_train_fused(label, k);
}

/* The auto-vectorized reference of each ISA built here (top-level meson.build: sg_auto_<isa>_table). */
static const sg_kernels *auto_table(sg_isa isa)
{
    static const sg_kernels *const tables[SG_ISA_COUNT] = {
#define ICOUNT_AUTO_(id, name, rank, probe, cpuinfo)                                                         \
    [SG_ISA_##id] = SG_WHEN(SIMDGRAD_HAVE_AUTO_##id, &sg_auto_##name##_table),
        SG_ISA_LIST(ICOUNT_AUTO_)
#undef ICOUNT_AUTO_
    };
    return isa == SG_ISA_SCALAR ? NULL : tables[isa];
}

static const char usage[] =
    "usage: valgrind --tool=callgrind --collect-atstart=no simdgrad-icount [--reps N]\n"
    "  --reps N  calls per case after one warm-up call, 1..1000 (default 3)\n";

int main(int argc, char **argv)
{
    static const struct option opts[] = {
        {"reps", required_argument, NULL, 'r'}, {"help", no_argument, NULL, 'h'}, {NULL, 0, NULL, 0}};
    opterr = 0; /* one line of our own per error, not getopt's plus a usage */
    for (int c; (c = getopt_long(argc, argv, "h", opts, NULL)) != -1;) {
        char *end;
        unsigned long v;
        switch (c) {
        case 'r':
            v = strtoul(optarg, &end, 10);
            if (optarg[0] < '0' || optarg[0] > '9' || *end || v < 1 || v > 1000) {
                fprintf(stderr, "simdgrad-icount: --reps wants 1..1000, got '%s'\n", optarg);
                return 2;
            }
            reps = (unsigned)v;
            break;
        case 'h': fputs(usage, stdout); return 0;
        default:
            fprintf(stderr, "simdgrad-icount: %s '%s' (see --help)\n",
                    optopt == 'r' ? "missing value for" : "unknown option", argv[optind - 1]);
            return 2;
        }
    }
    if (optind < argc) {
        fprintf(stderr, "simdgrad-icount: unexpected argument '%s' (see --help)\n", argv[optind]);
        return 2;
    }
    if (!RUNNING_ON_VALGRIND) {
        /* Natively the client requests are no-ops: nothing would be measured. */
        fprintf(stderr,
                "simdgrad-icount: must run under valgrind --tool=callgrind (use simdgrad ci-check)\n");
        return 2;
    }
    /* Allocated and filled in this order so the first four arenas sit where they always did. */
    buf_a = arena();
    buf_b = arena();
    buf_c = arena();
    buf_d = arena();
    fill(buf_a, MAX_ELEMS, 1u);
    fill(buf_b, MAX_ELEMS, 2u);
    fill(buf_c, MAX_ELEMS, 3u);
    fill(buf_d, MAX_ELEMS, 4u);
    in_bufs[0] = buf_a, in_bufs[1] = buf_b, out_bufs[0] = buf_c, out_bufs[1] = buf_d;
    for (int i = 2; i < SG_ELTWISE_MAX_STREAMS; i++) {
        fill(in_bufs[i] = arena(), MAX_ELEMS, 3u + 2u * (uint32_t)i);
        fill(out_bufs[i] = arena(), MAX_ELEMS, 4u + 2u * (uint32_t)i);
    }

    char label[64];
    for (int i = 0; i < SG_ISA_COUNT; i++) {
        const sg_isa isa = (sg_isa)i;
        if (isa == SG_ISA_SCALAR) {
            run_isa("scalar", sg_kernels_get(isa));
        } else if (sg_isa_available(isa)) {
            if (auto_table(isa)) {
                snprintf(label, sizeof label, "auto_%s", sg_isa_name(isa));
                run_isa(label, auto_table(isa));
            }
            run_isa(sg_isa_name(isa), sg_kernels_get(isa));
        } else if (sg_isa_compiled(isa)) {
            /* The auto_<isa> reference needs the same instructions, so it is skipped too. */
            fprintf(stderr,
                    "simdgrad-icount: skipping %s%s%s: not available under valgrind on this CPU "
                    "(valgrind hides AVX-512)\n",
                    sg_isa_name(isa), auto_table(isa) ? " and auto_" : "",
                    auto_table(isa) ? sg_isa_name(isa) : "");
        }
    }
    free(buf_a);
    free(buf_b);
    free(buf_c);
    free(buf_d);
    for (int i = 2; i < SG_ELTWISE_MAX_STREAMS; i++) {
        free(in_bufs[i]);
        free(out_bufs[i]);
    }
    return 0;
}
