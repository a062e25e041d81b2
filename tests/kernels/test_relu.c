/* ReLU forward: every ISA against the contract rules (written here independently, on bit
 * patterns) and against the scalar reference, for every n in 0..300 and random large n, every
 * float offset in a 64-byte line, guard pages after the last and before the first element of x
 * and y, in place, and with canaries around y. The scalar table is held to the rules too, so a
 * wrong reference fails here rather than silently agreeing with a wrong kernel. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sgtest.h"

#define MAX_SWEEP_N 300

/* The contract, on bits: NaN stays NaN, a positive non-zero (sign clear, not +0) stays, all
   else (including -0.0 and -inf) becomes +0.0 = 0x00000000. */
static float rule_relu(float x)
{
    const uint32_t u = sgt_bits(x);
    if ((u & 0x7fffffffu) > 0x7f800000u)
        return x;
    if (!(u >> 31) && u != 0)
        return x;
    return sgt_f32(0);
}

/* Compares y against the rule for input x; reports the first mismatch with its input. */
static bool check_out(const char *isa, const char *how, size_t n, const float *x_in, const float *y)
{
    for (size_t i = 0; i < n; i++) {
        const float want = rule_relu(x_in[i]);
        if (!sgt_same(y[i], want)) {
            char a[48], b[48], c[48];
            sgt_fail("relu[%s] %s n=%zu: y[%zu] = %s, want %s for x = %s", isa, how, n, i, sgt_fmt(a, y[i]),
                     sgt_fmt(b, want), sgt_fmt(c, x_in[i]));
            return false;
        }
    }
    return true;
}

static bool check_unchanged(const char *isa, const char *how, size_t n, const float *x_in, const float *x)
{
    if (n && memcmp(x_in, x, n * sizeof(float)) != 0) {
        sgt_fail("relu[%s] %s n=%zu: input x was modified (first at %zu)", isa, how, n,
                 sgt_first_mismatch(x, x_in, n) < n ? sgt_first_mismatch(x, x_in, n) : 0);
        return false;
    }
    return true;
}

/* The rule itself must treat each special value as the contract says; a few explicit cases
   guard against a wrong rule_relu as well. */
static void check_rule_itself(void)
{
    SGT_CHECK(sgt_bits(rule_relu(-0.0f)) == 0, "rule: -0.0 -> +0.0");
    SGT_CHECK(sgt_bits(rule_relu(0.0f)) == 0, "rule: +0.0 -> +0.0");
    SGT_CHECK(sgt_bits(rule_relu(sgt_f32(0xff800000u))) == 0, "rule: -inf -> +0.0");
    SGT_CHECK(sgt_is_nan(rule_relu(sgt_f32(0xffc00000u))), "rule: -NaN -> NaN");
    SGT_CHECK(sgt_bits(rule_relu(sgt_f32(1))) == 1, "rule: smallest subnormal stays");
    SGT_CHECK(sgt_bits(rule_relu(sgt_f32(0x80000001u))) == 0, "rule: negative subnormal -> +0.0");
}

/* Every special value at every lane position of a short vector: the rule and the scalar
   reference on named cases, independent of the random sweep. */
static void check_specials(const sg_kernels *k)
{
    const char *isa = sg_isa_name(k->isa);
    enum { LEN = 67 }; /* spans a 64-float block and a tail on every ISA */
    float x[LEN], y[LEN];
    for (size_t s = 0; s < sgt_n_specials; s++) {
        for (size_t i = 0; i < LEN; i++)
            x[i] = sgt_special(s + i);
        memset(y, 0x5a, sizeof y);
        sgt_context("relu[%s] specials s=%zu", isa, s);
        k->relu(LEN, x, y);
        check_out(isa, "specials", LEN, x, y);
        /* Named expectations for the most error-prone cases, checked directly on bits. */
        for (size_t i = 0; i < LEN; i++) {
            if (sgt_bits(x[i]) == 0x80000000u)
                SGT_CHECK(sgt_bits(y[i]) == 0, "relu[%s]: -0.0 gave 0x%08x, want +0.0", isa, sgt_bits(y[i]));
            if (sgt_is_nan(x[i]))
                SGT_CHECK(sgt_is_nan(y[i]), "relu[%s]: NaN 0x%08x gave 0x%08x", isa, sgt_bits(x[i]),
                          sgt_bits(y[i]));
        }
    }
}

/* Runs one placement: copies the input to xp (unless in place), calls, checks output, input
   and canaries. */
static void run_one(const sg_kernels *k, const char *how, size_t n, const float *x_in, float *xp, float *yp,
                    const sgt_buf *xb, const sgt_buf *yb)
{
    const char *isa = sg_isa_name(k->isa);
    if (n)
        memcpy(xp, x_in, n * sizeof(float));
    if (yp != xp && n)
        memset(yp, 0x7f, n * sizeof(float)); /* NaN garbage: a skipped store cannot pass */
    sgt_context("relu[%s] %s n=%zu x=%p y=%p", isa, how, n, (void *)xp, (void *)yp);
    k->relu(n, xp, yp);
    check_out(isa, how, n, x_in, yp);
    if (yp != xp)
        check_unchanged(isa, how, n, x_in, xp);
    char what[96];
    snprintf(what, sizeof what, "relu[%s] %s n=%zu x", isa, how, n);
    sgt_buf_canaries_ok(xb, what);
    if (yb != xb) {
        snprintf(what, sizeof what, "relu[%s] %s n=%zu y", isa, how, n);
        sgt_buf_canaries_ok(yb, what);
    }
}

