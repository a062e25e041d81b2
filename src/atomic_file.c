/* See atomic_file.h. */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "atomic_file.h"
#include "errbuf.h"

const char *sg_shown(const char *s, char *buf)
{
    const size_t n = strlen(s);
    if (n <= SG_SHOWN_MAX)
        return s;
    memcpy(buf, s, SG_SHOWN_MAX);
    memcpy(buf + SG_SHOWN_MAX, "...", 4);
    return buf;
}

/* ---- cleanup registry: fixed storage, so the signal handler needs no allocation or locking ---- */

enum { REG_FREE = 0, REG_FILE = 1, REG_DIR = 2, REG_SLOTS = 128 };
static struct {
    volatile sig_atomic_t state;
    char path[SG_PATH_MAX];
} reg[REG_SLOTS];
static time_t process_start;

static void cleanup_handler(int sig)
{
    const int saved = errno;
    /* Files first, then directories: a temporary directory can only be removed once it is empty,
       and slot order says nothing about which was registered first. */
    for (int i = 0; i < REG_SLOTS; i++)
        if (reg[i].state == REG_FILE)
            unlink(reg[i].path);
    for (int i = 0; i < REG_SLOTS; i++)
        if (reg[i].state == REG_DIR)
            rmdir(reg[i].path);
    errno = saved;
    /* SA_RESETHAND restored the default action and SA_NODEFER left sig unblocked, so this ends
       the process with the signal's own status, as if there had been no handler. */
    raise(sig);
}

void sg_atomic_install_signal_cleanup(void)
{
    static bool done;
    if (done)
        return;
    done = true;
    process_start = time(NULL);
    /* SIGPIPE too: `train --save-weights d | head -1` dies writing its report, before the commit. */
    static const int sigs[] = {SIGINT, SIGTERM, SIGHUP, SIGPIPE};
    for (size_t i = 0; i < sizeof sigs / sizeof sigs[0]; i++) {
        struct sigaction old, sa;
        /* A signal the caller ignores (nohup) or handles stays theirs. */
        if (sigaction(sigs[i], NULL, &old) != 0 || old.sa_handler != SIG_DFL)
            continue;
        memset(&sa, 0, sizeof sa);
        sa.sa_handler = cleanup_handler;
        sigemptyset(&sa.sa_mask);
        sa.sa_flags = SA_RESETHAND | SA_NODEFER;
        sigaction(sigs[i], &sa, NULL);
    }
}

static void block_signals(sigset_t *old)
{
    sigset_t s;
    sigemptyset(&s);
    sigaddset(&s, SIGINT);
    sigaddset(&s, SIGTERM);
    sigaddset(&s, SIGHUP);
    sigaddset(&s, SIGPIPE);
    sigprocmask(SIG_BLOCK, &s, old);
}

static int reg_add(const char *path, int kind)
{
    for (int i = 0; i < REG_SLOTS; i++)
        if (reg[i].state == REG_FREE) {
            snprintf(reg[i].path, sizeof reg[i].path, "%s", path);
            /* The path must be complete before the handler can see the slot in use. */
            atomic_signal_fence(memory_order_seq_cst);
            reg[i].state = kind;
            return i;
        }
    return -1;
}

static void reg_remove(int slot)
{
    if (slot >= 0)
        reg[slot].state = REG_FREE;
}

/* ---- paths ---- */

/* Splits path into its directory (".", "/" or the part before the last '/') and last component,
   ignoring trailing slashes. -1 when a part does not fit. */
static int split_path(const char *path, char *dir, size_t dir_len, char *base, size_t base_len)
{
    size_t n = strlen(path);
    while (n > 1 && path[n - 1] == '/')
        n--;
    size_t b = n;
    while (b > 0 && path[b - 1] != '/')
        b--;
    if (n - b + 1 > base_len)
        return -1;
    memcpy(base, path + b, n - b);
    base[n - b] = '\0';
    size_t d = b;
    while (d > 1 && path[d - 1] == '/')
        d--;
    const int w = b == 0 ? snprintf(dir, dir_len, ".") : snprintf(dir, dir_len, "%.*s", (int)d, path);
    return w < 0 || (size_t)w >= dir_len ? -1 : 0;
}

