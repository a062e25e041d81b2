/* train_step: every ISA against the scalar reference (the unfused sequence of reference kernels), bit for
 * bit in the loss, both counts and the updated weights:
 *  - the training task's shape (n 4, d 3, h 30, o 1), which the vector ISAs run fused, over many seeds:
 *    ordinary values, exact zeros in h (a zero column of w1, zero rows of x, so that ReLU'(0) matters),
 *    special values (NaN, ±inf, ±0, subnormals) in any operand, several g0 and lr, and a max_loss below
 *    the loss (the step must stop before the backward pass and leave the weights alone);
 *  - random other shapes (1..12 each), the unfused fallback;
 *  - x, y, w1, w2 and the scratch against guard pages (after and before) with canary-checked slack,
 *    so a fused path that reads or writes past a row is seen.
 * The reference itself is the sequence of the reference kernels, which test_matmul and the elementwise
 * tester hold to their contracts; here it is also checked against a chain of its own table's kernel
 * calls, spelled out independently of src/train_step_seq.h. */
#include <stdio.h>
#include <string.h>

#include "sgtest.h"

typedef struct shape {
    size_t n, d, h, o;
} shape;

/* The step spelled out from the scalar table's kernel calls (independently of train_step_seq.h). */
static void step_by_calls(shape s, const float *x, const float *y, float *w1, float *w2, float lr, float g0,
                          float max_loss, float *loss, uint64_t counts[2])
{
    const sg_kernels *k = sg_kernels_get(SG_ISA_SCALAR);
    const size_t nh = s.n * s.h, no = s.n * s.o;
    float h[12 * 30], hr[12 * 30], ghr[12 * 30], yp[12 * 12], g[12 * 12], gw1[12 * 30], gw2[30 * 12];
    k->matmul(SG_NO_TRANS, SG_NO_TRANS, s.n, s.h, s.d, x, s.d, w1, s.h, h, s.h);
    k->relu(nh, h, hr);
    k->matmul(SG_NO_TRANS, SG_NO_TRANS, s.n, s.o, s.h, hr, s.h, w2, s.o, yp, s.o);
    float l = 0.0f;
    counts[0] = counts[1] = 0;
    for (size_t i = 0; i < nh; i++)
        counts[0] += h[i] == 0.0f;
    for (size_t i = 0; i < no; i++) {
        const float diff = yp[i] - y[i];
        const float sq = diff * diff;
        l = l + sq;
        g[i] = 2.0f * diff;
    }
    *loss = l;
    if (!(l <= max_loss))
        return;
    k->matmul(SG_TRANS, SG_NO_TRANS, s.h, s.o, s.n, hr, s.h, g, s.o, gw2, s.o);
    k->matmul(SG_NO_TRANS, SG_TRANS, s.n, s.h, s.o, g, s.o, w2, s.o, ghr, s.h);
    for (size_t i = 0; i < nh; i++)
        counts[1] += h[i] == 0.0f && ghr[i] != 0.0f;
    k->relu_grad(nh, h, ghr, ghr, g0);
    k->matmul(SG_TRANS, SG_NO_TRANS, s.d, s.h, s.n, x, s.d, ghr, s.h, gw1, s.h);
    for (size_t i = 0; i < s.d * s.h; i++) {
        const float t = lr * gw1[i];
        w1[i] = w1[i] - t;
    }
    for (size_t i = 0; i < s.h * s.o; i++) {
        const float t = lr * gw2[i];
        w2[i] = w2[i] - t;
    }
}

/* Operands, in guarded buffers: x, y, w1, w2, work. */
enum { X, Y, W1, W2, WORK, NBUF };

typedef struct inputs {
    float x[12 * 12], y[12 * 12], w1[12 * 30], w2[30 * 12];
    float lr, g0, max_loss;
} inputs;

static void fill(sgt_rng *r, shape s, unsigned special_pct, bool zeros, inputs *in)
{
    sgt_fill(r, in->x, s.n * s.d, special_pct);
    sgt_fill(r, in->y, s.n * s.o, special_pct);
    sgt_fill(r, in->w1, s.d * s.h, special_pct);
    sgt_fill(r, in->w2, s.h * s.o, special_pct);
    if (zeros) {
        /* h[:, j] == 0 exactly for a zero column j of w1 (±0 both), and h[i, :] == 0 for a zero row of x. */
        const size_t j = sgt_rng_below(r, s.h);
        for (size_t p = 0; p < s.d; p++)
            in->w1[p * s.h + j] = sgt_rng_below(r, 2) ? -0.0f : 0.0f;
        if (sgt_rng_below(r, 2)) {
            const size_t i = sgt_rng_below(r, s.n);
            for (size_t p = 0; p < s.d; p++)
                in->x[i * s.d + p] = 0.0f;
        }
    }
    static const float g0s[] = {1.0f, 0.0f, 0.5f, -3.0f};
    in->g0 = g0s[sgt_rng_below(r, 4)];
    in->lr = sgt_rng_below(r, 4) ? 0.002f : sgt_rng_uniform(r, -4.0f, 4.0f);
    in->max_loss = sgt_rng_below(r, 8) ? 1e30f : sgt_rng_uniform(r, 0.0f, 2.0f);
}

