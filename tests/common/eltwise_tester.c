/* The generic elementwise tester; see eltwise_tester.h. Arrays are handled as sequences of element
 * values (uint32_t: float bits or 2-bit codes) and as the bytes a kernel sees, so that float and
 * packed-mask arrays go through the same placements, comparisons and reports. */
#include "eltwise_tester.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_SWEEP_N 300
enum {
    MAX_ARRAYS = 2 * SG_ELTWISE_MAX_STREAMS, /* inputs first, then outputs */
    N_ODD_PARAMS = 4,
    MAX_PSETS = SG_ELTWISE_MAX_SWEEP + N_ODD_PARAMS,
    SPECIAL_LEN = 67, /* a 64-lane block plus a tail on every ISA */
};

/* Parameter values beyond the descriptor's sweep: no caller uses them, but the contract defines
   them (as bits, so that no compiler folding changes them). */
static const uint32_t odd_param_bits[N_ODD_PARAMS] = {0xc0000000u /* -2 */, 0x80000000u /* -0 */,
                                                      0x7fc00000u /* NaN */, 0x7f800000u /* +inf */};

/* Per-array multipliers for the misalignment rotation (offset = r·rmul + n·nmul + add, mod 16):
   co-prime with 16 so each array sees every offset, and different so arrays are not in lockstep. */
static const unsigned rmul[MAX_ARRAYS] = {1, 7, 11, 13, 5, 3, 9, 15};
static const unsigned nmul[MAX_ARRAYS] = {1, 3, 5, 7, 9, 11, 13, 15};
static const unsigned radd[MAX_ARRAYS] = {0, 0, 1, 2, 3, 4, 5, 6};
/* Per-input strides through the special-value list, so inputs pair up differently at each lane. */
static const unsigned smul[SG_ELTWISE_MAX_STREAMS] = {1, 5, 7, 11};
static const unsigned imul[SG_ELTWISE_MAX_STREAMS] = {1, 3, 5, 7};

typedef struct tester {
    const sgt_elt_family *fam;
    const sg_eltwise_desc *d;
    const char *fname;
    unsigned n_arr;
    sg_elt_type type[MAX_ARRAYS];
    const char *aname[MAX_ARRAYS];
    /* Parameter sets: the first n_conv are the descriptor's sweep (the conventions callers use),
       then the odd values. Always at least one (empty when the family has no parameter). */
    unsigned n_psets, n_conv;
    float ps[MAX_PSETS][SG_ELTWISE_MAX_PARAMS];
    char ps_name[MAX_PSETS][64];
    unsigned flags;
} tester;

/* One size's data: the inputs as values and as stored bytes, the rule's outputs per parameter set. */
typedef struct data {
    size_t n;
    uint32_t *val[SG_ELTWISE_MAX_STREAMS];
    unsigned char *img[SG_ELTWISE_MAX_STREAMS];
    uint32_t *want[MAX_PSETS][SG_ELTWISE_MAX_STREAMS];
} data;

/* Where each array of one call lives. in_place: out[0] is in[alias_in] (same pointer and buffer). */
typedef struct placement {
    void *p[MAX_ARRAYS];
    const sgt_buf *buf[MAX_ARRAYS];
    bool in_place;
} placement;

/* ---- element access ---- */

static size_t arr_bytes(const tester *t, unsigned a, size_t n) { return sg_eltwise_bytes(t->type[a], n); }

/* Stores n values in the layout of type ty; pad fills the unused bits of a packed last byte. */
static void pack(sg_elt_type ty, unsigned char *dst, const uint32_t *v, size_t n, unsigned pad)
{
    if (ty == SG_ELT_F32) {
        if (n)
            memcpy(dst, v, n * sizeof(uint32_t));
        return;
    }
    const size_t bytes = sg_eltwise_bytes(ty, n);
    if (bytes)
        memset(dst, 0, bytes);
    for (size_t i = 0; i < n; i++)
        dst[i / 4] |= (unsigned char)((v[i] & 3u) << (2 * (i % 4)));
    if (n % 4)
        dst[n / 4] |= (unsigned char)(pad & (0xffu << (2 * (n % 4))));
}

