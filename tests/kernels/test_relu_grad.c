/* Masked ReLU gradient: every ISA against the contract rules (written here on bit patterns, not
 * copied from the reference) and against the scalar reference, for every n in 0..300 and random
 * large n, every float offset of h/dy/dx in a 64-byte line, guard pages after the last and
 * before the first element of every buffer, in place (dx == dy), canaries around dx, and
 * grad_at_zero in {1, 0, 0.5} plus odd ones (-2, -0, NaN, inf). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sgtest.h"

#define MAX_SWEEP_N 300

static float g0_list[7];
static const char *const g0_names[7] = {"1", "0", "0.5", "-2", "-0", "NaN", "inf"};
enum { N_G0 = 7, N_G0_CONVENTIONS = 3 };

/* The contract, classified on bits: h NaN -> NaN; h == ±0 -> g0*dy (one float multiply);
   h negative (sign set, non-zero, not NaN, includes -inf) -> +0.0 whatever dy is; h positive
   -> dy unchanged (bit for bit, NaN payloads included, but any NaN compares equal). */
static float rule_grad(float h, float dy, float g0)
{
    const uint32_t u = sgt_bits(h);
    if ((u & 0x7fffffffu) > 0x7f800000u)
        return h;
    if ((u & 0x7fffffffu) == 0) {
        volatile float prod = g0 * dy; /* exactly one rounding, never fused or reordered */
        return prod;
    }
    if (u >> 31)
        return sgt_f32(0);
    return dy;
}

static void check_rule_itself(void)
{
    const float nan = sgt_f32(0x7fc00000u), inf = sgt_f32(0x7f800000u);
    SGT_CHECK(sgt_bits(rule_grad(-1.0f, nan, 1.0f)) == 0, "rule: h<0, dy NaN -> +0.0");
    SGT_CHECK(sgt_bits(rule_grad(-1.0f, inf, 1.0f)) == 0, "rule: h<0, dy inf -> +0.0");
    SGT_CHECK(sgt_bits(rule_grad(sgt_f32(0xff800000u), -3.0f, 1.0f)) == 0, "rule: h=-inf -> +0.0");
    SGT_CHECK(sgt_bits(rule_grad(-0.0f, 3.0f, 0.5f)) == sgt_bits(1.5f), "rule: h=-0 uses g0");
    SGT_CHECK(sgt_bits(rule_grad(0.0f, -3.0f, 0.0f)) == 0x80000000u, "rule: h=+0, g0=0, dy<0 -> -0.0 (0*-3)");
    SGT_CHECK(sgt_is_nan(rule_grad(0.0f, inf, 0.0f)), "rule: h=0, g0=0, dy=inf -> NaN (0*inf)");
    SGT_CHECK(sgt_is_nan(rule_grad(nan, 2.0f, 1.0f)), "rule: h NaN -> NaN");
    SGT_CHECK(sgt_bits(rule_grad(sgt_f32(1), -0.0f, 1.0f)) == 0x80000000u, "rule: h>0 passes -0.0 dy");
}

static bool check_out(const char *isa, const char *how, size_t n, const float *h, const float *dy_in,
                      float g0, const float *dx)
{
    for (size_t i = 0; i < n; i++) {
        const float want = rule_grad(h[i], dy_in[i], g0);
        if (!sgt_same(dx[i], want)) {
            char a[48], b[48], c[48], d[48], e[48];
            sgt_fail("relu_grad[%s] %s n=%zu g0=%s: dx[%zu] = %s, want %s for h = %s, dy = %s", isa, how, n,
                     sgt_fmt(e, g0), i, sgt_fmt(a, dx[i]), sgt_fmt(b, want), sgt_fmt(c, h[i]),
                     sgt_fmt(d, dy_in[i]));
            return false;
        }
    }
    return true;
}

