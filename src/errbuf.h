/* The error convention of the internal units (npy, atomic_file): a reason into the caller's
 * err[err_len] and -1. */
#ifndef SG_ERRBUF_H
#define SG_ERRBUF_H
#include <stdio.h>

#define SG_FAIL(...)                                                                                         \
    do {                                                                                                     \
        snprintf(err, err_len, __VA_ARGS__);                                                                 \
        return -1;                                                                                           \
    } while (0)
#endif