/* Element i of an array as stored. */
static uint32_t get(sg_elt_type ty, const void *p, size_t i)
{
    if (ty == SG_ELT_F32) {
        uint32_t u;
        memcpy(&u, (const unsigned char *)p + 4 * i, sizeof u);
        return u;
    }
    return (((const unsigned char *)p)[i / 4] >> (2 * (i % 4))) & 3u;
}

/* Floats: same bits or both NaN (the contract's equality). Codes: equal. */
static bool same_elt(sg_elt_type ty, uint32_t a, uint32_t b)
{
    return ty == SG_ELT_F32 ? sgt_same(sgt_f32(a), sgt_f32(b)) : a == b;
}

static const char *fmt_elt(char buf[48], sg_elt_type ty, uint32_t v)
{
    if (ty == SG_ELT_F32)
        return sgt_fmt(buf, sgt_f32(v));
    snprintf(buf, 48, "code %u", (unsigned)v);
    return buf;
}

/* Misalignment of offset index o (0..15): 4·o bytes for floats; for packed arrays every byte residue
   mod 4 comes up too (a byte array has no float alignment to rely on). */
static size_t off_bytes(sg_elt_type ty, unsigned o) { return ty == SG_ELT_F32 ? 4u * o : 4u * o + o % 4; }

/* Garbage an output starts as: a float NaN pattern / all four codes with non-zero padding bits, so a
   skipped store or a forgotten tail byte cannot pass by accident. */
static int prefill_byte(sg_elt_type ty) { return ty == SG_ELT_F32 ? 0x7f : 0xc6; }

static void fmt_params(const tester *t, const float *p, char *buf, size_t len)
{
    buf[0] = 0;
    size_t used = 0;
    for (unsigned i = 0; i < t->d->n_params && used < len; i++) {
        if (i == 0 && t->d->param_name)
            used += (size_t)snprintf(buf + used, len - used, " %s=%g", t->d->param_name, (double)p[i]);
        else
            used += (size_t)snprintf(buf + used, len - used, " p%u=%g", i, (double)p[i]);
    }
}

/* "x = 0x1p+0 (0x3f800000), dy = ..." for a report. */
static void fmt_inputs(const tester *t, const uint32_t *in, char *buf, size_t len)
{
    size_t used = 0;
    buf[0] = 0;
    for (unsigned j = 0; j < t->d->n_in && used < len; j++) {
        char e[48];
        used += (size_t)snprintf(buf + used, len - used, "%s%s = %s", j ? ", " : "", t->d->in_names[j],
                                 fmt_elt(e, t->d->in[j], in[j]));
    }
}

/* ---- checks ---- */

/* Output o of a call against want[]; reports the first mismatch with its inputs (in_val[j][i]). */
static bool check_out(const tester *t, const char *isa, const char *how, const char *pdesc, size_t n,
                      unsigned o, const void *got, const uint32_t *want, uint32_t *const *in_val,
                      const char *want_from)
{
    const sg_elt_type ty = t->d->out[o];
    for (size_t i = 0; i < n; i++) {
        const uint32_t g = get(ty, got, i);
        if (!same_elt(ty, g, want[i])) {
            uint32_t in[SG_ELTWISE_MAX_STREAMS] = {0};
            for (unsigned j = 0; j < t->d->n_in; j++)
                in[j] = in_val[j][i];
            char a[48], b[48], ins[256];
            fmt_inputs(t, in, ins, sizeof ins);
            sgt_fail("%s[%s] %s n=%zu%s: %s[%zu] = %s, %s %s for %s", t->fname, isa, how, n, pdesc,
                     t->d->out_names[o], i, fmt_elt(a, ty, g), want_from, fmt_elt(b, ty, want[i]), ins);
            return false;
        }
    }
    if (ty == SG_ELT_MASK2 && n % 4) {
        const unsigned pad = ((const unsigned char *)got)[n / 4] >> (2 * (n % 4));
        if (pad != SGT_ELT_OUT_PAD) {
            sgt_fail("%s[%s] %s n=%zu%s: %s: padding bits after the last element are 0x%x, want 0x%x",
                     t->fname, isa, how, n, pdesc, t->d->out_names[o], pad, (unsigned)SGT_ELT_OUT_PAD);
            return false;
        }
    }
    return true;
}

