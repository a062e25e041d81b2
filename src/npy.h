/* NumPy .npy I/O for the training task: 2-D, C order, little-endian float32/float64.
 *
 * The reader accepts format versions 1.0, 2.0 and 3.0, dtype '<f4' or '<f8' (float64 is rounded
 * to float), and checks the declared shape against the file size before allocating, so a
 * garbled header can never make it allocate more than the file holds. The writer emits
 * version 1.0 '<f4' through a temporary file in the target directory that is renamed into
 * place (atomic_file.h), so a reader never sees a half-written file.
 *
 * Inputs are opened with O_NONBLOCK and fstat'ed before anything is read, so a FIFO or device
 * is refused instead of blocking; sg_npy_open reads and checks only the header, so callers can
 * check every input's shape (and the memory they need together) before loading any data. */
#ifndef SG_NPY_H
#define SG_NPY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <sys/types.h>

#include "atomic_file.h"

/* Upper bound on elements the reader will load (256 Mi floats = 1 GiB). */
#define SG_NPY_MAX_ELEMS ((size_t)1 << 28)
/* Longest header accepted; NumPy itself writes a few hundred bytes at most. */
#define SG_NPY_MAX_HEADER 65536

typedef struct sg_npy_header {
    int major, minor;
    char descr[8];    /* "<f4" or "<f8" after validation */
    size_t item_size; /* 4 or 8 */
    size_t rows, cols;
    size_t data_offset; /* bytes from the start of the file to the first element */
} sg_npy_header;

/* Parses and validates the header at the start of buf (the first len bytes of a file).
   Returns 0, or -1 with a one-line reason in err ("not a .npy file (bad magic)", ...). */
int sg_npy_parse_header(const unsigned char *buf, size_t len, sg_npy_header *h, char *err, size_t err_len);

typedef struct sg_npy_file {
    int fd;
    sg_npy_header h;
    dev_t dev; /* of the opened file, to tell whether an output names the same file */
    ino_t ino;
    /* Set by sg_npy_load: the first '<f8' element that is finite but rounds to ±inf as a float
       (SIZE_MAX when none), and its value. */
    size_t overflow_at;
    double overflow_value;
} sg_npy_file;

/* Opens path (a regular file only), reads and validates the header, and checks the declared
   shape against the file size. 0, or -1 with a reason in err (no path prefix). */
int sg_npy_open(const char *path, sg_npy_file *f, char *err, size_t err_len);
/* Reads the data of an opened file into a malloc'ed row-major float array (free() it); the
   conversion from '<f8' goes through a fixed-size buffer, so the peak is the result alone. */
int sg_npy_load(sg_npy_file *f, float **data, char *err, size_t err_len);
void sg_npy_close(sg_npy_file *f);

/* Loads a 2-D array. On success returns 0 and a malloc'ed row-major rows×cols float array in
 *data (free() it). On failure returns -1 with a reason in err (no path prefix). */
int sg_npy_read(const char *path, float **data, size_t *rows, size_t *cols, char *err, size_t err_len);

/* Writes rows×cols floats as a version 1.0 '<f4' C-order .npy file, atomically.
   Returns 0, or -1 with a reason in err; on failure nothing is left at path or beside it. */
int sg_npy_write(const char *path, const float *data, size_t rows, size_t cols, char *err, size_t err_len);

#endif
