/* simdgrad ci-check: the performance-regression gate.
 *
 * --mode icount (default): runs perf/simdgrad-icount under callgrind, which dumps one profile per
 *   kernel x ISA x size case with collection on only around the kernel calls; the instruction
 *   counts (Ir per call) are exact and identical run to run, so a 2% threshold means something
 *   even on a noisy shared machine. Compared against results/baseline/icount-<compiler>.json.
 * --mode time: Google Benchmark repetitions with random interleaving, compared with Google
 *   Benchmark's compare.py; fails only when the median slows down by more than the threshold AND
 *   the Mann-Whitney U test says the difference is significant.
 * Exit codes: 0 no regression, 1 regression, 2 cannot compare (usage, missing tools/baseline,
 * baseline from another compiler/build type). See docs/ci-check.md. */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cli/args.h"
#include "cli/cli.h"
#include "sg_config.h"

#define CMD "ci-check"

/* ------------------------------------------------------------------------------------------------
 * A minimal JSON reader (objects, arrays, strings, numbers incl. NaN/Infinity as Python writes
 * them, true/false/null): enough for our baseline files, Google Benchmark output and compare.py's
 * dump. Allocations are never freed individually; the process is short-lived. */
typedef enum { J_NULL, J_BOOL, J_NUM, J_STR, J_ARR, J_OBJ } jtype;
typedef struct jv {
    jtype t;
    double num;
    char *str;
    struct jv *items; /* array elements / object values */
    char **keys;      /* object keys */
    size_t n;
} jv;

typedef struct {
    const char *p, *end;
    int depth;
} jparser;

static void *xrealloc(void *p, size_t n)
{
    void *q = realloc(p, n ? n : 1);
    if (!q) {
        fprintf(stderr, "simdgrad " CMD ": out of memory\n");
        exit(SG_EXIT_USAGE);
    }
    return q;
}

static void jws(jparser *jp)
{
    while (jp->p < jp->end && (*jp->p == ' ' || *jp->p == '\t' || *jp->p == '\n' || *jp->p == '\r'))
        jp->p++;
}

static int jlit(jparser *jp, const char *lit)
{
    const size_t n = strlen(lit);
    if ((size_t)(jp->end - jp->p) < n || memcmp(jp->p, lit, n) != 0)
        return 0;
    jp->p += n;
    return 1;
}

static int jstring(jparser *jp, char **out)
{
    size_t cap = 16, len = 0;
    char *s = xrealloc(NULL, cap);
    if (jp->p >= jp->end || *jp->p != '"')
        return free(s), -1;
    jp->p++;
    while (jp->p < jp->end && *jp->p != '"') {
        char c = *jp->p++;
        if (c == '\\') {
            if (jp->p >= jp->end)
                return free(s), -1;
            c = *jp->p++;
            switch (c) {
            case 'n': c = '\n'; break;
            case 't': c = '\t'; break;
            case 'r': c = '\r'; break;
            case 'b': c = '\b'; break;
            case 'f': c = '\f'; break;
            case 'u': /* non-ASCII never matters here: keep a placeholder */
                if (jp->end - jp->p < 4)
                    return free(s), -1;
                jp->p += 4;
                c = '?';
                break;
            default: break; /* \" \\ \/ */
            }
        }
        if (len + 2 > cap)
            s = xrealloc(s, cap *= 2);
        s[len++] = c;
    }
    if (jp->p >= jp->end)
        return free(s), -1;
    jp->p++;
    s[len] = '\0';
    *out = s;
    return 0;
}

static void jv_free(jv *v)
{
    for (size_t i = 0; i < v->n; i++) {
        jv_free(&v->items[i]);
        if (v->keys)
            free(v->keys[i]);
    }
    free(v->items);
    free(v->keys);
    free(v->str);
    memset(v, 0, sizeof *v);
}

