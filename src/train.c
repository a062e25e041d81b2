/* See train.h. Built with -ffp-contract=off (src/meson.build): the loss, its gradient and the
 * weight update must round the same way whatever the target, so no multiply-add may be fused
 * here; only the kernels (which the contract pins down) decide about fusion. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "errbuf.h"
#include "rng.h"
#include "train.h"

/* a*b into *out unless it overflows size_t. */
static bool mul_ok(size_t a, size_t b, size_t *out)
{
    if (a && b > SIZE_MAX / a)
        return false;
    *out = a * b;
    return true;
}

static bool add_ok(size_t a, size_t b, size_t *out)
{
    if (b > SIZE_MAX - a)
        return false;
    *out = a + b;
    return true;
}

int sg_train_check_runs(size_t n, size_t d, size_t h, size_t o, size_t steps, size_t runs, char *err,
                        size_t err_len)
{
    return sg_train_check_plan(n, d, h, o, steps, runs, false, err, err_len);
}

int sg_train_check_plan(size_t n, size_t d, size_t h, size_t o, size_t steps, size_t runs, bool rounded,
                        char *err, size_t err_len)
{
    if (!n || !d || !h || !o)
        SG_FAIL("sizes must be at least 1 (N=%zu, D=%zu, H=%zu, O=%zu)", n, d, h, o);
    if (steps < 1 || steps > SG_TRAIN_MAX_STEPS)
        SG_FAIL("steps must be between 1 and %zu", SG_TRAIN_MAX_STEPS);
    /* One run holds: inputs x, y, w1, w2; h, relu(h), grad_h_relu (n×h each); y_pred and g (n×o each);
       grad_w1, grad_w2 and the lr·grad scratch; the result's weights and loss curve. Runs are
       sequential, but each earlier run's result (weights and loss curve) is kept for comparison. */
    size_t nd = 0, no = 0, dh = 0, ho = 0, nh = 0, total = 0, kept = 0, others = 0;
    bool ok =
        mul_ok(n, d, &nd) && mul_ok(n, o, &no) && mul_ok(d, h, &dh) && mul_ok(h, o, &ho) && mul_ok(n, h, &nh);
    /* Plus two floats' worth per step for the update digests and, with reduced precision (rounded),
       one rounded copy of each matmul operand (x, w1, h_relu, w2, g, grad_h). */
    const size_t r_ = rounded ? 1 : 0;
    size_t parts[] = {
        nd, no, dh,    ho,    nh,    nh,      nh,      no,      no,      dh,      ho,     dh > ho ? dh : ho,
        dh, ho, steps, steps, steps, nd * r_, dh * r_, nh * r_, ho * r_, no * r_, nh * r_};
    for (size_t i = 0; ok && i < sizeof parts / sizeof parts[0]; i++)
        ok = add_ok(total, parts[i], &total);
    ok = ok && add_ok(dh, ho, &kept) && add_ok(kept, steps, &kept) && add_ok(kept, steps, &kept) &&
         add_ok(kept, steps, &kept) && mul_ok(kept, runs ? runs - 1 : 0, &others) &&
         add_ok(total, others, &total);
    if (!ok || total > SG_TRAIN_MAX_BYTES / sizeof(float))
        SG_FAIL("sizes N=%zu D=%zu H=%zu O=%zu steps=%zu (%zu run%s) need more than the limit of %zu MiB", n,
                d, h, o, steps, runs, runs == 1 ? "" : "s", SG_TRAIN_MAX_BYTES >> 20);
    return 0;
}

int sg_train_check_sizes(size_t n, size_t d, size_t h, size_t o, size_t steps, char *err, size_t err_len)
{
    return sg_train_check_runs(n, d, h, o, steps, 1, err, err_len);
}

int sg_train_alloc(sg_train_data *t, size_t n, size_t d, size_t h, size_t o, char *err, size_t err_len)
{
    memset(t, 0, sizeof *t);
    if (sg_train_check_sizes(n, d, h, o, 1, err, err_len) != 0)
        return -1;
    t->n = n, t->d = d, t->h = h, t->o = o;
    t->x = malloc(n * d * sizeof(float));
    t->y = malloc(n * o * sizeof(float));
    t->w1 = malloc(d * h * sizeof(float));
    t->w2 = malloc(h * o * sizeof(float));
    if (!t->x || !t->y || !t->w1 || !t->w2) {
        sg_train_data_free(t);
        SG_FAIL("out of memory");
    }
    return 0;
}

