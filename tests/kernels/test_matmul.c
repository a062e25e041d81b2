/* matmul: every ISA against an independently written fmaf loop (the contract: acc = +0, then
 * acc = fmaf(opA[i][p], opB[p][j], acc) for p = 0..k-1), in all four (ta, tb) forms, for every
 * m, n, k in 0..16, sampled shapes up to 40 and random larger ones, with padded strides, guard
 * pages after the last / before the first element of A, B and C, misaligned A/B/C, NaN-filled
 * padding in A/B (a kernel that reads it is seen), canary-filled padding in C (a kernel that
 * writes it is seen) and special values. The scalar reference is held to the same loop, and
 * to a float64 error bound on finite inputs. */
#include <float.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <threads.h>

#include "sgtest.h"

static const char *tname(sg_trans t) { return t == SG_NO_TRANS ? "N" : "T"; }

/* op(A)[i][p] spelled from the storage layout directly (A is m×k, or k×m when transposed). */
static float op_a(sg_trans ta, const float *a, size_t lda, size_t i, size_t p)
{
    return ta == SG_NO_TRANS ? a[i * lda + p] : a[p * lda + i];
}

/* op(B)[p][j] (B is k×n, or n×k when transposed). */
static float op_b(sg_trans tb, const float *b, size_t ldb, size_t p, size_t j)
{
    return tb == SG_NO_TRANS ? b[p * ldb + j] : b[j * ldb + p];
}

/* The contract as an independent loop: dense output with row stride n. */
static void contract_matmul(sg_trans ta, sg_trans tb, size_t m, size_t n, size_t k, const float *a,
                            size_t lda, const float *b, size_t ldb, float *c)
{
    for (size_t i = 0; i < m; i++)
        for (size_t j = 0; j < n; j++) {
            float acc = 0.0f;
            for (size_t p = 0; p < k; p++)
                acc = fmaf(op_a(ta, a, lda, i, p), op_b(tb, b, ldb, p, j), acc);
            c[i * n + j] = acc;
        }
}

/* Elements a stored rows×cols matrix with row stride ld spans: the last row ends at its last
   element, not at the stride (a kernel reading a whole padded last row must fault). */
static size_t span(size_t rows, size_t cols, size_t ld) { return rows && cols ? (rows - 1) * ld + cols : 0; }

typedef struct shape {
    sg_trans ta, tb;
    size_t m, n, k, lda, ldb, ldc;
} shape;

static void stored_dims(const shape *s, size_t *ar, size_t *ac, size_t *br, size_t *bc)
{
    *ar = s->ta == SG_NO_TRANS ? s->m : s->k;
    *ac = s->ta == SG_NO_TRANS ? s->k : s->m;
    *br = s->tb == SG_NO_TRANS ? s->k : s->n;
    *bc = s->tb == SG_NO_TRANS ? s->n : s->k;
}

/* Pads each row's stride by pad (ld >= max(1, cols)). */
static void set_strides(shape *s, size_t pa, size_t pb, size_t pc)
{
    size_t ar, ac, br, bc;
    stored_dims(s, &ar, &ac, &br, &bc);
    s->lda = (ac ? ac : 1) + pa;
    s->ldb = (bc ? bc : 1) + pb;
    s->ldc = (s->n ? s->n : 1) + pc;
}

/* Input matrices with their padding set to NaN: a kernel that uses a padding element in a
   result produces NaN where the contract has a number. */
static float *make_input(sgt_rng *rng, size_t rows, size_t cols, size_t ld, unsigned special_pct, bool finite)
{
    const size_t sz = span(rows, cols, ld);
    float *x = malloc((sz ? sz : 1) * sizeof(float));
    for (size_t i = 0; i < sz; i++)
        x[i] = i % ld < cols ? 0.0f : sgt_f32(0x7fc0dead);
    for (size_t r = 0; r < rows; r++) {
        if (finite)
            sgt_fill_finite(rng, x + r * ld, cols);
        else
            sgt_fill(rng, x + r * ld, cols, special_pct);
    }
    return x;
}

typedef struct arenas {
    sgt_arena a, b, c;
} arenas;

static unsigned long calls;