/* Every (h class, dy special) pair, with named bit-level checks of the sharpest rules. */
static void check_specials(const sg_kernels *k)
{
    const char *isa = sg_isa_name(k->isa);
    enum { LEN = 67 };
    float h[LEN], dy[LEN], dx[LEN];
    for (int gi = 0; gi < N_G0; gi++) {
        const float g0 = g0_list[gi];
        for (size_t s = 0; s < sgt_n_specials; s++) {
            for (size_t i = 0; i < LEN; i++) {
                h[i] = sgt_special(s + i);
                dy[i] = sgt_special(s * 5 + i * 3 + 1);
            }
            memset(dx, 0x5a, sizeof dx);
            sgt_context("relu_grad[%s] specials g0=%s s=%zu", isa, g0_names[gi], s);
            k->relu_grad(LEN, h, dy, dx, g0);
            check_out(isa, "specials", LEN, h, dy, g0, dx);
            for (size_t i = 0; i < LEN; i++) {
                const uint32_t hb = sgt_bits(h[i]);
                if ((hb >> 31) && (hb & 0x7fffffffu) && (hb & 0x7fffffffu) <= 0x7f800000u)
                    SGT_CHECK(sgt_bits(dx[i]) == 0,
                              "relu_grad[%s]: h=0x%08x<0, dy=0x%08x gave 0x%08x, want +0.0", isa, hb,
                              sgt_bits(dy[i]), sgt_bits(dx[i]));
                if (hb == 0x80000000u && gi == 0)
                    SGT_CHECK(sgt_same(dx[i], dy[i]), "relu_grad[%s]: h=-0.0 with g0=1 must give dy", isa);
                if (hb == 0x80000000u && gi == 1 && !sgt_is_nan(dy[i]) &&
                    (sgt_bits(dy[i]) & 0x7fffffffu) != 0x7f800000u)
                    SGT_CHECK((sgt_bits(dx[i]) & 0x7fffffffu) == 0,
                              "relu_grad[%s]: h=-0.0 with g0=0 must give ±0", isa);
                if (sgt_is_nan(h[i]))
                    SGT_CHECK(sgt_is_nan(dx[i]), "relu_grad[%s]: NaN h gave 0x%08x", isa, sgt_bits(dx[i]));
            }
        }
    }
}

typedef struct place {
    float *h, *dy, *dx;
    const sgt_buf *hb, *dyb, *dxb;
} place;

static void run_one(const sg_kernels *k, const char *how, size_t n, const float *h_in, const float *dy_in,
                    int gi, place p)
{
    const char *isa = sg_isa_name(k->isa);
    const float g0 = g0_list[gi];
    if (n) {
        memcpy(p.h, h_in, n * sizeof(float));
        memcpy(p.dy, dy_in, n * sizeof(float));
        if (p.dx != p.dy)
            memset(p.dx, 0x7f, n * sizeof(float)); /* NaN garbage: a skipped store cannot pass */
    }
    sgt_context("relu_grad[%s] %s n=%zu g0=%s h=%p dy=%p dx=%p", isa, how, n, g0_names[gi], (void *)p.h,
                (void *)p.dy, (void *)p.dx);
    k->relu_grad(n, p.h, p.dy, p.dx, g0);
    check_out(isa, how, n, h_in, dy_in, g0, p.dx);
    if (n && memcmp(p.h, h_in, n * sizeof(float)) != 0)
        sgt_fail("relu_grad[%s] %s n=%zu: input h was modified", isa, how, n);
    if (n && p.dx != p.dy && memcmp(p.dy, dy_in, n * sizeof(float)) != 0)
        sgt_fail("relu_grad[%s] %s n=%zu: input dy was modified", isa, how, n);
    char what[128];
    const sgt_buf *bufs[3] = {p.hb, p.dyb, p.dxb};
    static const char *const names[3] = {"h", "dy", "dx"};
    for (int b = 0; b < 3; b++) {
        if (b == 2 && p.dxb == p.dyb)
            continue;
        snprintf(what, sizeof what, "relu_grad[%s] %s n=%zu %s", isa, how, n, names[b]);
        sgt_buf_canaries_ok(bufs[b], what);
    }
}

