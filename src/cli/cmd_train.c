/* simdgrad train: trains the two-layer ReLU network once per (ISA, ReLU'(0) convention) and
 * reports whether the runs agree bit for bit. ISAs disagreeing is a bug (exit 1); conventions
 * disagreeing is a finding (h hit exactly 0), reported but not an error.
 * Every input is validated before anything runs or is written (exit 2 on bad input). */
#define _GNU_SOURCE
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "cli/args.h"
#include "cli/cli.h"
#include "npy.h"
#include "train.h"

#define CMD      "train"
#define MAX_CONV 3

typedef struct options {
    const char *data, *x, *y, *w1, *w2, *isa, *g0, *csv, *save;
    uint64_t seed;
    size_t steps, n, d_in, hidden, d_out;
    size_t runs; /* ISAs × conventions, for the memory limit */
    double lr;
} options;

static const sg_arg *find_arg(const sg_arg *args, size_t n, const char *name)
{
    for (size_t i = 0; i < n; i++)
        if (!strcmp(args[i].name, name))
            return &args[i];
    abort(); /* a typo in this file, not user input */
}

/* Loads one .npy input; the error names the flag and the file. */
static int load(const char *flag, const char *path, float **data, size_t *rows, size_t *cols)
{
    char err[256];
    if (sg_npy_read(path, data, rows, cols, err, sizeof err) != 0)
        return sg_cli_error(CMD, "%s %s: %s", flag, path, err);
    return 0;
}

static int load_files(const options *o, sg_train_data *t)
{
    float *x = NULL, *y = NULL, *w1 = NULL, *w2 = NULL;
    size_t xr, xc, yr, yc, ar, ac, br, bc;
    int rc = SG_EXIT_USAGE;
    if (load("--x", o->x, &x, &xr, &xc) || load("--y", o->y, &y, &yr, &yc) ||
        load("--w1", o->w1, &w1, &ar, &ac) || load("--w2", o->w2, &w2, &br, &bc))
        goto fail;
    if (yr != xr) {
        sg_cli_error(CMD, "shapes do not chain: x is %zux%zu but y is %zux%zu (need %zu rows)", xr, xc, yr,
                     yc, xr);
        goto fail;
    }
    if (ar != xc) {
        sg_cli_error(CMD, "shapes do not chain: x is %zux%zu but w1 is %zux%zu (need %zu rows)", xr, xc, ar,
                     ac, xc);
        goto fail;
    }
    if (br != ac || bc != yc) {
        sg_cli_error(CMD,
                     "shapes do not chain: w1 is %zux%zu, y is %zux%zu, so w2 must be %zux%zu, got %zux%zu",
                     ar, ac, yr, yc, ac, yc, br, bc);
        goto fail;
    }
    char err[256];
    if (sg_train_check_runs(xr, xc, ac, yc, o->steps, o->runs, err, sizeof err) != 0) {
        sg_cli_error(CMD, "%s", err);
        goto fail;
    }
    *t = (sg_train_data){xr, xc, ac, yc, x, y, w1, w2};
    return 0;
fail:
    free(x);
    free(y);
    free(w1);
    free(w2);
    return rc;
}

static int make_data(const options *o, const sg_arg *a_n, const sg_arg *a_din, const sg_arg *a_dout,
                     const sg_arg *a_seed, sg_train_data *t)
{
    char err[256];
    const bool files = o->x || o->y || o->w1 || o->w2;
    if (files) {
        if (o->data)
            return sg_cli_error(CMD, "--data and --x/--y/--w1/--w2 are mutually exclusive");
        if (!o->x || !o->y || !o->w1 || !o->w2)
            return sg_cli_error(CMD, "data files need all four of --x, --y, --w1, --w2 (missing %s)",
                                !o->x    ? "--x"
                                : !o->y  ? "--y"
                                : !o->w1 ? "--w1"
                                         : "--w2");
        if (a_n->seen || a_din->seen || a_dout->seen || a_seed->seen)
            return sg_cli_error(CMD, "--n/--d-in/--hidden/--d-out/--seed apply to built-in data only; "
                                     "with files the shapes come from the files");
        return sg_cli_validate_only ? 0 : load_files(o, t);
    }
    const char *kind = o->data ? o->data : "random";
    int rc;
    if (!strcmp(kind, "random")) {
        if (o->d_in == 0 || o->d_in == SIZE_MAX)
            return sg_cli_error(CMD, "--d-in must be at least 1 and fit in memory, got %zu", o->d_in);
        if (sg_train_check_runs(o->n, o->d_in + 1, o->hidden, o->d_out, o->steps, o->runs, err, sizeof err) !=
            0)
            return sg_cli_error(CMD, "%s", err);
        if (sg_cli_validate_only)
            return 0;
        rc = sg_train_random(t, o->n, o->d_in, o->hidden, o->d_out, o->seed, err, sizeof err);
    } else if (!strcmp(kind, "xor")) {
        if (a_n->seen || a_din->seen || a_dout->seen)
            return sg_cli_error(
                CMD, "--data xor has fixed sizes (N=4, 2 inputs, 1 output); only --hidden applies");
        if (sg_train_check_runs(4, 3, o->hidden, 1, o->steps, o->runs, err, sizeof err) != 0)
            return sg_cli_error(CMD, "%s", err);
        if (sg_cli_validate_only)
            return 0;
        rc = sg_train_xor(t, o->hidden, o->seed, err, sizeof err);
    } else {
        return sg_cli_error(CMD, "--data: unknown data set '%s' (random, xor)", kind);
    }
    return rc ? sg_cli_error(CMD, "%s", err) : 0;
}