/* Runs kernel k on shape s at the given placement and compares with want (dense m×n). */
static void run_one(const sg_kernels *kt, const shape *s, const float *a_in, const float *b_in,
                    const float *want, arenas *ar, sgt_place place, unsigned oa, unsigned ob, unsigned oc)
{
    const char *isa = sg_isa_name(kt->isa);
    size_t arows, acols, brows, bcols;
    stored_dims(s, &arows, &acols, &brows, &bcols);
    const size_t sa = span(arows, acols, s->lda), sb = span(brows, bcols, s->ldb),
                 sc = span(s->m, s->n, s->ldc);
    float *a = sgt_arena_put(&ar->a, sa, place, oa), *b = sgt_arena_put(&ar->b, sb, place, ob);
    float *c = sgt_arena_put(&ar->c, sc, place, oc);
    if (sa)
        memcpy(a, a_in, sa * sizeof(float));
    if (sb)
        memcpy(b, b_in, sb * sizeof(float));
    /* C: elements start as -NaN (a missed store shows), padding holds canary bytes. */
    if (sc)
        memset(c, SGT_CANARY, sc * sizeof(float));
    for (size_t i = 0; i < s->m; i++)
        if (s->n)
            memset(c + i * s->ldc, 0xff, s->n * sizeof(float));

    char how[160];
    snprintf(how, sizeof how, "matmul[%s] %s%s m=%zu n=%zu k=%zu lda=%zu ldb=%zu ldc=%zu %s a+%u b+%u c+%u",
             isa, tname(s->ta), tname(s->tb), s->m, s->n, s->k, s->lda, s->ldb, s->ldc, sgt_place_name(place),
             oa, ob, oc);
    sgt_context("%s", how);
    kt->matmul(s->ta, s->tb, s->m, s->n, s->k, a, s->lda, b, s->ldb, c, s->ldc);
    calls++;
    sgt_context("checking the result of %s", how); /* a fault from here on is the harness's */

    for (size_t i = 0; i < s->m; i++) {
        const size_t j = sgt_first_mismatch(c + i * s->ldc, want + i * s->n, s->n);
        if (j < s->n) {
            char g[48], w[48];
            sgt_fail("%s: C[%zu][%zu] = %s, want %s", how, i, j, sgt_fmt(g, c[i * s->ldc + j]),
                     sgt_fmt(w, want[i * s->n + j]));
            /* The inputs of that element, so the failure can be reproduced by hand. */
            for (size_t p = 0; p < s->k && p < 8; p++) {
                char x[48], y[48];
                printf("    p=%zu: opA = %s, opB = %s\n", p, sgt_fmt(x, op_a(s->ta, a_in, s->lda, i, p)),
                       sgt_fmt(y, op_b(s->tb, b_in, s->ldb, p, j)));
            }
            break;
        }
        /* Padding of C between rows must be untouched (none exists when n = 0: span is 0). */
        if (i + 1 < s->m && s->n)
            for (size_t q = s->n; q < s->ldc; q++) {
                const unsigned char *bytes = (const unsigned char *)(c + i * s->ldc + q);
                if (bytes[0] != SGT_CANARY || bytes[1] != SGT_CANARY || bytes[2] != SGT_CANARY ||
                    bytes[3] != SGT_CANARY) {
                    sgt_fail("%s: padding C[%zu][%zu] (beyond column n) was written", how, i, q);
                    break;
                }
            }
    }
    if (sa && memcmp(a, a_in, sa * sizeof(float)) != 0)
        sgt_fail("%s: A was modified", how);
    if (sb && memcmp(b, b_in, sb * sizeof(float)) != 0)
        sgt_fail("%s: B was modified", how);
    char what[200];
    snprintf(what, sizeof what, "%s A", how);
    sgt_buf_canaries_ok(&ar->a.buf, what);
    snprintf(what, sizeof what, "%s B", how);
    sgt_buf_canaries_ok(&ar->b.buf, what);
    snprintf(what, sizeof what, "%s C", how);
    sgt_buf_canaries_ok(&ar->c.buf, what);
}

