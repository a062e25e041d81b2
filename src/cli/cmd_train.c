/* simdgrad train: trains the two-layer ReLU network once per (ISA, ReLU'(0) convention) and
 * reports whether the runs agree bit for bit. ISAs disagreeing is a bug (exit 1); conventions
 * disagreeing is a finding (h hit exactly 0), reported but not an error.
 * Every input is validated before anything runs or is written (exit 2 on bad input); a run whose
 * loss diverges is reported as such (exit 3), never as agreeing. */
#define _GNU_SOURCE
#include <float.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "cli/args.h"
#include "cli/cli.h"
#include "npy.h"
#include "progress.h"
#include "train.h"

#define CMD      "train"
#define MAX_CONV 3

/* The loss CSV's default size limit; --loss-csv-max raises it, --loss-every thins the rows. */
#define LOSS_CSV_MAX_DEFAULT ((uint64_t)64 << 20)

typedef struct options {
    const char *data, *x, *y, *w1, *w2, *isa, *g0, *csv, *save, *precision;
    uint64_t seed, csv_max;
    size_t steps, n, d_in, hidden, d_out, loss_every;
    size_t runs; /* ISAs × conventions, for the memory limit */
    double lr;
    bool mask;    /* the stored-mask backward pass (relu_mask / relu_grad_mask) */
    bool rounded; /* --precision other than f32 (rounded operand copies, for the memory limit) */
    bool quiet;   /* no progress line */
    bool unfused; /* the seven kernel calls per step instead of the ISA's train_step */
} options;

/* The progress line of a long training (src/progress.h): steps of all runs done so far. */
typedef struct train_progress {
    sg_progress bar;
    size_t run, runs, steps;
    char what[64]; /* "avx2, ReLU'(0)=0.5" */
} train_progress;

static void on_steps(void *user, size_t step)
{
    train_progress *tp = user;
    char stage[128];
    snprintf(stage, sizeof stage, "run %zu of %zu (%s), step %zu of %zu", tp->run + 1, tp->runs, tp->what,
             step, tp->steps);
    sg_progress_update(&tp->bar, (double)tp->run * (double)tp->steps + (double)step,
                       (double)tp->runs * (double)tp->steps, stage, false);
}

/* One .npy input: opened (header checked) first, loaded only once every check has passed. */
typedef struct input {
    const char *flag, *path;
    sg_npy_file f;
    sg_path_id id;
    float *data;
} input;

static const sg_arg *find_arg(const sg_arg *args, size_t n, const char *name)
{
    for (size_t i = 0; i < n; i++)
        if (!strcmp(args[i].name, name))
            return &args[i];
    abort(); /* a typo in this file, not user input */
}

static void close_inputs(input *in)
{
    for (int i = 0; i < 4; i++) {
        sg_npy_close(&in[i].f);
        free(in[i].data);
        in[i].data = NULL;
    }
}

/* Opens the four inputs and checks everything the headers tell (shapes chain, memory for all runs)
   before a single data byte is read: a huge or mismatched file fails without growing the process. */
