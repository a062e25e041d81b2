/* Differential fuzz target: random sizes, strides, offsets and bit patterns fed to every available
 * ISA's kernels; each must equal the scalar reference bit for bit (NaNs equal). Buffers are
 * allocated to the exact extent the call names, so ASan flags any over-read or over-write. */
#define _GNU_SOURCE
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "eltwise.h"

typedef struct {
    const uint8_t *p;
    size_t left;
} byte_stream;

static unsigned take(byte_stream *s, unsigned bound)
{
    unsigned v = 0;
    if (s->left) {
        v = *s->p++;
        s->left--;
    }
    return bound ? v % bound : v;
}

/* Fills n floats from the stream's raw bits (any pattern: NaN payloads, subnormals, -0.0). */
static void fill(byte_stream *s, float *dst, size_t n)
{
    static const float specials[] = {0.0f, -0.0f, 1.0f, -1.0f, 1e-45f, -1e-45f, 3.4e38f, -3.4e38f};
    for (size_t i = 0; i < n; i++) {
        uint32_t bits = 0;
        if (s->left >= 4) {
            memcpy(&bits, s->p, 4);
            s->p += 4;
            s->left -= 4;
            memcpy(&dst[i], &bits, 4);
        } else {
            dst[i] = specials[(i * 7 + n) % 8];
        }
    }
}

/* Fills an array of n elements of type t: floats as above, packed 2-bit codes from raw bytes (their
   padding bits included: kernels must ignore them). */
static void fill_elts(byte_stream *s, sg_elt_type t, void *dst, size_t n)
{
    if (t == SG_ELT_F32) {
        fill(s, dst, n);
        return;
    }
    uint8_t *b = dst;
    for (size_t i = 0; i < sg_eltwise_bytes(t, n); i++)
        b[i] = s->left ? (uint8_t)take(s, 0) : (uint8_t)(0x1b * (i + 1));
}

static int same(float a, float b)
{
    if (a != a && b != b)
        return 1;
    return memcmp(&a, &b, sizeof a) == 0;
}

static void check(const char *what, sg_isa isa, const float *want, const float *got, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        if (!same(want[i], got[i])) {
            uint32_t w, g;
            memcpy(&w, &want[i], 4);
            memcpy(&g, &got[i], 4);
            fprintf(stderr, "%s/%s: element %zu: scalar 0x%08x, got 0x%08x\n", what, sg_isa_name(isa), i, w,
                    g);
            abort();
        }
    }
}

/* An output of n elements of type t: floats NaN-aware; packed codes byte for byte, the padding bits
   of the last byte included (one canonical output). */
static void check_elts(const char *what, sg_isa isa, sg_elt_type t, const void *want, const void *got,
                       size_t n)
{
    if (t == SG_ELT_F32) {
        check(what, isa, want, got, n);
        return;
    }
    const uint8_t *w = want, *g = got;
    for (size_t i = 0; i < sg_eltwise_bytes(t, n); i++) {
        if (w[i] != g[i]) {
            fprintf(stderr, "%s/%s: mask byte %zu: scalar 0x%02x, got 0x%02x\n", what, sg_isa_name(isa), i,
                    w[i], g[i]);
            abort();
        }
    }
}

/* Exact-extent allocation at offset bytes from a 64-byte boundary: no slack after the last byte,
 * so ASan sees the first byte past it. */
static void *alloc_bytes(size_t bytes, size_t offset, void **base)
{
    if (posix_memalign(base, 64, bytes + offset ? bytes + offset : 1) != 0)
        abort();
    return (uint8_t *)*base + offset;
}

static float *alloc_at(size_t n, unsigned offset, void **base)
{
    return alloc_bytes(n * sizeof(float), offset * sizeof(float), base);
}

/* An elementwise family through its descriptor. Input layout: n (2 bytes), one offset byte per array
   (at least 3: inputs take them from the front, outputs from the back), the in-place flag, the float
   parameters (at least one slot), then the inputs' elements in order. The minimums keep the layout
   the corpus was written in (relu: x, unused, y offsets and an unused g0). */
