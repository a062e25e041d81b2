/* ci-check's minimal JSON reader (objects, arrays, strings, numbers incl. NaN/Infinity as Python writes
 * them, true/false/null): enough for our baseline files, Google Benchmark output and compare.py's dump.
 * Errors are reported as "simdgrad ci-check: ..."; running out of memory exits with SG_EXIT_USAGE. */
#ifndef SG_CLI_JSON_H
#define SG_CLI_JSON_H

#include <stddef.h>

typedef enum { J_NULL, J_BOOL, J_NUM, J_STR, J_ARR, J_OBJ } jtype;
typedef struct jv {
    jtype t;
    double num;
    char *str;
    struct jv *items; /* array elements / object values */
    char **keys;      /* object keys */
    size_t n;
} jv;

/* realloc that never returns NULL: prints "out of memory" and exits instead. */
void *sg_xrealloc(void *p, size_t n);

/* The whole file in a malloc'ed buffer (free() it) of *len bytes; NULL with errno set on failure. */
char *sg_slurp(const char *path, size_t *len);

/* Reads and parses path into *out (release with sg_json_free); on failure prints
   "cannot read <what> <path>" or "<what> <path> is not valid JSON" and returns -1. */
int sg_json_load(const char *path, const char *what, jv *out);
void sg_json_free(jv *v);

/* The member key of object o (NULL when o is not an object or has no such key). */
const jv *sg_json_get(const jv *o, const char *key);
/* The member key of object o when it is a string, else NULL. */
const char *sg_json_str(const jv *o, const char *key);

#endif