static const char *kind_of(mode_t m)
{
    return S_ISREG(m)    ? "a regular file"
           : S_ISDIR(m)  ? "a directory"
           : S_ISLNK(m)  ? "a symbolic link"
           : S_ISCHR(m)  ? "a character device"
           : S_ISBLK(m)  ? "a block device"
           : S_ISFIFO(m) ? "a FIFO"
           : S_ISSOCK(m) ? "a socket"
                         : "not a regular file";
}

void sg_path_identify(const char *path, sg_path_id *id)
{
    memset(id, 0, sizeof *id);
    char dir[SG_PATH_MAX];
    struct stat st;
    if (split_path(path, dir, sizeof dir, id->base, sizeof id->base) != 0)
        return;
    if (stat(dir, &st) == 0) {
        id->parent_dev = st.st_dev;
        id->parent_ino = st.st_ino;
        id->valid = true;
    }
    if (lstat(path, &st) == 0) {
        id->exists = id->valid = true;
        id->dev = st.st_dev;
        id->ino = st.st_ino;
    }
}

bool sg_path_same(const sg_path_id *a, const sg_path_id *b)
{
    if (!a->valid || !b->valid || a->exists != b->exists)
        return false;
    if (a->exists)
        return a->dev == b->dev && a->ino == b->ino;
    return a->parent_dev == b->parent_dev && a->parent_ino == b->parent_ino && !strcmp(a->base, b->base);
}

bool sg_path_inside(const sg_path_id *a, const sg_path_id *dir)
{
    return a->valid && dir->exists && a->parent_dev == dir->dev && a->parent_ino == dir->ino;
}

/* ---- stale temporaries ---- */

/* name is "<base>.tmp.<pid>.<6 chars>"; returns the pid, or 0 when it is not such a name. */
static long temp_pid(const char *name, const char *base)
{
    const size_t bl = strlen(base);
    if (strncmp(name, base, bl) != 0 || strncmp(name + bl, ".tmp.", 5) != 0)
        return 0;
    const char *p = name + bl + 5;
    long pid = 0;
    if (*p < '1' || *p > '9')
        return 0;
    while (*p >= '0' && *p <= '9' && pid < 100000000)
        pid = pid * 10 + (*p++ - '0');
    if (*p != '.' || strlen(p + 1) != 6)
        return 0;
    return pid;
}

/* Removes the regular files inside directory fd (a temporary directory of ours), then closes it. */
static void empty_dir(int fd)
{
    DIR *d = fdopendir(fd);
    if (!d) {
        close(fd);
        return;
    }
    struct dirent *e;
    while ((e = readdir(d)))
        if (strcmp(e->d_name, ".") && strcmp(e->d_name, ".."))
            unlinkat(fd, e->d_name, 0);
    closedir(d);
}

/* Temporaries of this target left by a process that no longer exists and that are older than this
   process (so a reused pid cannot make a live writer's file look stale) are removed. */
