/* Dispatch: ISA names, availability vs kernel tables, best-ISA choice, SIMDGRAD_ISA selection
 * and its error messages, and (natively on x86) availability against /proc/cpuinfo.
 *
 * SIMDGRAD_EXPECT_BEST=<isa> and SIMDGRAD_EXPECT_AVAILABLE="scalar, avx2" (set by the emulated-CPU
 * test setups) pin what this CPU must offer. With --expect-best and no SIMDGRAD_EXPECT_BEST the
 * expectation is derived from /proc/cpuinfo (x86), else the run is skipped, never passed blind.
 * SIMDGRAD_TEST_EMULATED=qemu (and running under valgrind) disables the /proc/cpuinfo check: qemu-user
 * and valgrind present their own CPUID but the host's /proc/cpuinfo. */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sgtest.h"

/* Dispatch policy: the available ISA of the highest rank in SG_ISA_LIST wins, unless
   sg_isa_not_preferred passes it over (SVE at 128-bit vectors); the enum order is not a priority
   order. */
static int rank(sg_isa isa)
{
    static const int ranks[SG_ISA_COUNT] = {
#define RANK_(id, name, r, probe, cpuinfo) [SG_ISA_##id] = r,
        SG_ISA_LIST(RANK_)
#undef RANK_
    };
    return (unsigned)isa < SG_ISA_COUNT ? ranks[isa] : -1;
}

/* The ranks are a strict order (no tie for dispatch to break arbitrarily) and scalar is the floor. */
static void ranks_strict(void)
{
    for (int i = 0; i < SG_ISA_COUNT; i++) {
        SGT_CHECK(rank((sg_isa)i) >= rank(SG_ISA_SCALAR), "%s ranks below scalar", sg_isa_name((sg_isa)i));
        for (int j = i + 1; j < SG_ISA_COUNT; j++)
            SGT_CHECK(rank((sg_isa)i) != rank((sg_isa)j), "%s and %s share rank %d", sg_isa_name((sg_isa)i),
                      sg_isa_name((sg_isa)j), rank((sg_isa)i));
    }
}

/* Every family of every available table has an entry, and sg_family_impl says whose code runs:
   the ISA's own where the entry differs from the reference, scalar where it is the reference. */