/* One shape on every table, with the placement chosen by variant. */
static void test_shape(const sg_kernels *const *ks, int nk, const shape *s, sgt_rng *rng, arenas *ar,
                       unsigned variant, unsigned special_pct)
{
    size_t arows, acols, brows, bcols;
    stored_dims(s, &arows, &acols, &brows, &bcols);
    float *a = make_input(rng, arows, acols, s->lda, special_pct, false);
    float *b = make_input(rng, brows, bcols, s->ldb, special_pct, false);
    float *want = malloc((s->m * s->n + 1) * sizeof(float));
    contract_matmul(s->ta, s->tb, s->m, s->n, s->k, a, s->lda, b, s->ldb, want);

    static const sgt_place places[3] = {SGT_GUARD_AFTER, SGT_GUARD_BEFORE, SGT_MISALIGNED};
    const sgt_place place = places[variant % 3];
    const unsigned oa = variant % SGT_NUM_OFFSETS, ob = (variant * 7 + 3) % SGT_NUM_OFFSETS;
    const unsigned oc = (variant * 11 + 5) % SGT_NUM_OFFSETS;
    for (int i = 0; i < nk; i++)
        run_one(ks[i], s, a, b, want, ar, place, oa, ob, oc);
    free(a);
    free(b);
    free(want);
}

static void arenas_init(arenas *ar, size_t cap)
{
    sgt_arena_init(&ar->a, cap);
    sgt_arena_init(&ar->b, cap);
    sgt_arena_init(&ar->c, cap);
}

static void arenas_free(arenas *ar)
{
    sgt_arena_free(&ar->a);
    sgt_arena_free(&ar->b);
    sgt_arena_free(&ar->c);
}

static const size_t pads[4] = {0, 1, 3, 17};

/* Every m, n, k in 0..max for all four forms; strides, placements and offsets rotate. */
static void cube(const sg_kernels *const *ks, int nk, size_t max, sgt_rng *rng)
{
    arenas ar;
    arenas_init(&ar, (max + 1) * (max + 1 + 17) + 64);
    unsigned variant = 0;
    for (int t = 0; t < 4; t++)
        for (size_t m = 0; m <= max; m++)
            for (size_t n = 0; n <= max; n++)
                for (size_t k = 0; k <= max; k++, variant++) {
                    shape s = {(sg_trans)(t >> 1), (sg_trans)(t & 1), m, n, k, 0, 0, 0};
                    set_strides(&s, pads[variant % 4], pads[(variant / 4) % 4], pads[(variant / 16) % 4]);
                    test_shape(ks, nk, &s, rng, &ar, variant, variant % 2 ? 3 : 0);
                }
    arenas_free(&ar);
}

/* Random shapes with dimensions in [lo, hi]. */
static void sampled(const sg_kernels *const *ks, int nk, size_t count, size_t lo, size_t hi, sgt_rng *rng)
{
    arenas ar;
    arenas_init(&ar, (hi + 1) * (hi + 1 + 17) + 64);
    for (size_t c = 0; c < count; c++) {
        shape s = {(sg_trans)sgt_rng_below(rng, 2),
                   (sg_trans)sgt_rng_below(rng, 2),
                   lo + sgt_rng_below(rng, hi - lo + 1),
                   lo + sgt_rng_below(rng, hi - lo + 1),
                   lo + sgt_rng_below(rng, hi - lo + 1),
                   0,
                   0,
                   0};
        set_strides(&s, pads[sgt_rng_below(rng, 4)], pads[sgt_rng_below(rng, 4)],
                    pads[sgt_rng_below(rng, 4)]);
        test_shape(ks, nk, &s, rng, &ar, (unsigned)sgt_rng_below(rng, 1000), c % 3 ? 2 : 0);
    }
    arenas_free(&ar);
}

/* Shapes chosen to cross the packed driver's blocking at this machine's cache sizes (e.g. kc 256,
   mc 252 for AVX2 with a 32 KiB L1d and 512 KiB L2) and the unpacked transpose chunk (k > 4096), in
   all four forms. The x86 kernels pack only once op(A) outgrows a cache level (L1d or a quarter of L2 for
   AVX2, half of L2 for AVX-512), so the last rows are there to reach the packed path at all; the
   AVX-512-sized one is skipped at the small scale (emulators and valgrind have no AVX-512 anyway).
   small_caches() below crosses every block boundary at small sizes. */