/* Parses one value into *v; on failure *v holds nothing (everything it allocated is freed). */
static int jvalue(jparser *jp, jv *v)
{
    memset(v, 0, sizeof *v);
    jws(jp);
    if (jp->p >= jp->end || jp->depth >= 64)
        return -1;
    const char c = *jp->p;
    if (c == '{' || c == '[') {
        const int obj = c == '{';
        v->t = obj ? J_OBJ : J_ARR;
        jp->p++;
        jws(jp);
        if (jp->p < jp->end && *jp->p == (obj ? '}' : ']')) {
            jp->p++;
            return 0;
        }
        jp->depth++;
        for (;;) {
            char *key = NULL;
            v->items = xrealloc(v->items, (v->n + 1) * sizeof *v->items);
            if (obj) {
                v->keys = xrealloc(v->keys, (v->n + 1) * sizeof *v->keys);
                jws(jp);
                if (jstring(jp, &key) != 0)
                    goto fail;
                jws(jp);
                if (jp->p >= jp->end || *jp->p++ != ':') {
                    free(key);
                    goto fail;
                }
            }
            if (jvalue(jp, &v->items[v->n]) != 0) {
                free(key);
                goto fail;
            }
            if (obj)
                v->keys[v->n] = key;
            v->n++;
            jws(jp);
            if (jp->p < jp->end && *jp->p == ',') {
                jp->p++;
                continue;
            }
            if (jp->p < jp->end && *jp->p == (obj ? '}' : ']')) {
                jp->p++;
                jp->depth--;
                return 0;
            }
            goto fail;
        }
    fail:
        jp->depth--;
        jv_free(v);
        return -1;
    }
    if (c == '"') {
        v->t = J_STR;
        return jstring(jp, &v->str);
    }
    v->t = J_NUM;
    if (jlit(jp, "true") || jlit(jp, "false")) {
        v->t = J_BOOL;
        v->num = jp->p[-2] == 'u'; /* tr[u]e vs fal[s]e */
    } else if (jlit(jp, "null")) {
        v->t = J_NULL;
    } else if (jlit(jp, "NaN")) { /* Python's json writes these */
        v->num = NAN;
    } else if (jlit(jp, "Infinity")) {
        v->num = INFINITY;
    } else if (jlit(jp, "-Infinity")) {
        v->num = -INFINITY;
    } else {
        char buf[64], *endp;
        size_t n = 0;
        while (jp->p + n < jp->end && n < sizeof buf - 1 && jp->p[n] && strchr("+-0123456789.eE", jp->p[n]))
            n++;
        memcpy(buf, jp->p, n);
        buf[n] = '\0';
        v->num = strtod(buf, &endp);
        if (n == 0 || *endp)
            return -1;
        jp->p += n;
    }
    return 0;
}

static const jv *jget(const jv *o, const char *key)
{
    if (!o || o->t != J_OBJ)
        return NULL;
    for (size_t i = 0; i < o->n; i++)
        if (!strcmp(o->keys[i], key))
            return &o->items[i];
    return NULL;
}

static const char *jstr(const jv *o, const char *key)
{
    const jv *v = jget(o, key);
    return v && v->t == J_STR ? v->str : NULL;
}

static char *slurp(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    size_t cap = 1 << 16, n = 0, got;
    char *buf = xrealloc(NULL, cap);
    while ((got = fread(buf + n, 1, cap - n, f)) > 0) {
        n += got;
        if (n == cap)
            buf = xrealloc(buf, cap *= 2);
    }
    const int err = ferror(f);
    fclose(f);
    if (err)
        return free(buf), NULL;
    *len = n;
    return buf;
}

/* Reads and parses path into *out; on failure prints why and returns -1. */
static int load_json(const char *path, const char *what, jv *out)
{
    size_t len = 0;
    char *text = slurp(path, &len);
    if (!text) {
        sg_cli_error(CMD, "cannot read %s %s: %s", what, path, strerror(errno));
        return -1;
    }
    jparser jp = {text, text + len, 0};
    int rc = jvalue(&jp, out);
    if (rc == 0 && (jws(&jp), jp.p != jp.end)) {
        jv_free(out);
        rc = -1;
    }
    if (rc != 0)
        sg_cli_error(CMD, "%s %s is not valid JSON (near byte %zu)", what, path, (size_t)(jp.p - text));
    free(text);
    return rc;
}

/* ------------------------------------------------------------------------------------------------
 * Processes and files. */

/* Runs argv, stdout/stderr redirected to files when given (NULL: inherit). Returns the exit status,
   127 when it could not be started, 128+signal when killed. */
