/* When an elementwise kernel switches to non-temporal (streaming) stores. Internal, header-only.
 *
 * A normal store that misses reads its line first (write-allocate), so a call whose arrays cannot
 * stay in the last-level cache moves 1.5x (relu) the bytes it is credited with; a streaming store
 * skips that read but also skips the cache, which is a loss whenever the output would have been
 * reused from it. The switch is therefore the call's footprint (bytes read + written) against the
 * LLC size: at or above it, the output cannot be there for the next kernel anyway.
 *
 * The LLC size is the library's own (sg_cache_sizes_get, src/cache_sizes.c: sysconf, else sysfs,
 * clamped to 64 MiB, SIMDGRAD_L3_BYTES, or what the CLI handed over from hwloc), read once on the
 * first large call and cached in a relaxed atomic per kernel file (a race computes the same value
 * twice, never a wrong one). SIMDGRAD_NT_BYTES=<n>[K|M|G] sets the threshold itself (the tests force
 * it small so the streaming paths run at every size and alignment they check). */
#ifndef SG_NT_THRESHOLD_H
#define SG_NT_THRESHOLD_H
#include <stdatomic.h>
#include <stddef.h>
#include <stdlib.h>

#include "simdgrad.h"
#include "size_parse.h"

static inline size_t sg_nt_detect(void)
{
    const size_t forced = sg_size_parse(getenv("SIMDGRAD_NT_BYTES"));
    if (forced)
        return forced;
    sg_cache_sizes c;
    sg_cache_sizes_get(&c);
    return c.l3;
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
