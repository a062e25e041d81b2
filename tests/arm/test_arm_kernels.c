/* Bit-exactness of every vector ISA against the scalar reference at the sizes where the ARM
 * kernels change code path: the NEON matmul's 4×8 / 4×4 tiles and row-vectorized column tail,
 * the SVE kernels' two-vector column panels and svwhilelt tails at the current vector length,
 * the by-rows path for narrow outputs, the k chunks (NEON 256, SVE 64) whose accumulator is
 * parked in C, all four transpose forms, padded strides, and the training task's shapes. Every
 * operand sits against a guard page (alternately after the end and before the start), C is
 * pre-filled with a marker so unwritten elements show, and C's padding must stay untouched.
 * Every elementwise family (through its descriptor, src/eltwise.h) gets a size sweep past 2 × the largest
 * SVE vector with every swept parameter value (relu_grad: all three grad_at_zero), in place too. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "eltwise.h"
#include "sgtest.h"

static sgt_rng rng;
static unsigned long n_matmul;

/* Marker for "never written": a NaN with a payload no kernel produces from these inputs would
   still compare equal to any NaN, so use a finite value instead. */
#define UNWRITTEN 12345.5f

static void check_matmul(const sg_kernels *kern, const sg_kernels *ref, sg_trans ta, sg_trans tb, size_t m,
                         size_t n, size_t k, size_t pad, sgt_place place)
{
    const size_t ar = ta == SG_NO_TRANS ? m : k, ac = ta == SG_NO_TRANS ? k : m;
    const size_t br = tb == SG_NO_TRANS ? k : n, bc = tb == SG_NO_TRANS ? n : k;
    const size_t lda = ac + pad, ldb = bc + pad, ldc = n + pad;
    /* Stored sizes: the last row ends at its last element, so the guard page sits right there. */
    const size_t na = ar ? (ar - 1) * lda + ac : 0, nb = br ? (br - 1) * ldb + bc : 0;
    const size_t nc = m ? (m - 1) * ldc + n : 0;
    sgt_buf ba, bb, bcbuf;
    float *a = sgt_buf_alloc(&ba, na, place, 0), *b = sgt_buf_alloc(&bb, nb, place, 0);
    float *c = sgt_buf_alloc(&bcbuf, nc, place, 0);
    float *want = malloc((nc ? nc : 1) * sizeof(float));
    if (k <= 16) { /* specials (NaN, inf, ±0, subnormals) in short chains */
        sgt_fill(&rng, a, na, 5);
        sgt_fill(&rng, b, nb, 5);
    } else { /* long chains would almost surely end in NaN/inf and hide rounding-order bugs */
        sgt_fill_finite(&rng, a, na);
        sgt_fill_finite(&rng, b, nb);
    }
    for (size_t i = 0; i < nc; i++)
        c[i] = want[i] = UNWRITTEN;
    sgt_context("matmul[%s] %c%c m=%zu n=%zu k=%zu pad=%zu %s", sg_isa_name(kern->isa), "NT"[ta], "NT"[tb], m,
                n, k, pad, sgt_place_name(place));
    ref->matmul(ta, tb, m, n, k, a, lda, b, ldb, want, ldc);
    kern->matmul(ta, tb, m, n, k, a, lda, b, ldb, c, ldc);
    n_matmul++;
    for (size_t i = 0; i < nc; i++) {
        if (!sgt_same(c[i], want[i])) {
            char g[48], w[48];
            sgt_fail("matmul[%s] %c%c m=%zu n=%zu k=%zu pad=%zu %s: C[%zu][%zu] = %s, want %s%s",
                     sg_isa_name(kern->isa), "NT"[ta], "NT"[tb], m, n, k, pad, sgt_place_name(place), i / ldc,
                     i % ldc, sgt_fmt(g, c[i]), sgt_fmt(w, want[i]),
                     i % ldc >= n ? " (padding column written)" : "");
            break;
        }
    }
    sgt_buf_canaries_ok(&bcbuf, "C");
    free(want);
    sgt_buf_free(&ba);
    sgt_buf_free(&bb);
    sgt_buf_free(&bcbuf);
}