static void call(const tester *t, const sg_kernels *k, size_t n, void *const *p, bool in_place,
                 const float *params)
{
    const void *in[SG_ELTWISE_MAX_STREAMS];
    void *out[SG_ELTWISE_MAX_STREAMS];
    for (unsigned j = 0; j < t->d->n_in; j++)
        in[j] = p[j];
    for (unsigned o = 0; o < t->d->n_out; o++)
        out[o] = p[t->d->n_in + o];
    if (in_place)
        out[0] = p[t->d->alias_in];
    t->d->call(k, n, in, out, params);
}

/* The named cases: the rule must give each expectation, and so must every table at every lane. */
static void check_cases_rule(const tester *t)
{
    for (size_t c = 0; c < t->fam->n_cases; c++) {
        const sgt_elt_case *cs = &t->fam->cases[c];
        uint32_t out[SG_ELTWISE_MAX_STREAMS] = {0};
        t->fam->rule(cs->in, cs->params, out);
        for (unsigned o = 0; o < t->d->n_out; o++) {
            char a[48], b[48];
            SGT_CHECK(same_elt(t->d->out[o], out[o], cs->out[o]), "%s rule, case '%s': %s = %s, want %s",
                      t->fname, cs->what, t->d->out_names[o], fmt_elt(a, t->d->out[o], out[o]),
                      fmt_elt(b, t->d->out[o], cs->out[o]));
        }
    }
}

static void check_cases_kernel(const tester *t, const sg_kernels *k)
{
    const char *isa = sg_isa_name(k->isa);
    static uint32_t val[MAX_ARRAYS][SPECIAL_LEN];
    static unsigned char bytes[MAX_ARRAYS][SPECIAL_LEN * 4];
    uint32_t *inv[SG_ELTWISE_MAX_STREAMS];
    void *p[MAX_ARRAYS];
    for (unsigned a = 0; a < t->n_arr; a++)
        p[a] = bytes[a];
    for (unsigned j = 0; j < t->d->n_in; j++)
        inv[j] = val[j];
    for (size_t c = 0; c < t->fam->n_cases; c++) {
        const sgt_elt_case *cs = &t->fam->cases[c];
        for (unsigned j = 0; j < t->d->n_in; j++) {
            for (size_t i = 0; i < SPECIAL_LEN; i++)
                val[j][i] = cs->in[j];
            pack(t->type[j], bytes[j], val[j], SPECIAL_LEN, 0xff);
        }
        for (unsigned o = 0; o < t->d->n_out; o++) {
            const unsigned a = t->d->n_in + o;
            for (size_t i = 0; i < SPECIAL_LEN; i++)
                val[a][i] = cs->out[o];
            memset(bytes[a], prefill_byte(t->type[a]), sizeof bytes[a]);
        }
        char how[96], pdesc[64];
        snprintf(how, sizeof how, "case '%s'", cs->what);
        fmt_params(t, cs->params, pdesc, sizeof pdesc);
        sgt_context("%s[%s] %s", t->fname, isa, how);
        call(t, k, SPECIAL_LEN, p, false, cs->params);
        for (unsigned o = 0; o < t->d->n_out; o++)
            check_out(t, isa, how, pdesc, SPECIAL_LEN, o, bytes[t->d->n_in + o], val[t->d->n_in + o], inv,
                      "case says");
    }
}