static int open_files(const options *o, input *in)
{
    char err[256], shown[SG_CLI_SHOWN];
    const char *flags[4] = {"--x", "--y", "--w1", "--w2"}, *paths[4] = {o->x, o->y, o->w1, o->w2};
    for (int i = 0; i < 4; i++) {
        in[i] = (input){.flag = flags[i], .path = paths[i], .f = {.fd = -1}};
    }
    for (int i = 0; i < 4; i++) {
        if (sg_npy_open(in[i].path, &in[i].f, err, sizeof err) != 0) {
            close_inputs(in);
            return sg_cli_error(CMD, "%s %s: %s", in[i].flag, sg_cli_shown(in[i].path, shown), err);
        }
        sg_path_identify(in[i].path, &in[i].id);
        in[i].id.exists = in[i].id.valid = true; /* the file opened, whatever the path says now */
        in[i].id.dev = in[i].f.dev;
        in[i].id.ino = in[i].f.ino;
    }
    const size_t xr = in[0].f.h.rows, xc = in[0].f.h.cols, yr = in[1].f.h.rows, yc = in[1].f.h.cols;
    const size_t ar = in[2].f.h.rows, ac = in[2].f.h.cols, br = in[3].f.h.rows, bc = in[3].f.h.cols;
    int rc = 0;
    if (yr != xr)
        rc = sg_cli_error(CMD, "shapes do not chain: x is %zux%zu but y is %zux%zu (need %zu rows)", xr, xc,
                          yr, yc, xr);
    else if (ar != xc)
        rc = sg_cli_error(CMD, "shapes do not chain: x is %zux%zu but w1 is %zux%zu (need %zu rows)", xr, xc,
                          ar, ac, xc);
    else if (br != ac || bc != yc)
        rc = sg_cli_error(
            CMD, "shapes do not chain: w1 is %zux%zu, y is %zux%zu, so w2 must be %zux%zu, got %zux%zu", ar,
            ac, yr, yc, ac, yc, br, bc);
    else if (sg_train_check_plan(xr, xc, ac, yc, o->steps, o->runs, o->rounded, err, sizeof err) != 0)
        rc = sg_cli_error(CMD, "%s", err);
    if (rc)
        close_inputs(in);
    return rc;
}

/* Loads the opened inputs; NaN and inf (also '<f8' values beyond float range) are refused: a run
   on them can only produce NaN, and NaN compares equal to NaN in the agreement check. */
static int load_files(input *in, sg_train_data *t)
{
    char err[256], shown[SG_CLI_SHOWN];
    for (int i = 0; i < 4; i++) {
        input *p = &in[i];
        if (sg_npy_load(&p->f, &p->data, err, sizeof err) != 0) {
            close_inputs(in);
            return sg_cli_error(CMD, "%s %s: %s", p->flag, sg_cli_shown(p->path, shown), err);
        }
        const size_t n = p->f.h.rows * p->f.h.cols, cols = p->f.h.cols;
        for (size_t j = 0; j < n; j++) {
            if (isfinite(p->data[j]))
                continue;
            char what[64];
            if (j == p->f.overflow_at)
                snprintf(what, sizeof what, "= %g overflows float", p->f.overflow_value);
            else
                snprintf(what, sizeof what, "is %s",
                         isnan(p->data[j]) ? "NaN"
                         : p->data[j] > 0  ? "inf"
                                           : "-inf");
            const int rc = sg_cli_error(CMD, "%s %s: element (%zu, %zu) %s (need finite values)", p->flag,
                                        sg_cli_shown(p->path, shown), j / cols, j % cols, what);
            close_inputs(in);
            return rc;
        }
    }
    *t = (sg_train_data){in[0].f.h.rows, in[0].f.h.cols, in[2].f.h.cols, in[1].f.h.cols,
                         in[0].data,     in[1].data,     in[2].data,     in[3].data};
    for (int i = 0; i < 4; i++) {
        in[i].data = NULL; /* owned by t now */
        sg_npy_close(&in[i].f);
    }
    return 0;
}

/* Validates the data options; with files, opens them (headers only, *files_open set). */
static int check_data(const options *o, const sg_arg *a_n, const sg_arg *a_din, const sg_arg *a_hidden,
                      const sg_arg *a_dout, const sg_arg *a_seed, input *in, bool *files_open)
{
    char err[256], shown[SG_CLI_SHOWN];
    *files_open = false;
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
        if (a_n->seen || a_din->seen || a_hidden->seen || a_dout->seen || a_seed->seen)
            return sg_cli_error(CMD, "--n/--d-in/--hidden/--d-out/--seed apply to built-in data only; "
                                     "with files the shapes come from the files");
        if (sg_cli_validate_only)
            return 0;
        if (open_files(o, in))
            return SG_EXIT_USAGE;
        *files_open = true;
        return 0;
    }
    const char *kind = o->data ? o->data : "random";
    if (!strcmp(kind, "random")) {
        if (o->d_in == 0 || o->d_in == SIZE_MAX)
            return sg_cli_error(CMD, "--d-in must be at least 1 and fit in memory, got %zu", o->d_in);
        if (sg_train_check_plan(o->n, o->d_in + 1, o->hidden, o->d_out, o->steps, o->runs, o->rounded, err,
                                sizeof err) != 0)
            return sg_cli_error(CMD, "%s", err);
    } else if (!strcmp(kind, "xor")) {
        if (a_n->seen || a_din->seen || a_dout->seen)
            return sg_cli_error(
                CMD, "--data xor has fixed sizes (N=4, 2 inputs, 1 output); only --hidden applies");
        if (sg_train_check_plan(4, 3, o->hidden, 1, o->steps, o->runs, o->rounded, err, sizeof err) != 0)
            return sg_cli_error(CMD, "%s", err);
    } else {
        return sg_cli_error(CMD, "--data: unknown data set '%s' (random, xor)", sg_cli_shown(kind, shown));
    }
    return 0;
}

