/* The training task on every available ISA and every ReLU'(0) convention:
 *  - default data (random, seed 0): all ISAs bit-identical to scalar, h never exactly 0, so the
 *    three conventions agree bit for bit;
 *  - crafted data (w1 with a zero column, written and read back as .npy): h[:, j] == 0 exactly,
 *    and the conventions diverge exactly as the semantics say;
 *  - XOR data, the RNG's pinned stream and the size/overflow limits;
 *  - everywhere, the stored-mask backward pass (relu_mask / relu_grad_mask) bit-identical too. */
#define _GNU_SOURCE
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "npy.h"
#include "rng.h"
#include "sgtest.h"
#include "train.h"

#define STEPS 200
static const float conv[3] = {1.0f, 0.0f, 0.5f};

/* Runs t on scalar and every vector ISA for each convention; checks every ISA against scalar.
   Stores scalar's results in out[3]. Returns the number of vector ISAs compared. */
static int run_all(const char *what, const sg_train_data *t, size_t steps, sg_train_result out[3])
{
    const sg_kernels *vec[SG_ISA_COUNT];
    const int nv = sgt_vector_kernels(vec);
    char err[256];
    for (int c = 0; c < 3; c++) {
        if (sg_train_run(sg_kernels_get(SG_ISA_SCALAR), t, conv[c], steps, 0.002f, &out[c], err,
                         sizeof err) != 0) {
            sgt_fail("%s: scalar run failed: %s", what, err);
            exit(1);
        }
        for (int v = 0; v < nv; v++) {
            sg_train_result r;
            if (sg_train_run(vec[v], t, conv[c], steps, 0.002f, &r, err, sizeof err) != 0) {
                sgt_fail("%s: run failed: %s", what, err);
                continue;
            }
            size_t step;
            const char *isa = sg_isa_name(vec[v]->isa);
            SGT_CHECK(sg_train_same_loss(&out[c], &r, &step),
                      "%s, %s, g0=%g: loss differs from scalar at step %zu", what, isa, (double)conv[c],
                      step);
            SGT_CHECK(sg_train_same_weights(t, &out[c], &r),
                      "%s, %s, g0=%g: final weights differ from scalar", what, isa, (double)conv[c]);
            SGT_CHECK(out[c].zeros == r.zeros && out[c].effective_zeros == r.effective_zeros &&
                          out[c].first_zero == r.first_zero && out[c].first_effective == r.first_effective &&
                          sg_train_first_update_diff(&out[c], &r) == SG_TRAIN_NEVER,
                      "%s, %s, g0=%g: zero facts or update digests differ", what, isa, (double)conv[c]);
            sg_train_result_free(&r);
        }
        /* The stored-mask backward pass (train --mask) on every ISA, scalar included: bit-identical
           to the unmasked scalar run, zeros and NaN lanes included. */
        for (int v = -1; v < nv; v++) {
            const sg_kernels *k = v < 0 ? sg_kernels_get(SG_ISA_SCALAR) : vec[v];
            sg_train_result r;
            if (sg_train_run_masked(k, t, conv[c], steps, 0.002f, &r, err, sizeof err) != 0) {
                sgt_fail("%s: masked run failed: %s", what, err);
                continue;
            }
            size_t step;
            const char *isa = sg_isa_name(k->isa);
            SGT_CHECK(sg_train_same_loss(&out[c], &r, &step) && sg_train_same_weights(t, &out[c], &r) &&
                          out[c].zeros == r.zeros,
                      "%s, %s, g0=%g: the masked backward pass differs from scalar (loss from step %zu)",
                      what, isa, (double)conv[c], step);
            sg_train_result_free(&r);
        }
    }
    return nv;
}

static void free3(sg_train_result r[3])
{
    for (int c = 0; c < 3; c++)
        sg_train_result_free(&r[c]);
}

