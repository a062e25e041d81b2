/* Test support implementation; see sgtest.h. POSIX (mmap, sigaction) is needed for guard pages. */
#define _GNU_SOURCE
#include "sgtest.h"

#include <float.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

/* ---- failure bookkeeping ---- */

static unsigned long n_failures;

static void vfail(const char *fmt, va_list ap)
{
    n_failures++;
    if (n_failures > SGT_MAX_REPORTS)
        return;
    fputs("FAIL: ", stdout);
    vprintf(fmt, ap);
    fputc('\n', stdout);
    if (n_failures == SGT_MAX_REPORTS)
        puts("(further failures are counted but not printed)");
    fflush(stdout);
}

void sgt_fail(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vfail(fmt, ap);
    va_end(ap);
}

unsigned long sgt_failures(void) { return n_failures; }

bool sgt_check_at(bool ok, const char *file, int line, const char *fmt, ...)
{
    if (ok)
        return true;
    char msg[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    sgt_fail("%s:%d: %s", file, line, msg);
    return false;
}

_Noreturn void sgt_skip(const char *why)
{
    printf("SKIP: %s\n", why);
    fflush(stdout);
    exit(SGT_SKIP);
}

int sgt_finish(const char *test_name, int vector_isas_tested)
{
    if (n_failures) {
        printf("%s: %lu failure(s)\n", test_name, n_failures);
        return 1;
    }
    if (vector_isas_tested == 0) {
        printf("SKIP: %s: no vector ISA available on this CPU; only the scalar reference was checked "
               "(against the contract rules, which passed)\n",
               test_name);
        return SGT_SKIP;
    }
    printf("%s: ok (%d vector ISA(s) checked)\n", test_name, vector_isas_tested);
    return 0;
}

/* ---- fault context ---- */

static char context[256] = "(no context set)";

void sgt_context(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(context, sizeof context, fmt, ap);
    va_end(ap);
}

static void write_str(const char *s)
{
    ssize_t r = write(2, s, strlen(s));
    (void)r;
}

static void on_fault(int sig)
{
    /* Only async-signal-safe calls: write and _exit. */
    write_str(sig == SIGSEGV ? "\nFATAL: SIGSEGV" : "\nFATAL: SIGBUS");
    write_str(" (touched a guard page or invalid memory) while: ");
    write_str(context);
    write_str("\n");
    _exit(1);
}

void sgt_install_fault_handler(void)
{
    /* Line-buffer stdout so messages interleave sensibly with the fault report. */
    setvbuf(stdout, NULL, _IOLBF, 0);
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_fault;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGSEGV, &sa, NULL);
    sigaction(SIGBUS, &sa, NULL);
}

/* ---- run size ---- */

bool sgt_small(void)
{
    const char *s = getenv("SIMDGRAD_TEST_SCALE");
    return s && strcmp(s, "small") == 0;
}

size_t sgt_scaled(size_t full, size_t divisor)
{
    if (!sgt_small())
        return full;
    return full / divisor ? full / divisor : 1;
}

/* ---- ISA iteration ---- */

/* Whether SIMDGRAD_TEST_REQUIRE_ISA (space- or comma-separated names) names isa. */
static bool isa_required(sg_isa isa)
{
    const char *list = getenv("SIMDGRAD_TEST_REQUIRE_ISA");
    const char *name = sg_isa_name(isa);
    const size_t len = strlen(name);
    for (const char *p = list; p && *p;) {
        p += strspn(p, " ,");
        const size_t n = strcspn(p, " ,");
        if (n == len && strncmp(p, name, len) == 0)
            return true;
        p += n;
    }
    return false;
}