static int run(char *const argv[], const char *out_path, const char *err_path)
{
    fflush(stdout);
    fflush(stderr);
    const pid_t pid = fork();
    if (pid < 0)
        return 127;
    if (pid == 0) {
        const char *paths[2] = {out_path, err_path};
        for (int fd = 1; fd <= 2; fd++) {
            if (!paths[fd - 1])
                continue;
            const int f = open(paths[fd - 1], O_WRONLY | O_CREAT | O_TRUNC, 0644);
            if (f < 0 || dup2(f, fd) < 0)
                _exit(127);
            close(f);
        }
        execvp(argv[0], argv);
        _exit(127);
    }
    int status;
    while (waitpid(pid, &status, 0) < 0)
        if (errno != EINTR)
            return 127;
    return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

static int file_exists(const char *path)
{
    struct stat st;
    return stat(path, &st) == 0 && S_ISREG(st.st_mode);
}

static int dir_exists(const char *path)
{
    struct stat st;
    return stat(path, &st) == 0 && S_ISDIR(st.st_mode);
}

/* Directory of the running executable (build/src for the build tree). */
static const char *exe_dir(void)
{
    static char dir[PATH_MAX];
    const ssize_t n = readlink("/proc/self/exe", dir, sizeof dir - 1);
    if (n <= 0)
        return ".";
    dir[n] = '\0';
    char *slash = strrchr(dir, '/');
    if (slash)
        *slash = '\0';
    return dir;
}

/* A helper program: explicit path, else $env, else next to simdgrad, else <builddir>/<subdir>/. */
static const char *find_helper(const char *explicit_path, const char *env, const char *name,
                               const char *subdir)
{
    static char buf[PATH_MAX + 64];
    if (explicit_path)
        return explicit_path;
    const char *e = getenv(env);
    if (e && *e)
        return e;
    snprintf(buf, sizeof buf, "%s/%s", exe_dir(), name);
    if (access(buf, X_OK) == 0)
        return buf;
    snprintf(buf, sizeof buf, "%s/../%s/%s", exe_dir(), subdir, name);
    if (access(buf, X_OK) == 0)
        return buf;
    return NULL;
}

/* Writes text to path atomically: a temp file in the same directory, then rename. */
static int write_atomically(const char *path, const char *text, size_t len)
{
    char tmp[PATH_MAX];
    if (snprintf(tmp, sizeof tmp, "%s.tmp.XXXXXX", path) >= (int)sizeof tmp)
        return sg_cli_error(CMD, "path too long: %s", path), -1;
    const int fd = mkstemp(tmp);
    if (fd < 0)
        return sg_cli_error(CMD, "cannot create %s: %s", tmp, strerror(errno)), -1;
    size_t done = 0;
    while (done < len) {
        const ssize_t w = write(fd, text + done, len - done);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0) {
            sg_cli_error(CMD, "cannot write %s: %s", tmp, strerror(errno));
            close(fd);
            unlink(tmp);
            return -1;
        }
        done += (size_t)w;
    }
    if (fchmod(fd, 0644) != 0 || fsync(fd) != 0 || close(fd) != 0 || rename(tmp, path) != 0) {
        sg_cli_error(CMD, "cannot write %s: %s", path, strerror(errno));
        unlink(tmp);
        return -1;
    }
    return 0;
}

static void remove_tree(const char *dir)
{
    DIR *d = opendir(dir);
    if (d) {
        struct dirent *e;
        char p[PATH_MAX + 256];
        while ((e = readdir(d)))
            if (strcmp(e->d_name, ".") && strcmp(e->d_name, "..")) {
                snprintf(p, sizeof p, "%s/%s", dir, e->d_name);
                unlink(p);
            }
        closedir(d);
    }
    rmdir(dir);
}

/* ------------------------------------------------------------------------------------------------
 * icount mode. */

typedef struct counts {
    size_t n;
    char **names;
    uint64_t *ir; /* instructions per call */
} counts;

static void counts_add(counts *c, const char *name, uint64_t ir)
{
    c->names = xrealloc(c->names, (c->n + 1) * sizeof *c->names);
    c->ir = xrealloc(c->ir, (c->n + 1) * sizeof *c->ir);
    c->names[c->n] = strdup(name);
    c->ir[c->n++] = ir;
}

static long counts_find(const counts *c, const char *name)
{
    for (size_t i = 0; i < c->n; i++)
        if (!strcmp(c->names[i], name))
            return (long)i;
    return -1;
}

/* The build's identity: instruction counts are only comparable within one compiler + build type. */
static void build_id(char *buf, size_t len)
{
    snprintf(buf, len, "%s, %s, %s", SIMDGRAD_COMPILER, SIMDGRAD_BUILDTYPE, SIMDGRAD_CPU_FAMILY);
}

/* results/baseline/icount-gcc-12.2.0.json: looked up from the working directory, then from the
   source tree when simdgrad runs from <source>/<builddir>/src. */
static const char *default_icount_baseline(int for_writing)
{
    static char path[PATH_MAX + 128];
    char file[128];
    snprintf(file, sizeof file, "icount-%s.json", SIMDGRAD_COMPILER);
    for (char *p = file; *p; p++)
        if (*p == ' ' || *p == '/')
            *p = '-';
    const char *dirs[2] = {"results/baseline", NULL};
    char up[PATH_MAX + 64];
    snprintf(up, sizeof up, "%s/../../results/baseline", exe_dir());
    dirs[1] = up;
    for (int i = 0; i < 2; i++) {
        snprintf(path, sizeof path, "%s/%s", dirs[i], file);
        if (for_writing ? dir_exists(dirs[i]) : file_exists(path))
            return path;
    }
    snprintf(path, sizeof path, "results/baseline/%s", file);
    return path;
}