static void fuzz_elementwise(byte_stream *s, const sg_eltwise_desc *d)
{
    const size_t n = take(s, 0) | (size_t)take(s, 4) << 8;
    const unsigned n_arr = d->n_in + d->n_out, n_slots = n_arr > 3 ? n_arr : 3;
    unsigned slot[2 * SG_ELTWISE_MAX_STREAMS];
    for (unsigned i = 0; i < n_slots; i++)
        slot[i] = take(s, 16);
    const int in_place = take(s, 4) == 0 && d->alias_in >= 0;
    float params[SG_ELTWISE_MAX_PARAMS] = {0};
    fill(s, params, d->n_params ? d->n_params : 1);

    /* in[j] at slot j, out[o] at slot n_slots-1-o; want[o] (the scalar result) aligned. A slot is
       a float offset, or a byte offset for a packed array. */
    void *base[4 * SG_ELTWISE_MAX_STREAMS + 1];
    unsigned nb = 0;
    const void *in[SG_ELTWISE_MAX_STREAMS];
    void *out[SG_ELTWISE_MAX_STREAMS], *want[SG_ELTWISE_MAX_STREAMS], *copy[SG_ELTWISE_MAX_STREAMS];
    for (unsigned j = 0; j < d->n_in; j++) {
        const size_t off = d->in[j] == SG_ELT_F32 ? 4u * slot[j] : slot[j];
        void *p = alloc_bytes(sg_eltwise_bytes(d->in[j], n), off, &base[nb++]);
        fill_elts(s, d->in[j], p, n);
        in[j] = p;
    }
    for (unsigned o = 0; o < d->n_out; o++) {
        const unsigned sl = slot[n_slots - 1 - o];
        const size_t bytes = sg_eltwise_bytes(d->out[o], n);
        out[o] = alloc_bytes(bytes, d->out[o] == SG_ELT_F32 ? 4u * sl : sl, &base[nb++]);
        want[o] = alloc_bytes(bytes, 0, &base[nb++]);
        memset(want[o], 0x5a, bytes);
    }
    /* The in-place call overwrites the aliased input: keep its bytes to restore per ISA. */
    const size_t alias_bytes = in_place ? sg_eltwise_bytes(d->in[d->alias_in], n) : 0;
    void *saved = alloc_bytes(alias_bytes, 0, &base[nb++]);
    if (in_place)
        memcpy(saved, in[d->alias_in], alias_bytes);

    d->call(sg_kernels_get(SG_ISA_SCALAR), n, in, want, params);
    for (int i = 0; i < SG_ISA_COUNT; i++) {
        const sg_kernels *k = sg_kernels_get((sg_isa)i);
        if (!k)
            continue;
        for (unsigned o = 0; o < d->n_out; o++) {
            copy[o] = out[o];
            memset(out[o], 0xa5, sg_eltwise_bytes(d->out[o], n));
        }
        if (in_place) /* out[0] is the aliased input itself */
            copy[0] = (void *)(uintptr_t)in[d->alias_in];
        d->call(k, n, in, copy, params);
        for (unsigned o = 0; o < d->n_out; o++)
            check_elts(sg_family_name(d->family), (sg_isa)i, d->out[o], want[o], copy[o], n);
        if (in_place) /* restore the operand for the next ISA */
            memcpy((void *)(uintptr_t)in[d->alias_in], saved, alias_bytes);
    }
    for (unsigned i = 0; i < nb; i++)
        free(base[i]);
}

static void fuzz_matmul(byte_stream *s)
{
    const sg_trans ta = take(s, 2) ? SG_TRANS : SG_NO_TRANS, tb = take(s, 2) ? SG_TRANS : SG_NO_TRANS;
    /* Mostly small shapes (fast, every edge case); one input in 32 goes up to 160 per dimension, so the
       packed AVX2 path (m·n·k >= 128^3) is reached too without making every run slow. */
    const unsigned bound = take(s, 32) == 31 ? 161 : 70;
    const size_t m = take(s, bound), n = take(s, bound), k = take(s, bound);
    const size_t a_rows = ta == SG_NO_TRANS ? m : k, a_cols = ta == SG_NO_TRANS ? k : m;
    const size_t b_rows = tb == SG_NO_TRANS ? k : n, b_cols = tb == SG_NO_TRANS ? n : k;
    const size_t lda = a_cols + take(s, 5), ldb = b_cols + take(s, 5), ldc = n + take(s, 5);
    /* Exact extent: the last row holds only its row length, so reading past it is an error. */
    const size_t a_len = a_rows ? (a_rows - 1) * lda + a_cols : 0,
                 b_len = b_rows ? (b_rows - 1) * ldb + b_cols : 0;
    const size_t c_len = m ? (m - 1) * ldc + n : 0;
    void *ba, *bb, *bw, *bc;
    float *a = alloc_at(a_len, take(s, 16), &ba), *b = alloc_at(b_len, take(s, 16), &bb);
    float *want = alloc_at(c_len, 0, &bw), *c = alloc_at(c_len, take(s, 16), &bc);
    fill(s, a, a_len);
    fill(s, b, b_len);
    /* Padding between rows of C must survive: fill both with the same sentinel pattern. */
    for (size_t i = 0; i < c_len; i++)
        want[i] = (float)i + 0.5f;
    sg_kernels_get(SG_ISA_SCALAR)->matmul(ta, tb, m, n, k, a, lda, b, ldb, want, ldc);
    for (int i = 0; i < SG_ISA_COUNT; i++) {
        const sg_kernels *kern = sg_kernels_get((sg_isa)i);
        if (!kern)
            continue;
        for (size_t j = 0; j < c_len; j++)
            c[j] = (float)j + 0.5f;
        kern->matmul(ta, tb, m, n, k, a, lda, b, ldb, c, ldc);
        check("matmul", (sg_isa)i, want, c, c_len);
    }
    free(ba), free(bb), free(bw), free(bc);
}