int sgt_vector_kernels(const sg_kernels *out[SG_ISA_COUNT])
{
    /* Every name must be an ISA: a misspelt one would silently require nothing. */
    const char *req = getenv("SIMDGRAD_TEST_REQUIRE_ISA");
    int names = 0, isas = 0;
    for (const char *p = req; p && *(p += strspn(p, " ,")); p += strcspn(p, " ,"))
        names++;
    for (int i = 0; i < SG_ISA_COUNT; i++)
        isas += isa_required((sg_isa)i);
    SGT_CHECK(names == isas, "SIMDGRAD_TEST_REQUIRE_ISA='%s' names something that is not an ISA", req);
    int count = 0;
    for (int i = 0; i < SG_ISA_COUNT; i++) {
        const sg_isa isa = (sg_isa)i;
        if (isa == SG_ISA_SCALAR)
            continue;
        const sg_kernels *k = sg_kernels_get(isa);
        if (!k) {
            printf("SKIP %s: not available on this CPU%s\n", sg_isa_name(isa),
                   sg_isa_compiled(isa) ? "" : " (not built for this architecture)");
            SGT_CHECK(!isa_required(isa), "%s is required (SIMDGRAD_TEST_REQUIRE_ISA='%s') but not available",
                      sg_isa_name(isa), getenv("SIMDGRAD_TEST_REQUIRE_ISA"));
            continue;
        }
        printf("testing %s%s%s\n", sg_isa_name(isa), sg_isa_emulated(isa) ? ": " : "",
               sg_isa_emulated(isa) ? sg_isa_emulated(isa) : "");
        out[count++] = k;
    }
    return count;
}

int sgt_all_kernels(const sg_kernels *all[SG_ISA_COUNT + 1], int *n_all)
{
    all[0] = sg_kernels_get(SG_ISA_SCALAR);
    const int nvec = sgt_vector_kernels(all + 1);
    *n_all = nvec + 1;
    return nvec;
}

/* ---- RNG ---- */

sgt_rng sgt_rng_seed(uint64_t seed)
{
    sgt_rng r = {seed ^ 0x5DEECE66DULL};
    return r;
}

uint64_t sgt_rng_u64(sgt_rng *r)
{
    uint64_t z = (r->state += 0x9E3779B97F4A7C15ULL);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
    return z ^ (z >> 31);
}

uint32_t sgt_rng_u32(sgt_rng *r) { return (uint32_t)(sgt_rng_u64(r) >> 32); }

size_t sgt_rng_below(sgt_rng *r, size_t n) { return (size_t)(sgt_rng_u64(r) % n); }

float sgt_rng_uniform(sgt_rng *r, float lo, float hi)
{
    /* 24 random bits -> [0, 1) exactly representable. */
    const float u = (float)(sgt_rng_u32(r) >> 8) * (1.0f / 16777216.0f);
    return lo + (hi - lo) * u;
}

/* ---- special values ---- */

float sgt_f32(uint32_t bits)
{
    float f;
    memcpy(&f, &bits, sizeof f);
    return f;
}

uint32_t sgt_bits(float f)
{
    uint32_t u;
    memcpy(&u, &f, sizeof u);
    return u;
}

bool sgt_is_nan(float f) { return (sgt_bits(f) & 0x7fffffffu) > 0x7f800000u; }

/* Bit patterns rather than expressions, so that no compiler folding changes them. */
static const uint32_t special_bits[] = {
    0x7fc00000u, /* +qNaN */
    0xffc00000u, /* -qNaN */
    0x7fc12345u, /* qNaN with payload */
    0xffedcba9u, /* negative NaN, signalling pattern */
    0x7f800001u, /* sNaN pattern, smallest payload */
    0x00000000u, /* +0 */
    0x80000000u, /* -0 */
    0x7f800000u, /* +inf */
    0xff800000u, /* -inf */
    0x00000001u, /* smallest subnormal */
    0x80000001u, /* -smallest subnormal */
    0x007fffffu, /* largest subnormal */
    0x807fffffu, /* -largest subnormal */
    0x00800000u, /* FLT_MIN */
    0x80800000u, /* -FLT_MIN */
    0x7f7fffffu, /* FLT_MAX */
    0xff7fffffu, /* -FLT_MAX */
    0x3f800000u, /* 1 */
    0xbf800000u, /* -1 */
    0x3f800001u, /* 1 + ulp */
    0x3f7fffffu, /* 1 - ulp/2 */
    0x33800000u, /* 2^-24 */
    0xb3800000u, /* -2^-24 */
    0x0c000000u, /* tiny normal (~1e-31) */
    0x8c000000u, /* -tiny normal */
    0x5f000000u, /* 2^63, huge */
    0xdf000000u, /* -2^63 */
};
#define N_SPECIALS (sizeof special_bits / sizeof special_bits[0])
const size_t sgt_n_specials = N_SPECIALS;

float sgt_special(size_t i) { return sgt_f32(special_bits[i % N_SPECIALS]); }