/* Parses callgrind's per-case dumps ("desc: Trigger: Client Request: <name>", "summary: <Ir>"). */
static int read_dumps(const char *dir, unsigned reps, counts *out)
{
    DIR *d = opendir(dir);
    if (!d)
        return sg_cli_error(CMD, "cannot list %s: %s", dir, strerror(errno)), -1;
    struct dirent *e;
    char path[PATH_MAX + 256], line[1024];
    while ((e = readdir(d))) {
        if (strncmp(e->d_name, "cg.out", 6) != 0)
            continue;
        snprintf(path, sizeof path, "%s/%s", dir, e->d_name);
        FILE *f = fopen(path, "r");
        if (!f)
            continue;
        char name[sizeof line] = "";
        long long total = -1;
        while (fgets(line, sizeof line, f)) {
            static const char trig[] = "desc: Trigger: Client Request: ";
            if (!strncmp(line, trig, sizeof trig - 1)) {
                snprintf(name, sizeof name, "%s", line + sizeof trig - 1);
                name[strcspn(name, "\r\n")] = '\0';
            } else if (!strncmp(line, "summary: ", 9) || (total < 0 && !strncmp(line, "totals: ", 8))) {
                total = strtoll(strchr(line, ':') + 1, NULL, 10);
            }
        }
        fclose(f);
        if (!name[0] || total < 0)
            continue; /* the final at-exit dump, or not ours */
        /* The total also holds a few instructions of loop overhead, so round rather than divide exactly;
           the result is as deterministic as the total. */
        counts_add(out, name, (uint64_t)((total + reps / 2) / reps));
    }
    closedir(d);
    return 0;
}

/* Runs the driver under callgrind and collects the per-call instruction counts. */
static int measure_icount(const char *driver_opt, unsigned reps, counts *out)
{
    const char *driver = find_helper(driver_opt, "SIMDGRAD_ICOUNT_DRIVER", "simdgrad-icount", "perf");
    if (!driver) {
        return sg_cli_error(CMD, "simdgrad-icount not found next to simdgrad or in <builddir>/perf "
                                 "(built in native builds that have <valgrind/callgrind.h>; "
                                 "or pass --driver)"),
               -1;
    }
    char tmpl[] = "/tmp/simdgrad-icount-XXXXXX";
    const char *dir = mkdtemp(tmpl);
    if (!dir)
        return sg_cli_error(CMD, "mkdtemp: %s", strerror(errno)), -1;
    char outfile[PATH_MAX], log[PATH_MAX], list[PATH_MAX], repstr[16];
    snprintf(outfile, sizeof outfile, "--callgrind-out-file=%s/cg.out", dir);
    snprintf(log, sizeof log, "%s/valgrind.log", dir);
    snprintf(list, sizeof list, "%s/cases.txt", dir);
    snprintf(repstr, sizeof repstr, "%u", reps);
    char *argv[] = {"valgrind",
                    "-q",
                    "--tool=callgrind",
                    "--collect-atstart=no",
                    "--dump-instr=no",
                    outfile,
                    (char *)driver,
                    "--reps",
                    repstr,
                    NULL};
    fprintf(stderr, "simdgrad " CMD ": running %s under valgrind --tool=callgrind (%u calls per case)\n",
            driver, reps);
    const int rc = run(argv, list, log);
    int result = 0;
    if (rc != 0) {
        size_t len = 0;
        char *text = slurp(log, &len);
        if (rc == 127 && (!text || !len))
            sg_cli_error(CMD, "could not run valgrind (is it installed? Debian: apt-get install valgrind)");
        else
            sg_cli_error(CMD, "valgrind/simdgrad-icount failed (exit %d):\n%.*s", rc, (int)len,
                         text ? text : "");
        free(text);
        result = -1;
    } else {
        size_t len = 0;
        char *text = slurp(log, &len); /* the driver's skip notes */
        if (text && len)
            fwrite(text, 1, len, stderr);
        free(text);
        result = read_dumps(dir, reps, out);
        if (result == 0 && out->n == 0) {
            sg_cli_error(CMD, "callgrind produced no per-kernel dumps in %s", dir);
            result = -1;
        }
    }
    remove_tree(dir);
    return result;
}

static int write_icount_baseline(const char *path, const counts *c, unsigned reps)
{
#ifdef SIMDGRAD_INJECT_SLOWDOWN
    (void)path;
    (void)c;
    (void)reps;
    return sg_cli_error(CMD, "refusing to write a baseline from a build with inject_slowdown=%s",
                        SIMDGRAD_INJECT_SLOWDOWN),
           -1;
#else
    size_t cap = 256 + c->n * 96, len = 0;
    char *text = xrealloc(NULL, cap);
    len += (size_t)snprintf(text + len, cap - len,
                            "{\n  \"format\": \"simdgrad-icount-1\",\n  \"compiler\": \"%s\",\n"
                            "  \"buildtype\": \"%s\",\n  \"cpu_family\": \"%s\",\n  \"calls_per_case\": %u,\n"
                            "  \"unit\": \"instructions per call (callgrind Ir)\",\n  \"counts\": {\n",
                            SIMDGRAD_COMPILER, SIMDGRAD_BUILDTYPE, SIMDGRAD_CPU_FAMILY, reps);
    for (size_t i = 0; i < c->n; i++) {
        if (cap - len < 600)
            text = xrealloc(text, cap *= 2);
        len += (size_t)snprintf(text + len, cap - len, "    \"%s\": %llu%s\n", c->names[i],
                                (unsigned long long)c->ir[i], i + 1 < c->n ? "," : "");
    }
    len += (size_t)snprintf(text + len, cap - len, "  }\n}\n");
    const int rc = write_atomically(path, text, len);
    free(text);
    if (rc == 0)
        printf("ci-check icount: wrote %zu counts to %s (%s)\n", c->n, path, SIMDGRAD_COMPILER);
    return rc;
#endif
}

