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

/* Removes dir and the files directly in it (no recursion: our temp dirs are flat). */
void sg_remove_tree(const char *dir);

#endif
