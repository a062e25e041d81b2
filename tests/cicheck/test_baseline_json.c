/* ci-check's JSON files through json-c (src/cli/ci_baseline.c): instruction-count baselines round-trip
 * any case name (quotes, backslashes, control characters, UTF-8) and every count up to 2^64-2, damaged
 * counts are refused by name, \uXXXX escapes decode, numbers of any length parse, and the committed
 * baseline (argv[1..]) reads back into the same counts it would be written as. */
#define _GNU_SOURCE
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/ci_baseline.h"

static int failures;
#define CHECK(cond, ...)                                                                                     \
    do {                                                                                                     \
        if (!(cond)) {                                                                                       \
            printf("FAIL %s:%d: ", __FILE__, __LINE__);                                                      \
            printf(__VA_ARGS__);                                                                             \
            printf("\n");                                                                                    \
            failures++;                                                                                      \
        }                                                                                                    \
    } while (0)

/* Parses text as a baseline; 0 on success with *b filled, else -1 with err. */
static int parse_baseline(const char *text, sg_icount_baseline *b, char *err, size_t err_len)
{
    json_object *root = sg_json_parse(text, strlen(text), err, err_len);
    memset(b, 0, sizeof *b);
    if (!root)
        return -1;
    const int rc = sg_icount_baseline_parse(root, "b.json", b, err, err_len);
    json_object_put(root);
    return rc;
}

static void test_roundtrip(void)
{
    static const char *const names[] = {
        "relu/\"q\"\\avx2/n:7",        "tab\there, newline\nthere", "bell\x07",
        "utf-8: \xc3\xa9\xe2\x82\xac", "slash/and/colon:1",         "matmul_nn/avx2/m:4"};
    static const uint64_t counts[] = {0, 1, UINT64_MAX - 1, 12345678901234567890u, 7, 369};
    const size_t n = sizeof names / sizeof *names;
    sg_icount_baseline b = {"gcc 12.2.0", "release", "x86_64", 3, {0}};
    for (size_t i = 0; i < n; i++)
        sg_icount_counts_add(&b.counts, names[i], counts[i]);
    char *text = sg_icount_baseline_text(&b);
    sg_icount_counts_free(&b.counts);
    CHECK(text, "no text");
    if (!text)
        return;
    /* Valid JSON escapes in the file itself, not only what our own reader makes of it. */
    CHECK(strstr(text, "\"relu/\\\"q\\\"\\\\avx2/n:7\": 0"), "quote/backslash not escaped:\n%s", text);
    CHECK(strstr(text, "\"tab\\there, newline\\nthere\""), "tab/newline not escaped:\n%s", text);
    CHECK(strstr(text, "\"bell\\u0007\""), "control character not escaped:\n%s", text);
    for (const char *p = text; *p; p++)
        CHECK((unsigned char)*p >= 0x20 || *p == '\n', "raw control byte 0x%02x in the file", *p);
    /* Sorted by name, so an update's diff shows only what changed. */
    CHECK(strstr(text, "\"bell") < strstr(text, "\"matmul_nn") &&
              strstr(text, "\"matmul_nn") < strstr(text, "\"relu"),
          "counts not sorted by name:\n%s", text);

    sg_icount_baseline back;
    char err[512];
    CHECK(parse_baseline(text, &back, err, sizeof err) == 0, "written baseline not read back: %s", err);
    CHECK(back.counts.n == n, "read %zu counts, wrote %zu", back.counts.n, n);
    for (size_t i = 0; i < n; i++) {
        const long j = sg_icount_counts_find(&back.counts, names[i]);
        CHECK(j >= 0 && back.counts.ir[j] == counts[i], "\"%s\" lost or changed", names[i]);
    }
    CHECK(back.calls_per_case == 3 && !strcmp(back.compiler, "gcc 12.2.0") &&
              !strcmp(back.cpu_family, "x86_64"),
          "identity changed");
    sg_icount_baseline_free(&back);
    free(text);
}

#define HEAD                                                                                                 \
    "{\"format\": \"simdgrad-icount-1\", \"compiler\": \"c\", \"buildtype\": \"r\", \"cpu_family\": \"f\", "