/* Every special value at every lane, paired differently per input, with every parameter set. */
static void check_specials(const tester *t, const sg_kernels *k)
{
    const char *isa = sg_isa_name(k->isa);
    static uint32_t val[SG_ELTWISE_MAX_STREAMS][SPECIAL_LEN], want[SG_ELTWISE_MAX_STREAMS][SPECIAL_LEN];
    static unsigned char bytes[MAX_ARRAYS][SPECIAL_LEN * 4], orig[SG_ELTWISE_MAX_STREAMS][SPECIAL_LEN * 4];
    uint32_t *inv[SG_ELTWISE_MAX_STREAMS];
    void *p[MAX_ARRAYS];
    for (unsigned a = 0; a < t->n_arr; a++)
        p[a] = bytes[a];
    for (unsigned j = 0; j < t->d->n_in; j++)
        inv[j] = val[j];
    for (unsigned ps = 0; ps < t->n_psets; ps++) {
        for (size_t s = 0; s < sgt_n_specials; s++) {
            for (unsigned j = 0; j < t->d->n_in; j++) {
                for (size_t i = 0; i < SPECIAL_LEN; i++)
                    val[j][i] = t->type[j] == SG_ELT_F32
                                    ? sgt_bits(sgt_special(s * smul[j] + i * imul[j] + j))
                                    : (uint32_t)((s + i * imul[j] + j) % 4);
                pack(t->type[j], bytes[j], val[j], SPECIAL_LEN, 0xff);
                memcpy(orig[j], bytes[j], sizeof orig[j]);
            }
            for (size_t i = 0; i < SPECIAL_LEN; i++) {
                uint32_t in[SG_ELTWISE_MAX_STREAMS] = {0}, out[SG_ELTWISE_MAX_STREAMS] = {0};
                for (unsigned j = 0; j < t->d->n_in; j++)
                    in[j] = val[j][i];
                t->fam->rule(in, t->ps[ps], out);
                for (unsigned o = 0; o < t->d->n_out; o++)
                    want[o][i] = out[o];
            }
            for (unsigned o = 0; o < t->d->n_out; o++)
                memset(bytes[t->d->n_in + o], 0x5a, sizeof bytes[0]);
            sgt_context("%s[%s] specials s=%zu%s", t->fname, isa, s, t->ps_name[ps]);
            call(t, k, SPECIAL_LEN, p, false, t->ps[ps]);
            for (unsigned o = 0; o < t->d->n_out; o++)
                check_out(t, isa, "specials", t->ps_name[ps], SPECIAL_LEN, o, bytes[t->d->n_in + o], want[o],
                          inv, "want");
            for (unsigned j = 0; j < t->d->n_in; j++)
                if (memcmp(orig[j], bytes[j], sg_eltwise_bytes(t->type[j], SPECIAL_LEN)) != 0)
                    sgt_fail("%s[%s] specials: input %s was modified", t->fname, isa, t->d->in_names[j]);
        }
    }
}

/* ---- sweeps over sizes and placements ---- */

/* Random inputs (special_pct% specials, a quarter exactly ±0 so the zero path is hit at every lane),
   and, when with_rule, the rule's outputs for every parameter set. special_pct = SPARSE instead makes
   ±0, specials and the ZERO/NAN codes rare (1 in 128): kernels with a fast path for blocks free of them
   (relu_grad, relu_grad_mask) take it for most blocks and still meet the odd one mid-stream. */
