/* See topology.h. hwloc when the build has it, sysconf otherwise. */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "sg_config.h"
#include "simdgrad.h"
#include "topology.h"

#if SIMDGRAD_HAVE_HWLOC
#include <hwloc.h>
#endif

int sg_parse_bytes(const char *s, uint64_t *out)
{
    if (!s || *s < '0' || *s > '9')
        return -1;
    errno = 0;
    char *end;
    const unsigned long long v = strtoull(s, &end, 10);
    if (errno)
        return -1;
    unsigned shift = 0;
    if (*end == 'K' || *end == 'k')
        shift = 10, end++;
    else if (*end == 'M' || *end == 'm')
        shift = 20, end++;
    else if (*end == 'G' || *end == 'g')
        shift = 30, end++;
    if (*end != '\0' || v > (UINT64_MAX >> shift))
        return -1;
    *out = (uint64_t)v << shift;
    return 0;
}

int sg_topology_apply_l3_policy(sg_topology *t, const char *override, char *msg, size_t msg_len)
{
    t->l3_reported = t->l3;
    t->l3_clamped = t->l3_overridden = false;
    if (override && *override) {
        uint64_t v;
        if (sg_parse_bytes(override, &v) != 0 || v == 0) {
            snprintf(msg, msg_len,
                     "SIMDGRAD_L3_BYTES: expected a positive byte count like 33554432 or 32M, got '%s'",
                     override);
            return -1;
        }
        t->l3 = v;
        t->l3_overridden = true;
        return 0;
    }
    /* The clamp is per instance: one L3 per package is the common case, and a VM that reports
       e.g. 300 MiB would make "fits in L3" working sets spill to DRAM. */
    if (t->l3 > SG_TOPO_L3_CLAMP) {
        t->l3 = SG_TOPO_L3_CLAMP;
        t->l3_clamped = true;
    }
    return 0;
}

#if SIMDGRAD_HAVE_HWLOC
static uint64_t cache_size(hwloc_topology_t topo, hwloc_obj_type_t type)
{
    /* The first instance: caches of one level are the same size on every machine we target. */
    for (hwloc_obj_t o = hwloc_get_obj_by_type(topo, type, 0); o; o = o->next_cousin)
        if (o->attr && o->attr->cache.type != HWLOC_OBJ_CACHE_INSTRUCTION)
            return o->attr->cache.size;
    return 0;
}

static int query_hwloc(sg_topology *t)
{
    static char source[32];
    hwloc_topology_t topo;
    if (hwloc_topology_init(&topo) != 0)
        return -1;
    if (hwloc_topology_load(topo) != 0) {
        hwloc_topology_destroy(topo);
        return -1;
    }
    const unsigned v = hwloc_get_api_version();
    snprintf(source, sizeof source, "hwloc, API %u.%u.%u", v >> 16, (v >> 8) & 0xff, v & 0xff);
    t->source = source;
    const int pk = hwloc_get_nbobjs_by_type(topo, HWLOC_OBJ_PACKAGE);
    const int co = hwloc_get_nbobjs_by_type(topo, HWLOC_OBJ_CORE);
    const int pu = hwloc_get_nbobjs_by_type(topo, HWLOC_OBJ_PU);
    const int l3n = hwloc_get_nbobjs_by_type(topo, HWLOC_OBJ_L3CACHE);
    t->packages = pk > 0 ? (unsigned)pk : 0;
    t->cores = co > 0 ? (unsigned)co : 0;
    t->pus = pu > 0 ? (unsigned)pu : 0;
    t->l3_count = l3n > 0 ? (unsigned)l3n : 0;
    t->l1d = cache_size(topo, HWLOC_OBJ_L1CACHE);
    t->l2 = cache_size(topo, HWLOC_OBJ_L2CACHE);
    t->l3 = cache_size(topo, HWLOC_OBJ_L3CACHE);
    hwloc_topology_destroy(topo);
    return 0;
}
#endif

static uint64_t sysconf_bytes(int name)
{
    const long v = sysconf(name);
    return v > 0 ? (uint64_t)v : 0;
}

/* An integer from a one-line sysfs file, or -1. */
static long read_sysfs_long(const char *path)
{
    FILE *f = fopen(path, "r");
    long v = -1;
    if (f) {
        if (fscanf(f, "%ld", &v) != 1)
            v = -1;
        fclose(f);
    }
    return v;
}

/* Packages and cores from Linux sysfs: distinct physical_package_id and (package, core_id)
   pairs over the online CPUs. Leaves the counts 0 (unknown) when sysfs is not there. */
static void query_sysfs(sg_topology *t, long n_cpus)
{
    enum { MAX_CPUS = 4096 };
    long *pkg = malloc(MAX_CPUS * sizeof *pkg), *core = malloc(MAX_CPUS * sizeof *core);
    unsigned n_pk = 0, n_co = 0;
    if (!pkg || !core)
        n_cpus = 0; /* unknown, like a machine without sysfs */
    char path[128];
    for (long cpu = 0, seen = 0; cpu < MAX_CPUS && seen < n_cpus; cpu++) {
        snprintf(path, sizeof path, "/sys/devices/system/cpu/cpu%ld/topology/physical_package_id", cpu);
        const long p = read_sysfs_long(path);
        snprintf(path, sizeof path, "/sys/devices/system/cpu/cpu%ld/topology/core_id", cpu);
        const long c = read_sysfs_long(path);
        if (p < 0 || c < 0)
            continue; /* offline or absent */
        seen++;
        bool new_pk = true, new_co = true;
        for (unsigned i = 0; i < n_co && new_co; i++)
            new_co = !(pkg[i] == p && core[i] == c);
        for (unsigned i = 0; i < n_co && new_pk; i++)
            new_pk = pkg[i] != p;
        n_pk += new_pk;
        if (new_co) {
            pkg[n_co] = p;
            core[n_co] = c;
            n_co++;
        }
    }
    free(pkg);
    free(core);
    t->packages = n_pk;
    t->cores = n_co;
}