void sg_train_data_free(sg_train_data *t)
{
    free(t->x);
    free(t->y);
    free(t->w1);
    free(t->w2);
    memset(t, 0, sizeof *t);
}

/* Rows of x from n×d_in values in src, each followed by a bias 1. */
static void append_bias(float *x, const float *src, size_t n, size_t d_in)
{
    for (size_t i = 0; i < n; i++) {
        memcpy(x + i * (d_in + 1), src + i * d_in, d_in * sizeof(float));
        x[i * (d_in + 1) + d_in] = 1.0f;
    }
}

int sg_train_random(sg_train_data *t, size_t n, size_t d_in, size_t h, size_t o, uint64_t seed, char *err,
                    size_t err_len)
{
    if (d_in == SIZE_MAX)
        SG_FAIL("d-in too large");
    if (sg_train_alloc(t, n, d_in + 1, h, o, err, err_len) != 0)
        return -1;
    sg_rng r;
    sg_rng_seed(&r, seed);
    float *raw = malloc((n * d_in + 1) * sizeof(float)); /* +1: never malloc(0) */
    if (!raw) {
        sg_train_data_free(t);
        SG_FAIL("out of memory");
    }
    sg_rng_fill_normal(&r, raw, n * d_in);
    append_bias(t->x, raw, n, d_in);
    free(raw);
    sg_rng_fill_normal(&r, t->y, n * o);
    sg_rng_fill_normal(&r, t->w1, t->d * h);
    sg_rng_fill_normal(&r, t->w2, h * o);
    return 0;
}

int sg_train_xor(sg_train_data *t, size_t h, uint64_t seed, char *err, size_t err_len)
{
    static const float pts[8] = {0, 0, 0, 1, 1, 0, 1, 1}, labels[4] = {0, 1, 1, 0};
    if (sg_train_alloc(t, 4, 3, h, 1, err, err_len) != 0)
        return -1;
    append_bias(t->x, pts, 4, 2);
    memcpy(t->y, labels, sizeof labels);
    sg_rng r;
    sg_rng_seed(&r, seed);
    sg_rng_fill_normal(&r, t->w1, 3 * h);
    sg_rng_fill_normal(&r, t->w2, h);
    return 0;
}

/* w -= lr*grad as two roundings: the product first, then the difference. */
static void sgd_update(float *w, const float *grad, float *scratch, size_t n, float lr)
{
    for (size_t i = 0; i < n; i++)
        scratch[i] = lr * grad[i];
    for (size_t i = 0; i < n; i++)
        w[i] = w[i] - scratch[i];
}

/* Digest of the weights' bits, four FNV-1a-style lanes over 64-bit words (two floats each; four
   independent multiply chains instead of one long one: this runs every step). Equal weights give equal
   digests; different weights collide with negligible probability, which is all
   sg_train_first_update_diff needs. *bad gets the sign bit of a 32-bit half set when that float's
   exponent is all ones (inf or NaN): adding 1 to an all-ones exponent field carries into the sign bit,
   any other exponent does not, and the low half's carry stops there. */
static void digest(uint64_t lane[4], const float *w, size_t n, uint64_t *bad)
{
    const uint64_t exp = 0x7f8000007f800000u, one = 0x0080000000800000u, p = 0x100000001b3u;
    uint64_t any = 0;
    size_t i = 0;
    for (; i + 8 <= n; i += 8)
        for (int l = 0; l < 4; l++) {
            uint64_t u;
            memcpy(&u, &w[i + 2 * (size_t)l], 8);
            any |= (u & exp) + one;
            lane[l] = (lane[l] ^ u) * p;
        }
    for (; i < n; i++) {
        uint32_t u;
        memcpy(&u, &w[i], 4);
        any |= (uint64_t)((u & 0x7f800000u) + 0x00800000u);
        lane[i % 4] = (lane[i % 4] ^ u) * p;
    }
    *bad |= any & 0x8000000080000000u;
}

/* Non-zero when some float's exponent is all ones (inf or NaN): digest's carry test alone, in 32-bit words
   that the compiler can vectorize. */
static uint64_t nonfinite_bits(const float *w, size_t n)
{
    uint32_t any = 0;
    for (size_t i = 0; i < n; i++) {
        uint32_t u;
        memcpy(&u, &w[i], 4);
        any |= (u & 0x7f800000u) + 0x00800000u;
    }
    return any & 0x80000000u;
}

