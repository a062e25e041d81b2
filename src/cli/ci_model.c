/* ci-check --mode model: the gate for what valgrind cannot see (AVX-512 is hidden from it; the ARM
 * kernels run only under qemu). tools/model/simdgrad_model.py extracts each kernel's inner loop from
 * this build's objects (x86) and the aarch64 cross build's (build-arm beside it) and runs llvm-mca on
 * it for a list of cores; the cycles per iteration are deterministic for one llvm-mca release and one
 * compiler's code, so they are compared like instruction counts (ci_gate.c): same threshold, report,
 * exit codes and --update-baseline. The baseline is results/baseline/model-llvm-<major>.json, the
 * file `simdgrad model --json` writes. Usage: docs/model.md, "The gate". */
#define _GNU_SOURCE
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/ci_baseline.h"
#include "cli/ci_check.h"
#include "cli/ci_gate.h"
#include "cli/cli.h"
#include "cli/proc.h"
#include "sg_config.h"

#define CMD SG_CI_CMD

static const sg_ci_gate model_gate = {"model", "cycles", 1, "--mode model --update-baseline"};

/* The tool's last stderr line without its own "simdgrad model: " prefix: the reason it failed. */
static const char *tool_reason(const char *err_path, char *buf, size_t len)
{
    size_t n = 0;
    char *text = sg_slurp(err_path, &n);
    sg_last_line(text ? text : "", n, buf, len);
    free(text);
    static const char prefix[] = "simdgrad model: ";
    if (!strncmp(buf, prefix, sizeof prefix - 1))
        memmove(buf, buf + sizeof prefix - 1, strlen(buf + sizeof prefix - 1) + 1);
    return buf[0] ? buf : "no message";
}

/* Runs python3 simdgrad_model.py with args (NULL-terminated), stdout to dir/out.txt, stderr to
   dir/err.txt; 0, or -1 after one error line. */
static int run_tool(const char *tool, const char *dir, const char *const *args)
{
    char *argv[16];
    int n = 0;
    argv[n++] = "/usr/bin/python3";
    argv[n++] = (char *)tool;
    for (; *args && n < 15; args++)
        argv[n++] = (char *)*args;
    argv[n] = NULL;
    char out[PATH_MAX], err[PATH_MAX], reason[512];
    snprintf(out, sizeof out, "%s/out.txt", dir);
    snprintf(err, sizeof err, "%s/err.txt", dir);
    const int rc = sg_proc_run(argv, out, err);
    if (rc == 0)
        return 0;
    if (rc == 127)
        return sg_cli_error(CMD, "could not run /usr/bin/python3 %s", tool), -1;
    return sg_cli_error(CMD, "the model (%s) failed: %s", tool, tool_reason(err, reason, sizeof reason)), -1;
}

/* Reads and checks a simdgrad-model/1 file; kind ("baseline") and path name it in messages. */
static int load_model(const char *path, const char *kind, sg_model_baseline *out)
{
    char err[PATH_MAX + 512], what[PATH_MAX + 32];
    json_object *root = sg_json_load(path, kind, err, sizeof err);
    if (!root)
        return sg_cli_error(CMD, "%s", err), -1;
    snprintf(what, sizeof what, "%s %s", kind, path);
    const int rc = sg_model_baseline_parse(root, what, out, err, sizeof err);
    json_object_put(root);
    if (rc != 0)
        sg_cli_error(CMD, "%s", err);
    return rc;
}

/* The compiler of arch's objects in m, or NULL. */
static const char *compiler_of(const sg_model_baseline *m, const char *arch)
{
    const long i = sg_icount_counts_find(&m->compilers, arch);
    return i < 0 ? NULL : m->compiler_names[i];
}

/* The names of list joined with ','. */
static char *joined(const sg_icount_counts *list)
{
    size_t len = 1;
    for (size_t i = 0; i < list->n; i++)
        len += strlen(list->names[i]) + 1;
    char *s = sg_xrealloc(NULL, len);
    s[0] = '\0';
    for (size_t i = 0; i < list->n; i++) {
        if (i)
            strcat(s, ",");
        strcat(s, list->names[i]);
    }
    return s;
}

