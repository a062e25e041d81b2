/* simdgrad-agreement: the report's cross-ISA agreement matrix, measured on this machine.
 * Every kernel (relu, relu_grad per g0, matmul per form) of every ISA compiled in is run on the
 * same inputs as the scalar reference and its outputs compared bit for bit (all NaNs equal, as the
 * contract says). Inputs are random with exact zeros, NaNs, infinities and subnormals mixed in,
 * because those are where a vector kernel most easily departs from the reference. Only the public
 * API (simdgrad.h) is used, so this is what any user of the library gets.
 * Writes JSON to stdout (or to the file named by the only argument). Exit 0 when every available ISA
 * agrees, 1 when one differs, 2 on a usage or I/O error. The full harness is tests/kernels; this is a
 * compact re-check whose result the report can show as a table. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "simdgrad.h"

static uint64_t rng_state = 0x5eed5eed12345678u;

static uint64_t rng_u64(void) /* splitmix64: same stream everywhere */
{
    uint64_t z = (rng_state += 0x9e3779b97f4a7c15u);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9u;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebu;
    return z ^ (z >> 31);
}

static float f32(uint32_t bits)
{
    float f;
    memcpy(&f, &bits, sizeof f);
    return f;
}

static uint32_t bits_of(float f)
{
    uint32_t b;
    memcpy(&b, &f, sizeof b);
    return b;
}

/* One value: 1 in 8 a special (±0 twice as often as the others: they decide relu_grad's g0 branch),
   else uniform in [-2, 2]. */
static float value(void)
{
    static const uint32_t specials[] = {0x00000000, 0x80000000, 0x00000000, 0x80000000, 0x7fc00000,
                                        0xffc00001, 0x7f800000, 0xff800000, 0x00000001, 0x807fffff,
                                        0x7f7fffff, 0x00800000};
    const uint64_t r = rng_u64();
    if ((r & 7) == 0)
        return f32(specials[(r >> 3) % (sizeof specials / sizeof specials[0])]);
    return (float)((double)(r >> 11) / 9007199254740992.0 * 4.0 - 2.0);
}

static void fill(float *p, size_t n)
{
    for (size_t i = 0; i < n; i++)
        p[i] = value();
}

static int same(float a, float b)
{
    return (a != a && b != b) || bits_of(a) == bits_of(b);
}

/* Index of the first differing element, or n when all agree. */
static size_t first_diff(const float *a, const float *b, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (!same(a[i], b[i]))
            return i;
    return n;
}

typedef struct verdict {
    long cases, mismatches;
    char first[160];
} verdict;

static void note(verdict *v, size_t at, size_t n, const char *what, float got, float want)
{
    v->cases++;
    if (at == n)
        return;
    if (!v->mismatches++)
        snprintf(v->first, sizeof v->first, "%s [%zu]: 0x%08x, scalar 0x%08x", what, at, (unsigned)bits_of(got),
                 (unsigned)bits_of(want));
}

/* Every n in 0..64 (the vector tails), then sizes past one and several vectors of every width. */
static const size_t sizes[] = {1000, 1023, 4099, 65539};
#define N_SMALL 65
#define N_SIZES (N_SMALL + sizeof sizes / sizeof sizes[0])

static size_t size_at(size_t i)
{
    return i < N_SMALL ? i : sizes[i - N_SMALL];
}

static void check_eltwise(const sg_kernels *k, const sg_kernels *ref, int grad, float g0, verdict *v)
{
    for (size_t s = 0; s < N_SIZES; s++) {
        const size_t n = size_at(s), bytes = (n ? n : 1) * sizeof(float);
        float *h = malloc(bytes), *dy = malloc(bytes), *got = malloc(bytes), *want = malloc(bytes);
        if (!h || !dy || !got || !want) {
            fprintf(stderr, "simdgrad-agreement: out of memory\n");
            exit(2);
        }
        fill(h, n);
        fill(dy, n);
        char what[48];
        if (grad) {
            k->relu_grad(n, h, dy, got, g0);
            ref->relu_grad(n, h, dy, want, g0);
            snprintf(what, sizeof what, "relu_grad g0=%g n=%zu", g0, n);
        } else {
            k->relu(n, h, got);
            ref->relu(n, h, want);
            snprintf(what, sizeof what, "relu n=%zu", n);
        }
        const size_t at = first_diff(got, want, n);
        note(v, at, n, what, at < n ? got[at] : 0, at < n ? want[at] : 0);
        free(h);
        free(dy);
        free(got);
        free(want);
    }
}

