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
#include <unistd.h>

#include "cli/ci_check.h"
#include "cli/cli.h"
#include "cli/ci_baseline.h"
#include "cli/proc.h"
#include "atomic_file.h"

#define CMD SG_CI_CMD

static const char *python_path(void)
{
    const char *p = getenv("SIMDGRAD_PYTHON");
    /* The Debian interpreter that has scipy for compare.py's U test, not a pyenv shim. */
    return p && *p ? p : "/usr/bin/python3";
}

static int run_bench(const char *bench, const char *filter, unsigned repetitions, const char *out_json,
                     const char *err_log, int quiet)
{
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
                    quiet ? "--quiet" : NULL,
                    NULL};
    /* Progress on stdout; the benchmark's own stderr is kept and only its last line is shown if it
       fails, so that stderr carries nothing but the one error line. */
    printf("ci-check time: running %s %s %s %s\n", bench, argv[1], reps, filt);
    /* The benchmark's stderr is the log, so its progress line (src/progress.h) comes to our terminal
       through a descriptor it inherits. */
    int tty = -1;
    if (!quiet && isatty(STDERR_FILENO) && (tty = dup(STDERR_FILENO)) >= 0) {
        char fd[16];
        snprintf(fd, sizeof fd, "%d", tty);
        setenv("SIMDGRAD_PROGRESS_FD", fd, 1);
    }
    const int rc = sg_proc_run(argv, "/dev/null", err_log);
    if (tty >= 0) {
        unsetenv("SIMDGRAD_PROGRESS_FD");
        close(tty);
    }
    if (rc != 0) {
        size_t len = 0;
        char *text = sg_slurp(err_log, &len), last[512];
        sg_cli_error(CMD, "%s failed (exit %d): %s", bench, rc,
                     sg_last_line(text ? text : "", len, last, sizeof last));
        free(text);
        return -1;
    }
    return 0;
}

/* Reads and validates a Google Benchmark run; NULL after the error line. */
static json_object *load_run(const char *path, const char *what)
{
    char err[PATH_MAX + 512];
    json_object *run = sg_json_load(path, what, err, sizeof err);
    if (run && sg_gbench_validate(run, path, err, sizeof err) != 0) {
        json_object_put(run);
        run = NULL;
    }
    if (!run)
        sg_cli_error(CMD, "%s", err);
    return run;
}

