/* Unit tests for the .npy reader and writer (src/npy.c): format versions 1.0/2.0/3.0, '<f4' and
 * '<f8', key order and quoting, the atomic writer, and every rejection with its message. */
#define _GNU_SOURCE
#include <dirent.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "npy.h"
#include "sgtest.h"

static char dir[] = "/tmp/sg-test-npy-XXXXXX";

static const char *path_of(const char *name)
{
    static char p[600];
    snprintf(p, sizeof p, "%s/%s", dir, name);
    return p;
}

/* A .npy file: magic, version, header length (2 bytes for v1, 4 for v2/v3), the dictionary
   padded with spaces and a newline to a multiple of 64, then `nbytes` of data. */
static void write_npy(const char *name, int major, const char *dict, const void *data, size_t nbytes)
{
    const size_t pre = major == 1 ? 10 : 12;
    size_t hlen = strlen(dict) + 1;
    hlen += (64 - (pre + hlen) % 64) % 64;
    FILE *f = fopen(path_of(name), "wb");
    if (!f) {
        perror(name);
        exit(1);
    }
    fwrite("\x93NUMPY", 1, 6, f);
    fputc(major, f);
    fputc(0, f);
    fputc((int)(hlen & 0xff), f);
    fputc((int)((hlen >> 8) & 0xff), f);
    if (major != 1) {
        fputc((int)((hlen >> 16) & 0xff), f);
        fputc((int)((hlen >> 24) & 0xff), f);
    }
    fputs(dict, f);
    for (size_t i = strlen(dict); i + 1 < hlen; i++)
        fputc(' ', f);
    fputc('\n', f);
    fwrite(data, 1, nbytes, f);
    fclose(f);
}

static void write_bytes(const char *name, const void *data, size_t n)
{
    FILE *f = fopen(path_of(name), "wb");
    fwrite(data, 1, n, f);
    fclose(f);
}

/* The tests assume a little-endian host for building fixtures from memory. */
static bool little_endian(void)
{
    const uint32_t one = 1;
    unsigned char b;
    memcpy(&b, &one, 1);
    return b == 1;
}

static void expect_error(const char *name, const char *substring)
{
    float *data = NULL;
    size_t r = 0, c = 0;
    char err[256] = "";
    const int rc = sg_npy_read(path_of(name), &data, &r, &c, err, sizeof err);
    SGT_CHECK(rc == -1 && data == NULL, "%s: expected failure, got rc %d", name, rc);
    SGT_CHECK(strstr(err, substring) != NULL, "%s: message '%s' lacks '%s'", name, err, substring);
    free(data);
}

static void test_good_files(void)
{
    const float f4[6] = {1.0f, -2.5f, 0.0f, -0.0f, 3e-39f, INFINITY};
    const double f8[6] = {0.1, -1e300, 1e-50, 2.0, NAN, -0.0};
    float *d;
    size_t r, c;
    char err[256];

    write_npy("v1.npy", 1, "{'descr': '<f4', 'fortran_order': False, 'shape': (2, 3), }", f4, sizeof f4);
    SGT_CHECK(sg_npy_read(path_of("v1.npy"), &d, &r, &c, err, sizeof err) == 0, "v1: %s", err);
    SGT_CHECK(r == 2 && c == 3 && memcmp(d, f4, sizeof f4) == 0, "v1 <f4 2x3 content");
    free(d);

    write_npy("v2.npy", 2, "{'descr': '<f8', 'fortran_order': False, 'shape': (3, 2), }", f8, sizeof f8);
    SGT_CHECK(sg_npy_read(path_of("v2.npy"), &d, &r, &c, err, sizeof err) == 0, "v2: %s", err);
    SGT_CHECK(r == 3 && c == 2, "v2 shape");
    for (int i = 0; i < 6; i++) {
        const float want = (float)f8[i]; /* <f8 is rounded to nearest float */
        SGT_CHECK(sgt_bits(d[i]) == sgt_bits(want) || (sgt_is_nan(d[i]) && sgt_is_nan(want)),
                  "v2 <f8 element %d: %a vs %a", i, (double)d[i], (double)want);
    }
    free(d);

    /* Version 3.0, keys reordered, double quotes, no trailing comma, one-row shape. */
    write_npy("v3.npy", 3, "{\"shape\": (1, 6), \"fortran_order\": False, \"descr\": \"<f4\"}", f4,
              sizeof f4);
    SGT_CHECK(sg_npy_read(path_of("v3.npy"), &d, &r, &c, err, sizeof err) == 0, "v3: %s", err);
    SGT_CHECK(r == 1 && c == 6 && memcmp(d, f4, sizeof f4) == 0, "v3 <f4 1x6 content");
    free(d);
}