/* Cycle estimates belong to one compiler's code per architecture, like instruction counts: every
   architecture this run modelled must have been compiled by the compiler the baseline records. */
static int same_compilers(const char *baseline, const sg_model_baseline *base, const sg_model_baseline *now)
{
    for (size_t i = 0; i < now->compilers.n; i++) {
        const char *arch = now->compilers.names[i], *b = compiler_of(base, arch);
        if (!b || strcmp(b, now->compiler_names[i]))
            return sg_cli_error(
                       CMD,
                       "baseline %s is for %s objects from '%s' but this build's are from '%s': cycle "
                       "estimates are not comparable across compilers; use the matching baseline or "
                       "record one with --mode model --update-baseline",
                       baseline, arch, b ? b : "(none)", now->compiler_names[i]),
                   -1;
    }
    return 0;
}

/* The baseline cases inside this run's selection (its cores and kernels). */
static void selected(const sg_model_baseline *base, const sg_model_baseline *now, sg_icount_counts *out,
                     size_t *outside)
{
    *outside = 0;
    for (size_t i = 0; i < base->millicycles.n; i++) {
        const char *name = base->millicycles.names[i], *at = strrchr(name, '@');
        char kernel[256];
        snprintf(kernel, sizeof kernel, "%.*s", (int)(at - name), name);
        if (sg_icount_counts_find(&now->cores, at + 1) >= 0 &&
            sg_icount_counts_find(&now->kernels, kernel) >= 0)
            sg_icount_counts_add(out, name, base->millicycles.ir[i]);
        else
            ++*outside;
    }
}

