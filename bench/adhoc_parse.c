/* The values of `simdgrad bench --matmul` and `--elementwise` (see adhoc.c); pure, so that
 * tests/bench/test_adhoc.c checks them without a benchmark run. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "eltwise.h"
#include "sgb.h"

/* Each dimension and element count below 2^31: Google Benchmark's arguments are int64, and a
   single matrix of 2^31 floats is already 8 GiB; the memory check in main.c bounds the rest. */
#define SGB_ADHOC_MAX_DIM ((uint64_t)1 << 31)

/* Digits only (no sign, no blank, no hex), at most 18 of them (below 10^18, no overflow). */
/* s[0..len) as a NUL-terminated string in text (cap bytes): 0, or -1 when empty or too long. */
static int token(char *text, size_t cap, const char *s, size_t len)
{
    if (len == 0 || len >= cap)
        return -1;
    memcpy(text, s, len);
    text[len] = '\0';
    return 0;
}

static int digits(const char **s, uint64_t *out)
{
    const char *p = *s;
    uint64_t v = 0;
    int n = 0;
    while (*p >= '0' && *p <= '9') {
        if (++n > 18)
            return -1;
        v = v * 10 + (uint64_t)(*p++ - '0');
    }
    if (!n)
        return -1;
    *s = p;
    *out = v;
    return 0;
}

int sgb_parse_eltsize(const char *s, size_t len, sgb_eltsize *out)
{
    static const struct {
        const char *unit;
        uint64_t scale;
    } units[] = {
        {"", 0},
        {"B", 1},
        {"kB", 1000},
        {"KB", 1000},
        {"MB", 1000000},
        {"GB", 1000000000},
        {"KiB", 1ull << 10},
        {"MiB", 1ull << 20},
        {"GiB", 1ull << 30},
    };
    char text[40];
    if (token(text, sizeof text, s, len) != 0)
        return -1;
    const char *p = text;
    uint64_t v;
    if (digits(&p, &v) != 0 || v == 0)
        return -1;
    for (size_t u = 0; u < sizeof units / sizeof units[0]; u++)
        if (!strcmp(p, units[u].unit)) {
            out->bytes = units[u].scale != 0;
            if (out->bytes ? v > UINT64_MAX / units[u].scale : v >= SGB_ADHOC_MAX_DIM)
                return -1;
            out->value = out->bytes ? v * units[u].scale : v;
            snprintf(out->text, sizeof out->text, "%s", text);
            return 0;
        }
    return -1;
}

int sgb_parse_elementwise(const char *s, sgb_eltsize *out, size_t cap, size_t *count, char *msg,
                          size_t msg_len)
{
    *count = 0;
    for (const char *p = s;;) {
        const char *comma = strchr(p, ',');
        const size_t len = comma ? (size_t)(comma - p) : strlen(p);
        sgb_eltsize e;
        if (sgb_parse_eltsize(p, len, &e) != 0) {
            snprintf(
                msg, msg_len,
                "--elementwise: '%.*s' is not a size (an element count 1..2147483647, or bytes with B, kB, "
                "KB, MB, GB (powers of 1000), KiB, MiB or GiB (powers of 1024), e.g. 4096,32kB,1MiB)",
                (int)(len > 40 ? 40 : len), p);
            return -1;
        }
        bool dup = false;
        for (size_t i = 0; i < *count; i++)
            dup |= out[i].bytes == e.bytes && out[i].value == e.value;
        if (!dup) {
            if (*count == cap) {
                snprintf(msg, msg_len, "--elementwise: more than %zu sizes", cap);
                return -1;
            }
            out[(*count)++] = e;
        }
        if (!comma)
            return 0;
        p = comma + 1;
    }
}

static int parse_form(const char *p, size_t len, sg_trans *ta, sg_trans *tb)
{
    if (len != 2)
        return -1;
    sg_trans t[2];
    for (int i = 0; i < 2; i++) {
        const char c = p[i];
        if (c == 'N' || c == 'n')
            t[i] = SG_NO_TRANS;
        else if (c == 'T' || c == 't')
            t[i] = SG_TRANS;
        else
            return -1;
    }
    *ta = t[0];
    *tb = t[1];
    return 0;
}