static void fixed_shapes(const sg_kernels *const *ks, int nk, sgt_rng *rng, bool small)
{
    static const size_t dims[][3] = {{150, 40, 300}, {7, 2100, 40}, {145, 17, 257},  {2, 3, 5000},
                                     {6, 8, 683},    {33, 65, 193}, {150, 130, 300}, {700, 70, 420}};
    const size_t n_dims = sizeof dims / sizeof dims[0] - (small ? 1 : 0);
    arenas ar;
    arenas_init(&ar, 2200 * 320);
    unsigned variant = 0;
    for (size_t d = 0; d < n_dims; d++)
        for (int t = 0; t < 4; t++, variant++) {
            shape s = {(sg_trans)(t >> 1), (sg_trans)(t & 1), dims[d][0], dims[d][1], dims[d][2], 0, 0, 0};
            set_strides(&s, pads[variant % 4], pads[(variant + 1) % 4], pads[(variant + 2) % 4]);
            test_shape(ks, nk, &s, rng, &ar, variant, 1);
        }
    arenas_free(&ar);
}

/* The packed path under tiny cache sizes (sg_cache_sizes_set): the derived blocking becomes
   kc 32, mc 60, nc 256 for both x86 tiles, so these shapes cross every k, m and n block, the 8-wide
   transposing packs' k tails (k % 8 != 0), full and edge panels and tiles, with padded strides, in
   all four forms. Each shape is above both ISAs' packing thresholds at these sizes (op(A) > 4 KiB for
   AVX2, whose thresholds are L1d and L2/4, > 8 KiB for AVX-512) unless noted. */
static void small_caches(const sg_kernels *const *ks, int nk, sgt_rng *rng)
{
    static const size_t dims[][3] = {{61, 270, 70},
                                     {121, 33, 65},
                                     {6, 16, 400},
                                     {70, 17, 31},
                                     {100, 9, 50} /* n < 16: AVX-512 unpacked */,
                                     {13, 300, 257},
                                     {66, 48, 64},
                                     {7, 513, 333}};
    const sg_cache_sizes tiny = {4 << 10, 16 << 10, 64 << 10};
    sg_cache_sizes_set(&tiny);
    sg_cache_sizes got;
    sg_cache_sizes_get(&got);
    SGT_CHECK(got.l1d == tiny.l1d && got.l2 == tiny.l2 && got.l3 == tiny.l3, "tiny cache sizes in use");
    sg_matmul_blocking bl;
    if (sg_matmul_blocking_get(SG_ISA_AVX2, &bl) == 0)
        SGT_CHECK(bl.kc == 32 && bl.mc == 60 && bl.nc == 256, "avx2 tiny blocking: kc %zu mc %zu nc %zu",
                  bl.kc, bl.mc, bl.nc);
    /* Natively only on AVX-512 hardware; everywhere else in the avx512_emulation build (25-avx512-emu). */
    if (sg_isa_available(SG_ISA_AVX512) && sg_matmul_blocking_get(SG_ISA_AVX512, &bl) == 0)
        SGT_CHECK(bl.kc == 32 && bl.mc == 60 && bl.nc == 256 && bl.pack_min_a_bytes <= 8 << 10,
                  "avx512 tiny blocking: kc %zu mc %zu nc %zu, packed from %zu bytes", bl.kc, bl.mc, bl.nc,
                  bl.pack_min_a_bytes);
    arenas ar;
    arenas_init(&ar, 600 * 360);
    unsigned variant = 0;
    for (size_t d = 0; d < sizeof dims / sizeof dims[0]; d++)
        for (int t = 0; t < 4; t++, variant++) {
            shape s = {(sg_trans)(t >> 1), (sg_trans)(t & 1), dims[d][0], dims[d][1], dims[d][2], 0, 0, 0};
            set_strides(&s, pads[variant % 4], pads[(variant + 2) % 4], pads[(variant + 3) % 4]);
            test_shape(ks, nk, &s, rng, &ar, variant, variant % 2);
        }
    arenas_free(&ar);
    sg_cache_sizes_set(NULL);
}

/* The public blocking API: clamps, reset, the documented Zen 3 / Zen 5-class figures (docs/matmul.md)
   and the model's invariants over a sweep of cache sizes. Only the x86 ISAs have a packed path. */