/* One call of an elementwise family through its descriptor, every array against the guard page on
   the same side, out[0] the aliasing input when in_place; every output against the scalar reference
   (floats NaN-aware, packed masks byte for byte). */
static void check_eltwise(const sg_kernels *kern, const sg_kernels *ref, const sg_eltwise_desc *d, size_t n,
                          const float *params, sgt_place place, int in_place)
{
    sgt_buf bin[SG_ELTWISE_MAX_STREAMS], bout[SG_ELTWISE_MAX_STREAMS];
    const void *in[SG_ELTWISE_MAX_STREAMS];
    void *out[SG_ELTWISE_MAX_STREAMS], *want[SG_ELTWISE_MAX_STREAMS];
    for (unsigned j = 0; j < d->n_in; j++) {
        void *p = sgt_buf_alloc_bytes(&bin[j], sg_eltwise_bytes(d->in[j], n), place, 0);
        if (d->in[j] == SG_ELT_F32)
            sgt_fill(&rng, p, n, j == 0 ? 40 : 20); /* many ±0, NaN, ±inf so every lane case is hit */
        else
            for (size_t b = 0; b < sg_eltwise_bytes(d->in[j], n); b++)
                ((unsigned char *)p)[b] = (unsigned char)sgt_rng_u32(&rng);
        in[j] = p;
    }
    for (unsigned o = 0; o < d->n_out; o++) {
        const size_t bytes = sg_eltwise_bytes(d->out[o], n);
        want[o] = malloc(bytes ? bytes : 1);
        out[o] = o == 0 && in_place ? NULL : sgt_buf_alloc_bytes(&bout[o], bytes, place, 0);
    }
    char pdesc[32] = "";
    if (d->n_params)
        snprintf(pdesc, sizeof pdesc, " %s=%g", d->param_name ? d->param_name : "p0", (double)params[0]);
    const char *fam = sg_family_name(d->family);
    sgt_context("%s[%s] n=%zu%s %s%s", fam, sg_isa_name(kern->isa), n, pdesc, sgt_place_name(place),
                in_place ? " in place" : "");
    d->call(ref, n, in, want, params);
    if (in_place)
        out[0] = (void *)(uintptr_t)in[d->alias_in];
    d->call(kern, n, in, out, params);
    for (unsigned o = 0; o < d->n_out; o++) {
        if (d->out[o] == SG_ELT_F32) {
            const float *got = out[o], *w = want[o];
            const size_t bad = sgt_first_mismatch(got, w, n);
            if (bad < n) {
                char g[48], wv[48];
                sgt_fail("%s[%s] n=%zu%s %s%s: %s[%zu] = %s, want %s", fam, sg_isa_name(kern->isa), n, pdesc,
                         sgt_place_name(place), in_place ? " in place" : "", d->out_names[o], bad,
                         sgt_fmt(g, got[bad]), sgt_fmt(wv, w[bad]));
            }
        } else if (memcmp(out[o], want[o], sg_eltwise_bytes(d->out[o], n)) != 0) {
            sgt_fail("%s[%s] n=%zu%s %s%s: packed %s differs from the reference", fam, sg_isa_name(kern->isa),
                     n, pdesc, sgt_place_name(place), in_place ? " in place" : "", d->out_names[o]);
        }
    }
    for (unsigned o = 0; o < d->n_out; o++) {
        free(want[o]);
        if (!(o == 0 && in_place))
            sgt_buf_free(&bout[o]);
    }
    for (unsigned j = 0; j < d->n_in; j++)
        sgt_buf_free(&bin[j]);
}