#define SPARSE 1000u
static void make_data(const tester *t, data *D, size_t n, sgt_rng *rng, unsigned special_pct, bool with_rule)
{
    const bool sparse = special_pct == SPARSE;
    memset(D, 0, sizeof *D);
    D->n = n;
    const size_t alloc = n ? n : 1;
    for (unsigned j = 0; j < t->d->n_in; j++) {
        D->val[j] = malloc(alloc * sizeof(uint32_t));
        D->img[j] = malloc(alloc * sizeof(uint32_t));
        for (size_t i = 0; i < n; i++) {
            const bool rare = sparse && sgt_rng_below(rng, 128) == 0;
            if (t->type[j] != SG_ELT_F32) {
                D->val[j][i] = (uint32_t)sgt_rng_below(rng, sparse && !rare ? 2 : 4);
                continue;
            }
            float v = sgt_rand_value(rng, sparse ? (rare ? 100 : 0) : special_pct);
            if (sgt_rng_below(rng, 4) == 0 && (!sparse || rare))
                v = sgt_rng_below(rng, 2) ? 0.0f : -0.0f;
            D->val[j][i] = sgt_bits(v);
        }
        pack(t->type[j], D->img[j], D->val[j], n, 0xff);
    }
    if (!with_rule)
        return;
    for (unsigned ps = 0; ps < t->n_psets; ps++)
        for (unsigned o = 0; o < t->d->n_out; o++)
            D->want[ps][o] = malloc(alloc * sizeof(uint32_t));
    for (size_t i = 0; i < n; i++) {
        uint32_t in[SG_ELTWISE_MAX_STREAMS] = {0};
        for (unsigned j = 0; j < t->d->n_in; j++)
            in[j] = D->val[j][i];
        for (unsigned ps = 0; ps < t->n_psets; ps++) {
            uint32_t out[SG_ELTWISE_MAX_STREAMS] = {0};
            t->fam->rule(in, t->ps[ps], out);
            for (unsigned o = 0; o < t->d->n_out; o++)
                D->want[ps][o][i] = out[o];
        }
    }
}

static void free_data(data *D)
{
    for (unsigned j = 0; j < SG_ELTWISE_MAX_STREAMS; j++) {
        free(D->val[j]);
        free(D->img[j]);
        for (unsigned ps = 0; ps < MAX_PSETS; ps++)
            free(D->want[ps][j]);
    }
}

/* One call at one placement: inputs copied in, outputs pre-filled, then outputs against the rule,
   inputs unchanged, canaries intact around every array. */
static void run_one(const tester *t, const sg_kernels *k, const char *how, const data *D, unsigned ps,
                    const placement *P)
{
    const char *isa = sg_isa_name(k->isa);
    const size_t n = D->n;
    const unsigned n_in = t->d->n_in;
    for (unsigned j = 0; j < n_in; j++)
        if (n)
            memcpy(P->p[j], D->img[j], arr_bytes(t, j, n));
    for (unsigned o = 0; o < t->d->n_out; o++)
        if (n && !(o == 0 && P->in_place))
            memset(P->p[n_in + o], prefill_byte(t->type[n_in + o]), arr_bytes(t, n_in + o, n));
    sgt_context("%s[%s] %s n=%zu%s", t->fname, isa, how, n, t->ps_name[ps]);
    call(t, k, n, P->p, P->in_place, t->ps[ps]);
    for (unsigned o = 0; o < t->d->n_out; o++) {
        const void *got = o == 0 && P->in_place ? P->p[t->d->alias_in] : P->p[n_in + o];
        check_out(t, isa, how, t->ps_name[ps], n, o, got, D->want[ps][o], D->val, "want");
    }
    for (unsigned j = 0; j < n_in; j++) {
        if (P->in_place && (int)j == t->d->alias_in)
            continue;
        if (n && memcmp(P->p[j], D->img[j], arr_bytes(t, j, n)) != 0)
            sgt_fail("%s[%s] %s n=%zu%s: input %s was modified", t->fname, isa, how, n, t->ps_name[ps],
                     t->d->in_names[j]);
    }
    for (unsigned a = 0; a < t->n_arr; a++) {
        if (P->in_place && a == n_in)
            continue; /* the aliased input's buffer, checked as that input */
        char what[160];
        snprintf(what, sizeof what, "%s[%s] %s n=%zu %s", t->fname, isa, how, n, t->aname[a]);
        sgt_buf_canaries_ok(P->buf[a], what);
    }
}

/* The in-place variant of a placement: out[0] becomes the aliasing input. */
static placement aliased(const tester *t, placement P)
{
    P.in_place = true;
    P.p[t->d->n_in] = P.p[t->d->alias_in];
    P.buf[t->d->n_in] = P.buf[t->d->alias_in];
    return P;
}