static void blocking_api(void)
{
    sg_matmul_blocking bl;
    SGT_CHECK(sg_matmul_blocking_get(SG_ISA_SCALAR, &bl) == -1 && bl.kc == 0,
              "scalar has no packed blocking");
    SGT_CHECK(sg_matmul_blocking_get(SG_ISA_COUNT, &bl) == -1, "out-of-range ISA rejected");
    sg_cache_sizes detected, got;
    sg_cache_sizes_set(NULL);
    sg_cache_sizes_get(&detected);
    SGT_CHECK(detected.l1d && detected.l2 && detected.l3, "detected sizes are never zero");
    const sg_cache_sizes tiny = {1, 1, 1}, keep = {0, 0, 0};
    sg_cache_sizes_set(&tiny);
    sg_cache_sizes_get(&got);
    SGT_CHECK(got.l1d == 4 << 10 && got.l2 == 16 << 10 && got.l3 == 64 << 10, "set clamps up: %zu %zu %zu",
              got.l1d, got.l2, got.l3);
    sg_cache_sizes_set(&keep);
    sg_cache_sizes_get(&got);
    SGT_CHECK(got.l1d == detected.l1d && got.l2 == detected.l2 && got.l3 == detected.l3,
              "zero fields keep the detected sizes");
    if (sg_matmul_blocking_get(SG_ISA_AVX2, &bl) == 0) {
        static const struct {
            sg_cache_sizes cs;
            size_t kc, mc, nc, nn, nt;
        } want[] = {{{32 << 10, 512 << 10, 32 << 20}, 256, 252, 16384, 128 << 10, 32 << 10},
                    {{48 << 10, 1 << 20, 32 << 20}, 384, 336, 10912, 256 << 10, 48 << 10}};
        for (size_t i = 0; i < sizeof want / sizeof want[0]; i++) {
            sg_cache_sizes_set(&want[i].cs);
            sg_matmul_blocking_get(SG_ISA_AVX2, &bl);
            SGT_CHECK(bl.mr == 6 && bl.nr == 16 && bl.kc == want[i].kc && bl.mc == want[i].mc &&
                          bl.nc == want[i].nc && bl.pack_min_a_bytes == want[i].nn &&
                          bl.pack_min_a_bytes_bt == want[i].nt,
                      "avx2 blocking for L1d %zu: kc %zu mc %zu nc %zu thresholds %zu/%zu", want[i].cs.l1d,
                      bl.kc, bl.mc, bl.nc, bl.pack_min_a_bytes, bl.pack_min_a_bytes_bt);
        }
    }
    for (int isa = 0; isa < SG_ISA_COUNT; isa++)
        for (size_t l1 = 4 << 10; l1 <= 4 << 20; l1 *= 2)
            for (size_t l2 = 16 << 10; l2 <= 64 << 20; l2 *= 4) {
                const sg_cache_sizes cs = {l1, l2, 4 * l2};
                sg_cache_sizes_set(&cs);
                if (sg_matmul_blocking_get((sg_isa)isa, &bl) != 0)
                    break;
                const bool fits = bl.kc == 32 || (bl.nr + bl.mr) * bl.kc * 4 <= l1 * 3 / 4;
                SGT_CHECK(bl.kc % 8 == 0 && bl.kc >= 32 && bl.kc <= 1024 && bl.mc % bl.mr == 0 &&
                              bl.mc >= bl.mr && bl.nc % bl.nr == 0 && bl.nc >= bl.nr && fits,
                          "%s blocking for L1d %zu L2 %zu: kc %zu mc %zu nc %zu", sg_isa_name((sg_isa)isa),
                          l1, l2, bl.kc, bl.mc, bl.nc);
            }
    sg_cache_sizes_set(NULL);
}

/* The packing buffer is per thread: threads running packed products at once, each on its own
   operands, must each get the contract's bits (and, under ASan/valgrind, leak nothing when they
   exit: the buffer's destructor frees it). */
typedef struct thread_job {
    const sg_kernels *k;
    size_t m, n, kk;
    float *a, *b, *c, *want;
    int ok;
} thread_job;

static int thread_run(void *arg)
{
    thread_job *j = arg;
    for (int rep = 0; rep < 3; rep++) {
        j->k->matmul(SG_NO_TRANS, SG_TRANS, j->m, j->n, j->kk, j->a, j->kk, j->b, j->kk, j->c, j->n);
        if (memcmp(j->c, j->want, j->m * j->n * sizeof(float)) != 0)
            return 0;
    }
    j->ok = 1;
    return 0;
}

