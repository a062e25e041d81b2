/* Scratch buffers and the per-benchmark metadata registry. */
#define _GNU_SOURCE
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sgb.h"
#include "shim.h"

float *sgb_alloc(size_t n)
{
    /* 64-byte aligned, like a careful caller; the kernels accept any alignment anyway. */
    void *p = NULL;
    size_t bytes = (n ? n : 1) * sizeof(float);
    bytes = (bytes + 63) & ~(size_t)63;
    if (posix_memalign(&p, 64, bytes) != 0) {
        fprintf(stderr, "simdgrad bench: out of memory (%zu bytes)\n", bytes);
        exit(2);
    }
    return p;
}

float *sgb_alloc_set(size_t n, int count, float **arrays)
{
    /* One block; array i starts 192*i bytes (mod 4 KiB) after array 0, so loads from one
       array and stores to another never sit at the same page offset: without this, power-of-two
       sizes make every store alias a load ("4K aliasing") and halve some rates at random. */
    const size_t stride = ((n + 15) & ~(size_t)15) + 48;
    float *base = sgb_alloc(stride * (size_t)count);
    for (int i = 0; i < count; i++)
        arrays[i] = base + stride * (size_t)i;
    return base;
}

void sgb_fill(float *p, size_t n, uint32_t seed, bool zeros)
{
    /* xorshift32: deterministic, mixed signs; with zeros, 1 value in 1024 is ±0. Exact zeros of h are
       rare in training — `simdgrad study` counts 1.6e-6 (f32, XOR) to 3.8e-3 (bf16, XOR) of all h values
       over 2,000 seeds (results/study/) — and the gradient kernels may take a fast path for blocks
       without one, so the bench times them at a density inside that range, not at the 1 in 8 used
       before 2026-11-30 (which defeated that path on every block). Correctness of all branches is the
       harness's job, with its own dense special values. */
    uint32_t s = seed ? seed : 1;
    for (size_t i = 0; i < n; i++) {
        s ^= s << 13;
        s ^= s >> 17;
        s ^= s << 5;
        float v = (float)(s >> 8) / (float)(1u << 24) * 2.0f - 1.0f;
        if (zeros && (s & 1023) == 0)
            v = (s & 1024) ? 0.0f : -0.0f;
        p[i] = v;
    }
}

/* Grows by chunks that are never moved, so callers may keep the pointers. */
#define SGB_META_CHUNK 256
static sgb_meta *chunks[64];
static size_t meta_count;

sgb_meta *sgb_meta_add(const char *kernel, const char *impl, const char *args, double flops, double bytes,
                       int level, int pattern)
{
    size_t c = meta_count / SGB_META_CHUNK, i = meta_count % SGB_META_CHUNK;
    if (c >= sizeof chunks / sizeof chunks[0]) {
        fprintf(stderr, "simdgrad bench: too many benchmarks\n");
        exit(2);
    }
    if (!chunks[c] && !(chunks[c] = calloc(SGB_META_CHUNK, sizeof(sgb_meta)))) {
        fprintf(stderr, "simdgrad bench: out of memory\n");
        exit(2);
    }
    sgb_meta *m = &chunks[c][i];
    meta_count++;
    snprintf(m->name, sizeof m->name, "%s/%s%s%s", kernel, impl, *args ? "/" : "", args);
    snprintf(m->family, sizeof m->family, "%s/%s", kernel, impl);
    snprintf(m->group, sizeof m->group, "%s%s%s", kernel, *args ? "/" : "", args);
    snprintf(m->impl, sizeof m->impl, "%s", impl);
    snprintf(m->table, sizeof m->table, "%s", kernel);
    snprintf(m->size, sizeof m->size, "%s", args);
    m->flops = flops;
    m->bytes = bytes;
    m->level = level;
    m->pattern = pattern;
    return m;
}

const sgb_meta *sgb_meta_find(const char *name)
{
    for (size_t k = 0; k < meta_count; k++) {
        const sgb_meta *m = &chunks[k / SGB_META_CHUNK][k % SGB_META_CHUNK];
        if (!strcmp(m->name, name))
            return m;
    }
    return NULL;
}

/* Every benchmark callback runs through this, for the progress line (bench/progress_bench.c); the
   extra call is outside the timed loop. */
