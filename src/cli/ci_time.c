/* ci-check --mode time: Google Benchmark repetitions with random interleaving, compared with Google
 * Benchmark's compare.py; fails only when the median slows down by more than the threshold AND the
 * Mann-Whitney U test says the difference is significant. Wall-clock baselines are per machine. */
#define _GNU_SOURCE
#include <errno.h>
#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/ci_check.h"
#include "cli/cli.h"
#include "cli/json.h"
#include "cli/proc.h"
#include "npy.h"

#define CMD SG_CI_CMD

static const char *python_path(void)
{
    const char *p = getenv("SIMDGRAD_PYTHON");
    /* The Debian interpreter that has scipy for compare.py's U test, not a pyenv shim. */
    return p && *p ? p : "/usr/bin/python3";
}

static int run_bench(const char *bench_opt, const char *filter, unsigned repetitions, const char *out_json)
{
    const char *bench = sg_find_helper(bench_opt, "SIMDGRAD_BENCH", "simdgrad-bench", "bench");
    if (!bench)
        return sg_cli_error(CMD,
                            "simdgrad-bench not found next to simdgrad or in <builddir>/bench (pass --bench, "
                            "or compare saved runs with --contender)"),
               -1;
    char reps[64], out[PATH_MAX + 32], filt[512];
    snprintf(reps, sizeof reps, "--benchmark_repetitions=%u", repetitions);
    snprintf(out, sizeof out, "--benchmark_out=%s", out_json);
    snprintf(filt, sizeof filt, "--benchmark_filter=%s", filter ? filter : ".");
    char *argv[] = {(char *)bench,
                    "--benchmark_enable_random_interleaving=true",
                    reps,
                    out,
                    "--benchmark_out_format=json",
                    filt,
                    NULL};
    fprintf(stderr, "simdgrad " CMD ": running %s %s %s %s\n", bench, argv[1], reps, filt);
    const int rc = sg_proc_run(argv, "/dev/null", NULL);
    if (rc != 0)
        return sg_cli_error(CMD, "%s failed (exit %d)", bench, rc), -1;
    return 0;
}

static const jv *find_entry(const jv *report, const char *name)
{
    for (size_t i = 0; i < report->n; i++) {
        const char *n = sg_json_str(&report->items[i], "name");
        if (n && !strcmp(n, name))
            return &report->items[i];
    }
    return NULL;
}

static double first_measurement(const jv *entry, const char *field)
{
    const jv *ms = sg_json_get(entry, "measurements");
    if (!ms || ms->t != J_ARR || ms->n == 0)
        return NAN;
    const jv *v = sg_json_get(&ms->items[0], field);
    return v && v->t == J_NUM ? v->num : NAN;
}

