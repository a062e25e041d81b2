/* Every kernel family timed for every implementation (bench/impls.c): the elementwise families
 * generically from their descriptors (src/eltwise.h) at the cache-derived sizes, once per value of their
 * parameter's sweep, and matmul at the training task's exact shapes and at squares. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "eltwise.h"
#include "sgb.h"

typedef struct kctx {
    const sgb_meta *meta;
    const sgb_impl *impl;
    const sg_eltwise_desc *elt; /* elementwise families */
    size_t n;
    float param; /* parameter 0 of an elementwise family (relu_grad: g0) */
    sg_trans ta, tb;
    size_t m, nn, k; /* matmul */
} kctx;

/* The timed loop of each family. A descriptor's call adapter is one indirect call more than calling
   the table entry, which at L1 sizes (~70 ns a call) would be a visible part of the time. So the
   adapter is called once, on a stand-in table whose entries are these loops: each receives the
   unpacked arguments with their C types and times the direct call k->family(args), as a
   hand-written benchmark would. */
static _Thread_local struct {
    const sg_kernels *k;
    sgb_state *st;
    int64_t batch;
} loop_;
#define SGB_LOOP_FN_(name, params, args, work)                                                               \
    static void loop_##name params                                                                           \
    {                                                                                                        \
        const sg_kernels *k_ = loop_.k;                                                                      \
        sgb_state *st_ = loop_.st;                                                                           \
        const int64_t b_ = loop_.batch;                                                                      \
        while (sgb_keep_running_batch(st_, b_))                                                              \
            for (int64_t r_ = 0; r_ < b_; r_++)                                                              \
                k_->name args;                                                                               \
    }
SG_FAMILY_LIST(SGB_LOOP_FN_)
#undef SGB_LOOP_FN_
static const sg_kernels looping = {.isa = SG_ISA_SCALAR,
#define SGB_LOOP_ENTRY_(name, params, args, work) .name = loop_##name,
                                   SG_FAMILY_LIST(SGB_LOOP_ENTRY_)
#undef SGB_LOOP_ENTRY_
};

static void run_elementwise(sgb_state *st, void *p)
{
    const kctx *c = p;
    const sg_eltwise_desc *d = c->elt;
    /* Inputs first, outputs after, one staggered block. The first input gets exact zeros (1 in
       1024 ±0, sgb_fill: relu_grad's h == 0 lanes, as rare as in training); nothing is NaN or inf. */
    float *arr[2 * SG_ELTWISE_MAX_STREAMS];
    float *block = sgb_alloc_set(c->n, (int)(d->n_in + d->n_out), arr);
    const void *in[SG_ELTWISE_MAX_STREAMS];
    void *out[SG_ELTWISE_MAX_STREAMS];
    for (unsigned i = 0; i < d->n_in + d->n_out; i++) {
        if (i < d->n_in && d->in[i] == SG_ELT_MASK2) {
            /* A packed-code input holds what relu_mask writes for data like relu_grad's h (1 in 1024
               ±0, no NaN): random bytes would make one code in four NaN, and relu_grad_mask
               would read y for nearly every group, timing a case training never produces. */
            float *h = sgb_alloc(c->n), *hr = sgb_alloc(c->n);
            sgb_fill(h, c->n, 11, true);
            sg_kernels_get(SG_ISA_SCALAR)->relu_mask(c->n, h, hr, (uint8_t *)arr[i]);
            free(h);
            free(hr);
            continue;
        }
        sgb_fill(arr[i], c->n, 11 + i, i == 0);
    }
    for (unsigned i = 0; i < d->n_in; i++)
        in[i] = arr[i];
    for (unsigned i = 0; i < d->n_out; i++)
        out[i] = arr[d->n_in + i];
    const float params[SG_ELTWISE_MAX_PARAMS] = {c->param};
    loop_.k = &c->impl->k;
    loop_.st = st;
    loop_.batch = sgb_batch_for((double)c->n);
    d->call(&looping, c->n, in, out, params);
    sgb_counters(st, c->meta, (double)c->n);
    sgb_counter_roofline(st, c->meta, c->impl->peak);
    free(block);
}

