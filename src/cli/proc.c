/* See proc.h. */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cli/cli.h"
#include "cli/proc.h"

int sg_proc_run(char *const argv[], const char *out_path, const char *err_path)
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

int sg_file_exists(const char *path)
{
    struct stat st;
    return stat(path, &st) == 0 && S_ISREG(st.st_mode);
}

int sg_dir_exists(const char *path)
{
    struct stat st;
    return stat(path, &st) == 0 && S_ISDIR(st.st_mode);
}

/* Directory of the running executable (build/src for the build tree). */
const char *sg_exe_dir(void)
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
const char *sg_find_helper(const char *explicit_path, const char *env, const char *name, const char *subdir)
{
    static char buf[PATH_MAX + 64];
    if (explicit_path)
        return explicit_path;
    const char *e = getenv(env);
    if (e && *e)
        return e;
    snprintf(buf, sizeof buf, "%s/%s", sg_exe_dir(), name);
    if (access(buf, X_OK) == 0)
        return buf;
    snprintf(buf, sizeof buf, "%s/../%s/%s", sg_exe_dir(), subdir, name);
    if (access(buf, X_OK) == 0)
        return buf;
    return NULL;
}

void sg_remove_tree(const char *dir)
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

int sg_can_exec(const char *name)
{
    if (strchr(name, '/'))
        return sg_file_exists(name) && access(name, X_OK) == 0;
    const char *path = getenv("PATH");
    char buf[PATH_MAX];
    for (const char *p = path ? path : ""; *p;) {
        const size_t n = strcspn(p, ":");
        if (n > 0 && snprintf(buf, sizeof buf, "%.*s/%s", (int)n, p, name) < (int)sizeof buf &&
            sg_file_exists(buf) && access(buf, X_OK) == 0)
            return 1;
        p += n + (p[n] == ':');
    }
    return 0;
}

void *sg_xrealloc(void *p, size_t n)
{
    void *q = realloc(p, n ? n : 1);
    if (!q) {
        fputs("simdgrad: out of memory\n", stderr);
        exit(SG_EXIT_USAGE);
    }
    return q;
}

char *sg_xstrdup(const char *s)
{
    const size_t n = strlen(s) + 1;
    return memcpy(sg_xrealloc(NULL, n), s, n);
}

char *sg_slurp(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    size_t cap = 1 << 16, n = 0, got;
    char *buf = sg_xrealloc(NULL, cap);
    while ((got = fread(buf + n, 1, cap - n - 1, f)) > 0) {
        n += got;
        if (n + 1 == cap)
            buf = sg_xrealloc(buf, cap *= 2);
    }
    const int err = ferror(f);
    fclose(f);
    if (err) {
        free(buf);
        errno = EIO;
        return NULL;
    }
    buf[n] = '\0';
    *len = n;
    return buf;
}

const char *sg_last_line(const char *text, size_t len, char *buf, size_t buf_len)
{
    size_t end = len;
    while (end > 0 && (text[end - 1] == '\n' || text[end - 1] == '\r' || text[end - 1] == ' '))
        end--;
    size_t start = end;
    while (start > 0 && text[start - 1] != '\n')
        start--;
    snprintf(buf, buf_len, "%.*s", (int)(end - start), text + start);
    return buf;
}

int sg_exec_helper(const char *cmd, const char *const *lead, int n_lead, int argc, char **argv)
{
    char **args = calloc((size_t)(n_lead + argc), sizeof *args);
    if (!args)
        return sg_cli_error(cmd, "out of memory");
    int n = 0;
    for (int i = 0; i < n_lead; i++)
        args[n++] = (char *)lead[i];
    for (int i = 1; i < argc; i++)
        args[n++] = argv[i];
    fflush(NULL);
    execv(lead[0], args);
    const int e = errno;
    free(args);
    return sg_cli_error(cmd, "cannot run %s: %s", lead[0], strerror(e));
}