int main(void)
{
    sgt_install_fault_handler();
    rng = sgt_rng_seed(0xA4C64);
    const sg_kernels *kerns[SG_ISA_COUNT];
    const int count = sgt_vector_kernels(kerns);
    const sg_kernels *ref = sg_kernels_get(SG_ISA_SCALAR);
    /* Sizes around every tile edge for vectors of 4..64 lanes (2 vectors = up to 128 columns). */
    static const size_t ms[] = {0, 1, 2, 3, 4, 5, 7, 8, 9, 13};
    static const size_t ns[] = {0, 1, 2, 3, 4, 5, 7, 8, 9, 12, 15, 16, 17, 31, 33, 63, 65, 127, 129};
    static const size_t ks[] = {0, 1, 2, 3, 4, 7};
    static const size_t long_ks[] = {63, 64, 65, 255, 256, 257, 520};
    /* (form, m, n, k) of the training task's five products. */
    static const size_t train[][5] = {
        {0, 0, 4, 30, 3}, {0, 0, 4, 1, 30}, {1, 0, 30, 1, 4}, {0, 1, 4, 30, 1}, {1, 0, 3, 30, 4}};
    const size_t n_ns = sgt_small() ? 12 : sizeof ns / sizeof ns[0];

    for (int t = 0; t < count; t++) {
        const sg_kernels *kern = kerns[t];
        unsigned long flip = 0;
        for (int form = 0; form < 4; form++) {
            const sg_trans ta = (form & 2) ? SG_TRANS : SG_NO_TRANS, tb = (form & 1) ? SG_TRANS : SG_NO_TRANS;
            for (size_t im = 0; im < sizeof ms / sizeof ms[0]; im++)
                for (size_t in = 0; in < n_ns; in++)
                    for (size_t ik = 0; ik < sizeof ks / sizeof ks[0]; ik++, flip++)
                        check_matmul(kern, ref, ta, tb, ms[im], ns[in], ks[ik], flip % 3 == 0 ? 3 : 0,
                                     flip & 1 ? SGT_GUARD_BEFORE : SGT_GUARD_AFTER);
            for (size_t ik = 0; ik < sizeof long_ks / sizeof long_ks[0]; ik++, flip++) {
                check_matmul(kern, ref, ta, tb, 5, 9, long_ks[ik], 1,
                             flip & 1 ? SGT_GUARD_BEFORE : SGT_GUARD_AFTER);
                check_matmul(kern, ref, ta, tb, 6, 2, long_ks[ik], 0,
                             flip & 1 ? SGT_GUARD_AFTER : SGT_GUARD_BEFORE);
            }
        }
        for (size_t s = 0; s < sizeof train / sizeof train[0]; s++)
            for (int place = 0; place < 2; place++)
                check_matmul(kern, ref, train[s][0] ? SG_TRANS : SG_NO_TRANS,
                             train[s][1] ? SG_TRANS : SG_NO_TRANS, train[s][2], train[s][3], train[s][4], 0,
                             place ? SGT_GUARD_BEFORE : SGT_GUARD_AFTER);
        /* Every elementwise family, every swept parameter value; in place (where the family allows
           it) on every third call, so each parameter value meets it across the sizes. */
        for (int f = 0; f < SG_FAMILY_COUNT; f++) {
            const sg_eltwise_desc *d = sg_eltwise_find((sg_family)f);
            if (!d)
                continue;
            const unsigned runs = d->n_sweep ? d->n_sweep : 1;
            for (size_t n = 0; n <= 2 * 64 + 9; n++)
                for (unsigned s = 0; s < runs; s++) {
                    float params[SG_ELTWISE_MAX_PARAMS] = {0};
                    if (d->n_params)
                        params[0] = d->sweep[s];
                    check_eltwise(kern, ref, d, n, params, (n + s) & 1 ? SGT_GUARD_BEFORE : SGT_GUARD_AFTER,
                                  d->alias_in >= 0 && (n + s) % 3 == 2);
                }
        }
    }
    printf("%lu matmul calls checked per run\n", n_matmul);
    return sgt_finish("arm_kernels", count);
}