static void sweep_n(const sg_kernels *const *ks, int nk, size_t n, sgt_rng *rng, unsigned rotations,
                    bool all_g0)
{
    const size_t alloc = n ? n : 1;
    float *h_in = malloc(alloc * sizeof(float)), *dy_in = malloc(alloc * sizeof(float));
    sgt_fill(rng, h_in, n, 25);
    /* A quarter of h exactly ±0 so the grad_at_zero path is exercised at every lane. */
    for (size_t i = 0; i < n; i++)
        if (sgt_rng_below(rng, 4) == 0)
            h_in[i] = sgt_rng_below(rng, 2) ? 0.0f : -0.0f;
    sgt_fill(rng, dy_in, n, 25);

    sgt_arena ah, ady, adx;
    sgt_arena_init(&ah, n + SGT_NUM_OFFSETS);
    sgt_arena_init(&ady, n + SGT_NUM_OFFSETS);
    sgt_arena_init(&adx, n + SGT_NUM_OFFSETS);
    sgt_buf ga[3], gb[3];
    float *after[3], *before[3];
    for (int b = 0; b < 3; b++) {
        after[b] = sgt_buf_alloc(&ga[b], n, SGT_GUARD_AFTER, 0);
        before[b] = sgt_buf_alloc(&gb[b], n, SGT_GUARD_BEFORE, 0);
    }

    for (int ki = 0; ki < nk; ki++) {
        const sg_kernels *k = ks[ki];
        for (unsigned r = 0; r < rotations; r++) {
            /* Shifting by n: with fewer rotations every offset of every buffer still comes up. */
            const unsigned oh = (r + (unsigned)n) % SGT_NUM_OFFSETS;
            const unsigned ody = (r * 7 + 3 * (unsigned)n) % SGT_NUM_OFFSETS;
            const unsigned odx = (r * 11 + 5 * (unsigned)n + 1) % SGT_NUM_OFFSETS;
            const int gi = (int)((r + n) % (all_g0 ? N_G0 : N_G0_CONVENTIONS));
            for (int g = 0; g < (all_g0 ? N_G0 : 1); g++) {
                const int gsel = all_g0 ? g : gi;
                char how[80];
                place p = {sgt_arena_place(&ah, n, oh),
                           sgt_arena_place(&ady, n, ody),
                           sgt_arena_place(&adx, n, odx),
                           &ah.buf,
                           &ady.buf,
                           &adx.buf};
                snprintf(how, sizeof how, "misaligned h+%u dy+%u dx+%u floats", oh, ody, odx);
                run_one(k, how, n, h_in, dy_in, gsel, p);
                place q = {sgt_arena_place(&ah, n, oh), NULL, NULL, &ah.buf, &ady.buf, &ady.buf};
                q.dy = q.dx = sgt_arena_place(&ady, n, ody);
                snprintf(how, sizeof how, "in-place misaligned h+%u dy=dx+%u floats", oh, ody);
                run_one(k, how, n, h_in, dy_in, gsel, q);
            }
        }
        for (int gi = 0; gi < (all_g0 ? N_G0 : N_G0_CONVENTIONS); gi++) {
            run_one(k, "guard-after h,dy,dx", n, h_in, dy_in, gi,
                    (place){after[0], after[1], after[2], &ga[0], &ga[1], &ga[2]});
            run_one(k, "guard-before h,dy,dx", n, h_in, dy_in, gi,
                    (place){before[0], before[1], before[2], &gb[0], &gb[1], &gb[2]});
            run_one(k, "guard-after h, guard-before dy, guard-after dx", n, h_in, dy_in, gi,
                    (place){after[0], before[1], after[2], &ga[0], &gb[1], &ga[2]});
            run_one(k, "guard-before h, guard-after dy, guard-before dx", n, h_in, dy_in, gi,
                    (place){before[0], after[1], before[2], &gb[0], &ga[1], &gb[2]});
            run_one(k, "in-place guard-after", n, h_in, dy_in, gi,
                    (place){after[0], after[1], after[1], &ga[0], &ga[1], &ga[1]});
            run_one(k, "in-place guard-before", n, h_in, dy_in, gi,
                    (place){before[0], before[1], before[1], &gb[0], &gb[1], &gb[1]});
        }
    }

    for (int b = 0; b < 3; b++) {
        sgt_buf_free(&ga[b]);
        sgt_buf_free(&gb[b]);
    }
    sgt_arena_free(&ah);
    sgt_arena_free(&ady);
    sgt_arena_free(&adx);
    free(h_in);
    free(dy_in);
}