static int cmp_idx_by_name(const void *a, const void *b, void *names)
{
    char **n = names;
    return strcmp(n[*(const size_t *)a], n[*(const size_t *)b]);
}

static void counts_free(counts *c)
{
    for (size_t i = 0; i < c->n; i++)
        free(c->names[i]);
    free(c->names);
    free(c->ir);
    memset(c, 0, sizeof *c);
}

/* Reads a baseline into *out after checking that it was recorded by a build like this one. */
static int load_icount_baseline(const char *path, const char *id, counts *out)
{
    jv base;
    int rc = -1;
    if (!file_exists(path)) {
        sg_cli_error(CMD,
                     "no instruction-count baseline %s for this build (%s); create it with "
                     "'simdgrad ci-check --update-baseline' and commit it",
                     path, id);
        return -1;
    }
    if (load_json(path, "baseline", &base) != 0)
        return -1;
    const char *fmt = jstr(&base, "format"), *comp = jstr(&base, "compiler"), *bt = jstr(&base, "buildtype"),
               *fam = jstr(&base, "cpu_family");
    const jv *cs = jget(&base, "counts");
    if (!fmt || strcmp(fmt, "simdgrad-icount-1") || !comp || !bt || !fam || !cs || cs->t != J_OBJ) {
        sg_cli_error(CMD, "%s is not a simdgrad-icount-1 baseline", path);
    } else if (strcmp(comp, SIMDGRAD_COMPILER) || strcmp(bt, SIMDGRAD_BUILDTYPE) ||
               strcmp(fam, SIMDGRAD_CPU_FAMILY)) {
        /* Counts are a property of the generated code: across compilers they differ for reasons
           that are not regressions. Refuse rather than print nonsense. */
        sg_cli_error(CMD,
                     "baseline %s is for %s, %s, %s but this build is %s: instruction counts are not "
                     "comparable across compilers/build types; use the matching baseline or record one "
                     "with --update-baseline",
                     path, comp, bt, fam, id);
    } else {
        for (size_t i = 0; i < cs->n; i++)
            if (cs->items[i].t == J_NUM && cs->items[i].num >= 0)
                counts_add(out, cs->keys[i], (uint64_t)cs->items[i].num);
        rc = 0;
    }
    jv_free(&base);
    return rc;
}

static int report_icount(const char *baseline, const char *id, double threshold, const counts *base_counts,
                         const counts *now);

static int icount_mode(const char *baseline_opt, double threshold, int update, const char *driver,
                       unsigned reps)
{
    const char *baseline = baseline_opt ? baseline_opt : default_icount_baseline(update);
    counts base_counts = {0}, now = {0};
    char id[256];
    int rc = SG_EXIT_USAGE;
    build_id(id, sizeof id);
#ifdef SIMDGRAD_INJECT_SLOWDOWN
    if (update)
        return sg_cli_error(CMD, "refusing to write a baseline from a build with inject_slowdown=%s",
                            SIMDGRAD_INJECT_SLOWDOWN);
#endif
    /* The baseline is checked before spending time under valgrind. */
    if ((update || load_icount_baseline(baseline, id, &base_counts) == 0) &&
        measure_icount(driver, reps, &now) == 0) {
        if (update)
            rc = write_icount_baseline(baseline, &now, reps) == 0 ? SG_EXIT_OK : SG_EXIT_USAGE;
        else
            rc = report_icount(baseline, id, threshold, &base_counts, &now);
    }
    counts_free(&base_counts);
    counts_free(&now);
    return rc;
}

