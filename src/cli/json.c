/* See json.h. */
#define _GNU_SOURCE
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/ci_check.h"
#include "cli/cli.h"
#include "cli/json.h"

#define CMD SG_CI_CMD

typedef struct {
    const char *p, *end;
    int depth;
} jparser;

void *sg_xrealloc(void *p, size_t n)
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
    char *s = sg_xrealloc(NULL, cap);
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
            s = sg_xrealloc(s, cap *= 2);
        s[len++] = c;
    }
    if (jp->p >= jp->end)
        return free(s), -1;
    jp->p++;
    s[len] = '\0';
    *out = s;
    return 0;
}

void sg_json_free(jv *v)
{
    for (size_t i = 0; i < v->n; i++) {
        sg_json_free(&v->items[i]);
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
            v->items = sg_xrealloc(v->items, (v->n + 1) * sizeof *v->items);
            if (obj) {
                v->keys = sg_xrealloc(v->keys, (v->n + 1) * sizeof *v->keys);
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
        sg_json_free(v);
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

const jv *sg_json_get(const jv *o, const char *key)
{
    if (!o || o->t != J_OBJ)
        return NULL;
    for (size_t i = 0; i < o->n; i++)
        if (!strcmp(o->keys[i], key))
            return &o->items[i];
    return NULL;
}

const char *sg_json_str(const jv *o, const char *key)
{
    const jv *v = sg_json_get(o, key);
    return v && v->t == J_STR ? v->str : NULL;
}

char *sg_slurp(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    size_t cap = 1 << 16, n = 0, got;
    char *buf = sg_xrealloc(NULL, cap);
    while ((got = fread(buf + n, 1, cap - n, f)) > 0) {
        n += got;
        if (n == cap)
            buf = sg_xrealloc(buf, cap *= 2);
    }
    const int err = ferror(f);
    fclose(f);
    if (err)
        return free(buf), NULL;
    *len = n;
    return buf;
}

/* Reads and parses path into *out; on failure prints why and returns -1. */
int sg_json_load(const char *path, const char *what, jv *out)
{
    size_t len = 0;
    char *text = sg_slurp(path, &len);
    if (!text) {
        sg_cli_error(CMD, "cannot read %s %s: %s", what, path, strerror(errno));
        return -1;
    }
    jparser jp = {text, text + len, 0};
    int rc = jvalue(&jp, out);
    if (rc == 0 && (jws(&jp), jp.p != jp.end)) {
        sg_json_free(out);
        rc = -1;
    }
    if (rc != 0)
        sg_cli_error(CMD, "%s %s is not valid JSON (near byte %zu)", what, path, (size_t)(jp.p - text));
    free(text);
    return rc;
}
