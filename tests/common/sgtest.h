/* Test support shared by every C test suite: guarded buffers, misaligned placement, a portable
 * RNG, special float values, NaN-aware bitwise comparison, failure bookkeeping and skip handling.
 *
 * Kernels must never touch memory outside their named ranges; the buffers here put a PROT_NONE
 * page right after the last element (or right before the first) so an over-read faults at once,
 * and fill the slack between guard and data with canary bytes so an in-bounds stray write is
 * seen too. */
#ifndef SGTEST_H
#define SGTEST_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "simdgrad.h"

/* meson's "skipped" exit code. */
#define SGT_SKIP 77

/* ---- failure bookkeeping ---- */

/* Records a failure and prints it (printf-style). After SGT_MAX_REPORTS failures further
   messages are suppressed but still counted; the test exits 1 from sgt_finish(). */
#define SGT_MAX_REPORTS 20
void sgt_fail(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
unsigned long sgt_failures(void);
/* Checks cond; on failure reports file:line and the message. Returns cond. */
#define SGT_CHECK(cond, ...) sgt_check_at((cond), __FILE__, __LINE__, __VA_ARGS__)
bool sgt_check_at(bool ok, const char *file, int line, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
/* Prints "SKIP: why" and exits 77. */
_Noreturn void sgt_skip(const char *why);
/* Prints a summary; returns the process exit code: 1 on any failure, 77 when vector_isas_tested
   is 0 (nothing beyond the scalar reference could be tested: never a silent pass), else 0. */
int sgt_finish(const char *test_name, int vector_isas_tested);

/* What the test is doing right now; printed if a kernel faults (SIGSEGV/SIGBUS on a guard
   page), so a crash names the ISA, size and placement. Cheap enough to set per call. */
void sgt_context(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* Installs the fault handler that prints the context. Call once at the start of main. */
void sgt_install_fault_handler(void);

/* ---- run size ---- */

/* SIMDGRAD_TEST_SCALE=small (emulated CPUs, sanitizers) shrinks the sampled parts of a test;
   the exhaustive small-size sweeps stay. */
bool sgt_small(void);
/* Scales a count: full when not small, else max(1, full / divisor). */
size_t sgt_scaled(size_t full, size_t divisor);

/* ---- ISA iteration ---- */

/* Fills out[] with the kernel tables of every available vector ISA (never scalar), printing
   "testing <isa>" or "SKIP <isa>: ..." for each. Returns the count. SIMDGRAD_TEST_REQUIRE_ISA="a b"
   (set by CI stages that exist to run those ISAs, e.g. tools/stages/25-avx512-emu.sh) turns a skip
   of a named ISA into a failure. */
int sgt_vector_kernels(const sg_kernels *out[SG_ISA_COUNT]);

/* all[0] = the scalar table, then every available vector ISA (as sgt_vector_kernels, SKIP lines
   included). Returns the number of vector ISAs; *n_all counts all[]. all[0] is NULL only if even the
   scalar table is missing. */
int sgt_all_kernels(const sg_kernels *all[SG_ISA_COUNT + 1], int *n_all);

/* ---- deterministic RNG (splitmix64: same stream on every platform and compiler) ---- */

typedef struct sgt_rng {
    uint64_t state;
} sgt_rng;
sgt_rng sgt_rng_seed(uint64_t seed);
uint64_t sgt_rng_u64(sgt_rng *r);
uint32_t sgt_rng_u32(sgt_rng *r);
size_t sgt_rng_below(sgt_rng *r, size_t n); /* uniform in [0, n), n > 0 */
float sgt_rng_uniform(sgt_rng *r, float lo, float hi);

/* ---- special values ---- */

float sgt_f32(uint32_t bits);
uint32_t sgt_bits(float f);
bool sgt_is_nan(float f);
/* The fixed list of interesting values: NaNs (quiet, negative, payload, signalling pattern),
   ±0, ±inf, smallest/largest subnormals, ±FLT_MIN, ±FLT_MAX, values near 0 and 1. */
float sgt_special(size_t i); /* i modulo the list length */
extern const size_t sgt_n_specials;
/* One random value: a special with probability special_pct/100, else uniform in [-2, 2]. */
float sgt_rand_value(sgt_rng *r, unsigned special_pct);
void sgt_fill(sgt_rng *r, float *p, size_t n, unsigned special_pct);
/* Finite values only (uniform in [-1, 1], some exact small integers), for error-bound checks. */
void sgt_fill_finite(sgt_rng *r, float *p, size_t n);

/* ---- NaN-aware bitwise comparison ---- */

/* Equal bit patterns, or both NaN (any sign/payload). */
bool sgt_same(float a, float b);
/* Index of the first element where got and want differ (sgt_same false), or n when none. */
size_t sgt_first_mismatch(const float *got, const float *want, size_t n);
/* Formats "x (0xXXXXXXXX)" into buf (for reports). */
const char *sgt_fmt(char buf[48], float f);

/* ---- guarded buffers ---- */

typedef enum sgt_place {
    SGT_GUARD_AFTER,  /* last element ends exactly at a PROT_NONE page */
    SGT_GUARD_BEFORE, /* first element starts exactly after a PROT_NONE page */
    SGT_MISALIGNED,   /* first element at (64-byte line + offset); canary bytes on both sides */
} sgt_place;

/* One mapping: [guard page][canary slack][data n floats][canary slack][guard page]. The slack
   on the guarded side is zero bytes. */
typedef struct sgt_buf {
    unsigned char *map;
    size_t map_len;
    unsigned char *lo, *hi; /* the accessible bytes, between the guard pages */
    void *p;                /* the data (a float array, or bytes for a packed array) */
    size_t n;               /* floats, for the float API */
    size_t bytes;           /* extent of the data in bytes: what the canary check treats as in range */
} sgt_buf;

#define SGT_CANARY      0xA5u
#define SGT_NUM_OFFSETS 16 /* float offsets within a 64-byte line: 0, 4, ..., 60 bytes */

/* Maps a buffer for n floats (n may be 0) at the given placement; offset_floats (0..15) only
   matters for SGT_MISALIGNED. All slack bytes are set to SGT_CANARY; data is left zeroed.
   Aborts the test on mmap failure. */
float *sgt_buf_alloc(sgt_buf *b, size_t n, sgt_place place, unsigned offset_floats);
/* The same for an array of any element type: bytes of data at offset_bytes (0..63) past a 64-byte
   line when SGT_MISALIGNED. Packed arrays (2-bit masks) need placements that are not float-aligned. */
void *sgt_buf_alloc_bytes(sgt_buf *b, size_t bytes, sgt_place place, size_t offset_bytes);
void sgt_buf_free(sgt_buf *b);
/* True when every slack byte still holds SGT_CANARY; else reports (with what) and returns false. */
bool sgt_buf_canaries_ok(const sgt_buf *b, const char *what);
const char *sgt_place_name(sgt_place place);

/* A reusable arena for many misaligned placements of up to cap floats without remapping:
   sgt_arena_place() refills the canaries and returns the data pointer at the given offset. */
typedef struct sgt_arena {
    sgt_buf buf; /* buf.p/buf.n describe the current placement */
    size_t cap;
} sgt_arena;
void sgt_arena_init(sgt_arena *a, size_t cap);
float *sgt_arena_place(sgt_arena *a, size_t n, unsigned offset_floats);
/* Any placement within the arena: SGT_GUARD_AFTER ends at the arena's trailing guard page,
   SGT_GUARD_BEFORE starts at its leading one; no remapping per call. */
float *sgt_arena_put(sgt_arena *a, size_t n, sgt_place place, unsigned offset_floats);
/* Byte-granular sgt_arena_put: bytes <= 4·cap, offset_bytes < 64. */
void *sgt_arena_put_bytes(sgt_arena *a, size_t bytes, sgt_place place, size_t offset_bytes);
void sgt_arena_free(sgt_arena *a);

#endif