static int parse_isas(const char *arg, sg_isa *isas, int *n_isas)
{
    char msg[256];
    sg_isa sel;
    const char *why;
    /* A bad SIMDGRAD_ISA is an error even when --isa overrides it: never ignore it silently. */
    if (sg_isa_select(&sel, msg, sizeof msg, &why) != 0)
        return sg_cli_error(CMD, "%s", msg);
    *n_isas = 0;
    if (!arg) {
        isas[(*n_isas)++] = sel;
    } else if (!strcmp(arg, "all")) {
        for (int i = 0; i < SG_ISA_COUNT; i++)
            if (sg_isa_available((sg_isa)i))
                isas[(*n_isas)++] = (sg_isa)i;
    } else {
        if (sg_isa_check_name("--isa", arg, &sel, msg, sizeof msg) != 0)
            return sg_cli_error(CMD, "%s", msg);
        isas[(*n_isas)++] = sel;
    }
    return 0;
}

static int parse_conventions(const char *arg, float *g0, int *n)
{
    if (!arg || !strcmp(arg, "all")) {
        g0[0] = 1.0f, g0[1] = 0.0f, g0[2] = 0.5f;
        *n = 3;
        return 0;
    }
    double v;
    if (sg_args_parse_double(arg, &v) != 0 || !isfinite((float)v))
        return sg_cli_error(
            CMD, "--grad-at-zero: expected 1, 0, 0.5 (or another finite number) or all, got '%s'", arg);
    g0[0] = (float)v;
    *n = 1;
    return 0;
}

static int check_dir(const char *dir)
{
    struct stat st;
    if (stat(dir, &st) != 0 || !S_ISDIR(st.st_mode))
        return sg_cli_error(CMD, "--save-weights %s: not an existing directory", dir);
    return 0;
}

static int save_weights(const char *dir, const sg_train_data *t, const sg_train_result *r, sg_isa isa,
                        float g0)
{
    char path[4096], err[512];
    const char *names[2] = {"w1", "w2"};
    const float *w[2] = {r->w1, r->w2};
    const size_t rows[2] = {t->d, t->h}, cols[2] = {t->h, t->o};
    for (int i = 0; i < 2; i++) {
        snprintf(path, sizeof path, "%s/%s_%s_g%g.npy", dir, names[i], sg_isa_name(isa), (double)g0);
        if (sg_npy_write(path, w[i], rows[i], cols[i], err, sizeof err) != 0) {
            sg_cli_error(CMD, "%s", err);
            return -1;
        }
    }
    return 0;
}

static int write_csv(sg_atomic_file *f, const sg_isa *isas, int n_isas, const float *g0, int n_conv,
                     sg_train_result (*res)[MAX_CONV])
{
    char err[512];
    fprintf(f->fp, "isa,grad_at_zero,step,loss\n");
    for (int i = 0; i < n_isas; i++)
        for (int c = 0; c < n_conv; c++)
            for (size_t s = 0; s < res[i][c].steps; s++)
                fprintf(f->fp, "%s,%g,%zu,%.9g\n", sg_isa_name(isas[i]), (double)g0[c], s,
                        (double)res[i][c].loss[s]);
    if (sg_atomic_commit(f, err, sizeof err) != 0) {
        sg_cli_error(CMD, "%s", err);
        return -1;
    }
    return 0;
}