typedef struct tramp {
    sgb_fn fn;
    void *ctx;
    const sgb_meta *meta;
    int slot;
} tramp;

static void tramp_run(sgb_state *st, void *p)
{
    tramp *t = p;
    t->fn(st, t->ctx);
    sgb_progress_call(t->meta->name, &t->slot, sgb_max_iterations(st));
}

sgb_bench *sgb_register_meta(const sgb_meta *m, sgb_fn fn, void *ctx, int nargs, const char *const *names,
                             const int64_t *values)
{
    tramp *t = sgb_ctx_alloc(sizeof *t);
    t->fn = fn;
    t->ctx = ctx;
    t->meta = m;
    sgb_bench *b = sgb_register(m->family, tramp_run, t);
    if (nargs > 0)
        sgb_args(b, nargs, names, values);
    return b;
}

void sgb_counters(sgb_state *st, const sgb_meta *m, double items)
{
    const double hz = sgb_clock_hz();
    if (m->bytes > 0)
        sgb_bytes_processed(st, m->bytes);
    if (items > 0)
        sgb_items_processed(st, items);
    if (m->flops > 0)
        sgb_counter_rate(st, "FLOP/s", m->flops);
    if (hz > 0 && m->flops > 0)
        sgb_counter_rate_value(st, "FLOP/cycle", m->flops / hz, 1.0);
    if (hz > 0 && m->bytes > 0)
        sgb_counter_rate_value(st, "bytes/cycle", m->bytes / hz, 1.0);
    if (m->level >= 0 && m->level < SGB_LEVELS)
        sgb_label(st, sgb_level_names[m->level]);
}

void sgb_counter_roofline(sgb_state *st, const sgb_meta *m, const char *isa)
{
    /* Per iteration the roofline time; over the measured time, the attained fraction. */
    const double r = sgb_roofline_seconds_of(m, isa);
    if (r > 0)
        sgb_counter_rate_value(st, "roofline_%", r, 100.0);
}

/* Benchmark contexts live until the end of the run; they are kept here so they can be freed
   after Google Benchmark (which holds the only other pointers) has shut down. */
static void **ctxs;
static size_t n_ctxs, cap_ctxs;

void *sgb_ctx_alloc(size_t bytes)
{
    if (n_ctxs == cap_ctxs) {
        cap_ctxs = cap_ctxs ? 2 * cap_ctxs : 256;
        void **grown = realloc(ctxs, cap_ctxs * sizeof *ctxs);
        if (!grown) {
            fprintf(stderr, "simdgrad bench: out of memory\n");
            exit(2);
        }
        ctxs = grown;
    }
    void *p = calloc(1, bytes);
    if (!p) {
        fprintf(stderr, "simdgrad bench: out of memory\n");
        exit(2);
    }
    return ctxs[n_ctxs++] = p;
}

void sgb_ctx_free_all(void)
{
    for (size_t i = 0; i < n_ctxs; i++)
        free(ctxs[i]);
    free(ctxs);
    ctxs = NULL;
    n_ctxs = cap_ctxs = 0;
}

int64_t sgb_batch_for(double work)
{
    const double b = 262144.0 / (work > 1 ? work : 1);
    return b < 1 ? 1 : (int64_t)b;
}

bool sgb_check_matmul(sg_trans ta, sg_trans tb, size_t m, size_t n, size_t k, const float *a, size_t lda,
                      const float *b, size_t ldb, const float *c, size_t ldc)
{
    /* 16 sampled elements (always including both corners) against a double-precision dot
       product; the tolerance allows any summation order of k float products. */
    for (size_t s = 0; s < 16 && m && n; s++) {
        const size_t i = s == 0 ? 0 : s == 1 ? m - 1 : (s * 7919) % m;
        const size_t j = s == 0 ? 0 : s == 1 ? n - 1 : (s * 104729) % n;
        double acc = 0, mag = 0;
        for (size_t p = 0; p < k; p++) {
            const double x = ta == SG_NO_TRANS ? a[i * lda + p] : a[p * lda + i];
            const double y = tb == SG_NO_TRANS ? b[p * ldb + j] : b[j * ldb + p];
            acc += x * y;
            mag += fabs(x * y);
        }
        if (fabs(c[i * ldc + j] - acc) > 1e-5 * (double)(k + 1) * (mag + 1e-30))
            return false;
    }
    return true;
}