static void threads(const sg_kernels *const *ks, int nk, sgt_rng *rng)
{
    enum { T = 3 };
    for (int i = 0; i < nk; i++) {
        thread_job jobs[T];
        thrd_t th[T];
        for (int t = 0; t < T; t++) {
            thread_job *j = &jobs[t];
            *j = (thread_job){ks[i], 100 + 7 * (size_t)t, 90 + 5 * (size_t)t, 130, NULL, NULL, NULL, NULL, 0};
            j->a = malloc(j->m * j->kk * sizeof(float));
            j->b = malloc(j->n * j->kk * sizeof(float));
            j->c = malloc(j->m * j->n * sizeof(float));
            j->want = malloc(j->m * j->n * sizeof(float));
            sgt_fill_finite(rng, j->a, j->m * j->kk);
            sgt_fill_finite(rng, j->b, j->n * j->kk);
            contract_matmul(SG_NO_TRANS, SG_TRANS, j->m, j->n, j->kk, j->a, j->kk, j->b, j->kk, j->want);
        }
        int started = 0;
        for (int t = 0; t < T; t++)
            started += thrd_create(&th[t], thread_run, &jobs[t]) == thrd_success;
        SGT_CHECK(started == T, "matmul[%s]: %d of %d threads started", sg_isa_name(ks[i]->isa), started, T);
        for (int t = 0; t < started; t++)
            thrd_join(th[t], NULL);
        for (int t = 0; t < T; t++) {
            if (t < started)
                SGT_CHECK(jobs[t].ok, "matmul[%s]: thread %d got other bits than the contract",
                          sg_isa_name(ks[i]->isa), t);
            free(jobs[t].a);
            free(jobs[t].b);
            free(jobs[t].c);
            free(jobs[t].want);
        }
    }
}

/* k = 0: every C element must become +0.0 exactly (bits 0), whatever C held before. */
static void k_zero(const sg_kernels *k)
{
    enum { M = 5, N = 7, LDC = 9 };
    float a[1] = {1.0f}, b[1] = {1.0f}, c[M * LDC];
    for (int t = 0; t < 4; t++) {
        for (size_t i = 0; i < M * LDC; i++)
            c[i] = sgt_f32(i % 2 ? 0x80000000u : 0xffc00000u); /* -0.0 and -NaN */
        sgt_context("matmul[%s] k=0", sg_isa_name(k->isa));
        k->matmul((sg_trans)(t >> 1), (sg_trans)(t & 1), M, N, 0, a, 1, b, N, c, LDC);
        for (size_t i = 0; i < M; i++)
            for (size_t j = 0; j < N; j++)
                SGT_CHECK(sgt_bits(c[i * LDC + j]) == 0,
                          "matmul[%s] %s%s k=0: C[%zu][%zu] = 0x%08x, want +0.0", sg_isa_name(k->isa),
                          tname((sg_trans)(t >> 1)), tname((sg_trans)(t & 1)), i, j,
                          sgt_bits(c[i * LDC + j]));
        for (size_t i = 0; i < M; i++)
            for (size_t j = N; j < LDC; j++) {
                const uint32_t before = (i * LDC + j) % 2 ? 0x80000000u : 0xffc00000u;
                SGT_CHECK(sgt_bits(c[i * LDC + j]) == before,
                          "matmul[%s] k=0: C[%zu][%zu] beyond column n written", sg_isa_name(k->isa), i, j);
            }
    }
}

/* Finite inputs: |c - exact| <= k * 2^-23 * sum|a||b| (+ 4 ulps), exact computed in double
   (each float product is exact in double; the double sum's own error is far below the bound). */
