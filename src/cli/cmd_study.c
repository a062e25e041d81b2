/* simdgrad study: does ReLU'(0) matter? Trains the built-in task for a range of seeds with ReLU'(0) =
 * 1, 0 and 0.5 at each requested precision (src/study.c) and prints how often the conventions
 * diverge, with a confidence interval; the per-run facts go to --csv and --json for tools.
 * Every input is validated and every output's temporary created before anything runs (exit 2 with
 * one line on bad input); runs that diverge numerically are a finding, counted, not an error. */
#define _GNU_SOURCE
#include <float.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/args.h"
#include "cli/cli.h"
#include "progress.h"
#include "sg_config.h"
#include "study.h"
#include "topology.h"

#if SIMDGRAD_HAVE_JSONC
#include <json-c/json.h>
#endif

#define CMD "study"

typedef struct options {
    const char *range, *data, *precision, *isa, *csv, *json;
    size_t seeds, steps, threads;
    double lr;
    bool quiet; /* no progress line */
} options;

/* The progress line (src/progress.h): seeds finished, reported from the study's watching thread. */
static void on_seeds(void *user, size_t done, size_t seeds)
{
    char stage[64];
    snprintf(stage, sizeof stage, "seed %zu of %zu", done, seeds);
    sg_progress_update(user, (double)done, (double)seeds, stage, false);
}

static const sg_arg *find_arg(const sg_arg *args, size_t n, const char *name)
{
    for (size_t i = 0; i < n; i++)
        if (!strcmp(args[i].name, name))
            return &args[i];
    abort(); /* a typo in this file, not user input */
}

/* "A..B" (inclusive, A <= B) into seed0 and the count. */
static int parse_range(const char *arg, uint64_t *seed0, size_t *n)
{
    char shown[SG_CLI_SHOWN], a[32], *dots = strstr(arg, "..");
    uint64_t lo, hi;
    if (!dots || (size_t)(dots - arg) >= sizeof a)
        return sg_cli_error(CMD, "--seed-range: expected A..B (e.g. 0..1999), got '%s'",
                            sg_cli_shown(arg, shown));
    memcpy(a, arg, (size_t)(dots - arg));
    a[dots - arg] = '\0';
    if (sg_args_parse_u64(a, &lo) != 0 || sg_args_parse_u64(dots + 2, &hi) != 0)
        return sg_cli_error(CMD, "--seed-range: expected A..B with non-negative integers, got '%s'",
                            sg_cli_shown(arg, shown));
    if (hi < lo)
        return sg_cli_error(CMD, "--seed-range %s: the range is empty (B < A)", sg_cli_shown(arg, shown));
    if (hi - lo >= SG_STUDY_MAX_SEEDS)
        return sg_cli_error(CMD, "--seed-range %s: at most %zu seeds", sg_cli_shown(arg, shown),
                            SG_STUDY_MAX_SEEDS);
    *seed0 = lo;
    *n = (size_t)(hi - lo) + 1;
    return 0;
}

/* "f32,bf16,fp16": each known, none twice, in the order given. */
static int parse_precisions(const char *arg, sg_precision *out, int *n)
{
    char shown[SG_CLI_SHOWN], item[16];
    *n = 0;
    for (const char *p = arg;;) {
        const char *end = strchr(p, ',');
        const size_t len = end ? (size_t)(end - p) : strlen(p);
        sg_precision v;
        if (len == 0 || len >= sizeof item)
            return sg_cli_error(CMD,
                                "--precision: expected a comma-separated list of f32, bf16, fp16, got '%s'",
                                sg_cli_shown(arg, shown));
        memcpy(item, p, len);
        item[len] = '\0';
        if (sg_precision_parse(item, &v) != 0)
            return sg_cli_error(CMD, "--precision: unknown precision '%s' (f32, bf16, fp16)",
                                sg_cli_shown(item, shown));
        for (int i = 0; i < *n; i++)
            if (out[i] == v)
                return sg_cli_error(CMD, "--precision: '%s' given twice", item);
        out[(*n)++] = v;
        if (!end)
            return 0;
        p = end + 1;
    }
}

