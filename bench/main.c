/* simdgrad-bench: Google Benchmark driver for simdgrad's kernels, baselines, ceilings and peers.
 * Its own flags are parsed by the CLI's parser (src/cli/args.h); --benchmark_* flags go to Google
 * Benchmark. `simdgrad bench` execs this program, so every error is one "simdgrad bench: ..." line
 * and exit code 2, reported before anything runs or is written. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "cli/args.h"
#include "cli/cli.h"
#include "eltwise.h"
#include "sg_config.h"
#include "sgb.h"
#include "sgb_build.h"
#include "sgb_vcs.h"

#if SIMDGRAD_HAVE_HWLOC
#include <hwloc.h>
#endif

#define CMD "bench"

static const char summary[] =
    "Times every kernel family on every available ISA against the scalar and auto-vectorized\n"
    "baselines, the machine's measured ceilings and peers (OpenBLAS, oneDNN).\n"
    "--benchmark_* flags go to Google Benchmark, e.g. --benchmark_filter=<regex>,\n"
    "--benchmark_list_tests=true. Names: <kernel>/<impl>/<args>, e.g. relu/avx512/n:4096,\n"
    "relu_grad/avx2/g0:0.5/n:2720, matmul_nt/avx2/m:4/n:30/k:1.\n"
    "SIMDGRAD_ISA=<isa> times only that ISA's own kernels (the baselines always run).\n"
    "--matmul / --elementwise: an ad-hoc run of just those shapes / sizes (every implementation,\n"
    "peers included, plus the ceilings their roofline needs; no training step), same summary.";

/* ---- pinning ---- */
static int pin(int want, bool no_pin, char *desc, size_t len, char *msg, size_t msg_len)
{
    snprintf(desc, len, "unpinned");
    if (no_pin)
        return 0;
#if SIMDGRAD_HAVE_HWLOC
    hwloc_topology_t topo;
    if (hwloc_topology_init(&topo) || hwloc_topology_load(topo)) {
        snprintf(msg, msg_len, "hwloc could not load the topology to pin");
        return -1;
    }
    hwloc_bitmap_t allowed = hwloc_bitmap_alloc(), target = hwloc_bitmap_alloc();
    int rc = -1, pu = -1;
    if (hwloc_get_cpubind(topo, allowed, HWLOC_CPUBIND_PROCESS) != 0)
        hwloc_bitmap_copy(allowed, hwloc_topology_get_allowed_cpuset(topo));
    if (want >= 0) {
        if (hwloc_bitmap_isset(allowed, (unsigned)want))
            pu = want;
        else
            snprintf(msg, msg_len, "--cpu %d is not in this process's allowed cpuset", want);
    } else {
        /* The last core whose PUs intersect the allowed set; its first allowed PU. */
        const int cores = hwloc_get_nbobjs_by_type(topo, HWLOC_OBJ_CORE);
        for (int c = cores - 1; c >= 0 && pu < 0; c--) {
            hwloc_obj_t core = hwloc_get_obj_by_type(topo, HWLOC_OBJ_CORE, (unsigned)c);
            hwloc_bitmap_and(target, core->cpuset, allowed);
            pu = hwloc_bitmap_first(target);
        }
        if (pu < 0)
            pu = hwloc_bitmap_first(allowed);
    }
    if (pu >= 0) {
        hwloc_bitmap_only(target, (unsigned)pu);
        if (hwloc_set_cpubind(topo, target, HWLOC_CPUBIND_THREAD) == 0) {
            snprintf(desc, len, "%d", pu);
            rc = 0;
        } else {
            snprintf(msg, msg_len, "binding to PU %d failed: %s", pu, strerror(errno));
        }
    }
    hwloc_bitmap_free(allowed);
    hwloc_bitmap_free(target);
    hwloc_topology_destroy(topo);
    return rc;
#else
    (void)want;
    (void)msg;
    (void)msg_len;
    snprintf(desc, len, "unpinned (built without hwloc)");
    return 0;
#endif
}

