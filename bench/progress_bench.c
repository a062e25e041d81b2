/* The progress line of simdgrad-bench (src/progress.h draws it): family k of n, runs done of all,
 * elapsed time and the estimate. A "run" is one repetition of one benchmark, the unit Google
 * Benchmark's time goes into, so the estimate (the pace so far applied to the runs left) holds with
 * random interleaving too, where a benchmark is only reported after its last repetition.
 *
 * Repetitions are seen from inside: every benchmark callback goes through sgb_progress_call()
 * (common.c), and Google Benchmark reuses the first repetition's final iteration count for every
 * later one, so a call with the same count as this benchmark's previous call is a further repetition
 * (and the first has ended). The report of a benchmark completes it. */
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
} entry;

static entry *ents;
static size_t n_ents, cap_ents;
static int n_families, default_reps = 1;
static double total, finished;
static sg_progress bar;

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
    total += e->reps;
    n_ents++;
}

static void draw(const entry *e, bool force)
{
    char stage[160];
    snprintf(stage, sizeof stage, "family %d of %d (%s), %.0f of %.0f runs", e->family, n_families,
             e->family_name, finished, total);
    sg_progress_update(&bar, finished, total, stage, force);
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

void sgb_progress_begin(bool quiet, int reps)
{
    sg_progress_start(&bar, "simdgrad bench", quiet);
    if (!sg_progress_on(&bar))
        return;
    default_reps = reps > 0 ? reps : 1;
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
}