static int test_default_data(void)
{
    sg_train_data t;
    char err[256];
    SGT_CHECK(sg_train_random(&t, 4, 2, 30, 1, 0, err, sizeof err) == 0, "random data: %s", err);
    SGT_CHECK(t.d == 3 && t.x[2] == 1.0f && t.x[5] == 1.0f && t.x[11] == 1.0f,
              "bias column of ones appended");
    sg_train_result r[3];
    const int nv = run_all("default data", &t, STEPS, r);
    SGT_CHECK(r[0].zeros == 0, "default data: h was exactly 0 %llu times", (unsigned long long)r[0].zeros);
    for (int c = 1; c < 3; c++) {
        SGT_CHECK(sg_train_same_loss(&r[0], &r[c], NULL) && sg_train_same_weights(&t, &r[0], &r[c]),
                  "default data: g0=%g differs from g0=1 although h is never 0", (double)conv[c]);
        /* No exact zero: the three conventions are bit-identical, every update and every fact. */
        SGT_CHECK(sg_train_first_update_diff(&r[0], &r[c]) == SG_TRAIN_NEVER && r[c].n_updates == STEPS &&
                      r[c].first_zero == SG_TRAIN_NEVER && r[c].first_effective == SG_TRAIN_NEVER &&
                      r[c].effective_zeros == 0 && !r[c].diverged && r[c].blowup == SG_BLOWUP_NONE,
                  "default data: g0=%g: facts say something happened", (double)conv[c]);
        SGT_CHECK(sg_train_max_rel_loss_gap(&r[0], &r[c]) == 0 &&
                      sg_train_weight_distance(&t, &r[0], &r[c]) == 0,
                  "default data: g0=%g: non-zero gap between identical runs", (double)conv[c]);
    }
    SGT_CHECK(r[0].loss[STEPS - 1] < r[0].loss[0], "training reduces the loss (%g -> %g)",
              (double)r[0].loss[0], (double)r[0].loss[STEPS - 1]);
    printf("default data: loss %.9g -> %.9g, %d vector ISA(s) bit-identical to scalar\n",
           (double)r[0].loss[0], (double)r[0].loss[STEPS - 1], nv);
    free3(r);
    sg_train_data_free(&t);
    return nv;
}

/* A deliberately wrong relu_grad for the negative control: h == 0 gets 0, whatever g0 says. */
static void relu_grad_ignoring_g0(size_t n, const float *h, const float *dy, float *dx, float grad_at_zero)
{
    (void)grad_at_zero;
    for (size_t i = 0; i < n; i++)
        dx[i] = h[i] > 0.0f ? dy[i] : h[i] != h[i] ? h[i] : 0.0f;
}

/* Writes t's arrays as .npy files and loads them back into *u (the path the CLI takes). */
static void via_npy(const sg_train_data *t, sg_train_data *u)
{
    char dir[] = "/tmp/sg-test-train-XXXXXX", path[4][300], err[256];
    if (!mkdtemp(dir)) {
        perror("mkdtemp");
        exit(1);
    }
    const char *names[4] = {"x", "y", "w1", "w2"};
    float *src[4] = {t->x, t->y, t->w1, t->w2}, *dst[4];
    const size_t rows[4] = {t->n, t->n, t->d, t->h}, cols[4] = {t->d, t->o, t->h, t->o};
    for (int i = 0; i < 4; i++) {
        snprintf(path[i], sizeof path[i], "%s/%s.npy", dir, names[i]);
        SGT_CHECK(sg_npy_write(path[i], src[i], rows[i], cols[i], err, sizeof err) == 0, "write %s: %s",
                  names[i], err);
        size_t r = 0, c = 0;
        SGT_CHECK(sg_npy_read(path[i], &dst[i], &r, &c, err, sizeof err) == 0, "read %s: %s", names[i], err);
        SGT_CHECK(r == rows[i] && c == cols[i], "%s shape round trip", names[i]);
        unlink(path[i]);
    }
    rmdir(dir);
    *u = (sg_train_data){t->n, t->d, t->h, t->o, dst[0], dst[1], dst[2], dst[3]};
}

