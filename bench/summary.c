/* Turns the run's results into the Markdown summary: per kernel and size, the best of
 * simdgrad's ISAs and its speed-up over the scalar reference, the auto-vectorized reference,
 * each peer, and its fraction of the measured roofline. Everything but the rate column is a
 * ratio of two measurements from this same run. */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sgb.h"

/* % roofline above this is marked: more than run-to-run noise at L1/L2 (measured ±5%). */
#define SGB_ROOF_SLACK 1.05

typedef struct res {
    char name[112];
    double seconds, flops_rate, bytes_rate;
    bool error;
    const sgb_meta *meta;
} res;

static res *all;
static size_t n_all, cap_all;

void sgb_results_add(const char *name, double seconds, bool error, double flops_rate, double bytes_rate)
{
    if (n_all == cap_all) {
        cap_all = cap_all ? 2 * cap_all : 256;
        res *grown = realloc(all, cap_all * sizeof *all);
        if (!grown)
            return;
        all = grown;
    }
    char key[112];
    snprintf(key, sizeof key, "%s", name);
    /* Manual-time benchmarks and those with their own repetition count (the far ceilings) carry
       a suffix Google Benchmark adds; the registry does not. */
    static const char *const suffixes[] = {"/repeats:", "/manual_time"};
    for (int s = 0; s < 2; s++) {
        char *suffix = strstr(key, suffixes[s]);
        if (suffix)
            *suffix = '\0';
    }
    /* Repetitions: keep the fastest, the one least disturbed by the other tenants. */
    for (size_t i = 0; i < n_all; i++)
        if (!strcmp(all[i].name, key)) {
            if (!error && (all[i].error || seconds < all[i].seconds)) {
                all[i].seconds = seconds;
                all[i].error = false;
                all[i].flops_rate = flops_rate;
                all[i].bytes_rate = bytes_rate;
            }
            return;
        }
    res *r = &all[n_all++];
    snprintf(r->name, sizeof r->name, "%s", key);
    r->seconds = seconds;
    r->error = error;
    r->flops_rate = flops_rate;
    r->bytes_rate = bytes_rate;
    r->meta = sgb_meta_find(r->name);
}

static const res *find(const char *group, const char *impl)
{
    for (size_t i = 0; i < n_all; i++)
        if (all[i].meta && !all[i].error && !strcmp(all[i].meta->group, group) &&
            !strcmp(all[i].meta->impl, impl))
            return &all[i];
    return NULL;
}

/* simdgrad's own kernels (bench/impls.c marks them): the candidates for "best ISA". */
static bool is_hand(const char *impl)
{
    const sgb_impl *impls;
    const size_t n = sgb_impls(&impls);
    for (size_t i = 0; i < n; i++)
        if (!strcmp(impls[i].name, impl))
            return impls[i].hand;
    return false;
}

static double peak_of(const char *isa)
{
    char name[64];
    snprintf(name, sizeof name, "ceiling_fma/%s", isa);
    for (size_t i = 0; i < n_all; i++)
        if (!all[i].error && !strcmp(all[i].name, name))
            return all[i].flops_rate;
    return 0;
}

/* The best bandwidth any ISA's loops reached for this pattern and level. */
static double bw_of(int level, int pattern)
{
    double best = 0;
    for (size_t i = 0; i < n_all; i++) {
        const sgb_meta *m = all[i].meta;
        if (m && !all[i].error && !strncmp(m->name, "ceiling_", 8) && strncmp(m->name, "ceiling_fma", 11) &&
            m->level == level && m->pattern == pattern && all[i].bytes_rate > best)
            best = all[i].bytes_rate;
    }
    return best;
}

