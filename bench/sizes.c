/* Working-set sizes derived from the cache sizes src/topology.c reports (hwloc, with its L3
 * clamp and the SIMDGRAD_L3_BYTES override; --l3-bytes here overrides both). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "eltwise.h"
#include "sgb.h"
#include "topology.h"

const char *const sgb_level_names[SGB_LEVELS] = {"L1", "L2", "L3", "DRAM"};

/* What --l3-bytes and SIMDGRAD_L3_BYTES may say. Below 64 KiB the L3 working set (L3/2) would not
   exceed a real L2's, and 1 byte gives 0; above 1 TiB the DRAM working set (4·L3) cannot be
   allocated anywhere, and near 2^64 (8589934591G) it overflows. */
#define SGB_L3_MIN ((uint64_t)64 << 10)
#define SGB_L3_MAX ((uint64_t)1 << 40)

static bool l3_ok(uint64_t v) { return v >= SGB_L3_MIN && v <= SGB_L3_MAX; }

int sgb_topo_read(sgb_topo *t, const char *l3_override, char *msg, size_t msg_len)
{
    sg_topology topo;
    memset(t, 0, sizeof *t);
    uint64_t want;
    if (l3_override && (sg_parse_bytes(l3_override, &want) != 0 || !l3_ok(want))) {
        snprintf(msg, msg_len,
                 "--l3-bytes: expected a size from 64K to 1024G (bytes, or with K, M or G), got '%s'",
                 l3_override);
        return -1;
    }
    if (sg_topology_query(&topo, msg, msg_len) != 0)
        return -1;
    if (topo.l3_overridden && !l3_ok(topo.l3) && !l3_override) {
        snprintf(msg, msg_len,
                 "SIMDGRAD_L3_BYTES: the benchmarks need a size from 64K to 1024G, got %llu bytes",
                 (unsigned long long)topo.l3);
        return -1;
    }
    const uint64_t reported = topo.l3_reported;
    if (l3_override) {
        topo.l3 = reported;
        if (sg_topology_apply_l3_policy(&topo, l3_override, msg, msg_len) != 0)
            return -1; /* not reached: the same parser accepted it above */
        topo.l3_reported = reported;
    }
    /* The kernels block matmul for the same sizes the working sets use (hwloc's, after the clamp and
       the overrides) rather than for the library's own sysconf/sysfs reading. */
    sg_topology_set_kernel_caches(&topo);
    t->source = topo.source;
    t->packages = topo.packages;
    t->cores = topo.cores;
    t->pus = topo.pus;
    t->l1d = (size_t)topo.l1d;
    t->l2 = (size_t)topo.l2;
    t->l3 = (size_t)topo.l3_reported;
    t->l3_used = (size_t)topo.l3;
    t->l3_why = l3_override          ? "--l3-bytes"
                : topo.l3_overridden ? "SIMDGRAD_L3_BYTES"
                : topo.l3_clamped    ? "clamped"
                                     : "as reported";
    /* Conservative stand-ins when a level is unknown, so every size stays defined. */
    if (!t->l1d)
        t->l1d = 32 << 10;
    if (!t->l2)
        t->l2 = 8 * t->l1d;
    if (!t->l3_used) {
        t->l3_used = 4 * t->l2;
        t->l3_why = "unknown, 4*L2 assumed";
    }
    return 0;
}

void sgb_working_sets(const sgb_topo *t, size_t ws[SGB_LEVELS])
{
    ws[SGB_L1] = t->l1d / 2;
    ws[SGB_L2] = t->l2 / 2;
    ws[SGB_L3] = t->l3_used / 2;
    ws[SGB_DRAM] = 4 * t->l3_used;
}

size_t sgb_elems_for(size_t ws, unsigned arrays)
{
    size_t n = ws / (arrays * sizeof(float));
    n -= n % 16;
    return n < 16 ? 16 : n;
}

size_t sgb_eltwise_elems(const sg_eltwise_desc *d, size_t ws)
{
    /* Bytes per 4 elements is a whole number for every element type (a 2-bit code is a quarter
       byte); for float arrays only this is sgb_elems_for(ws, arrays) exactly. */
    const size_t per4 = (size_t)sg_eltwise_traffic(d, 4);
    size_t n = per4 ? ws * 4 / per4 : 16;
    n -= n % 16;
    return n < 16 ? 16 : n;
}

int sgb_level_of(const sgb_topo *t, size_t bytes)
{
    if (bytes <= t->l1d)
        return SGB_L1;
    if (bytes <= t->l2)
        return SGB_L2;
    if (bytes <= t->l3_used)
        return SGB_L3;
    return SGB_DRAM;
}
