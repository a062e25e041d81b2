/* Saved runs are written beside their final names and then given those names without ever
 * replacing a file: a run is evidence, so a second run in the same second (or a clock set back) must
 * not overwrite the first. The npy/CSV writers' sg_atomic_* (src/npy.h) rename over the target, which
 * is what a re-run of `train` wants but not this, hence these few local helpers. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "sgb.h"

int sgb_tmp_create(const char *path, char *tmp, size_t tmp_len, char *err, size_t err_len)
{
    if (snprintf(tmp, tmp_len, "%s.tmp.XXXXXX", path) >= (int)tmp_len) {
        snprintf(err, err_len, "%s: path too long", path);
        return -1;
    }
    const int fd = mkstemp(tmp);
    if (fd < 0) {
        snprintf(err, err_len, "%s: cannot create: %s", tmp, strerror(errno));
        return -1;
    }
    /* mkstemp creates 0600; a saved run should be as readable as any other file. */
    (void)fchmod(fd, 0644);
    return fd;
}

int sgb_sync_path(const char *path)
{
    const int fd = open(path, O_RDONLY);
    if (fd < 0)
        return -1;
    const int rc = fsync(fd);
    close(fd);
    return rc;
}

int sgb_publish(const char *const *tmps, const char *const *finals, int count, char *err, size_t err_len)
{
    /* link(2) fails with EEXIST instead of replacing: that is the no-clobber. All names are linked
       before any temporary goes, so a clash on a later name can be undone without losing data. */
    for (int i = 0; i < count; i++)
        if (link(tmps[i], finals[i]) != 0) {
            const int e = errno;
            for (int j = 0; j < i; j++)
                unlink(finals[j]);
            if (e != EEXIST)
                snprintf(err, err_len, "cannot save %s: %s", finals[i], strerror(e));
            return e == EEXIST ? 1 : -1;
        }
    for (int i = 0; i < count; i++)
        unlink(tmps[i]);
    /* The new names are durable once the directory is. */
    char dir[4096];
    snprintf(dir, sizeof dir, "%s", finals[0]);
    sgb_sync_path(dirname(dir));
    return 0;
}