/* Back to the start of a block (sg_train_run_opts' lazy weight check): the weights and the facts gathered
   so far, keeping the result's arrays (their entries from the block on are rewritten by the replay). */
static void replay_block(sg_train_result *r, const sg_train_result *saved, float *w1, float *w2,
                         const float *saved_w, size_t dh, size_t ho)
{
    memcpy(w1, saved_w, dh * sizeof(float));
    memcpy(w2, saved_w + dh, ho * sizeof(float));
    float *loss = r->loss;
    uint64_t *updates = r->updates;
    *r = *saved;
    r->loss = loss;
    r->updates = updates;
}

/* NaN beats inf: a weight vector holding both reports NaN. */
static sg_train_blowup weights_blowup(const float *w, size_t n, sg_train_blowup b)
{
    for (size_t i = 0; i < n && b != SG_BLOWUP_NAN; i++)
        if (w[i] != w[i])
            b = SG_BLOWUP_NAN;
        else if (w[i] - w[i] != 0.0f)
            b = SG_BLOWUP_INF;
    return b;
}

/* The operand rounding hook: the matmul's operand src as the emulated precision sees it, in dst (or
   src itself for f32, which costs nothing). */
static const float *operand(const sg_kernels *k, sg_precision p, const float *src, float *dst, size_t n)
{
    if (p == SG_PREC_BF16)
        k->round_bf16(n, src, dst);
    else if (p == SG_PREC_FP16)
        k->round_fp16(n, src, dst);
    else
        return src;
    return dst;
}

/* Whether a run hands each step to k->train_step: only when the table has a step of its own. The
   reference's (what a table that does not implement the family holds) calls the reference kernels
   directly, which would bypass the table's matmul/relu/relu_grad: a table with vector kernels but no
   step of its own, or a test's table with one kernel replaced, must run the seven calls. */
static bool own_step(const sg_kernels *k)
{
    return k->train_step != sg_kernels_get(SG_ISA_SCALAR)->train_step;
}

