/* simdgrad-bench: Google Benchmark driver for simdgrad's kernels, baselines, ceilings and peers.
 * Own flags are consumed here; everything else (--benchmark_filter, --benchmark_format, ...)
 * goes to Google Benchmark. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "eltwise.h"
#include "sg_config.h"
#include "sgb.h"
#include "sgb_build.h"
#include "sgb_vcs.h"

#if SIMDGRAD_HAVE_HWLOC
#include <hwloc.h>
#endif

static const char usage[] =
    "usage: simdgrad-bench [options] [--benchmark_* flags]\n"
    "  --quick            small sizes (L1, L2), squares up to 128, min time 0.01 s: under a minute\n"
    "  --save             write results/<host-fingerprint>/<date>.json and .md (Markdown summary)\n"
    "  --results-dir DIR  where --save writes (default: the source tree's results/)\n"
    "  --cpu N            pin the benchmark thread to PU N (OS index); default: one core of the\n"
    "                     allowed cpuset (the last one: core 0 takes most interrupts)\n"
    "  --no-pin           do not pin\n"
    "  --l3-bytes SIZE    L3 size for the working sets (overrides hwloc, its clamp, SIMDGRAD_L3_BYTES)\n"
    "  --no-peers         skip OpenBLAS / oneDNN\n"
    "  --list-sizes       print the cache sizes and working sets, run nothing\n"
    "  --note TEXT        a line for the summary header (e.g. \"taken under load\")\n"
    "Names: <kernel>/<impl>/<args>, e.g. relu/avx512/n:4096, relu_grad/avx2/g0:0.5/n:2720,\n"
    "matmul_nt/avx2/m:4/n:30/k:1; filter with --benchmark_filter=<regex>.\n";

/* ---- pinning ---- */
static int pin(int want, bool no_pin, char *desc, size_t len)
{
    snprintf(desc, len, "unpinned");
    if (no_pin)
        return 0;
#if SIMDGRAD_HAVE_HWLOC
    hwloc_topology_t topo;
    if (hwloc_topology_init(&topo) || hwloc_topology_load(topo))
        return -1;
    hwloc_bitmap_t allowed = hwloc_bitmap_alloc(), target = hwloc_bitmap_alloc();
    int rc = -1, pu = -1;
    if (hwloc_get_cpubind(topo, allowed, HWLOC_CPUBIND_PROCESS) != 0)
        hwloc_bitmap_copy(allowed, hwloc_topology_get_allowed_cpuset(topo));
    if (want >= 0) {
        if (hwloc_bitmap_isset(allowed, (unsigned)want))
            pu = want;
        else
            fprintf(stderr, "simdgrad-bench: --cpu %d is not in this process's allowed cpuset\n", want);
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
            fprintf(stderr, "simdgrad-bench: binding to PU %d failed: %s\n", pu, strerror(errno));
        }
    }
    hwloc_bitmap_free(allowed);
    hwloc_bitmap_free(target);
    hwloc_topology_destroy(topo);
    return rc;
#else
    (void)want;
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
        else if (!strcmp(r->counter_names[i], "bytes/s"))
            bytes = r->counter_values[i];
    }
    n_errors += r->error;
    sgb_results_add(r->name, r->seconds, r->error, flops, bytes);
}

