/* The progress line of simdgrad-bench (src/progress.h draws it): family k of n, runs done of all,
 * elapsed time and the estimate. A "run" is one repetition of one benchmark, the unit Google
 * Benchmark's time goes into; counting them from inside keeps the line right under random
 * interleaving too, where a benchmark is only reported after its last repetition.
 *
 * Repetitions are seen from inside: every benchmark callback goes through sgb_progress_call()
 * (common.c), and Google Benchmark reuses the first repetition's final iteration count for every
 * later one, so a call with the same count as this benchmark's previous call is a further repetition
 * (and the first has ended). The report of a benchmark completes it.
 *
 * The estimate weighs runs by what they cost, since runs are not alike: one repetition lasts at
 * least --benchmark_min_time, or one call when a call is longer (a scalar 1024³ product: seconds).
 * A reported benchmark's call time is measured; one not run yet is predicted from the last measured
 * benchmark of the same kernel and implementation, scaled by work (FLOPs or bytes per call), else
 * costed like the average finished run. Left = elapsed × cost left / cost done: the measured pace,
 * applied to the predicted rest. */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "progress.h"
#include "sgb.h"

typedef struct entry {
    char *name;  /* as listed: "ceiling_copy/avx2/n:32768/repeats:5" */
    char *key;   /* without Google Benchmark's suffixes, as sgb_meta names it */
    int reps;    /* repetitions it will run */
    int done;    /* repetitions known finished */
    int repeats; /* calls that repeated the previous call's iteration count */
    int64_t last;
    int family; /* 1-based index of its family (first name component) in order of first appearance */
    const char *family_name;
    int kind;    /* index in kinds[] (kernel/implementation, "matmul_nn/scalar"), -1 when none */
    double work; /* FLOPs, else bytes, per call (0: unknown) */
    double call; /* measured seconds per call (CPU, as min_time counts), 0 until reported */
} entry;

static entry *ents;
static size_t n_ents, cap_ents;
static int n_families, default_reps = 1;
static double total, finished, min_time = 0.5;
static sg_progress bar;
/* Benchmarks of one kernel and implementation, whose call time scales by work: the latest measured
   seconds per unit of work. */
static struct kind {
    char name[64];
    double spw;
} kinds[256];
static int n_kinds;

static void add_name(const char *name, void *user)
{
    (void)user;
    if (n_ents == cap_ents) {
        cap_ents = cap_ents ? 2 * cap_ents : 512;
        entry *grown = realloc(ents, cap_ents * sizeof *ents);
        if (!grown)
            return;
        ents = grown;
    }
    entry *e = &ents[n_ents];
    memset(e, 0, sizeof *e);
    if (!(e->name = strdup(name)) || !(e->key = strdup(name)))
        return;
    e->reps = default_reps;
    char *r = strstr(e->key, "/repeats:");
    if (r) {
        e->reps = atoi(r + 9);
        *r = '\0';
    }
    char *m = strstr(e->key, "/manual_time");
    if (m)
        *m = '\0';
    if (e->reps < 1)
        e->reps = 1;
    /* Families numbered in the order they first run (matmul's forms alternate shape by shape, and
       the ceiling reruns come last, so a family's benchmarks need not be contiguous). */
    const size_t flen = strcspn(name, "/");
    e->family = 0;
    for (size_t i = 0; i < n_ents && !e->family; i++)
        if (strlen(ents[i].family_name) == flen && !strncmp(ents[i].family_name, name, flen))
            e->family = ents[i].family;
    if (!e->family)
        e->family = ++n_families;
    e->family_name = strndup(name, flen);
    if (!e->family_name)
        return;
    const sgb_meta *meta = sgb_meta_find(e->key);
    e->kind = -1;
    if (meta) {
        e->work = meta->flops > 0 ? meta->flops : meta->bytes;
        for (int k = 0; k < n_kinds && e->kind < 0; k++)
            if (!strcmp(kinds[k].name, meta->family))
                e->kind = k;
        if (e->kind < 0 && n_kinds < (int)(sizeof kinds / sizeof kinds[0])) {
            snprintf(kinds[n_kinds].name, sizeof kinds[n_kinds].name, "%s", meta->family);
            kinds[n_kinds].spw = 0;
            e->kind = n_kinds++;
        }
    }
    total += e->reps;
    n_ents++;
}