/* Prints every change against the baseline; SG_EXIT_FAIL when a case grew by more than threshold %. */
static int report_icount(const char *baseline, const char *id, double threshold, const counts *base_counts,
                         const counts *now)
{
    /* Stable report order: by name. */
    size_t *order = xrealloc(NULL, now->n * sizeof *order);
    for (size_t i = 0; i < now->n; i++)
        order[i] = i;
    qsort_r(order, now->n, sizeof *order, cmp_idx_by_name, now->names);

    printf("ci-check icount: %zu cases, build %s, baseline %s, threshold +%.2f%%\n", now->n, id, baseline,
           threshold);
#ifdef SIMDGRAD_INJECT_SLOWDOWN
    printf("ci-check icount: NOTE this build has inject_slowdown=%s (CI self-test build)\n",
           SIMDGRAD_INJECT_SLOWDOWN);
#endif
    size_t changed = 0, regressions = 0, added = 0;
    char first_bad[2048] = "";
    int header = 0;
    for (size_t o = 0; o < now->n; o++) {
        const size_t i = order[o];
        const long b = counts_find(base_counts, now->names[i]);
        const char *verdict;
        double pct = 0;
        if (b < 0) {
            verdict = "new (not in baseline)";
            added++;
        } else if (base_counts->ir[b] == now->ir[i]) {
            continue;
        } else {
            changed++;
            pct = base_counts->ir[b]
                      ? 100.0 * ((double)now->ir[i] - (double)base_counts->ir[b]) / (double)base_counts->ir[b]
                      : INFINITY;
            if (pct > threshold) {
                verdict = "REGRESSION";
                if (regressions++ < 8) {
                    const size_t l = strlen(first_bad);
                    snprintf(first_bad + l, sizeof first_bad - l, "%s%s", l ? ", " : "", now->names[i]);
                }
            } else {
                verdict = pct < 0 ? "faster" : "within threshold";
            }
        }
        if (!header++)
            printf("%-44s %14s %14s %10s  %s\n", "kernel", "baseline Ir", "now Ir", "change", "verdict");
        if (b < 0)
            printf("%-44s %14s %14llu %10s  %s\n", now->names[i], "-", (unsigned long long)now->ir[i], "",
                   verdict);
        else
            printf("%-44s %14llu %14llu %+9.2f%%  %s\n", now->names[i],
                   (unsigned long long)base_counts->ir[b], (unsigned long long)now->ir[i], pct, verdict);
    }
    size_t missing = 0;
    for (size_t i = 0; i < base_counts->n; i++)
        if (counts_find(now, base_counts->names[i]) < 0) {
            if (!header++)
                printf("%-44s %14s %14s %10s  %s\n", "kernel", "baseline Ir", "now Ir", "change", "verdict");
            printf("%-44s %14llu %14s %10s  %s\n", base_counts->names[i],
                   (unsigned long long)base_counts->ir[i], "-", "", "not measured in this run");
            missing++;
        }
    free(order);
    printf("ci-check icount: %zu unchanged, %zu changed, %zu new, %zu not measured; ",
           now->n - changed - added, changed, added, missing);
    if (regressions) {
        printf("%zu REGRESSION(S) above +%.2f%%: %s%s\n", regressions, threshold, first_bad,
               regressions > 8 ? ", ..." : "");
        printf("ci-check icount: if the change is intended, run 'simdgrad ci-check --update-baseline' "
               "and commit %s\n",
               baseline);
        return SG_EXIT_FAIL;
    }
    printf("no regression\n");
    return SG_EXIT_OK;
}

/* ------------------------------------------------------------------------------------------------
 * time mode. */

static const char *python_path(void)
{
    const char *p = getenv("SIMDGRAD_PYTHON");
    /* The Debian interpreter that has scipy for compare.py's U test, not a pyenv shim. */
    return p && *p ? p : "/usr/bin/python3";
}

static int run_bench(const char *bench_opt, const char *filter, unsigned repetitions, const char *out_json)
{
    const char *bench = find_helper(bench_opt, "SIMDGRAD_BENCH", "simdgrad-bench", "bench");
    if (!bench)
        return sg_cli_error(CMD,
                            "simdgrad-bench not found next to simdgrad or in <builddir>/bench (pass --bench, "
                            "or compare saved runs with --contender)"),
               -1;
    char reps[64], out[PATH_MAX + 32], filt[512];
    snprintf(reps, sizeof reps, "--benchmark_repetitions=%u", repetitions);
    snprintf(out, sizeof out, "--benchmark_out=%s", out_json);
    snprintf(filt, sizeof filt, "--benchmark_filter=%s", filter ? filter : ".");
    char *argv[] = {(char *)bench,
                    "--benchmark_enable_random_interleaving=true",
                    reps,
                    out,
                    "--benchmark_out_format=json",
                    filt,
                    NULL};
    fprintf(stderr, "simdgrad " CMD ": running %s %s %s %s\n", bench, argv[1], reps, filt);
    const int rc = run(argv, "/dev/null", NULL);
    if (rc != 0)
        return sg_cli_error(CMD, "%s failed (exit %d)", bench, rc), -1;
    return 0;
}

static const jv *find_entry(const jv *report, const char *name)
{
    for (size_t i = 0; i < report->n; i++) {
        const char *n = jstr(&report->items[i], "name");
        if (n && !strcmp(n, name))
            return &report->items[i];
    }
    return NULL;
}

static double first_measurement(const jv *entry, const char *field)
{
    const jv *ms = jget(entry, "measurements");
    if (!ms || ms->t != J_ARR || ms->n == 0)
        return NAN;
    const jv *v = jget(&ms->items[0], field);
    return v && v->t == J_NUM ? v->num : NAN;
}