static void test_crafted_zero_column(void)
{
    const size_t J = 5; /* hidden unit whose incoming weights are all zero */
    sg_train_data gen, t;
    char err[256];
    SGT_CHECK(sg_train_random(&gen, 4, 2, 30, 1, 7, err, sizeof err) == 0, "random data: %s", err);
    for (size_t p = 0; p < gen.d; p++)
        gen.w1[p * gen.h + J] = 0.0f;
    via_npy(&gen, &t);
    sg_train_data_free(&gen);

    sg_train_result r[3];
    run_all("zero column", &t, STEPS, r);
    const sg_train_result *g1 = &r[0], *g0 = &r[1], *ghalf = &r[2];

    /* g0 = 0: h[:, J] is +0 every step, its gradient is g0·dy = ±0, so column J never moves
       and every one of its N entries is counted as an exact zero every step. */
    bool col_zero = true;
    for (size_t p = 0; p < t.d; p++)
        col_zero &= sgt_bits(g0->w1[p * t.h + J]) == 0;
    SGT_CHECK(col_zero, "g0=0: w1[:, %zu] must stay exactly +0", J);
    SGT_CHECK(g0->w2[J] == t.w2[J], "g0=0: w2[%zu] must not move (relu(h[:, J]) is 0)", J);
    SGT_CHECK(g0->zeros >= (uint64_t)STEPS * t.n, "g0=0: expected >= %d exact zeros, got %llu", STEPS * 4,
              (unsigned long long)g0->zeros);
    /* g0 = 1 and 0.5: the column gets dy (or dy/2) and moves away from 0. */
    bool moved1 = false, moved_half = false;
    for (size_t p = 0; p < t.d; p++) {
        moved1 |= g1->w1[p * t.h + J] != 0.0f;
        moved_half |= ghalf->w1[p * t.h + J] != 0.0f;
    }
    SGT_CHECK(moved1 && moved_half, "g0=1 and g0=0.5: w1[:, %zu] must move", J);
    SGT_CHECK(!sg_train_same_weights(&t, g1, g0) && !sg_train_same_weights(&t, g1, ghalf) &&
                  !sg_train_same_weights(&t, g0, ghalf),
              "the three conventions must end with different weights");
    /* The first loss is the forward pass before any update: identical for every convention. */
    size_t step;
    SGT_CHECK(!sg_train_same_loss(g1, g0, &step) && step >= 1, "loss curves g0=1 vs 0 diverge after step 0");

    /* One step, exactly: with g0 = 0.5 the column's update is exactly half the g0 = 1 update
       (scaling by a power of two commutes with every rounding on the way, barring underflow). */
    sg_train_result one[3];
    for (int c = 0; c < 3; c++)
        SGT_CHECK(sg_train_run(sg_kernels_get(SG_ISA_SCALAR), &t, conv[c], 1, 0.002f, &one[c], err,
                               sizeof err) == 0,
                  "one step: %s", err);
    for (size_t p = 0; p < t.d; p++) {
        const float a = one[0].w1[p * t.h + J], b = one[2].w1[p * t.h + J];
        SGT_CHECK(a != 0.0f && b == 0.5f * a, "one step, w1[%zu][%zu]: g0=0.5 gives %a, half of g0=1 is %a",
                  p, J, (double)b, (double)(0.5f * a));
        SGT_CHECK(sgt_bits(one[1].w1[p * t.h + J]) == 0, "one step, g0=0: w1[%zu][%zu] stays +0", p, J);
    }
    /* Every other weight is unaffected by the convention in the first step. */
    for (size_t i = 0; i < t.d * t.h; i++)
        if (i % t.h != J)
            SGT_CHECK(sgt_bits(one[0].w1[i]) == sgt_bits(one[1].w1[i]), "one step: w1[%zu] depends on g0", i);
    printf("zero column: g0=1 loss %.9g, g0=0 loss %.9g, g0=0.5 loss %.9g after %d steps; %llu exact zeros "
           "with g0=0\n",
           (double)g1->loss[STEPS - 1], (double)g0->loss[STEPS - 1], (double)ghalf->loss[STEPS - 1], STEPS,
           (unsigned long long)g0->zeros);
    /* Negative control: a relu_grad that treats h == 0 like h < 0 (ignoring g0) must make the
       crafted data's conventions coincide, i.e. the checks above really depend on g0 reaching
       the kernel. */
    sg_kernels broken = *sg_kernels_get(SG_ISA_SCALAR);
    broken.relu_grad = relu_grad_ignoring_g0;
    sg_train_result b1, b0;
    SGT_CHECK(sg_train_run(&broken, &t, 1.0f, STEPS, 0.002f, &b1, err, sizeof err) == 0 &&
                  sg_train_run(&broken, &t, 0.0f, STEPS, 0.002f, &b0, err, sizeof err) == 0,
              "broken-table runs: %s", err);
    SGT_CHECK(sg_train_same_loss(&b1, &b0, NULL) && sg_train_same_weights(&t, &b1, &b0) &&
                  !sg_train_same_weights(&t, &b1, g1),
              "negative control: ignoring g0 must make g0=1 and g0=0 coincide and differ from the real g0=1");
    sg_train_result_free(&b1);
    sg_train_result_free(&b0);
    free3(one);
    free3(r);
    sg_train_data_free(&t);
}

/* A start crafted by hand, every value exact in float: one sample x = (1) (the bias only), two hidden
   units, w1 = (1, 1), w2 = (2, 1)ᵀ, y = 1, lr = 1/8. Step 0: h = (1, 1), y_pred = 3, g = 4,
   grad_w1 = (8, 4), so w1 becomes (1 - 1, 1 - 1/2) = (+0, 1/2) and w2 = (3/2, 1/2). Step 1: h = (+0, 1/2)
   — unit 0 is exactly 0 — y_pred = 1/4, g = -3/2, and its upstream gradient g·w2[0] = -9/4 is non-zero:
   an effective zero. So update 0 and the loss of steps 0 and 1 are the same for every convention, and
   update 1 moves w1[0] by -lr·g0·(-9/4): to 9/32 (g0 = 1), +0 (g0 = 0), 9/64 (g0 = 0.5). */