static void sweep_n(const tester *t, const sg_kernels *const *ks, int nk, size_t n, sgt_rng *rng,
                    unsigned rotations, bool all_ps)
{
    data D;
    make_data(t, &D, n, rng, n > 64 && n % 3 == 1 ? SPARSE : 25, true);
    sgt_arena ar[MAX_ARRAYS];
    sgt_buf ga[MAX_ARRAYS], gb[MAX_ARRAYS];
    void *after[MAX_ARRAYS], *before[MAX_ARRAYS];
    for (unsigned a = 0; a < t->n_arr; a++) {
        sgt_arena_init(&ar[a], n + SGT_NUM_OFFSETS);
        after[a] = sgt_buf_alloc_bytes(&ga[a], arr_bytes(t, a, n), SGT_GUARD_AFTER, 0);
        before[a] = sgt_buf_alloc_bytes(&gb[a], arr_bytes(t, a, n), SGT_GUARD_BEFORE, 0);
    }
    const bool alias = t->d->alias_in >= 0;

    for (int ki = 0; ki < nk; ki++) {
        const sg_kernels *k = ks[ki];
        for (unsigned r = 0; r < rotations; r++) {
            /* Shifting by n: with fewer rotations (small mode) every offset of every array still
               comes up across the sweep. */
            unsigned off[MAX_ARRAYS];
            char offs[128];
            size_t used = 0;
            for (unsigned a = 0; a < t->n_arr; a++) {
                off[a] = (r * rmul[a] + (unsigned)n * nmul[a] + radd[a]) % SGT_NUM_OFFSETS;
                used += (size_t)snprintf(offs + used, sizeof offs - used, " %s+%zuB", t->aname[a],
                                         off_bytes(t->type[a], off[a]));
            }
            const unsigned psel = (unsigned)((r + n) % (all_ps ? t->n_psets : t->n_conv));
            for (unsigned g = 0; g < (all_ps ? t->n_psets : 1); g++) {
                const unsigned ps = all_ps ? g : psel;
                placement P = {.in_place = false};
                for (unsigned a = 0; a < t->n_arr; a++) {
                    P.p[a] = sgt_arena_put_bytes(&ar[a], arr_bytes(t, a, n), SGT_MISALIGNED,
                                                 off_bytes(t->type[a], off[a]));
                    P.buf[a] = &ar[a].buf;
                }
                char how[160];
                snprintf(how, sizeof how, "misaligned%s", offs);
                run_one(t, k, how, &D, ps, &P);
                if (alias) {
                    snprintf(how, sizeof how, "in-place (%s = %s) misaligned%s", t->d->out_names[0],
                             t->d->in_names[t->d->alias_in], offs);
                    const placement Q = aliased(t, P);
                    run_one(t, k, how, &D, ps, &Q);
                }
            }
        }
        /* Guard page right after the last byte / right before the first byte of each array: all after,
           all before, alternating both ways; then in place against both guards. */
        for (unsigned ps = 0; ps < (all_ps ? t->n_psets : t->n_conv); ps++) {
            for (unsigned kind = 0; kind < 6; kind++) {
                if (kind >= 4 && !alias)
                    continue;
                placement P = {.in_place = false};
                char how[160] = "guard";
                size_t used = strlen(how);
                for (unsigned a = 0; a < t->n_arr; a++) {
                    const bool aft =
                        kind == 0 || kind == 4 || (kind == 2 && a % 2 == 0) || (kind == 3 && a % 2);
                    P.p[a] = aft ? after[a] : before[a];
                    P.buf[a] = aft ? &ga[a] : &gb[a];
                    if (kind < 4 || a != t->d->n_in)
                        used += (size_t)snprintf(how + used, sizeof how - used, " %s:%s", t->aname[a],
                                                 aft ? "after" : "before");
                }
                if (kind >= 4) {
                    P = aliased(t, P);
                    snprintf(how + used, sizeof how - used, " in-place (%s = %s)", t->d->out_names[0],
                             t->d->in_names[t->d->alias_in]);
                }
                run_one(t, k, how, &D, ps, &P);
            }
        }
    }

    for (unsigned a = 0; a < t->n_arr; a++) {
        sgt_buf_free(&ga[a]);
        sgt_buf_free(&gb[a]);
        sgt_arena_free(&ar[a]);
    }
    free_data(&D);
}

