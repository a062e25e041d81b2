/* See study.h. */
#define _GNU_SOURCE
#include <math.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "errbuf.h"
#include "study.h"
#include "topology.h"

const float sg_study_g0[SG_STUDY_CONV] = {1.0f, 0.0f, 0.5f};

static int make_data(const sg_study_cfg *c, uint64_t seed, sg_train_data *t, char *err, size_t err_len)
{
    return c->xor ? sg_train_xor(t, SG_STUDY_HIDDEN, seed, err, err_len)
                  : sg_train_random(t, SG_STUDY_N, SG_STUDY_D_IN, SG_STUDY_HIDDEN, 1, seed, err, err_len);
}

int sg_study_check(const sg_study_cfg *c, char *err, size_t err_len)
{
    if (c->n_seeds < 1 || c->n_seeds > SG_STUDY_MAX_SEEDS)
        SG_FAIL("the number of seeds must be between 1 and %zu, got %zu", SG_STUDY_MAX_SEEDS, c->n_seeds);
    if (c->seed0 > UINT64_MAX - (c->n_seeds - 1))
        SG_FAIL("the seed range goes past %llu", (unsigned long long)UINT64_MAX);
    if (c->steps < 1 || c->steps > SG_TRAIN_MAX_STEPS)
        SG_FAIL("steps must be between 1 and %zu, got %zu", SG_TRAIN_MAX_STEPS, c->steps);
    if (c->threads < 1 || c->threads > SG_STUDY_MAX_THREADS)
        SG_FAIL("threads must be between 1 and %d, got %u", SG_STUDY_MAX_THREADS, c->threads);
    if (c->n_prec < 1 || c->n_prec > SG_PREC_COUNT)
        SG_FAIL("between 1 and %d precisions, got %d", SG_PREC_COUNT, c->n_prec);
    /* Each thread keeps one seed's three runs at a time. */
    const size_t n = c->xor ? 4 : SG_STUDY_N, d = (c->xor ? 2 : SG_STUDY_D_IN) + 1;
    return sg_train_check_plan(n, d, SG_STUDY_HIDDEN, 1, c->steps, (size_t)SG_STUDY_CONV * c->threads, true,
                               err, err_len);
}

/* One seed at one precision: three runs from the same start, compared. */
static int study_cell(const sg_study_cfg *c, const sg_train_data *t, sg_precision prec, sg_study_cell *cell,
                      char *err, size_t err_len)
{
    sg_train_result r[SG_STUDY_CONV];
    memset(r, 0, sizeof r);
    memset(cell, 0, sizeof *cell);
    int rc = 0;
    for (int v = 0; v < SG_STUDY_CONV && rc == 0; v++) {
        const sg_train_opts o = {.g0 = sg_study_g0[v], .steps = c->steps, .lr = c->lr, .precision = prec};
        rc = sg_train_run_opts(c->k, t, &o, &r[v], err, err_len);
    }
    if (rc == 0) {
        cell->identical = true;
        cell->first_diff = SG_TRAIN_NEVER;
        for (int v = 0; v < SG_STUDY_CONV; v++) {
            sg_study_facts *u = &cell->run[v];
            u->zeros = r[v].zeros;
            u->effective_zeros = r[v].effective_zeros;
            u->first_zero = r[v].first_zero;
            u->first_effective = r[v].first_effective;
            u->steps_run = r[v].steps;
            u->final_loss = r[v].loss[r[v].steps - 1];
            u->blowup = r[v].blowup;
            u->loss_gap = sg_train_max_rel_loss_gap(&r[0], &r[v]);
            u->weight_dist = sg_train_weight_distance(t, &r[0], &r[v]);
            cell->numerical |= r[v].diverged;
            for (int w = v + 1; w < SG_STUDY_CONV; w++) {
                const sg_train_result *a = &r[v], *b = &r[w];
                const bool same = sg_train_same_loss(a, b, NULL) && sg_train_same_weights(t, a, b) &&
                                  a->n_updates == b->n_updates &&
                                  sg_train_first_update_diff(a, b) == SG_TRAIN_NEVER;
                cell->identical &= same;
                const size_t f = sg_train_first_update_diff(a, b);
                if (f < cell->first_diff)
                    cell->first_diff = f;
                const double gap = sg_train_max_rel_loss_gap(a, b), dist = sg_train_weight_distance(t, a, b);
                const double dl = fabs((double)a->loss[a->steps - 1] - (double)b->loss[b->steps - 1]);
                cell->max_loss_gap = gap > cell->max_loss_gap ? gap : cell->max_loss_gap;
                cell->max_weight_dist = dist > cell->max_weight_dist ? dist : cell->max_weight_dist;
                cell->max_dloss = dl > cell->max_dloss || dl != dl ? dl : cell->max_dloss;
            }
        }
        /* Runs that differ only in how they stopped (one diverged one step earlier, identical updates
           before): the divergence is at the shorter run's end. */
        if (!cell->identical && cell->first_diff == SG_TRAIN_NEVER) {
            size_t m = SG_TRAIN_NEVER;
            for (int v = 0; v < SG_STUDY_CONV; v++)
                m = r[v].n_updates < m ? r[v].n_updates : m;
            cell->first_diff = m;
        }
    }
    for (int v = 0; v < SG_STUDY_CONV; v++)
        sg_train_result_free(&r[v]);
    return rc;
}

