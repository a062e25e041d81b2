/* See ci_baseline.h. */
#define _GNU_SOURCE
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "cli/ci_baseline.h"
#include "cli/proc.h"

static int fail(char *err, size_t err_len, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static int fail(char *err, size_t err_len, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(err, err_len, fmt, ap);
    va_end(ap);
    /* Names decoded from JSON may hold control characters ("\n" in a case name): the reason must
       stay one line for every caller, not only those that print through sg_cli_error. */
    for (char *c = err; err_len && *c; c++)
        if ((unsigned char)*c < 0x20 || *c == 0x7f)
            *c = '?';
    return -1;
}

/* A value as it appears in JSON, cut short: error messages quote what they refuse. */
static const char *quote(json_object *v, char *buf, size_t len)
{
    /* json-c represents JSON null as NULL, and prints it as null */
    const char *s =
        json_object_to_json_string_ext(v, JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE);
    if (strlen(s) < len)
        snprintf(buf, len, "%s", s);
    else
        snprintf(buf, len, "%.*s...", (int)(len - 4), s);
    return buf;
}

/* json-c's strict mode still accepts three things that JSON (RFC 8259) and Python's json, which
   compare.py reads the same files with, refuse: single-quoted keys, a fraction without digits ("1.",
   "1.e5") and raw control characters inside strings. One pass finds the first; SIZE_MAX if none. */
static size_t lenient_spot(const char *t, size_t len, const char **what)
{
    int in_str = 0;
    for (size_t i = 0; i < len; i++) {
        const unsigned char c = (unsigned char)t[i];
        if (in_str) {
            if (c == '\\')
                i++; /* the escaped character cannot end the string */
            else if (c == '"')
                in_str = 0;
            else if (c < 0x20)
                return *what = "a raw control character in a string", i;
        } else if (c == '"') {
            in_str = 1;
        } else if (c == '\'') {
            return *what = "a single-quoted string", i;
        } else if (c == '.' && (i + 1 >= len || t[i + 1] < '0' || t[i + 1] > '9')) {
            return *what = "no digit after a decimal point", i;
        }
    }
    return SIZE_MAX;
}

static size_t line_of(const char *text, size_t len, size_t offset)
{
    size_t line = 1;
    for (size_t i = 0; i < offset && i < len; i++)
        line += text[i] == '\n';
    return line;
}

json_object *sg_json_parse(const char *text, size_t len, char *err, size_t err_len)
{
    if (len > SG_JSON_MAX_BYTES)
        return fail(err, err_len, "is larger than %u MiB", SG_JSON_MAX_BYTES >> 20), NULL;
    /* json-c stops at a NUL byte as if the text ended there; the rest would be silently ignored. */
    const char *nul = memchr(text, '\0', len);
    if (nul)
        return fail(err, err_len, "is not valid JSON: a NUL byte at offset %zu", (size_t)(nul - text)), NULL;
    const char *what;
    const size_t spot = lenient_spot(text, len, &what);
    if (spot != SIZE_MAX)
        return fail(err, err_len, "is not valid JSON: %s at line %zu (byte %zu)", what,
                    line_of(text, len, spot), spot),
               NULL;
    struct json_tokener *tok = json_tokener_new();
    if (!tok)
        return fail(err, err_len, "out of memory"), NULL;
    /* Strict: no comments, single quotes, trailing commas, leading zeros or trailing garbage, which
       json-c otherwise accepts and Python's json (compare.py) does not. NaN and Infinity stay
       accepted: Google Benchmark and Python write them. */
    json_tokener_set_flags(tok, JSON_TOKENER_STRICT | JSON_TOKENER_VALIDATE_UTF8);
    json_object *v = json_tokener_parse_ex(tok, text, (int)len);
    enum json_tokener_error e = json_tokener_get_error(tok);
    size_t end = json_tokener_get_parse_end(tok);
    if (e == json_tokener_continue) {
        /* A bare number (or nothing) at the very end needs to be told that the text is over. */
        v = json_tokener_parse_ex(tok, "", 1);
        e = json_tokener_get_error(tok);
        end = len;
    }
    json_tokener_free(tok);
    if (e == json_tokener_success) {
        while (end < len && strchr(" \t\r\n", text[end]))
            end++;
        if (end == len && !v) /* json-c's JSON null is NULL, our "failed" (fuzz_json found it) */
            return fail(err, err_len, "holds only null"), NULL;
        if (end == len)
            return v;
        json_object_put(v);
        v = NULL;
    }
    fail(err, err_len, "is not valid JSON: %s at line %zu (byte %zu)",
         e == json_tokener_success ? "more data after the value" : json_tokener_error_desc(e),
         line_of(text, len, end), end);
    return NULL;
}

json_object *sg_json_load(const char *path, const char *what, char *err, size_t err_len)
{
    FILE *f = fopen(path, "rb");
    struct stat st;
    if (!f)
        return fail(err, err_len, "cannot read %s %s: %s", what, path, strerror(errno)), NULL;
    if (fstat(fileno(f), &st) != 0 || !S_ISREG(st.st_mode)) {
        fclose(f);
        return fail(err, err_len, "cannot read %s %s: not a regular file", what, path), NULL;
    }
    if (st.st_size > (off_t)SG_JSON_MAX_BYTES) {
        fclose(f);
        return fail(err, err_len, "%s %s is larger than %u MiB: not a baseline or benchmark run", what, path,
                    SG_JSON_MAX_BYTES >> 20),
               NULL;
    }
    const size_t size = (size_t)st.st_size;
    char *text = sg_xrealloc(NULL, size + 1);
    const size_t got = fread(text, 1, size + 1, f);
    const int rerr = ferror(f);
    fclose(f);
    if (rerr || got > size) { /* grew while being read: not a file to trust */
        free(text);
        return fail(err, err_len, "cannot read %s %s: %s", what, path, rerr ? "read error" : "file changed"),
               NULL;
    }
    char why[256];
    json_object *v = sg_json_parse(text, got, why, sizeof why);
    free(text);
    if (!v)
        fail(err, err_len, "%s %s %s", what, path, why);
    return v;
}

char *sg_json_text(json_object *v)
{
    const char *s = json_object_to_json_string_ext(v, JSON_C_TO_STRING_PRETTY | JSON_C_TO_STRING_SPACED |
                                                          JSON_C_TO_STRING_NOSLASHESCAPE);
    if (!s)
        return NULL;
    char *out = malloc(strlen(s) + 2);
    if (out)
        sprintf(out, "%s\n", s);
    return out;
}

void sg_icount_counts_add(sg_icount_counts *c, const char *name, uint64_t ir)
{
    c->names = sg_xrealloc(c->names, (c->n + 1) * sizeof *c->names);
    c->ir = sg_xrealloc(c->ir, (c->n + 1) * sizeof *c->ir);
    c->names[c->n] = sg_xstrdup(name);
    c->ir[c->n++] = ir;
}

long sg_icount_counts_find(const sg_icount_counts *c, const char *name)
{
    for (size_t i = 0; i < c->n; i++)
        if (!strcmp(c->names[i], name))
            return (long)i;
    return -1;
}

void sg_icount_counts_free(sg_icount_counts *c)
{
    for (size_t i = 0; i < c->n; i++)
        free(c->names[i]);
    free(c->names);
    free(c->ir);
    memset(c, 0, sizeof *c);
}

void sg_icount_baseline_free(sg_icount_baseline *b)
{
    free(b->compiler);
    free(b->buildtype);
    free(b->cpu_family);
    sg_icount_counts_free(&b->counts);
    memset(b, 0, sizeof *b);
}

static const char *member_str(json_object *o, const char *key)
{
    json_object *v;
    return json_object_object_get_ex(o, key, &v) && json_object_is_type(v, json_type_string)
               ? json_object_get_string(v)
               : NULL;
}

/* A count must be an integer in JSON (json-c: type int) and non-negative. json-c saturates integers
   beyond 64 bits to UINT64_MAX instead of failing, so that value is refused as out of range: no
   kernel call executes 2^64-1 instructions. Everything else (strings, fractions, 1e300, NaN,
   Infinity, objects) would have to be cast from a double or guessed: refused by name. */
static int parse_count(json_object *v, const char *name, const char *path, uint64_t *out, char *err,
                       size_t err_len)
{
    char q[48];
    if (json_object_is_type(v, json_type_int)) {
        if (json_object_get_int64(v) < 0)
            return fail(err, err_len, "baseline %s: count \"%s\" is %s, not a non-negative integer", path,
                        name, quote(v, q, sizeof q));
        const uint64_t u = json_object_get_uint64(v);
        if (u == UINT64_MAX)
            return fail(err, err_len, "baseline %s: count \"%s\" is out of range (at least 2^64-1)", path,
                        name);
        *out = u;
        return 0;
    }
    return fail(err, err_len, "baseline %s: count \"%s\" is %s, not a non-negative integer", path, name,
                quote(v, q, sizeof q));
}

int sg_icount_baseline_parse(json_object *root, const char *path, sg_icount_baseline *out, char *err,
                             size_t err_len)
{
    memset(out, 0, sizeof *out);
    if (!json_object_is_type(root, json_type_object))
        return fail(err, err_len, "%s is not a simdgrad-icount-1 baseline (not a JSON object)", path);
    const char *fmt = member_str(root, "format");
    if (!fmt || strcmp(fmt, "simdgrad-icount-1"))
        return fail(err, err_len,
                    "%s is not a simdgrad-icount-1 baseline (\"format\" is not \"simdgrad-icount-1\")", path);
    static const char *const ids[3] = {"compiler", "buildtype", "cpu_family"};
    char **dst[3] = {&out->compiler, &out->buildtype, &out->cpu_family};
    for (int i = 0; i < 3; i++) {
        const char *s = member_str(root, ids[i]);
        if (!s)
            return fail(err, err_len, "%s is not a simdgrad-icount-1 baseline (no string \"%s\")", path,
                        ids[i]);
        *dst[i] = sg_xstrdup(s);
    }
    json_object *calls, *cs;
    if (json_object_object_get_ex(root, "calls_per_case", &calls)) {
        if (!json_object_is_type(calls, json_type_int) || json_object_get_int64(calls) < 1)
            return fail(err, err_len, "baseline %s: \"calls_per_case\" is not a positive integer", path);
        out->calls_per_case = json_object_get_uint64(calls);
    }
    if (!json_object_object_get_ex(root, "counts", &cs) || !json_object_is_type(cs, json_type_object))
        return fail(err, err_len, "%s is not a simdgrad-icount-1 baseline (no \"counts\" object)", path);
    if (json_object_object_length(cs) == 0)
        return fail(err, err_len, "baseline %s has no counts", path);
    json_object_object_foreach(cs, name, v)
    {
        uint64_t ir = 0;
        if (parse_count(v, name, path, &ir, err, err_len) != 0)
            return -1;
        sg_icount_counts_add(&out->counts, name, ir);
    }
    return 0;
}

static int cmp_name(const void *a, const void *b, void *names)
{
    char **n = names;
    return strcmp(n[*(const size_t *)a], n[*(const size_t *)b]);
}

char *sg_icount_baseline_text(const sg_icount_baseline *b)
{
    json_object *root = json_object_new_object(), *cs = json_object_new_object();
    json_object_object_add(root, "format", json_object_new_string("simdgrad-icount-1"));
    json_object_object_add(root, "compiler", json_object_new_string(b->compiler));
    json_object_object_add(root, "buildtype", json_object_new_string(b->buildtype));
    json_object_object_add(root, "cpu_family", json_object_new_string(b->cpu_family));
    if (b->calls_per_case) /* 0: a baseline read without one (optional on input; fuzz_json found it) */
        json_object_object_add(root, "calls_per_case", json_object_new_uint64(b->calls_per_case));
    json_object_object_add(root, "unit", json_object_new_string("instructions per call (callgrind Ir)"));
    size_t *order = sg_xrealloc(NULL, b->counts.n * sizeof *order);
    for (size_t i = 0; i < b->counts.n; i++)
        order[i] = i;
    qsort_r(order, b->counts.n, sizeof *order, cmp_name, b->counts.names);
    for (size_t i = 0; i < b->counts.n; i++)
        json_object_object_add(cs, b->counts.names[order[i]], json_object_new_uint64(b->counts.ir[order[i]]));
    free(order);
    json_object_object_add(root, "counts", cs);
    char *text = sg_json_text(root);
    json_object_put(root);
    return text;
}

static int is_number(json_object *v);

void sg_model_baseline_free(sg_model_baseline *b)
{
    free(b->llvm_mca);
    for (size_t i = 0; b->compiler_names && i < b->compilers.n; i++) /* NULL: refused before the names */
        free(b->compiler_names[i]);
    free(b->compiler_names);
    sg_icount_counts_free(&b->compilers);
    sg_icount_counts_free(&b->cores);
    sg_icount_counts_free(&b->kernels);
    sg_icount_counts_free(&b->millicycles);
    memset(b, 0, sizeof *b);
}

/* The keys of root[key], which must be an object (of strings when strings is set). */
static int model_keys(json_object *root, const char *key, int strings, const char *what,
                      sg_icount_counts *out, char *err, size_t err_len)
{
    json_object *o;
    if (!json_object_object_get_ex(root, key, &o) || !json_object_is_type(o, json_type_object))
        return fail(err, err_len, "%s is not a simdgrad-model/1 file (no \"%s\" object)", what, key);
    json_object_object_foreach(o, name, v)
    {
        if (strings && !json_object_is_type(v, json_type_string))
            return fail(err, err_len, "%s is not a simdgrad-model/1 file (\"%s\": \"%s\" is not a string)",
                        what, key, name);
        sg_icount_counts_add(out, name, 0);
    }
    return 0;
}

int sg_model_baseline_parse(json_object *root, const char *what, sg_model_baseline *out, char *err,
                            size_t err_len)
{
    memset(out, 0, sizeof *out);
    if (!json_object_is_type(root, json_type_object))
        return fail(err, err_len, "%s is not a simdgrad-model/1 file (not a JSON object)", what);
    const char *schema = member_str(root, "schema");
    if (!schema || strcmp(schema, "simdgrad-model/1"))
        return fail(err, err_len,
                    "%s is not a simdgrad-model/1 file (\"schema\" is not \"simdgrad-model/1\")", what);
    const char *ver = member_str(root, "llvm_mca");
    unsigned major, minor, patch;
    int used = 0;
    if (!ver || sscanf(ver, "%u.%u.%u%n", &major, &minor, &patch, &used) != 3 || ver[used] || major == 0)
        return fail(err, err_len, "%s: \"llvm_mca\" is not an LLVM version like \"16.0.6\"", what);
    out->llvm_mca = sg_xstrdup(ver);
    out->llvm_major = major;
    if (model_keys(root, "compilers", 1, what, &out->compilers, err, err_len) ||
        model_keys(root, "cores", 0, what, &out->cores, err, err_len) ||
        model_keys(root, "kernels", 0, what, &out->kernels, err, err_len))
        return -1;
    json_object *comp, *cs;
    json_object_object_get_ex(root, "compilers", &comp);
    out->compiler_names = sg_xrealloc(NULL, (out->compilers.n + 1) * sizeof *out->compiler_names);
    for (size_t i = 0; i < out->compilers.n; i++) {
        json_object *v;
        json_object_object_get_ex(comp, out->compilers.names[i], &v);
        out->compiler_names[i] = sg_xstrdup(json_object_get_string(v));
        out->compilers.ir[i] = i;
    }
    if (!json_object_object_get_ex(root, "cycles_per_iteration", &cs) ||
        !json_object_is_type(cs, json_type_object))
        return fail(err, err_len, "%s is not a simdgrad-model/1 file (no \"cycles_per_iteration\" object)",
                    what);
    if (json_object_object_length(cs) == 0)
        return fail(err, err_len, "%s has no cycle estimates", what);
    json_object_object_foreach(cs, name, v)
    {
        char q[48];
        const char *at = strrchr(name, '@');
        if (!at || at == name || !at[1])
            return fail(err, err_len, "%s: case \"%s\" is not named <kernel>@<core>", what, name);
        char kernel[256];
        snprintf(kernel, sizeof kernel, "%.*s", (int)(at - name), name);
        if (sg_icount_counts_find(&out->kernels, kernel) < 0 ||
            sg_icount_counts_find(&out->cores, at + 1) < 0)
            return fail(err, err_len,
                        "%s: case \"%s\" names a kernel or core missing from \"kernels\"/\"cores\"", what,
                        name);
        /* Doubles and integers only: a string "5.0" or a NaN would have to be guessed at. */
        const double c = is_number(v) ? json_object_get_double(v) : NAN;
        if (!(c > 0 && c <= 1e6))
            return fail(err, err_len, "%s: cycles \"%s\" is %s, not a number of cycles in (0, 1e6]", what,
                        name, quote(v, q, sizeof q));
        sg_icount_counts_add(&out->millicycles, name, (uint64_t)llround(c * 1000));
    }
    return 0;
}

static int is_number(json_object *v)
{
    return json_object_is_type(v, json_type_double) || json_object_is_type(v, json_type_int);
}

int sg_gbench_validate(json_object *root, const char *path, char *err, size_t err_len)
{
    json_object *ctx, *bs;
    if (!json_object_is_type(root, json_type_object))
        return fail(err, err_len, "%s is not a Google Benchmark JSON run (not a JSON object)", path);
    if (!json_object_object_get_ex(root, "context", &ctx) || !json_object_is_type(ctx, json_type_object))
        return fail(err, err_len, "%s is not a Google Benchmark JSON run (no \"context\" object)", path);
    if (!json_object_object_get_ex(root, "benchmarks", &bs) || !json_object_is_type(bs, json_type_array))
        return fail(err, err_len, "%s is not a Google Benchmark JSON run (no \"benchmarks\" array)", path);
    const size_t n = json_object_array_length(bs);
    if (n == 0)
        return fail(err, err_len, "%s has no benchmarks (did --benchmark_filter match nothing?)", path);
    for (size_t i = 0; i < n; i++) {
        json_object *b = json_object_array_get_idx(bs, i), *v;
        if (!json_object_is_type(b, json_type_object))
            return fail(err, err_len,
                        "%s is not a Google Benchmark JSON run (benchmarks[%zu] is not an object)", path, i);
        const char *name = member_str(b, "name");
        if (!name || !*name)
            return fail(err, err_len,
                        "%s is not a Google Benchmark JSON run (benchmarks[%zu] has no \"name\")", path, i);
        static const char *const times[2] = {"real_time", "cpu_time"};
        for (int t = 0; t < 2; t++)
            if (!json_object_object_get_ex(b, times[t], &v) || !is_number(v) ||
                !(json_object_get_double(v) >= 0 && isfinite(json_object_get_double(v))))
                return fail(err, err_len,
                            "%s is not a Google Benchmark JSON run (benchmarks[%zu] \"%s\": \"%s\" is not a "
                            "finite non-negative number)",
                            path, i, name, times[t]);
        const char *unit = member_str(b, "time_unit");
        if (!unit || (strcmp(unit, "ns") && strcmp(unit, "us") && strcmp(unit, "ms") && strcmp(unit, "s")))
            return fail(err, err_len,
                        "%s is not a Google Benchmark JSON run (benchmarks[%zu] \"%s\": \"time_unit\" is not "
                        "ns, us, ms or s)",
                        path, i, name);
        static const char *const strs[3] = {"run_type", "aggregate_name", "label"};
        for (int s = 0; s < 3; s++)
            if (json_object_object_get_ex(b, strs[s], &v) && !json_object_is_type(v, json_type_string))
                return fail(err, err_len,
                            "%s is not a Google Benchmark JSON run (benchmarks[%zu] \"%s\": \"%s\" is not a "
                            "string)",
                            path, i, name, strs[s]);
        /* compare.py sorts by these: a string among integers is a TypeError there. */
        static const char *const ints[4] = {"family_index", "per_family_instance_index", "repetition_index",
                                            "repetitions"};
        for (int k = 0; k < 4; k++)
            if (json_object_object_get_ex(b, ints[k], &v) &&
                (!json_object_is_type(v, json_type_int) || json_object_get_int64(v) < 0))
                return fail(err, err_len,
                            "%s is not a Google Benchmark JSON run (benchmarks[%zu] \"%s\": \"%s\" is not a "
                            "non-negative integer)",
                            path, i, name, ints[k]);
    }
    return 0;
}

int sg_gbench_context_diff(json_object *base, json_object *contender, char *err, size_t err_len)
{
    /* What makes two wall-clock runs comparable: the same CPU (model, cores, caches: the model string
       alone is "AMD EPYC" for a Zen 3 and a Zen 4), the same ISAs and the same compiler and flags.
       Not the date, host name, load, frequency or git revision: those legitimately change. */
    static const char *const fields[] = {"cpu_model",      "num_cpus", "caches",
                                         "isas_available", "compiler", "build_flags"};
    json_object *cb = NULL, *cc = NULL;
    json_object_object_get_ex(base, "context", &cb);
    json_object_object_get_ex(contender, "context", &cc);
    char names[256] = "", first[512] = "";
    size_t ndiff = 0;
    for (size_t i = 0; i < sizeof fields / sizeof *fields; i++) {
        json_object *a = NULL, *b = NULL;
        const int ha = json_object_object_get_ex(cb, fields[i], &a),
                  hb = json_object_object_get_ex(cc, fields[i], &b);
        if (!ha && !hb)
            continue;
        char qa[160], qb[160];
        snprintf(qa, sizeof qa, "absent");
        snprintf(qb, sizeof qb, "absent");
        if (ha)
            quote(a, qa, sizeof qa);
        if (hb)
            quote(b, qb, sizeof qb);
        if (ha && hb && !strcmp(qa, qb))
            continue;
        const size_t l = strlen(names);
        snprintf(names + l, sizeof names - l, "%s%s", l ? ", " : "", fields[i]);
        if (!ndiff++)
            snprintf(first, sizeof first, "%s is %s in the baseline but %s in the contender", fields[i], qa,
                     qb);
    }
    if (!ndiff)
        return 0;
    return fail(err, err_len, "context differs (%s): %s", names, first);
}

/* The first measurement's field of a report entry; NaN when absent. */
static double first_measurement(json_object *entry, const char *field)
{
    json_object *ms, *v;
    if (!json_object_object_get_ex(entry, "measurements", &ms) || !json_object_is_type(ms, json_type_array) ||
        json_object_array_length(ms) == 0)
        return NAN;
    json_object *m0 = json_object_array_get_idx(ms, 0);
    return json_object_object_get_ex(m0, field, &v) && is_number(v) ? json_object_get_double(v) : NAN;
}

int sg_compare_report_rows(json_object *report, int cpu, sg_time_row **rows, size_t *n, char *err,
                           size_t err_len)
{
    *rows = NULL;
    *n = 0;
    if (!json_object_is_type(report, json_type_array))
        return fail(err, err_len, "compare.py's report is not a JSON array");
    const size_t len = json_object_array_length(report);
    /* name -> its "_median" aggregate entry, looked up in a json-c object instead of a scan per row */
    json_object *medians = json_object_new_object();
    for (size_t i = 0; i < len; i++) {
        json_object *e = json_object_array_get_idx(report, i);
        const char *name = json_object_is_type(e, json_type_object) ? member_str(e, "name") : NULL;
        if (!name) {
            json_object_put(medians);
            return fail(err, err_len, "compare.py's report entry %zu has no name", i);
        }
        const size_t nl = strlen(name);
        if (nl > 7 && !strcmp(name + nl - 7, "_median") && !json_object_object_get_ex(medians, name, NULL))
            json_object_object_add(medians, name, json_object_get(e));
    }
    sg_time_row *out = sg_xrealloc(NULL, (len ? len : 1) * sizeof *out);
    size_t k = 0;
    for (size_t i = 0; i < len; i++) {
        json_object *e = json_object_array_get_idx(report, i), *med = NULL, *ut, *pv;
        const char *name = member_str(e, "name"), *run_type = member_str(e, "run_type");
        if (run_type && !strcmp(run_type, "aggregate"))
            continue; /* per-benchmark rows carry the U test; their _median row the median change */
        char *med_name = sg_xrealloc(NULL, strlen(name) + sizeof "_median");
        sprintf(med_name, "%s_median", name);
        json_object_object_get_ex(medians, med_name, &med);
        free(med_name);
        const char *pkey = cpu ? "cpu_pvalue" : "time_pvalue";
        out[k].name = name;
        out[k].change = med ? first_measurement(med, cpu ? "cpu" : "time") : NAN;
        out[k].pvalue = json_object_object_get_ex(e, "utest", &ut) &&
                                json_object_object_get_ex(ut, pkey, &pv) && is_number(pv)
                            ? json_object_get_double(pv)
                            : NAN;
        k++;
    }
    json_object_put(medians);
    *rows = out;
    *n = k;
    return 0;
}