double sgb_roofline_seconds_of(const sgb_meta *m, const char *isa)
{
    double peak = 0;
    if (isa) {
        peak = peak_of(isa);
    } else { /* peers: the widest ceiling measured */
        for (int i = 0; i < SG_ISA_COUNT; i++)
            if (peak_of(sg_isa_name((sg_isa)i)) > peak)
                peak = peak_of(sg_isa_name((sg_isa)i));
    }
    const double bw = bw_of(m->level, m->pattern);
    /* Without the ceiling that bounds this kernel (filtered out, or not measured) there is no roof. */
    if ((m->flops > 0 && !(peak > 0)) || (m->bytes > 0 && !(bw > 0)))
        return 0;
    return sgb_roofline_seconds(m->flops, m->bytes, peak, bw);
}

static void ratio(FILE *f, const res *num, const res *den)
{
    if (num && den && den->seconds > 0)
        fprintf(f, " %.2f |", num->seconds / den->seconds);
    else
        fprintf(f, " – |");
}

static const char *level_name(const sgb_meta *m)
{
    return m->level >= 0 && m->level < SGB_LEVELS ? sgb_level_names[m->level] : "–";
}

/* FLOP/cycle for matmul and train, bytes/cycle for the elementwise kernels: the rate column at the
   measured clock, so two machines' rows compare across clock speeds. */
static void per_cycle(FILE *f, const sgb_meta *m, double seconds, double hz)
{
    if (!(hz > 0) || !(seconds > 0))
        fprintf(f, " – |");
    else if (m->flops > 0)
        fprintf(f, " %.2f FLOP |", m->flops / seconds / hz);
    else
        fprintf(f, " %.1f B |", m->bytes / seconds / hz);
}

/* Per kernel (relu, relu_grad/g0:0.5, matmul_nn, ...), a size × implementation matrix of rates: the
   headline shows only the best ISA, this every ISA against the baselines and peers. Columns in a
   fixed order: scalar, auto_*, the hand-written ISAs, then the peers. */
/* Whether result i is the first kernel result (not a ceiling) of its table or group: the tables print one
   row or table per group at its first result. key picks the meta field (table or group). */
static bool first_of(size_t i, const char *(*key)(const sgb_meta *))
{
    const sgb_meta *m = all[i].meta;
    if (!m || !strncmp(m->name, "ceiling_", 8))
        return false;
    for (size_t j = 0; j < i; j++)
        if (all[j].meta && !strcmp(key(all[j].meta), key(m)))
            return false;
    return true;
}
static const char *table_of(const sgb_meta *m) { return m->table; }
static const char *group_of(const sgb_meta *m) { return m->group; }

static void write_isa_tables(FILE *f)
{
    static const char *const peers[] = {"openblas", "openblas_skx", "onednn"};
    const sgb_impl *impls;
    const size_t ni = sgb_impls(&impls);
    const char *cols[32];
    size_t nc = 0;
    for (int pass = 0; pass < 2; pass++) /* the baselines (scalar, auto_*) first, then simdgrad's */
        for (size_t i = 0; i < ni && nc < 29; i++)
            if (impls[i].hand == (pass == 1))
                cols[nc++] = impls[i].name;
    for (int p = 0; p < 3; p++)
        cols[nc++] = peers[p];

    fprintf(f, "\n### Per kernel: size × implementation\n\nRate of every implementation (GB/s for the "
               "elementwise kernels, GFLOP/s for matmul and train), best repetition; **bold**: the best of "
               "simdgrad's own ISAs; –: not run.\n");
    for (size_t i = 0; i < n_all; i++) {
        if (!first_of(i, table_of))
            continue;
        const sgb_meta *m = all[i].meta;
        /* The columns this kernel has a result for. */
        bool used[32] = {false};
        for (size_t j = i; j < n_all; j++)
            if (all[j].meta && !all[j].error && !strcmp(all[j].meta->table, m->table))
                for (size_t c = 0; c < nc; c++)
                    used[c] |= !strcmp(all[j].meta->impl, cols[c]);
        fprintf(f, "\n#### %s (%s)\n\n| size | level |", m->table, m->flops > 0 ? "GFLOP/s" : "GB/s");
        for (size_t c = 0; c < nc; c++)
            if (used[c])
                fprintf(f, " %s |", cols[c]);
        fprintf(f, "\n|---|---|");
        for (size_t c = 0; c < nc; c++)
            if (used[c])
                fprintf(f, "---|");
        fprintf(f, "\n");
        /* One line per group (size) of this kernel, in run order. */
        for (size_t j = i; j < n_all; j++) {
            const sgb_meta *g = all[j].meta;
            if (!g || strcmp(g->table, m->table))
                continue;
            bool done = false;
            for (size_t k = i; k < j && !done; k++)
                done = all[k].meta && !strcmp(all[k].meta->group, g->group);
            if (done)
                continue;
            const res *best = NULL;
            for (size_t c = 0; c < nc; c++) {
                const res *r = find(g->group, cols[c]);
                if (r && is_hand(cols[c]) && (!best || r->seconds < best->seconds))
                    best = r;
            }
            fprintf(f, "| %s | %s |", g->size, level_name(g));
            for (size_t c = 0; c < nc; c++) {
                if (!used[c])
                    continue;
                const res *r = find(g->group, cols[c]);
                if (!r || !(r->seconds > 0)) {
                    fprintf(f, " – |");
                    continue;
                }
                const double rate = (r->meta->flops > 0 ? r->meta->flops : r->meta->bytes) / r->seconds / 1e9;
                fprintf(f, r == best ? " **%.*f** |" : " %.*f |", r->meta->flops > 0 ? 2 : 1, rate);
            }
            fprintf(f, "\n");
        }
    }
}