static void test_crafted_zero_at_step_1(void)
{
    static float x[1] = {1}, y[1] = {1}, w1[2] = {1, 1}, w2[2] = {2, 1};
    const sg_train_data t = {1, 1, 2, 1, x, y, w1, w2};
    static const float want_w1_0[3] = {9.0f / 32, 0.0f, 9.0f / 64};
    const sg_kernels *all[SG_ISA_COUNT + 1];
    int n_all = 0;
    sgt_all_kernels(all, &n_all);
    char err[256];
    for (int i = 0; i < n_all; i++)
        for (int masked = 0; masked < 2; masked++) {
            sg_train_result r[3];
            for (int c = 0; c < 3; c++) {
                const sg_train_opts o = {.g0 = conv[c], .steps = 3, .lr = 0.125f, .masked = masked};
                SGT_CHECK(sg_train_run_opts(all[i], &t, &o, &r[c], err, sizeof err) == 0, "crafted: %s", err);
            }
            const char *isa = sg_isa_name(all[i]->isa);
            for (int c = 0; c < 3; c++) {
                SGT_CHECK(r[c].loss[0] == 4.0f && r[c].loss[1] == 0.5625f,
                          "crafted, %s%s, g0=%g: losses %a %a, want 4 and 0.5625 (9/16)", isa,
                          masked ? " masked" : "", (double)conv[c], (double)r[c].loss[0],
                          (double)r[c].loss[1]);
                SGT_CHECK(r[c].first_zero == 1 && r[c].first_effective == 1 && r[c].zeros >= 1,
                          "crafted, %s, g0=%g: first zero %zu, first effective %zu, want 1 and 1", isa,
                          (double)conv[c], r[c].first_zero, r[c].first_effective);
            }
            for (int c = 1; c < 3; c++)
                SGT_CHECK(sg_train_first_update_diff(&r[0], &r[c]) == 1,
                          "crafted, %s%s: g0=%g vs 1: updates first differ at %zu, want 1", isa,
                          masked ? " masked" : "", (double)conv[c], sg_train_first_update_diff(&r[0], &r[c]));
            size_t step;
            SGT_CHECK(!sg_train_same_loss(&r[0], &r[1], &step) && step == 2,
                      "crafted, %s: loss first differs at %zu, want 2", isa, step);
            free3(r);
            for (int c = 0; c < 3; c++) {
                const sg_train_opts o = {.g0 = conv[c], .steps = 2, .lr = 0.125f, .masked = masked};
                SGT_CHECK(sg_train_run_opts(all[i], &t, &o, &r[c], err, sizeof err) == 0, "crafted: %s", err);
                SGT_CHECK(
                    sgt_bits(r[c].w1[0]) == sgt_bits(want_w1_0[c]) && r[c].w1[1] == 0.5f + 0.125f * 0.75f,
                    "crafted, %s, g0=%g: w1 after update 1 = (%a, %a), want (%a, %a)", isa, (double)conv[c],
                    (double)r[c].w1[0], (double)r[c].w1[1], (double)want_w1_0[c], 0.5 + 0.125 * 0.75);
            }
            free3(r);
        }
}

/* The f32 start that first hits h == 0 at a known step: XOR data, seed 2 (found by `simdgrad train
   --data xor --seed 2`; pinned, since the RNG stream and the kernels are contracts). Entry h[0][j] is
   exactly +0 at step 197 for the first time, with a non-zero upstream gradient; so the three
   conventions must make the same 197 updates bit for bit, differ in update 197, and their loss curves
   must first differ at step 198. On every ISA (run_all), plain and masked. */