typedef struct worker {
    pthread_t thread;
    unsigned index;
    sg_study *s;
    sg_pinning *pin;     /* shared, read-only; NULL: do not pin */
    atomic_int *stop;    /* set when the study fails: the other workers end early */
    atomic_size_t *done; /* seeds finished by all workers, for the progress callback */
    int rc;
    char err[256];
    char pinned[64]; /* "core N", or why the worker is not pinned */
    bool pin_ok;
    atomic_uint *exited; /* workers that have left work() */
} worker;

static void *work(void *arg)
{
    worker *w = arg;
    const sg_study_cfg *c = &w->s->cfg;
    if (w->pin)
        w->pin_ok = sg_pinning_bind_core(w->pin, w->index, w->pinned, sizeof w->pinned) == 0;
    /* Seeds interleaved over the workers (seed i to worker i mod T): neighbouring seeds cost about the
       same, so the split is even; each result lands in its own slot whatever the order. */
    for (size_t i = w->index; i < c->n_seeds && w->rc == 0 && !atomic_load(w->stop); i += c->threads) {
        sg_train_data t;
        if (make_data(c, c->seed0 + i, &t, w->err, sizeof w->err) != 0) {
            w->rc = -1;
            break;
        }
        for (int p = 0; p < c->n_prec && w->rc == 0; p++)
            w->rc = study_cell(c, &t, c->prec[p], &w->s->cells[i * (size_t)c->n_prec + (size_t)p], w->err,
                               sizeof w->err);
        sg_train_data_free(&t);
        atomic_fetch_add(w->done, 1);
    }
    if (w->rc != 0)
        atomic_store(w->stop, 1);
    atomic_fetch_add(w->exited, 1);
    return NULL;
}

