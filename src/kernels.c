/* Dispatch over the ISA list (simdgrad.h): which tables were built, which the CPU runs, which is
 * the default, and per family whose code each table runs. Nothing here names an ISA or a family. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sg_config.h"
#include "sg_kernels_impl.h"

static const sg_kernels *const compiled[SG_ISA_COUNT] = {
#define SG_COMPILED_(id, name, rank, probe, cpuinfo)                                                         \
    [SG_ISA_##id] = SG_WHEN(SIMDGRAD_HAVE_##id, &sg_##name##_table),
    SG_ISA_LIST(SG_COMPILED_)
#undef SG_COMPILED_
};

static const char *const isa_names[SG_ISA_COUNT] = {
#define SG_NAME_(id, name, rank, probe, cpuinfo) [SG_ISA_##id] = #name,
    SG_ISA_LIST(SG_NAME_)
#undef SG_NAME_
};

static const int isa_rank[SG_ISA_COUNT] = {
#define SG_RANK_(id, name, rank, probe, cpuinfo) [SG_ISA_##id] = rank,
    SG_ISA_LIST(SG_RANK_)
#undef SG_RANK_
};

static bool (*const isa_probe[SG_ISA_COUNT])(void) = {
#define SG_PROBE_(id, name, rank, probe, cpuinfo) [SG_ISA_##id] = probe,
    SG_ISA_LIST(SG_PROBE_)
#undef SG_PROBE_
};

static const char *const family_names[SG_FAMILY_COUNT] = {
#define SG_FAMILY_NAME_(name, params, args, work) [SG_FAMILY_##name] = #name,
    SG_FAMILY_LIST(SG_FAMILY_NAME_)
#undef SG_FAMILY_NAME_
};

/* ---- CI self-test only: meson -Dinject_slowdown=<family>/<isa> (docs/ci-check-code.md) -------------
 * Exactly that table entry becomes a wrapper: the real kernel, then a volatile loop proportional to
 * the family's work, so `simdgrad ci-check` has a known regression to catch. Normal builds define
 * none of this and sg_kernels_get returns the const tables themselves. */
#ifdef SIMDGRAD_INJECT_SLOWDOWN
static void sg_inject_burn(size_t work)
{
    volatile size_t sink = 0;
    for (size_t i = 0; i < work; i++)
        sink += i;
    (void)sink; /* a volatile read: clang counts += as "set but not used" */
}
static sg_kernels injected_table;
#define SG_INJECT_WRAPPER_(name, params, args, work)                                                         \
    static void sg_injected_##name params                                                                    \
    {                                                                                                        \
        compiled[SIMDGRAD_INJECT_ISA]->name args;                                                            \
        sg_inject_burn(work);                                                                                \
    }