static void compare_with_scalar(const sg_kernels *scalar, const sg_kernels *k, size_t n, sgt_rng *rng)
{
    float *h = malloc(n * sizeof(float)), *dy = malloc(n * sizeof(float));
    float *want = malloc(n * sizeof(float)), *got = malloc(n * sizeof(float));
    sgt_fill(rng, h, n, 10);
    for (size_t i = 0; i < n; i += 1 + sgt_rng_below(rng, 5))
        h[i] = 0.0f;
    sgt_fill(rng, dy, n, 10);
    for (int gi = 0; gi < N_G0; gi++) {
        scalar->relu_grad(n, h, dy, want, g0_list[gi]);
        sgt_context("relu_grad[%s] vs scalar n=%zu g0=%s", sg_isa_name(k->isa), n, g0_names[gi]);
        k->relu_grad(n, h, dy, got, g0_list[gi]);
        const size_t i = sgt_first_mismatch(got, want, n);
        if (i < n) {
            char a[48], b[48], c[48], d[48];
            sgt_fail("relu_grad[%s] vs scalar n=%zu g0=%s: dx[%zu] = %s, scalar %s, h = %s, dy = %s",
                     sg_isa_name(k->isa), n, g0_names[gi], i, sgt_fmt(a, got[i]), sgt_fmt(b, want[i]),
                     sgt_fmt(c, h[i]), sgt_fmt(d, dy[i]));
        }
    }
    free(h);
    free(dy);
    free(want);
    free(got);
}

int main(void)
{
    sgt_install_fault_handler();
    const float g0v[N_G0] = {1.0f, 0.0f, 0.5f, -2.0f, -0.0f, sgt_f32(0x7fc00000u), sgt_f32(0x7f800000u)};
    memcpy(g0_list, g0v, sizeof g0v);
    sgt_rng rng = sgt_rng_seed(0x96ad);
    const sg_kernels *all[SG_ISA_COUNT + 1];
    int nall;
    const int nvec = sgt_all_kernels(all, &nall);
    if (!all[0]) {
        sgt_fail("scalar kernels unavailable");
        return sgt_finish("test_relu_grad", 0);
    }

    check_rule_itself();
    for (int i = 0; i < nall; i++)
        check_specials(all[i]);

    /* Full: every offset rotation with all seven g0 at every n; small: a rotating subset. */
    const bool small = sgt_small();
    for (size_t n = 0; n <= MAX_SWEEP_N; n++)
        sweep_n(all, nall, n, &rng, small ? 3 : SGT_NUM_OFFSETS, !small && n <= 64);
    if (!small)
        for (size_t n = 65; n <= MAX_SWEEP_N; n += 13)
            sweep_n(all, nall, n, &rng, 4, true);

    static const size_t fixed[] = {511, 512, 513, 1023, 1024, 1025, 4095, 4096, 4097, 65536 + 15};
    const size_t n_random = sgt_scaled(12, 4);
    const size_t max_n = small ? 20000 : 100000;
    for (size_t t = 0; t < n_random + sizeof fixed / sizeof fixed[0]; t++) {
        const size_t n = t < n_random ? 301 + sgt_rng_below(&rng, max_n - 300) : fixed[t - n_random];
        if (t >= n_random && small && n > 5000)
            continue;
        sweep_n(all, nall, n, &rng, 1, false);
        for (int i = 0; i < nvec; i++)
            compare_with_scalar(all[0], all[1 + i], n, &rng);
    }
    return sgt_finish("test_relu_grad", nvec);
}