/* ---- results naming ---- */
static void fingerprint(char *out, size_t len)
{
    char model[96], host[256] = "unknown";
    size_t j = 0;
    const char *src = sg_cpu_model();
    bool dash = false;
    for (size_t i = 0; src[i] && j + 1 < sizeof model && j < 40; i++) {
        char ch = src[i];
        if ((ch >= 'a' && ch <= 'z') || (ch >= '0' && ch <= '9')) {
            model[j++] = ch;
            dash = false;
        } else if (ch >= 'A' && ch <= 'Z') {
            model[j++] = (char)(ch - 'A' + 'a');
            dash = false;
        } else if (!dash && j) {
            model[j++] = '-';
            dash = true;
        }
    }
    while (j && model[j - 1] == '-')
        j--;
    model[j] = '\0';
    char isas[64] = "";
    for (int i = 0; i < SG_ISA_COUNT; i++)
        if (i != SG_ISA_SCALAR && sg_isa_available((sg_isa)i)) {
            size_t u = strlen(isas);
            snprintf(isas + u, sizeof isas - u, "%s%s", u ? "-" : "", sg_isa_name((sg_isa)i));
        }
    gethostname(host, sizeof host - 1);
    uint32_t h = 2166136261u; /* FNV-1a: the hostname itself stays out of the repository */
    for (const char *p = host; *p; p++)
        h = (h ^ (unsigned char)*p) * 16777619u;
    snprintf(out, len, "%s_%s_%08x", model[0] ? model : "cpu", isas[0] ? isas : "scalar", h);
}

static int mkdirs(const char *path)
{
    char buf[4096];
    snprintf(buf, sizeof buf, "%s", path);
    for (char *p = buf + 1; *p; p++)
        if (*p == '/') {
            *p = '\0';
            if (mkdir(buf, 0777) && errno != EEXIST)
                return -1;
            *p = '/';
        }
    return mkdir(buf, 0777) && errno != EEXIST ? -1 : 0;
}

/* ---- collecting results ---- */
static size_t n_errors;
static void on_result(const sgb_result *r, void *user)
{
    (void)user;
    double flops = 0, bytes = 0;
    for (size_t i = 0; i < r->counters; i++) {
        if (!strcmp(r->counter_names[i], "FLOP/s"))
            flops = r->counter_values[i];
        else if (!strcmp(r->counter_names[i], "bytes_per_second"))
            bytes = r->counter_values[i];
    }
    n_errors += r->error;
    sgb_progress_result(r->name, r->seconds);
    sgb_results_add(r->name, r->seconds, r->error, flops, bytes);
}

/* The Markdown summary into a new temporary file beside md, flushed to disk; 0, or -1 with err (and
   no temporary left). */
static int write_summary_tmp(const char *md, const char *header, char *tmp, size_t tmp_len, char *err,
                             size_t err_len)
{
    const int fd = sgb_tmp_create(md, tmp, tmp_len, err, err_len);
    if (fd < 0)
        return -1;
    FILE *f = fdopen(fd, "w");
    if (!f) {
        snprintf(err, err_len, "%s: %s", tmp, strerror(errno));
        close(fd);
        unlink(tmp);
        return -1;
    }
    const bool bad = sgb_summary_write(f, header) != 0 || fsync(fileno(f)) != 0;
    const int e = errno;
    if (fclose(f) != 0 || bad) {
        snprintf(err, err_len, "%s: write error: %s", tmp, strerror(bad ? e : errno));
        unlink(tmp);
        return -1;
    }
    return 0;
}

/* Ad-hoc sizes this machine cannot hold are refused before anything runs (not an out-of-memory
   abort in the middle of a run): each family's arrays, or one product's three matrices, must fit in
   physical memory. Byte sizes too small for one element of a family are refused too. 0, or -1. */
