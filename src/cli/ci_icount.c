/* ci-check --mode icount: runs perf/simdgrad-icount under callgrind, which dumps one profile per
 * kernel x ISA x size case with collection on only around the kernel calls; the instruction counts
 * (Ir per call) are exact and identical run to run, so a 2% threshold means something even on a noisy
 * shared machine. Compared against results/baseline/icount-<compiler>.json. */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/ci_check.h"
#include "cli/cli.h"
#include "cli/ci_baseline.h"
#include "cli/ci_gate.h"
#include "cli/proc.h"
#include "sg_config.h"

#define CMD SG_CI_CMD

/* The build's identity: instruction counts are only comparable within one compiler + build type. */
static void build_id(char *buf, size_t len)
{
    snprintf(buf, len, "%s, %s, %s", SIMDGRAD_COMPILER, SIMDGRAD_BUILDTYPE, SIMDGRAD_CPU_FAMILY);
}

/* results/baseline/icount-gcc-12.2.0.json (sg_ci_default_baseline says where it is looked up). */
static const char *default_icount_baseline(int for_writing)
{
    char file[128];
    snprintf(file, sizeof file, "icount-%s.json", SIMDGRAD_COMPILER);
    for (char *p = file; *p; p++)
        if (*p == ' ' || *p == '/')
            *p = '-';
    return sg_ci_default_baseline(file, for_writing);
}

/* Parses callgrind's per-case dumps ("desc: Trigger: Client Request: <name>", "summary: <Ir>"). */
static int read_dumps(const char *dir, unsigned reps, sg_icount_counts *out)
{
    DIR *d = opendir(dir);
    if (!d)
        return sg_cli_error(CMD, "cannot list %s: %s", dir, strerror(errno)), -1;
    struct dirent *e;
    char path[PATH_MAX + 256], line[1024];
    while ((e = readdir(d))) {
        if (strncmp(e->d_name, "cg.out", 6) != 0)
            continue;
        snprintf(path, sizeof path, "%s/%s", dir, e->d_name);
        FILE *f = fopen(path, "r");
        if (!f)
            continue;
        char name[sizeof line] = "";
        long long total = -1;
        while (fgets(line, sizeof line, f)) {
            static const char trig[] = "desc: Trigger: Client Request: ";
            if (!strncmp(line, trig, sizeof trig - 1)) {
                snprintf(name, sizeof name, "%s", line + sizeof trig - 1);
                name[strcspn(name, "\r\n")] = '\0';
            } else if (!strncmp(line, "summary: ", 9) || (total < 0 && !strncmp(line, "totals: ", 8))) {
                total = strtoll(strchr(line, ':') + 1, NULL, 10);
            }
        }
        fclose(f);
        if (!name[0] || total < 0)
            continue; /* the final at-exit dump, or not ours */
        /* The total also holds a few instructions of loop overhead, so round rather than divide exactly;
           the result is as deterministic as the total. */
        sg_icount_counts_add(out, name, (uint64_t)((total + reps / 2) / reps));
    }
    closedir(d);
    return 0;
}

/* Runs the driver under callgrind and collects the per-call instruction counts. */
static int measure_icount(const char *driver, unsigned reps, sg_icount_counts *out)
{
    char tmpl[] = "/tmp/simdgrad-icount-XXXXXX";
    const char *dir = mkdtemp(tmpl);
    if (!dir)
        return sg_cli_error(CMD, "mkdtemp: %s", strerror(errno)), -1;
    char outfile[PATH_MAX], log[PATH_MAX], list[PATH_MAX], repstr[16];
    snprintf(outfile, sizeof outfile, "--callgrind-out-file=%s/cg.out", dir);
    snprintf(log, sizeof log, "%s/valgrind.log", dir);
    snprintf(list, sizeof list, "%s/cases.txt", dir);
    snprintf(repstr, sizeof repstr, "%u", reps);
    char *argv[] = {"valgrind",
                    "-q",
                    "--tool=callgrind",
                    "--collect-atstart=no",
                    "--dump-instr=no",
                    outfile,
                    (char *)driver,
                    "--reps",
                    repstr,
                    NULL};
    /* Progress and the driver's notes go to stdout: stderr carries only the one error line. */
    printf("ci-check icount: running %s under valgrind --tool=callgrind (%u calls per case)\n", driver, reps);
    const int rc = sg_proc_run(argv, list, log);
    int result = 0;
    if (rc != 0) {
        size_t len = 0;
        char *text = sg_slurp(log, &len), last[512];
        if (rc == 127 && (!text || !len))
            sg_cli_error(CMD, "could not run valgrind (is it installed? Debian: apt-get install valgrind)");
        else
            sg_cli_error(CMD, "valgrind/simdgrad-icount failed (exit %d): %s (full log: rerun by hand)", rc,
                         sg_last_line(text ? text : "", len, last, sizeof last));
        free(text);
        result = -1;
    } else {
        size_t len = 0;
        char *text = sg_slurp(log, &len); /* the driver's skip notes */
        if (text && len)
            fwrite(text, 1, len, stdout);
        free(text);
        result = read_dumps(dir, reps, out);
        if (result == 0 && out->n == 0) {
            sg_cli_error(CMD, "callgrind produced no per-kernel dumps in %s", dir);
            result = -1;
        }
    }
    sg_remove_tree(dir);
    return result;
}