static int check_one(const sg_kernels *k, shape s, const inputs *in, sgt_place place, const char *what)
{
    const size_t len[NBUF] = {s.n * s.d, s.n * s.o, s.d * s.h, s.h * s.o,
                              SG_TRAIN_STEP_WORK(s.n, s.d, s.h, s.o)};
    sgt_buf b[NBUF];
    float *p[NBUF];
    for (int i = 0; i < NBUF; i++)
        p[i] = sgt_buf_alloc(&b[i], len[i], place, (unsigned)i * 3 % SGT_NUM_OFFSETS);
    memcpy(p[X], in->x, len[X] * sizeof(float));
    memcpy(p[Y], in->y, len[Y] * sizeof(float));
    memcpy(p[W1], in->w1, len[W1] * sizeof(float));
    memcpy(p[W2], in->w2, len[W2] * sizeof(float));
    float w1[12 * 30], w2[30 * 12], want_loss, loss = 0.0f;
    memcpy(w1, in->w1, len[W1] * sizeof(float));
    memcpy(w2, in->w2, len[W2] * sizeof(float));
    uint64_t want[2], got[2] = {~0ull, ~0ull};
    step_by_calls(s, in->x, in->y, w1, w2, in->lr, in->g0, in->max_loss, &want_loss, want);
    sgt_context("train_step %s n=%zu d=%zu h=%zu o=%zu %s %s", sg_isa_name(k->isa), s.n, s.d, s.h, s.o,
                sgt_place_name(place), what);
    k->train_step(s.n, s.d, s.h, s.o, p[X], p[Y], p[W1], p[W2], in->lr, in->g0, in->max_loss, p[WORK], &loss,
                  got);
    char b1[48], b2[48];
    int bad = 0;
    bad |= !SGT_CHECK(sgt_same(loss, want_loss), "%s %s n=%zu d=%zu h=%zu o=%zu (%s): loss %s, want %s",
                      sg_isa_name(k->isa), what, s.n, s.d, s.h, s.o, sgt_place_name(place), sgt_fmt(b1, loss),
                      sgt_fmt(b2, want_loss));
    bad |= !SGT_CHECK(got[0] == want[0] && got[1] == want[1],
                      "%s %s n=%zu d=%zu h=%zu o=%zu: counts %llu/%llu, want %llu/%llu", sg_isa_name(k->isa),
                      what, s.n, s.d, s.h, s.o, (unsigned long long)got[0], (unsigned long long)got[1],
                      (unsigned long long)want[0], (unsigned long long)want[1]);
    const size_t e1 = sgt_first_mismatch(p[W1], w1, len[W1]), e2 = sgt_first_mismatch(p[W2], w2, len[W2]);
    bad |= !SGT_CHECK(e1 == len[W1], "%s %s n=%zu d=%zu h=%zu o=%zu: w1[%zu] %s, want %s",
                      sg_isa_name(k->isa), what, s.n, s.d, s.h, s.o, e1,
                      sgt_fmt(b1, e1 < len[W1] ? p[W1][e1] : 0), sgt_fmt(b2, e1 < len[W1] ? w1[e1] : 0));
    bad |= !SGT_CHECK(e2 == len[W2], "%s %s n=%zu d=%zu h=%zu o=%zu: w2[%zu] %s, want %s",
                      sg_isa_name(k->isa), what, s.n, s.d, s.h, s.o, e2,
                      sgt_fmt(b1, e2 < len[W2] ? p[W2][e2] : 0), sgt_fmt(b2, e2 < len[W2] ? w2[e2] : 0));
    /* The inputs x and y are read-only. */
    bad |= !SGT_CHECK(sgt_first_mismatch(p[X], in->x, len[X]) == len[X] &&
                          sgt_first_mismatch(p[Y], in->y, len[Y]) == len[Y],
                      "%s %s: x or y was written", sg_isa_name(k->isa), what);
    static const char *const names[NBUF] = {"x", "y", "w1", "w2", "work"};
    for (int i = 0; i < NBUF; i++) {
        bad |= !sgt_buf_canaries_ok(&b[i], names[i]);
        sgt_buf_free(&b[i]);
    }
    return bad;
}

int main(void)
{
    sgt_install_fault_handler();
    const sg_kernels *all[SG_ISA_COUNT + 1];
    int n_all = 0;
    const int nv = sgt_all_kernels(all, &n_all);
    sgt_rng r = sgt_rng_seed(0x7a1257e9);
    static const shape task = {4, 3, 30, 1};
    static const sgt_place places[] = {SGT_GUARD_AFTER, SGT_GUARD_BEFORE, SGT_MISALIGNED};
    inputs in;
    unsigned long cases = 0;
    /* The task shape: ordinary values, exact zeros, special values; every placement. */
    const size_t seeds = sgt_scaled(3000, 10);
    for (size_t s = 0; s < seeds; s++) {
        const unsigned special = s % 3 == 2 ? 5 : 0;
        fill(&r, task, special, s % 3 == 1, &in);
        const char *what = special ? "specials" : s % 3 == 1 ? "zeros" : "ordinary";
        for (int a = 0; a < n_all; a++) {
            check_one(all[a], task, &in, places[s % 3], what);
            cases++;
        }
    }
    /* Other shapes: the fallback (and the reference against the spelled-out calls). */
    const size_t others = sgt_scaled(600, 10);
    for (size_t s = 0; s < others; s++) {
        const shape sh = {1 + sgt_rng_below(&r, 12), 1 + sgt_rng_below(&r, 12), 1 + sgt_rng_below(&r, 30),
                          1 + sgt_rng_below(&r, 12)};
        fill(&r, sh, s % 4 == 3 ? 5 : 0, s % 4 == 1, &in);
        for (int a = 0; a < n_all; a++) {
            check_one(all[a], sh, &in, places[s % 3], "other shape");
            cases++;
        }
    }
    printf("train_step: %lu cases on %d tables (scalar + %d vector ISAs)\n", cases, n_all, nv);
    return sgt_finish("train_step", nv);
}