static int adhoc_fits(const sgb_shape *mm, size_t n_mm, const sgb_eltsize *elt, size_t n_elt, char *msg,
                      size_t len)
{
    const double mem = (double)sysconf(_SC_PHYS_PAGES) * (double)sysconf(_SC_PAGESIZE);
    for (size_t i = 0; i < n_elt; i++)
        for (int f = 0; f < SG_FAMILY_COUNT; f++) {
            const sg_eltwise_desc *d = sg_eltwise_find((sg_family)f);
            if (!d)
                continue;
            const size_t n = sgb_eltsize_elems(d, &elt[i]);
            const double bytes = sg_eltwise_traffic(d, n);
            if (n == 0) {
                snprintf(msg, len, "--elementwise: %s is less than one element of %s (%g bytes per element)",
                         elt[i].text, sg_family_name((sg_family)f), sg_eltwise_traffic(d, 4) / 4);
                return -1;
            }
            if (mem > 0 && bytes > mem) {
                snprintf(msg, len,
                         "--elementwise: %s needs %.0f bytes for %s's arrays, more than this machine's "
                         "memory (%.0f bytes)",
                         elt[i].text, bytes, sg_family_name((sg_family)f), mem);
                return -1;
            }
        }
    for (size_t i = 0; i < n_mm; i++) {
        const double bytes =
            4.0 * ((double)mm[i].m * mm[i].k + (double)mm[i].k * mm[i].n + (double)mm[i].m * mm[i].n);
        if (mem > 0 && bytes > mem) {
            snprintf(msg, len,
                     "--matmul: %zux%zux%zu needs %.0f bytes for its matrices, more than this machine's "
                     "memory (%.0f bytes)",
                     mm[i].m, mm[i].n, mm[i].k, bytes, mem);
            return -1;
        }
    }
    return 0;
}

/* Google Benchmark prints its usage and exits 0 on a bad format or time unit, from inside its
   parser; those values are checked here first. 0, or -1 with msg. */
static int check_gb_value(const char *arg, char *msg, size_t len)
{
    static const struct {
        const char *flag, *values[5];
    } enums[] = {
        {"--benchmark_format=", {"console", "json", "csv", NULL}},
        {"--benchmark_out_format=", {"console", "json", "csv", NULL}},
        {"--benchmark_time_unit=", {"ns", "us", "ms", "s", NULL}},
    };
    for (size_t i = 0; i < sizeof enums / sizeof enums[0]; i++) {
        const size_t fl = strlen(enums[i].flag);
        if (strncmp(arg, enums[i].flag, fl) != 0)
            continue;
        for (int v = 0; enums[i].values[v]; v++)
            if (!strcmp(arg + fl, enums[i].values[v]))
                return 0;
        snprintf(msg, len, "%.*s: unknown value '%s' (%s, %s, %s%s%s)", (int)fl - 1, arg, arg + fl,
                 enums[i].values[0], enums[i].values[1], enums[i].values[2], enums[i].values[3] ? ", " : "",
                 enums[i].values[3] ? enums[i].values[3] : "");
        return -1;
    }
    return 0;
}

