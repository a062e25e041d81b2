/* Child processes and files for ci-check: running a tool with its output redirected, finding the
 * helper programs beside simdgrad, and cleaning up temporary directories. */
#ifndef SG_CLI_PROC_H
#define SG_CLI_PROC_H

/* Runs argv, stdout/stderr redirected to files when given (NULL: inherit). Returns the exit status,
   127 when it could not be started, 128+signal when killed. */
int sg_proc_run(char *const argv[], const char *out_path, const char *err_path);

int sg_file_exists(const char *path); /* a regular file */
int sg_dir_exists(const char *path);

/* Directory of the running executable (build/src for the build tree); a static buffer. */
const char *sg_exe_dir(void);

/* A helper program: explicit path, else $env, else next to simdgrad, else <builddir>/<subdir>/.
   NULL when none of these exists; otherwise possibly a static buffer. */
const char *sg_find_helper(const char *explicit_path, const char *env, const char *name, const char *subdir);

/* Replaces this process with lead[0] run as lead[0..n_lead) followed by argv[1..argc) (argv[0] is
   the subcommand's own name): how `simdgrad bench`, `report` and `model` hand over to their helper
   program. Returns only on failure, with the one-line error of `cmd` (exit code 2). */
int sg_exec_helper(const char *cmd, const char *const *lead, int n_lead, int argc, char **argv);

/* Removes dir and the files directly in it (no recursion: our temp dirs are flat). */
void sg_remove_tree(const char *dir);

/* True when name is an executable file: a path as given, or a bare name found on $PATH (what
   execvp would run), so a missing tool is reported before anything runs. */
int sg_can_exec(const char *name);

/* realloc/strdup that never return NULL: they print "simdgrad: out of memory" and exit 2. */
void *sg_xrealloc(void *p, size_t n);
char *sg_xstrdup(const char *s);

/* The whole file in a malloc'ed, NUL-terminated buffer (free() it) of *len bytes; NULL with errno
   set on failure. */
char *sg_slurp(const char *path, size_t *len);

/* The last non-empty line of text[0..len) copied into buf (a tool's log usually ends with the reason
   it failed); "" when there is none. */
const char *sg_last_line(const char *text, size_t len, char *buf, size_t buf_len);

#endif