/* Seconds one repetition of e takes, as far as known now (see the top of the file); avg: the
   cost of an average finished run. */
static double cost(const entry *e, double avg)
{
    double call = e->call;
    if (call <= 0 && e->work > 0 && e->kind >= 0)
        call = kinds[e->kind].spw * e->work;
    if (call <= 0)
        return avg;
    return call > min_time ? call : min_time;
}

/* Done and total cost in seconds of model time; the line shows their ratio. */
static void costs(double *done, double *all)
{
    double known = 0, known_runs = 0;
    for (size_t i = 0; i < n_ents; i++)
        if (ents[i].call > 0 && ents[i].done) {
            known += ents[i].done * cost(&ents[i], 0);
            known_runs += ents[i].done;
        }
    const double avg = known_runs > 0 ? known / known_runs : min_time;
    *done = *all = 0;
    for (size_t i = 0; i < n_ents; i++) {
        const double c = cost(&ents[i], avg);
        *done += ents[i].done * c;
        *all += ents[i].reps * c;
    }
}

static void draw(const entry *e, bool force)
{
    char stage[160];
    snprintf(stage, sizeof stage, "family %d of %d (%s), %.0f of %.0f runs", e->family, n_families,
             e->family_name, finished, total);
    if (!sg_progress_due(&bar, force))
        return;
    double done, all;
    costs(&done, &all);
    sg_progress_update(&bar, done, all, stage, force);
}

static void set_done(entry *e, int done)
{
    if (done > e->reps)
        done = e->reps;
    if (done > e->done) {
        finished += done - e->done;
        e->done = done;
    }
}

static void on_report(void *user, const char *name)
{
    (void)user;
    if (!name) {
        sg_progress_clear(&bar); /* the display reporter writes next */
        return;
    }
    for (size_t i = 0; i < n_ents; i++)
        if (!strcmp(ents[i].name, name)) {
            set_done(&ents[i], ents[i].reps);
            draw(&ents[i], true);
            return;
        }
}

void sgb_progress_call(const char *key, int *slot, int64_t iterations)
{
    if (!sg_progress_on(&bar))
        return;
    if (*slot == 0) { /* first call: find it once (0 unknown, -1 not listed, else index + 1) */
        *slot = -1;
        for (size_t i = 0; i < n_ents; i++)
            if (!strcmp(ents[i].key, key)) {
                *slot = (int)i + 1;
                break;
            }
    }
    if (*slot < 0)
        return;
    entry *e = &ents[*slot - 1];
    if (iterations == e->last) { /* a further repetition just ended, and so had the first */
        e->repeats++;
        set_done(e, 1 + e->repeats);
    }
    e->last = iterations;
    draw(e, false);
}

void sgb_progress_result(const char *name, double call_seconds)
{
    if (!sg_progress_on(&bar))
        return;
    for (size_t i = 0; i < n_ents; i++)
        if (!strcmp(ents[i].name, name)) {
            /* The fastest repetition: the one least slowed by the other tenants. */
            if (call_seconds > 0 && (ents[i].call <= 0 || call_seconds < ents[i].call))
                ents[i].call = call_seconds;
            if (ents[i].call > 0 && ents[i].work > 0 && ents[i].kind >= 0)
                kinds[ents[i].kind].spw = ents[i].call / ents[i].work;
            return;
        }
}

void sgb_progress_begin(bool quiet, int reps, double min_seconds)
{
    sg_progress_start(&bar, "simdgrad bench", quiet);
    if (!sg_progress_on(&bar))
        return;
    default_reps = reps > 0 ? reps : 1;
    min_time = min_seconds > 0 ? min_seconds : 0.5;
    sgb_list_selected(add_name, NULL);
    sgb_set_report_hook(on_report, NULL);
    sg_progress_update(&bar, 0, total, "starting", true);
}

void sgb_progress_finish(void)
{
    sgb_set_report_hook(NULL, NULL);
    sg_progress_end(&bar);
    for (size_t i = 0; i < n_ents; i++) {
        free(ents[i].name);
        free(ents[i].key);
        free((char *)ents[i].family_name);
    }
    free(ents);
    ents = NULL;
    n_ents = cap_ents = 0;
    n_kinds = 0;
}