int sg_train_run_opts(const sg_kernels *k, const sg_train_data *t, const sg_train_opts *opt,
                      sg_train_result *r, char *err, size_t err_len)
{
    memset(r, 0, sizeof *r);
    const size_t steps = opt->steps;
    const float lr = opt->lr, g0 = opt->g0;
    const bool masked = opt->masked;
    const sg_precision prec = opt->precision;
    if (prec >= SG_PREC_COUNT) {
        snprintf(err, err_len, "unknown precision %d", (int)prec);
        return -1;
    }
    if (sg_train_check_plan(t->n, t->d, t->h, t->o, steps, 1, prec != SG_PREC_F32, err, err_len) != 0)
        return -1;
    const size_t n = t->n, d = t->d, hd = t->h, o = t->o;
    const size_t nh = n * hd, no = n * o, dh = d * hd, ho = hd * o, nd = n * d;
    const bool q = prec != SG_PREC_F32;
    float *h = malloc(nh * sizeof(float)), *hr = malloc(nh * sizeof(float)),
          *ghr = malloc(nh * sizeof(float));
    uint8_t *mask = malloc((nh + 3) / 4 + 1);
    float *yp = malloc(no * sizeof(float)), *g = malloc(no * sizeof(float));
    float *gw1 = malloc(dh * sizeof(float)), *gw2 = malloc(ho * sizeof(float));
    float *scratch = malloc((dh > ho ? dh : ho) * sizeof(float));
    /* Rounded operands (reduced precision only): one buffer per matmul operand. */
    float *qbuf = q ? malloc((nd + dh + nh + ho + no + nh) * sizeof(float)) : NULL;
    /* The fused step (simdgrad.h, train_step) for plain f32 runs. Beyond a small step the calls' overhead
       is lost in their work, and the step's scratch would double what the size check accounted for. */
    const bool fused = !opt->unfused && !masked && !q && own_step(k) &&
                       SG_TRAIN_STEP_WORK(n, d, hd, o) <= SG_TRAIN_FUSED_MAX_WORK;
    /* Without digests, a fused run checks its weights for inf and NaN once per SG_TRAIN_CHECK_EVERY steps
       instead of after every update (the check cost a fifth of a fused step): a non-finite weight stays
       non-finite under every later update (inf - x is inf or NaN, NaN - x is NaN), so a finite block end
       proves every update of the block finite. When a check fails, the block is run again from a copy of
       its starting state with the check after every update, which gives the eager run's result bit for
       bit (the steps are deterministic). The copy lives after the step's scratch. */
    const bool lazy = fused && opt->no_digests;
    const size_t work_floats = SG_TRAIN_STEP_WORK(n, d, hd, o) + (lazy ? dh + ho : 0);
    float *work = fused ? malloc(work_floats * sizeof(float)) : NULL;
    r->loss = malloc(steps * sizeof(float));
    r->w1 = malloc(dh * sizeof(float));
    r->w2 = malloc(ho * sizeof(float));
    r->updates = malloc(steps * sizeof(uint64_t));
    int rc = 0;
    if (!h || !hr || !ghr || !mask || !yp || !g || !gw1 || !gw2 || !scratch || (q && !qbuf) ||
        (fused && !work) || !r->loss || !r->w1 || !r->w2 || !r->updates) {
        sg_train_result_free(r);
        snprintf(err, err_len, "out of memory");
        rc = -1;
        goto out;
    }
    float *xq = qbuf, *w1q = xq + (q ? nd : 0), *hrq = w1q + (q ? dh : 0), *w2q = hrq + (q ? nh : 0),
          *gq = w2q + (q ? ho : 0), *ghrq = gq + (q ? no : 0);
    r->steps = steps;
    r->first_zero = r->first_effective = SG_TRAIN_NEVER;
    float *w1 = r->w1, *w2 = r->w2;
    memcpy(w1, t->w1, dh * sizeof(float));
    memcpy(w2, t->w2, ho * sizeof(float));
    const float *x = operand(k, prec, t->x, xq, nd); /* x never changes: rounded once */
    float *saved_w = lazy ? work + SG_TRAIN_STEP_WORK(n, d, hd, o) : NULL;
    size_t every = lazy ? SG_TRAIN_CHECK_EVERY : 1, block = 0;
    sg_train_result saved = *r;
    for (size_t s = 0; s < steps; s++) {
        if (every > 1 && s % every == 0) { /* a block starts: what a replay would start from */
            memcpy(saved_w, w1, dh * sizeof(float));
            memcpy(saved_w + dh, w2, ho * sizeof(float));
            saved = *r;
            block = s;
        }
        if (fused) { /* the same step as the calls below, in one call; the same facts from its counts */
            uint64_t counts[2];
            k->train_step(n, d, hd, o, x, t->y, w1, w2, lr, g0, SG_TRAIN_MAX_LOSS, work, &r->loss[s], counts);
            const float loss = r->loss[s];
            r->zeros += counts[0];
            if (counts[0] && r->first_zero == SG_TRAIN_NEVER)
                r->first_zero = s;
            if (!(loss <= SG_TRAIN_MAX_LOSS)) {
                if (every > 1 && (nonfinite_bits(w1, dh) | nonfinite_bits(w2, ho))) {
                    replay_block(r, &saved, w1, w2, saved_w, dh, ho);
                    every = 1;
                    s = block - 1;
                    continue;
                }
                r->diverged = true;
                r->blowup = loss != loss          ? SG_BLOWUP_NAN
                            : loss - loss != 0.0f ? SG_BLOWUP_INF
                                                  : SG_BLOWUP_BOUND;
                r->steps = s + 1;
                break;
            }
            r->effective_zeros += counts[1];
            if (counts[1] && r->first_effective == SG_TRAIN_NEVER)
                r->first_effective = s;
            goto updated;
        }
        /* Forward: h = x·w1, h_relu = relu(h), y_pred = h_relu·w2. */
        const float *w1o = operand(k, prec, w1, w1q, dh), *w2o = operand(k, prec, w2, w2q, ho);
        k->matmul(SG_NO_TRANS, SG_NO_TRANS, n, hd, d, x, d, w1o, hd, h, hd);
        if (masked)
            k->relu_mask(nh, h, hr, mask);
        else
            k->relu(nh, h, hr);
        const float *hro = operand(k, prec, hr, hrq, nh);
        k->matmul(SG_NO_TRANS, SG_NO_TRANS, n, o, hd, hro, hd, w2o, o, yp, o);
        uint64_t zeros = 0;
        for (size_t i = 0; i < nh; i++)
            zeros += h[i] == 0.0f;
        r->zeros += zeros;
        if (zeros && r->first_zero == SG_TRAIN_NEVER)
            r->first_zero = s;
        /* Summed squared error in row-major order; g = 2·(y_pred − y) is exact given the difference. */
        float loss = 0.0f;
        for (size_t i = 0; i < no; i++) {
            const float diff = yp[i] - t->y[i];
            const float sq = diff * diff;
            loss = loss + sq;
            g[i] = 2.0f * diff;
        }
        r->loss[s] = loss;
        /* !(loss <= max) is also true for NaN. Going on would only compare NaN with NaN (which the
           comparison counts as equal) and report agreement about nothing. */
        if (!(loss <= SG_TRAIN_MAX_LOSS)) {
            r->diverged = true;
            r->blowup = loss != loss ? SG_BLOWUP_NAN : loss - loss != 0.0f ? SG_BLOWUP_INF : SG_BLOWUP_BOUND;
            r->steps = s + 1;
            break;
        }
        /* Backward: grad_w2 = h_reluᵀ·g, grad_h_relu = g·w2ᵀ, grad_h = relu'(h)·grad_h_relu,
           grad_w1 = xᵀ·grad_h. grad_h overwrites grad_h_relu (the kernel allows dx == dy). */
        const float *go = operand(k, prec, g, gq, no);
        k->matmul(SG_TRANS, SG_NO_TRANS, hd, o, n, hro, hd, go, o, gw2, o);
        k->matmul(SG_NO_TRANS, SG_TRANS, n, hd, o, go, o, w2o, o, ghr, hd);
        /* Before relu_grad overwrites grad_h_relu: a zero of h matters only where its upstream
           gradient is non-zero (NaN included), since g0·0 is 0 whatever g0 is. */
        if (zeros) {
            uint64_t eff = 0;
            for (size_t i = 0; i < nh; i++)
                eff += h[i] == 0.0f && ghr[i] != 0.0f;
            r->effective_zeros += eff;
            if (eff && r->first_effective == SG_TRAIN_NEVER)
                r->first_effective = s;
        }
        if (masked)
            k->relu_grad_mask(nh, mask, hr, ghr, ghr, g0);
        else
            k->relu_grad(nh, h, ghr, ghr, g0);
        const float *ghro = operand(k, prec, ghr, ghrq, nh);
        k->matmul(SG_TRANS, SG_NO_TRANS, d, hd, n, x, d, ghro, hd, gw1, hd);
        sgd_update(w1, gw1, scratch, dh, lr);
        sgd_update(w2, gw2, scratch, ho, lr);
    updated:;
        uint64_t bad = 0;
        if (opt->no_digests) {
            if (every == 1 || (s + 1) % every == 0 || s + 1 == steps)
                bad = nonfinite_bits(w1, dh) | nonfinite_bits(w2, ho);
            if (bad && every > 1) {
                replay_block(r, &saved, w1, w2, saved_w, dh, ho);
                every = 1;
                s = block - 1;
                continue;
            }
        } else {
            uint64_t lane[4] = {0xcbf29ce484222325u, 0xcbf29ce484222325u ^ 1, 0xcbf29ce484222325u ^ 2,
                                0xcbf29ce484222325u ^ 3};
            digest(lane, w1, dh, &bad);
            digest(lane, w2, ho, &bad);
            uint64_t dg = lane[0];
            for (int l = 1; l < 4; l++)
                dg = ((dg ^ lane[l]) ^ (dg >> 29)) * 0x100000001b3u;
            r->updates[s] = dg;
            r->n_updates = s + 1;
        }
        /* Weights that overflowed show in the next loss, but not after the last step, and a weight can
           be inf while the loss stays finite (its unit dead): check here. */
        if (bad) {
            const sg_train_blowup wb = weights_blowup(w2, ho, weights_blowup(w1, dh, SG_BLOWUP_NONE));
            r->diverged = true;
            r->blowup = wb;
            r->steps = s + 1;
            break;
        }
        if (opt->progress && (s & 63) == 63)
            opt->progress(opt->progress_user, s + 1);
    }
out:
    free(h);
    free(hr);
    free(ghr);
    free(mask);
    free(yp);
    free(g);
    free(gw1);
    free(gw2);
    free(scratch);
    free(qbuf);
    free(work);
    return rc;
}