float sgt_rand_value(sgt_rng *r, unsigned special_pct)
{
    if (sgt_rng_below(r, 100) < special_pct)
        return sgt_special(sgt_rng_below(r, N_SPECIALS));
    return sgt_rng_uniform(r, -2.0f, 2.0f);
}

void sgt_fill(sgt_rng *r, float *p, size_t n, unsigned special_pct)
{
    for (size_t i = 0; i < n; i++)
        p[i] = sgt_rand_value(r, special_pct);
}

void sgt_fill_finite(sgt_rng *r, float *p, size_t n)
{
    for (size_t i = 0; i < n; i++)
        p[i] = sgt_rng_below(r, 8) == 0 ? (float)((int)sgt_rng_below(r, 7) - 3)
                                        : sgt_rng_uniform(r, -1.0f, 1.0f);
}

/* ---- comparison ---- */

bool sgt_same(float a, float b) { return (sgt_is_nan(a) && sgt_is_nan(b)) || sgt_bits(a) == sgt_bits(b); }

size_t sgt_first_mismatch(const float *got, const float *want, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (!sgt_same(got[i], want[i]))
            return i;
    return n;
}

const char *sgt_fmt(char buf[48], float f)
{
    snprintf(buf, 48, "%a (0x%08x)", (double)f, (unsigned)sgt_bits(f));
    return buf;
}

/* ---- guarded buffers ---- */

static size_t page_size(void)
{
    static size_t ps;
    if (!ps)
        ps = (size_t)sysconf(_SC_PAGESIZE);
    return ps;
}

const char *sgt_place_name(sgt_place place)
{
    switch (place) {
    case SGT_GUARD_AFTER: return "guard-after";
    case SGT_GUARD_BEFORE: return "guard-before";
    case SGT_MISALIGNED: return "misaligned";
    }
    return "?";
}

/* SIMDGRAD_TEST_GUARD_PAGES=0 keeps the guard pages mapped and fills them with canaries
   instead: qemu-user's TCG (7.2) reads past the named bytes where real CPUs do not (VMASKMOVPS
   faults on masked-off lanes; VFMADD231SS with a 4-byte memory operand reads 16 bytes), so under
   emulation a PROT_NONE page would flag correct kernels. Stray writes there are still caught;
   stray reads are only caught in native runs. */
static bool guards_on(void)
{
    static int on = -1;
    if (on < 0) {
        const char *s = getenv("SIMDGRAD_TEST_GUARD_PAGES");
        on = !(s && strcmp(s, "0") == 0);
        if (!on)
            puts("NOTE: SIMDGRAD_TEST_GUARD_PAGES=0: guard pages are canary-filled, not PROT_NONE "
                 "(over-writes still caught, over-reads only in native runs)");
    }
    return on;
}