static int parse_shape(const char *p, size_t len, size_t dims[3])
{
    char text[64];
    if (token(text, sizeof text, p, len) != 0)
        return -1;
    const char *q = text;
    for (int i = 0; i < 3; i++) {
        uint64_t v;
        if (digits(&q, &v) != 0 || v == 0 || v >= SGB_ADHOC_MAX_DIM)
            return -1;
        dims[i] = (size_t)v;
        if (i < 2 && *q++ != 'x')
            return -1;
    }
    return *q ? -1 : 0;
}

static int add_shape(sgb_shape *out, size_t cap, size_t *count, sgb_shape s, char *msg, size_t msg_len)
{
    for (size_t i = 0; i < *count; i++)
        if (out[i].ta == s.ta && out[i].tb == s.tb && out[i].m == s.m && out[i].n == s.n && out[i].k == s.k)
            return 0; /* given twice: timed once */
    if (*count == cap) {
        snprintf(msg, msg_len, "--matmul: more than %zu products", cap);
        return -1;
    }
    out[(*count)++] = s;
    return 0;
}

/* Items are shapes (MxNxK) or forms (NN, TN, NT, TT); a form applies to the nearest shape before it,
   and a shape that no form follows is NN: "64x64x64,NT,TN,4x30x3" is 64³ in NT and TN, and 4x30x3 NN. */
int sgb_parse_matmul(const char *s, sgb_shape *out, size_t cap, size_t *count, char *msg, size_t msg_len)
{
    *count = 0;
    sgb_shape pending = {SG_NO_TRANS, SG_NO_TRANS, 0, 0, 0};
    bool have = false, formed = false;
    for (const char *p = s;;) {
        const char *comma = strchr(p, ',');
        const size_t len = comma ? (size_t)(comma - p) : strlen(p);
        sg_trans ta, tb;
        size_t dims[3];
        if (parse_form(p, len, &ta, &tb) == 0) {
            if (!have) {
                snprintf(msg, msg_len, "--matmul: form '%.*s' before any shape (write MxNxK,%.*s)", (int)len,
                         p, (int)len, p);
                return -1;
            }
            pending.ta = ta;
            pending.tb = tb;
            formed = true;
            if (add_shape(out, cap, count, pending, msg, msg_len) != 0)
                return -1;
        } else if (parse_shape(p, len, dims) == 0) {
            pending.ta = pending.tb = SG_NO_TRANS;
            if (have && !formed && add_shape(out, cap, count, pending, msg, msg_len) != 0)
                return -1;
            pending.m = dims[0];
            pending.n = dims[1];
            pending.k = dims[2];
            have = true;
            formed = false;
        } else {
            snprintf(
                msg, msg_len,
                "--matmul: '%.*s' is neither a shape MxNxK (each 1..2147483647) nor a form (NN, TN, NT, TT), "
                "e.g. 64x64x64,NT or 4x30x3,256x256x256",
                (int)(len > 40 ? 40 : len), p);
            return -1;
        }
        if (!comma)
            break;
        p = comma + 1;
    }
    if (have && !formed) {
        pending.ta = pending.tb = SG_NO_TRANS;
        return add_shape(out, cap, count, pending, msg, msg_len);
    }
    return 0;
}

size_t sgb_eltsize_elems(const sg_eltwise_desc *d, const sgb_eltsize *e)
{
    if (!e->bytes)
        return (size_t)e->value;
    /* The most elements whose arrays (every input and output, as sg_eltwise_traffic counts them)
       fit in the bytes; a packed-code array rounds up to whole bytes, hence the loop. */
    const double per4 = sg_eltwise_traffic(d, 4);
    size_t n = (size_t)((double)e->value * 4.0 / per4);
    while (n > 0 && sg_eltwise_traffic(d, n) > (double)e->value)
        n--;
    return n;
}
