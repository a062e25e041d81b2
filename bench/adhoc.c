/* Ad-hoc runs: `--matmul MxNxK[,FORM]...` and `--elementwise SIZE[,SIZE...]` time just those shapes
 * and sizes (the benchdnn / likwid-bench `-w S0:32kB` idea) instead of the cache-derived sweep. The
 * values are parsed in adhoc_parse.c; the plan here is what kernels_bench.c, peers.c and ceilings.c
 * register from, ad hoc or not. */
#include <stdio.h>
#include <string.h>

#include "eltwise.h"
#include "sgb.h"

static bool adhoc;
static const sgb_shape *adhoc_shapes;
static size_t adhoc_nshapes;
static const sgb_eltsize *adhoc_sizes;
static size_t adhoc_nsizes;

void sgb_plan_adhoc(const sgb_shape *shapes, size_t nshapes, const sgb_eltsize *sizes, size_t nsizes)
{
    adhoc = true;
    adhoc_shapes = shapes;
    adhoc_nshapes = nshapes;
    adhoc_sizes = sizes;
    adhoc_nsizes = nsizes;
}

bool sgb_plan_is_adhoc(void) { return adhoc; }

size_t sgb_plan_shapes(bool quick, sgb_shape *out, size_t cap)
{
    if (!adhoc)
        return sgb_matmul_shapes(quick, out, cap);
    size_t n = 0;
    for (; n < adhoc_nshapes && n < cap; n++)
        out[n] = adhoc_shapes[n];
    return n;
}

size_t sgb_plan_eltwise(const sgb_topo *t, bool quick, const sg_eltwise_desc *d, double per4, size_t *n,
                        int *level, size_t cap)
{
    size_t count = 0;
    if (!adhoc) {
        size_t ws[SGB_LEVELS];
        sgb_working_sets(t, ws);
        const int levels = quick ? SGB_L2 + 1 : SGB_LEVELS;
        for (int l = 0; l < levels && count < cap; l++) {
            size_t k = (size_t)((double)ws[l] * 4.0 / per4);
            k -= k % 16;
            n[count] = k < 16 ? 16 : k;
            level[count++] = l;
        }
        return count;
    }
    for (size_t i = 0; i < adhoc_nsizes && count < cap; i++) {
        size_t k;
        if (d) {
            k = sgb_eltsize_elems(d, &adhoc_sizes[i]);
        } else { /* a peer's arrays: per4 bytes per 4 elements, all floats */
            k = adhoc_sizes[i].bytes ? (size_t)((double)adhoc_sizes[i].value * 4.0 / per4)
                                     : (size_t)adhoc_sizes[i].value;
        }
        bool dup = k == 0;
        for (size_t j = 0; j < count; j++)
            dup |= n[j] == k;
        if (dup)
            continue;
        n[count] = k;
        level[count++] = sgb_level_of(t, (size_t)((double)k * per4 / 4.0));
    }
    return count;
}

unsigned sgb_plan_levels(const sgb_topo *t, bool quick)
{
    if (!adhoc)
        return quick ? (1u << SGB_L1) | (1u << SGB_L2) : (1u << SGB_LEVELS) - 1;
    unsigned mask = 0;
    for (int f = 0; f < SG_FAMILY_COUNT; f++) {
        const sg_eltwise_desc *d = sg_eltwise_find((sg_family)f);
        size_t n[64];
        int lv[64];
        const size_t c = d ? sgb_plan_eltwise(t, quick, d, sg_eltwise_traffic(d, 4), n, lv, 64) : 0;
        for (size_t i = 0; i < c; i++)
            mask |= 1u << lv[i];
    }
    for (size_t i = 0; i < adhoc_nshapes; i++) {
        const sgb_shape *s = &adhoc_shapes[i];
        mask |= 1u << sgb_level_of(
                    t, (size_t)(4.0 * ((double)s->m * s->k + (double)s->k * s->n + (double)s->m * s->n)));
    }
    return mask;
}
