/* src/atomic_file.{c,h}: outputs replaced atomically (one file, or a directory as one set), existing
 * targets that are not regular files refused and left untouched, path identities, the stale-temporary
 * sweep and the cut of long echoed values (issue 13, items 3, 4, 5, 18, 20, 21). */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include <utime.h>

#include "atomic_file.h"
#include "sgtest.h"

static char root[256];

static const char *at(const char *name)
{
    static char buf[4][512];
    static int i;
    i = (i + 1) % 4;
    snprintf(buf[i], sizeof buf[i], "%s/%s", root, name);
    return buf[i];
}

static void put(const char *path, const char *text)
{
    FILE *f = fopen(path, "w");
    SGT_CHECK(f != NULL, "create %s", path);
    if (f) {
        fputs(text, f);
        fclose(f);
    }
}

static bool holds(const char *path, const char *text)
{
    char buf[256] = "";
    FILE *f = fopen(path, "r");
    if (!f)
        return false;
    const size_t n = fread(buf, 1, sizeof buf - 1, f);
    buf[n] = '\0';
    fclose(f);
    return !strcmp(buf, text);
}

static int entries(const char *dir)
{
    DIR *d = opendir(dir);
    int n = 0;
    for (struct dirent *e; d && (e = readdir(d));)
        n += strcmp(e->d_name, ".") && strcmp(e->d_name, "..");
    if (d)
        closedir(d);
    return n;
}

static void test_shown(void)
{
    char big[5001], buf[SG_SHOWN_MAX + 4];
    memset(big, 'a', 5000);
    big[5000] = '\0';
    const char *s = sg_shown(big, buf);
    SGT_CHECK(strlen(s) == SG_SHOWN_MAX + 3 && !strcmp(s + SG_SHOWN_MAX, "..."),
              "5000 chars cut to 200 + ...");
    SGT_CHECK(!strcmp(sg_shown("short", buf), "short"), "short value unchanged");
}

static void test_one_file(void)
{
    char err[512];
    sg_atomic_file f;
    put(at("out.csv"), "old");
    SGT_CHECK(sg_atomic_open(&f, at("out.csv"), err, sizeof err) == 0, "open: %s", err);
    char want[64];
    snprintf(want, sizeof want, "out.csv.tmp.%ld.", (long)getpid());
    SGT_CHECK(strstr(f.tmp, want) != NULL, "temporary named <target>.tmp.<pid>.XXXXXX: %s", f.tmp);
    fputs("new", f.fp);
    SGT_CHECK(holds(at("out.csv"), "old"), "the target is untouched until the commit");
    SGT_CHECK(sg_atomic_commit(&f, err, sizeof err) == 0 && holds(at("out.csv"), "new"), "commit: %s", err);
    SGT_CHECK(sg_atomic_open(&f, at("out.csv"), err, sizeof err) == 0, "reopen: %s", err);
    fputs("aborted", f.fp);
    sg_atomic_abort(&f);
    SGT_CHECK(holds(at("out.csv"), "new") && entries(root) == 1, "abort leaves the old file alone");

    /* Existing targets that are not regular files: refused, and still what they were. */
    mkfifo(at("fifo"), 0644);
    symlink("out.csv", at("link"));
    symlink("missing", at("dangling"));
    mkdir(at("dir"), 0755);
    const struct {
        const char *name, *kind;
    } refused[] = {{"fifo", "a FIFO"},
                   {"link", "a symbolic link"},
                   {"dangling", "a symbolic link"},
                   {"dir", "a directory"}};
    for (size_t i = 0; i < sizeof refused / sizeof refused[0]; i++) {
        const int rc = sg_atomic_open(&f, at(refused[i].name), err, sizeof err);
        SGT_CHECK(rc == -1 && strstr(err, refused[i].kind) && strstr(err, "exists and is"), "%s refused: %s",
                  refused[i].name, err);
    }
    struct stat st;
    SGT_CHECK(lstat(at("fifo"), &st) == 0 && S_ISFIFO(st.st_mode), "the FIFO is still a FIFO");
    SGT_CHECK(lstat(at("link"), &st) == 0 && S_ISLNK(st.st_mode), "the symlink is still a symlink");
    SGT_CHECK(sg_atomic_open(&f, "/dev/null", err, sizeof err) == -1 && strstr(err, "a character device"),
              "/dev/null refused: %s", err);
    SGT_CHECK(sg_atomic_open(&f, at("no/such/x.csv"), err, sizeof err) == -1 &&
                  strstr(err, "cannot create: No such file or directory"),
              "missing directory: %s", err);
    unlink(at("fifo"));
    unlink(at("link"));
    unlink(at("dangling"));
    rmdir(at("dir"));
    unlink(at("out.csv"));
}

static void test_identity(void)
{
    sg_path_id a, b, d;
    put(at("in.npy"), "x");
    link(at("in.npy"), at("hard.npy"));
    mkdir(at("set"), 0755);
    sg_path_identify(at("in.npy"), &a);
    sg_path_identify(at("hard.npy"), &b);
    SGT_CHECK(a.exists && sg_path_same(&a, &b), "a hard link is the same file");
    sg_path_identify(at("set/../in.npy"), &b);
    SGT_CHECK(sg_path_same(&a, &b), "another spelling is the same file");
    sg_path_identify(at("new.csv"), &a);
    sg_path_identify(at("set/.././new.csv"), &b);
    SGT_CHECK(!a.exists && sg_path_same(&a, &b), "two spellings of one missing file are the same");
    sg_path_identify(at("other.csv"), &b);
    SGT_CHECK(!sg_path_same(&a, &b), "different missing files differ");
    sg_path_identify(at("set"), &d);
    sg_path_identify(at("set/loss.csv"), &a);
    SGT_CHECK(sg_path_inside(&a, &d), "set/loss.csv is inside set");
    sg_path_identify(at("in.npy"), &a);
    SGT_CHECK(!sg_path_inside(&a, &d), "in.npy is not inside set");
    unlink(at("in.npy"));
    unlink(at("hard.npy"));
    rmdir(at("set"));
}

