/* Fuzz target for ci-check's JSON readers (src/cli/ci_baseline.c): the input is one file as
 * `simdgrad ci-check` would read it — an instruction-count or model baseline, a Google Benchmark run
 * (time-mode baseline or contender) or compare.py's difference report — parsed by json-c and checked by each
 * validator in turn. Served through a memfd so sg_json_load's file checks run as for a real file.
 * Invariants: loading the file and parsing the bytes agree; every refusal is one non-empty line;
 * whatever is accepted can be written back and re-read unchanged (baseline counts exactly, any value
 * as JSON our own strict parser accepts); a run's context never differs from itself. */
#define _GNU_SOURCE
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "cli/ci_baseline.h"

static void check_reason(int rc, const char *err, const char *where)
{
    if (rc != 0 && (!err[0] || strchr(err, '\n'))) {
        fprintf(stderr, "%s: refusal without a one-line reason: '%s'\n", where, err);
        abort();
    }
}

static void check_icount(json_object *root)
{
    char err[1024] = "";
    sg_icount_baseline b, again;
    const int rc = sg_icount_baseline_parse(root, "fuzz.json", &b, err, sizeof err);
    check_reason(rc, err, "icount baseline");
    if (rc == 0) {
        if (b.counts.n == 0 || !b.compiler || !b.buildtype || !b.cpu_family) {
            fprintf(stderr, "accepted baseline without counts or identity\n");
            abort();
        }
        char *text = sg_icount_baseline_text(&b);
        json_object *back = text ? sg_json_parse(text, strlen(text), err, sizeof err) : NULL;
        if (!back || sg_icount_baseline_parse(back, "rewritten.json", &again, err, sizeof err) != 0) {
            fprintf(stderr, "an accepted baseline, written back, is refused: %s\n%s\n", err,
                    text ? text : "");
            abort();
        }
        /* Keys are unique in a json-c object, so equal sizes and every name found means equal sets. */
        if (again.counts.n != b.counts.n) {
            fprintf(stderr, "round trip changed the number of counts: %zu -> %zu\n", b.counts.n,
                    again.counts.n);
            abort();
        }
        for (size_t i = 0; i < b.counts.n; i++) {
            const long j = sg_icount_counts_find(&again.counts, b.counts.names[i]);
            if (j < 0 || again.counts.ir[j] != b.counts.ir[i]) {
                fprintf(stderr, "round trip lost or changed count '%s'\n", b.counts.names[i]);
                abort();
            }
        }
        sg_icount_baseline_free(&again);
        json_object_put(back);
        free(text);
    }
    sg_icount_baseline_free(&b);
}

/* A model file (ci-check --mode model): an accepted one has estimates, each a positive number of
   thousandths of a cycle within the documented bound, named <kernel>@<core> of its own lists. */
static void check_model(json_object *root)
{
    char err[1024] = "";
    sg_model_baseline m;
    const int rc = sg_model_baseline_parse(root, "baseline fuzz.json", &m, err, sizeof err);
    check_reason(rc, err, "model baseline");
    if (rc == 0) {
        if (m.millicycles.n == 0 || m.llvm_major == 0 || !m.llvm_mca) {
            fprintf(stderr, "accepted model baseline without estimates or version\n");
            abort();
        }
        for (size_t i = 0; i < m.millicycles.n; i++) {
            const char *at = strrchr(m.millicycles.names[i], '@');
            if (!at || m.millicycles.ir[i] == 0 || m.millicycles.ir[i] > 1000000000u ||
                sg_icount_counts_find(&m.cores, at + 1) < 0) {
                fprintf(stderr, "accepted model case '%s' = %llu\n", m.millicycles.names[i],
                        (unsigned long long)m.millicycles.ir[i]);
                abort();
            }
        }
    }
    sg_model_baseline_free(&m);
}

static void check_time(json_object *root)
{
    char err[1024] = "";
    int rc = sg_gbench_validate(root, "fuzz.json", err, sizeof err);
    check_reason(rc, err, "Google Benchmark run");
    err[0] = '\0';
    if (sg_gbench_context_diff(root, root, err, sizeof err) != 0) {
        fprintf(stderr, "a run's context differs from itself: %s\n", err);
        abort();
    }
    for (int cpu = 0; cpu < 2; cpu++) {
        sg_time_row *rows = NULL;
        size_t n = 0;
        err[0] = '\0';
        rc = sg_compare_report_rows(root, cpu, &rows, &n, err, sizeof err);
        check_reason(rc, err, "compare.py report");
        if (rc == 0 && n > json_object_array_length(root)) {
            fprintf(stderr, "more report rows (%zu) than entries\n", n);
            abort();
        }
        for (size_t i = 0; i < n; i++)
            if (!rows[i].name) {
                fprintf(stderr, "report row %zu without a name\n", i);
                abort();
            }
        free(rows);
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char err[1024] = "", err2[1024] = "";
    json_object *root = sg_json_parse((const char *)data, size, err, sizeof err);
    check_reason(root ? 0 : -1, err, "parse");

    const int fd = memfd_create("fuzz.json", 0);
    if (fd < 0 || (size && write(fd, data, size) != (ssize_t)size))
        abort();
    char path[64];
    snprintf(path, sizeof path, "/proc/self/fd/%d", fd);
    json_object *loaded = sg_json_load(path, "baseline", err2, sizeof err2);
    close(fd);
    check_reason(loaded ? 0 : -1, err2, "load");
    if (!root != !loaded) {
        fprintf(stderr, "parse and load disagree: '%s' vs '%s'\n", err, err2);
        abort();
    }
    json_object_put(loaded);
    if (!root)
        return 0;

    /* Anything accepted can be written and read back by the same strict reader. */
    char *text = sg_json_text(root);
    json_object *again = text ? sg_json_parse(text, strlen(text), err, sizeof err) : NULL;
    if (!again) {
        fprintf(stderr, "accepted JSON, written back, is refused: %s\n%s\n", err, text ? text : "");
        abort();
    }
    json_object_put(again);
    free(text);

    check_icount(root);
    check_model(root);
    check_time(root);
    json_object_put(root);
    return 0;
}
