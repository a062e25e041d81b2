/* simdgrad info: version, CPU, ISAs (compiled / available / selected and why, and per kernel family
 * whose code runs), topology. */
#include <inttypes.h>
#include <stdio.h>

#include "cli/args.h"
#include "cli/cli.h"
#include "cpu_info.h"
#include "sg_config.h"
#include "topology.h"

#define CMD "info"

/* "48 KiB", "1.25 MiB", "unknown". */
static const char *fmt_bytes(uint64_t b, char *buf, size_t len)
{
    if (!b)
        snprintf(buf, len, "unknown");
    else if (b % (1u << 20) == 0)
        snprintf(buf, len, "%" PRIu64 " MiB", b >> 20);
    else if (b >= (1u << 20))
        snprintf(buf, len, "%.2f MiB", (double)b / (1 << 20));
    else if (b % 1024 == 0)
        snprintf(buf, len, "%" PRIu64 " KiB", b >> 10);
    else
        snprintf(buf, len, "%" PRIu64 " B", b);
    return buf;
}

static const char *fmt_count(unsigned v, char *buf, size_t len)
{
    if (v)
        snprintf(buf, len, "%u", v);
    else
        snprintf(buf, len, "unknown");
    return buf;
}

int sg_cmd_info(int argc, char **argv)
{
    const int pr =
        sg_args_parse(CMD, argc, argv, NULL, 0, "Prints the CPU, the ISAs and the machine topology.");
    if (pr == SG_ARGS_HELP)
        return SG_EXIT_OK;
    if (pr != SG_ARGS_OK)
        return SG_EXIT_USAGE;
    char msg[256];
    sg_isa sel;
    const char *why;
    if (sg_isa_select(&sel, msg, sizeof msg, &why) != 0)
        return sg_cli_error(CMD, "%s", msg);
    if (sg_cli_validate_only)
        return SG_EXIT_OK;
    sg_topology topo;
    if (sg_topology_query(&topo, msg, sizeof msg) != 0)
        return sg_cli_error(CMD, "%s", msg);

    printf("simdgrad %s (%s, %s, %s)\n", sg_version(), SIMDGRAD_CPU_FAMILY, SIMDGRAD_COMPILER,
           SIMDGRAD_BUILDTYPE);
    char emu[384];
    if (sg_cpu_emulated(emu, sizeof emu))
        printf("cpu:            %s [emulated: %s]\n", sg_cpu_model(), emu);
    else
        printf("cpu:            %s\n", sg_cpu_model());
    printf("ISAs compiled:  ");
    for (int i = 0, first = 1; i < SG_ISA_COUNT; i++)
        if (sg_isa_compiled((sg_isa)i)) {
            printf("%s%s%s", first ? "" : ", ", sg_isa_name((sg_isa)i),
                   sg_isa_emulated((sg_isa)i) ? " (emulated)" : "");
            first = 0;
        }
    sg_isa_list_available(msg, sizeof msg);
    printf("\nISAs available: %s\n", msg);
    printf("ISA selected:   %s (%s)%s\n", sg_isa_name(sel), why,
           sg_isa_emulated(sel) ? " [EMULATED, see below]" : "");
    /* Per family whose code the selected table runs: an ISA may not implement every family yet,
       and then runs the reference for it (sg_family_impl). */
    printf("kernels:        ");
    for (int f = 0; f < SG_FAMILY_COUNT; f++) {
        const sg_isa impl = sg_family_impl(sel, (sg_family)f);
        printf("%s%s %s%s", f ? ", " : "", sg_family_name((sg_family)f), sg_isa_name(impl),
               impl != sel ? " (fallback)" : "");
    }
    printf("\n");
    if (sg_isa_compiled(SG_ISA_SVE)) {
        const size_t bits = sg_cpu_sve_vector_bits();
        if (bits)
            printf("SVE vectors:    %zu bits (svcntb(), what the SVE kernels step by)\n", bits);
        else
            printf("SVE vectors:    SVE not available on this CPU\n");
    }
    /* Available ISAs that dispatch passes over, each on one line with the reason. */
    for (int i = 0; i < SG_ISA_COUNT; i++) {
        const char *not_preferred = sg_isa_not_preferred((sg_isa)i);
        if (not_preferred) {
            char label[32];
            snprintf(label, sizeof label, "%s:", sg_isa_name((sg_isa)i));
            printf("%-16savailable, not preferred %s\n", label, not_preferred);
        }
    }

    char a[32], b[32], c[32], c2[32];
#if !SIMDGRAD_HAVE_HWLOC
    printf("hwloc:          not available in this build (figures below from sysconf and sysfs)\n");
#endif
    printf("topology:       %s packages, %s cores, %s PUs (%s)\n", fmt_count(topo.packages, a, sizeof a),
           fmt_count(topo.cores, b, sizeof b), fmt_count(topo.pus, c, sizeof c), topo.source);
    printf("caches:         L1d %s, L2 %s, L3 %s", fmt_bytes(topo.l1d, a, sizeof a),
           fmt_bytes(topo.l2, b, sizeof b), fmt_bytes(topo.l3, c, sizeof c));
    if (topo.l3_count)
        printf(" (x%u)", topo.l3_count);
    if (topo.l3_overridden)
        printf(" [SIMDGRAD_L3_BYTES; system reports %s]", fmt_bytes(topo.l3_reported, a, sizeof a));
    else if (topo.l3_clamped)
        printf(" [clamped: system reports %s, implausible; set SIMDGRAD_L3_BYTES to override]",
               fmt_bytes(topo.l3_reported, a, sizeof a));
    printf("\n");
    /* The packed matmul blocks for these sizes (hwloc's, handed over as the benchmarks do). */
    sg_topology_set_kernel_caches(&topo);
    sg_cache_sizes cs;
    sg_cache_sizes_get(&cs);
    for (int i = 0; i < SG_ISA_COUNT; i++) {
        sg_matmul_blocking bl;
        if (sg_matmul_blocking_get((sg_isa)i, &bl) != 0)
            continue;
        char d[32];
        printf("matmul %-7s %zux%zu tile, kc %zu, mc %zu, nc %zu; packed when op(A) > %s (NN, TN) / %s (NT, "
               "TT); "
               "from L1d %s, L2 %s, L3 %s%s\n",
               sg_isa_name((sg_isa)i), bl.mr, bl.nr, bl.kc, bl.mc, bl.nc,
               fmt_bytes(bl.pack_min_a_bytes, a, sizeof a), fmt_bytes(bl.pack_min_a_bytes_bt, d, sizeof d),
               fmt_bytes(cs.l1d, b, sizeof b), fmt_bytes(cs.l2, c, sizeof c), fmt_bytes(cs.l3, c2, sizeof c2),
               sg_isa_available((sg_isa)i) ? "" : " (not available on this CPU)");
    }
    return SG_EXIT_OK;
}