#define PINNED_SEED 2
#define PINNED_STEP 197
static void test_zero_at_known_step(void)
{
    sg_train_data t;
    char err[256];
    SGT_CHECK(sg_train_xor(&t, 30, PINNED_SEED, err, sizeof err) == 0, "xor data: %s", err);
    sg_train_result r[3];
    run_all("xor seed 2", &t, STEPS, r);
    for (int c = 0; c < 3; c++) {
        SGT_CHECK(
            r[c].first_zero == PINNED_STEP && r[c].first_effective == PINNED_STEP &&
                r[c].effective_zeros > 0 && r[c].effective_zeros <= r[c].zeros,
            "xor seed 2, g0=%g: first zero at %zu, first effective at %zu (want %d), %llu of %llu effective",
            (double)conv[c], r[c].first_zero, r[c].first_effective, PINNED_STEP,
            (unsigned long long)r[c].effective_zeros, (unsigned long long)r[c].zeros);
    }
    for (int a = 0; a < 3; a++)
        for (int b = a + 1; b < 3; b++) {
            size_t step;
            const size_t upd = sg_train_first_update_diff(&r[a], &r[b]);
            SGT_CHECK(upd == PINNED_STEP, "xor seed 2, g0=%g vs %g: updates first differ at %zu, want %d",
                      (double)conv[a], (double)conv[b], upd, PINNED_STEP);
            SGT_CHECK(!sg_train_same_loss(&r[a], &r[b], &step) && step == PINNED_STEP + 1,
                      "xor seed 2, g0=%g vs %g: loss first differs at %zu, want %d", (double)conv[a],
                      (double)conv[b], step, PINNED_STEP + 1);
            SGT_CHECK(sg_train_max_rel_loss_gap(&r[a], &r[b]) > 0 &&
                          sg_train_weight_distance(&t, &r[a], &r[b]) > 0,
                      "xor seed 2: the size of the divergence is 0");
        }
    free3(r);
    /* Stopped just before the zero: nothing happened yet, the three runs are bit-identical. */
    run_all("xor seed 2, 197 steps", &t, PINNED_STEP, r);
    for (int c = 0; c < 3; c++)
        SGT_CHECK(r[c].zeros == 0 && r[c].first_zero == SG_TRAIN_NEVER &&
                      sg_train_first_update_diff(&r[0], &r[c]) == SG_TRAIN_NEVER &&
                      sg_train_same_weights(&t, &r[0], &r[c]) && sg_train_same_loss(&r[0], &r[c], NULL),
                  "xor seed 2, 197 steps, g0=%g: differs before the first zero", (double)conv[c]);
    free3(r);
    sg_train_data_free(&t);
}

/* Numerical divergence is a fact of the run, with its kind and step: a negative learning rate (gradient
   ascent: the loss grows past the bound), an overflowing one (a weight becomes inf in the first
   update), NaN in the data (the first loss is NaN). */
static void test_blowups(void)
{
    sg_train_data t;
    char err[256];
    SGT_CHECK(sg_train_random(&t, 4, 2, 30, 1, 0, err, sizeof err) == 0, "random data: %s", err);
    const sg_kernels *all[SG_ISA_COUNT + 1];
    int n_all = 0;
    sgt_all_kernels(all, &n_all);
    for (int i = 0; i < n_all; i++) {
        const char *isa = sg_isa_name(all[i]->isa);
        sg_train_result r;
        SGT_CHECK(sg_train_run(all[i], &t, 1.0f, STEPS, -1.0f, &r, err, sizeof err) == 0, "lr -1: %s", err);
        SGT_CHECK(r.diverged && r.steps < STEPS && r.blowup != SG_BLOWUP_NONE &&
                      (r.blowup != SG_BLOWUP_BOUND || r.loss[r.steps - 1] > SG_TRAIN_MAX_LOSS),
                  "%s, lr -1: not flagged (diverged %d, %zu steps, %s)", isa, r.diverged, r.steps,
                  sg_train_blowup_name(r.blowup));
        sg_train_result_free(&r);
        SGT_CHECK(sg_train_run(all[i], &t, 1.0f, STEPS, 3e38f, &r, err, sizeof err) == 0, "lr 3e38: %s", err);
        SGT_CHECK(r.diverged && r.steps == 1 && r.n_updates == 1 && r.blowup == SG_BLOWUP_INF,
                  "%s, lr 3e38: want inf in the weights after update 0 (%zu steps, %s)", isa, r.steps,
                  sg_train_blowup_name(r.blowup));
        sg_train_result_free(&r);
        const sg_train_opts quick = {.g0 = 1.0f, .steps = STEPS, .lr = 3e38f, .no_digests = true};
        SGT_CHECK(sg_train_run_opts(all[i], &t, &quick, &r, err, sizeof err) == 0, "lr 3e38: %s", err);
        SGT_CHECK(r.diverged && r.steps == 1 && r.n_updates == 0 && r.blowup == SG_BLOWUP_INF,
                  "%s, lr 3e38 without digests: want inf in the weights after update 0 (%zu steps, %s)", isa,
                  r.steps, sg_train_blowup_name(r.blowup));
        sg_train_result_free(&r);
        const float keep = t.x[4];
        t.x[4] = sgt_f32(0x7fc00000u);
        SGT_CHECK(sg_train_run(all[i], &t, 0.5f, STEPS, 0.002f, &r, err, sizeof err) == 0, "NaN x: %s", err);
        SGT_CHECK(r.diverged && r.steps == 1 && r.n_updates == 0 && r.blowup == SG_BLOWUP_NAN,
                  "%s, NaN in x: want a NaN loss at step 0 (%zu steps, %s)", isa, r.steps,
                  sg_train_blowup_name(r.blowup));
        t.x[4] = keep;
        sg_train_result_free(&r);
    }
    sg_train_data_free(&t);
}