int sg_ci_model_mode(const char *baseline_opt, double threshold, int update, const char *cpus,
                     const char *kernel_rx)
{
#ifdef SIMDGRAD_INJECT_SLOWDOWN
    if (update)
        return sg_cli_error(CMD, "refusing to write a baseline from a build with inject_slowdown=%s",
                            SIMDGRAD_INJECT_SLOWDOWN);
#endif
    if (update && (cpus || kernel_rx))
        return sg_cli_error(CMD, "--update-baseline records every core and kernel (the committed file is the "
                                 "whole model); drop --cpu/--kernel");
    const char *found = sg_find_helper(NULL, "SIMDGRAD_MODEL_TOOL", "simdgrad_model.py", "src");
    if (!found)
        return sg_cli_error(CMD, "simdgrad_model.py not found next to this program (set SIMDGRAD_MODEL_TOOL "
                                 "to tools/model/simdgrad_model.py)");
    char tool[PATH_MAX], tmpl[] = "/tmp/simdgrad-model-XXXXXX";
    snprintf(tool, sizeof tool, "%s", found);
    const char *dir = mkdtemp(tmpl);
    if (!dir)
        return sg_cli_error(CMD, "mkdtemp: %s", strerror(errno));

    /* Checked before the model runs: which llvm-mca (it names the baseline), the output to write or
       the baseline to compare with. */
    int rc = SG_EXIT_USAGE;
    sg_model_baseline base = {0}, now = {0};
    sg_icount_counts base_sel = {0};
    char *cpu_list = NULL, version[64] = "", path[PATH_MAX], id[256], json_arg[PATH_MAX], build[PATH_MAX];
    const char *baseline = baseline_opt;
    const char *ver_args[] = {"--llvm-version", NULL};
    if (run_tool(tool, dir, ver_args) != 0)
        goto out;
    snprintf(path, sizeof path, "%s/out.txt", dir);
    FILE *vf = fopen(path, "r");
    if (!vf || !fgets(version, sizeof version, vf))
        version[0] = '\0';
    if (vf)
        fclose(vf);
    version[strcspn(version, "\r\n")] = '\0';
    unsigned major = 0;
    if (sscanf(version, "%u.", &major) != 1 || major == 0) {
        sg_cli_error(CMD, "could not read the llvm-mca version from %s --llvm-version", tool);
        goto out;
    }
    if (!baseline) {
        char file[64];
        snprintf(file, sizeof file, "model-llvm-%u.json", major);
        baseline = sg_ci_default_baseline(file, update);
    }
    if (update) {
        if (sg_ci_probe_output(baseline) != 0)
            goto out;
    } else {
        if (!sg_file_exists(baseline)) {
            sg_cli_error(
                CMD,
                "no model baseline %s for llvm-mca %s; create it with 'simdgrad ci-check --mode model "
                "--update-baseline' and commit it",
                baseline, version);
            goto out;
        }
        if (load_model(baseline, "baseline", &base) != 0)
            goto out;
        if (base.llvm_major != major) {
            sg_cli_error(CMD,
                         "baseline %s is for llvm-mca %s but this llvm-mca is %s: cycle estimates are not "
                         "comparable across LLVM releases; use model-llvm-%u.json or record it with --mode "
                         "model --update-baseline",
                         baseline, base.llvm_mca, version, major);
            goto out;
        }
        /* Without --cpu the baseline's cores: a core whose objects are missing (no build-arm) is then
           an error from the tool, never a silently smaller gate. */
        cpu_list = cpus ? sg_xstrdup(cpus) : joined(&base.cores);
    }

    snprintf(json_arg, sizeof json_arg, "%s/model.json", dir);
    snprintf(build, sizeof build, "%s/..", sg_exe_dir());
    const char *args[12];
    int n = 0;
    args[n++] = "--build";
    args[n++] = build;
    args[n++] = "--json";
    args[n++] = json_arg;
    if (cpu_list) {
        args[n++] = "--cpu";
        args[n++] = cpu_list;
    }
    if (kernel_rx) {
        args[n++] = "--kernel";
        args[n++] = kernel_rx;
    }
    args[n] = NULL;
    printf("ci-check model: llvm-mca %s on the kernels' inner loops (%s; ARM objects from build-arm beside "
           "the build)\n",
           version, cpu_list ? cpu_list : "every core");
    fflush(stdout);
    if (run_tool(tool, dir, args) != 0 || load_model(json_arg, "model output", &now) != 0)
        goto out;
    snprintf(id, sizeof id, "llvm-mca %s, %s, %s", version, SIMDGRAD_COMPILER, SIMDGRAD_BUILDTYPE);
    if (update) {
        /* The committed file gates NEON and SVE too: without the cross build's objects it would not. */
        if (!compiler_of(&now, "aarch64") || !compiler_of(&now, "x86_64")) {
            sg_cli_error(CMD,
                         "the model ran without %s objects, so the baseline would not gate them; build them "
                         "first (%s)",
                         compiler_of(&now, "aarch64") ? "x86_64" : "aarch64 (build-arm)",
                         compiler_of(&now, "aarch64") ? "meson setup build"
                                                      : "meson setup build-arm --cross-file "
                                                        "cross/aarch64-linux-gnu.ini");
            goto out;
        }
        size_t len = 0;
        char *text = sg_slurp(json_arg, &len);
        if (!text) {
            sg_cli_error(CMD, "cannot read %s: %s", json_arg, strerror(errno));
            goto out;
        }
        /* The tool's bytes as they are: the baseline stays exactly what `simdgrad model --json` writes. */
        if (sg_ci_write_baseline(baseline, text) == 0) {
            printf("ci-check model: wrote %zu cycle estimates to %s (llvm-mca %s)\n", now.millicycles.n,
                   baseline, version);
            rc = SG_EXIT_OK;
        }
        free(text);
        goto out;
    }
    if (same_compilers(baseline, &base, &now) != 0)
        goto out;
    size_t outside = 0;
    selected(&base, &now, &base_sel, &outside);
    if (outside)
        printf("ci-check model: %zu baseline cases outside this run's cores and kernels (not compared)\n",
               outside);
    if (sg_ci_check_coverage(&model_gate, baseline, &base_sel, &now.millicycles) == 0)
        rc = sg_ci_report(&model_gate, baseline, id, threshold, &base_sel, &now.millicycles);
out:
    free(cpu_list);
    sg_icount_counts_free(&base_sel);
    sg_model_baseline_free(&base);
    sg_model_baseline_free(&now);
    sg_remove_tree(dir);
    return rc;
}