static void run_matmul(sgb_state *st, void *p)
{
    const kctx *c = p;
    const size_t m = c->m, n = c->nn, k = c->k;
    const size_t lda = c->ta == SG_NO_TRANS ? k : m, ldb = c->tb == SG_NO_TRANS ? n : k;
    float *a = sgb_alloc(m * k), *b = sgb_alloc(k * n), *out = sgb_alloc(m * n);
    sgb_fill(a, m * k, 21, false);
    sgb_fill(b, k * n, 22, false);
    const int64_t batch = sgb_batch_for((double)m * (double)n * (double)k);
    while (sgb_keep_running_batch(st, batch))
        for (int64_t r = 0; r < batch; r++)
            c->impl->k.matmul(c->ta, c->tb, m, n, k, a, lda, b, ldb, out, n);
    sgb_counters(st, c->meta, (double)(m * n));
    sgb_counter_roofline(st, c->meta, c->impl->peak);
    /* The training shapes: the time of a call against the contract's bound (sgb_matmul_bound_seconds).
       Calls here are independent, so a chain-bound shape can overlap one call with the next. */
    for (size_t i = 0; i < sgb_train_shape_count; i++) {
        const sgb_shape *s = &sgb_train_shapes[i];
        const double bound = sgb_matmul_bound_seconds(m, n, k);
        if (s->ta == c->ta && s->tb == c->tb && s->m == m && s->n == n && s->k == k && bound > 0)
            sgb_counter_ratio(st, "x_bound", bound);
    }
    free(a);
    free(b);
    free(out);
}

static const char *form_name(sg_trans ta, sg_trans tb)
{
    static const char *const names[2][2] = {{"matmul_nn", "matmul_nt"}, {"matmul_tn", "matmul_tt"}};
    return names[ta][tb];
}

void sgb_add_matmul(const sgb_topo *t, const sgb_impl *impl, sg_trans ta, sg_trans tb, size_t m, size_t n,
                    size_t k)
{
    kctx *c = sgb_ctx_alloc(sizeof *c);
    char args[64];
    snprintf(args, sizeof args, "m:%zu/n:%zu/k:%zu", m, n, k);
    double bytes = 4.0 * ((double)m * k + (double)k * n + (double)m * n);
    c->meta = sgb_meta_add(form_name(ta, tb), impl->name, args, 2.0 * m * n * k, bytes,
                           sgb_level_of(t, (size_t)bytes), SGB_BW_ADD);
    c->impl = impl;
    c->ta = ta;
    c->tb = tb;
    c->m = m;
    c->nn = n;
    c->k = k;
    const char *names[] = {"m", "n", "k"};
    const int64_t values[] = {(int64_t)m, (int64_t)n, (int64_t)k};
    sgb_register_meta(c->meta, run_matmul, c, 3, names, values);
}

/* The training task's five products (forward H = X·W1, out = A·W2; backward dW2 = Aᵀ·dOut,
   dA = dOut·W2ᵀ, dW1 = Xᵀ·dH), then squares in the three forms the task uses. */
const sgb_shape sgb_train_shapes[] = {
    {SG_NO_TRANS, SG_NO_TRANS, 4, 30, 3}, {SG_NO_TRANS, SG_NO_TRANS, 4, 1, 30},
    {SG_TRANS, SG_NO_TRANS, 30, 1, 4},    {SG_NO_TRANS, SG_TRANS, 4, 30, 1},
    {SG_TRANS, SG_NO_TRANS, 3, 30, 4},
};
const size_t sgb_train_shape_count = sizeof sgb_train_shapes / sizeof sgb_train_shapes[0];

