/* Measured ceilings (the likwid-bench idea): peak FMA throughput per ISA and streaming
 * bandwidth per working-set level for the three access patterns the kernels use. The loops
 * live in ISA-flagged files; this file only registers and times them. */
#define _POSIX_C_SOURCE 199309L /* clock_gettime */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "sg_config.h"
#include "sgb.h"
#include "shim.h"

const char *const sgb_bw_names[SGB_BW_PATTERNS] = {"read", "copy", "add"};

#if SIMDGRAD_HAVE_AVX2
double sgb_avx2_fma_scalar(int64_t iters);
double sgb_avx2_fma_ymm(int64_t iters);
double sgb_avx2_fma_latency(int64_t iters);
float sgb_avx2_read(size_t n, const float *a);
void sgb_avx2_copy(size_t n, const float *a, float *b);
void sgb_avx2_add(size_t n, const float *a, const float *b, float *c);
void sgb_avx2_copy_nt(size_t n, const float *a, float *b);
void sgb_avx2_add_nt(size_t n, const float *a, const float *b, float *c);
#endif
#if SIMDGRAD_HAVE_NEON
double sgb_neon_fma_scalar(int64_t iters);
double sgb_neon_fma_q(int64_t iters);
double sgb_neon_fma_latency(int64_t iters);
float sgb_neon_read(size_t n, const float *a);
void sgb_neon_copy(size_t n, const float *a, float *b);
void sgb_neon_add(size_t n, const float *a, const float *b, float *c);
#endif
#if SIMDGRAD_HAVE_AVX512
double sgb_avx512_fma_zmm(int64_t iters);
float sgb_avx512_read(size_t n, const float *a);
void sgb_avx512_copy(size_t n, const float *a, float *b);
void sgb_avx512_add(size_t n, const float *a, const float *b, float *c);
void sgb_avx512_copy_nt(size_t n, const float *a, float *b);
void sgb_avx512_add_nt(size_t n, const float *a, const float *b, float *c);
#endif

typedef struct fma_ctx {
    const sgb_meta *meta;
    sgb_fma_fn fn;
} fma_ctx;

static void run_fma(sgb_state *st, void *p)
{
    const fma_ctx *c = p;
    const int64_t rounds = 4096; /* ~50k FMAs per call: loop overhead is noise */
    double flops = 0;
    while (sgb_keep_running_batch(st, 1))
        flops = c->fn(rounds);
    sgb_counter_rate(st, "FLOP/s", flops);
    if (sgb_clock_hz() > 0)
        sgb_counter_rate_value(st, "FLOP/cycle", flops / sgb_clock_hz(), 1.0);
}

typedef struct bw_ctx {
    const sgb_meta *meta;
    const sgb_ceiling_isa *isa;
    int pattern;
    size_t n;
} bw_ctx;

volatile float sgb_ceiling_sink;

static void run_bw(sgb_state *st, void *p)
{
    const bw_ctx *c = p;
    float *arr[3];
    float *block = sgb_alloc_set(c->n, 3, arr);
    float *a = arr[0], *b = arr[1], *d = arr[2];
    sgb_fill(a, c->n, 1, false);
    sgb_fill(b, c->n, 2, false);
    sgb_fill(d, c->n, 3, false);
    const int64_t batch = c->n >= 65536 ? 1 : (int64_t)(65536 / c->n);
    float s = 0;
    while (sgb_keep_running_batch(st, batch)) {
        for (int64_t r = 0; r < batch; r++) {
            switch (c->pattern) {
            case SGB_BW_READ: s += c->isa->read(c->n, a); break;
            case SGB_BW_COPY: c->isa->copy(c->n, a, b); break;
            default: c->isa->add(c->n, a, b, d); break;
            }
        }
    }
    sgb_ceiling_sink = s;
    sgb_counters(st, c->meta, (double)c->n);
    free(block);
}

static void add_fma(const char *isa, sgb_fma_fn fn)
{
    fma_ctx *c = sgb_ctx_alloc(sizeof *c);
    c->meta = sgb_meta_add("ceiling_fma", isa, "", 0, 0, -1, SGB_BW_READ);
    c->fn = fn;
    sgb_register_meta(c->meta, run_fma, c, 0, NULL, NULL);
}

/* Bandwidth with every ISA's loops: the summary takes the best as the ceiling. */
static sgb_ceiling_isa isas[5];
static int ni;

/* rerun: the L2, L3 and DRAM ones again, named .../rerun:1, at the end of the run. */
static void register_bw(const sgb_topo *t, bool quick, unsigned level_mask, bool rerun)
{
    size_t ws[SGB_LEVELS];
    sgb_working_sets(t, ws);
    static const unsigned arrays[SGB_BW_PATTERNS] = {1, 2, 3};
    static const double bytes_per_elem[SGB_BW_PATTERNS] = {4, 8, 12};
    for (int l = rerun ? SGB_L2 : SGB_L1; l < SGB_LEVELS; l++) {
        if (!(level_mask & (1u << l)))
            continue;
        for (int p = 0; p < SGB_BW_PATTERNS; p++)
            for (int i = 0; i < ni; i++) {
                if (isas[i].far_only && (l < SGB_L3 || !(p == SGB_BW_COPY || p == SGB_BW_ADD)))
                    continue;
                bw_ctx *c = sgb_ctx_alloc(sizeof *c);
                char kernel[32], args[48];
                c->isa = &isas[i];
                c->pattern = p;
                c->n = sgb_elems_for(ws[l], arrays[p]);
                snprintf(kernel, sizeof kernel, "ceiling_%s", sgb_bw_names[p]);
                snprintf(args, sizeof args, "n:%zu%s", c->n, rerun ? "/rerun:1" : "");
                c->meta = sgb_meta_add(kernel, isas[i].name, args, 0, bytes_per_elem[p] * (double)c->n, l, p);
                const char *names[] = {"n", "rerun"};
                const int64_t values[] = {(int64_t)c->n, 1};
                sgb_bench *b = sgb_register_meta(c->meta, run_bw, c, rerun ? 2 : 1, names, values);
                /* L2, L3 and DRAM rates swing by 10-20% between benchmarks (the other tenants of the
                   shared L3 and memory; which physical pages a buffer got, i.e. conflict misses in
                   the physically indexed L2/L3); the ceiling is a maximum, so it gets more samples
                   than the kernels' 3. */
                if (!quick && l >= SGB_L2)
                    sgb_repetitions(b, 5);
            }
    }
}