int sg_study_run(sg_study *s, const sg_study_cfg *cfg, char *err, size_t err_len)
{
    memset(s, 0, sizeof *s);
    if (sg_study_check(cfg, err, err_len) != 0)
        return -1;
    s->cfg = *cfg;
    s->cells = calloc(cfg->n_seeds * (size_t)cfg->n_prec, sizeof *s->cells);
    worker *w = calloc(cfg->threads, sizeof *w);
    if (!s->cells || !w) {
        free(w);
        sg_study_free(s);
        SG_FAIL("out of memory for %zu seeds", cfg->n_seeds);
    }
    /* The topology is loaded once, here, outside the timed part (hwloc_topology_load is not safe to
       call from several threads at once: helgrind reports races in it). */
    char why[128] = "";
    sg_pinning *pin = cfg->pin ? sg_pinning_open(why, sizeof why) : NULL;
    struct timespec t0, t1;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    unsigned started = 0;
    int rc = 0;
    atomic_int stop = 0;
    atomic_size_t done = 0;
    atomic_uint exited = 0;
    /* Every worker is a thread of its own, so the caller's thread is never pinned. */
    for (unsigned i = 0; i < cfg->threads; i++) {
        w[i] = (worker){.index = i, .s = s, .pin = pin, .stop = &stop, .done = &done, .exited = &exited};
        if (pthread_create(&w[i].thread, NULL, work, &w[i]) != 0) {
            snprintf(err, err_len, "cannot start worker thread %u of %u", i + 1, cfg->threads);
            atomic_store(&stop, 1);
            rc = -1;
            break;
        }
        started = i + 1;
    }
    /* The caller's thread only watches: it reports progress until every worker has left. */
    while (cfg->progress && atomic_load(&exited) < started) {
        cfg->progress(cfg->progress_user, atomic_load(&done), cfg->n_seeds);
        nanosleep(&(struct timespec){.tv_nsec = 10 * 1000 * 1000},
                  NULL); /* 10 ms: the end is seen late by at most that */
    }
    for (unsigned i = 0; i < started; i++)
        pthread_join(w[i].thread, NULL);
    clock_gettime(CLOCK_MONOTONIC, &t1);
    s->seconds = (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) * 1e-9;
    for (unsigned i = 0; i < started && rc == 0; i++)
        if (w[i].rc != 0) {
            snprintf(err, err_len, "%s", w[i].err);
            rc = -1;
        }
    bool any = false;
    for (unsigned i = 0; i < started; i++)
        any |= w[i].pin_ok;
    if (!cfg->pin || !started) {
        snprintf(s->pinning, sizeof s->pinning, "unpinned");
    } else if (!pin) {
        snprintf(s->pinning, sizeof s->pinning, "unpinned: %s", why);
    } else if (!any) {
        snprintf(s->pinning, sizeof s->pinning, "unpinned: %s", w[0].pinned);
    } else {
        size_t used = (size_t)snprintf(s->pinning, sizeof s->pinning, "pinned:");
        for (unsigned i = 0; i < started && used < sizeof s->pinning; i++)
            used += (size_t)snprintf(s->pinning + used, sizeof s->pinning - used, "%s %s", i ? "," : "",
                                     w[i].pin_ok ? w[i].pinned : "not pinned");
    }
    free(w);
    sg_pinning_close(pin);
    if (rc != 0)
        sg_study_free(s);
    return rc;
}

void sg_study_free(sg_study *s)
{
    free(s->cells);
    memset(s, 0, sizeof *s);
}

void sg_study_wilson(size_t k, size_t n, double z, double *lo, double *hi)
{
    if (n == 0) {
        *lo = 0, *hi = 1;
        return;
    }
    const double p = (double)k / (double)n, nn = (double)n, z2 = z * z;
    const double denom = 1 + z2 / nn, centre = (p + z2 / (2 * nn)) / denom;
    const double half = z * sqrt(p * (1 - p) / nn + z2 / (4 * nn * nn)) / denom;
    *lo = k == 0 ? 0 : centre - half;
    *hi = k == n ? 1 : centre + half;
}