static void sweep_stale(const char *path)
{
    /* Once per target and process is enough (a loop writing one path, like the npy fuzz target,
       must not rescan its directory every time). */
    static char last[SG_PATH_MAX];
    if (!strcmp(last, path))
        return;
    snprintf(last, sizeof last, "%s", path);
    char dir[SG_PATH_MAX], base[256];
    if (split_path(path, dir, sizeof dir, base, sizeof base) != 0 || !*base)
        return;
    const int dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (dfd < 0)
        return;
    DIR *d = fdopendir(dfd);
    if (!d) {
        close(dfd);
        return;
    }
    struct dirent *e;
    while ((e = readdir(d))) {
        const long pid = temp_pid(e->d_name, base);
        struct stat st;
        if (!pid || pid == (long)getpid() || (kill((pid_t)pid, 0) == 0 || errno != ESRCH) ||
            fstatat(dfd, e->d_name, &st, AT_SYMLINK_NOFOLLOW) != 0 || st.st_mtime >= process_start)
            continue;
        if (S_ISREG(st.st_mode)) {
            unlinkat(dfd, e->d_name, 0);
        } else if (S_ISDIR(st.st_mode)) {
            const int sub = openat(dfd, e->d_name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
            if (sub >= 0)
                empty_dir(sub);
            unlinkat(dfd, e->d_name, AT_REMOVEDIR);
        }
    }
    closedir(d);
}

/* ---- one file ---- */

int sg_atomic_open(sg_atomic_file *f, const char *path, char *err, size_t err_len)
{
    char shown[SG_SHOWN_MAX + 4];
    const char *sp = sg_shown(path, shown);
    f->fp = NULL;
    f->slot = -1;
    if (snprintf(f->path, sizeof f->path, "%s", path) >= (int)sizeof f->path ||
        snprintf(f->tmp, sizeof f->tmp, "%s.tmp.%ld.XXXXXX", path, (long)getpid()) >= (int)sizeof f->tmp)
        SG_FAIL("%s: path too long", sp);
    struct stat st;
    /* Replacing a device, FIFO or socket by a regular file (as root: /dev/full), or a symbolic link
       by a file, is never what was meant; writing through them would not be atomic either. */
    if (lstat(path, &st) == 0 && !S_ISREG(st.st_mode))
        SG_FAIL("%s: exists and is %s (only a regular file is replaced)", sp, kind_of(st.st_mode));
    sg_atomic_install_signal_cleanup();
    sweep_stale(path);
    sigset_t old;
    block_signals(&old);
    const int fd = mkostemp(f->tmp, O_CLOEXEC);
    const int e = errno;
    if (fd >= 0)
        f->slot = reg_add(f->tmp, REG_FILE);
    sigprocmask(SIG_SETMASK, &old, NULL);
    if (fd < 0)
        SG_FAIL("%s: cannot create: %s", sp, strerror(e));
    /* mkstemp creates 0600; an output file should be as readable as any other. */
    (void)fchmod(fd, 0644);
    f->fp = fdopen(fd, "wb");
    if (!f->fp) {
        const int e2 = errno;
        close(fd);
        unlink(f->tmp);
        reg_remove(f->slot);
        f->slot = -1;
        SG_FAIL("%s: cannot open: %s", sp, strerror(e2));
    }
    return 0;
}

void sg_atomic_abort(sg_atomic_file *f)
{
    if (f->fp) {
        fclose(f->fp);
        f->fp = NULL;
        unlink(f->tmp);
        reg_remove(f->slot);
        f->slot = -1;
    }
}

int sg_atomic_commit(sg_atomic_file *f, char *err, size_t err_len)
{
    char shown[SG_SHOWN_MAX + 4];
    const char *sp = sg_shown(f->path, shown);
    /* fsync before the rename: after a crash the name points at the old file or the whole new one. */
    const bool bad = fflush(f->fp) != 0 || ferror(f->fp) || fsync(fileno(f->fp)) != 0;
    const int e = errno;
    const bool close_bad = fclose(f->fp) != 0;
    f->fp = NULL;
    int rc = 0;
    if (bad || close_bad) {
        unlink(f->tmp);
        snprintf(err, err_len, "%s: write error: %s", sp, strerror(bad ? e : errno));
        rc = -1;
    } else if (rename(f->tmp, f->path) != 0) {
        const int re = errno;
        unlink(f->tmp);
        snprintf(err, err_len, "%s: cannot rename into place: %s", sp, strerror(re));
        rc = -1;
    }
    /* After the rename: a signal in between finds the temporary name gone, which is harmless. */
    reg_remove(f->slot);
    f->slot = -1;
    return rc;
}

/* ---- a set of files as one directory ---- */

static void fsync_dir(const char *dir)
{
    const int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd >= 0) {
        (void)fsync(fd);
        close(fd);
    }
}