int sg_train_run(const sg_kernels *k, const sg_train_data *t, float g0, size_t steps, float lr,
                 sg_train_result *r, char *err, size_t err_len)
{
    const sg_train_opts o = {.g0 = g0, .steps = steps, .lr = lr};
    return sg_train_run_opts(k, t, &o, r, err, err_len);
}

int sg_train_run_unfused(const sg_kernels *k, const sg_train_data *t, float g0, size_t steps, float lr,
                         sg_train_result *r, char *err, size_t err_len)
{
    const sg_train_opts o = {.g0 = g0, .steps = steps, .lr = lr, .unfused = true};
    return sg_train_run_opts(k, t, &o, r, err, err_len);
}

int sg_train_run_masked(const sg_kernels *k, const sg_train_data *t, float g0, size_t steps, float lr,
                        sg_train_result *r, char *err, size_t err_len)
{
    const sg_train_opts o = {.g0 = g0, .steps = steps, .lr = lr, .masked = true};
    return sg_train_run_opts(k, t, &o, r, err, err_len);
}

void sg_train_result_free(sg_train_result *r)
{
    free(r->loss);
    free(r->w1);
    free(r->w2);
    free(r->updates);
    memset(r, 0, sizeof *r);
}

bool sg_train_same_floats(const float *a, const float *b, size_t n, size_t *first_diff)
{
    for (size_t i = 0; i < n; i++) {
        uint32_t ua, ub;
        memcpy(&ua, &a[i], 4);
        memcpy(&ub, &b[i], 4);
        const bool nan_a = a[i] != a[i], nan_b = b[i] != b[i];
        if (nan_a != nan_b || (!nan_a && ua != ub)) {
            if (first_diff)
                *first_diff = i;
            return false;
        }
    }
    if (first_diff)
        *first_diff = n;
    return true;
}