int sg_ci_time_mode(const char *baseline, double threshold, double alpha, int update, const char *bench,
                    const char *contender_opt, const char *filter, unsigned repetitions,
                    const char *compare_opt, int use_cpu)
{
    if (!baseline)
        return sg_cli_error(CMD,
                            "--mode time needs --baseline FILE (a saved Google Benchmark JSON run from this "
                            "machine: wall-clock baselines are per machine)");
    char tmpl[] = "/tmp/simdgrad-time-XXXXXX";
    const char *dir = mkdtemp(tmpl);
    if (!dir)
        return sg_cli_error(CMD, "mkdtemp: %s", strerror(errno));
    char contender[PATH_MAX], diff[PATH_MAX];
    snprintf(contender, sizeof contender, "%s/contender.json", dir);
    snprintf(diff, sizeof diff, "%s/diff.json", dir);
    int rc = SG_EXIT_USAGE;
    jv report = {0}, check = {0};

    if (contender_opt) {
        snprintf(contender, sizeof contender, "%s", contender_opt);
        if (!sg_file_exists(contender)) {
            sg_cli_error(CMD, "cannot read --contender %s", contender);
            goto out;
        }
    } else if (run_bench(bench, filter, repetitions, contender) != 0)
        goto out;

    if (update) {
        size_t len = 0;
        char *text = sg_slurp(contender, &len);
        sg_atomic_file f;
        char err[PATH_MAX + 256];
        if (!text || sg_json_load(contender, "benchmark run", &check) != 0 ||
            !sg_json_get(&check, "benchmarks")) {
            sg_cli_error(CMD, "%s is not a Google Benchmark JSON run", contender);
        } else if (sg_atomic_open(&f, baseline, err, sizeof err) != 0 ||
                   (fwrite(text, 1, len, f.fp), sg_atomic_commit(&f, err, sizeof err) != 0)) {
            sg_cli_error(CMD, "%s", err);
        } else {
            printf("ci-check time: wrote baseline %s\n", baseline);
            rc = SG_EXIT_OK;
        }
        free(text);
        goto out;
    }
    if (!sg_file_exists(baseline)) {
        sg_cli_error(CMD, "no baseline %s; record one on this machine with --mode time --update-baseline",
                     baseline);
        goto out;
    }

    const char *compare = compare_opt ? compare_opt : getenv("SIMDGRAD_COMPARE_PY");
    if (!compare || !*compare)
        compare = "/usr/share/benchmark/compare.py"; /* Debian libbenchmark-tools */
    if (!sg_file_exists(compare)) {
        sg_cli_error(CMD,
                     "Google Benchmark's compare.py not found at %s (Debian: apt-get install "
                     "libbenchmark-tools; or pass --compare-py)",
                     compare);
        goto out;
    }
    char alpha_s[32];
    snprintf(alpha_s, sizeof alpha_s, "%g", alpha);
    char *argv[] = {
        (char *)python_path(), (char *)compare,  "--no-color", "-a", "--alpha", alpha_s, "-d", diff,
        "benchmarks",          (char *)baseline, contender,    NULL};
    /* compare.py prints the human table; it always exits 0, the gate below is ours. */
    const int crc = sg_proc_run(argv, NULL, NULL);
    if (crc != 0 || !sg_file_exists(diff)) {
        sg_cli_error(CMD, "compare.py failed (exit %d; it needs %s with scipy)", crc, python_path());
        goto out;
    }
    if (sg_json_load(diff, "compare.py output", &report) != 0 || report.t != J_ARR) {
        sg_cli_error(CMD, "unexpected compare.py output in %s", diff);
        goto out;
    }

    printf("\nci-check time: gate = median %s change > +%.2f%% AND U-test p < %g\n",
           use_cpu ? "CPU-time" : "real-time", threshold, alpha);
    printf("%-50s %10s %10s  %s\n", "benchmark", "median", "p-value", "verdict");
    size_t regressions = 0, checked = 0;
    char bad[2048] = "";
    for (size_t i = 0; i < report.n; i++) {
        const jv *e = &report.items[i];
        const char *name = sg_json_str(e, "name"), *run_type = sg_json_str(e, "run_type");
        if (!name || (run_type && !strcmp(run_type, "aggregate")))
            continue; /* per-benchmark rows carry the U test; their _median row the median change */
        char med_name[600];
        snprintf(med_name, sizeof med_name, "%s_median", name);
        const jv *med = find_entry(&report, med_name);
        const double change = med ? first_measurement(med, use_cpu ? "cpu" : "time") : NAN;
        const jv *ut = sg_json_get(e, "utest");
        const jv *pv = sg_json_get(ut, use_cpu ? "cpu_pvalue" : "time_pvalue");
        const double p = pv && pv->t == J_NUM ? pv->num : NAN;
        const char *verdict;
        if (isnan(change)) {
            verdict = "no median (run with --benchmark_repetitions >= 2): not gated";
        } else if (isnan(p)) {
            verdict = "no U test (too few repetitions): not gated";
        } else if (change * 100.0 > threshold && p < alpha) {
            verdict = "REGRESSION";
            if (regressions++ < 8) {
                const size_t l = strlen(bad);
                snprintf(bad + l, sizeof bad - l, "%s%s", l ? ", " : "", name);
            }
        } else if (change * 100.0 > threshold) {
            verdict = "slower, but not significant";
        } else {
            verdict = change < 0 && p < alpha ? "faster" : "ok";
        }
        checked++;
        printf("%-50s %+9.2f%% %10.4f  %s\n", name, change * 100.0, p, verdict);
    }
    if (checked == 0) {
        sg_cli_error(CMD, "no benchmark appears in both %s and %s", baseline, contender);
        goto out;
    }
    if (regressions) {
        printf("ci-check time: %zu REGRESSION(S): %s%s\n", regressions, bad, regressions > 8 ? ", ..." : "");
        rc = SG_EXIT_FAIL;
    } else {
        printf("ci-check time: %zu benchmarks, no significant regression\n", checked);
        rc = SG_EXIT_OK;
    }
out:
    sg_json_free(&report);
    sg_json_free(&check);
    sg_remove_tree(dir);
    return rc;
}