/* One training step. Input layout: a shape byte (even: the training task's 4×3×30×1, which vector ISAs
   run fused; odd: three more bytes n, d, o in 1..12 and one h in 1..40), g0, lr and max_loss selector
   bytes, one offset byte per array (x, y, w1, w2, work), then x, y, w1, w2's elements. */
static void fuzz_train_step(byte_stream *s)
{
    size_t n = 4, d = 3, h = 30, o = 1;
    if (take(s, 2)) {
        n = 1 + take(s, 12), d = 1 + take(s, 12), o = 1 + take(s, 12);
        h = 1 + take(s, 40);
    }
    static const float g0s[] = {1.0f, 0.0f, 0.5f, -2.0f}, lrs[] = {0.002f, 0.5f, -1.0f, 3e38f};
    const float g0 = g0s[take(s, 4)], lr = lrs[take(s, 4)], max_loss = take(s, 4) ? 1e30f : 1.0f;
    enum { X, Y, W1, W2, WORK, NB };
    const size_t len[NB] = {n * d, n * o, d * h, h * o, SG_TRAIN_STEP_WORK(n, d, h, o)};
    void *base[NB], *wbase[2];
    float *p[NB];
    for (int i = 0; i < NB; i++)
        p[i] = alloc_at(len[i], take(s, 16), &base[i]);
    for (int i = 0; i < WORK; i++)
        fill(s, p[i], len[i]);
    /* The reference's updated weights, then each ISA's from the same start. */
    float *w_ref = alloc_at(len[W1] + len[W2], 0, &wbase[0]),
          *w_start = alloc_at(len[W1] + len[W2], 0, &wbase[1]);
    memcpy(w_start, p[W1], len[W1] * sizeof(float));
    memcpy(w_start + len[W1], p[W2], len[W2] * sizeof(float));
    float want_loss, loss;
    uint64_t want[2], got[2];
    sg_kernels_get(SG_ISA_SCALAR)
        ->train_step(n, d, h, o, p[X], p[Y], p[W1], p[W2], lr, g0, max_loss, p[WORK], &want_loss, want);
    memcpy(w_ref, p[W1], len[W1] * sizeof(float));
    memcpy(w_ref + len[W1], p[W2], len[W2] * sizeof(float));
    for (int i = 0; i < SG_ISA_COUNT; i++) {
        const sg_kernels *kern = sg_kernels_get((sg_isa)i);
        if (!kern)
            continue;
        memcpy(p[W1], w_start, len[W1] * sizeof(float));
        memcpy(p[W2], w_start + len[W1], len[W2] * sizeof(float));
        kern->train_step(n, d, h, o, p[X], p[Y], p[W1], p[W2], lr, g0, max_loss, p[WORK], &loss, got);
        check("train_step loss", (sg_isa)i, &want_loss, &loss, 1);
        check("train_step w1", (sg_isa)i, w_ref, p[W1], len[W1]);
        check("train_step w2", (sg_isa)i, w_ref + len[W1], p[W2], len[W2]);
        if (got[0] != want[0] || got[1] != want[1]) {
            fprintf(stderr, "train_step/%s: counts %llu/%llu, scalar %llu/%llu\n", sg_isa_name((sg_isa)i),
                    (unsigned long long)got[0], (unsigned long long)got[1], (unsigned long long)want[0],
                    (unsigned long long)want[1]);
            abort();
        }
    }
    for (int i = 0; i < NB; i++)
        free(base[i]);
    free(wbase[0]), free(wbase[1]);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    byte_stream s = {data, size};
    /* The family from the list: the first byte modulo its length. The checked-in corpus holds the
       family's index itself (below the count), so its inputs keep their meaning when families are
       appended (the enum is append-only); a mutated byte above the count may then pick another. */
    const sg_family f = (sg_family)(take(&s, 0) % SG_FAMILY_COUNT);
    const sg_eltwise_desc *d = sg_eltwise_find(f);
    if (d)
        fuzz_elementwise(&s, d);
    else if (f == SG_FAMILY_matmul)
        fuzz_matmul(&s);
    else if (f == SG_FAMILY_train_step)
        fuzz_train_step(&s);
    else
        abort(); /* a family this target does not know how to call: extend it */
    return 0;
}
