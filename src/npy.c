/* See npy.h. Byte order is handled explicitly, so the same code works on big-endian hosts. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "errbuf.h"
#include "npy.h"

static const unsigned char magic[6] = {0x93, 'N', 'U', 'M', 'P', 'Y'};

/* ---- header dictionary: {'descr': '<f4', 'fortran_order': False, 'shape': (4, 3), } ---- */

typedef struct cursor {
    const char *p, *end;
} cursor;

static void skip_ws(cursor *c)
{
    while (c->p < c->end && (*c->p == ' ' || *c->p == '\t' || *c->p == '\n' || *c->p == '\r'))
        c->p++;
}

static bool eat(cursor *c, char ch)
{
    skip_ws(c);
    if (c->p < c->end && *c->p == ch) {
        c->p++;
        return true;
    }
    return false;
}

/* A Python string literal in single or double quotes, without escapes (NumPy never writes any). */
static bool parse_str(cursor *c, char *out, size_t out_len)
{
    skip_ws(c);
    if (c->p >= c->end || (*c->p != '\'' && *c->p != '"'))
        return false;
    const char q = *c->p++;
    size_t n = 0;
    while (c->p < c->end && *c->p != q) {
        if (*c->p == '\\' || n + 1 >= out_len)
            return false;
        out[n++] = *c->p++;
    }
    if (c->p >= c->end)
        return false;
    c->p++;
    out[n] = '\0';
    return true;
}

static bool parse_word(cursor *c, const char *word)
{
    skip_ws(c);
    const size_t n = strlen(word);
    if ((size_t)(c->end - c->p) < n || memcmp(c->p, word, n) != 0)
        return false;
    c->p += n;
    return true;
}

/* A tuple of non-negative integers: (), (4,), (4, 3), (4, 3, ). Returns the count or -1. */
static int parse_shape(cursor *c, size_t *dims, int max_dims)
{
    if (!eat(c, '('))
        return -1;
    int nd = 0;
    for (;;) {
        if (eat(c, ')'))
            return nd;
        skip_ws(c);
        if (c->p >= c->end || *c->p < '0' || *c->p > '9')
            return -1;
        size_t v = 0;
        while (c->p < c->end && *c->p >= '0' && *c->p <= '9') {
            const size_t d = (size_t)(*c->p++ - '0');
            if (v > (SIZE_MAX - d) / 10)
                return -1; /* wider than size_t: certainly not loadable */
            v = v * 10 + d;
        }
        if (nd < max_dims)
            dims[nd] = v;
        nd++;
        if (!eat(c, ',')) {
            if (eat(c, ')'))
                return nd;
            return -1;
        }
    }
}

/* User text echoed in an error must keep the message on one line: escape what is not printable. */
static const char *printable(const char *in, char *out, size_t out_len)
{
    size_t n = 0;
    for (; *in && n + 5 < out_len; in++) {
        const unsigned char ch = (unsigned char)*in;
        if (ch >= 0x20 && ch < 0x7f)
            out[n++] = (char)ch;
        else
            n += (size_t)snprintf(out + n, out_len - n, "\\x%02x", ch);
    }
    out[n] = '\0';
    return out;
}

static uint32_t le16(const unsigned char *p) { return (uint32_t)p[0] | (uint32_t)p[1] << 8; }
static uint32_t le32(const unsigned char *p) { return le16(p) | (uint32_t)le16(p + 2) << 16; }