void sgb_register_ceilings_rerun(const sgb_topo *t, bool quick, unsigned level_mask)
{
    if (ni && !quick)
        register_bw(t, quick, level_mask, true);
}

void sgb_register_ceilings(const sgb_topo *t, bool quick, unsigned level_mask)
{
    /* The clock first, so every benchmark can give its rates per cycle too; it lands in the JSON
       context (read before the first benchmark runs). */
    char ghz[32];
    if (sgb_clock_measure() > 0) {
        snprintf(ghz, sizeof ghz, "%.3f", sgb_clock_hz() / 1e9);
        sgb_context("clock_ghz_measured", ghz);
        sgb_context("clock_method", "dependent integer add chain (1 add/cycle), thread CPU time, best of 5 "
                                    "x 64M adds, before the benchmarks (bench/clock.c)");
    }
    ni = 0;
#if SIMDGRAD_HAVE_AVX2
    if (sg_isa_available(SG_ISA_AVX2)) {
        add_fma("scalar", sgb_avx2_fma_scalar);
        add_fma("avx2", sgb_avx2_fma_ymm);
        isas[ni++] =
            (sgb_ceiling_isa){"avx2", sgb_avx2_fma_ymm, sgb_avx2_read, sgb_avx2_copy, sgb_avx2_add, false};
        isas[ni++] = (sgb_ceiling_isa){"avx2_nt", NULL, NULL, sgb_avx2_copy_nt, sgb_avx2_add_nt, true};
    }
#endif
#if SIMDGRAD_HAVE_AVX512
    if (sg_isa_available(SG_ISA_AVX512)) {
        add_fma("avx512", sgb_avx512_fma_zmm);
        isas[ni++] = (sgb_ceiling_isa){"avx512",        sgb_avx512_fma_zmm, sgb_avx512_read,
                                       sgb_avx512_copy, sgb_avx512_add,     false};
        isas[ni++] = (sgb_ceiling_isa){"avx512_nt", NULL, NULL, sgb_avx512_copy_nt, sgb_avx512_add_nt, true};
    }
#endif
#if SIMDGRAD_HAVE_NEON
    add_fma("scalar", sgb_neon_fma_scalar);
    add_fma("neon", sgb_neon_fma_q);
    isas[ni++] = (sgb_ceiling_isa){"neon", sgb_neon_fma_q, sgb_neon_read, sgb_neon_copy, sgb_neon_add, false};
#endif
    if (!ni) {
        fprintf(stderr, "simdgrad bench: no measured ceilings for this CPU (AVX2, AVX-512 and NEON only); "
                        "roofline columns will be empty\n");
        return;
    }
    register_bw(t, quick, level_mask, false);
}

static double now_seconds(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

/* Best (shortest) seconds per unit of fn(iters)'s return value over 31 short runs: the other tenants of a
   shared machine only ever make a run longer. */
static double best_seconds_per(sgb_fma_fn fn, int64_t iters)
{
    double best = 0;
    for (int r = 0; r < 31; r++) {
        const double t0 = now_seconds(), units = fn(iters), t = (now_seconds() - t0) / units;
        if (r == 0 || t < best)
            best = t;
    }
    return best;
}

const sgb_fma_timing *sgb_fma_timing_get(void)
{
    static sgb_fma_timing t;
    static bool done;
    if (done)
        return &t;
    done = true;
#if SIMDGRAD_HAVE_AVX2
    if (sg_isa_available(SG_ISA_AVX2)) {
        /* 2^17 chained FMAs (about 0.2 ms) per run; 2^15 rounds of the 12-chain peak loop (it returns flops).
         */
        t = (sgb_fma_timing){best_seconds_per(sgb_avx2_fma_latency, 1 << 14),
                             1.0 / (16.0 * best_seconds_per(sgb_avx2_fma_ymm, 1 << 15)), 8, "avx2"};
        return &t;
    }
#endif
#if SIMDGRAD_HAVE_NEON
    t = (sgb_fma_timing){best_seconds_per(sgb_neon_fma_latency, 1 << 14),
                         1.0 / (8.0 * best_seconds_per(sgb_neon_fma_q, 1 << 15)), 4, "neon"};
#endif
    return &t;
}

double sgb_matmul_bound_seconds(size_t m, size_t n, size_t k)
{
    const sgb_fma_timing *t = sgb_fma_timing_get();
    if (!(t->latency_s > 0) || !(t->vec_per_s > 0))
        return 0;
    const double chain = t->latency_s * (double)k;
    const double vecs = (double)((m * n + (size_t)t->lanes - 1) / (size_t)t->lanes) * (double)k;
    const double through = vecs / t->vec_per_s;
    return chain > through ? chain : through;
}