static void print_header(FILE *rep, const sg_study_cfg *c)
{
    fprintf(rep,
            "study: data %s, seeds %llu..%llu (%zu), %zu steps, lr %g, ReLU'(0) = 1, 0, 0.5; kernels %s\n",
            c->xor ? "xor" : "random", (unsigned long long)c->seed0,
            (unsigned long long)(c->seed0 + c->n_seeds - 1), c->n_seeds, c->steps, (double)c->lr,
            sg_isa_name(c->k->isa));
    fprintf(rep,
            "diverge: the three conventions' runs are not bit-identical (their first differing update "
            "is the first divergence step);\n"
            "eff. zero: seeds where h == 0 exactly with a non-zero upstream gradient; |dloss|: largest "
            "|final loss difference| over pairs,\n"
            "over the diverging seeds without numerical divergence (med rel|dl|: median of |dloss| / the "
            "largest final loss);\n"
            "max rel gap: largest |La-Lb|/max(|La|,|Lb|) at any step; numerical: seeds with a run whose loss "
            "or weights became NaN/inf or loss > %g\n\n",
            (double)SG_TRAIN_MAX_LOSS);
}

#if SIMDGRAD_HAVE_JSONC
static json_object *jstep(size_t s) { return s == SG_TRAIN_NEVER ? NULL : json_object_new_int64((int64_t)s); }

/* Doubles with 9 significant digits, like the CSV: enough for every float, and the same text on
   every platform. */
static json_object *jnum(double v)
{
    char buf[40];
    if (!isfinite(v))
        return NULL;
    snprintf(buf, sizeof buf, "%.9g", v);
    return json_object_new_double_s(v, buf);
}

static json_object *study_json(const sg_study *s)
{
    const sg_study_cfg *c = &s->cfg;
    json_object *root = json_object_new_object(), *cfg = json_object_new_object();
    json_object_object_add(cfg, "data", json_object_new_string(c->xor ? "xor" : "random"));
    json_object_object_add(cfg, "seed_first", json_object_new_uint64(c->seed0));
    json_object_object_add(cfg, "seeds", json_object_new_int64((int64_t)c->n_seeds));
    json_object_object_add(cfg, "steps", json_object_new_int64((int64_t)c->steps));
    json_object_object_add(cfg, "lr", jnum(c->lr));
    json_object *g0 = json_object_new_array();
    for (int v = 0; v < SG_STUDY_CONV; v++)
        json_object_array_add(g0, jnum(sg_study_g0[v]));
    json_object_object_add(cfg, "grad_at_zero", g0);
    json_object_object_add(cfg, "loss_bound", jnum(SG_TRAIN_MAX_LOSS));
    json_object_object_add(cfg, "isa", json_object_new_string(sg_isa_name(c->k->isa)));
    json_object_object_add(cfg, "threads", json_object_new_int((int)c->threads));
    json_object_object_add(cfg, "pinning", json_object_new_string(s->pinning));
    json_object_object_add(root, "config", cfg);
    json_object *rate = json_object_new_object();
    const double steps = (double)c->n_seeds * c->n_prec * SG_STUDY_CONV * (double)c->steps;
    json_object_object_add(rate, "seconds", jnum(s->seconds));
    json_object_object_add(rate, "training_steps", json_object_new_int64((int64_t)steps));
    json_object_object_add(rate, "steps_per_second", jnum(s->seconds > 0 ? steps / s->seconds : 0));
    json_object_object_add(root, "time", rate);
    json_object *sum = json_object_new_array();
    for (int p = 0; p < c->n_prec; p++) {
        sg_study_summary m;
        sg_study_summarize(s, p, &m);
        json_object *o = json_object_new_object(), *ci = json_object_new_object(),
                    *q = json_object_new_object();
        json_object_object_add(o, "precision", json_object_new_string(sg_precision_name(c->prec[p])));
        json_object_object_add(o, "seeds", json_object_new_int64((int64_t)m.seeds));
        json_object_object_add(o, "diverging", json_object_new_int64((int64_t)m.diverging));
        json_object_object_add(o, "fraction", jnum(m.fraction));
        json_object_object_add(ci, "method", json_object_new_string("wilson score"));
        json_object_object_add(ci, "level", jnum(0.95));
        json_object_object_add(ci, "low", jnum(m.ci_lo));
        json_object_object_add(ci, "high", jnum(m.ci_hi));
        json_object_object_add(o, "interval", ci);
        static const char *const qn[5] = {"min", "q1", "median", "q3", "max"};
        for (int j = 0; j < 5; j++)
            json_object_object_add(q, qn[j], jstep(m.q[j]));
        json_object_object_add(o, "first_divergence_step", q);
        json_object_object_add(o, "effective_zero_seeds", json_object_new_int64((int64_t)m.effective_seeds));
        json_object_object_add(o, "mean_abs_dfinal_loss", jnum(m.mean_dloss));
        json_object_object_add(o, "max_abs_dfinal_loss", jnum(m.max_dloss));
        json_object_object_add(o, "median_rel_abs_dfinal_loss", jnum(m.median_rel_dloss));
        json_object_object_add(o, "max_rel_loss_gap", jnum(m.max_loss_gap));
        json_object_object_add(o, "numerically_diverged_seeds", json_object_new_int64((int64_t)m.numerical));
        json_object_array_add(sum, o);
    }
    json_object_object_add(root, "summary", sum);
    /* Per seed and precision: the comparison and the three runs (in grad_at_zero's order). */
    json_object *cells = json_object_new_array();
    for (size_t i = 0; i < c->n_seeds; i++)
        for (int p = 0; p < c->n_prec; p++) {
            const sg_study_cell *cell = &s->cells[i * (size_t)c->n_prec + (size_t)p];
            json_object *o = json_object_new_object(), *runs = json_object_new_array();
            json_object_object_add(o, "seed", json_object_new_uint64(c->seed0 + i));
            json_object_object_add(o, "precision", json_object_new_string(sg_precision_name(c->prec[p])));
            json_object_object_add(o, "identical", json_object_new_boolean(cell->identical));
            json_object_object_add(o, "first_divergence", jstep(cell->first_diff));
            json_object_object_add(o, "max_rel_loss_gap", jnum(cell->max_loss_gap));
            json_object_object_add(o, "max_weight_dist", jnum(cell->max_weight_dist));
            json_object_object_add(o, "max_abs_dfinal_loss", jnum(cell->max_dloss));
            json_object_object_add(o, "numerical", json_object_new_boolean(cell->numerical));
            for (int v = 0; v < SG_STUDY_CONV; v++) {
                const sg_study_facts *u = &cell->run[v];
                json_object *r = json_object_new_object();
                json_object_object_add(r, "zeros", json_object_new_uint64(u->zeros));
                json_object_object_add(r, "effective_zeros", json_object_new_uint64(u->effective_zeros));
                json_object_object_add(r, "first_zero", jstep(u->first_zero));
                json_object_object_add(r, "first_effective", jstep(u->first_effective));
                json_object_object_add(r, "steps_run", json_object_new_int64((int64_t)u->steps_run));
                json_object_object_add(r, "final_loss", jnum(u->final_loss));
                json_object_object_add(r, "numerical",
                                       json_object_new_string(sg_train_blowup_name(u->blowup)));
                json_object_array_add(runs, r);
            }
            json_object_object_add(o, "runs", runs);
            json_object_array_add(cells, o);
        }
    json_object_object_add(root, "cells", cells);
    return root;
}
#endif