static void write_body(FILE *f)
{
    const double hz = sgb_clock_hz();
    static const char *const peers[] = {"openblas", "openblas_skx", "onednn"};
    bool have_peer[3] = {false, false, false};
    for (size_t i = 0; i < n_all; i++)
        for (int p = 0; p < 3; p++)
            if (all[i].meta && !strcmp(all[i].meta->impl, peers[p]))
                have_peer[p] = true;

    fprintf(f, "### Measured ceilings\n\n| ceiling | ");
    for (int l = 0; l < SGB_LEVELS; l++)
        fprintf(f, "%s |%s", sgb_level_names[l], l + 1 < SGB_LEVELS ? " " : "");
    fprintf(f, "\n|---|---|---|---|---|\n");
    for (int p = 0; p < SGB_BW_PATTERNS; p++) {
        fprintf(f, "| %s GB/s |", sgb_bw_names[p]);
        for (int l = 0; l < SGB_LEVELS; l++) {
            double bw = bw_of(l, p);
            bw > 0 ? fprintf(f, " %.1f |", bw / 1e9) : fprintf(f, " – |");
        }
        fprintf(f, "\n");
    }
    fprintf(f, "\nPeak FMA GFLOP/s:");
    /* Every ISA of the list whose FMA ceiling was measured (bench/ceilings_<isa>.c). */
    for (int i = 0; i < SG_ISA_COUNT; i++)
        if (peak_of(sg_isa_name((sg_isa)i)) > 0) {
            const double peak = peak_of(sg_isa_name((sg_isa)i));
            fprintf(f, " %s %.1f", sg_isa_name((sg_isa)i), peak / 1e9);
            if (hz > 0)
                fprintf(f, " (%.1f FLOP/cycle)", peak / hz);
            fprintf(f, ";");
        }
    if (hz > 0)
        fprintf(f,
                "\n\nMeasured clock: %.3f GHz (dependent integer adds per thread-CPU second before the "
                "benchmarks, bench/clock.c); every per-cycle figure is a rate divided by it.",
                hz / 1e9);
    fprintf(f, "\n\n### Kernels: the best ISA\n\n");
    fprintf(f, "| kernel / size | level | best ISA | rate | per cycle | × scalar | × auto | %% roofline |");
    for (int p = 0; p < 3; p++)
        if (have_peer[p])
            fprintf(f, " × %s |", peers[p]);
    fprintf(f, "\n|---|---|---|---|---|---|---|---|");
    for (int p = 0; p < 3; p++)
        if (have_peer[p])
            fprintf(f, "---|");
    fprintf(f, "\n");

    bool above_roof = false;
    for (size_t i = 0; i < n_all; i++) {
        if (!first_of(i, group_of)) /* one row per group, at its first result */
            continue;
        const sgb_meta *m = all[i].meta;
        const res *best = NULL, *autob = NULL;
        for (size_t j = i; j < n_all; j++) {
            const sgb_meta *o = all[j].meta;
            if (!o || all[j].error || strcmp(o->group, m->group))
                continue;
            if (is_hand(o->impl) && (!best || all[j].seconds < best->seconds))
                best = &all[j];
            if (!strncmp(o->impl, "auto_", 5) && (!autob || all[j].seconds < autob->seconds))
                autob = &all[j];
        }
        if (!best)
            continue;
        const sgb_meta *b = best->meta;
        fprintf(f, "| %s | %s | %s |", m->group, level_name(m), b->impl);
        if (b->flops > 0)
            fprintf(f, " %.2f GFLOP/s |", b->flops / best->seconds / 1e9);
        else
            fprintf(f, " %.1f GB/s |", b->bytes / best->seconds / 1e9);
        per_cycle(f, b, best->seconds, hz);
        ratio(f, find(m->group, "scalar"), best);
        ratio(f, autob, best);
        double frac = sgb_roofline_fraction(b->flops, b->bytes, peak_of(b->impl), bw_of(b->level, b->pattern),
                                            best->seconds);
        /* Above the roof by more than the run-to-run noise of a best-of-3: the ceiling loops were
           measured at a worse moment than the kernel (or are weaker). Shown, never clamped. */
        const bool above = frac > SGB_ROOF_SLACK;
        above_roof |= above;
        frac > 0 ? fprintf(f, " %.0f%%%s |", 100 * frac, above ? " †" : "") : fprintf(f, " – |");
        for (int p = 0; p < 3; p++)
            if (have_peer[p])
                ratio(f, find(m->group, peers[p]), best);
        fprintf(f, "\n");
    }
    fprintf(f,
            "\nTimes are the benchmark thread's CPU time (Google Benchmark's default; the JSON also has "
            "real_time), the best of the repetitions. best ISA: the fastest of simdgrad's own kernels; "
            "level: the cache level the working set fits in (L1, L2, L3, DRAM; the JSON's \"label\"), which "
            "matches rows of machines with other cache sizes; "
            "rate: its GFLOP/s (2·m·n·k per call) or, for "
            "the elementwise kernels, GB/s (bytes read + written); per cycle: the rate over the measured "
            "clock; × X: X's time / best's time, same run "
            "(> 1: simdgrad is faster); %% roofline: max(FLOPs / peak FMA rate of that ISA, bytes / "
            "measured bandwidth of the matching pattern at that working-set level) / measured time; the "
            "bandwidth is the best of every ISA's streaming loops (at L3 and DRAM also with non-temporal "
            "stores, which skip the write-allocate read).\n");
    fprintf(f, "\nThe scalar baseline's relu and relu_grad branch on each element's sign. Each benchmark "
               "calls them on the same data again and again, so at L1 sizes the branch predictor learns the "
               "pattern, and from L2 on, where it no longer fits, it mispredicts. This is why the × scalar "
               "column jumps between the L1 and L2 rows; the vector kernels do not branch on signs "
               "(docs/scalar-baseline.md).\n");
    if (above_roof)
        fprintf(f,
                "\n† ceiling below kernel: measurement limit. The kernel beat the measured ceiling by more "
                "than %.0f%%. The ceiling loops do the same loads and stores as the kernel (or fewer), so "
                "this is run-to-run noise (the other tenants' load when each was timed, the physical pages "
                "each buffer got), not a faster access pattern; read that row's %% as about 100%%.\n",
                100 * (SGB_ROOF_SLACK - 1));
    write_isa_tables(f);
}

int sgb_summary_write(FILE *f, const char *header)
{
    fputs(header, f);
    write_body(f);
    return fflush(f) != 0 || ferror(f) ? -1 : 0;
}