static int write_icount_baseline(const char *path, const sg_icount_counts *c, unsigned reps)
{
#ifdef SIMDGRAD_INJECT_SLOWDOWN
    (void)path;
    (void)c;
    (void)reps;
    return sg_cli_error(CMD, "refusing to write a baseline from a build with inject_slowdown=%s",
                        SIMDGRAD_INJECT_SLOWDOWN),
           -1;
#else
    const sg_icount_baseline b = {(char *)SIMDGRAD_COMPILER, (char *)SIMDGRAD_BUILDTYPE,
                                  (char *)SIMDGRAD_CPU_FAMILY, reps, *c};
    char *text = sg_icount_baseline_text(&b);
    if (!text)
        return sg_cli_error(CMD, "out of memory"), -1;
    const int rc = sg_ci_write_baseline(path, text);
    free(text);
    if (rc != 0)
        return -1;
    printf("ci-check icount: wrote %zu counts to %s (%s)\n", c->n, path, SIMDGRAD_COMPILER);
    return 0;
#endif
}

/* Reads a baseline into *out after checking that it was recorded by a build like this one and that
   every count is usable: a damaged count must stop the gate, not silently drop out of it. */
static int load_icount_baseline(const char *path, const char *id, sg_icount_counts *out)
{
    char err[PATH_MAX + 512];
    if (!sg_file_exists(path)) {
        sg_cli_error(CMD,
                     "no instruction-count baseline %s for this build (%s); create it with "
                     "'simdgrad ci-check --update-baseline' and commit it",
                     path, id);
        return -1;
    }
    json_object *root = sg_json_load(path, "baseline", err, sizeof err);
    if (!root)
        return sg_cli_error(CMD, "%s", err), -1;
    sg_icount_baseline b;
    int rc = -1;
    if (sg_icount_baseline_parse(root, path, &b, err, sizeof err) != 0) {
        sg_cli_error(CMD, "%s", err);
    } else if (strcmp(b.compiler, SIMDGRAD_COMPILER) || strcmp(b.buildtype, SIMDGRAD_BUILDTYPE) ||
               strcmp(b.cpu_family, SIMDGRAD_CPU_FAMILY)) {
        /* Counts are a property of the generated code: across compilers they differ for reasons
           that are not regressions. Refuse rather than print nonsense. */
        sg_cli_error(CMD,
                     "baseline %s is for %s, %s, %s but this build is %s: instruction counts are not "
                     "comparable across compilers/build types; use the matching baseline or record one "
                     "with --update-baseline",
                     path, b.compiler, b.buildtype, b.cpu_family, id);
    } else {
        *out = b.counts;
        memset(&b.counts, 0, sizeof b.counts);
        rc = 0;
    }
    sg_icount_baseline_free(&b);
    json_object_put(root);
    return rc;
}

static const sg_ci_gate icount_gate = {"icount", "Ir", 0, "--update-baseline"};

/* The driver to run, or NULL after one line that says what this build can do instead: advising
   --update-baseline where there is no driver only leads to the same dead end. */
static const char *find_driver(const char *driver_opt)
{
    const char *env = getenv("SIMDGRAD_ICOUNT_DRIVER");
    if (driver_opt || (env && *env)) {
        const char *d = driver_opt ? driver_opt : env;
        if (!sg_can_exec(d))
            return sg_cli_error(CMD, "%s%s: not an executable file",
                                driver_opt ? "--driver " : "SIMDGRAD_ICOUNT_DRIVER=", d),
                   NULL;
        return d;
    }
    const char *driver = sg_find_helper(NULL, "SIMDGRAD_ICOUNT_DRIVER", "simdgrad-icount", "perf");
    if (!driver) {
        const int bench = sg_find_helper(NULL, "SIMDGRAD_BENCH", "simdgrad-bench", "bench") != NULL;
        sg_cli_error(
            CMD,
            "this build has no simdgrad-icount (cross builds and builds without <valgrind/callgrind.h> "
            "do not build it), so --mode icount cannot run here, --update-baseline included; what "
            "works here: %s, or --driver PATH",
            bench ? "--mode time --baseline FILE (simdgrad-bench is built)"
                  : "--mode time --baseline FILE --contender FILE (saved Google Benchmark runs)");
    }
    return driver;
}

int sg_ci_icount_mode(const char *baseline_opt, double threshold, int update, const char *driver_opt,
                      unsigned reps)
{
    const char *baseline = baseline_opt ? baseline_opt : default_icount_baseline(update);
    sg_icount_counts base_counts = {0}, now = {0};
    char id[256];
    int rc = SG_EXIT_USAGE;
    build_id(id, sizeof id);
#ifdef SIMDGRAD_INJECT_SLOWDOWN
    if (update)
        return sg_cli_error(CMD, "refusing to write a baseline from a build with inject_slowdown=%s",
                            SIMDGRAD_INJECT_SLOWDOWN);
#endif
    /* Everything that can be checked is checked before spending time under valgrind, and nothing is
       printed before: the driver (without it nothing else matters), the output to write or the
       baseline to compare with, then valgrind itself. */
    const char *driver = find_driver(driver_opt);
    if (!driver || (update && sg_ci_probe_output(baseline) != 0))
        return SG_EXIT_USAGE;
    if (!update && load_icount_baseline(baseline, id, &base_counts) != 0)
        return SG_EXIT_USAGE;
    if (!sg_can_exec("valgrind")) {
        sg_icount_counts_free(&base_counts);
        return sg_cli_error(CMD,
                            "could not run valgrind: not found on PATH (Debian: apt-get install valgrind)");
    }
    if (measure_icount(driver, reps, &now) == 0) {
        if (update)
            rc = write_icount_baseline(baseline, &now, reps) == 0 ? SG_EXIT_OK : SG_EXIT_USAGE;
        else if (sg_ci_check_coverage(&icount_gate, baseline, &base_counts, &now) == 0)
            rc = sg_ci_report(&icount_gate, baseline, id, threshold, &base_counts, &now);
    }
    sg_icount_counts_free(&base_counts);
    sg_icount_counts_free(&now);
    return rc;
}