/* The training task's shapes, every m,n,k up to 9 (all tails of the 8-wide AVX2 kernel), odd sizes
   and squares that cross the packed driver's blocks. */
static void check_matmul(const sg_kernels *k, const sg_kernels *ref, sg_trans ta, sg_trans tb, verdict *v)
{
    size_t shapes[64 + 729][3];
    size_t ns = 0;
    static const size_t fixed[][3] = {{4, 30, 3}, {4, 1, 30}, {30, 1, 4}, {4, 30, 1}, {3, 30, 4},
                                      {37, 29, 41}, {64, 64, 64}, {97, 131, 259}, {300, 17, 520}};
    for (size_t i = 0; i < sizeof fixed / sizeof fixed[0]; i++)
        memcpy(shapes[ns++], fixed[i], sizeof fixed[i]);
    for (size_t m = 0; m <= 9; m++)
        for (size_t n = 0; n <= 9; n++)
            for (size_t kk = 0; kk <= 9; kk += 3)
                shapes[ns][0] = m, shapes[ns][1] = n, shapes[ns++][2] = kk;
    for (size_t s = 0; s < ns; s++) {
        const size_t m = shapes[s][0], n = shapes[s][1], kk = shapes[s][2];
        const size_t lda = ta == SG_NO_TRANS ? kk : m, ldb = tb == SG_NO_TRANS ? n : kk;
        float *a = malloc((m * kk + 1) * sizeof(float)), *b = malloc((kk * n + 1) * sizeof(float));
        float *got = malloc((m * n + 1) * sizeof(float)), *want = malloc((m * n + 1) * sizeof(float));
        if (!a || !b || !got || !want) {
            fprintf(stderr, "simdgrad-agreement: out of memory\n");
            exit(2);
        }
        fill(a, m * kk);
        fill(b, kk * n);
        k->matmul(ta, tb, m, n, kk, a, lda, b, ldb, got, n);
        ref->matmul(ta, tb, m, n, kk, a, lda, b, ldb, want, n);
        char what[64];
        snprintf(what, sizeof what, "matmul m=%zu n=%zu k=%zu", m, n, kk);
        const size_t at = first_diff(got, want, m * n);
        note(v, at, m * n, what, at < m * n ? got[at] : 0, at < m * n ? want[at] : 0);
        free(a);
        free(b);
        free(got);
        free(want);
    }
}

#ifdef SG_AGREEMENT_BREAK_RELU
/* The test's negative control (tests/report/meson.build): a relu that drops NaN, the tail bug the
   README's NEON example shows; every vector ISA gets it, so the checker must report 'differs'. */
static void broken_relu(size_t n, const float *x, float *y)
{
    for (size_t i = 0; i < n; i++)
        y[i] = x[i] > 0 ? x[i] : 0.0f;
}
#endif

