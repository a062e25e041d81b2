/* simdgrad-agreement: the report's cross-ISA agreement matrix, measured on this machine.
 * Every kernel (each family of the list: matmul per form, every elementwise family per swept
 * parameter value, through src/eltwise.h) of every ISA compiled in is run on the
 * same inputs as the scalar reference and its outputs compared bit for bit (all NaNs equal, as the
 * contract says). Inputs are random with exact zeros, NaNs, infinities and subnormals mixed in,
 * because those are where a vector kernel most easily departs from the reference. The kernels are
 * reached through the public API (simdgrad.h), so this is what any user of the library gets; the
 * generic elementwise calls come from the internal descriptors.
 * Writes JSON to stdout (or to the file named by the only argument). Exit 0 when every available ISA
 * agrees, 1 when one differs, 2 on a usage or I/O error. The full harness is tests/kernels; this is a
 * compact re-check whose result the report can show as a table. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "eltwise.h"
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
    static const uint32_t specials[] = {0x00000000, 0x80000000, 0x00000000, 0x80000000,
                                        0x7fc00000, 0xffc00001, 0x7f800000, 0xff800000,
                                        0x00000001, 0x807fffff, 0x7f7fffff, 0x00800000};
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

static int same(float a, float b) { return (a != a && b != b) || bits_of(a) == bits_of(b); }

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
        snprintf(v->first, sizeof v->first, "%s [%zu]: 0x%08x, scalar 0x%08x", what, at,
                 (unsigned)bits_of(got), (unsigned)bits_of(want));
}

/* Every n in 0..64 (the vector tails), then sizes past one and several vectors of every width. */
static const size_t sizes[] = {1000, 1023, 4099, 65539};
#define N_SMALL 65
#define N_SIZES (N_SMALL + sizeof sizes / sizeof sizes[0])

static size_t size_at(size_t i) { return i < N_SMALL ? i : sizes[i - N_SMALL]; }

/* One elementwise family (src/eltwise.h descriptor) with parameter values params: every array
   filled at random (float arrays with the specials, mask arrays with random codes), the kernel and
   the reference run on the same inputs, every output compared (floats NaN-equal, masks as bytes). */
static void check_eltwise(const sg_kernels *k, const sg_kernels *ref, const sg_eltwise_desc *d,
                          const float *params, verdict *v)
{
    for (size_t s = 0; s < N_SIZES; s++) {
        const size_t n = size_at(s);
        void *in[SG_ELTWISE_MAX_STREAMS] = {0}, *got[SG_ELTWISE_MAX_STREAMS] = {0},
             *want[SG_ELTWISE_MAX_STREAMS] = {0};
        for (unsigned i = 0; i < d->n_in; i++) {
            const size_t bytes = sg_eltwise_bytes(d->in[i], n) + 1;
            in[i] = malloc(bytes);
            if (!in[i]) {
                fprintf(stderr, "simdgrad-agreement: out of memory\n");
                exit(2);
            }
            if (d->in[i] == SG_ELT_F32)
                fill(in[i], n);
            else
                for (size_t b = 0; b < bytes; b++)
                    ((unsigned char *)in[i])[b] = (unsigned char)rng_u64();
        }
        for (unsigned o = 0; o < d->n_out; o++) {
            const size_t bytes = sg_eltwise_bytes(d->out[o], n) + 1;
            got[o] = calloc(1, bytes);
            want[o] = calloc(1, bytes);
            if (!got[o] || !want[o]) {
                fprintf(stderr, "simdgrad-agreement: out of memory\n");
                exit(2);
            }
        }
        d->call(k, n, (const void *const *)in, got, params);
        d->call(ref, n, (const void *const *)in, want, params);
        char what[64];
        snprintf(what, sizeof what, "%s n=%zu", sg_family_name(d->family), n);
        size_t at = n;
        float g = 0, w = 0;
        for (unsigned o = 0; o < d->n_out && at == n; o++) {
            if (d->out[o] == SG_ELT_F32) {
                at = first_diff(got[o], want[o], n);
                g = at < n ? ((float *)got[o])[at] : 0;
                w = at < n ? ((float *)want[o])[at] : 0;
            } else if (memcmp(got[o], want[o], sg_eltwise_bytes(d->out[o], n)) != 0) {
                at = 0; /* a mask byte differs: reported as element 0 of that output */
                snprintf(what, sizeof what, "%s n=%zu (%s)", sg_family_name(d->family), n, d->out_names[o]);
            }
        }
        note(v, at, n, what, g, w);
        for (unsigned i = 0; i < SG_ELTWISE_MAX_STREAMS; i++) {
            free(in[i]);
            free(got[i]);
            free(want[i]);
        }
    }
}

/* The training task's shapes, every m,n,k up to 9 (all tails of the 8-wide AVX2 kernel), odd sizes
   and squares that cross the packed driver's blocks. */
