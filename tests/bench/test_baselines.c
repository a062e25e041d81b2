/* The timed baselines compute exactly what the reference computes: the scalar-FMA rebuild and
 * the auto-vectorized rebuilds of src/scalar/reference.c must match sg_scalar_* bit for bit
 * (all NaNs equal), or "× scalar" / "× auto" would compare different work. */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "baselines.h"

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

static int same(const float *a, const float *b, size_t n, const char *what)
{
    for (size_t i = 0; i < n; i++) {
        uint32_t x, y;
        memcpy(&x, &a[i], 4);
        memcpy(&y, &b[i], 4);
        if (x != y && !(isnan(a[i]) && isnan(b[i]))) {
            printf("FAIL %s: element %zu is %a, reference %a\n", what, i, (double)a[i], (double)b[i]);
            return 1;
        }
    }
    return 0;
}

static int check(const char *name, const sg_kernels *k)
{
    const sg_kernels *ref = sg_kernels_get(SG_ISA_SCALAR);
    enum { N = 1000 };
    static float x[N], y[N], dy[N], r1[N], r2[N], a[37 * 41], b[41 * 29], c1[37 * 29], c2[37 * 29];
    int bad = 0;
    char what[96];
    for (int i = 0; i < N; i++) {
        x[i] = rnd();
        dy[i] = rnd();
    }
    for (size_t n = 0; n <= N; n += (n < 40 ? 1 : 97)) {
        ref->relu(n, x, r1);
        k->relu(n, x, r2);
        snprintf(what, sizeof what, "%s relu n=%zu", name, n);
        bad |= same(r2, r1, n, what);
        static const float g0[] = {1.0f, 0.0f, 0.5f};
        for (int g = 0; g < 3; g++) {
            ref->relu_grad(n, x, dy, r1, g0[g]);
            k->relu_grad(n, x, dy, r2, g0[g]);
            snprintf(what, sizeof what, "%s relu_grad g0=%g n=%zu", name, (double)g0[g], n);
            bad |= same(r2, r1, n, what);
        }
    }
    for (size_t i = 0; i < sizeof a / sizeof a[0]; i++)
        a[i] = rnd();
    for (size_t i = 0; i < sizeof b / sizeof b[0]; i++)
        b[i] = rnd();
    (void)y;
    const size_t m = 37, n = 29, kk = 41;
    for (int ta = 0; ta < 2; ta++)
        for (int tb = 0; tb < 2; tb++) {
            const size_t lda = ta ? m : kk, ldb = tb ? kk : n;
            ref->matmul((sg_trans)ta, (sg_trans)tb, m, n, kk, a, lda, b, ldb, c1, n);
            k->matmul((sg_trans)ta, (sg_trans)tb, m, n, kk, a, lda, b, ldb, c2, n);
            snprintf(what, sizeof what, "%s matmul ta=%d tb=%d", name, ta, tb);
            bad |= same(c2, c1, m * n, what);
        }
    if (!bad)
        printf("%s: bit-identical to the reference\n", name);
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