static int time_mode(const char *baseline, double threshold, double alpha, int update, const char *bench,
                     const char *contender_opt, const char *filter, unsigned repetitions,
                     const char *compare_opt, int use_cpu)
{
    if (!baseline)
        return sg_cli_error(CMD,
                            "--mode time needs --baseline FILE (a saved Google Benchmark JSON run from this "
                            "machine: wall-clock baselines are per machine)");
    char tmpl[] = "/tmp/simdgrad-time-XXXXXX";
    const char *dir = mkdtemp(tmpl);
    if (!dir)
        return sg_cli_error(CMD, "mkdtemp: %s", strerror(errno));
    char contender[PATH_MAX], diff[PATH_MAX];
    snprintf(contender, sizeof contender, "%s/contender.json", dir);
    snprintf(diff, sizeof diff, "%s/diff.json", dir);
    int rc = SG_EXIT_USAGE;
    jv report = {0}, check = {0};

    if (contender_opt) {
        snprintf(contender, sizeof contender, "%s", contender_opt);
        if (!file_exists(contender)) {
            sg_cli_error(CMD, "cannot read --contender %s", contender);
            goto out;
        }
    } else if (run_bench(bench, filter, repetitions, contender) != 0)
        goto out;

    if (update) {
        size_t len = 0;
        char *text = slurp(contender, &len);
        if (!text || load_json(contender, "benchmark run", &check) != 0 || !jget(&check, "benchmarks")) {
            sg_cli_error(CMD, "%s is not a Google Benchmark JSON run", contender);
        } else if (write_atomically(baseline, text, len) == 0) {
            printf("ci-check time: wrote baseline %s\n", baseline);
            rc = SG_EXIT_OK;
        }
        free(text);
        goto out;
    }
    if (!file_exists(baseline)) {
        sg_cli_error(CMD, "no baseline %s; record one on this machine with --mode time --update-baseline",
                     baseline);
        goto out;
    }

    const char *compare = compare_opt ? compare_opt : getenv("SIMDGRAD_COMPARE_PY");
    if (!compare || !*compare)
        compare = "/usr/share/benchmark/compare.py"; /* Debian libbenchmark-tools */
    if (!file_exists(compare)) {
        sg_cli_error(CMD,
                     "Google Benchmark's compare.py not found at %s (Debian: apt-get install "
                     "libbenchmark-tools; or pass --compare-py)",
                     compare);
        goto out;
    }
    char alpha_s[32];
    snprintf(alpha_s, sizeof alpha_s, "%g", alpha);
    char *argv[] = {
        (char *)python_path(), (char *)compare,  "--no-color", "-a", "--alpha", alpha_s, "-d", diff,
        "benchmarks",          (char *)baseline, contender,    NULL};
    /* compare.py prints the human table; it always exits 0, the gate below is ours. */
    const int crc = run(argv, NULL, NULL);
    if (crc != 0 || !file_exists(diff)) {
        sg_cli_error(CMD, "compare.py failed (exit %d; it needs %s with scipy)", crc, python_path());
        goto out;
    }
    if (load_json(diff, "compare.py output", &report) != 0 || report.t != J_ARR) {
        sg_cli_error(CMD, "unexpected compare.py output in %s", diff);
        goto out;
    }

    printf("\nci-check time: gate = median %s change > +%.2f%% AND U-test p < %g\n",
           use_cpu ? "CPU-time" : "real-time", threshold, alpha);
    printf("%-50s %10s %10s  %s\n", "benchmark", "median", "p-value", "verdict");
    size_t regressions = 0, checked = 0;
    char bad[2048] = "";
    for (size_t i = 0; i < report.n; i++) {
        const jv *e = &report.items[i];
        const char *name = jstr(e, "name"), *run_type = jstr(e, "run_type");
        if (!name || (run_type && !strcmp(run_type, "aggregate")))
            continue; /* per-benchmark rows carry the U test; their _median row the median change */
        char med_name[600];
        snprintf(med_name, sizeof med_name, "%s_median", name);
        const jv *med = find_entry(&report, med_name);
        const double change = med ? first_measurement(med, use_cpu ? "cpu" : "time") : NAN;
        const jv *ut = jget(e, "utest");
        const jv *pv = jget(ut, use_cpu ? "cpu_pvalue" : "time_pvalue");
        const double p = pv && pv->t == J_NUM ? pv->num : NAN;
        const char *verdict;
        if (isnan(change)) {
            verdict = "no median (run with --benchmark_repetitions >= 2): not gated";
        } else if (isnan(p)) {
            verdict = "no U test (too few repetitions): not gated";
        } else if (change * 100.0 > threshold && p < alpha) {
            verdict = "REGRESSION";
            if (regressions++ < 8) {
                const size_t l = strlen(bad);
                snprintf(bad + l, sizeof bad - l, "%s%s", l ? ", " : "", name);
            }
        } else if (change * 100.0 > threshold) {
            verdict = "slower, but not significant";
        } else {
            verdict = change < 0 && p < alpha ? "faster" : "ok";
        }
        checked++;
        printf("%-50s %+9.2f%% %10.4f  %s\n", name, change * 100.0, p, verdict);
    }
    if (checked == 0) {
        sg_cli_error(CMD, "no benchmark appears in both %s and %s", baseline, contender);
        goto out;
    }
    if (regressions) {
        printf("ci-check time: %zu REGRESSION(S): %s%s\n", regressions, bad, regressions > 8 ? ", ..." : "");
        rc = SG_EXIT_FAIL;
    } else {
        printf("ci-check time: %zu benchmarks, no significant regression\n", checked);
        rc = SG_EXIT_OK;
    }
out:
    jv_free(&report);
    jv_free(&check);
    remove_tree(dir);
    return rc;
}