int sg_npy_parse_header(const unsigned char *buf, size_t len, sg_npy_header *h, char *err, size_t err_len)
{
    memset(h, 0, sizeof *h);
    if (len < 8 || memcmp(buf, magic, sizeof magic) != 0)
        SG_FAIL("not a .npy file (bad magic)");
    h->major = buf[6];
    h->minor = buf[7];
    if (h->major < 1 || h->major > 3 || h->minor != 0)
        SG_FAIL("unsupported .npy format version %d.%d (need 1.0, 2.0 or 3.0)", h->major, h->minor);
    const size_t len_bytes = h->major == 1 ? 2 : 4;
    if (len < 8 + len_bytes)
        SG_FAIL("truncated .npy header");
    const size_t hlen = len_bytes == 2 ? le16(buf + 8) : le32(buf + 8);
    if (hlen > SG_NPY_MAX_HEADER)
        SG_FAIL("garbled .npy header (declared header length %zu exceeds %d)", hlen, SG_NPY_MAX_HEADER);
    const size_t start = 8 + len_bytes;
    if (len < start + hlen)
        SG_FAIL("truncated .npy header (declares %zu header bytes, file has %zu)", hlen, len - start);
    h->data_offset = start + hlen;

    cursor c = {(const char *)buf + start, (const char *)buf + start + hlen};
    bool have_descr = false, have_order = false, have_shape = false, fortran = false;
    char shown[128];
    size_t dims[8] = {0};
    int nd = 0;
    if (!eat(&c, '{'))
        SG_FAIL("garbled .npy header (no dictionary)");
    for (;;) {
        char key[32];
        if (eat(&c, '}'))
            break;
        if (!parse_str(&c, key, sizeof key) || !eat(&c, ':'))
            SG_FAIL("garbled .npy header (bad dictionary key)");
        if (!strcmp(key, "descr") && !have_descr) {
            char d[32];
            if (!parse_str(&c, d, sizeof d))
                SG_FAIL("unsupported dtype (not a simple type string; need '<f4' or '<f8')");
            if (strcmp(d, "<f4") != 0 && strcmp(d, "<f8") != 0)
                SG_FAIL("unsupported dtype '%s' (need '<f4' or '<f8')", printable(d, shown, sizeof shown));
            memcpy(h->descr, d, 4);
            h->item_size = d[2] == '4' ? 4 : 8;
            have_descr = true;
        } else if (!strcmp(key, "fortran_order") && !have_order) {
            if (parse_word(&c, "True"))
                fortran = true;
            else if (!parse_word(&c, "False"))
                SG_FAIL("garbled .npy header (fortran_order is neither True nor False)");
            have_order = true;
        } else if (!strcmp(key, "shape") && !have_shape) {
            nd = parse_shape(&c, dims, 8);
            if (nd < 0)
                SG_FAIL("garbled .npy header (bad shape tuple)");
            have_shape = true;
        } else {
            SG_FAIL("garbled .npy header (unexpected or repeated key '%s')",
                    printable(key, shown, sizeof shown));
        }
        if (eat(&c, '}'))
            break;
        if (!eat(&c, ','))
            SG_FAIL("garbled .npy header (expected ',' or '}')");
    }
    skip_ws(&c);
    if (c.p != c.end)
        SG_FAIL("garbled .npy header (trailing characters after the dictionary)");
    if (!have_descr || !have_order || !have_shape)
        SG_FAIL("garbled .npy header (missing '%s')", !have_descr   ? "descr"
                                                      : !have_order ? "fortran_order"
                                                                    : "shape");
    if (fortran)
        SG_FAIL("fortran_order is True (need a C-order array)");
    if (nd != 2)
        SG_FAIL("expected a 2-D array, got %d-D", nd);
    h->rows = dims[0];
    h->cols = dims[1];
    if (h->rows == 0 || h->cols == 0)
        SG_FAIL("empty array (shape (%zu, %zu))", h->rows, h->cols);
    if (h->rows > SG_NPY_MAX_ELEMS / h->cols)
        SG_FAIL("shape (%zu, %zu) exceeds the limit of %zu elements", h->rows, h->cols, SG_NPY_MAX_ELEMS);
    return 0;
}

int sg_npy_open(const char *path, sg_npy_file *f, char *err, size_t err_len)
{
    memset(f, 0, sizeof *f);
    f->overflow_at = SIZE_MAX;
    /* O_NONBLOCK: opening a FIFO (or a tty) for reading must not wait for a writer; nothing but a
       regular file gets past the fstat below. */
    f->fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC | O_NOCTTY);
    if (f->fd < 0)
        SG_FAIL("cannot open: %s", strerror(errno));
    struct stat st = {0};
    if (fstat(f->fd, &st) != 0 || !S_ISREG(st.st_mode)) {
        const bool fifo = S_ISFIFO(st.st_mode), dir = S_ISDIR(st.st_mode), chr = S_ISCHR(st.st_mode);
        sg_npy_close(f);
        SG_FAIL("not a regular file%s", fifo  ? " (a FIFO)"
                                        : dir ? " (a directory)"
                                        : chr ? " (a device)"
                                              : "");
    }
    f->dev = st.st_dev;
    f->ino = st.st_ino;
    const size_t size = (size_t)st.st_size;
    const size_t head_max = 12 + SG_NPY_MAX_HEADER;
    const size_t head_len = size < head_max ? size : head_max;
    unsigned char *head = malloc(head_len ? head_len : 1);
    if (!head || pread(f->fd, head, head_len, 0) != (ssize_t)head_len) {
        free(head);
        sg_npy_close(f);
        SG_FAIL("read error");
    }
    const int rc = sg_npy_parse_header(head, head_len, &f->h, err, err_len);
    free(head);
    if (rc != 0) {
        sg_npy_close(f);
        return -1;
    }
    /* rows*cols <= SG_NPY_MAX_ELEMS was checked, so this product cannot overflow. */
    const sg_npy_header *h = &f->h;
    const size_t want = h->rows * h->cols * h->item_size, have = size - h->data_offset;
    if (have != want) {
        sg_npy_close(f);
        SG_FAIL("%s: shape (%zu, %zu) '%s' needs %zu data bytes, file has %zu",
                have < want ? "truncated" : "garbled", h->rows, h->cols, h->descr, want, have);
    }
    return 0;
}

