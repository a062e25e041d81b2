/* The timed baselines compute exactly what the reference computes: the scalar-FMA rebuild and
 * the auto-vectorized rebuilds of src/scalar/reference.c must match sg_scalar_* bit for bit
 * (all NaNs equal), or "× scalar" / "× auto" would compare different work. */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "baselines.h"
#include "eltwise.h"

static uint32_t rng = 12345;
static float rnd(void)
{
    rng ^= rng << 13;
    rng ^= rng >> 17;
    rng ^= rng << 5;
    switch (rng % 16) {
    case 0: return 0.0f;
    case 1: return -0.0f;
    case 2: return NAN;
    default: return ((float)(rng >> 8) / (float)(1u << 24) - 0.5f) * 8.0f;
    }
}

/* Element i of an output array as stored: float bits, or a 2-bit code (NaN-aware comparison below). */
static int same_elt(sg_elt_type t, const void *a, const void *b, size_t i)
{
    if (t == SG_ELT_MASK2)
        return ((((const uint8_t *)a)[i / 4] ^ ((const uint8_t *)b)[i / 4]) >> (2 * (i % 4)) & 3u) == 0;
    float x, y;
    memcpy(&x, (const char *)a + 4 * i, 4);
    memcpy(&y, (const char *)b + 4 * i, 4);
    return memcmp(&x, &y, 4) == 0 || (isnan(x) && isnan(y));
}

static int same(sg_elt_type t, const void *got, const void *ref, size_t n, const char *what)
{
    for (size_t i = 0; i < n; i++) {
        if (!same_elt(t, got, ref, i)) {
            if (t == SG_ELT_MASK2)
                printf("FAIL %s: element %zu: code %u, reference %u\n", what, i,
                       ((const uint8_t *)got)[i / 4] >> (2 * (i % 4)) & 3u,
                       ((const uint8_t *)ref)[i / 4] >> (2 * (i % 4)) & 3u);
            else
                printf("FAIL %s: element %zu is %a, reference %a\n", what, i, (double)((const float *)got)[i],
                       (double)((const float *)ref)[i]);
            return 1;
        }
    }
    /* Packed outputs: the unused bits of the last byte belong to the output too. */
    if (t == SG_ELT_MASK2 && n % 4 && ((const uint8_t *)got)[n / 4] != ((const uint8_t *)ref)[n / 4]) {
        printf("FAIL %s: last byte 0x%02x, reference 0x%02x\n", what, ((const uint8_t *)got)[n / 4],
               ((const uint8_t *)ref)[n / 4]);
        return 1;
    }
    return 0;
}

enum { N = 1000 };

/* An elementwise family through its descriptor: random inputs (zeros, -0, NaN among them), every n
   up to 40 then a stride, every swept parameter value. */
static int check_eltwise(const char *name, const sg_kernels *k, const sg_kernels *ref,
                         const sg_eltwise_desc *d)
{
    static float in_store[SG_ELTWISE_MAX_STREAMS][N], r1[SG_ELTWISE_MAX_STREAMS][N],
        r2[SG_ELTWISE_MAX_STREAMS][N];
    const void *in[SG_ELTWISE_MAX_STREAMS];
    void *out1[SG_ELTWISE_MAX_STREAMS], *out2[SG_ELTWISE_MAX_STREAMS];
    for (unsigned j = 0; j < d->n_in; j++) {
        for (int i = 0; i < N; i++)
            in_store[j][i] = rnd(); /* as bytes, also random codes for a packed input */
        in[j] = in_store[j];
    }
    for (unsigned o = 0; o < d->n_out; o++) {
        out1[o] = r1[o];
        out2[o] = r2[o];
    }
    int bad = 0;
    char what[128];
    const unsigned runs = d->n_sweep ? d->n_sweep : 1;
    for (size_t n = 0; n <= N; n += (n < 40 ? 1 : 97)) {
        for (unsigned s = 0; s < runs; s++) {
            float params[SG_ELTWISE_MAX_PARAMS] = {0};
            if (d->n_params)
                params[0] = d->sweep[s];
            for (unsigned o = 0; o < d->n_out; o++) {
                memset(r1[o], 0x5a, sizeof r1[o]);
                memset(r2[o], 0xa5, sizeof r2[o]);
            }
            d->call(ref, n, in, out1, params);
            d->call(k, n, in, out2, params);
            for (unsigned o = 0; o < d->n_out; o++) {
                if (d->n_params)
                    snprintf(what, sizeof what, "%s %s %s=%g n=%zu %s", name, sg_family_name(d->family),
                             d->param_name ? d->param_name : "p0", (double)params[0], n, d->out_names[o]);
                else
                    snprintf(what, sizeof what, "%s %s n=%zu %s", name, sg_family_name(d->family), n,
                             d->out_names[o]);
                bad |= same(d->out[o], r2[o], r1[o], n, what);
            }
        }
    }
    return bad;
}