int main(int argc, char **argv)
{
    if (argc == 2 && !strcmp(argv[1], "--openblas-server"))
        return sgb_openblas_server_main();

    /* --benchmark_* flags go to Google Benchmark, the rest to the shared parser. Static: still
       reachable (not a leak) on every early return. */
    static char **own, **gb;
    own = calloc((size_t)argc + 1, sizeof *own);
    gb = calloc((size_t)argc + 3, sizeof *gb);
    if (!own || !gb)
        return sg_cli_error(CMD, "out of memory");
    int ownc = 0, gbc = 0;
    own[ownc++] = argv[0];
    gb[gbc++] = argv[0];
    bool min_time = false, reps = false, console = true;
    const char *user_out = NULL;
    char msg[512];
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (strncmp(a, "--benchmark_", 12) != 0) {
            own[ownc++] = argv[i];
            continue;
        }
        if (check_gb_value(a, msg, sizeof msg) != 0)
            return sg_cli_error(CMD, "%s", msg);
        min_time |= !strncmp(a, "--benchmark_min_time", 20);
        reps |= !strncmp(a, "--benchmark_repetitions", 23);
        if (!strncmp(a, "--benchmark_out=", 16))
            user_out = a + 16;
        else if (!strncmp(a, "--benchmark_format=", 19))
            console = !strcmp(a + 19, "console");
        gb[gbc++] = argv[i];
    }

    bool quick = false, save = false, no_pin = false, no_peers = false, list_sizes = false, quiet = false;
    size_t cpu_arg = 0;
    const char *results_dir = SGB_RESULTS_DIR, *l3 = NULL, *user_note = NULL, *mm_arg = NULL, *elt_arg = NULL;
    sg_arg args[] = {
        {"--quick", SG_ARG_FLAG, &quick, "small sizes (L1, L2), squares up to 128, min time 0.01 s", false},
        {"--save", SG_ARG_FLAG, &save,
         "write <results-dir>/<host-fingerprint>/<UTC date and time>.json and .md; never replaces a file",
         false},
        {"--results-dir", SG_ARG_STRING, &results_dir,
         "DIR  where --save writes (default: the source tree's results/)", false},
        {"--cpu", SG_ARG_SIZE, &cpu_arg,
         "N  pin the benchmark thread to PU N (OS index); default: the last core of the allowed cpuset",
         false},
        {"--no-pin", SG_ARG_FLAG, &no_pin, "do not pin", false},
        {"--l3-bytes", SG_ARG_STRING, &l3,
         "SIZE  L3 size for the working sets, 64K..1024G (overrides hwloc, its clamp, SIMDGRAD_L3_BYTES)",
         false},
        {"--no-peers", SG_ARG_FLAG, &no_peers, "skip OpenBLAS / oneDNN", false},
        {"--list-sizes", SG_ARG_FLAG, &list_sizes, "print the cache sizes and working sets, run nothing",
         false},
        {"--note", SG_ARG_STRING, &user_note,
         "TEXT  a line for the summary header (e.g. \"taken under load\")", false},
        {"--matmul", SG_ARG_STRING, &mm_arg,
         "MxNxK[,FORM][,...]  time only these products (FORM: NN default, TN, NT, TT; applies to the shape "
         "before it), e.g. 64x64x64,NT,4x30x3",
         false},
        {"--elementwise", SG_ARG_STRING, &elt_arg,
         "SIZE[,SIZE...]  time only these sizes: an element count, or bytes of all arrays with B, "
         "kB/KB/MB/GB "
         "(x1000) or KiB/MiB/GiB (x1024), e.g. 4096,32kB,1MiB",
         false},
        {"--quiet", SG_ARG_FLAG, &quiet, "no progress line on stderr (shown only when stderr is a terminal)",
         false},
    };
    const int pr = sg_args_parse(CMD, ownc, own, args, sizeof args / sizeof args[0], summary);
    if (pr == SG_ARGS_HELP)
        return 0;
    if (pr != SG_ARGS_OK)
        return SG_EXIT_USAGE;
    const sg_arg *a_cpu = &args[3];
    if (a_cpu->seen && cpu_arg > (1u << 20))
        return sg_cli_error(CMD, "--cpu: expected a PU number from 0 to %u, got %zu", 1u << 20, cpu_arg);
    if (a_cpu->seen && no_pin)
        return sg_cli_error(CMD, "--cpu and --no-pin contradict each other");
    const int cpu = a_cpu->seen ? (int)cpu_arg : -1;
    if (sgb_impls_select(msg, sizeof msg) != 0)
        return sg_cli_error(CMD, "%s", msg);
    /* Ad hoc: static, registration keeps pointers into them. */
    static sgb_shape mm_shapes[64];
    static sgb_eltsize elt_sizes[64];
    size_t n_mm = 0, n_elt = 0;
    if (mm_arg && sgb_parse_matmul(mm_arg, mm_shapes, 64, &n_mm, msg, sizeof msg) != 0)
        return sg_cli_error(CMD, "%s", msg);
    if (elt_arg && sgb_parse_elementwise(elt_arg, elt_sizes, 64, &n_elt, msg, sizeof msg) != 0)
        return sg_cli_error(CMD, "%s", msg);
    if (adhoc_fits(mm_shapes, n_mm, elt_sizes, n_elt, msg, sizeof msg) != 0)
        return sg_cli_error(CMD, "%s", msg);
    const bool adhoc = mm_arg || elt_arg;
    if (adhoc)
        sgb_plan_adhoc(mm_shapes, n_mm, elt_sizes, n_elt);

    /* Full runs: best of 3 repetitions of 0.05 s each, to see past the other tenants. */
    if (!min_time)
        gb[gbc++] = quick ? "--benchmark_min_time=0.01" : "--benchmark_min_time=0.05";
    if (!reps && !quick)
        gb[gbc++] = "--benchmark_repetitions=3";
    gb[gbc] = NULL;
    /* For the progress line, the repetitions of a benchmark that sets none: the last
       --benchmark_repetitions (the one Google Benchmark keeps), else BENCHMARK_REPETITIONS, else 1. */
    int default_reps = getenv("BENCHMARK_REPETITIONS") ? atoi(getenv("BENCHMARK_REPETITIONS")) : 1;
    double min_seconds = getenv("BENCHMARK_MIN_TIME") ? atof(getenv("BENCHMARK_MIN_TIME")) : 0.5;
    for (int i = 1; i < gbc; i++) {
        if (!strncmp(gb[i], "--benchmark_repetitions=", 24))
            default_reps = atoi(gb[i] + 24);
        if (!strncmp(gb[i], "--benchmark_min_time=", 21))
            min_seconds = atof(gb[i] + 21);
    }

    /* Google Benchmark's flags, before anything is measured, registered or pinned: an unknown or malformed
       one is a usage error like any other. */
    char gb_msg[256];
    sgb_initialize(&gbc, gb, gb_msg, sizeof gb_msg);
    if (gbc > 1) {
        if (gb_msg[0])
            return sg_cli_error(CMD, "%s: %s", gb[1], gb_msg);
        return sg_cli_error(CMD, "unknown option '%s' (see simdgrad bench --help)", gb[1]);
    }

    sgb_topo topo;
    if (sgb_topo_read(&topo, l3, msg, sizeof msg) != 0)
        return sg_cli_error(CMD, "%s", msg);
    size_t ws[SGB_LEVELS];
    sgb_working_sets(&topo, ws);
    if (list_sizes) {
        printf("source=%s\nl1d=%zu\nl2=%zu\nl3=%zu\nl3_used=%zu (%s)\n", topo.source, topo.l1d, topo.l2,
               topo.l3, topo.l3_used, topo.l3_why);
        for (int l = 0; l < SGB_LEVELS; l++) {
            printf("%s: working_set=%zu", sgb_level_names[l], ws[l]);
            for (int f = 0; f < SG_FAMILY_COUNT; f++)
                if (sg_eltwise_find((sg_family)f))
                    printf(" %s_n=%zu", sg_family_name((sg_family)f),
                           sgb_eltwise_elems(sg_eltwise_find((sg_family)f), ws[l]));
            printf("\n");
        }
        for (size_t i = 0; i < n_elt; i++) { /* ad hoc: what each family makes of the size */
            printf("%s:", elt_sizes[i].text);
            for (int f = 0; f < SG_FAMILY_COUNT; f++) {
                const sg_eltwise_desc *d = sg_eltwise_find((sg_family)f);
                if (d) {
                    const size_t n = sgb_eltsize_elems(d, &elt_sizes[i]);
                    printf(" %s_n=%zu (%s)", sg_family_name((sg_family)f), n,
                           sgb_level_names[sgb_level_of(&topo, (size_t)sg_eltwise_traffic(d, n))]);
                }
            }
            printf("\n");
        }
        return 0;
    }

    char pinned[64];
    msg[0] = '\0';
    if (pin(cpu, no_pin, pinned, sizeof pinned, msg, sizeof msg) != 0) {
        if (cpu >= 0)
            return sg_cli_error(CMD, "%s", msg);
        if (msg[0]) /* the default PU: say so and run unpinned */
            sg_cli_error(CMD, "note: %s; running unpinned", msg);
    }

    /* Context: what a reader of the JSON needs to compare two runs. */
    char isas[64], buf[512];
    sg_isa_list_available(isas, sizeof isas);
    sgb_context("simdgrad_version", sg_version());
    sgb_context("cpu_model", sg_cpu_model());
    sgb_context("isas_available", isas);
    sgb_context("isas_timed", sgb_impls_selection());
    sgb_context("topology_source", topo.source ? topo.source : "?");
    snprintf(buf, sizeof buf, "L1d %zu, L2 %zu, L3 %zu (used %zu: %s)", topo.l1d, topo.l2, topo.l3,
             topo.l3_used, topo.l3_why);
    sgb_context("hwloc_caches", buf);
    snprintf(buf, sizeof buf, "%zu %zu %zu %zu", ws[0], ws[1], ws[2], ws[3]);
    sgb_context("working_sets_bytes", buf);
    sgb_context("compiler", SIMDGRAD_COMPILER);
    sgb_context("build_flags", SGB_BUILD_FLAGS);
    sgb_context("git_revision", SGB_GIT_REV);
    sgb_context("pinned_pu", pinned);
    const char *mode = adhoc ? (quick ? "adhoc, quick" : "adhoc") : quick ? "quick" : "full";
    sgb_context("mode", mode);
    if (adhoc) {
        sgb_context("adhoc_matmul", mm_arg ? mm_arg : "");
        sgb_context("adhoc_elementwise", elt_arg ? elt_arg : "");
    }
    double load[3] = {0, 0, 0}, load_start = -1;
    if (getloadavg(load, 3) == 3) {
        load_start = load[0];
        snprintf(buf, sizeof buf, "%.2f %.2f %.2f", load[0], load[1], load[2]);
        sgb_context("load_average_at_start", buf);
    }

    const unsigned levels = sgb_plan_levels(&topo, quick);
    sgb_register_ceilings(&topo, quick, levels);
    sgb_register_kernels(&topo, quick);
    if (!adhoc)
        sgb_register_train();
    if (!no_peers)
        sgb_register_peers(&topo, quick);
    sgb_register_ceilings_rerun(&topo, quick, levels);
    const sgb_impl *impls;
    const size_t ni = sgb_impls(&impls);
    sgb_context("scalar_baseline", impls[0].detail);
    sgb_context("peers", no_peers ? "skipped (--no-peers)" : sgb_peer_notes());

    /* What would run, without running it: an empty selection is an error, and a saved run must hold
       measurements (a listing is not one). */
    bool list_only;
    char filter[256];
    if (sgb_select(&list_only, msg, sizeof msg, filter, sizeof filter) == 0) {
        static const char bad_re[] = "Could not compile benchmark re: ";
        if (!strncmp(msg, bad_re, sizeof bad_re - 1))
            return sg_cli_error(CMD, "--benchmark_filter '%s' is not a valid regex: %s", filter,
                                msg + sizeof bad_re - 1);
        return sg_cli_error(CMD,
                            "--benchmark_filter '%s' matches no benchmark%s (list them with "
                            "--benchmark_list_tests=true)",
                            filter, save ? ", nothing to save" : "");
    }
    if (list_only && save)
        return sg_cli_error(CMD,
                            "--save with --benchmark_list_tests: a listing measures nothing, so there is "
                            "nothing to save");

    char fp[160], stamp[32], dir[4096], json[4200], md[4200], tmp_json[4300], tmp_md[4300];
    time_t now = time(NULL);
    struct tm tmv;
    gmtime_r(&now, &tmv);
    /* Seconds in the name: two runs in one minute are two files (and publishing never replaces). */
    strftime(stamp, sizeof stamp, "%Y-%m-%dT%H%M%SZ", &tmv);
    fingerprint(fp, sizeof fp);
    const char *json_path = list_only ? NULL : user_out;
    if (save) {
        snprintf(dir, sizeof dir, "%s/%s", results_dir, fp);
        if (mkdirs(dir) != 0)
            return sg_cli_error(CMD, "--save: cannot create %s: %s", dir, strerror(errno));
        snprintf(json, sizeof json, "%s/%s.json", dir, stamp);
        /* The JSON's temporary file exists before the run: the directory is writable. */
        const int fd = sgb_tmp_create(json, tmp_json, sizeof tmp_json, msg, sizeof msg);
        if (fd < 0)
            return sg_cli_error(CMD, "--save: %s", msg);
        close(fd);
        json_path = tmp_json;
    }

    sgb_progress_begin(quiet, default_reps, min_seconds);
    const size_t ran = sgb_run(json_path, on_result, NULL);
    sgb_progress_finish();
    /* Other work on the machine: this benchmark's own thread accounts for a load of ~1. */
    const long cpus = sysconf(_SC_NPROCESSORS_ONLN);
    char load_note[160] = "";
    if (getloadavg(load, 3) == 3) {
        const double worst = load[0] > load_start ? load[0] : load_start;
        snprintf(load_note, sizeof load_note,
                 "load average (1 min) %.2f at the start, %.2f at the end, %ld CPUs%s", load_start, load[0],
                 cpus, worst > 1.5 ? ": TAKEN UNDER LOAD (other processes competed)" : "");
    }

    /* The summary header: where these numbers come from. */
    char header[4096];
    size_t used = 0;
    used += (size_t)snprintf(header + used, sizeof header - used,
                             "## simdgrad bench (%s, %s)\n\n- CPU: %s; ISAs: %s (timed: %s); pinned PU: %s\n"
                             "- caches: L1d %zu, L2 %zu, L3 %zu B (working sets use L3 = %zu, %s)\n"
                             "- build: %s, %s, git %s\n- scalar baseline: %s\n",
                             mode, stamp, sg_cpu_model(), isas, sgb_impls_selection(), pinned, topo.l1d,
                             topo.l2, topo.l3, topo.l3_used, topo.l3_why, SIMDGRAD_COMPILER, SGB_BUILD_FLAGS,
                             SGB_GIT_REV, impls[0].detail);
    for (size_t i = 1; i < ni && used < sizeof header; i++)
        if (!strncmp(impls[i].name, "auto_", 5))
            used += (size_t)snprintf(header + used, sizeof header - used, "- %s: %s\n", impls[i].name,
                                     impls[i].detail);
    if (used < sizeof header)
        used += (size_t)snprintf(header + used, sizeof header - used, "- peers: %s\n- %s%s%s\n\n",
                                 no_peers ? "skipped" : sgb_peer_notes(), load_note, user_note ? "; " : "",
                                 user_note ? user_note : "");

    int rc = n_errors ? 1 : 0;
    if (save) {
        /* Google Benchmark wrote and closed the JSON; make it durable before it takes its name. */
        snprintf(md, sizeof md, "%s/%s.md", dir, stamp);
        char err[8400];
        if (sgb_sync_path(tmp_json) != 0)
            return sg_cli_error(CMD, "--save: %s: %s", tmp_json, strerror(errno));
        if (write_summary_tmp(md, header, tmp_md, sizeof tmp_md, err, sizeof err) != 0)
            return sg_cli_error(CMD, "--save: %s; the JSON is kept in %s", err, tmp_json);
        /* Never replace a saved run: a taken name gets the next suffix (-1, -2, ...). */
        int pub = 1;
        for (int k = 0; k < 100 && pub == 1; k++) {
            char base[4140];
            if (k)
                snprintf(base, sizeof base, "%s/%s-%d", dir, stamp, k);
            else
                snprintf(base, sizeof base, "%s/%s", dir, stamp);
            snprintf(json, sizeof json, "%s.json", base);
            snprintf(md, sizeof md, "%s.md", base);
            const char *tmps[2] = {tmp_json, tmp_md}, *finals[2] = {json, md};
            pub = sgb_publish(tmps, finals, 2, err, sizeof err);
        }
        if (pub != 0)
            return sg_cli_error(CMD, "--save: %s; the run is kept in %s and %s",
                                pub > 0 ? "every name for this second is taken" : err, tmp_json, tmp_md);
        fprintf(stderr, "simdgrad bench: %zu benchmarks; wrote %s and %s\n", ran, json, md);
    }
    if (console && ran && !list_only)
        sgb_summary_write(stdout, header);
    if (n_errors)
        fprintf(stderr, "simdgrad bench: %zu benchmark(s) reported an error\n", n_errors);
    sgb_shutdown();
    sgb_ctx_free_all();
    free(own);
    free(gb);
    return rc;
}
