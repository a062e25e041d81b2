/* Fuzz target for the .npy reader: header dictionary parsing, shapes, dtypes, truncated data and
 * huge declared sizes. The input is served as a real file (memfd) so sg_npy_read's size checks run
 * exactly as for a user's file; whatever it accepts must survive a write/read round trip. */
#define _GNU_SOURCE
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "npy.h"

static char roundtrip_path[64];

static void check_roundtrip(const float *data, size_t rows, size_t cols)
{
    char err[256];
    if (!roundtrip_path[0])
        snprintf(roundtrip_path, sizeof roundtrip_path, "/tmp/simdgrad-fuzz-npy-%ld.npy", (long)getpid());
    if (sg_npy_write(roundtrip_path, data, rows, cols, err, sizeof err) != 0) {
        fprintf(stderr, "write of an accepted array failed: %s\n", err);
        abort();
    }
    float *again;
    size_t r2, c2;
    if (sg_npy_read(roundtrip_path, &again, &r2, &c2, err, sizeof err) != 0) {
        fprintf(stderr, "re-read of a written array failed: %s\n", err);
        abort();
    }
    if (r2 != rows || c2 != cols || memcmp(again, data, rows * cols * sizeof(float)) != 0) {
        fprintf(stderr, "round trip changed the array (%zux%zu -> %zux%zu)\n", rows, cols, r2, c2);
        abort();
    }
    free(again);
    unlink(roundtrip_path);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char err[256];
    sg_npy_header h;
    if (sg_npy_parse_header(data, size, &h, err, sizeof err) == 0) {
        /* What the parser promises about an accepted header. */
        if ((h.item_size != 4 && h.item_size != 8) || h.data_offset > size ||
            (h.rows && h.cols > SG_NPY_MAX_ELEMS / h.rows)) {
            fprintf(stderr, "accepted header breaks an invariant: item %zu offset %zu shape %zux%zu\n",
                    h.item_size, h.data_offset, h.rows, h.cols);
            abort();
        }
    } else if (!err[0] || strchr(err, '\n')) {
        fprintf(stderr, "rejection without a one-line reason: '%s'\n", err);
        abort();
    }

    const int fd = memfd_create("fuzz.npy", 0);
    if (fd < 0 || (size && write(fd, data, size) != (ssize_t)size))
        abort();
    char path[64];
    snprintf(path, sizeof path, "/proc/self/fd/%d", fd);
    float *arr = NULL;
    size_t rows = 0, cols = 0;
    const int rc = sg_npy_read(path, &arr, &rows, &cols, err, sizeof err);
    close(fd);
    if (rc == 0) {
        check_roundtrip(arr, rows, cols);
        free(arr);
    } else if (arr) {
        fprintf(stderr, "failed read left an array behind\n");
        abort();
    }
    return 0;
}
