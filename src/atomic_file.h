/* Output files that are never seen half-written, and the checks made on output paths.
 *
 * - sg_atomic_open/commit/abort: one file, written to a temporary beside the target
 *   ("<path>.tmp.<pid>.XXXXXX"), fsync'ed and renamed over it.
 * - sg_atomic_dir_*: a set of files replaced as one directory: the files are written into a
 *   temporary directory beside the target, which is renamed into place (or exchanged with the
 *   existing directory, renameat2 RENAME_EXCHANGE), so a reader sees the old set or the new one.
 * - Existing targets that are not what they claim (a device, FIFO, socket, symbolic link, or a
 *   directory for a file) are refused, never replaced or written through.
 * - Every temporary is recorded in a fixed registry that a SIGINT/TERM/HUP/PIPE handler empties
 *   (unlink/rmdir only: async-signal-safe) before re-raising the signal; stale temporaries of the
 *   same target left by dead processes are swept when a new one is created. */
#ifndef SG_ATOMIC_FILE_H
#define SG_ATOMIC_FILE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <sys/types.h>

#define SG_PATH_MAX 4096

typedef struct sg_atomic_file {
    FILE *fp;
    char tmp[SG_PATH_MAX];
    char path[SG_PATH_MAX];
    int slot; /* cleanup registry slot of tmp, -1 when none */
} sg_atomic_file;

/* Creates the temporary beside path. Fails (one-line reason in err, naming path) when path exists
   and is not a regular file, or its directory is missing or unwritable. */
int sg_atomic_open(sg_atomic_file *f, const char *path, char *err, size_t err_len);
/* Flushes, fsyncs, closes and renames the temporary over path. */
int sg_atomic_commit(sg_atomic_file *f, char *err, size_t err_len);
/* Closes and removes the temporary (no-op when f was not opened or is already committed). */
void sg_atomic_abort(sg_atomic_file *f);

typedef struct sg_atomic_dir {
    char tmp[SG_PATH_MAX];
    char path[SG_PATH_MAX];
    int slot;
    int file_slots[64]; /* files committed into tmp, so a signal can empty it before rmdir */
    int n_files;
} sg_atomic_dir;

/* Validates the target directory path and creates "<path>.tmp.<pid>.XXXXXX" beside it. path may
   be missing (it is created at commit) or an existing directory (not a symbolic link) whose every
   entry satisfies owned(name) — a directory holding anything else is refused, so that replacing
   it cannot delete files this program did not write. */
int sg_atomic_dir_open(sg_atomic_dir *d, const char *path, bool (*owned)(const char *name), char *err,
                       size_t err_len);
/* Full path of name inside the temporary directory in out, registered for signal cleanup: write
   it with sg_atomic_* or sg_npy_write. -1 (reason in err) when it does not fit or the registry is
   full. */
int sg_atomic_dir_file(sg_atomic_dir *d, const char *name, char *out, size_t out_len, char *err,
                       size_t err_len);
/* Renames the temporary directory into place (replacing the old set) and removes the old set. */
int sg_atomic_dir_commit(sg_atomic_dir *d, char *err, size_t err_len);
void sg_atomic_dir_abort(sg_atomic_dir *d);

/* Installs the SIGINT/SIGTERM/SIGHUP/SIGPIPE cleanup handler (idempotent; sg_atomic_open and
   sg_atomic_dir_open call it). Only handlers still at SIG_DFL are replaced. */
void sg_atomic_install_signal_cleanup(void);

/* Identity of an output or input path: an existing object is (st_dev, st_ino); a missing one is
   its parent directory's identity plus its last component, so two spellings of one future file
   compare equal too. */
typedef struct sg_path_id {
    bool exists, valid;
    dev_t dev, parent_dev;
    ino_t ino, parent_ino;
    char base[256];
} sg_path_id;

/* Fills id from path (lstat; the parent with stat). id->valid is false when neither resolves. */
void sg_path_identify(const char *path, sg_path_id *id);
bool sg_path_same(const sg_path_id *a, const sg_path_id *b);
/* True when the existing object (or the future one) a lives directly inside directory dir. */
bool sg_path_inside(const sg_path_id *a, const sg_path_id *dir);

/* s for an error message: at most SG_SHOWN_MAX characters, then "..." when cut, so a very long
   argument cannot push the reason out of the message. buf needs SG_SHOWN_MAX + 4 bytes. */
#define SG_SHOWN_MAX 200
const char *sg_shown(const char *s, char *buf);

#endif