static void check_matmul(const sg_kernels *k, const sg_kernels *ref, sg_trans ta, sg_trans tb, verdict *v)
{
    size_t shapes[64 + 729][3];
    size_t ns = 0;
    static const size_t fixed[][3] = {{4, 30, 3},   {4, 1, 30},   {30, 1, 4},     {4, 30, 1},    {3, 30, 4},
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

/* train_step: 30 chained steps from the same start on the training task's shape (fused on the vector
   ISAs) and on two others (the unfused fallback), each step's loss, zero counts and weights compared. The
   operands are the usual specials-laced values scaled down, so most runs train for a while before a NaN
   or an infinity reaches the loss (which then stops the update, as the step's contract says). */
static void check_train_step(const sg_kernels *k, const sg_kernels *ref, verdict *v)
{
    static const size_t shapes[][4] = {{4, 3, 30, 1}, {4, 3, 30, 2}, {7, 5, 13, 3}};
    for (size_t s = 0; s < sizeof shapes / sizeof shapes[0]; s++) {
        const size_t n = shapes[s][0], d = shapes[s][1], h = shapes[s][2], o = shapes[s][3];
        const size_t nw = d * h + h * o;
        /* Sized for the largest of the shapes in each dimension. */
        float x[7 * 5], y[7 * 3], w[2][5 * 30 + 30 * 3], work[SG_TRAIN_STEP_WORK(7, 5, 30, 3)];
        fill(x, n * d);
        fill(y, n * o);
        fill(w[0], nw);
        for (size_t i = 0; i < nw; i++)
            w[1][i] = w[0][i] = w[0][i] * 0.25f;
        for (int step = 0; step < 30; step++) {
            float loss[2];
            uint64_t counts[2][2];
            k->train_step(n, d, h, o, x, y, w[0], w[0] + d * h, 0.002f, 0.5f, 1e30f, work, &loss[0],
                          counts[0]);
            ref->train_step(n, d, h, o, x, y, w[1], w[1] + d * h, 0.002f, 0.5f, 1e30f, work, &loss[1],
                            counts[1]);
            char what[64];
            snprintf(what, sizeof what, "train_step n=%zu d=%zu h=%zu o=%zu step %d", n, d, h, o, step);
            size_t at = first_diff(w[0], w[1], nw);
            float got = at < nw ? w[0][at] : 0, want = at < nw ? w[1][at] : 0;
            if (at == nw &&
                (!same(loss[0], loss[1]) || counts[0][0] != counts[1][0] || counts[0][1] != counts[1][1])) {
                at = 0, got = loss[0], want = loss[1]; /* reported as element 0, with the loss */
                strcat(what, " loss/counts");
            }
            note(v, at, nw, what, got, want);
        }
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
    /* The rows: matmul in the three forms the training task uses, every elementwise family once
       per swept parameter value (relu_grad g0:1, g0:0, g0:0.5), in the family list's order. */
    struct row {
        char name[48];
        sg_family family;
        const sg_eltwise_desc *d;
        float param;
        sg_trans ta, tb;
    } kernels[SG_FAMILY_COUNT * (SG_ELTWISE_MAX_SWEEP + 3)];
    size_t nk = 0;
    for (int f = 0; f < SG_FAMILY_COUNT; f++) {
        const sg_eltwise_desc *d = sg_eltwise_find((sg_family)f);
        const char *fname = sg_family_name((sg_family)f);
        if (f == SG_FAMILY_train_step) {
            kernels[nk] = (struct row){"", (sg_family)f, NULL, 0, SG_NO_TRANS, SG_NO_TRANS};
            snprintf(kernels[nk++].name, sizeof kernels[0].name, "%s", fname);
            continue;
        }
        if (!d) {
            static const char *const forms[] = {"nn", "tn", "nt"};
            static const sg_trans ta[] = {SG_NO_TRANS, SG_TRANS, SG_NO_TRANS},
                                  tb[] = {SG_NO_TRANS, SG_NO_TRANS, SG_TRANS};
            for (int m = 0; m < 3; m++) {
                kernels[nk] = (struct row){"", (sg_family)f, NULL, 0, ta[m], tb[m]};
                snprintf(kernels[nk++].name, sizeof kernels[0].name, "%s_%s", fname, forms[m]);
            }
            continue;
        }
        for (unsigned p = 0; p < (d->n_sweep ? d->n_sweep : 1); p++) {
            kernels[nk] =
                (struct row){"", (sg_family)f, d, d->n_sweep ? d->sweep[p] : 0, SG_NO_TRANS, SG_NO_TRANS};
            if (d->n_sweep)
                snprintf(kernels[nk++].name, sizeof kernels[0].name, "%s %s:%g", fname, d->param_name,
                         (double)d->sweep[p]);
            else
                snprintf(kernels[nk++].name, sizeof kernels[0].name, "%s", fname);
        }
    }
    const sg_kernels *ref = sg_kernels_get(SG_ISA_SCALAR);
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
    fprintf(
        out,
        "  \"method\": \"each kernel vs the scalar reference (sg_kernels_get(SG_ISA_SCALAR)), same inputs, "
        "bit for bit, all NaNs equal (mask outputs byte for byte); elementwise families: n = 0..64, 1000, "
        "1023, 4099, 65539; matmul: the "
        "5 training shapes, 37x29x41, 64^3, 97x131x259, 300x17x520, every m,n <= 9 with k in 0,3,6,9; "
        "train_step: 30 chained steps on n,d,h,o = 4,3,30,1 (the task), 4,3,30,2 and 7,5,13,3; "
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
                if (kernels[j].family == SG_FAMILY_train_step)
                    check_train_step(k, ref, &v);
                else if (!kernels[j].d)
                    check_matmul(k, ref, kernels[j].ta, kernels[j].tb, &v);
                else
                    check_eltwise(k, ref, kernels[j].d, &kernels[j].param, &v);
                status = v.mismatches ? "differs" : "identical";
                disagree |= v.mismatches != 0;
                /* An ISA without its own kernel for a family runs the scalar one: agreement is trivial there.
                 */
                impl = sg_isa_name(sg_family_impl(isa, kernels[j].family));
            }
            fprintf(out,
                    "%s    {\"kernel\": \"%s\", \"isa\": \"%s\", \"status\": \"%s\", \"code\": \"%s\", "
                    "\"cases\": %ld, \"mismatching_cases\": %ld, \"first_mismatch\": \"%s\"}",
                    first ? "" : ",\n", kernels[j].name, sg_isa_name(isa), status, impl, v.cases,
                    v.mismatches, v.first);
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