int sg_ci_time_mode(const char *baseline, double threshold, double alpha, int update, const char *bench_opt,
                    const char *contender_opt, const char *filter, unsigned repetitions,
                    const char *compare_opt, int use_cpu, int quiet)
{
    if (!baseline)
        return sg_cli_error(CMD,
                            "--mode time needs --baseline FILE (a saved Google Benchmark JSON run from this "
                            "machine: wall-clock baselines are per machine)");
    int rc = SG_EXIT_USAGE;
    json_object *base = NULL, *cont = NULL, *report = NULL;
    sg_time_row *rows = NULL;
    const char *dir = NULL, *bench = NULL;
    const char *compare = compare_opt ? compare_opt : getenv("SIMDGRAD_COMPARE_PY");
    if (!compare || !*compare)
        compare = "/usr/share/benchmark/compare.py"; /* Debian libbenchmark-tools */
    char tmpl[] = "/tmp/simdgrad-time-XXXXXX", contender[PATH_MAX], diff[PATH_MAX], err_log[PATH_MAX];

    /* Everything that can be checked is checked before the (long) benchmark run: the output to
       write, or the baseline and compare.py to compare with, and the contender. */
    if (update) {
        if (sg_ci_probe_output(baseline) != 0)
            return SG_EXIT_USAGE;
    } else {
        if (!sg_file_exists(baseline))
            return sg_cli_error(
                CMD, "no baseline %s; record one on this machine with --mode time --update-baseline",
                baseline);
        if (!(base = load_run(baseline, "baseline")))
            return SG_EXIT_USAGE;
        if (!sg_file_exists(compare)) {
            json_object_put(base);
            return sg_cli_error(CMD,
                                "Google Benchmark's compare.py not found at %s (Debian: apt-get install "
                                "libbenchmark-tools; or pass --compare-py)",
                                compare);
        }
    }
    if (!contender_opt) {
        bench = sg_find_helper(bench_opt, "SIMDGRAD_BENCH", "simdgrad-bench", "bench");
        if (!bench || !sg_can_exec(bench)) {
            json_object_put(base);
            return sg_cli_error(CMD, "%s%s (pass --bench, or compare saved runs with --contender)",
                                bench ? bench
                                      : "simdgrad-bench not found next to simdgrad or in <builddir>/bench",
                                bench ? ": not an executable file" : "");
        }
    }
    if (!(dir = mkdtemp(tmpl))) {
        json_object_put(base);
        return sg_cli_error(CMD, "mkdtemp: %s", strerror(errno));
    }
    snprintf(contender, sizeof contender, "%s/contender.json", dir);
    snprintf(diff, sizeof diff, "%s/diff.json", dir);
    snprintf(err_log, sizeof err_log, "%s/stderr.txt", dir);

    if (contender_opt) {
        snprintf(contender, sizeof contender, "%s", contender_opt);
        if (!sg_file_exists(contender)) {
            sg_cli_error(CMD, "cannot read --contender %s", contender);
            goto out;
        }
        if (!(cont = load_run(contender, "--contender")))
            goto out;
    } else if (run_bench(bench, filter, repetitions, contender, err_log, quiet) != 0 ||
               !(cont = load_run(contender, "simdgrad-bench output"))) {
        goto out;
    }

    if (update) {
        /* The validated run is stored byte for byte: it stays the genuine Google Benchmark output,
           comparable with any other saved run, and nothing is lost or reformatted on the way. */
        size_t len = 0;
        char *text = sg_slurp(contender, &len), err[PATH_MAX + 256];
        sg_atomic_file f;
        if (!text) {
            sg_cli_error(CMD, "cannot read %s: %s", contender, strerror(errno));
        } else if (sg_atomic_open(&f, baseline, err, sizeof err) != 0 ||
                   (fwrite(text, 1, len, f.fp), sg_atomic_commit(&f, err, sizeof err) != 0)) {
            sg_cli_error(CMD, "--update-baseline: %s", err);
        } else {
            printf("ci-check time: wrote baseline %s\n", baseline);
            rc = SG_EXIT_OK;
        }
        free(text);
        goto out;
    }

    char why[1024];
    if (sg_gbench_context_diff(base, cont, why, sizeof why) != 0) {
        /* Wall-clock times from another CPU, ISA set or compiler differ for reasons that are not
           regressions (and pass or fail at random): refuse, as icount mode does across compilers. */
        sg_cli_error(CMD,
                     "baseline %s and contender %s are not comparable: %s; wall-clock baselines are per "
                     "machine and build: record one here with --mode time --update-baseline",
                     baseline, contender, why);
        goto out;
    }

    char alpha_s[32];
    snprintf(alpha_s, sizeof alpha_s, "%g", alpha);
    char *argv[] = {
        (char *)python_path(), (char *)compare,  "--no-color", "-a", "--alpha", alpha_s, "-d", diff,
        "benchmarks",          (char *)baseline, contender,    NULL};
    /* compare.py prints the human table on stdout and always exits 0 when it worked; the gate below
       is ours. Its stderr (a traceback when it fails) is kept and reduced to its last line. */
    const int crc = sg_proc_run(argv, NULL, err_log);
    if (crc != 0 || !sg_file_exists(diff)) {
        size_t len = 0;
        char *text = sg_slurp(err_log, &len), last[512];
        sg_cli_error(CMD, "compare.py failed (exit %d): %s (it needs %s with scipy)", crc,
                     sg_last_line(text ? text : "", len, last, sizeof last), python_path());
        free(text);
        goto out;
    }
    size_t n = 0;
    if (!(report = sg_json_load(diff, "compare.py output", why, sizeof why)) ||
        sg_compare_report_rows(report, use_cpu, &rows, &n, why, sizeof why) != 0) {
        sg_cli_error(CMD, "%s", why);
        goto out;
    }
    if (n == 0) {
        sg_cli_error(CMD, "no benchmark appears in both %s and %s", baseline, contender);
        goto out;
    }

    printf("\nci-check time: gate = median %s change > +%.2f%% AND U-test p < %g\n",
           use_cpu ? "CPU-time" : "real-time", threshold, alpha);
    printf("%-50s %10s %10s  %s\n", "benchmark", "median", "p-value", "verdict");
    size_t regressions = 0, gated = 0;
    char bad[2048] = "";
    for (size_t i = 0; i < n; i++) {
        const double change = rows[i].change, p = rows[i].pvalue;
        const char *verdict;
        if (isnan(change)) {
            verdict = "no median (needs --repetitions >= 2 in both runs): not gated";
        } else if (isnan(p)) {
            verdict = "no U test (too few repetitions): not gated";
        } else {
            gated++;
            if (change * 100.0 > threshold && p < alpha) {
                verdict = "REGRESSION";
                if (regressions++ < 8) {
                    const size_t l = strlen(bad);
                    snprintf(bad + l, sizeof bad - l, "%s%s", l ? ", " : "", rows[i].name);
                }
            } else if (change * 100.0 > threshold) {
                verdict = "slower, but not significant";
            } else {
                verdict = change < 0 && p < alpha ? "faster" : "ok";
            }
        }
        printf("%-50s %+9.2f%% %10.4f  %s\n", rows[i].name, change * 100.0, p, verdict);
    }
    if (gated == 0) {
        /* A gate that gated nothing must not pass: with one repetition there is neither a median
           nor a U test, and "no significant regression" would be vacuous. */
        sg_cli_error(
            CMD,
            "none of the %zu benchmark%s could be gated (each needs a median and a U test: at least 2 "
            "repetitions in both runs, 9 or more recommended); nothing was checked",
            n, n == 1 ? "" : "s");
        goto out;
    }
    if (regressions) {
        printf("ci-check time: %zu REGRESSION(S): %s%s\n", regressions, bad, regressions > 8 ? ", ..." : "");
        rc = SG_EXIT_FAIL;
    } else {
        printf("ci-check time: %zu benchmarks gated, %zu not gated, no significant regression\n", gated,
               n - gated);
        rc = SG_EXIT_OK;
    }
out:
    free(rows);
    json_object_put(report);
    json_object_put(base);
    json_object_put(cont);
    if (dir)
        sg_remove_tree(dir);
    return rc;
}