bool sg_train_same_loss(const sg_train_result *a, const sg_train_result *b, size_t *step)
{
    const size_t n = a->steps < b->steps ? a->steps : b->steps;
    size_t first;
    const bool same = sg_train_same_floats(a->loss, b->loss, n, &first) && a->steps == b->steps;
    if (step)
        *step = first;
    return same;
}

bool sg_train_same_weights(const sg_train_data *t, const sg_train_result *a, const sg_train_result *b)
{
    return sg_train_same_floats(a->w1, b->w1, t->d * t->h, NULL) &&
           sg_train_same_floats(a->w2, b->w2, t->h * t->o, NULL);
}

size_t sg_train_first_update_diff(const sg_train_result *a, const sg_train_result *b)
{
    const size_t n = a->n_updates < b->n_updates ? a->n_updates : b->n_updates;
    for (size_t s = 0; s < n; s++)
        if (a->updates[s] != b->updates[s])
            return s;
    return SG_TRAIN_NEVER;
}

double sg_train_max_rel_loss_gap(const sg_train_result *a, const sg_train_result *b)
{
    const size_t n = a->steps < b->steps ? a->steps : b->steps;
    double worst = 0;
    for (size_t s = 0; s < n; s++) {
        const double la = a->loss[s], lb = b->loss[s];
        const double big = fabs(la) > fabs(lb) ? fabs(la) : fabs(lb);
        if (big > 0 && fabs(la - lb) / big > worst)
            worst = fabs(la - lb) / big;
    }
    return worst;
}

double sg_train_weight_distance(const sg_train_data *t, const sg_train_result *a, const sg_train_result *b)
{
    double sum = 0;
    for (size_t i = 0; i < t->d * t->h; i++) {
        const double dw = (double)a->w1[i] - (double)b->w1[i];
        sum = sum + dw * dw;
    }
    for (size_t i = 0; i < t->h * t->o; i++) {
        const double dw = (double)a->w2[i] - (double)b->w2[i];
        sum = sum + dw * dw;
    }
    return sqrt(sum);
}

const char *sg_precision_name(sg_precision p)
{
    static const char *const names[SG_PREC_COUNT] = {"f32", "bf16", "fp16"};
    return p < SG_PREC_COUNT ? names[p] : "unknown";
}

int sg_precision_parse(const char *name, sg_precision *out)
{
    for (int p = 0; p < SG_PREC_COUNT; p++)
        if (!strcmp(name, sg_precision_name((sg_precision)p))) {
            *out = (sg_precision)p;
            return 0;
        }
    return -1;
}

const char *sg_train_blowup_name(sg_train_blowup b)
{
    static const char *const names[] = {"ok", "nan", "inf", "bound"};
    return (unsigned)b < sizeof names / sizeof names[0] ? names[b] : "unknown";
}