/* Prints the verdicts; returns true when the ISAs agree. */
static bool verdicts(const sg_train_data *t, const sg_isa *isas, int n_isas, const float *g0, int n_conv,
                     sg_train_result (*res)[MAX_CONV])
{
    /* Conventions: each against the first, on the first ISA (the ISA check below covers the rest). */
    if (n_conv < 2) {
        printf("conventions: only ReLU'(0)=%g run (use --grad-at-zero all to compare)\n", (double)g0[0]);
    } else {
        bool all_same = true;
        for (int c = 1; c < n_conv; c++) {
            size_t step;
            const bool same_loss = sg_train_same_loss(&res[0][0], &res[0][c], &step);
            const bool same_w = sg_train_same_weights(t, &res[0][0], &res[0][c]);
            if (same_loss && same_w)
                continue;
            all_same = false;
            printf("conventions: on %s, ReLU'(0)=%g differs from ReLU'(0)=%g: ", sg_isa_name(isas[0]),
                   (double)g0[c], (double)g0[0]);
            if (!same_loss)
                printf("loss curves first differ at step %zu; ", step);
            printf("final weights %s\n", same_w ? "agree" : "differ");
        }
        uint64_t zeros = 0;
        for (int c = 0; c < n_conv; c++)
            zeros = res[0][c].zeros > zeros ? res[0][c].zeros : zeros;
        if (all_same)
            printf("conventions: all agree bit for bit (loss curves and final weights)%s\n",
                   zeros ? "" : "; h was never exactly 0");
        else
            printf("conventions: differ (a finding, not an error: h was exactly 0, up to %llu entries per "
                   "run)\n",
                   (unsigned long long)zeros);
    }
    /* ISAs: each against the first (scalar when --isa all), per convention. */
    bool isas_agree = true;
    if (n_isas < 2) {
        printf("ISAs: only %s run (use --isa all to compare)\n", sg_isa_name(isas[0]));
        return true;
    }
    for (int i = 1; i < n_isas; i++)
        for (int c = 0; c < n_conv; c++) {
            size_t step;
            const bool same_loss = sg_train_same_loss(&res[0][c], &res[i][c], &step);
            const bool same_w = sg_train_same_weights(t, &res[0][c], &res[i][c]);
            const bool same_z = res[0][c].zeros == res[i][c].zeros;
            if (same_loss && same_w && same_z)
                continue;
            isas_agree = false;
            printf("ISAs: DISAGREE: %s vs %s with ReLU'(0)=%g:", sg_isa_name(isas[i]), sg_isa_name(isas[0]),
                   (double)g0[c]);
            if (!same_loss)
                printf(" loss curves first differ at step %zu;", step);
            printf(" final weights %s; exact zeros %s\n", same_w ? "agree" : "differ",
                   same_z ? "agree" : "differ");
        }
    if (isas_agree) {
        printf("ISAs: ");
        for (int i = 0; i < n_isas; i++)
            printf("%s%s", i ? ", " : "", sg_isa_name(isas[i]));
        printf(" agree bit for bit for every convention\n");
    }
    return isas_agree;
}