void sg_npy_close(sg_npy_file *f)
{
    if (f->fd >= 0)
        close(f->fd);
    f->fd = -1;
}

int sg_npy_load(sg_npy_file *f, float **data, char *err, size_t err_len)
{
    *data = NULL;
    const sg_npy_header *h = &f->h;
    const size_t n = h->rows * h->cols;
    float *out = malloc(n * sizeof *out);
    if (!out)
        SG_FAIL("out of memory");
    unsigned char buf[1 << 16];
    const size_t per = sizeof buf / h->item_size;
    for (size_t i = 0; i < n;) {
        const size_t cnt = n - i < per ? n - i : per, bytes = cnt * h->item_size;
        const off_t at = (off_t)(h->data_offset + i * h->item_size);
        if (pread(f->fd, buf, bytes, at) != (ssize_t)bytes) {
            free(out);
            SG_FAIL("read error");
        }
        for (size_t j = 0; j < cnt; j++, i++) {
            if (h->item_size == 4) {
                const uint32_t u = le32(buf + 4 * j);
                memcpy(&out[i], &u, 4);
            } else {
                const uint64_t u = (uint64_t)le32(buf + 8 * j) | (uint64_t)le32(buf + 8 * j + 4) << 32;
                double d;
                memcpy(&d, &u, 8);
                out[i] = (float)d; /* round to nearest; NaN stays NaN */
                if (isfinite(d) && !isfinite(out[i]) && f->overflow_at == SIZE_MAX) {
                    f->overflow_at = i;
                    f->overflow_value = d;
                }
            }
        }
    }
    *data = out;
    return 0;
}

int sg_npy_read(const char *path, float **data, size_t *rows, size_t *cols, char *err, size_t err_len)
{
    sg_npy_file f;
    *data = NULL;
    if (sg_npy_open(path, &f, err, err_len) != 0)
        return -1;
    const int rc = sg_npy_load(&f, data, err, err_len);
    sg_npy_close(&f);
    if (rc == 0) {
        *rows = f.h.rows;
        *cols = f.h.cols;
    }
    return rc;
}

int sg_npy_write(const char *path, const float *data, size_t rows, size_t cols, char *err, size_t err_len)
{
    char dict[128];
    int dl = snprintf(dict, sizeof dict, "{'descr': '<f4', 'fortran_order': False, 'shape': (%zu, %zu), }",
                      rows, cols);
    /* NumPy pads with spaces and a final newline so that the data starts 64-byte aligned. */
    size_t hlen = (size_t)dl + 1;
    hlen += (64 - (10 + hlen) % 64) % 64;
    unsigned char pre[10] = {
        0x93, 'N', 'U', 'M', 'P', 'Y', 1, 0, (unsigned char)(hlen & 0xff), (unsigned char)(hlen >> 8)};
    sg_atomic_file f;
    if (sg_atomic_open(&f, path, err, err_len) != 0)
        return -1;
    fwrite(pre, 1, sizeof pre, f.fp);
    fwrite(dict, 1, (size_t)dl, f.fp);
    for (size_t i = (size_t)dl; i + 1 < hlen; i++)
        fputc(' ', f.fp);
    fputc('\n', f.fp);
    for (size_t i = 0; i < rows * cols; i++) {
        uint32_t u;
        memcpy(&u, &data[i], 4);
        const unsigned char b[4] = {(unsigned char)u, (unsigned char)(u >> 8), (unsigned char)(u >> 16),
                                    (unsigned char)(u >> 24)};
        fwrite(b, 1, 4, f.fp);
    }
    return sg_atomic_commit(&f, err, err_len);
}
