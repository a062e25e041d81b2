/* The cache sizes the packed matmul blocks for, and the blocking they give (simdgrad.h).
 *
 * libsimdgrad.a links only libm, so it cannot ask hwloc: it detects the sizes itself, once, from
 * sysconf (glibc reads CPUID on x86) and else Linux sysfs. The CLI and the benchmarks, which have
 * hwloc, hand their figures over with sg_cache_sizes_set. The set values live in atomics rather
 * than behind a lock: a matmul that reads a mix of old and new sizes still gets a valid blocking,
 * and every blocking gives the same bits. */
#define _GNU_SOURCE /* the _SC_LEVEL*_CACHE_SIZE names of sysconf */
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <threads.h>
#include <unistd.h>

#include "sg_config.h"
#include "size_parse.h"
#include "simd/gemm_blocking.h"
#include "simdgrad.h"

#define KIB ((size_t)1 << 10)
#define MIB ((size_t)1 << 20)
/* Same figure as SG_TOPO_L3_CLAMP (src/topology.h): some VMs report hundreds of MiB of L3. */
#define L3_CLAMP (64 * MIB)

static once_flag detect_once = ONCE_FLAG_INIT;
static sg_cache_sizes detected; /* written once inside call_once, read only after it */
static _Atomic size_t set_l1d, set_l2, set_l3;

static size_t read_sysfs(int index, const char *field, char *buf, size_t len)
{
    char path[96];
    snprintf(path, sizeof path, "/sys/devices/system/cpu/cpu0/cache/index%d/%s", index, field);
    FILE *f = fopen(path, "r");
    if (!f)
        return 0;
    const size_t n = fread(buf, 1, len - 1, f);
    fclose(f);
    buf[n] = '\0';
    return n;
}

/* cpu0's data/unified caches by level, for what sysconf did not know (aarch64, other libcs). */
static void detect_sysfs(sg_cache_sizes *c)
{
    for (int i = 0; i < 16; i++) {
        char level[16], type[32], size[32];
        if (!read_sysfs(i, "level", level, sizeof level) || !read_sysfs(i, "type", type, sizeof type) ||
            !read_sysfs(i, "size", size, sizeof size))
            continue;
        if (!strncmp(type, "Instruction", 11))
            continue;
        size_t *slot = level[0] == '1' ? &c->l1d : level[0] == '2' ? &c->l2 : level[0] == '3' ? &c->l3 : NULL;
        if (slot && !*slot)
            *slot = sg_size_parse(size);
    }
}

static size_t sysconf_size(int name)
{
    const long v = sysconf(name);
    return v > 0 ? (size_t)v : 0;
}

static void detect(void)
{
    sg_cache_sizes c = {0, 0, 0};
#ifdef _SC_LEVEL1_DCACHE_SIZE
    c.l1d = sysconf_size(_SC_LEVEL1_DCACHE_SIZE);
    c.l2 = sysconf_size(_SC_LEVEL2_CACHE_SIZE);
    c.l3 = sysconf_size(_SC_LEVEL3_CACHE_SIZE);
#else
    (void)sysconf_size;
#endif
    if (!c.l1d || !c.l2 || !c.l3)
        detect_sysfs(&c);
    if (c.l3 > L3_CLAMP)
        c.l3 = L3_CLAMP;
    const size_t env_l3 = sg_size_parse(getenv("SIMDGRAD_L3_BYTES"));
    if (env_l3)
        c.l3 = env_l3;
    detected.l1d = c.l1d ? c.l1d : 32 * KIB;
    detected.l2 = c.l2 ? c.l2 : 512 * KIB;
    detected.l3 = c.l3 ? c.l3 : 8 * MIB;
}

void sg_cache_sizes_get(sg_cache_sizes *out)
{
    call_once(&detect_once, detect);
    const size_t l1d = atomic_load_explicit(&set_l1d, memory_order_relaxed);
    const size_t l2 = atomic_load_explicit(&set_l2, memory_order_relaxed);
    const size_t l3 = atomic_load_explicit(&set_l3, memory_order_relaxed);
    out->l1d = l1d ? l1d : detected.l1d;
    out->l2 = l2 ? l2 : detected.l2;
    out->l3 = l3 ? l3 : detected.l3;
}

static size_t clamp_or_zero(size_t v, size_t lo, size_t hi)
{
    return v == 0 ? 0 : v < lo ? lo : v > hi ? hi : v;
}

void sg_cache_sizes_set(const sg_cache_sizes *s)
{
    const sg_cache_sizes none = {0, 0, 0};
    if (!s)
        s = &none;
    atomic_store_explicit(&set_l1d, clamp_or_zero(s->l1d, 4 * KIB, 4 * MIB), memory_order_relaxed);
    atomic_store_explicit(&set_l2, clamp_or_zero(s->l2, 16 * KIB, 64 * MIB), memory_order_relaxed);
    atomic_store_explicit(&set_l3, clamp_or_zero(s->l3, 64 * KIB, 1024 * MIB), memory_order_relaxed);
}

int sg_matmul_blocking_get(sg_isa isa, sg_matmul_blocking *out)
{
    /* The same tile specs the x86 matmuls are built from; only ISAs compiled into this library. */
    static const sg_gemm_tile_spec avx2 = SG_GEMM_TILE_AVX2, avx512 = SG_GEMM_TILE_AVX512;
    const sg_gemm_tile_spec *t = NULL;
    if (isa == SG_ISA_AVX2 && SIMDGRAD_HAVE_AVX2)
        t = &avx2;
    else if (isa == SG_ISA_AVX512 && SIMDGRAD_HAVE_AVX512)
        t = &avx512;
    memset(out, 0, sizeof *out);
    if (!t)
        return -1;
    sg_cache_sizes cs;
    sg_cache_sizes_get(&cs);
    sg_gemm_derive(t, &cs, out);
    return 0;
}