static int write_json(FILE *fp, const sg_study *s)
{
#if SIMDGRAD_HAVE_JSONC
    json_object *j = study_json(s);
    const char *text =
        json_object_to_json_string_ext(j, JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE);
    const int rc = text && fputs(text, fp) >= 0 && fputc('\n', fp) != EOF ? 0 : -1;
    json_object_put(j);
    return rc;
#else
    (void)fp, (void)s;
    return -1;
#endif
}

int sg_cmd_study(int argc, char **argv)
{
    options o = {.seeds = 100, .steps = 200, .lr = 0.002};
    sg_arg args[] = {
        {"--seeds", SG_ARG_SIZE, &o.seeds, "K  seeds 0..K-1 (default 100)", false},
        {"--seed-range", SG_ARG_STRING, &o.range, "A..B  seeds A to B inclusive (instead of --seeds)", false},
        {"--steps", SG_ARG_SIZE, &o.steps, "N  training steps per run (default 200)", false},
        {"--data", SG_ARG_STRING, &o.data, "random|xor  built-in data set, as train (default random)", false},
        {"--precision", SG_ARG_STRING, &o.precision,
         "LIST  comma-separated f32,bf16,fp16: matmul operand precision(s) (default all three)", false},
        {"--lr", SG_ARG_DOUBLE, &o.lr, "X  learning rate, > 0 (default 0.002)", false},
        {"--isa", SG_ARG_STRING, &o.isa, "NAME  kernels to use (default: SIMDGRAD_ISA or the widest)", false},
        {"--threads", SG_ARG_SIZE, &o.threads,
         "T  worker threads, each pinned to a core (default: the cores)", false},
        {"--csv", SG_ARG_STRING, &o.csv, "FILE|-  one row per seed x precision x ReLU'(0) (-: stdout)",
         false},
        {"--json", SG_ARG_STRING, &o.json, "FILE|-  configuration, time, summary and per-seed facts", false},
        {"--quiet", SG_ARG_FLAG, &o.quiet,
         "no progress line on stderr (shown when stderr is a terminal, after the first second)", false},
    };
    const size_t n_args = sizeof args / sizeof args[0];
    const int pr =
        sg_args_parse(CMD, argc, argv, args, n_args,
                      "Trains the built-in task per seed with ReLU'(0) = 1, 0, 0.5 at each precision and "
                      "reports how often the conventions diverge.");
    if (pr == SG_ARGS_HELP)
        return SG_EXIT_OK;
    if (pr != SG_ARGS_OK)
        return SG_EXIT_USAGE;

    char err[SG_PATH_MAX + 256], shown[SG_CLI_SHOWN];
    sg_study_cfg c = {.steps = o.steps, .pin = true};
    if (o.range && find_arg(args, n_args, "--seeds")->seen)
        return sg_cli_error(CMD, "--seeds and --seed-range are mutually exclusive");
    if (o.range) {
        if (parse_range(o.range, &c.seed0, &c.n_seeds))
            return SG_EXIT_USAGE;
    } else if (o.seeds < 1 || o.seeds > SG_STUDY_MAX_SEEDS) {
        return sg_cli_error(CMD, "--seeds must be between 1 and %zu, got %zu", SG_STUDY_MAX_SEEDS, o.seeds);
    } else {
        c.n_seeds = o.seeds;
    }
    if (o.steps < 1 || o.steps > SG_TRAIN_MAX_STEPS)
        return sg_cli_error(CMD, "--steps must be between 1 and %zu, got %zu", SG_TRAIN_MAX_STEPS, o.steps);
    if (o.data && strcmp(o.data, "random") && strcmp(o.data, "xor"))
        return sg_cli_error(CMD, "--data: unknown data set '%s' (random, xor)", sg_cli_shown(o.data, shown));
    c.xor = o.data && !strcmp(o.data, "xor");
    if (o.precision) {
        if (parse_precisions(o.precision, c.prec, &c.n_prec))
            return SG_EXIT_USAGE;
    } else {
        for (int p = 0; p < SG_PREC_COUNT; p++)
            c.prec[c.n_prec++] = (sg_precision)p;
    }
    c.lr = (float)o.lr;
    if (!isfinite(c.lr))
        return sg_cli_error(CMD, "--lr %g is not finite as a float", o.lr);
    if (o.lr <= 0)
        return sg_cli_error(CMD, "--lr must be positive, got %g", o.lr);
    if (c.lr < FLT_MIN)
        return sg_cli_error(CMD, "--lr %g rounds to %g as a float (need at least %g)", o.lr, (double)c.lr,
                            (double)FLT_MIN);
    sg_isa isa;
    const char *why;
    if (sg_isa_select(&isa, err, sizeof err, &why) != 0)
        return sg_cli_error(CMD, "%s", err);
    if (o.isa && !strcmp(o.isa, "all"))
        return sg_cli_error(CMD,
                            "--isa all: the study runs on one ISA (its results are the same on every ISA: "
                            "compare --csv files to check)");
    if (o.isa && sg_isa_check_name("--isa", o.isa, &isa, err, sizeof err) != 0)
        return sg_cli_error(CMD, "%s", err);
    c.k = sg_kernels_get(isa);
    if (find_arg(args, n_args, "--threads")->seen) {
        if (o.threads < 1 || o.threads > SG_STUDY_MAX_THREADS)
            return sg_cli_error(CMD, "--threads must be between 1 and %d, got %zu", SG_STUDY_MAX_THREADS,
                                o.threads);
        c.threads = (unsigned)o.threads;
    } else if (sg_cli_validate_only) {
        c.threads = 1; /* the fuzz target: no topology load per input */
    } else {
        sg_topology topo;
        if (sg_topology_query(&topo, err, sizeof err) != 0)
            return sg_cli_error(CMD, "%s", err);
        c.threads = topo.cores ? topo.cores : 1;
        c.threads = c.threads > SG_STUDY_MAX_THREADS ? SG_STUDY_MAX_THREADS : c.threads;
    }
    if (c.threads > c.n_seeds)
        c.threads = (unsigned)c.n_seeds; /* a worker without a seed would only be pinned */
    if (sg_study_check(&c, err, sizeof err) != 0)
        return sg_cli_error(CMD, "%s", err);
    const bool csv_out = o.csv && !strcmp(o.csv, "-"), json_out = o.json && !strcmp(o.json, "-");
    if (csv_out && json_out)
        return sg_cli_error(CMD, "--csv - and --json - cannot both go to stdout");
#if !SIMDGRAD_HAVE_JSONC
    if (o.json)
        return sg_cli_error(CMD,
                            "--json is not available in this build (no json-c; cross builds): use --csv");
#endif
    if (o.csv && o.json && !csv_out && !json_out) {
        sg_path_id a, b;
        sg_path_identify(o.csv, &a);
        sg_path_identify(o.json, &b);
        if (sg_path_same(&a, &b))
            return sg_cli_error(CMD, "--csv and --json name the same path %s", sg_cli_shown(o.csv, shown));
    }
    if (sg_cli_validate_only)
        return SG_EXIT_OK;

    /* Outputs' temporaries first: an unwritable path fails before minutes of training. */
    sg_atomic_file csv = {.fp = NULL, .slot = -1}, json = {.fp = NULL, .slot = -1};
    if (o.csv && !csv_out && sg_atomic_open(&csv, o.csv, err, sizeof err) != 0)
        return sg_cli_error(CMD, "--csv %s", err);
    if (o.json && !json_out && sg_atomic_open(&json, o.json, err, sizeof err) != 0) {
        sg_atomic_abort(&csv);
        return sg_cli_error(CMD, "--json %s", err);
    }
    sg_study s;
    sg_progress bar;
    sg_progress_start(&bar, "simdgrad study", o.quiet);
    if (sg_progress_on(&bar)) {
        c.progress = on_seeds;
        c.progress_user = &bar;
    }
    const int run_rc = sg_study_run(&s, &c, err, sizeof err);
    sg_progress_end(&bar); /* before the table, which may go to the same terminal */
    if (run_rc != 0) {
        sg_atomic_abort(&csv);
        sg_atomic_abort(&json);
        return sg_cli_error(CMD, "%s", err);
    }
    /* With a file on stdout the human-readable report goes to stderr, so stdout is pure data. */
    FILE *rep = csv_out || json_out ? stderr : stdout;
    print_header(rep, &c);
    sg_study_write_table(rep, &s);
    const double steps = (double)c.n_seeds * c.n_prec * SG_STUDY_CONV * (double)c.steps;
    fprintf(rep,
            "\n%zu seeds x 3 conventions x %d precision%s x %zu steps = %.0f training steps in %.2f s: "
            "%.3g steps/s, %.0f seeds/s (%u thread%s, %s)\n",
            c.n_seeds, c.n_prec, c.n_prec == 1 ? "" : "s", c.steps, steps, s.seconds,
            s.seconds > 0 ? steps / s.seconds : 0, s.seconds > 0 ? (double)c.n_seeds / s.seconds : 0,
            c.threads, c.threads == 1 ? "" : "s", s.pinning);
    int rc = SG_EXIT_OK;
    if (csv_out)
        sg_study_write_csv(stdout, &s);
    if (json_out && write_json(stdout, &s) != 0)
        rc = sg_cli_error(CMD, "--json -: cannot write the JSON");
    if (rc == SG_EXIT_OK && sg_cli_check_stdout(CMD) != SG_EXIT_OK)
        rc = SG_EXIT_USAGE;
    if (rc == SG_EXIT_OK && o.csv && !csv_out) {
        sg_study_write_csv(csv.fp, &s);
        if (sg_atomic_commit(&csv, err, sizeof err) != 0)
            rc = sg_cli_error(CMD, "--csv %s", err);
    }
    if (rc == SG_EXIT_OK && o.json && !json_out) {
        if (write_json(json.fp, &s) != 0)
            rc = sg_cli_error(CMD, "--json %s: cannot write the JSON", sg_cli_shown(o.json, shown));
        else if (sg_atomic_commit(&json, err, sizeof err) != 0)
            rc = sg_cli_error(CMD, "--json %s", err);
    }
    sg_atomic_abort(&csv);
    sg_atomic_abort(&json);
    sg_study_free(&s);
    return rc;
}