size_t sgb_matmul_shapes(bool quick, sgb_shape *out, size_t cap)
{
    size_t count = 0;
    for (size_t i = 0; i < sgb_train_shape_count && count < cap; i++)
        out[count++] = sgb_train_shapes[i];
    const size_t top = quick ? 128 : 2048;
    static const sg_trans forms[3][2] = {
        {SG_NO_TRANS, SG_NO_TRANS}, {SG_TRANS, SG_NO_TRANS}, {SG_NO_TRANS, SG_TRANS}};
    for (size_t s = 16; s <= top; s *= 2)
        for (int f = 0; f < 3 && count < cap; f++)
            out[count++] = (sgb_shape){forms[f][0], forms[f][1], s, s, s};
    return count;
}

/* The streaming ceiling that bounds a family: copy for one input array, add for two or more (the
   measured loop with the most input streams). */
static int eltwise_pattern(const sg_eltwise_desc *d) { return d->n_in <= 1 ? SGB_BW_COPY : SGB_BW_ADD; }

/* One benchmark per sweep value (or one), level and implementation, in that nesting, so the names and
   the order are relu/<impl>/n:<n>, then relu_grad/<impl>/g0:<v>/n:<n> g0 by g0. */
static void register_eltwise(const sgb_topo *t, bool quick, const sg_eltwise_desc *d, const sgb_impl *impls,
                             size_t ni)
{
    const char *fam = sg_family_name(d->family);
    const bool swept = d->n_params > 0 && d->n_sweep > 0;
    size_t ns[64];
    int lv[64];
    const size_t sizes = sgb_plan_eltwise(t, quick, d, sg_eltwise_traffic(d, 4), ns, lv, 64);
    for (unsigned g = 0; g < (swept ? d->n_sweep : 1); g++)
        for (size_t l = 0; l < sizes; l++)
            for (size_t i = 0; i < ni; i++) {
                kctx *c = sgb_ctx_alloc(sizeof *c);
                char param[32] = "", impl[64], args[32];
                c->impl = &impls[i];
                c->elt = d;
                c->n = ns[l];
                snprintf(args, sizeof args, "n:%zu", c->n);
                /* A parameter is not an integer, so it belongs to the family name:
                   relu_grad/avx2/g0:0.5/n:... (%g: 1, 0, 0.5 print as ever). */
                if (swept) {
                    c->param = d->sweep[g];
                    snprintf(param, sizeof param, "%s:%g", d->param_name, (double)c->param);
                }
                snprintf(impl, sizeof impl, "%s%s%s", impls[i].name, swept ? "/" : "", param);
                sgb_meta *m =
                    sgb_meta_add(fam, impl, args, 0, sg_eltwise_traffic(d, c->n), lv[l], eltwise_pattern(d));
                if (swept) {
                    /* Group by parameter and size; the implementation alone is the column. */
                    snprintf(m->impl, sizeof m->impl, "%s", impls[i].name);
                    snprintf(m->group, sizeof m->group, "%s/%s/%s", fam, param, args);
                    snprintf(m->table, sizeof m->table, "%s/%s", fam, param);
                }
                c->meta = m;
                const char *names[] = {"n"};
                const int64_t values[] = {(int64_t)c->n};
                sgb_register_meta(c->meta, run_elementwise, c, 1, names, values);
            }
}

void sgb_register_kernels(const sgb_topo *t, bool quick)
{
    const sgb_impl *impls;
    const size_t ni = sgb_impls(&impls);

    for (int f = 0; f < SG_FAMILY_COUNT; f++) {
        const sg_eltwise_desc *d = sg_eltwise_find((sg_family)f);
        if (d)
            register_eltwise(t, quick, d, impls, ni);
    }
    sgb_shape shapes[64];
    const size_t ns = sgb_plan_shapes(quick, shapes, 64);
    for (size_t s = 0; s < ns; s++)
        for (size_t i = 0; i < ni; i++) {
            /* The baselines stop at 1024^3: scalar code takes tens of seconds an iteration at 2048^3,
               where only the hand kernels against the peers and the FMA peak are of interest. */
            if (!impls[i].hand && shapes[s].m > SGB_BASELINE_MAX_SQUARE)
                continue;
            sgb_add_matmul(t, &impls[i], shapes[s].ta, shapes[s].tb, shapes[s].m, shapes[s].n, shapes[s].k);
        }
}
