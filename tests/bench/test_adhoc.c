/* Unit test of the ad-hoc run values (bench/adhoc_parse.c): `--elementwise` sizes and their units
 * (kB = KB = 1000, KiB = 1024, ...), the bytes-to-elements rule per family, and `--matmul` lists with
 * their forms. No benchmark runs here. */
#include <stdio.h>
#include <string.h>

#include "eltwise.h"
#include "sgb.h"

static int failures;

#define CHECK(cond, ...)                                                                                     \
    do {                                                                                                     \
        if (!(cond)) {                                                                                       \
            printf("FAIL line %d: ", __LINE__);                                                              \
            printf(__VA_ARGS__);                                                                             \
            printf("\n");                                                                                    \
            failures++;                                                                                      \
        }                                                                                                    \
    } while (0)

static void size_ok(const char *s, bool bytes, uint64_t value)
{
    sgb_eltsize e;
    const int rc = sgb_parse_eltsize(s, strlen(s), &e);
    CHECK(rc == 0 && e.bytes == bytes && e.value == value && !strcmp(e.text, s),
          "'%s': rc %d, bytes %d, value %llu (want %d, %llu)", s, rc, (int)e.bytes,
          (unsigned long long)e.value, (int)bytes, (unsigned long long)value);
}

static void size_bad(const char *s)
{
    sgb_eltsize e;
    CHECK(sgb_parse_eltsize(s, strlen(s), &e) != 0, "'%s' accepted", s);
}

static size_t elems(sg_family f, const char *s)
{
    sgb_eltsize e;
    if (sgb_parse_eltsize(s, strlen(s), &e) != 0)
        return (size_t)-1;
    return sgb_eltsize_elems(sg_eltwise_find(f), &e);
}

static void matmul(const char *s, size_t want_count, const sgb_shape *want)
{
    sgb_shape got[8];
    size_t n = 99;
    char msg[256] = "";
    const int rc = sgb_parse_matmul(s, got, 8, &n, msg, sizeof msg);
    CHECK(rc == 0 && n == want_count, "'%s': rc %d, %zu shapes (want %zu): %s", s, rc, n, want_count, msg);
    for (size_t i = 0; rc == 0 && i < n && i < want_count; i++)
        CHECK(!memcmp(&got[i], &want[i], sizeof got[i]), "'%s': shape %zu is %d%d %zux%zux%zu", s, i,
              (int)got[i].ta, (int)got[i].tb, got[i].m, got[i].n, got[i].k);
}

static void matmul_bad(const char *s, const char *why)
{
    sgb_shape got[8];
    size_t n;
    char msg[256] = "";
    CHECK(sgb_parse_matmul(s, got, 8, &n, msg, sizeof msg) != 0 && strstr(msg, why) && !strchr(msg, '\n'),
          "'%s': accepted or message '%s' lacks '%s'", s, msg, why);
}