SG_FAMILY_LIST(SG_INJECT_WRAPPER_)
#undef SG_INJECT_WRAPPER_
/* Before main: the tests, the bench and the icount driver all start single-threaded. */
__attribute__((constructor)) static void sg_inject_init(void)
{
    injected_table = *compiled[SIMDGRAD_INJECT_ISA];
#define SG_INJECT_PICK_(name, params, args, work)                                                            \
    if (!strcmp(SIMDGRAD_INJECT_FAMILY, #name))                                                              \
        injected_table.name = sg_injected_##name;
    SG_FAMILY_LIST(SG_INJECT_PICK_)
#undef SG_INJECT_PICK_
}
static const sg_kernels *table_of(sg_isa isa)
{
    return isa == SIMDGRAD_INJECT_ISA ? &injected_table : compiled[isa];
}
#else
static const sg_kernels *table_of(sg_isa isa) { return compiled[isa]; }
#endif
/* ---- end of CI self-test hook ---------------------------------------------------------------------- */

const char *sg_version(void) { return SIMDGRAD_VERSION; }

const char *sg_isa_name(sg_isa isa) { return (unsigned)isa < SG_ISA_COUNT ? isa_names[isa] : "unknown"; }

int sg_isa_parse(const char *name, sg_isa *out)
{
    for (int i = 0; name && i < SG_ISA_COUNT; i++) {
        if (strcmp(name, isa_names[i]) == 0) {
            if (out)
                *out = (sg_isa)i;
            return 0;
        }
    }
    return -1;
}

bool sg_isa_compiled(sg_isa isa) { return (unsigned)isa < SG_ISA_COUNT && compiled[isa] != NULL; }

bool sg_isa_available(sg_isa isa)
{
    /* CPUID is cheap but not free, and the answer never changes within a process. */
    static signed char cache[SG_ISA_COUNT];
    if ((unsigned)isa >= SG_ISA_COUNT)
        return false;
    if (!cache[isa])
        cache[isa] = (compiled[isa] && isa_probe[isa]()) ? 1 : -1;
    return cache[isa] > 0;
}

sg_isa sg_isa_best(void)
{
    sg_isa best = SG_ISA_SCALAR;
    for (int i = 0; i < SG_ISA_COUNT; i++)
        if (sg_isa_available((sg_isa)i) && isa_rank[i] > isa_rank[best] && !sg_isa_not_preferred((sg_isa)i))
            best = (sg_isa)i;
    return best;
}

const sg_kernels *sg_kernels_get(sg_isa isa) { return sg_isa_available(isa) ? table_of(isa) : NULL; }

const char *sg_family_name(sg_family f) { return (unsigned)f < SG_FAMILY_COUNT ? family_names[f] : NULL; }

int sg_family_parse(const char *name, sg_family *out)
{
    for (int i = 0; name && i < SG_FAMILY_COUNT; i++) {
        if (strcmp(name, family_names[i]) == 0) {
            if (out)
                *out = (sg_family)i;
            return 0;
        }
    }
    return -1;
}

sg_isa sg_family_impl(sg_isa isa, sg_family f)
{
    if ((unsigned)f >= SG_FAMILY_COUNT || !sg_isa_available(isa))
        return SG_ISA_COUNT;
    /* Compared on the const tables: an injected wrapper still runs that ISA's code. */
    switch (f) {
#define SG_IMPL_CASE_(name, params, args, work)                                                              \
    case SG_FAMILY_##name: return compiled[isa]->name == sg_scalar_table.name ? SG_ISA_SCALAR : isa;
        SG_FAMILY_LIST(SG_IMPL_CASE_)
#undef SG_IMPL_CASE_
    default: return SG_ISA_COUNT;
    }
}

/* "a, b, c" of the names for which keep() holds. */
static void list_names(char *buf, size_t len, bool (*keep)(sg_isa))
{
    size_t used = 0;
    if (len)
        buf[0] = '\0';
    for (int i = 0; i < SG_ISA_COUNT && used < len; i++) {
        if (keep && !keep((sg_isa)i))
            continue;
        int w = snprintf(buf + used, len - used, "%s%s", used ? ", " : "", isa_names[i]);
        if (w < 0)
            break;
        used += (size_t)w;
    }
}

void sg_isa_list_available(char *buf, size_t len) { list_names(buf, len, sg_isa_available); }

int sg_isa_check_name(const char *origin, const char *name, sg_isa *out, char *msg, size_t msg_len)
{
    char avail[128], known[128];
    sg_isa isa;
    sg_isa_list_available(avail, sizeof avail);
    if (sg_isa_parse(name, &isa) != 0) {
        list_names(known, sizeof known, NULL);
        /* The name is cut (ISA names are short) so that the lists after it always fit in msg. */
        snprintf(msg, msg_len, "%s: unknown ISA '%.40s%s' (known: %s; available here: %s)", origin, name,
                 strlen(name) > 40 ? "..." : "", known, avail);
        return -1;
    }
    if (!sg_isa_available(isa)) {
        snprintf(msg, msg_len, "%s: ISA '%s' is not available on this %s (available here: %s)", origin, name,
                 sg_isa_compiled(isa) ? "CPU" : "build", avail);
        return -1;
    }
    *out = isa;
    return 0;
}

int sg_isa_select(sg_isa *out, char *msg, size_t msg_len, const char **why)
{
    const char *forced = getenv("SIMDGRAD_ISA");
    if (forced && *forced) {
        if (sg_isa_check_name("SIMDGRAD_ISA", forced, out, msg, msg_len) != 0)
            return -1;
        if (why)
            *why = "forced by SIMDGRAD_ISA";
        return 0;
    }
    *out = sg_isa_best();
    if (why) {
        *why = "widest available on this CPU";
        for (int i = 0; i < SG_ISA_COUNT; i++)
            if (isa_rank[i] > isa_rank[*out] && sg_isa_available((sg_isa)i))
                *why = "widest preferred on this CPU; a wider one is available but not preferred";
    }
    return 0;
}