int sg_atomic_dir_open(sg_atomic_dir *d, const char *path, bool (*owned)(const char *name), char *err,
                       size_t err_len)
{
    char shown[SG_SHOWN_MAX + 4], parent[SG_PATH_MAX], base[256];
    const char *sp = sg_shown(path, shown);
    memset(d, 0, sizeof *d);
    d->slot = -1;
    if (split_path(path, parent, sizeof parent, base, sizeof base) != 0 ||
        snprintf(d->path, sizeof d->path, "%s/%s", parent, base) >= (int)sizeof d->path ||
        snprintf(d->tmp, sizeof d->tmp, "%s.tmp.%ld.XXXXXX", d->path, (long)getpid()) >= (int)sizeof d->tmp)
        SG_FAIL("%s: path too long", sp);
    if (!*base || !strcmp(base, ".") || !strcmp(base, ".."))
        SG_FAIL("%s: name the directory itself (it is replaced as a whole), not '.', '..' or '/'", sp);
    struct stat st;
    if (lstat(d->path, &st) == 0) {
        if (!S_ISDIR(st.st_mode))
            SG_FAIL("%s: exists and is %s (need a directory, or a name to create)", sp, kind_of(st.st_mode));
        DIR *dir = opendir(d->path);
        if (!dir)
            SG_FAIL("%s: cannot read: %s", sp, strerror(errno));
        struct dirent *e;
        char foreign[256] = "";
        while ((e = readdir(dir)) && !foreign[0])
            if (strcmp(e->d_name, ".") && strcmp(e->d_name, "..") &&
                (!owned(e->d_name) || e->d_type == DT_DIR || e->d_type == DT_LNK))
                snprintf(foreign, sizeof foreign, "%s", e->d_name);
        closedir(dir);
        if (foreign[0])
            SG_FAIL("%s: holds '%s', which this program did not write; the directory is replaced as a whole, "
                    "so name a new one or one written by an earlier run",
                    sp, sg_shown(foreign, shown));
    }
    sg_atomic_install_signal_cleanup();
    sweep_stale(d->path);
    sigset_t old;
    block_signals(&old);
    const bool made = mkdtemp(d->tmp) != NULL;
    const int e = errno;
    if (made)
        d->slot = reg_add(d->tmp, REG_DIR);
    sigprocmask(SIG_SETMASK, &old, NULL);
    if (!made)
        SG_FAIL("%s: cannot create a directory beside it: %s", sp, strerror(e));
    (void)chmod(d->tmp, 0755);
    return 0;
}

int sg_atomic_dir_file(sg_atomic_dir *d, const char *name, char *out, size_t out_len, char *err,
                       size_t err_len)
{
    if (snprintf(out, out_len, "%s/%s", d->tmp, name) >= (int)out_len)
        SG_FAIL("%s: path too long", name);
    if (d->n_files >= (int)(sizeof d->file_slots / sizeof d->file_slots[0]))
        SG_FAIL("too many files in one directory set");
    const int slot = reg_add(out, REG_FILE);
    if (slot < 0)
        SG_FAIL("too many temporary files");
    d->file_slots[d->n_files++] = slot;
    return 0;
}

static void unregister_dir(sg_atomic_dir *d)
{
    for (int i = 0; i < d->n_files; i++)
        reg_remove(d->file_slots[i]);
    d->n_files = 0;
    reg_remove(d->slot);
    d->slot = -1;
}

static void remove_tree(const char *dir)
{
    const int fd = open(dir, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    if (fd >= 0)
        empty_dir(fd);
    rmdir(dir);
}

void sg_atomic_dir_abort(sg_atomic_dir *d)
{
    if (d->slot < 0)
        return;
    remove_tree(d->tmp);
    unregister_dir(d);
}

int sg_atomic_dir_commit(sg_atomic_dir *d, char *err, size_t err_len)
{
    char shown[SG_SHOWN_MAX + 4], parent[SG_PATH_MAX], base[256];
    const char *sp = sg_shown(d->path, shown);
    fsync_dir(d->tmp);
    bool exchanged = false;
    if (rename(d->tmp, d->path) != 0) {
        /* rename replaces only an empty directory; a non-empty one (an earlier set) is swapped
           atomically with the new set, which leaves the old set under the temporary name. */
        int e = errno;
        if (e == ENOTEMPTY || e == EEXIST) {
            if (renameat2(AT_FDCWD, d->tmp, AT_FDCWD, d->path, RENAME_EXCHANGE) == 0)
                exchanged = true;
            else
                e = errno;
        }
        if (!exchanged) {
            sg_atomic_dir_abort(d);
            SG_FAIL("%s: cannot rename into place: %s", sp, strerror(e));
        }
    }
    if (split_path(d->path, parent, sizeof parent, base, sizeof base) == 0)
        fsync_dir(parent);
    if (exchanged)
        remove_tree(d->tmp);
    unregister_dir(d);
    return 0;
}