static void test_writer(void)
{
    float w[12];
    for (int i = 0; i < 12; i++)
        w[i] = (float)i * 0.25f - 1.0f;
    char err[256];
    SGT_CHECK(sg_npy_write(path_of("out.npy"), w, 4, 3, err, sizeof err) == 0, "write: %s", err);
    FILE *f = fopen(path_of("out.npy"), "rb");
    unsigned char head[10];
    SGT_CHECK(f && fread(head, 1, 10, f) == 10, "written file readable");
    if (f)
        fclose(f);
    SGT_CHECK(memcmp(head, "\x93NUMPY\x01\x00", 8) == 0, "magic and version 1.0");
    SGT_CHECK((10 + (head[8] | head[9] << 8)) % 64 == 0, "data starts 64-byte aligned like NumPy's");
    float *d;
    size_t r, c;
    SGT_CHECK(sg_npy_read(path_of("out.npy"), &d, &r, &c, err, sizeof err) == 0, "read back: %s", err);
    SGT_CHECK(r == 4 && c == 3 && memcmp(d, w, sizeof w) == 0, "round trip");
    free(d);
    /* Writing into a missing directory fails cleanly. */
    SGT_CHECK(sg_npy_write(path_of("no/such/dir.npy"), w, 4, 3, err, sizeof err) == -1,
              "write to a missing dir");
    /* No temporary file may be left behind by either call. */
    DIR *dd = opendir(dir);
    struct dirent *e;
    while (dd && (e = readdir(dd)))
        SGT_CHECK(strstr(e->d_name, ".tmp.") == NULL, "leftover temporary file %s", e->d_name);
    if (dd)
        closedir(dd);
}

