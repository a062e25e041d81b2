/* When an elementwise kernel switches to non-temporal (streaming) stores. Internal, header-only.
 *
 * A normal store that misses reads its line first (write-allocate), so a call whose arrays cannot
 * stay in the last-level cache moves 1.5x (relu) the bytes it is credited with; a streaming store
 * skips that read but also skips the cache, which is a loss whenever the output would have been
 * reused from it. The switch is therefore the call's footprint (bytes read + written) against the
 * LLC size: at or above it, the output cannot be there for the next kernel anyway.
 *
 * libsimdgrad.a links only libm (no hwloc) and may export only what simdgrad.h declares, so this is
 * static inline: each kernel file keeps its own copy of the threshold, detected on first use and
 * cached in a relaxed atomic (a race computes the same value twice, never a wrong one).
 * The LLC size follows the same rules as the matmul branch's sg_cache_sizes_get (branch i10m):
 * sysconf(_SC_LEVEL3_CACHE_SIZE), else Linux sysfs (cpu0, highest data/unified level), clamped to
 * 64 MiB because some VMs report hundreds of MiB, SIMDGRAD_L3_BYTES=<n>[K|M|G] overriding it, 8 MiB
 * when nothing knows. SIMDGRAD_NT_BYTES=<n>[K|M|G] sets the threshold itself (the tests force it
 * small so the streaming paths run at every size and alignment they check).
 *
 * Files including this must define _POSIX_C_SOURCE (sysconf) before any include. */
#ifndef SG_NT_THRESHOLD_H
#define SG_NT_THRESHOLD_H
#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#define SG_NT_LLC_CLAMP   ((size_t)64 << 20)
#define SG_NT_LLC_DEFAULT ((size_t)8 << 20)

/* "<digits>[K|M|G]" (sysfs writes "32768K"); 0 on anything else. */
static inline size_t sg_nt_parse_size(const char *s)
{
    char *end;
    if (!s || *s < '0' || *s > '9')
        return 0;
    const unsigned long long v = strtoull(s, &end, 10);
    unsigned shift = 0;
    switch (*end) {
    case 'K': shift = 10, end++; break;
    case 'M': shift = 20, end++; break;
    case 'G': shift = 30, end++; break;
    default: break;
    }
    while (*end == '\n' || *end == ' ')
        end++;
    if (*end || v > (SIZE_MAX >> shift))
        return 0;
    return (size_t)v << shift;
}

/* The largest data or unified cache of cpu0 that sysfs lists; 0 when there is none. */
static inline size_t sg_nt_llc_sysfs(void)
{
    size_t best = 0;
    for (int i = 0; i < 8; i++) {
        char path[80], type[32] = "", size[32] = "";
        snprintf(path, sizeof path, "/sys/devices/system/cpu/cpu0/cache/index%d/type", i);
        FILE *f = fopen(path, "r");
        if (!f)
            continue;
        const int ok_type = fgets(type, sizeof type, f) != NULL;
        fclose(f);
        if (!ok_type || type[0] == 'I') /* Instruction */
            continue;
        snprintf(path, sizeof path, "/sys/devices/system/cpu/cpu0/cache/index%d/size", i);
        if (!(f = fopen(path, "r")))
            continue;
        if (fgets(size, sizeof size, f)) {
            const size_t v = sg_nt_parse_size(size);
            best = v > best ? v : best;
        }
        fclose(f);
    }
    return best;
}

static inline size_t sg_nt_detect(void)
{
    const size_t forced = sg_nt_parse_size(getenv("SIMDGRAD_NT_BYTES"));
    if (forced)
        return forced;
    size_t llc = sg_nt_parse_size(getenv("SIMDGRAD_L3_BYTES"));
    if (!llc) {
        const long v = sysconf(_SC_LEVEL3_CACHE_SIZE);
        llc = v > 0 ? (size_t)v : sg_nt_llc_sysfs();
        if (llc > SG_NT_LLC_CLAMP)
            llc = SG_NT_LLC_CLAMP;
    }
    return llc ? llc : SG_NT_LLC_DEFAULT;
}

/* True when a call moving `bytes` (all its arrays) should stream its output. */
static inline int sg_nt_use(size_t bytes)
{
    static _Atomic size_t threshold; /* 0 until detected */
    size_t t = atomic_load_explicit(&threshold, memory_order_relaxed);
    if (!t) {
        t = sg_nt_detect();
        atomic_store_explicit(&threshold, t, memory_order_relaxed);
    }
    return bytes >= t;
}
#endif