static int cmp_double(const void *a, const void *b)
{
    const double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

static int cmp_size(const void *a, const void *b)
{
    const size_t x = *(const size_t *)a, y = *(const size_t *)b;
    return x < y ? -1 : x > y;
}

void sg_study_summarize(const sg_study *s, int p, sg_study_summary *out)
{
    const sg_study_cfg *c = &s->cfg;
    memset(out, 0, sizeof *out);
    out->seeds = c->n_seeds;
    size_t *steps = malloc(c->n_seeds * sizeof *steps), n_steps = 0, n_dl = 0;
    double *rel = malloc(c->n_seeds * sizeof *rel), sum_dl = 0;
    for (size_t i = 0; i < c->n_seeds; i++) {
        const sg_study_cell *cell = &s->cells[i * (size_t)c->n_prec + (size_t)p];
        bool eff = false;
        for (int v = 0; v < SG_STUDY_CONV; v++)
            eff |= cell->run[v].effective_zeros > 0;
        out->effective_seeds += eff;
        out->numerical += cell->numerical;
        if (cell->identical)
            continue;
        out->diverging++;
        if (steps)
            steps[n_steps++] = cell->first_diff;
        if (cell->max_loss_gap > out->max_loss_gap)
            out->max_loss_gap = cell->max_loss_gap;
        /* A NaN or inf final loss has no meaningful |Δ|: those seeds are counted as numerical. */
        if (!cell->numerical) {
            sum_dl = sum_dl + cell->max_dloss;
            double top = 0;
            for (int v = 0; v < SG_STUDY_CONV; v++)
                top =
                    fabs((double)cell->run[v].final_loss) > top ? fabs((double)cell->run[v].final_loss) : top;
            if (rel)
                rel[n_dl] = top > 0 ? cell->max_dloss / top : 0;
            n_dl++;
            out->max_dloss = cell->max_dloss > out->max_dloss ? cell->max_dloss : out->max_dloss;
        }
    }
    out->mean_dloss = n_dl ? sum_dl / (double)n_dl : 0;
    if (rel && n_dl) {
        qsort(rel, n_dl, sizeof *rel, cmp_double);
        out->median_rel_dloss = n_dl % 2 ? rel[n_dl / 2] : (rel[n_dl / 2 - 1] + rel[n_dl / 2]) / 2;
    }
    free(rel);
    out->fraction = (double)out->diverging / (double)out->seeds;
    sg_study_wilson(out->diverging, out->seeds, 1.959963984540054, &out->ci_lo, &out->ci_hi);
    if (n_steps) {
        qsort(steps, n_steps, sizeof *steps, cmp_size);
        /* Nearest rank: the smallest value with at least q·n values at or below it. */
        static const double qs[5] = {0, 0.25, 0.5, 0.75, 1};
        for (int j = 0; j < 5; j++) {
            size_t rank = (size_t)ceil(qs[j] * (double)n_steps);
            out->q[j] = steps[rank ? rank - 1 : 0];
        }
    } else {
        for (int j = 0; j < 5; j++)
            out->q[j] = SG_TRAIN_NEVER;
    }
    free(steps);
}

static void put_step(FILE *fp, size_t s)
{
    if (s != SG_TRAIN_NEVER)
        fprintf(fp, "%zu", s);
}

void sg_study_write_csv(FILE *fp, const sg_study *s)
{
    const sg_study_cfg *c = &s->cfg;
    fprintf(fp, "seed,precision,grad_at_zero,zeros,effective_zeros,first_zero,first_effective,steps_run,"
                "final_loss,numerical,loss_gap_vs_g1,weight_dist_vs_g1,identical,first_divergence,"
                "max_loss_gap,max_weight_dist,max_abs_dfinal_loss\n");
    for (size_t i = 0; i < c->n_seeds; i++)
        for (int p = 0; p < c->n_prec; p++) {
            const sg_study_cell *cell = &s->cells[i * (size_t)c->n_prec + (size_t)p];
            for (int v = 0; v < SG_STUDY_CONV; v++) {
                const sg_study_facts *u = &cell->run[v];
                fprintf(fp, "%llu,%s,%g,%llu,%llu,", (unsigned long long)(c->seed0 + i),
                        sg_precision_name(c->prec[p]), (double)sg_study_g0[v], (unsigned long long)u->zeros,
                        (unsigned long long)u->effective_zeros);
                put_step(fp, u->first_zero);
                fputc(',', fp);
                put_step(fp, u->first_effective);
                fprintf(fp, ",%zu,%.9g,%s,%.9g,%.9g,%d,", u->steps_run, (double)u->final_loss,
                        sg_train_blowup_name(u->blowup), u->loss_gap, u->weight_dist, cell->identical);
                put_step(fp, cell->first_diff);
                fprintf(fp, ",%.9g,%.9g,%.9g\n", cell->max_loss_gap, cell->max_weight_dist, cell->max_dloss);
            }
        }
}

void sg_study_write_table(FILE *fp, const sg_study *s)
{
    const sg_study_cfg *c = &s->cfg;
    fprintf(fp, "%-9s %6s %8s %-24s %9s %-34s %11s %11s %12s %11s %9s\n", "precision", "seeds", "diverge",
            "fraction [95% Wilson]", "eff. zero", "first divergence min/Q1/med/Q3/max", "mean|dloss|",
            "max|dloss|", "med rel|dl|", "max rel gap", "numerical");
    for (int p = 0; p < c->n_prec; p++) {
        sg_study_summary m;
        sg_study_summarize(s, p, &m);
        char frac[64], q[80] = "-";
        snprintf(frac, sizeof frac, "%.2f%% [%.2f%%, %.2f%%]", 100 * m.fraction, 100 * m.ci_lo,
                 100 * m.ci_hi);
        if (m.diverging)
            snprintf(q, sizeof q, "%zu/%zu/%zu/%zu/%zu", m.q[0], m.q[1], m.q[2], m.q[3], m.q[4]);
        fprintf(fp, "%-9s %6zu %8zu %-24s %9zu %-34s %11.3g %11.3g %12.3g %11.3g %9zu\n",
                sg_precision_name(c->prec[p]), m.seeds, m.diverging, frac, m.effective_seeds, q, m.mean_dloss,
                m.max_dloss, m.median_rel_dloss, m.max_loss_gap, m.numerical);
    }
}