/* ------------------------------------------------------------------------------------------------ */

static int check_range(const char *flag, double v, double lo, double hi, bool whole)
{
    if (!(v >= lo && v <= hi) || (whole && v != floor(v)))
        return sg_cli_error(CMD, "%s wants a %s in [%g, %g], got %g", flag, whole ? "whole number" : "number",
                            lo, hi, v),
               -1;
    return 0;
}

int sg_cmd_ci_check(int argc, char **argv)
{
    const char *mode = "icount", *baseline = NULL, *driver = NULL, *bench = NULL, *contender = NULL,
               *filter = NULL, *compare = NULL, *metric = "real";
    double threshold = -1, alpha = 0.05, reps = 3, repetitions = 10;
    bool update = false;
    sg_arg args[] = {
        {"--mode", SG_ARG_STRING, &mode, "icount|time  instruction counts (default) or wall clock", false},
        {"--baseline", SG_ARG_STRING, &baseline,
         "FILE  baseline to compare against / to write (default for icount: "
         "results/baseline/icount-<compiler>-<version>.json; time: required)",
         false},
        {"--threshold", SG_ARG_DOUBLE, &threshold, "PCT  allowed growth (default 2 for icount, 5 for time)",
         false},
        {"--update-baseline", SG_ARG_FLAG, &update, "measure and atomically replace the baseline", false},
        {"--reps", SG_ARG_DOUBLE, &reps, "N  icount: calls per case (default 3; counts are per call)", false},
        {"--driver", SG_ARG_STRING, &driver,
         "PATH  icount: simdgrad-icount (default: beside simdgrad or ../perf)", false},
        {"--contender", SG_ARG_STRING, &contender, "FILE  time: compare this saved run instead of running",
         false},
        {"--bench", SG_ARG_STRING, &bench,
         "PATH  time: simdgrad-bench (default: beside simdgrad or ../bench)", false},
        {"--filter", SG_ARG_STRING, &filter, "REGEX  time: --benchmark_filter for the run", false},
        {"--repetitions", SG_ARG_DOUBLE, &repetitions, "N  time: repetitions per benchmark (default 10)",
         false},
        {"--alpha", SG_ARG_DOUBLE, &alpha, "P  time: U-test significance level (default 0.05)", false},
        {"--metric", SG_ARG_STRING, &metric, "real|cpu  time: gate on real (default) or CPU time", false},
        {"--compare-py", SG_ARG_STRING, &compare,
         "PATH  time: Google Benchmark's compare.py (default /usr/share/benchmark/compare.py)", false},
    };
    const int pr =
        sg_args_parse(CMD, argc, argv, args, sizeof args / sizeof args[0],
                      "Performance-regression gate: instruction counts under callgrind (scalar, auto_avx2,\n"
                      "avx2; valgrind hides AVX-512) or wall clock with compare.py's U test.\n"
                      "Exit: 0 no regression, 1 regression, 2 cannot compare (usage, tools, baseline).");
    if (pr == SG_ARGS_HELP)
        return SG_EXIT_OK;
    if (pr != SG_ARGS_OK)
        return SG_EXIT_USAGE;
    if (args[2].seen && check_range("--threshold", threshold, 0, 1e6, false))
        return SG_EXIT_USAGE;
    if (check_range("--alpha", alpha, 1e-12, 1, false) || check_range("--reps", reps, 1, 1000, true) ||
        check_range("--repetitions", repetitions, 1, 10000, true))
        return SG_EXIT_USAGE;
    if (!strcmp(mode, "icount")) {
        if (contender || bench || filter || compare || strcmp(metric, "real"))
            return sg_cli_error(CMD,
                                "--contender/--bench/--filter/--compare-py/--metric are for --mode time");
        if (sg_cli_validate_only)
            return SG_EXIT_OK;
        return icount_mode(baseline, threshold < 0 ? 2.0 : threshold, update, driver, (unsigned)reps);
    }
    if (!strcmp(mode, "time")) {
        if (driver)
            return sg_cli_error(CMD, "--driver is for --mode icount");
        if (strcmp(metric, "real") && strcmp(metric, "cpu"))
            return sg_cli_error(CMD, "--metric must be real or cpu, got '%s'", metric);
        if (sg_cli_validate_only)
            return SG_EXIT_OK;
        return time_mode(baseline, threshold < 0 ? 5.0 : threshold, alpha, update, bench, contender, filter,
                         (unsigned)repetitions, compare, !strcmp(metric, "cpu"));
    }
    return sg_cli_error(CMD, "--mode must be icount or time, got '%s'", mode);
}