int main(void)
{
    /* Units: decimal ones are powers of 1000 (kB and KB alike), binary ones powers of 1024. */
    size_ok("4096", false, 4096);
    size_ok("2147483647", false, 2147483647);
    size_ok("100B", true, 100);
    size_ok("32kB", true, 32000);
    size_ok("32KB", true, 32000);
    size_ok("32KiB", true, 32768);
    size_ok("3MB", true, 3000000);
    size_ok("3MiB", true, 3u << 20);
    size_ok("2GB", true, 2000000000);
    size_ok("2GiB", true, 2ull << 30);
    const char *bad[] = {"",
                         "0",
                         "0kB",
                         "-1",
                         "+5",
                         " 5",
                         "5 kB",
                         "5kb",
                         "5K",
                         "5k",
                         "5M",
                         "5G",
                         "1.5MB",
                         "0x10",
                         "2147483648",
                         "5KiBs",
                         "kB",
                         "5mb",
                         "5TB",
                         "5e3",
                         "99999999999999999999",
                         "999999999999999999GB"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        size_bad(bad[i]);

    /* Bytes to elements: the most elements whose arrays (inputs and outputs) fit. relu moves 8 bytes
       per element (x, y), relu_grad 12 (h, dy, dx), relu_mask 8.25 (x, y and a 2-bit code). */
    CHECK(elems(SG_FAMILY_relu, "32kB") == 4000, "relu 32kB: %zu", elems(SG_FAMILY_relu, "32kB"));
    CHECK(elems(SG_FAMILY_relu, "32KiB") == 4096, "relu 32KiB: %zu", elems(SG_FAMILY_relu, "32KiB"));
    CHECK(elems(SG_FAMILY_relu_grad, "32kB") == 2666, "relu_grad 32kB: %zu",
          elems(SG_FAMILY_relu_grad, "32kB"));
    CHECK(elems(SG_FAMILY_relu_grad, "1MiB") == 87381, "relu_grad 1MiB: %zu",
          elems(SG_FAMILY_relu_grad, "1MiB"));
    CHECK(elems(SG_FAMILY_relu_mask, "32kB") == 3878, "relu_mask 32kB: %zu",
          elems(SG_FAMILY_relu_mask, "32kB"));
    CHECK(elems(SG_FAMILY_relu, "7B") == 0, "relu 7B: %zu", elems(SG_FAMILY_relu, "7B"));
    CHECK(elems(SG_FAMILY_relu_grad, "777") == 777, "a count is used as is: %zu",
          elems(SG_FAMILY_relu_grad, "777"));
    /* The rule for every family and many sizes: n fits, n + 1 does not. */
    for (int f = 0; f < SG_FAMILY_COUNT; f++) {
        const sg_eltwise_desc *d = sg_eltwise_find((sg_family)f);
        for (uint64_t b = 1; d && b < 5000; b += 7) {
            const sgb_eltsize e = {b, true, ""};
            const size_t n = sgb_eltsize_elems(d, &e);
            CHECK(sg_eltwise_traffic(d, n) <= (double)b && sg_eltwise_traffic(d, n + 1) > (double)b,
                  "%s %lluB: %zu elements", sg_family_name((sg_family)f), (unsigned long long)b, n);
        }
    }

    /* Lists: repeats are dropped, empty items refused. */
    sgb_eltsize list[8];
    size_t n;
    char msg[256];
    CHECK(sgb_parse_elementwise("4096,32kB,4096,32kB", list, 8, &n, msg, sizeof msg) == 0 && n == 2,
          "repeats: %zu", n);
    CHECK(sgb_parse_elementwise("4096,32000", list, 8, &n, msg, sizeof msg) == 0 && n == 2,
          "a count and a byte size are different sizes");
    const char *bad_lists[] = {"4096,", ",4096", "4096,,1", "32kB;1MiB"};
    for (size_t i = 0; i < sizeof bad_lists / sizeof bad_lists[0]; i++) {
        msg[0] = '\0';
        CHECK(sgb_parse_elementwise(bad_lists[i], list, 8, &n, msg, sizeof msg) != 0 &&
                  !strncmp(msg, "--elementwise: ", 15),
              "'%s' accepted (%s)", bad_lists[i], msg);
    }

    /* --matmul: a form applies to the shape before it; a shape with none is NN. */
    const sg_trans N = SG_NO_TRANS, T = SG_TRANS;
    matmul("64x64x64", 1, (sgb_shape[]){{N, N, 64, 64, 64}});
    matmul("4x30x3,TN", 1, (sgb_shape[]){{T, N, 4, 30, 3}});
    matmul("64x64x64,NT,TN,4x30x3", 3,
           (sgb_shape[]){{N, T, 64, 64, 64}, {T, N, 64, 64, 64}, {N, N, 4, 30, 3}});
    matmul("1x2x3,4x5x6,tt", 2, (sgb_shape[]){{N, N, 1, 2, 3}, {T, T, 4, 5, 6}});
    matmul("8x8x8,8x8x8,NN,8x8x8,NT,NT", 2, (sgb_shape[]){{N, N, 8, 8, 8}, {N, T, 8, 8, 8}});
    matmul("2147483647x1x1", 1, (sgb_shape[]){{N, N, 2147483647, 1, 1}});
    matmul_bad("NT", "form 'NT' before any shape");
    matmul_bad("NT,8x8x8", "before any shape");
    const char *bad_shapes[] = {"64x64",     "64x64x0",   "64x64x64x1", "64X64X64",       "64x64x64,XY",
                                "64x64x64,", ",8x8x8",    "8x8x8,,NT",  "2147483648x1x1", "8x-8x8",
                                "8x8x8,N",   "8x8x8,NTN", " 8x8x8",     "8x8x8 "};
    for (size_t i = 0; i < sizeof bad_shapes / sizeof bad_shapes[0]; i++)
        matmul_bad(bad_shapes[i], "is neither a shape MxNxK");

    if (failures)
        return 1;
    printf("ad-hoc values: all checks passed\n");
    return 0;
}