static void families_resolved(void)
{
    const sg_kernels *scalar = sg_kernels_get(SG_ISA_SCALAR);
    for (int f = 0; f < SG_FAMILY_COUNT; f++) {
        const char *fname = sg_family_name((sg_family)f);
        sg_family back = SG_FAMILY_COUNT;
        SGT_CHECK(fname && sg_family_parse(fname, &back) == 0 && back == (sg_family)f,
                  "family %d: name/parse round trip failed", f);
    }
    SGT_CHECK(sg_family_name(SG_FAMILY_COUNT) == NULL && sg_family_parse("relu ", NULL) == -1,
              "family name/parse accept out-of-range input");
    for (int i = 0; i < SG_ISA_COUNT; i++) {
        const sg_isa isa = (sg_isa)i;
        const sg_kernels *k = sg_kernels_get(isa);
        if (!k) {
            SGT_CHECK(sg_family_impl(isa, SG_FAMILY_relu) == SG_ISA_COUNT,
                      "%s: unavailable, but sg_family_impl names an implementation", sg_isa_name(isa));
            continue;
        }
#define FAMILY_(name, params, args, work)                                                                    \
    SGT_CHECK(k->name != NULL, "%s: %s is NULL", sg_isa_name(isa), #name);                                   \
    SGT_CHECK(sg_family_impl(isa, SG_FAMILY_##name) == (k->name == scalar->name ? SG_ISA_SCALAR : isa),      \
              "%s: sg_family_impl(%s) disagrees with the table", sg_isa_name(isa), #name);
        SG_FAMILY_LIST(FAMILY_)
#undef FAMILY_
    }
}

static void names_round_trip(void)
{
    static const char *const expected[SG_ISA_COUNT] = {
#define NAME_(id, name, r, probe, cpuinfo) [SG_ISA_##id] = #name,
        SG_ISA_LIST(NAME_)
#undef NAME_
    };
    for (int i = 0; i < SG_ISA_COUNT; i++) {
        const char *name = sg_isa_name((sg_isa)i);
        SGT_CHECK(name && strcmp(name, expected[i]) == 0, "sg_isa_name(%d) = '%s', want '%s'", i,
                  name ? name : "(null)", expected[i]);
        sg_isa back = SG_ISA_COUNT;
        SGT_CHECK(sg_isa_parse(name, &back) == 0 && back == (sg_isa)i,
                  "sg_isa_parse('%s') round trip gave %d", name, (int)back);
    }
    static const char *const bad[] = {"",        "avx",  "AVX2",    "avx2 ", " avx2",
                                      "avx5120", "sse4", "unknown", "neon2"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        sg_isa out = SG_ISA_AVX512;
        SGT_CHECK(sg_isa_parse(bad[i], &out) == -1, "sg_isa_parse('%s') should be -1", bad[i]);
    }
}

static void tables_consistent(void)
{
    SGT_CHECK(sg_isa_available(SG_ISA_SCALAR), "scalar must always be available");
    SGT_CHECK(!sg_isa_available(SG_ISA_COUNT), "sg_isa_available(SG_ISA_COUNT) must be false");
    SGT_CHECK(sg_kernels_get(SG_ISA_COUNT) == NULL, "sg_kernels_get(SG_ISA_COUNT) must be NULL");
    for (int i = 0; i < SG_ISA_COUNT; i++) {
        const sg_isa isa = (sg_isa)i;
        const sg_kernels *k = sg_kernels_get(isa);
        const bool avail = sg_isa_available(isa);
        SGT_CHECK((k != NULL) == avail, "%s: sg_kernels_get %s but sg_isa_available %d", sg_isa_name(isa),
                  k ? "non-NULL" : "NULL", avail);
        SGT_CHECK(!avail || sg_isa_compiled(isa), "%s: available but not compiled", sg_isa_name(isa));
        if (k) {
            SGT_CHECK(k->isa == isa, "%s: table says isa %d", sg_isa_name(isa), (int)k->isa);
        }
        SGT_CHECK(sg_isa_available(isa) == avail, "%s: availability changed between calls", sg_isa_name(isa));
    }
}

/* The best ISA outranks every other available one that dispatch does not pass over; what it passes
   over is available, says why, and is never the best itself. */
static void best_is_widest(void)
{
    const sg_isa best = sg_isa_best();
    SGT_CHECK(sg_isa_available(best), "sg_isa_best() = %s is not available", sg_isa_name(best));
    SGT_CHECK(!sg_isa_not_preferred(best), "sg_isa_best() = %s is not preferred: %s", sg_isa_name(best),
              sg_isa_not_preferred(best));
    SGT_CHECK(!sg_isa_not_preferred(SG_ISA_SCALAR) && !sg_isa_not_preferred(SG_ISA_COUNT),
              "scalar and out-of-range ISAs are never passed over");
    for (int i = 0; i < SG_ISA_COUNT; i++) {
        const char *why = sg_isa_not_preferred((sg_isa)i);
        if (why) {
            SGT_CHECK(sg_isa_available((sg_isa)i) && *why, "%s: passed over ('%s') but not available",
                      sg_isa_name((sg_isa)i), why);
            printf("not preferred: %s %s\n", sg_isa_name((sg_isa)i), why);
        } else if (sg_isa_available((sg_isa)i)) {
            SGT_CHECK(rank((sg_isa)i) <= rank(best), "%s is available and wider than sg_isa_best() = %s",
                      sg_isa_name((sg_isa)i), sg_isa_name(best));
        }
    }
}

/* The ", "-joined list of available ISAs in enum order, built here from sg_isa_available. */
static void expected_list(char *buf, size_t len)
{
    buf[0] = '\0';
    for (int i = 0; i < SG_ISA_COUNT; i++)
        if (sg_isa_available((sg_isa)i)) {
            if (buf[0])
                strncat(buf, ", ", len - strlen(buf) - 1);
            strncat(buf, sg_isa_name((sg_isa)i), len - strlen(buf) - 1);
        }
}

static void selection(void)
{
    char msg[256], avail[128], list[128];
    const char *why = NULL;
    sg_isa out;
    expected_list(avail, sizeof avail);
    sg_isa_list_available(list, sizeof list);
    SGT_CHECK(strcmp(list, avail) == 0, "sg_isa_list_available = '%s', want '%s'", list, avail);

    unsetenv("SIMDGRAD_ISA");
    SGT_CHECK(sg_isa_select(&out, msg, sizeof msg, &why) == 0 && out == sg_isa_best() && why && *why,
              "unset SIMDGRAD_ISA must select the best ISA with a reason");
    setenv("SIMDGRAD_ISA", "", 1);
    SGT_CHECK(sg_isa_select(&out, msg, sizeof msg, NULL) == 0 && out == sg_isa_best(),
              "empty SIMDGRAD_ISA must select the best ISA");

    for (int i = 0; i < SG_ISA_COUNT; i++) {
        const sg_isa isa = (sg_isa)i;
        setenv("SIMDGRAD_ISA", sg_isa_name(isa), 1);
        msg[0] = '\0';
        out = SG_ISA_COUNT;
        why = NULL;
        const int rc = sg_isa_select(&out, msg, sizeof msg, &why);
        if (sg_isa_available(isa)) {
            SGT_CHECK(rc == 0 && out == isa, "SIMDGRAD_ISA=%s: rc %d, selected %s", sg_isa_name(isa), rc,
                      sg_isa_name(out));
            SGT_CHECK(why && strstr(why, "SIMDGRAD_ISA"),
                      "SIMDGRAD_ISA=%s: reason '%s' should name the variable", sg_isa_name(isa),
                      why ? why : "(null)");
        } else {
            /* Known but unavailable: an error naming what is available, never a silent fallback. */
            SGT_CHECK(rc == -1, "SIMDGRAD_ISA=%s (unavailable): rc %d, selected %s", sg_isa_name(isa), rc,
                      sg_isa_name(out));
            SGT_CHECK(strstr(msg, sg_isa_name(isa)) && strstr(msg, "not available") && strstr(msg, avail),
                      "SIMDGRAD_ISA=%s: message '%s' should name the ISA, say 'not available' and list '%s'",
                      sg_isa_name(isa), msg, avail);
        }
    }
    static const char *const bad[] = {"avx3", "AVX2", "scalar,avx2", "best"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        setenv("SIMDGRAD_ISA", bad[i], 1);
        msg[0] = '\0';
        const int rc = sg_isa_select(&out, msg, sizeof msg, NULL);
        SGT_CHECK(rc == -1, "SIMDGRAD_ISA=%s (unknown): rc %d", bad[i], rc);
        SGT_CHECK(strstr(msg, "unknown") && strstr(msg, bad[i]) && strstr(msg, avail),
                  "SIMDGRAD_ISA=%s: message '%s' should say unknown, quote the name and list '%s'", bad[i],
                  msg, avail);
    }
    unsetenv("SIMDGRAD_ISA");
}

/* Why /proc/cpuinfo cannot be trusted to describe the CPU this process sees, or NULL: qemu-user
   and valgrind both present their own CPUID (valgrind hides AVX-512) but pass the host's
   /proc/cpuinfo through. */
static const char *cpuid_virtualized(void)
{
    if (getenv("SIMDGRAD_TEST_EMULATED"))
        return "SIMDGRAD_TEST_EMULATED is set (qemu-user shows the host's /proc/cpuinfo)";
    const char *pre = getenv("LD_PRELOAD");
    if (pre && strstr(pre, "vgpreload"))
        return "running under valgrind (its CPUID differs from the host's /proc/cpuinfo)";
    return NULL;
}

#if defined(__x86_64__) || defined(__i386__)
/* Each ISA's /proc/cpuinfo flags, from the ISA list. */
static const char *const isa_cpuinfo[SG_ISA_COUNT] = {
#define CPUINFO_(id, name, r, probe, cpuinfo) [SG_ISA_##id] = cpuinfo,
    SG_ISA_LIST(CPUINFO_)
#undef CPUINFO_
};

/* 1 when the "flags" line of /proc/cpuinfo has every space-separated flag of `flags`, 0 when not,
   -1 when there is no such line. */
static int cpuinfo_has(const char *flags)
{
    FILE *f = fopen("/proc/cpuinfo", "r");
    if (!f)
        return -1;
    static char line[8192];
    int found = -1;
    while (fgets(line, sizeof line, f)) {
        if (strncmp(line, "flags", 5) != 0)
            continue;
        found = 1;
        line[strcspn(line, "\n")] = ' ';
        char want[256];
        snprintf(want, sizeof want, "%s", flags);
        for (char *save = NULL, *fl = strtok_r(want, " ", &save); fl; fl = strtok_r(NULL, " ", &save)) {
            char pat[40];
            snprintf(pat, sizeof pat, " %s ", fl);
            if (!strstr(line, pat))
                found = 0;
        }
        break;
    }
    fclose(f);
    return found;
}

/* What /proc/cpuinfo says the best ISA should be: the highest-ranked compiled one whose flags are
   all there. */
static sg_isa cpuinfo_best(bool *ok)
{
    sg_isa best = SG_ISA_SCALAR;
    *ok = true;
    for (int i = 0; i < SG_ISA_COUNT; i++) {
        if (i == SG_ISA_SCALAR || !sg_isa_compiled((sg_isa)i) || sg_isa_emulated((sg_isa)i))
            continue; /* an emulated ISA is never the best, see cpuinfo_cross_check */
        const int has = cpuinfo_has(isa_cpuinfo[i]);
        *ok &= has >= 0;
        if (has > 0 && rank((sg_isa)i) > rank(best))
            best = (sg_isa)i;
    }
    return best;
}

static void cpuinfo_cross_check(void)
{
    if (cpuid_virtualized()) {
        printf("SKIP cpuinfo check: %s\n", cpuid_virtualized());
        return;
    }
    for (int i = 0; i < SG_ISA_COUNT; i++) {
        const sg_isa isa = (sg_isa)i;
        if (isa == SG_ISA_SCALAR || !sg_isa_compiled(isa))
            continue;
        /* The avx512_emulation build: its flags are not the CPU's, so what is checked instead is that
           dispatch never picks it by itself (the CI stage pins availability, SIMDGRAD_EXPECT_AVAILABLE). */
        if (sg_isa_emulated(isa)) {
            SGT_CHECK(!sg_isa_available(isa) || sg_isa_not_preferred(isa),
                      "%s is emulated (%s) but dispatch may prefer it", sg_isa_name(isa),
                      sg_isa_emulated(isa));
            printf("cpuinfo: %s not checked: %s\n", sg_isa_name(isa), sg_isa_emulated(isa));
            continue;
        }
        const int has = cpuinfo_has(isa_cpuinfo[i]);
        if (has < 0) {
            printf("SKIP cpuinfo check: no flags line in /proc/cpuinfo\n");
            return;
        }
        SGT_CHECK(sg_isa_available(isa) == (has > 0), "%s available %d but /proc/cpuinfo '%s' %d",
                  sg_isa_name(isa), sg_isa_available(isa), isa_cpuinfo[i], has);
        printf("cpuinfo: %s (%s) %s\n", sg_isa_name(isa), isa_cpuinfo[i], has ? "yes" : "no");
    }
}
#endif

/* Returns false when an expectation was required but could not be established. */
static bool expectations(bool required)
{
    const char *want_best = getenv("SIMDGRAD_EXPECT_BEST");
    const char *want_avail = getenv("SIMDGRAD_EXPECT_AVAILABLE");
    char derived[16];
    if (!want_best || !*want_best) {
        if (!required)
            return true;
#if defined(__x86_64__) || defined(__i386__)
        bool ok = false;
        const sg_isa b = cpuinfo_best(&ok);
        if (!ok || cpuid_virtualized())
            return false;
        snprintf(derived, sizeof derived, "%s", sg_isa_name(b));
        want_best = derived;
        printf("SIMDGRAD_EXPECT_BEST not set: expecting '%s' from /proc/cpuinfo\n", want_best);
#else
        (void)derived;
        return false;
#endif
    }
    sg_isa want;
    if (!SGT_CHECK(sg_isa_parse(want_best, &want) == 0, "SIMDGRAD_EXPECT_BEST='%s' is not an ISA name",
                   want_best))
        return true;
    SGT_CHECK(sg_isa_best() == want, "sg_isa_best() = %s, expected %s (SIMDGRAD_EXPECT_BEST)",
              sg_isa_name(sg_isa_best()), want_best);
    sg_isa sel;
    char msg[256];
    unsetenv("SIMDGRAD_ISA");
    SGT_CHECK(sg_isa_select(&sel, msg, sizeof msg, NULL) == 0 && sel == want,
              "sg_isa_select() chose %s, expected %s", sg_isa_name(sel), want_best);
    printf("best ISA: %s (expected %s)\n", sg_isa_name(sg_isa_best()), want_best);
    if (want_avail && *want_avail) {
        char list[128];
        sg_isa_list_available(list, sizeof list);
        SGT_CHECK(strcmp(list, want_avail) == 0,
                  "available ISAs '%s', expected '%s' (SIMDGRAD_EXPECT_AVAILABLE)", list, want_avail);
        printf("available ISAs: %s (expected %s)\n", list, want_avail);
    }
    return true;
}

static int finish(const char *name)
{
    if (sgt_failures()) {
        printf("%s: %lu failure(s)\n", name, sgt_failures());
        return 1;
    }
    printf("%s: ok\n", name);
    return 0;
}

int main(int argc, char **argv)
{
    const bool required = argc > 1 && strcmp(argv[1], "--expect-best") == 0;
    if (argc > 1 && !required) {
        fprintf(stderr, "usage: %s [--expect-best]\n", argv[0]);
        return 2;
    }
    sgt_install_fault_handler();
    if (required) {
        /* Only the expectation: the general checks run in the plain test. */
        if (!expectations(true))
            sgt_skip(cpuid_virtualized()
                         ? "no SIMDGRAD_EXPECT_BEST, and /proc/cpuinfo does not describe this "
                           "(virtualized) CPU"
                         : "no SIMDGRAD_EXPECT_BEST and no usable /proc/cpuinfo to derive it from");
        return finish("test_dispatch --expect-best");
    }
    names_round_trip();
    ranks_strict();
    families_resolved();
    tables_consistent();
    best_is_widest();
    selection();
#if defined(__x86_64__) || defined(__i386__)
    cpuinfo_cross_check();
#endif
    expectations(false);
    char list[128];
    sg_isa_list_available(list, sizeof list);
    printf("available: %s; best: %s\n", list, sg_isa_name(sg_isa_best()));
    /* Dispatch is meaningful with scalar alone, so this test does not skip on a scalar-only CPU. */
    return finish("test_dispatch");
}
