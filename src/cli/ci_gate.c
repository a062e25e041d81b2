/* What the deterministic ci-check modes share (--mode icount: instructions per call under callgrind;
 * --mode model: llvm-mca cycles per loop iteration): where the default baseline lives, writing it
 * atomically, the coverage rule and the threshold report. One copy, so the two gates cannot drift
 * apart in what they flag, print or return. */
#define _GNU_SOURCE
#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "atomic_file.h"
#include "cli/ci_check.h"
#include "cli/ci_gate.h"
#include "cli/cli.h"
#include "cli/proc.h"
#include "sg_config.h"

#define CMD SG_CI_CMD

/* results/baseline/<file>: looked up from the working directory, then from the source tree when
   simdgrad runs from <source>/<builddir>/src. */
const char *sg_ci_default_baseline(const char *file, int for_writing)
{
    static char path[PATH_MAX + 128];
    const char *dirs[2] = {"results/baseline", NULL};
    char up[PATH_MAX + 64];
    snprintf(up, sizeof up, "%s/../../results/baseline", sg_exe_dir());
    dirs[1] = up;
    for (int i = 0; i < 2; i++) {
        snprintf(path, sizeof path, "%s/%s", dirs[i], file);
        if (for_writing ? sg_dir_exists(dirs[i]) : sg_file_exists(path))
            return path;
    }
    snprintf(path, sizeof path, "results/baseline/%s", file);
    return path;
}

/* The output is probed before measuring (a temporary file created and removed beside it), so an
   unwritable --update-baseline target fails in a second, not after the whole run. */
int sg_ci_probe_output(const char *path)
{
    sg_atomic_file f;
    char err[PATH_MAX + 256];
    if (sg_atomic_open(&f, path, err, sizeof err) != 0)
        return sg_cli_error(CMD, "--update-baseline: %s", err), -1;
    sg_atomic_abort(&f);
    return 0;
}

int sg_ci_write_baseline(const char *path, const char *text)
{
    sg_atomic_file f;
    char err[PATH_MAX + 256];
    if (sg_atomic_open(&f, path, err, sizeof err) != 0)
        return sg_cli_error(CMD, "%s", err), -1;
    fputs(text, f.fp);
    if (sg_atomic_commit(&f, err, sizeof err) != 0)
        return sg_cli_error(CMD, "%s", err), -1;
    return 0;
}

/* Every measured case must have a baseline value: a case the baseline lacks would otherwise show as
   "new" and pass, which is how a damaged or truncated baseline used to disable the gate. */
int sg_ci_check_coverage(const sg_ci_gate *g, const char *baseline, const sg_icount_counts *base,
                         const sg_icount_counts *now)
{
    size_t missing = 0;
    char names[512] = "";
    for (size_t i = 0; i < now->n; i++)
        if (sg_icount_counts_find(base, now->names[i]) < 0 && missing++ < 3) {
            const size_t l = strlen(names);
            snprintf(names + l, sizeof names - l, "%s%s", l ? ", " : "", now->names[i]);
        }
    if (!missing)
        return 0;
    return sg_cli_error(CMD,
                        "%zu measured case%s not in baseline %s: %s%s; if %s new, review and record %s with "
                        "%s",
                        missing, missing == 1 ? " is" : "s are", baseline, names, missing > 3 ? ", ..." : "",
                        missing == 1 ? "it is" : "they are", missing == 1 ? "it" : "them", g->update_flags),
           -1;
}

static int cmp_idx_by_name(const void *a, const void *b, void *names)
{
    char **n = names;
    return strcmp(n[*(const size_t *)a], n[*(const size_t *)b]);
}

/* A value in the report's columns: integers as they are, thousandths with 3 decimals. */
static const char *fmt_value(const sg_ci_gate *g, uint64_t v, char *buf, size_t len)
{
    if (g->thousandths)
        snprintf(buf, len, "%.3f", (double)v / 1000);
    else
        snprintf(buf, len, "%llu", (unsigned long long)v);
    return buf;
}

int sg_ci_report(const sg_ci_gate *g, const char *baseline, const char *id, double threshold,
                 const sg_icount_counts *base_counts, const sg_icount_counts *now)
{
    /* Stable report order: by name. */
    size_t *order = sg_xrealloc(NULL, now->n * sizeof *order);
    for (size_t i = 0; i < now->n; i++)
        order[i] = i;
    qsort_r(order, now->n, sizeof *order, cmp_idx_by_name, now->names);

    printf("ci-check %s: %zu cases, build %s, baseline %s, threshold +%.2f%%\n", g->mode, now->n, id,
           baseline, threshold);
#ifdef SIMDGRAD_INJECT_SLOWDOWN
    printf("ci-check %s: NOTE this build has inject_slowdown=%s (CI self-test build)\n", g->mode,
           SIMDGRAD_INJECT_SLOWDOWN);
#endif
    char col_base[32], col_now[32], a[32], b[32];
    snprintf(col_base, sizeof col_base, "baseline %s", g->unit);
    snprintf(col_now, sizeof col_now, "now %s", g->unit);
    size_t changed = 0, regressions = 0;
    char first_bad[2048] = "";
    int header = 0;
    for (size_t o = 0; o < now->n; o++) {
        const size_t i = order[o];
        const long bi = sg_icount_counts_find(base_counts, now->names[i]);
        const char *verdict;
        double pct = 0;
        if (bi < 0 || base_counts->ir[bi] == now->ir[i]) /* bi < 0 cannot happen: sg_ci_check_coverage */
            continue;
        changed++;
        pct = base_counts->ir[bi]
                  ? 100.0 * ((double)now->ir[i] - (double)base_counts->ir[bi]) / (double)base_counts->ir[bi]
                  : INFINITY;
        if (pct > threshold) {
            verdict = "REGRESSION";
            if (regressions++ < 8) {
                const size_t l = strlen(first_bad);
                snprintf(first_bad + l, sizeof first_bad - l, "%s%s", l ? ", " : "", now->names[i]);
            }
        } else {
            verdict = pct < 0 ? "faster" : "within threshold";
        }
        if (!header++)
            printf("%-44s %14s %14s %10s  %s\n", "kernel", col_base, col_now, "change", "verdict");
        printf("%-44s %14s %14s %+9.2f%%  %s\n", now->names[i],
               fmt_value(g, base_counts->ir[bi], a, sizeof a), fmt_value(g, now->ir[i], b, sizeof b), pct,
               verdict);
    }
    size_t missing = 0;
    for (size_t i = 0; i < base_counts->n; i++)
        if (sg_icount_counts_find(now, base_counts->names[i]) < 0) {
            if (!header++)
                printf("%-44s %14s %14s %10s  %s\n", "kernel", col_base, col_now, "change", "verdict");
            printf("%-44s %14s %14s %10s  %s\n", base_counts->names[i],
                   fmt_value(g, base_counts->ir[i], a, sizeof a), "-", "", "not measured in this run");
            missing++;
        }
    free(order);
    printf("ci-check %s: %zu unchanged, %zu changed, %zu not measured; ", g->mode, now->n - changed, changed,
           missing);
    if (regressions) {
        printf("%zu REGRESSION(S) above +%.2f%%: %s%s\n", regressions, threshold, first_bad,
               regressions > 8 ? ", ..." : "");
        printf("ci-check %s: if the change is intended, run 'simdgrad ci-check %s' and commit %s\n", g->mode,
               g->update_flags, baseline);
        return SG_EXIT_FAIL;
    }
    printf("no regression\n");
    return SG_EXIT_OK;
}