/* A vector table against the scalar one, bit for bit (NaNs equal, packed padding included), on a
   large input with every parameter set. */
static void compare_with_scalar(const tester *t, const sg_kernels *scalar, const sg_kernels *k, size_t n,
                                sgt_rng *rng, unsigned special_pct)
{
    data D;
    make_data(t, &D, n, rng, special_pct, false);
    const unsigned n_in = t->d->n_in;
    void *ref[MAX_ARRAYS], *got[MAX_ARRAYS];
    for (unsigned a = 0; a < t->n_arr; a++) {
        ref[a] = got[a] = a < n_in ? (void *)D.img[a] : NULL;
        if (a >= n_in) {
            ref[a] = malloc(arr_bytes(t, a, n) + 1);
            got[a] = malloc(arr_bytes(t, a, n) + 1);
        }
    }
    for (unsigned ps = 0; ps < t->n_psets; ps++) {
        for (unsigned a = n_in; a < t->n_arr; a++) {
            memset(ref[a], prefill_byte(t->type[a]), arr_bytes(t, a, n));
            memset(got[a], prefill_byte(t->type[a]), arr_bytes(t, a, n));
        }
        call(t, scalar, n, ref, false, t->ps[ps]);
        sgt_context("%s[%s] vs scalar n=%zu%s", t->fname, sg_isa_name(k->isa), n, t->ps_name[ps]);
        call(t, k, n, got, false, t->ps[ps]);
        for (unsigned o = 0; o < t->d->n_out; o++) {
            const unsigned a = n_in + o;
            uint32_t *want = malloc((n ? n : 1) * sizeof(uint32_t));
            for (size_t i = 0; i < n; i++)
                want[i] = get(t->type[a], ref[a], i);
            if (check_out(t, sg_isa_name(k->isa), "vs scalar", t->ps_name[ps], n, o, got[a], want, D.val,
                          "scalar") &&
                t->type[a] == SG_ELT_MASK2 && n % 4 &&
                ((unsigned char *)ref[a])[n / 4] != ((unsigned char *)got[a])[n / 4])
                sgt_fail("%s[%s] vs scalar n=%zu%s: %s: last byte 0x%02x, scalar 0x%02x", t->fname,
                         sg_isa_name(k->isa), n, t->ps_name[ps], t->d->out_names[o],
                         ((unsigned char *)got[a])[n / 4], ((unsigned char *)ref[a])[n / 4]);
            free(want);
        }
    }
    for (unsigned a = n_in; a < t->n_arr; a++) {
        free(ref[a]);
        free(got[a]);
    }
    free_data(&D);
}

/* ---- driver ---- */

