/* "<digits>[K|M|G]" as sysfs writes cache sizes ("32K", "32768K") and as the SIMDGRAD_L3_BYTES /
 * SIMDGRAD_NT_BYTES overrides take them; 0 on anything else. Header-only: libsimdgrad.a may export only
 * what simdgrad.h declares, and both the cache detection (cache_sizes.c) and the streaming-store switch
 * (nt_threshold.h, inlined into each ISA's kernels) need it. */
#ifndef SG_SIZE_PARSE_H
#define SG_SIZE_PARSE_H

#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

static inline size_t sg_size_parse(const char *s)
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

#endif