static void query_sysconf(sg_topology *t)
{
    t->source = "sysconf, sysfs";
    const long pus = sysconf(_SC_NPROCESSORS_ONLN);
    t->pus = pus > 0 ? (unsigned)pus : 0;
    query_sysfs(t, pus);
#ifdef _SC_LEVEL1_DCACHE_SIZE
    t->l1d = sysconf_bytes(_SC_LEVEL1_DCACHE_SIZE);
    t->l2 = sysconf_bytes(_SC_LEVEL2_CACHE_SIZE);
    t->l3 = sysconf_bytes(_SC_LEVEL3_CACHE_SIZE);
#else
    (void)sysconf_bytes;
#endif
}

int sg_topology_query(sg_topology *t, char *msg, size_t msg_len)
{
    memset(t, 0, sizeof *t);
#if SIMDGRAD_HAVE_HWLOC
    if (query_hwloc(t) != 0)
        query_sysconf(t);
#else
    query_sysconf(t);
#endif
    return sg_topology_apply_l3_policy(t, getenv("SIMDGRAD_L3_BYTES"), msg, msg_len);
}

#if SIMDGRAD_HAVE_HWLOC
struct sg_pinning {
    hwloc_topology_t topo;
    hwloc_bitmap_t allowed;
};
#else
struct sg_pinning {
    int unused;
};
#endif

sg_pinning *sg_pinning_open(char *why, size_t why_len)
{
#if SIMDGRAD_HAVE_HWLOC
    sg_pinning *p = calloc(1, sizeof *p);
    if (!p) {
        snprintf(why, why_len, "out of memory");
        return NULL;
    }
    if (hwloc_topology_init(&p->topo) || hwloc_topology_load(p->topo)) {
        snprintf(why, why_len, "hwloc could not load the topology");
        free(p);
        return NULL;
    }
    /* Only the cores this process may run on (taskset, cgroups) count: worker i gets the i-th of
       them, so two workers never share a core while another one is free. */
    p->allowed = hwloc_bitmap_alloc();
    if (hwloc_get_cpubind(p->topo, p->allowed, HWLOC_CPUBIND_PROCESS) != 0)
        hwloc_bitmap_copy(p->allowed, hwloc_topology_get_allowed_cpuset(p->topo));
    return p;
#else
    snprintf(why, why_len, "built without hwloc");
    return NULL;
#endif
}

int sg_pinning_bind_core(sg_pinning *p, unsigned index, char *desc, size_t desc_len)
{
#if SIMDGRAD_HAVE_HWLOC
    const int cores = hwloc_get_nbobjs_by_type(p->topo, HWLOC_OBJ_CORE);
    unsigned usable = 0;
    for (int c = 0; c < cores; c++)
        usable += hwloc_bitmap_intersects(hwloc_get_obj_by_type(p->topo, HWLOC_OBJ_CORE, (unsigned)c)->cpuset,
                                          p->allowed) != 0;
    if (usable == 0) {
        snprintf(desc, desc_len, "no allowed core");
        return -1;
    }
    unsigned want = index % usable;
    for (int c = 0; c < cores; c++) {
        hwloc_obj_t core = hwloc_get_obj_by_type(p->topo, HWLOC_OBJ_CORE, (unsigned)c);
        if (!hwloc_bitmap_intersects(core->cpuset, p->allowed) || want-- > 0)
            continue;
        hwloc_bitmap_t target = hwloc_bitmap_alloc();
        hwloc_bitmap_and(target, core->cpuset, p->allowed);
        const int rc = hwloc_set_cpubind(p->topo, target, HWLOC_CPUBIND_THREAD);
        hwloc_bitmap_free(target);
        if (rc != 0) {
            snprintf(desc, desc_len, "binding to core %u failed: %s", core->logical_index, strerror(errno));
            return -1;
        }
        snprintf(desc, desc_len, "core %u", core->logical_index);
        return 0;
    }
    snprintf(desc, desc_len, "no allowed core");
    return -1;
#else
    (void)p, (void)index;
    snprintf(desc, desc_len, "built without hwloc");
    return -1;
#endif
}

void sg_pinning_close(sg_pinning *p)
{
    if (!p)
        return;
#if SIMDGRAD_HAVE_HWLOC
    hwloc_bitmap_free(p->allowed);
    hwloc_topology_destroy(p->topo);
#endif
    free(p);
}

void sg_topology_set_kernel_caches(const sg_topology *t)
{
    const sg_cache_sizes c = {(size_t)t->l1d, (size_t)t->l2, (size_t)t->l3};
    sg_cache_sizes_set(&c);
}
