/* The topology module: a plausible machine, the L3 clamp for VM-reported sizes, and the
 * SIMDGRAD_L3_BYTES override and its validation. */
#define _GNU_SOURCE
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sg_config.h"

#include "sgtest.h"
#include "topology.h"

/* The study's pinning: worker i is bound to one core, i wraps around the cores, and the binding is
   what sched_getaffinity then reports (a subset of the CPUs allowed before). Without hwloc: a reason. */
static void test_pinning(unsigned cores)
{
    char why[128], desc[64];
    sg_pinning *p = sg_pinning_open(why, sizeof why);
#if SIMDGRAD_HAVE_HWLOC
    SGT_CHECK(p != NULL, "pinning: %s", why);
    if (!p)
        return;
    cpu_set_t before, after;
    SGT_CHECK(sched_getaffinity(0, sizeof before, &before) == 0, "sched_getaffinity");
    char first[64] = "";
    for (unsigned i = 0; i <= cores; i++) {
        SGT_CHECK(sg_pinning_bind_core(p, i, desc, sizeof desc) == 0 && !strncmp(desc, "core ", 5),
                  "bind worker %u: %s", i, desc);
        SGT_CHECK(sched_getaffinity(0, sizeof after, &after) == 0, "sched_getaffinity");
        cpu_set_t both;
        CPU_AND(&both, &after, &before);
        SGT_CHECK(
            CPU_COUNT(&after) >= 1 && CPU_EQUAL(&both, &after) && CPU_COUNT(&after) <= CPU_COUNT(&before),
            "worker %u: bound to %d CPUs inside the %d allowed", i, CPU_COUNT(&after), CPU_COUNT(&before));
        if (i == 0)
            snprintf(first, sizeof first, "%s", desc);
        if (i == cores && cores > 0)
            SGT_CHECK(!strcmp(desc, first), "worker %u wraps to %s, got %s", i, first, desc);
    }
    sched_setaffinity(0, sizeof before, &before);
    printf("pinning: worker 0 -> %s, worker %u -> %s\n", first, cores, desc);
#else
    SGT_CHECK(p == NULL && strstr(why, "without hwloc"), "pinning without hwloc: %s", why);
    (void)cores, (void)desc;
#endif
    sg_pinning_close(p);
}

int main(void)
{
    char msg[256];
    sg_topology t;
    unsetenv("SIMDGRAD_L3_BYTES");
    SGT_CHECK(sg_topology_query(&t, msg, sizeof msg) == 0, "query: %s", msg);
    SGT_CHECK(t.pus >= 1 && t.source != NULL, "at least one PU (got %u)", t.pus);
    SGT_CHECK(!t.cores || t.cores <= t.pus, "cores %u <= PUs %u", t.cores, t.pus);
    SGT_CHECK(t.l3 <= SG_TOPO_L3_CLAMP && !t.l3_overridden, "L3 clamped or plausible");
    printf("topology: %u packages, %u cores, %u PUs, L1d %llu, L2 %llu, L3 %llu%s (%s)\n", t.packages,
           t.cores, t.pus, (unsigned long long)t.l1d, (unsigned long long)t.l2, (unsigned long long)t.l3,
           t.l3_clamped ? " clamped" : "", t.source);
    test_pinning(t.cores);

    /* A VM reporting 300 MiB of L3 gets clamped to 64 MiB and flagged. */
    sg_topology v = {.l3 = (uint64_t)300 << 20};
    SGT_CHECK(sg_topology_apply_l3_policy(&v, NULL, msg, sizeof msg) == 0, "clamp policy");
    SGT_CHECK(v.l3 == SG_TOPO_L3_CLAMP && v.l3_clamped && v.l3_reported == (uint64_t)300 << 20,
              "300 MiB clamped");
    sg_topology ok = {.l3 = (uint64_t)32 << 20};
    sg_topology_apply_l3_policy(&ok, NULL, msg, sizeof msg);
    SGT_CHECK(ok.l3 == (uint64_t)32 << 20 && !ok.l3_clamped, "32 MiB left alone");
    /* The override wins, also over a clamp. */
    sg_topology o = {.l3 = (uint64_t)300 << 20};
    SGT_CHECK(sg_topology_apply_l3_policy(&o, "24M", msg, sizeof msg) == 0 && o.l3 == (uint64_t)24 << 20 &&
                  o.l3_overridden && !o.l3_clamped,
              "override 24M");
    const char *bad[] = {"", "-1", "12X", "0", "M", " 5", "99999999999999999999G"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        sg_topology b = {0};
        const int rc = sg_topology_apply_l3_policy(&b, bad[i], msg, sizeof msg);
        /* "" means unset; everything else must be rejected with a message naming the variable. */
        if (!*bad[i])
            SGT_CHECK(rc == 0 && !b.l3_overridden, "empty SIMDGRAD_L3_BYTES is ignored");
        else
            SGT_CHECK(rc == -1 && strstr(msg, "SIMDGRAD_L3_BYTES"), "'%s' rejected", bad[i]);
    }
    uint64_t x;
    SGT_CHECK(sg_parse_bytes("33554432", &x) == 0 && x == 33554432u, "plain bytes");
    SGT_CHECK(sg_parse_bytes("48K", &x) == 0 && x == 48u << 10, "K suffix");
    SGT_CHECK(sg_parse_bytes("1G", &x) == 0 && x == 1u << 30, "G suffix");

    /* Through the environment, as the benchmarks and `simdgrad info` see it. */
    setenv("SIMDGRAD_L3_BYTES", "8M", 1);
    SGT_CHECK(sg_topology_query(&t, msg, sizeof msg) == 0 && t.l3 == (uint64_t)8 << 20 && t.l3_overridden,
              "env override");
    setenv("SIMDGRAD_L3_BYTES", "lots", 1);
    SGT_CHECK(sg_topology_query(&t, msg, sizeof msg) == -1, "bad env value rejected");
    printf("test_topology: %lu failure(s)\n", sgt_failures());
    return sgt_failures() ? 1 : 0;
}