static void test_xor(void)
{
    sg_train_data t;
    char err[256];
    SGT_CHECK(sg_train_xor(&t, 30, 0, err, sizeof err) == 0, "xor data: %s", err);
    static const float x[12] = {0, 0, 1, 0, 1, 1, 1, 0, 1, 1, 1, 1}, y[4] = {0, 1, 1, 0};
    SGT_CHECK(memcmp(t.x, x, sizeof x) == 0 && memcmp(t.y, y, sizeof y) == 0, "xor points, bias, labels");
    sg_train_result r[3];
    run_all("xor", &t, STEPS, r);
    free3(r);
    sg_train_data_free(&t);
}

static void test_rng_pinned(void)
{
    /* The stream is a contract (docs/train.md): same numbers on every platform. The first value is
       the published xoshiro256** output for splitmix64-seeded state with seed 0; the normals were
       checked identical on x86-64 and on aarch64 (qemu). */
    sg_rng r;
    sg_rng_seed(&r, 0);
    static const uint64_t want_u64[3] = {0x99ec5f36cb75f2b4u, 0xbf6e1f784956452au, 0x1a5f849d4933e6e0u};
    for (int i = 0; i < 3; i++) {
        const uint64_t v = sg_rng_next(&r);
        SGT_CHECK(v == want_u64[i], "xoshiro256** output %d: %016llx", i, (unsigned long long)v);
    }
    sg_rng_seed(&r, 0);
    static const uint32_t want_f[6] = {0x3f191d41u, 0x3fbb52a8u, 0xbf65222au,
                                       0xbe409387u, 0xc01a994du, 0x3f8db90au};
    for (int i = 0; i < 6; i++) {
        const float v = (float)sg_rng_normal(&r);
        SGT_CHECK(sgt_bits(v) == want_f[i], "normal %d: %a (bits %08x)", i, (double)v, sgt_bits(v));
    }
}

static void test_limits(void)
{
    char err[256];
    SGT_CHECK(sg_train_check_sizes(4, 3, 30, 1, 200, err, sizeof err) == 0, "default sizes accepted");
    SGT_CHECK(sg_train_check_sizes(0, 3, 30, 1, 200, err, sizeof err) == -1, "N=0 rejected");
    SGT_CHECK(sg_train_check_sizes(4, 3, 30, 1, 0, err, sizeof err) == -1, "0 steps rejected");
    SGT_CHECK(sg_train_check_sizes(SIZE_MAX / 2, 3, 30, 1, 1, err, sizeof err) == -1,
              "overflowing N rejected");
    SGT_CHECK(sg_train_check_sizes((size_t)1 << 32, (size_t)1 << 32, 1, 1, 1, err, sizeof err) == -1,
              "N·D overflowing size_t rejected");
    SGT_CHECK(sg_train_check_sizes(100000, 3, 1000, 1, 1, err, sizeof err) == -1 && strstr(err, "limit"),
              "working set over the limit rejected: %s", err);
    /* H = 8e6: one run (864 MB) fits 1 GiB, but three runs keep 2 × 128 MB of results on top. */
    SGT_CHECK(sg_train_check_runs(4, 3, 8000000, 1, 200, 1, err, sizeof err) == 0, "one big run fits: %s",
              err);
    SGT_CHECK(sg_train_check_runs(4, 3, 8000000, 1, 200, 3, err, sizeof err) == -1 && strstr(err, "3 runs"),
              "three big runs rejected: %s", err);
}

/* The fused step (sg_train_run: the table's own train_step) against the seven calls (sg_train_run_unfused)
   on every table, scalar included, and every table against scalar's unfused run: loss curves, final
   weights, zero counts, the run's facts (effective zeros, first steps, blowup, every update's digest) and
   divergence bit for bit. Random data over many seeds at lr 0.002 (and 0.05, where
   more units die and some runs blow up), XOR data (exact zeros in h, so the conventions split), and one
   other shape (the ISAs' unfused fallback inside train_step). */