static bool setup(tester *t, const sgt_elt_family *f, unsigned flags)
{
    memset(t, 0, sizeof *t);
    t->fam = f;
    t->flags = flags;
    t->fname = f->desc ? "self-test" : sg_family_name(f->family);
    t->d = f->desc ? f->desc : sg_eltwise_find(f->family);
    if (!t->fname || !t->d || !f->rule) {
        sgt_fail("family %d (%s): %s", (int)f->family, t->fname ? t->fname : "?",
                 !t->d ? "no elementwise descriptor (src/eltwise.c)" : "no rule");
        return false;
    }
    const sg_eltwise_desc *d = t->d;
    /* The descriptor is data the tester trusts for memory layout: check it is coherent first. */
    if (d->n_in > SG_ELTWISE_MAX_STREAMS || d->n_out < 1 || d->n_out > SG_ELTWISE_MAX_STREAMS ||
        d->n_params > SG_ELTWISE_MAX_PARAMS || d->n_sweep > SG_ELTWISE_MAX_SWEEP || !d->call ||
        (d->alias_in >= 0 && ((unsigned)d->alias_in >= d->n_in || d->in[d->alias_in] != d->out[0]))) {
        sgt_fail("%s: incoherent descriptor in src/eltwise.c", t->fname);
        return false;
    }
    t->n_arr = d->n_in + d->n_out;
    for (unsigned a = 0; a < t->n_arr; a++) {
        t->type[a] = a < d->n_in ? d->in[a] : d->out[a - d->n_in];
        t->aname[a] = a < d->n_in ? d->in_names[a] : d->out_names[a - d->n_in];
    }
    /* Parameter 0 takes the sweep values, then the odd ones; further parameters (none yet) take the
       same list rotated, so they vary too. */
    float p0[MAX_PSETS];
    unsigned np = 0;
    for (unsigned i = 0; i < d->n_sweep; i++)
        p0[np++] = d->sweep[i];
    t->n_conv = np ? np : 1;
    if (d->n_params)
        for (unsigned i = 0; i < N_ODD_PARAMS; i++)
            p0[np++] = sgt_f32(odd_param_bits[i]);
    t->n_psets = d->n_params ? np : 1;
    for (unsigned s = 0; s < t->n_psets; s++) {
        for (unsigned i = 0; i < d->n_params; i++)
            t->ps[s][i] = p0[(s + i) % np];
        fmt_params(t, t->ps[s], t->ps_name[s], sizeof t->ps_name[s]);
    }
    return true;
}

bool sgt_eltwise_check(const sgt_elt_family *f, const sg_kernels *const *ks, int nk, unsigned flags)
{
    tester t;
    if (!setup(&t, f, flags))
        return false;
#define STOP_IF_FAILED()                                                                                     \
    do {                                                                                                     \
        if ((flags & SGT_ELT_STOP_AT_FAILURE) && sgt_failures())                                             \
            return true;                                                                                     \
    } while (0)

    check_cases_rule(&t);
    for (int i = 0; i < nk; i++) {
        check_cases_kernel(&t, ks[i]);
        check_specials(&t, ks[i]);
    }
    STOP_IF_FAILED();

    sgt_rng rng = sgt_rng_seed(0x7e1u + 0x1000u * (unsigned)f->family);
    const bool small = sgt_small();
    const bool has_params = t.n_psets > 1;
    /* Full: every offset rotation at every n, every parameter set up to n = 64; small: a rotating
       subset (the shift by n in sweep_n still brings every offset up). */
    const bool quick = flags & SGT_ELT_QUICK;
    for (size_t n = 0; n <= (quick ? 40 : MAX_SWEEP_N); n++) {
        sweep_n(&t, ks, nk, n, &rng, small || quick ? 4 : SGT_NUM_OFFSETS, has_params && !small && n <= 64);
        STOP_IF_FAILED();
    }
    if (quick)
        return true;
    if (has_params && !small)
        for (size_t n = 65; n <= MAX_SWEEP_N; n += 13)
            sweep_n(&t, ks, nk, n, &rng, 4, true);

    /* Random large sizes plus the ones just around vector/unroll boundaries. */
    static const size_t fixed[] = {511, 512, 513, 1023, 1024, 1025, 4095, 4096, 4097, 65536 + 15};
    const size_t n_random = sgt_scaled(12, 4);
    const size_t max_n = small ? 20000 : 100000;
    for (size_t r = 0; r < n_random + sizeof fixed / sizeof fixed[0]; r++) {
        const size_t n =
            r < n_random ? MAX_SWEEP_N + 1 + sgt_rng_below(&rng, max_n - MAX_SWEEP_N) : fixed[r - n_random];
        if (r >= n_random && small && n > 5000)
            continue;
        sweep_n(&t, ks, nk, n, &rng, 2, false);
        for (int i = 1; i < nk; i++)
            for (int sparse = 0; sparse < 2; sparse++)
                compare_with_scalar(&t, ks[0], ks[i], n, &rng, sparse ? SPARSE : 10);
        STOP_IF_FAILED();
    }
#undef STOP_IF_FAILED
    return true;
}