/* Maps [guard][usable bytes rounded up to pages][guard]; sets lo/hi; fills with canary. */
static void map_region(sgt_buf *b, size_t usable)
{
    const size_t ps = page_size();
    const size_t inner = (usable + ps - 1) / ps * ps;
    b->map_len = inner + 2 * ps;
    void *m = mmap(NULL, b->map_len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (m == MAP_FAILED) {
        perror("sgtest: mmap");
        abort();
    }
    b->map = m;
    if (!guards_on()) {
        b->lo = b->map + ps;
        b->hi = b->lo + inner;
        memset(b->map, SGT_CANARY, b->map_len);
        return;
    }
    if (mprotect(b->map, ps, PROT_NONE) != 0 || mprotect(b->map + ps + inner, ps, PROT_NONE) != 0) {
        perror("sgtest: mprotect");
        abort();
    }
    b->lo = b->map + ps;
    b->hi = b->lo + inner;
    memset(b->lo, SGT_CANARY, inner);
}

void *sgt_buf_alloc_bytes(sgt_buf *b, size_t bytes, sgt_place place, size_t offset_bytes)
{
    /* 64 bytes of canary on each unguarded side, plus room for the line offset. */
    map_region(b, bytes + 3 * 64);
    b->bytes = bytes;
    b->n = bytes / sizeof(float);
    unsigned char *p = b->lo;
    switch (place) {
    case SGT_GUARD_AFTER: p = b->hi - bytes; break;
    case SGT_GUARD_BEFORE: p = b->lo; break;
    case SGT_MISALIGNED: p = b->lo + 64 + offset_bytes % 64; break;
    }
    b->p = p;
    memset(p, 0, bytes);
    return p;
}

float *sgt_buf_alloc(sgt_buf *b, size_t n, sgt_place place, unsigned offset_floats)
{
    return sgt_buf_alloc_bytes(b, n * sizeof(float), place, 4 * (offset_floats % SGT_NUM_OFFSETS));
}

void sgt_buf_free(sgt_buf *b)
{
    if (b->map)
        munmap(b->map, b->map_len);
    memset(b, 0, sizeof *b);
}

/* True when [q, q+len) is all canary: memcmp against a canary block is fast even under qemu. */
static bool all_canary(const unsigned char *q, size_t len, size_t *bad)
{
    static unsigned char block[4096];
    if (!block[0])
        memset(block, SGT_CANARY, sizeof block);
    for (size_t done = 0; done < len;) {
        const size_t chunk = len - done < sizeof block ? len - done : sizeof block;
        if (memcmp(q + done, block, chunk) != 0) {
            for (size_t i = 0; i < chunk; i++)
                if (q[done + i] != SGT_CANARY) {
                    *bad = done + i;
                    return false;
                }
        }
        done += chunk;
    }
    return true;
}

bool sgt_buf_canaries_ok(const sgt_buf *b, const char *what)
{
    const unsigned char *start = (const unsigned char *)b->p, *end = start + b->bytes;
    /* Without PROT_NONE guards the guard pages are canaries too. */
    const unsigned char *first = guards_on() ? b->lo : b->map,
                        *last = guards_on() ? b->hi : b->map + b->map_len;
    size_t bad;
    if (!all_canary(first, (size_t)(start - first), &bad)) {
        sgt_fail("%s: a byte before the range was written (%zu byte(s) before the first element, now 0x%02x)",
                 what, (size_t)(start - first) - bad, first[bad]);
        return false;
    }
    if (!all_canary(end, (size_t)(last - end), &bad)) {
        sgt_fail("%s: a byte after the range was written (%zu byte(s) after the last element, now 0x%02x)",
                 what, bad + 1, end[bad]);
        return false;
    }
    return true;
}

void sgt_arena_init(sgt_arena *a, size_t cap)
{
    map_region(&a->buf, cap * sizeof(float) + 3 * 64);
    a->cap = cap;
    a->buf.p = a->buf.lo + 64;
    a->buf.n = 0;
    a->buf.bytes = 0;
}

void *sgt_arena_put_bytes(sgt_arena *a, size_t bytes, sgt_place place, size_t offset_bytes)
{
    if (bytes > a->cap * sizeof(float) || offset_bytes >= 64) {
        fprintf(stderr, "sgtest: arena of %zu floats asked for %zu bytes at +%zu\n", a->cap, bytes,
                offset_bytes);
        abort();
    }
    /* Re-poison everything: the previous placement left data where this one has canaries. */
    memset(a->buf.lo, SGT_CANARY, (size_t)(a->buf.hi - a->buf.lo));
    if (!guards_on())
        memset(a->buf.map, SGT_CANARY, a->buf.map_len);
    unsigned char *p = a->buf.lo;
    switch (place) {
    case SGT_GUARD_AFTER: p = a->buf.hi - bytes; break;
    case SGT_GUARD_BEFORE: p = a->buf.lo; break;
    case SGT_MISALIGNED: p = a->buf.lo + 64 + offset_bytes; break;
    }
    a->buf.p = p;
    a->buf.bytes = bytes;
    a->buf.n = bytes / sizeof(float);
    memset(p, 0, bytes);
    return p;
}

float *sgt_arena_put(sgt_arena *a, size_t n, sgt_place place, unsigned offset_floats)
{
    return sgt_arena_put_bytes(a, n * sizeof(float), place, 4 * (offset_floats % SGT_NUM_OFFSETS));
}

float *sgt_arena_place(sgt_arena *a, size_t n, unsigned offset_floats)
{
    return sgt_arena_put(a, n, SGT_MISALIGNED, offset_floats);
}

void sgt_arena_free(sgt_arena *a)
{
    sgt_buf_free(&a->buf);
    a->cap = 0;
}
