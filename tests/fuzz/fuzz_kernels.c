/* Differential fuzz target: random sizes, strides, offsets and bit patterns fed to every available
 * ISA's kernels; each must equal the scalar reference bit for bit (NaNs equal). Buffers are
 * allocated to the exact extent the call names, so ASan flags any over-read or over-write. */
#define _GNU_SOURCE
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "simdgrad.h"

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

/* Exact-extent allocation at a float offset 0..15 from a 64-byte boundary: no slack after the
 * last element, so ASan sees the first byte past it. */
static float *alloc_at(size_t n, unsigned offset, void **base)
{
    const size_t bytes = (n + offset) * sizeof(float);
    if (posix_memalign(base, 64, bytes ? bytes : 1) != 0)
        abort();
    return (float *)*base + offset;
}

static void fuzz_elementwise(byte_stream *s, int grad)
{
    const size_t n = take(s, 0) | (size_t)take(s, 4) << 8;
    const unsigned ox = take(s, 16), oy = take(s, 16), oz = take(s, 16);
    const int in_place = take(s, 4) == 0;
    float g0;
    fill(s, &g0, 1);
    void *bx, *by, *bw, *bz;
    float *x = alloc_at(n, ox, &bx), *dy = alloc_at(n, oy, &by), *want = alloc_at(n, 0, &bw);
    float *out = alloc_at(n, oz, &bz);
    fill(s, x, n);
    fill(s, dy, n);
    const sg_kernels *ref = sg_kernels_get(SG_ISA_SCALAR);
    if (grad)
        ref->relu_grad(n, x, dy, want, g0);
    else
        ref->relu(n, x, want);
    for (int i = 0; i < SG_ISA_COUNT; i++) {
        const sg_kernels *k = sg_kernels_get((sg_isa)i);
        if (!k)
            continue;
        /* In place: the output aliases the second operand (dy) or the input (x). */
        float *dst = out;
        if (in_place) {
            dst = grad ? dy : x;
            memcpy(out, dst, n * sizeof(float));
        }
        if (grad)
            k->relu_grad(n, x, in_place ? dst : dy, dst, g0);
        else
            k->relu(n, dst == out ? x : dst, dst);
        check(grad ? "relu_grad" : "relu", (sg_isa)i, want, dst, n);
        if (in_place)
            memcpy(dst, out, n * sizeof(float)); /* restore the operand for the next ISA */
    }
    free(bx), free(by), free(bw), free(bz);
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

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    byte_stream s = {data, size};
    switch (take(&s, 3)) {
    case 0: fuzz_elementwise(&s, 0); break;
    case 1: fuzz_elementwise(&s, 1); break;
    default: fuzz_matmul(&s); break;
    }
    return 0;
}