static void test_fused(void)
{
    const sg_kernels *all[SG_ISA_COUNT + 1];
    int n_all = 0;
    sgt_all_kernels(all, &n_all);
    char err[256];
    const size_t seeds = sgt_scaled(60, 6);
    unsigned long runs = 0, diverged = 0;
    uint64_t zeros = 0;
    for (size_t seed = 0; seed < seeds; seed++) {
        sg_train_data t;
        const int kind = (int)(seed % 4); /* random, random at a high lr, xor, another shape */
        const int ok = kind == 2   ? sg_train_xor(&t, 30, seed, err, sizeof err)
                       : kind == 3 ? sg_train_random(&t, 5, 3, 17, 2, seed, err, sizeof err)
                                   : sg_train_random(&t, 4, 2, 30, 1, seed, err, sizeof err);
        if (!SGT_CHECK(ok == 0, "data for seed %zu: %s", seed, err))
            continue;
        const float lr = kind == 1 ? 0.05f : 0.002f;
        const size_t steps = kind == 2 ? 1000 : STEPS;
        const float g0 = conv[seed % 3];
        sg_train_result ref;
        if (!SGT_CHECK(sg_train_run_unfused(all[0], &t, g0, steps, lr, &ref, err, sizeof err) == 0, "%s",
                       err)) {
            sg_train_data_free(&t);
            continue;
        }
        for (int a = 0; a < n_all; a++)
            for (int fused = 0; fused < 3; fused++) { /* 2: fused without the update digests (bench) */
                sg_train_result r;
                const sg_train_opts o = {
                    .g0 = g0, .steps = steps, .lr = lr, .unfused = fused == 0, .no_digests = fused == 2};
                const int rc = sg_train_run_opts(all[a], &t, &o, &r, err, sizeof err);
                if (!SGT_CHECK(rc == 0, "%s", err))
                    continue;
                size_t step;
                const char *isa = sg_isa_name(all[a]->isa);
                const char *how = fused == 2 ? "fused, no digests" : fused ? "fused" : "unfused";
                if (fused == 2) { /* nothing recorded, so nothing to compare; put the reference's in */
                    SGT_CHECK(r.n_updates == 0 && r.updates, "seed %zu %s %s: %zu digests recorded", seed,
                              isa, how, r.n_updates);
                    const size_t nu = ref.n_updates < r.steps ? ref.n_updates : r.steps;
                    for (size_t u = 0; u < nu; u++)
                        r.updates[u] = ref.updates[u];
                    r.n_updates = ref.n_updates;
                }
                SGT_CHECK(sg_train_same_loss(&ref, &r, &step),
                          "seed %zu %s %s g0=%g: loss differs at step %zu", seed, isa, how, (double)g0, step);
                SGT_CHECK(sg_train_same_weights(&t, &ref, &r), "seed %zu %s %s g0=%g: final weights differ",
                          seed, isa, how, (double)g0);
                SGT_CHECK(
                    ref.effective_zeros == r.effective_zeros && ref.first_zero == r.first_zero &&
                        ref.first_effective == r.first_effective && ref.blowup == r.blowup &&
                        ref.n_updates == r.n_updates &&
                        sg_train_first_update_diff(&ref, &r) == SG_TRAIN_NEVER,
                    "seed %zu %s %s: the run's facts (effective zeros, first steps, blowup, update digests) "
                    "differ",
                    seed, isa, how);
                SGT_CHECK(ref.zeros == r.zeros && ref.diverged == r.diverged,
                          "seed %zu %s %s: zeros %llu/%llu, diverged %d/%d", seed, isa, how,
                          (unsigned long long)r.zeros, (unsigned long long)ref.zeros, r.diverged,
                          ref.diverged);
                runs++;
                sg_train_result_free(&r);
            }
        diverged += ref.diverged;
        zeros += ref.zeros;
        sg_train_result_free(&ref);
        sg_train_data_free(&t);
    }
    printf("fused vs unfused: %lu runs over %zu seeds on %d tables, bit-identical (%lu diverged, %llu exact "
           "zeros in h)\n",
           runs, seeds, n_all, diverged, (unsigned long long)zeros);
}

/* Without digests a fused run checks its weights once per SG_TRAIN_CHECK_EVERY steps and replays the
   block when a check fails (src/train.c): the result must be the eager run's bit for bit — steps, kind of
   blowup, loss curve, weights, zero counts and first steps. Both ways into a replay are taken: learning
   rates from 0.01 to 3e38 (and negative) make the loss diverge at many steps, and at the largest ones an
   update overflows a weight inside a block, whose next loss then diverges; and a unit whose bias weight is
   -inf from the start is dead (h = -inf, relu 0, no gradient), so its weight stays -inf while every loss
   stays finite and only the check at the block's end sees it. */