int main(int argc, char **argv)
{
    if (argc > 2 || (argc == 2 && (!strcmp(argv[1], "-h") || !strcmp(argv[1], "--help")))) {
        fprintf(argc > 2 ? stderr : stdout, "usage: simdgrad-agreement [OUT.json]\n");
        return argc > 2 ? 2 : 0;
    }
    FILE *out = argc == 2 ? fopen(argv[1], "w") : stdout;
    if (!out) {
        fprintf(stderr, "simdgrad-agreement: cannot write %s\n", argv[1]);
        return 2;
    }
    static const struct {
        const char *name;
        int family; /* 0 relu, 1 relu_grad, 2 matmul */
        float g0;
        sg_trans ta, tb;
    } kernels[] = {
        {"relu", 0, 0, SG_NO_TRANS, SG_NO_TRANS},          {"relu_grad g0:1", 1, 1.0f, SG_NO_TRANS, SG_NO_TRANS},
        {"relu_grad g0:0", 1, 0.0f, SG_NO_TRANS, SG_NO_TRANS}, {"relu_grad g0:0.5", 1, 0.5f, SG_NO_TRANS, SG_NO_TRANS},
        {"matmul_nn", 2, 0, SG_NO_TRANS, SG_NO_TRANS},     {"matmul_tn", 2, 0, SG_TRANS, SG_NO_TRANS},
        {"matmul_nt", 2, 0, SG_NO_TRANS, SG_TRANS},
    };
    const size_t nk = sizeof kernels / sizeof kernels[0];
    const sg_kernels *ref = sg_kernels_get(SG_ISA_SCALAR);
    static const sg_family fam[] = {SG_FAMILY_relu, SG_FAMILY_relu_grad, SG_FAMILY_matmul};
    int disagree = 0;

    fprintf(out, "{\n  \"tool\": \"simdgrad-agreement\",\n  \"simdgrad_version\": \"%s\",\n", sg_version());
    fprintf(out, "  \"cpu_model\": \"");
    for (const char *c = sg_cpu_model(); *c; c++) /* a brand string: printable, but stay valid JSON */
        if (*c == '"' || *c == '\\')
            fprintf(out, "\\%c", *c);
        else if ((unsigned char)*c >= 0x20)
            fputc(*c, out);
    fprintf(out, "\",\n");
    char avail[128];
    sg_isa_list_available(avail, sizeof avail);
    fprintf(out, "  \"isas_available\": \"%s\",\n", avail);
    fprintf(out, "  \"method\": \"each kernel vs the scalar reference (sg_kernels_get(SG_ISA_SCALAR)), same inputs, "
                 "bit for bit, all NaNs equal; relu/relu_grad: n = 0..64, 1000, 1023, 4099, 65539; matmul: the "
                 "5 training shapes, 37x29x41, 64^3, 97x131x259, 300x17x520, every m,n <= 9 with k in 0,3,6,9; "
                 "inputs uniform in [-2, 2] with 1 in 8 a special (+-0, NaN, +-inf, subnormal, FLT_MAX)\",\n");
    fprintf(out, "  \"results\": [\n");
    int first = 1;
    for (int i = 0; i < SG_ISA_COUNT; i++) {
        const sg_isa isa = (sg_isa)i;
        if (!sg_isa_compiled(isa))
            continue;
        const sg_kernels *k = sg_kernels_get(isa);
#ifdef SG_AGREEMENT_BREAK_RELU
        sg_kernels broken;
        if (k && isa != SG_ISA_SCALAR) {
            broken = *k;
            broken.relu = broken_relu;
            k = &broken;
        }
#endif
        for (size_t j = 0; j < nk; j++) {
            verdict v = {0, 0, ""};
            const char *status = "unavailable", *impl = "";
            if (k) {
                if (kernels[j].family == 2)
                    check_matmul(k, ref, kernels[j].ta, kernels[j].tb, &v);
                else
                    check_eltwise(k, ref, kernels[j].family, kernels[j].g0, &v);
                status = v.mismatches ? "differs" : "identical";
                disagree |= v.mismatches != 0;
                /* An ISA without its own kernel for a family runs the scalar one: agreement is trivial there. */
                impl = sg_isa_name(sg_family_impl(isa, fam[kernels[j].family]));
            }
            fprintf(out, "%s    {\"kernel\": \"%s\", \"isa\": \"%s\", \"status\": \"%s\", \"code\": \"%s\", "
                         "\"cases\": %ld, \"mismatching_cases\": %ld, \"first_mismatch\": \"%s\"}",
                    first ? "" : ",\n", kernels[j].name, sg_isa_name(isa), status, impl, v.cases, v.mismatches,
                    v.first);
            first = 0;
        }
    }
    fprintf(out, "\n  ]\n}\n");
    if (out != stdout && fclose(out) != 0) {
        fprintf(stderr, "simdgrad-agreement: cannot write %s\n", argv[1]);
        return 2;
    }
    return disagree ? 1 : 0;
}