int sg_cmd_train(int argc, char **argv)
{
    options o = {.steps = 200, .lr = 0.002, .n = 4, .d_in = 2, .hidden = 30, .d_out = 1};
    sg_arg args[] = {
        {"--data", SG_ARG_STRING, &o.data, "random|xor  built-in data set (default random)", false},
        {"--seed", SG_ARG_U64, &o.seed, "N  seed for built-in data and weights (default 0)", false},
        {"--x", SG_ARG_STRING, &o.x, "FILE  inputs, N×D .npy (no bias column is added)", false},
        {"--y", SG_ARG_STRING, &o.y, "FILE  targets, N×O .npy", false},
        {"--w1", SG_ARG_STRING, &o.w1, "FILE  first-layer weights, D×H .npy", false},
        {"--w2", SG_ARG_STRING, &o.w2, "FILE  second-layer weights, H×O .npy", false},
        {"--isa", SG_ARG_STRING, &o.isa, "NAME|all  kernels to use (default: SIMDGRAD_ISA or the widest)",
         false},
        {"--grad-at-zero", SG_ARG_STRING, &o.g0, "1|0|0.5|all  ReLU'(0) convention(s) (default all)", false},
        {"--steps", SG_ARG_SIZE, &o.steps, "N  training steps (default 200)", false},
        {"--lr", SG_ARG_DOUBLE, &o.lr, "X  learning rate (default 0.002)", false},
        {"--n", SG_ARG_SIZE, &o.n, "N  samples, random data (default 4)", false},
        {"--d-in", SG_ARG_SIZE, &o.d_in, "N  inputs without the bias column, random data (default 2)", false},
        {"--hidden", SG_ARG_SIZE, &o.hidden, "N  hidden units, built-in data (default 30)", false},
        {"--d-out", SG_ARG_SIZE, &o.d_out, "N  outputs, random data (default 1)", false},
        {"--loss-csv", SG_ARG_STRING, &o.csv, "FILE  write isa,grad_at_zero,step,loss rows", false},
        {"--save-weights", SG_ARG_STRING, &o.save, "DIR  write w1/w2_<isa>_g<g0>.npy per run", false},
    };
    const int pr =
        sg_args_parse(CMD, argc, argv, args, sizeof args / sizeof args[0],
                      "Trains a 2-layer ReLU net per ISA and ReLU'(0) convention and compares the runs.");
    if (pr == SG_ARGS_HELP)
        return SG_EXIT_OK;
    if (pr != SG_ARGS_OK)
        return SG_EXIT_USAGE;

    sg_isa isas[SG_ISA_COUNT];
    int n_isas = 0, n_conv = 0;
    float g0[MAX_CONV];
    if (parse_isas(o.isa, isas, &n_isas) || parse_conventions(o.g0, g0, &n_conv))
        return SG_EXIT_USAGE;
    if (o.steps < 1 || o.steps > SG_TRAIN_MAX_STEPS)
        return sg_cli_error(CMD, "--steps must be between 1 and %zu, got %zu", SG_TRAIN_MAX_STEPS, o.steps);
    const float lr = (float)o.lr;
    if (!isfinite(lr))
        return sg_cli_error(CMD, "--lr %g is not finite as a float", o.lr);
    o.runs = (size_t)n_isas * (size_t)n_conv;
    if (o.save && check_dir(o.save))
        return SG_EXIT_USAGE;
    sg_train_data t;
    const size_t n_args = sizeof args / sizeof args[0];
    if (make_data(&o, find_arg(args, n_args, "--n"), find_arg(args, n_args, "--d-in"),
                  find_arg(args, n_args, "--d-out"), find_arg(args, n_args, "--seed"), &t))
        return SG_EXIT_USAGE;
    if (sg_cli_validate_only)
        return SG_EXIT_OK; /* t was not filled in */

    /* Open the CSV now so that an unwritable path fails before the runs; it only appears at the end. */
    sg_atomic_file csv;
    char err[512];
    if (o.csv && sg_atomic_open(&csv, o.csv, err, sizeof err) != 0) {
        sg_train_data_free(&t);
        return sg_cli_error(CMD, "--loss-csv %s", err);
    }

    sg_train_result res[SG_ISA_COUNT][MAX_CONV];
    memset(res, 0, sizeof res);
    int rc = SG_EXIT_OK;
    if (o.data && !strcmp(o.data, "xor"))
        printf("data: xor, seed %llu", (unsigned long long)o.seed);
    else if (o.x)
        printf("data: files %s %s %s %s", o.x, o.y, o.w1, o.w2);
    else
        printf("data: random, seed %llu", (unsigned long long)o.seed);
    printf("; N=%zu D=%zu H=%zu O=%zu, %zu steps, lr %g\n\n", t.n, t.d, t.h, t.o, o.steps, (double)lr);
    printf("%-8s %-9s %-16s %-16s %s\n", "isa", "ReLU'(0)", "first loss", "last loss", "exact zeros in h");
    for (int i = 0; i < n_isas && rc == SG_EXIT_OK; i++)
        for (int c = 0; c < n_conv; c++) {
            sg_train_result *r = &res[i][c];
            if (sg_train_run(sg_kernels_get(isas[i]), &t, g0[c], o.steps, lr, r, err, sizeof err) != 0) {
                rc = sg_cli_error(CMD, "%s", err);
                break;
            }
            printf("%-8s %-9g %-16.9g %-16.9g %llu\n", sg_isa_name(isas[i]), (double)g0[c],
                   (double)r->loss[0], (double)r->loss[r->steps - 1], (unsigned long long)r->zeros);
        }
    if (rc == SG_EXIT_OK) {
        printf("\n");
        if (!verdicts(&t, isas, n_isas, g0, n_conv, res))
            rc = SG_EXIT_FAIL;
        for (int i = 0; o.save && i < n_isas; i++)
            for (int c = 0; c < n_conv; c++)
                if (save_weights(o.save, &t, &res[i][c], isas[i], g0[c]) != 0)
                    rc = SG_EXIT_USAGE;
    }
    if (o.csv) {
        if (rc == SG_EXIT_USAGE)
            sg_atomic_abort(&csv);
        else if (write_csv(&csv, isas, n_isas, g0, n_conv, res) != 0)
            rc = SG_EXIT_USAGE;
    }
    for (int i = 0; i < n_isas; i++)
        for (int c = 0; c < n_conv; c++)
            sg_train_result_free(&res[i][c]);
    sg_train_data_free(&t);
    return rc;
}