/* All placements for one n and one kernel table. */
static void sweep_n(const sg_kernels *const *ks, int nk, size_t n, sgt_rng *rng, unsigned rotations)
{
    float *x_in = malloc((n ? n : 1) * sizeof(float));
    sgt_fill(rng, x_in, n, 25);

    sgt_arena ax, ay;
    sgt_arena_init(&ax, n + SGT_NUM_OFFSETS);
    sgt_arena_init(&ay, n + SGT_NUM_OFFSETS);
    sgt_buf xa, ya, xbf, ybf;
    float *x_after = sgt_buf_alloc(&xa, n, SGT_GUARD_AFTER, 0),
          *y_after = sgt_buf_alloc(&ya, n, SGT_GUARD_AFTER, 0);
    float *x_before = sgt_buf_alloc(&xbf, n, SGT_GUARD_BEFORE, 0);
    float *y_before = sgt_buf_alloc(&ybf, n, SGT_GUARD_BEFORE, 0);

    for (int ki = 0; ki < nk; ki++) {
        const sg_kernels *k = ks[ki];
        /* Misaligned x and y: over the rotations each buffer sees every float offset, paired
           with a varying offset of the other. */
        for (unsigned r = 0; r < rotations; r++) {
            /* Shifting by n means that with fewer rotations (small mode) every offset still
               comes up across the sweep. */
            const unsigned ox = (r + (unsigned)n) % SGT_NUM_OFFSETS;
            const unsigned oy = (r * 7 + 3 * (unsigned)n) % SGT_NUM_OFFSETS;
            char how[64];
            float *xp = sgt_arena_place(&ax, n, ox), *yp = sgt_arena_place(&ay, n, oy);
            snprintf(how, sizeof how, "misaligned x+%u y+%u floats", ox, oy);
            run_one(k, how, n, x_in, xp, yp, &ax.buf, &ay.buf);
            xp = sgt_arena_place(&ax, n, ox);
            snprintf(how, sizeof how, "in-place misaligned +%u floats", ox);
            run_one(k, how, n, x_in, xp, xp, &ax.buf, &ax.buf);
        }
        /* Guard page right after the last element / right before the first one of each buffer. */
        run_one(k, "guard-after x,y", n, x_in, x_after, y_after, &xa, &ya);
        run_one(k, "guard-before x,y", n, x_in, x_before, y_before, &xbf, &ybf);
        run_one(k, "guard-after x, guard-before y", n, x_in, x_after, y_before, &xa, &ybf);
        run_one(k, "guard-before x, guard-after y", n, x_in, x_before, y_after, &xbf, &ya);
        run_one(k, "in-place guard-after", n, x_in, x_after, x_after, &xa, &xa);
        run_one(k, "in-place guard-before", n, x_in, x_before, x_before, &xbf, &xbf);
    }

    sgt_buf_free(&xa);
    sgt_buf_free(&ya);
    sgt_buf_free(&xbf);
    sgt_buf_free(&ybf);
    sgt_arena_free(&ax);
    sgt_arena_free(&ay);
    free(x_in);
}

/* Every vector ISA must equal the scalar reference bit for bit (NaNs equal) on a large input. */
static void compare_with_scalar(const sg_kernels *scalar, const sg_kernels *k, size_t n, sgt_rng *rng)
{
    float *x = malloc(n * sizeof(float)), *want = malloc(n * sizeof(float)), *got = malloc(n * sizeof(float));
    sgt_fill(rng, x, n, 10);
    scalar->relu(n, x, want);
    sgt_context("relu[%s] vs scalar n=%zu", sg_isa_name(k->isa), n);
    k->relu(n, x, got);
    const size_t i = sgt_first_mismatch(got, want, n);
    if (i < n) {
        char a[48], b[48], c[48];
        sgt_fail("relu[%s] vs scalar n=%zu: y[%zu] = %s, scalar %s, x = %s", sg_isa_name(k->isa), n, i,
                 sgt_fmt(a, got[i]), sgt_fmt(b, want[i]), sgt_fmt(c, x[i]));
    }
    free(x);
    free(want);
    free(got);
}

int main(void)
{
    sgt_install_fault_handler();
    sgt_rng rng = sgt_rng_seed(0x7e1u);
    const sg_kernels *all[SG_ISA_COUNT + 1];
    int nall;
    const int nvec = sgt_all_kernels(all, &nall);
    if (!all[0]) {
        sgt_fail("scalar kernels unavailable");
        return sgt_finish("test_relu", 0);
    }

    check_rule_itself();
    for (int i = 0; i < nall; i++)
        check_specials(all[i]);

    const unsigned rotations = sgt_small() ? 4 : SGT_NUM_OFFSETS;
    for (size_t n = 0; n <= MAX_SWEEP_N; n++) {
        sweep_n(all, nall, n, &rng, rotations);
    }

    /* Random large sizes plus the ones just around vector/unroll boundaries. */
    static const size_t fixed[] = {511, 512, 513, 1023, 1024, 1025, 4095, 4096, 4097, 65536 + 15};
    const size_t n_random = sgt_scaled(12, 4);
    const size_t max_n = sgt_small() ? 20000 : 100000;
    for (size_t t = 0; t < n_random + sizeof fixed / sizeof fixed[0]; t++) {
        const size_t n = t < n_random ? 301 + sgt_rng_below(&rng, max_n - 300) : fixed[t - n_random];
        if (t >= n_random && sgt_small() && n > 5000)
            continue;
        sweep_n(all, nall, n, &rng, 2);
        for (int i = 0; i < nvec; i++)
            compare_with_scalar(all[0], all[1 + i], n, &rng);
    }
    return sgt_finish("test_relu", nvec);
}