static bool owned(const char *name) { return name[0] == 'w'; }

static void write_set(const char *dir, const char *const *names, int n, const char *text)
{
    char err[512], path[SG_PATH_MAX + 64];
    sg_atomic_dir d;
    SGT_CHECK(sg_atomic_dir_open(&d, dir, owned, err, sizeof err) == 0, "dir open: %s", err);
    for (int i = 0; i < n; i++) {
        sg_atomic_file f;
        SGT_CHECK(sg_atomic_dir_file(&d, names[i], path, sizeof path, err, sizeof err) == 0, "%s", err);
        SGT_CHECK(sg_atomic_open(&f, path, err, sizeof err) == 0, "%s", err);
        fputs(text, f.fp);
        SGT_CHECK(sg_atomic_commit(&f, err, sizeof err) == 0, "%s", err);
    }
    SGT_CHECK(access(dir, F_OK) != 0 || entries(dir) != n || !holds(at("set/wa"), text),
              "nothing visible before the directory commit");
    SGT_CHECK(sg_atomic_dir_commit(&d, err, sizeof err) == 0, "dir commit: %s", err);
}

static void test_dir_set(void)
{
    char err[512];
    const char *first[] = {"wa", "wb", "wc"}, *second[] = {"wa"};
    write_set(at("set"), first, 3, "one");
    SGT_CHECK(entries(at("set")) == 3 && holds(at("set/wc"), "one"), "a missing directory is created");
    write_set(at("set"), second, 1, "two");
    SGT_CHECK(entries(at("set")) == 1 && holds(at("set/wa"), "two"), "the set is replaced as a whole");
    SGT_CHECK(entries(root) == 1, "no temporary directory left beside the set");

    sg_atomic_dir d;
    SGT_CHECK(sg_atomic_dir_open(&d, at("set"), owned, err, sizeof err) == 0, "%s", err);
    sg_atomic_dir_abort(&d);
    SGT_CHECK(entries(root) == 1 && holds(at("set/wa"), "two"),
              "abort keeps the old set, removes the temporary");

    put(at("set/notes.txt"), "mine");
    SGT_CHECK(sg_atomic_dir_open(&d, at("set"), owned, err, sizeof err) == -1 &&
                  strstr(err, "holds 'notes.txt'"),
              "a directory with foreign files is refused: %s", err);
    SGT_CHECK(sg_atomic_dir_open(&d, at("set/notes.txt"), owned, err, sizeof err) == -1 &&
                  strstr(err, "exists and is a regular file"),
              "a file is not a directory: %s", err);
    SGT_CHECK(sg_atomic_dir_open(&d, ".", owned, err, sizeof err) == -1 && strstr(err, "name the directory"),
              "'.' is refused: %s", err);
    unlink(at("set/notes.txt"));
    unlink(at("set/wa"));
    rmdir(at("set"));
}

static void test_sweep(void)
{
    char err[512];
    const pid_t child = fork();
    if (child == 0)
        _exit(0);
    waitpid(child, NULL, 0); /* a pid that no longer exists */
    char stale[256], live[256], other[256];
    snprintf(stale, sizeof stale, "%s.tmp.%ld.abcdef", at("swept.csv"), (long)child);
    snprintf(live, sizeof live, "%s.tmp.%ld.abcdef", at("swept.csv"), (long)getppid());
    snprintf(other, sizeof other, "%s.tmp.%ld.abcdef", at("other.csv"), (long)child);
    const char *paths[] = {stale, live, other};
    const struct utimbuf old = {time(NULL) - 3600, time(NULL) - 3600};
    for (int i = 0; i < 3; i++) {
        put(paths[i], "x");
        utime(paths[i], &old);
    }
    sg_atomic_file f;
    SGT_CHECK(sg_atomic_open(&f, at("swept.csv"), err, sizeof err) == 0, "%s", err);
    sg_atomic_abort(&f);
    SGT_CHECK(access(stale, F_OK) != 0, "a dead process's old temporary of the target is swept");
    SGT_CHECK(access(live, F_OK) == 0, "a live process's temporary stays");
    SGT_CHECK(access(other, F_OK) == 0, "another target's temporary stays");
    unlink(live);
    unlink(other);
}

int main(void)
{
    snprintf(root, sizeof root, "/tmp/sg-test-atomic-XXXXXX");
    if (!mkdtemp(root)) {
        perror("mkdtemp");
        return 1;
    }
    test_shown();
    test_one_file();
    test_identity();
    test_dir_set();
    test_sweep();
    SGT_CHECK(entries(root) == 0, "everything cleaned up (%d entries left)", entries(root));
    rmdir(root);
    printf("test_atomic_file: %lu failure(s)\n", sgt_failures());
    return sgt_failures() ? 1 : 0;
}