static void test_reading(void)
{
    sg_icount_baseline b;
    char err[512];
    /* \uXXXX decodes (the hand-written reader turned it into '?'), including a surrogate pair. */
    CHECK(parse_baseline(HEAD "\"counts\": {\"a\\u00e9\\u0022\\ud83d\\ude00\": 5}}", &b, err, sizeof err) ==
              0,
          "%s", err);
    CHECK(b.counts.n == 1 && !strcmp(b.counts.names[0], "a\xc3\xa9\"\xf0\x9f\x98\x80") && b.counts.ir[0] == 5,
          "\\u escapes not decoded: '%s'", b.counts.n ? b.counts.names[0] : "");
    sg_icount_baseline_free(&b);
    /* The largest count that is not json-c's saturation value. */
    CHECK(parse_baseline(HEAD "\"counts\": {\"big\": 18446744073709551614}}", &b, err, sizeof err) == 0 &&
              b.counts.ir[0] == UINT64_MAX - 1,
          "2^64-2: %s", err);
    sg_icount_baseline_free(&b);

    static const char *const bad[][2] = {
        {"\"93\"", "is \"93\", not a non-negative integer"},
        {"NaN", "is NaN, not"},
        {"-1", "is -1, not"},
        {"{}", "is {}, not"},
        {"[]", "is [], not"},
        {"null", "is null, not"},
        {"true", "is true, not"},
        {"1e300", "is 1e300, not"},
        {"1E3", "is 1E3, not"},
        {"Infinity", "is Infinity, not"},
        {"-Infinity", "is -Infinity, not"},
        {"0.5", "is 0.5, not"},
        {"5.0", "is 5.0, not"},
        {"18446744073709551615", "out of range"},
        {"1000000000000000000000000000000000000000000000000000000000000000000000", "out of range"},
        {"-1000000000000000000000000000000000000000000000000000000000000000000000", "not a non-negative"},
    };
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
        char text[512];
        snprintf(text, sizeof text, HEAD "\"counts\": {\"ok\": 1, \"victim/n:7\": %s}}", bad[i][0]);
        const int rc = parse_baseline(text, &b, err, sizeof err);
        CHECK(rc != 0 && strstr(err, "count \"victim/n:7\"") && strstr(err, bad[i][1]) && !strchr(err, '\n'),
              "count %s: rc %d, err '%s'", bad[i][0], rc, err);
        sg_icount_baseline_free(&b);
    }
    static const char *const not_baselines[][2] = {
        {"[1, 2]", "not a simdgrad-icount-1 baseline"},
        {"{\"format\": \"simdgrad-icount-2\"}", "not a simdgrad-icount-1 baseline"},
        {HEAD "\"counts\": []}", "no \"counts\" object"},
        {HEAD "\"counts\": {}}", "has no counts"},
        {HEAD "\"calls_per_case\": 0, \"counts\": {\"a\": 1}}", "calls_per_case"},
        {HEAD "\"counts\": {\"a\": 1},}", "not valid JSON"},
        {HEAD "\"counts\": {\"a\": 01}}", "not valid JSON"},
        {HEAD "\"counts\": {\"a\": 1}} x", "not valid JSON"},
        {HEAD "\"counts\": {'a': 1}}", "not valid JSON"},
        {HEAD "\"counts\": {\"a\": 1.}}", "no digit after a decimal point"},
        {HEAD "\"counts\": {\"a\tb\": 1}}", "a raw control character in a string"},
        {"", "not valid JSON"},
        {"\xff", "not valid JSON"},
    };
    for (size_t i = 0; i < sizeof not_baselines / sizeof *not_baselines; i++) {
        const int rc = parse_baseline(not_baselines[i][0], &b, err, sizeof err);
        CHECK(rc != 0 && strstr(err, not_baselines[i][1]), "'%s': rc %d, err '%s'", not_baselines[i][0], rc,
              err);
        sg_icount_baseline_free(&b);
    }
}

/* Numbers of any length, which the hand-written reader refused beyond 63 characters. */
static void test_long_numbers(void)
{
    char text[1024], err[512], digits[201];
    memset(digits, '0', 200);
    digits[200] = '\0';
    snprintf(text, sizeof text,
             "{\"context\": {}, \"benchmarks\": [{\"name\": \"a\", \"real_time\": 1.%s1, \"cpu_time\": 2%s, "
             "\"time_unit\": \"ns\"}]}",
             digits, digits + 150);
    json_object *run = sg_json_parse(text, strlen(text), err, sizeof err);
    CHECK(run, "a 200-digit number refused: %s", err);
    CHECK(run && sg_gbench_validate(run, "run.json", err, sizeof err) == 0, "%s", err);
    json_object_put(run);
}

static void test_committed(const char *path)
{
    char err[4096];
    json_object *root = sg_json_load(path, "baseline", err, sizeof err);
    CHECK(root, "%s", err);
    if (!root)
        return;
    sg_icount_baseline b, again;
    CHECK(sg_icount_baseline_parse(root, path, &b, err, sizeof err) == 0, "%s", err);
    CHECK(b.counts.n == (size_t)json_object_object_length(json_object_object_get(root, "counts")),
          "%s: counts dropped", path);
    char *text = sg_icount_baseline_text(&b);
    CHECK(parse_baseline(text, &again, err, sizeof err) == 0 && again.counts.n == b.counts.n, "%s", err);
    for (size_t i = 0; i < b.counts.n; i++) {
        const long j = sg_icount_counts_find(&again.counts, b.counts.names[i]);
        CHECK(j >= 0 && again.counts.ir[j] == b.counts.ir[i], "%s changed on rewrite", b.counts.names[i]);
    }
    printf("%s: %zu counts, rewrite identical\n", path, b.counts.n);
    free(text);
    sg_icount_baseline_free(&b);
    sg_icount_baseline_free(&again);
    json_object_put(root);
}

int main(int argc, char **argv)
{
    test_roundtrip();
    test_reading();
    test_long_numbers();
    for (int i = 1; i < argc; i++)
        test_committed(argv[i]);
    printf("%s\n", failures ? "FAILED" : "PASS");
    return failures != 0;
}