int main(int argc, char **argv)
{
    if (argc == 2 && !strcmp(argv[1], "--openblas-server"))
        return sgb_openblas_server_main();

    bool quick = false, save = false, no_pin = false, no_peers = false, list_sizes = false, min_time = false;
    bool reps = false;
    bool console = true;
    int cpu = -1;
    const char *results_dir = SGB_RESULTS_DIR, *l3 = NULL, *user_note = NULL, *user_out = NULL;
    /* Static: still reachable (not a leak) on every early return. */
    static char **gb;
    gb = calloc((size_t)argc + 3, sizeof *gb);
    int gbc = 0;
    gb[gbc++] = argv[0];
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        const bool has_next = i + 1 < argc;
        if (!strcmp(a, "--help") || !strcmp(a, "-h")) {
            fputs(usage, stdout);
            return 0;
        } else if (!strcmp(a, "--quick")) {
            quick = true;
        } else if (!strcmp(a, "--save")) {
            save = true;
        } else if (!strcmp(a, "--no-pin")) {
            no_pin = true;
        } else if (!strcmp(a, "--no-peers")) {
            no_peers = true;
        } else if (!strcmp(a, "--list-sizes")) {
            list_sizes = true;
        } else if (!strcmp(a, "--results-dir") && has_next) {
            results_dir = argv[++i];
        } else if (!strcmp(a, "--l3-bytes") && has_next) {
            l3 = argv[++i];
        } else if (!strcmp(a, "--note") && has_next) {
            user_note = argv[++i];
        } else if (!strcmp(a, "--cpu") && has_next) {
            char *end;
            long v = strtol(argv[++i], &end, 10);
            if (*end || v < 0 || v > 1 << 20) {
                fprintf(stderr, "simdgrad-bench: --cpu expects a PU number, got '%s'\n", argv[i]);
                return 2;
            }
            cpu = (int)v;
        } else if (!strncmp(a, "--benchmark", 11)) {
            min_time |= !strncmp(a, "--benchmark_min_time", 20);
            reps |= !strncmp(a, "--benchmark_repetitions", 23);
            if (!strncmp(a, "--benchmark_out=", 16))
                user_out = a + 16;
            else if (!strncmp(a, "--benchmark_format=", 19))
                console = !strcmp(a + 19, "console");
            gb[gbc++] = argv[i];
        } else {
            fprintf(stderr, "simdgrad-bench: unknown or incomplete option '%s'\n%s", a, usage);
            return 2;
        }
    }
    /* Full runs: best of 3 repetitions of 0.05 s each, to see past the other tenants. */
    if (!min_time)
        gb[gbc++] = quick ? "--benchmark_min_time=0.01" : "--benchmark_min_time=0.05";
    if (!reps && !quick)
        gb[gbc++] = "--benchmark_repetitions=3";
    gb[gbc] = NULL;

    sgb_topo topo;
    char msg[256];
    if (sgb_topo_read(&topo, l3, msg, sizeof msg) != 0) {
        fprintf(stderr, "simdgrad-bench: %s\n", msg);
        return 2;
    }
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
        return 0;
    }

    char pinned[64];
    if (pin(cpu, no_pin, pinned, sizeof pinned) != 0 && cpu >= 0)
        return 2;

    sgb_initialize(&gbc, gb);
    if (sgb_report_unrecognized(gbc, gb))
        return 2;

    /* Context: what a reader of the JSON needs to compare two runs. */
    char isas[64], buf[512];
    sg_isa_list_available(isas, sizeof isas);
    sgb_context("simdgrad_version", sg_version());
    sgb_context("cpu_model", sg_cpu_model());
    sgb_context("isas_available", isas);
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
    sgb_context("mode", quick ? "quick" : "full");
    double load[3] = {0, 0, 0}, load_start = -1;
    if (getloadavg(load, 3) == 3) {
        load_start = load[0];
        snprintf(buf, sizeof buf, "%.2f %.2f %.2f", load[0], load[1], load[2]);
        sgb_context("load_average_at_start", buf);
    }

    sgb_register_ceilings(&topo, quick);
    sgb_register_kernels(&topo, quick);
    sgb_register_train();
    if (!no_peers)
        sgb_register_peers(&topo, quick);
    sgb_register_ceilings_rerun(&topo, quick);
    const sgb_impl *impls;
    const size_t ni = sgb_impls(&impls);
    sgb_context("scalar_baseline", impls[0].detail);
    sgb_context("peers", no_peers ? "skipped (--no-peers)" : sgb_peer_notes());

    char fp[160], stamp[32], json[4096], md[4096], tmp[4200];
    time_t now = time(NULL);
    struct tm tmv;
    gmtime_r(&now, &tmv);
    strftime(stamp, sizeof stamp, "%Y-%m-%dT%H%MZ", &tmv);
    fingerprint(fp, sizeof fp);
    const char *json_path = user_out;
    if (save) {
        snprintf(json, sizeof json, "%s/%s", results_dir, fp);
        if (mkdirs(json) != 0) {
            fprintf(stderr, "simdgrad-bench: cannot create %s: %s\n", json, strerror(errno));
            return 1;
        }
        snprintf(json, sizeof json, "%s/%s/%s.json", results_dir, fp, stamp);
        snprintf(md, sizeof md, "%s/%s/%s.md", results_dir, fp, stamp);
        snprintf(tmp, sizeof tmp, "%s.tmp.%ld", json, (long)getpid());
        json_path = tmp;
    }

    const size_t ran = sgb_run(json_path, on_result, NULL);
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
                             "## simdgrad bench (%s, %s)\n\n- CPU: %s; ISAs: %s; pinned PU: %s\n"
                             "- caches: L1d %zu, L2 %zu, L3 %zu B (working sets use L3 = %zu, %s)\n"
                             "- build: %s, %s, git %s\n- scalar baseline: %s\n",
                             quick ? "quick" : "full", stamp, sg_cpu_model(), isas, pinned, topo.l1d, topo.l2,
                             topo.l3, topo.l3_used, topo.l3_why, SIMDGRAD_COMPILER, SGB_BUILD_FLAGS,
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
        /* Google Benchmark wrote and closed tmp; make it durable before it takes the real name. */
        int fd = open(tmp, O_RDONLY);
        if (fd >= 0) {
            fsync(fd);
            close(fd);
        }
        if (rename(tmp, json) != 0) {
            fprintf(stderr, "simdgrad-bench: cannot write %s: %s\n", json, strerror(errno));
            return 1;
        }
        if (sgb_summary_write(md, header) != 0) {
            fprintf(stderr, "simdgrad-bench: cannot write %s\n", md);
            return 1;
        }
        fprintf(stderr, "simdgrad-bench: %zu benchmarks; wrote %s and %s\n", ran, json, md);
    }
    if (console && ran)
        sgb_summary_write(NULL, header);
    if (n_errors)
        fprintf(stderr, "simdgrad-bench: %zu benchmark(s) reported an error\n", n_errors);
    sgb_shutdown();
    sgb_ctx_free_all();
    free(gb);
    return rc;
}