static void test_errors(void)
{
    const float z[12] = {0};
    write_bytes("magic.npy", "\x93NUMPX\x01\x00\x10\x00{}", 12);
    expect_error("magic.npy", "bad magic");
    write_bytes("empty.npy", "", 0);
    expect_error("empty.npy", "bad magic");
    write_bytes("v4.npy", "\x93NUMPY\x04\x00\x10\x00", 10);
    expect_error("v4.npy", "unsupported .npy format version 4.0");
    write_bytes("shorthdr.npy", "\x93NUMPY\x01\x00\x40\x00{'descr'", 17);
    expect_error("shorthdr.npy", "truncated .npy header");
    write_bytes("hugehdr.npy", "\x93NUMPY\x02\x00\xff\xff\xff\x7f{", 13);
    expect_error("hugehdr.npy", "declared header length");

    write_npy("be.npy", 1, "{'descr': '>f4', 'fortran_order': False, 'shape': (2, 2), }", z, 16);
    expect_error("be.npy", "unsupported dtype '>f4'");
    write_npy("int.npy", 1, "{'descr': '<i4', 'fortran_order': False, 'shape': (2, 2), }", z, 16);
    expect_error("int.npy", "unsupported dtype '<i4'");
    write_npy("struct.npy", 1, "{'descr': [('a', '<f4')], 'fortran_order': False, 'shape': (2, 2), }", z, 16);
    expect_error("struct.npy", "unsupported dtype");
    write_npy("fortran.npy", 1, "{'descr': '<f4', 'fortran_order': True, 'shape': (2, 2), }", z, 16);
    expect_error("fortran.npy", "fortran_order is True");
    write_npy("oned.npy", 1, "{'descr': '<f4', 'fortran_order': False, 'shape': (4,), }", z, 16);
    expect_error("oned.npy", "expected a 2-D array, got 1-D");
    write_npy("threed.npy", 1, "{'descr': '<f4', 'fortran_order': False, 'shape': (1, 2, 2), }", z, 16);
    expect_error("threed.npy", "got 3-D");
    write_npy("scalar.npy", 1, "{'descr': '<f4', 'fortran_order': False, 'shape': (), }", z, 4);
    expect_error("scalar.npy", "got 0-D");
    write_npy("zero.npy", 1, "{'descr': '<f4', 'fortran_order': False, 'shape': (0, 3), }", z, 0);
    expect_error("zero.npy", "empty array");
    write_npy("trunc.npy", 1, "{'descr': '<f4', 'fortran_order': False, 'shape': (3, 4), }", z, 40);
    expect_error("trunc.npy", "truncated: shape (3, 4) '<f4' needs 48 data bytes, file has 40");
    write_npy("extra.npy", 1, "{'descr': '<f4', 'fortran_order': False, 'shape': (2, 2), }", z, 20);
    expect_error("extra.npy", "needs 16 data bytes, file has 20");
    /* Big declared shapes must be refused from the header and file size, before any allocation. */
    write_npy("big.npy", 1, "{'descr': '<f4', 'fortran_order': False, 'shape': (10000, 10000), }", z, 16);
    expect_error("big.npy", "truncated: shape (10000, 10000)");
    write_npy("huge.npy", 1, "{'descr': '<f8', 'fortran_order': False, 'shape': (4294967296, 4294967296), }",
              z, 16);
    expect_error("huge.npy", "exceeds the limit");
    write_npy("overflow.npy", 1,
              "{'descr': '<f4', 'fortran_order': False, 'shape': (99999999999999999999999, 2), }", z, 16);
    expect_error("overflow.npy", "bad shape tuple");
    write_npy("nokey.npy", 1, "{'descr': '<f4', 'shape': (2, 2), }", z, 16);
    expect_error("nokey.npy", "missing 'fortran_order'");
    write_npy("dupkey.npy", 1, "{'descr': '<f4', 'descr': '<f4', 'fortran_order': False, 'shape': (2, 2)}", z,
              16);
    expect_error("dupkey.npy", "repeated key 'descr'");
    write_npy("nodict.npy", 1, "hello", z, 16);
    expect_error("nodict.npy", "no dictionary");
    write_npy("trail.npy", 1, "{'descr': '<f4', 'fortran_order': False, 'shape': (2, 2)} x", z, 16);
    expect_error("trail.npy", "trailing characters");
    write_npy("badbool.npy", 1, "{'descr': '<f4', 'fortran_order': 0, 'shape': (2, 2)}", z, 16);
    expect_error("badbool.npy", "neither True nor False");
    expect_error("missing.npy", "cannot open");
    expect_error("", "not a regular file"); /* the directory itself */
}

int main(void)
{
    if (!little_endian())
        sgt_skip("fixtures are built from host-order memory; this host is big-endian");
    if (!mkdtemp(dir)) {
        perror("mkdtemp");
        return 1;
    }
    test_good_files();
    test_writer();
    test_errors();
    /* Best-effort cleanup of the fixture directory. */
    DIR *dd = opendir(dir);
    struct dirent *e;
    while (dd && (e = readdir(dd)))
        if (e->d_name[0] != '.')
            unlink(path_of(e->d_name));
    if (dd)
        closedir(dd);
    rmdir(dir);
    printf("test_npy: %lu failure(s)\n", sgt_failures());
    return sgt_failures() ? 1 : 0;
}
