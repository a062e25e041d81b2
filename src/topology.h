/* Machine topology for `simdgrad info` and for sizing benchmark working sets.
 *
 * With hwloc (meson option -Dhwloc) the counts and cache sizes come from hwloc 2.x; without it
 * from sysconf and Linux sysfs where those know them (zero means unknown). Virtual machines sometimes
 * report an absurd L3 (hundreds of MiB); sizes above SG_TOPO_L3_CLAMP per package are clamped
 * and flagged. SIMDGRAD_L3_BYTES=<bytes>[K|M|G] overrides the L3 size outright. */
#ifndef SG_TOPOLOGY_H
#define SG_TOPOLOGY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define SG_TOPO_L3_CLAMP ((uint64_t)64 << 20)

typedef struct sg_topology {
    const char *source; /* "hwloc, API 2.8.0" or "sysconf, sysfs" */
    unsigned packages, cores, pus;
    uint64_t l1d, l2, l3; /* bytes of one cache instance (the first found); 0 = unknown */
    unsigned l3_count;    /* L3 instances, 0 = unknown */
    uint64_t l3_reported; /* what the system said, before clamping or override */
    bool l3_clamped;      /* l3 was reduced to SG_TOPO_L3_CLAMP */
    bool l3_overridden;   /* l3 comes from SIMDGRAD_L3_BYTES */
} sg_topology;

/* Fills *t. Returns 0, or -1 with a one-line message when SIMDGRAD_L3_BYTES is malformed. */
int sg_topology_query(sg_topology *t, char *msg, size_t msg_len);

/* The clamping/override policy on its own (used by sg_topology_query; exposed for tests):
   override is the SIMDGRAD_L3_BYTES value or NULL. */
int sg_topology_apply_l3_policy(sg_topology *t, const char *override, char *msg, size_t msg_len);

/* Pinning worker threads one per core. sg_pinning_open loads the topology once (NULL with the reason
   in why, also when built without hwloc); sg_pinning_bind_core, called by each worker (the loaded
   topology is only read, which hwloc allows from several threads at once), binds the calling thread to
   all allowed PUs of the (index mod n)-th of the n cores this process may run on: 0 with
   "core <logical index>" in desc, or -1 with the reason. */
typedef struct sg_pinning sg_pinning;
sg_pinning *sg_pinning_open(char *why, size_t why_len);
int sg_pinning_bind_core(sg_pinning *p, unsigned index, char *desc, size_t desc_len);
void sg_pinning_close(sg_pinning *p);

/* Hands t's known cache sizes (after the L3 clamp/override) to the kernels' blocking (sg_cache_sizes_set);
   unknown levels keep the library's own detection. */
void sg_topology_set_kernel_caches(const sg_topology *t);

/* Parses "<digits>[K|M|G]" (binary multiples) into bytes; -1 on anything else or overflow. */
int sg_parse_bytes(const char *s, uint64_t *out);

#endif