static int make_data(const options *o, sg_train_data *t)
{
    char err[256];
    const bool xor = o->data && !strcmp(o->data, "xor");
    const int rc = xor? sg_train_xor(t, o->hidden, o->seed, err, sizeof err)
                      : sg_train_random(t, o->n, o->d_in, o->hidden, o->d_out, o->seed, err, sizeof err);
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

/* A value the user wrote as non-zero must not silently become 0 or a subnormal as a float: the
   kernels and the update would then compute with something else than what was asked. */
static bool lost_as_float(double v)
{
    const float f = (float)v;
    return v != 0 && (f == 0.0f || fpclassify(f) == FP_SUBNORMAL);
}

static int parse_conventions(const char *arg, float *g0, int *n)
{
    char shown[SG_CLI_SHOWN];
    if (!arg || !strcmp(arg, "all")) {
        g0[0] = 1.0f, g0[1] = 0.0f, g0[2] = 0.5f;
        *n = 3;
        return 0;
    }
    double v;
    if (sg_args_parse_double(arg, &v) != 0 || !isfinite((float)v))
        return sg_cli_error(CMD,
                            "--grad-at-zero: expected 1, 0, 0.5 (or another finite number) or all, got '%s'",
                            sg_cli_shown(arg, shown));
    if (lost_as_float(v))
        return sg_cli_error(CMD, "--grad-at-zero %s rounds to %g as a float (need 0 or |g| >= %g)",
                            sg_cli_shown(arg, shown), (double)(float)v, (double)FLT_MIN);
    g0[0] = (float)v;
    *n = 1;
    return 0;
}

/* The files simdgrad writes into a --save-weights directory (w1_<isa>_g<g0>.npy, w2_...). */
static bool weights_name(const char *name)
{
    const size_t n = strlen(name);
    return (!strncmp(name, "w1_", 3) || !strncmp(name, "w2_", 3)) && n > 7 && !strcmp(name + n - 4, ".npy");
}

static int save_weights(sg_atomic_dir *dir, const sg_train_data *t, const sg_train_result *r, sg_isa isa,
                        float g0)
{
    char name[128], path[SG_PATH_MAX + 128], err[SG_PATH_MAX + 256];
    const char *names[2] = {"w1", "w2"};
    const float *w[2] = {r->w1, r->w2};
    const size_t rows[2] = {t->d, t->h}, cols[2] = {t->h, t->o};
    for (int i = 0; i < 2; i++) {
        snprintf(name, sizeof name, "%s_%s_g%g.npy", names[i], sg_isa_name(isa), (double)g0);
        if (sg_atomic_dir_file(dir, name, path, sizeof path, err, sizeof err) != 0 ||
            sg_npy_write(path, w[i], rows[i], cols[i], err, sizeof err) != 0) {
            sg_cli_error(CMD, "--save-weights %s", err);
            return -1;
        }
    }
    return 0;
}

/* Rows of one run's curve in the CSV: every loss_every-th step from 0, and always the last one. */
static size_t csv_rows(size_t steps, size_t every)
{
    return (steps - 1) / every + 1 + ((steps - 1) % every != 0);
}

/* An upper bound of the CSV's size: each field at its widest ("%.9g" of a float is at most 15
   characters, "-1.17549435e-38"). Checked before the runs, so a run never ends in a refused write. */
static uint64_t csv_bound(const sg_isa *isas, int n_isas, const float *g0, int n_conv, size_t steps,
                          size_t every)
{
    char buf[64];
    const int step_digits = snprintf(buf, sizeof buf, "%zu", steps - 1);
    uint64_t total = sizeof "isa,grad_at_zero,step,loss\n" - 1;
    for (int i = 0; i < n_isas; i++)
        for (int c = 0; c < n_conv; c++) {
            const int g = snprintf(buf, sizeof buf, "%g", (double)g0[c]);
            const uint64_t row = strlen(sg_isa_name(isas[i])) + (uint64_t)g + (uint64_t)step_digits + 15 + 4;
            total += row * csv_rows(steps, every);
        }
    return total;
}

static void write_csv_rows(FILE *fp, const sg_isa *isas, int n_isas, const float *g0, int n_conv,
                           sg_train_result (*res)[MAX_CONV], size_t every)
{
    fprintf(fp, "isa,grad_at_zero,step,loss\n");
    for (int i = 0; i < n_isas; i++)
        for (int c = 0; c < n_conv; c++)
            for (size_t s = 0; s < res[i][c].steps; s++)
                if (s % every == 0 || s + 1 == res[i][c].steps)
                    fprintf(fp, "%s,%g,%zu,%.9g\n", sg_isa_name(isas[i]), (double)g0[c], s,
                            (double)res[i][c].loss[s]);
}

/* Prints the verdicts to rep; returns true when the ISAs agree. A diverged run replaces the
   "agree" lines by "diverged (...)": agreement on NaN says nothing. */
static bool verdicts(FILE *rep, const sg_train_data *t, const sg_isa *isas, int n_isas, const float *g0,
                     int n_conv, sg_train_result (*res)[MAX_CONV], const char *diverged)
{
    /* Conventions: each against the first, on the first ISA (the ISA check below covers the rest). */
    if (diverged) {
        fprintf(rep, "conventions: not compared, %s\n", diverged);
    } else if (n_conv < 2) {
        fprintf(rep, "conventions: only ReLU'(0)=%g run (use --grad-at-zero all to compare)\n",
                (double)g0[0]);
    } else {
        bool all_same = true;
        for (int c = 1; c < n_conv; c++) {
            size_t step;
            const bool same_loss = sg_train_same_loss(&res[0][0], &res[0][c], &step);
            const bool same_w = sg_train_same_weights(t, &res[0][0], &res[0][c]);
            if (same_loss && same_w)
                continue;
            all_same = false;
            fprintf(rep, "conventions: on %s, ReLU'(0)=%g differs from ReLU'(0)=%g: ", sg_isa_name(isas[0]),
                    (double)g0[c], (double)g0[0]);
            if (!same_loss)
                fprintf(rep, "loss curves first differ at step %zu; ", step);
            const size_t upd = sg_train_first_update_diff(&res[0][0], &res[0][c]);
            if (upd != SG_TRAIN_NEVER)
                fprintf(rep, "updates first differ at step %zu; ", upd);
            fprintf(rep, "final weights %s", same_w ? "agree" : "differ");
            fprintf(rep, "; largest relative loss gap %.3g, final weight distance %.3g\n",
                    sg_train_max_rel_loss_gap(&res[0][0], &res[0][c]),
                    sg_train_weight_distance(t, &res[0][0], &res[0][c]));
        }
        uint64_t zeros = 0;
        for (int c = 0; c < n_conv; c++)
            zeros = res[0][c].zeros > zeros ? res[0][c].zeros : zeros;
        if (all_same)
            fprintf(rep, "conventions: all agree bit for bit (loss curves and final weights)%s\n",
                    zeros ? "" : "; h was never exactly 0");
        else
            fprintf(rep,
                    "conventions: differ (a finding, not an error: h was exactly 0, up to %llu entries per "
                    "run)\n",
                    (unsigned long long)zeros);
    }
    /* ISAs: each against the first (scalar when --isa all), per convention. Diverged runs are still
       compared: up to the divergence they must match bit for bit, and stop at the same step. */
    bool isas_agree = true;
    if (n_isas < 2) {
        fprintf(rep, "ISAs: only %s run (use --isa all to compare)%s%s\n", sg_isa_name(isas[0]),
                diverged ? "; " : "", diverged ? diverged : "");
        return true;
    }
    for (int i = 1; i < n_isas; i++)
        for (int c = 0; c < n_conv; c++) {
            size_t step;
            const bool same_loss = sg_train_same_loss(&res[0][c], &res[i][c], &step);
            const bool same_w = sg_train_same_weights(t, &res[0][c], &res[i][c]);
            const sg_train_result *a = &res[0][c], *b = &res[i][c];
            const bool same_z = a->zeros == b->zeros && a->effective_zeros == b->effective_zeros &&
                                a->first_zero == b->first_zero && a->first_effective == b->first_effective;
            if (same_loss && same_w && same_z)
                continue;
            isas_agree = false;
            fprintf(rep, "ISAs: DISAGREE: %s vs %s with ReLU'(0)=%g:", sg_isa_name(isas[i]),
                    sg_isa_name(isas[0]), (double)g0[c]);
            if (!same_loss)
                fprintf(rep, " loss curves first differ at step %zu;", step);
            fprintf(rep, " final weights %s; exact zeros %s\n", same_w ? "agree" : "differ",
                    same_z ? "agree" : "differ");
        }
    if (isas_agree && diverged) {
        fprintf(rep, "ISAs: %s\n", diverged);
    } else if (isas_agree) {
        fprintf(rep, "ISAs: ");
        for (int i = 0; i < n_isas; i++)
            fprintf(rep, "%s%s", i ? ", " : "", sg_isa_name(isas[i]));
        fprintf(rep, " agree bit for bit for every convention\n");
    }
    return isas_agree;
}

/* "diverged (NaN at step 12, run avx2/g0=0.5)" for the first diverged run, or false. */
static bool find_divergence(const sg_isa *isas, int n_isas, const float *g0, int n_conv,
                            sg_train_result (*res)[MAX_CONV], char *out, size_t out_len)
{
    for (int i = 0; i < n_isas; i++)
        for (int c = 0; c < n_conv; c++) {
            const sg_train_result *r = &res[i][c];
            if (!r->diverged)
                continue;
            const float l = r->loss[r->steps - 1];
            char what[64];
            if (r->blowup == SG_BLOWUP_BOUND)
                snprintf(what, sizeof what, "loss %.3g > %g", (double)l, (double)SG_TRAIN_MAX_LOSS);
            else
                snprintf(what, sizeof what, "%s%s", r->blowup == SG_BLOWUP_NAN ? "NaN" : "inf",
                         isfinite(l) ? " in the weights" : "");
            snprintf(out, out_len, "diverged (%s at step %zu, run %s/g0=%g)", what, r->steps - 1,
                     sg_isa_name(isas[i]), (double)g0[c]);
            return true;
        }
    return false;
}

/* Output paths checked against the inputs and each other before anything is created. */
static int check_output_ids(const options *o, const input *in, bool files_open)
{
    char s1[SG_CLI_SHOWN], s2[SG_CLI_SHOWN];
    const bool csv = o->csv && strcmp(o->csv, "-") != 0;
    sg_path_id csv_id, save_id;
    if (csv)
        sg_path_identify(o->csv, &csv_id);
    if (o->save)
        sg_path_identify(o->save, &save_id);
    for (int i = 0; files_open && i < 4; i++) {
        if (csv && sg_path_same(&csv_id, &in[i].id))
            return sg_cli_error(CMD, "--loss-csv %s is the input %s %s; refusing to overwrite an input",
                                sg_cli_shown(o->csv, s1), in[i].flag, sg_cli_shown(in[i].path, s2));
        if (o->save && sg_path_inside(&in[i].id, &save_id))
            return sg_cli_error(CMD, "%s %s is inside --save-weights %s, which is replaced as a whole",
                                in[i].flag, sg_cli_shown(in[i].path, s1), sg_cli_shown(o->save, s2));
    }
    if (csv && o->save && sg_path_same(&csv_id, &save_id))
        return sg_cli_error(CMD, "--loss-csv and --save-weights name the same path %s",
                            sg_cli_shown(o->csv, s1));
    if (csv && o->save && sg_path_inside(&csv_id, &save_id))
        return sg_cli_error(CMD, "--loss-csv %s is inside --save-weights %s, which is replaced as a whole",
                            sg_cli_shown(o->csv, s1), sg_cli_shown(o->save, s2));
    return 0;
}

int sg_cmd_train(int argc, char **argv)
{
    options o = {.steps = 200,
                 .lr = 0.002,
                 .n = 4,
                 .d_in = 2,
                 .hidden = 30,
                 .d_out = 1,
                 .loss_every = 1,
                 .csv_max = LOSS_CSV_MAX_DEFAULT};
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
        {"--lr", SG_ARG_DOUBLE, &o.lr, "X  learning rate, > 0 (default 0.002)", false},
        {"--n", SG_ARG_SIZE, &o.n, "N  samples, random data (default 4)", false},
        {"--d-in", SG_ARG_SIZE, &o.d_in, "N  inputs without the bias column, random data (default 2)", false},
        {"--hidden", SG_ARG_SIZE, &o.hidden, "N  hidden units, built-in data (default 30)", false},
        {"--d-out", SG_ARG_SIZE, &o.d_out, "N  outputs, random data (default 1)", false},
        {"--loss-csv", SG_ARG_STRING, &o.csv, "FILE|-  write isa,grad_at_zero,step,loss rows (-: stdout)",
         false},
        {"--loss-every", SG_ARG_SIZE, &o.loss_every, "N  CSV: every N-th step and the last (default 1)",
         false},
        {"--loss-csv-max", SG_ARG_U64, &o.csv_max, "BYTES  CSV size limit (default 64 MiB)", false},
        {"--save-weights", SG_ARG_STRING, &o.save, "DIR  write w1/w2_<isa>_g<g0>.npy per run, as one set",
         false},
        {"--precision", SG_ARG_STRING, &o.precision,
         "f32|bf16|fp16  matmul operands rounded to this precision, f32 accumulation (default f32)", false},
        {"--mask", SG_ARG_FLAG, &o.mask,
         "backward pass from relu_mask's 2-bit codes instead of h (bit-identical results)", false},
        {"--quiet", SG_ARG_FLAG, &o.quiet,
         "no progress line on stderr (shown when stderr is a terminal, after the first second)", false},
        {"--unfused", SG_ARG_FLAG, &o.unfused,
         "seven kernel calls per step instead of the ISA's fused train_step (bit-identical results)", false},
    };
    const size_t n_args = sizeof args / sizeof args[0];
    const int pr =
        sg_args_parse(CMD, argc, argv, args, n_args,
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
    sg_precision prec = SG_PREC_F32;
    char shown[SG_CLI_SHOWN];
    if (o.precision && sg_precision_parse(o.precision, &prec) != 0)
        return sg_cli_error(CMD, "--precision: unknown precision '%s' (f32, bf16, fp16)",
                            sg_cli_shown(o.precision, shown));
    if (o.steps < 1 || o.steps > SG_TRAIN_MAX_STEPS)
        return sg_cli_error(CMD, "--steps must be between 1 and %zu, got %zu", SG_TRAIN_MAX_STEPS, o.steps);
    const float lr = (float)o.lr;
    if (!isfinite(lr))
        return sg_cli_error(CMD, "--lr %g is not finite as a float", o.lr);
    if (o.lr <= 0)
        return sg_cli_error(CMD, "--lr must be positive, got %g", o.lr);
    if (lost_as_float(o.lr))
        return sg_cli_error(CMD, "--lr %g rounds to %g as a float (need at least %g)", o.lr, (double)lr,
                            (double)FLT_MIN);
    if (!o.csv &&
        (find_arg(args, n_args, "--loss-every")->seen || find_arg(args, n_args, "--loss-csv-max")->seen))
        return sg_cli_error(CMD, "--loss-every and --loss-csv-max apply to --loss-csv only");
    if (o.save && !strcmp(o.save, "-"))
        return sg_cli_error(CMD,
                            "--save-weights -: a set of .npy files cannot go to stdout; name a directory");
    if (o.loss_every < 1)
        return sg_cli_error(CMD, "--loss-every must be at least 1, got %zu", o.loss_every);
    if (o.csv) {
        const uint64_t bound = csv_bound(isas, n_isas, g0, n_conv, o.steps, o.loss_every);
        if (bound > o.csv_max)
            return sg_cli_error(CMD,
                                "--loss-csv: %zu steps x %d runs could write %llu bytes, above the limit of "
                                "%llu (raise --loss-every, or --loss-csv-max BYTES)",
                                o.steps, n_isas * n_conv, (unsigned long long)bound,
                                (unsigned long long)o.csv_max);
    }
    o.runs = (size_t)n_isas * (size_t)n_conv;
    o.rounded = prec != SG_PREC_F32;
    input in[4];
    bool files_open = false;
    if (check_data(&o, find_arg(args, n_args, "--n"), find_arg(args, n_args, "--d-in"),
                   find_arg(args, n_args, "--hidden"), find_arg(args, n_args, "--d-out"),
                   find_arg(args, n_args, "--seed"), in, &files_open))
        return SG_EXIT_USAGE;
    if (sg_cli_validate_only)
        return SG_EXIT_OK; /* nothing opened (files are opened only when not validating) */
    if (check_output_ids(&o, in, files_open)) {
        if (files_open)
            close_inputs(in);
        return SG_EXIT_USAGE;
    }

    /* Create every output's temporary now, so that an unwritable or refused path fails before the
       runs (naming its flag); the outputs only appear, complete, at the end. */
    sg_atomic_file csv = {.fp = NULL, .slot = -1};
    sg_atomic_dir dir = {.slot = -1};
    char err[SG_PATH_MAX + 256];
    const bool csv_file = o.csv && strcmp(o.csv, "-") != 0;
    int rc = SG_EXIT_OK;
    if (csv_file && sg_atomic_open(&csv, o.csv, err, sizeof err) != 0)
        rc = sg_cli_error(CMD, "--loss-csv %s", err);
    else if (o.save && sg_atomic_dir_open(&dir, o.save, weights_name, err, sizeof err) != 0)
        rc = sg_cli_error(CMD, "--save-weights %s", err);
    sg_train_data t = {0};
    if (rc == SG_EXIT_OK)
        rc = files_open ? load_files(in, &t) : make_data(&o, &t);
    else if (files_open)
        close_inputs(in);
    if (rc != SG_EXIT_OK) {
        sg_atomic_abort(&csv);
        sg_atomic_dir_abort(&dir);
        return rc;
    }

    /* With the CSV on stdout the human-readable report goes to stderr, so stdout is pure CSV. */
    FILE *rep = o.csv && !csv_file ? stderr : stdout;
    sg_train_result res[SG_ISA_COUNT][MAX_CONV];
    memset(res, 0, sizeof res);
    if (o.data && !strcmp(o.data, "xor"))
        fprintf(rep, "data: xor, seed %llu", (unsigned long long)o.seed);
    else if (o.x)
        fprintf(rep, "data: files %s %s %s %s", o.x, o.y, o.w1, o.w2);
    else
        fprintf(rep, "data: random, seed %llu", (unsigned long long)o.seed);
    fprintf(rep, "; N=%zu D=%zu H=%zu O=%zu, %zu steps, lr %g, precision %s\n\n", t.n, t.d, t.h, t.o, o.steps,
            (double)lr, sg_precision_name(prec));
    fprintf(rep, "%-8s %-9s %-16s %-16s %-11s %-10s %-11s %s\n", "isa", "ReLU'(0)", "first loss", "last loss",
            "zeros in h", "effective", "first zero", "first effective");
    train_progress tp;
    sg_progress_start(&tp.bar, "simdgrad train", o.quiet);
    tp.runs = (size_t)n_isas * (size_t)n_conv;
    tp.steps = o.steps;
    for (int i = 0; i < n_isas && rc == SG_EXIT_OK; i++)
        for (int c = 0; c < n_conv; c++) {
            sg_train_result *r = &res[i][c];
            tp.run = (size_t)i * (size_t)n_conv + (size_t)c;
            snprintf(tp.what, sizeof tp.what, "%s, ReLU'(0)=%g", sg_isa_name(isas[i]), (double)g0[c]);
            const sg_train_opts opts = {.g0 = g0[c],
                                        .steps = o.steps,
                                        .lr = lr,
                                        .masked = o.mask,
                                        .precision = prec,
                                        .progress = sg_progress_on(&tp.bar) ? on_steps : NULL,
                                        .progress_user = &tp,
                                        .unfused = o.unfused};
            const int trc = sg_train_run_opts(sg_kernels_get(isas[i]), &t, &opts, r, err, sizeof err);
            sg_progress_clear(&tp.bar); /* the report line goes to the same terminal, maybe */
            if (trc != 0) {
                rc = sg_cli_error(CMD, "%s", err);
                break;
            }
            char fz[24] = "never", fe[24] = "never";
            if (r->first_zero != SG_TRAIN_NEVER)
                snprintf(fz, sizeof fz, "%zu", r->first_zero);
            if (r->first_effective != SG_TRAIN_NEVER)
                snprintf(fe, sizeof fe, "%zu", r->first_effective);
            fprintf(rep, "%-8s %-9g %-16.9g %-16.9g %-11llu %-10llu %-11s %s%s\n", sg_isa_name(isas[i]),
                    (double)g0[c], (double)r->loss[0], (double)r->loss[r->steps - 1],
                    (unsigned long long)r->zeros, (unsigned long long)r->effective_zeros, fz, fe,
                    r->diverged ? "  (diverged)" : "");
        }
    sg_progress_end(&tp.bar);
    char diverged[160];
    const bool div =
        rc == SG_EXIT_OK && find_divergence(isas, n_isas, g0, n_conv, res, diverged, sizeof diverged);
    if (rc == SG_EXIT_OK) {
        fprintf(rep, "\n");
        if (!verdicts(rep, &t, isas, n_isas, g0, n_conv, res, div ? diverged : NULL))
            rc = SG_EXIT_FAIL;
        else if (div)
            rc = SG_EXIT_DIVERGED;
    }
    /* A report lost to a full disk is a failure like any other: nothing is committed after it. */
    if (rc != SG_EXIT_USAGE && sg_cli_check_stdout(CMD) != SG_EXIT_OK)
        rc = SG_EXIT_USAGE;
    if (rc == SG_EXIT_DIVERGED)
        sg_cli_error(CMD, "training %s: no output written (lower --lr; the loss bound is %g)", diverged,
                     (double)SG_TRAIN_MAX_LOSS);
    /* Outputs are written on success and on an ISA disagreement (exit 1: the CSV shows where),
       never after bad input (2) or a diverged run (3). */
    const bool write = rc == SG_EXIT_OK || rc == SG_EXIT_FAIL;
    for (int i = 0; write && o.save && i < n_isas && rc != SG_EXIT_USAGE; i++)
        for (int c = 0; c < n_conv && rc != SG_EXIT_USAGE; c++)
            if (save_weights(&dir, &t, &res[i][c], isas[i], g0[c]) != 0)
                rc = SG_EXIT_USAGE;
    if (write && o.save && rc != SG_EXIT_USAGE && sg_atomic_dir_commit(&dir, err, sizeof err) != 0)
        rc = sg_cli_error(CMD, "--save-weights %s", err);
    if (write && csv_file && rc != SG_EXIT_USAGE) {
        write_csv_rows(csv.fp, isas, n_isas, g0, n_conv, res, o.loss_every);
        if (sg_atomic_commit(&csv, err, sizeof err) != 0)
            rc = sg_cli_error(CMD, "--loss-csv %s", err);
    }
    if (write && o.csv && !csv_file && rc != SG_EXIT_USAGE) {
        write_csv_rows(stdout, isas, n_isas, g0, n_conv, res, o.loss_every);
        if (sg_cli_check_stdout(CMD) != SG_EXIT_OK)
            rc = SG_EXIT_USAGE;
    }
    sg_atomic_abort(&csv);
    sg_atomic_dir_abort(&dir);
    for (int i = 0; i < n_isas; i++)
        for (int c = 0; c < n_conv; c++)
            sg_train_result_free(&res[i][c]);
    sg_train_data_free(&t);
    return rc;
}