static void error_bound(const sg_kernels *kt, sgt_rng *rng, size_t count, size_t max)
{
    for (size_t t = 0; t < count; t++) {
        shape s = {(sg_trans)sgt_rng_below(rng, 2),
                   (sg_trans)sgt_rng_below(rng, 2),
                   1 + sgt_rng_below(rng, max),
                   1 + sgt_rng_below(rng, max),
                   1 + sgt_rng_below(rng, max),
                   0,
                   0,
                   0};
        set_strides(&s, pads[t % 4], pads[(t + 1) % 4], 0);
        size_t ar_, ac, br, bc;
        stored_dims(&s, &ar_, &ac, &br, &bc);
        float *a = make_input(rng, ar_, ac, s.lda, 0, true), *b = make_input(rng, br, bc, s.ldb, 0, true);
        float *c = malloc(s.m * s.n * sizeof(float));
        sgt_context("matmul[%s] error bound", sg_isa_name(kt->isa));
        kt->matmul(s.ta, s.tb, s.m, s.n, s.k, a, s.lda, b, s.ldb, c, s.ldc);
        for (size_t i = 0; i < s.m; i++)
            for (size_t j = 0; j < s.n; j++) {
                double exact = 0.0, mag = 0.0;
                for (size_t p = 0; p < s.k; p++) {
                    const double x = op_a(s.ta, a, s.lda, i, p), y = op_b(s.tb, b, s.ldb, p, j);
                    exact += x * y;
                    mag += fabs(x * y);
                }
                const double got = c[i * s.ldc + j];
                const double bound =
                    (double)s.k * ldexp(1.0, -23) * mag + 4.0 * ldexp(fabs(exact), -23) + FLT_MIN;
                if (!(fabs(got - exact) <= bound)) {
                    sgt_fail(
                        "matmul[%s] %s%s m=%zu n=%zu k=%zu: C[%zu][%zu] = %.9g, exact %.17g, |err| %.3g > "
                        "bound %.3g",
                        sg_isa_name(kt->isa), tname(s.ta), tname(s.tb), s.m, s.n, s.k, i, j, got, exact,
                        fabs(got - exact), bound);
                    i = s.m;
                    break;
                }
            }
        free(a);
        free(b);
        free(c);
    }
}

/* The scalar reference against the independent loop, with specials: the reference is the
   specification, so it gets its own direct check before anything is compared against it. */
static void reference_vs_contract(const sg_kernels *scalar, sgt_rng *rng, size_t count)
{
    for (size_t t = 0; t < count; t++) {
        shape s = {(sg_trans)(t % 4 >> 1),
                   (sg_trans)(t % 2),
                   sgt_rng_below(rng, 24),
                   sgt_rng_below(rng, 24),
                   sgt_rng_below(rng, 40),
                   0,
                   0,
                   0};
        set_strides(&s, pads[t % 4], pads[(t / 4) % 4], pads[(t / 16) % 4]);
        size_t ar_, ac, br, bc;
        stored_dims(&s, &ar_, &ac, &br, &bc);
        float *a = make_input(rng, ar_, ac, s.lda, 5, false), *b = make_input(rng, br, bc, s.ldb, 5, false);
        float *want = malloc((s.m * s.n + 1) * sizeof(float));
        float *c = malloc((span(s.m, s.n, s.ldc) ? span(s.m, s.n, s.ldc) : 1) * sizeof(float));
        contract_matmul(s.ta, s.tb, s.m, s.n, s.k, a, s.lda, b, s.ldb, want);
        scalar->matmul(s.ta, s.tb, s.m, s.n, s.k, a, s.lda, b, s.ldb, c, s.ldc);
        for (size_t i = 0; i < s.m; i++) {
            const size_t j = sgt_first_mismatch(c + i * s.ldc, want + i * s.n, s.n);
            if (j < s.n) {
                sgt_fail(
                    "scalar reference differs from the contract loop: %s%s m=%zu n=%zu k=%zu at C[%zu][%zu]",
                    tname(s.ta), tname(s.tb), s.m, s.n, s.k, i, j);
                break;
            }
        }
        free(a);
        free(b);
        free(want);
        free(c);
    }
}

int main(void)
{
    sgt_install_fault_handler();
    sgt_rng rng = sgt_rng_seed(0x3a7);
    const sg_kernels *all[SG_ISA_COUNT + 1];
    int nall;
    const int nvec = sgt_all_kernels(all, &nall);
    if (!all[0]) {
        sgt_fail("scalar kernels unavailable");
        return sgt_finish("test_matmul", 0);
    }
    const bool small = sgt_small();

    reference_vs_contract(all[0], &rng, sgt_scaled(400, 4));
    for (int i = 0; i < nall; i++) {
        k_zero(all[i]);
        error_bound(all[i], &rng, sgt_scaled(60, 4), small ? 48 : 200);
    }
    cube(all, nall, small ? 9 : 16, &rng);
    sampled(all, nall, sgt_scaled(600, 6), 0, 40, &rng);
    sampled(all, nall, sgt_scaled(8, 4), 41, small ? 96 : 300, &rng);
    fixed_shapes(all, nall, &rng, small);
    blocking_api();
    small_caches(all, nall, &rng);
    threads(all, nall, &rng);
    printf("%lu kernel calls checked\n", calls);
    return sgt_finish("test_matmul", nvec);
}