/* matmul in all four forms on one odd shape. */
static int check_matmul(const char *name, const sg_kernels *k, const sg_kernels *ref)
{
    static float a[37 * 41], b[41 * 29], c1[37 * 29], c2[37 * 29];
    for (size_t i = 0; i < sizeof a / sizeof a[0]; i++)
        a[i] = rnd();
    for (size_t i = 0; i < sizeof b / sizeof b[0]; i++)
        b[i] = rnd();
    const size_t m = 37, n = 29, kk = 41;
    int bad = 0;
    char what[96];
    for (int ta = 0; ta < 2; ta++)
        for (int tb = 0; tb < 2; tb++) {
            const size_t lda = ta ? m : kk, ldb = tb ? kk : n;
            ref->matmul((sg_trans)ta, (sg_trans)tb, m, n, kk, a, lda, b, ldb, c1, n);
            k->matmul((sg_trans)ta, (sg_trans)tb, m, n, kk, a, lda, b, ldb, c2, n);
            snprintf(what, sizeof what, "%s matmul ta=%d tb=%d", name, ta, tb);
            bad |= same(SG_ELT_F32, c2, c1, m * n, what);
        }
    return bad;
}

/* train_step: 20 chained steps on the training task's shape and on an odd one, weights and loss curve. */
static int check_train_step(const char *name, const sg_kernels *k, const sg_kernels *ref)
{
    static const size_t shapes[2][4] = {{4, 3, 30, 1}, {5, 7, 11, 3}};
    /* Sized for the larger of the two shapes in each array. */
    static float x[35], y[15], w[2][3 * 30 + 30], work[SG_TRAIN_STEP_WORK(4, 3, 30, 1)];
    int bad = 0;
    char what[96];
    for (int s = 0; s < 2; s++) {
        const size_t n = shapes[s][0], d = shapes[s][1], h = shapes[s][2], o = shapes[s][3];
        for (size_t i = 0; i < n * d; i++)
            x[i] = rnd() * 0.25f;
        for (size_t i = 0; i < n * o; i++)
            y[i] = rnd();
        for (size_t i = 0; i < d * h + h * o; i++)
            w[0][i] = w[1][i] = rnd() * 0.25f;
        for (int step = 0; step < 20 && !bad; step++) {
            float loss[2];
            uint64_t counts[2][2];
            ref->train_step(n, d, h, o, x, y, w[0], w[0] + d * h, 0.002f, 0.5f, 1e30f, work, &loss[0],
                            counts[0]);
            k->train_step(n, d, h, o, x, y, w[1], w[1] + d * h, 0.002f, 0.5f, 1e30f, work, &loss[1],
                          counts[1]);
            snprintf(what, sizeof what, "%s train_step n=%zu d=%zu h=%zu o=%zu step %d", name, n, d, h, o,
                     step);
            bad |= same(SG_ELT_F32, &loss[1], &loss[0], 1, what);
            bad |= same(SG_ELT_F32, w[1], w[0], d * h + h * o, what);
            if (counts[0][0] != counts[1][0] || counts[0][1] != counts[1][1]) {
                printf("FAIL %s: zero counts differ\n", what);
                bad = 1;
            }
        }
    }
    return bad;
}

/* Every family of the list: elementwise ones through their descriptors, matmul and train_step by their own
   checks; a family with neither fails here rather than going unchecked. */
static int check(const char *name, const sg_kernels *k)
{
    const sg_kernels *ref = sg_kernels_get(SG_ISA_SCALAR);
    int bad = 0;
    for (int f = 0; f < SG_FAMILY_COUNT; f++) {
        const sg_eltwise_desc *d = sg_eltwise_find((sg_family)f);
        if (d) {
            bad |= check_eltwise(name, k, ref, d);
        } else if (f == SG_FAMILY_matmul) {
            bad |= check_matmul(name, k, ref);
        } else if (f == SG_FAMILY_train_step) {
            bad |= check_train_step(name, k, ref);
        } else {
            printf("FAIL %s: no baseline check for family %s (neither elementwise nor matmul)\n", name,
                   sg_family_name((sg_family)f));
            bad = 1;
        }
    }
    if (!bad)
        printf("%s: bit-identical to the reference (%d families)\n", name, (int)SG_FAMILY_COUNT);
    return bad;
}

int main(void)
{
    int bad = 0, checked = 0;
#if SGB_HAVE_SCALAR_FMA
    if (sg_isa_available(SG_ISA_AVX2)) {
        bad |= check("scalar (reference.c -mfma)", &sgb_scalarfma_table);
        checked++;
    }
#endif
    for (int i = 0; i < SG_ISA_COUNT; i++) {
        const sg_kernels *k = sgb_auto_table((sg_isa)i);
        char name[48];
        snprintf(name, sizeof name, "auto_%s", sg_isa_name((sg_isa)i));
        if (!k)
            continue;
        if (!sg_isa_available((sg_isa)i)) {
            printf("%s: not checked, this CPU does not run %s\n", name, sg_isa_name((sg_isa)i));
            continue;
        }
        bad |= check(name, k);
        checked++;
    }
    if (!checked) {
        printf("SKIP: no baseline rebuild runs on this CPU\n");
        return 77;
    }
    return bad;
}