static int same_run(const char *what, const sg_train_data *t, const sg_train_result *e,
                    const sg_train_result *z)
{
    size_t step;
    int ok = SGT_CHECK(e->steps == z->steps && e->diverged == z->diverged && e->blowup == z->blowup,
                       "%s: eager %zu steps (%s), lazy %zu steps (%s)", what, e->steps,
                       sg_train_blowup_name(e->blowup), z->steps, sg_train_blowup_name(z->blowup));
    ok &= SGT_CHECK(sg_train_same_loss(e, z, &step), "%s: loss differs at step %zu", what, step);
    ok &= SGT_CHECK(sg_train_same_weights(t, e, z), "%s: final weights differ", what);
    ok &= SGT_CHECK(e->zeros == z->zeros && e->effective_zeros == z->effective_zeros &&
                        e->first_zero == z->first_zero && e->first_effective == z->first_effective,
                    "%s: zero counts or first steps differ", what);
    return ok;
}

static void test_lazy_weight_check(void)
{
    const sg_kernels *all[SG_ISA_COUNT + 1];
    int n_all = 0;
    sgt_all_kernels(all, &n_all);
    char err[256], what[128];
    unsigned long runs = 0, by_weights = 0, dead = 0;
    const float lrs[] = {0.01f, 0.1f, 1.0f, 10.0f, 1e4f, 1e16f, 1e30f, 1e37f, 3e38f, -0.5f, -30.0f, -3e38f};
    for (size_t seed = 0; seed < sgt_scaled(8, 2); seed++) {
        sg_train_data t;
        const int ok = seed % 2 ? sg_train_xor(&t, 30, seed, err, sizeof err)
                                : sg_train_random(&t, 4, 2, 30, 1, seed, err, sizeof err);
        if (!SGT_CHECK(ok == 0, "data for seed %zu: %s", seed, err))
            continue;
        for (size_t l = 0; l <= sizeof lrs / sizeof lrs[0]; l++) {
            const bool dead_unit = l == sizeof lrs / sizeof lrs[0]; /* last: lr 0.002, w1[bias][5] = -inf */
            const float lr = dead_unit ? 0.002f : lrs[l];
            const float keep = t.w1[2 * 30 + 5];
            if (dead_unit)
                t.w1[2 * 30 + 5] = -INFINITY;
            for (int a = 0; a < n_all; a++) {
                const float g0 = conv[(seed + l) % 3];
                const sg_train_opts eager = {.g0 = g0, .steps = STEPS, .lr = lr};
                const sg_train_opts lazy = {.g0 = g0, .steps = STEPS, .lr = lr, .no_digests = true};
                sg_train_result e, z;
                if (!SGT_CHECK(sg_train_run_opts(all[a], &t, &eager, &e, err, sizeof err) == 0, "%s", err))
                    continue;
                if (!SGT_CHECK(sg_train_run_opts(all[a], &t, &lazy, &z, err, sizeof err) == 0, "%s", err)) {
                    sg_train_result_free(&e);
                    continue;
                }
                snprintf(what, sizeof what, "seed %zu lr %g%s %s", seed, (double)lr,
                         dead_unit ? " dead unit" : "", sg_isa_name(all[a]->isa));
                same_run(what, &t, &e, &z);
                const float last = e.loss[e.steps - 1];
                /* Ended by the weight check: the last loss was finite, the update after it was not. */
                const bool weights = e.diverged && e.blowup != SG_BLOWUP_BOUND && last - last == 0.0f;
                by_weights += weights && e.steps % SG_TRAIN_CHECK_EVERY != 0;
                if (dead_unit)
                    dead += SGT_CHECK(weights && e.steps == 1 && e.blowup == SG_BLOWUP_INF,
                                      "%s: want inf in the weights after update 0 (%zu steps, %s)", what,
                                      e.steps, sg_train_blowup_name(e.blowup));
                runs++;
                sg_train_result_free(&e);
                sg_train_result_free(&z);
            }
            t.w1[2 * 30 + 5] = keep;
        }
        sg_train_data_free(&t);
    }
    printf("lazy weight check: %lu runs bit-identical to the eager check; %lu ended by a non-finite weight "
           "inside "
           "a block, %lu of them with a dead unit (finite losses to the block's end)\n",
           runs, by_weights, dead);
    SGT_CHECK(by_weights > dead && dead > 0, "the replay was not exercised both ways (%lu, %lu)", by_weights,
              dead);
}

int main(void)
{
    sgt_install_fault_handler();
    test_rng_pinned();
    test_limits();
    const int nv = test_default_data();
    test_crafted_zero_column();
    test_crafted_zero_at_step_1();
    test_zero_at_known_step();
    test_blowups();
    test_xor();
    test_fused();
    test_lazy_weight_check();
    return sgt_finish("test_train", nv);
}
