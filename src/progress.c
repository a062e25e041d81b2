/* See progress.h. */
#define _GNU_SOURCE
#include "progress.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <time.h>
#include <unistd.h>

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

char *sg_progress_duration(char *buf, size_t len, double seconds)
{
    if (!(seconds >= 0) || seconds > 1e8)
        seconds = 0;
    const unsigned long s = (unsigned long)(seconds + 0.5);
    if (s >= 3600)
        snprintf(buf, len, "%lu:%02lu:%02lu", s / 3600, s / 60 % 60, s % 60);
    else
        snprintf(buf, len, "%lu:%02lu", s / 60, s % 60);
    return buf;
}

char *sg_progress_format(char *buf, size_t len, const char *label, const char *stage, double done,
                         double total, double elapsed)
{
    char el[32], left[48];
    sg_progress_duration(el, sizeof el, elapsed);
    if (done > 0 && total >= done) {
        char d[32];
        snprintf(left, sizeof left, "~%s left",
                 sg_progress_duration(d, sizeof d, elapsed * (total - done) / done));
    } else {
        snprintf(left, sizeof left, "estimating");
    }
    const double pct = total > 0 ? 100.0 * (done < total ? done : total) / total : 0;
    /* The numbers first: a narrow terminal cuts the end of the line. */
    snprintf(buf, len, "%s: %.0f%%, %s elapsed, %s%s%s", label, floor(pct), el, left,
             stage && *stage ? "; " : "", stage ? stage : "");
    return buf;
}

void sg_progress_start(sg_progress *p, const char *label, bool quiet)
{
    memset(p, 0, sizeof *p);
    snprintf(p->label, sizeof p->label, "%s", label);
    p->t0 = now();
    p->delay = 1.0;
    /* The tests' knob: a pty test must not depend on how fast this machine finishes a run. */
    const char *delay = getenv("SIMDGRAD_PROGRESS_DELAY");
    if (delay && *delay) {
        char *end;
        const double d = strtod(delay, &end);
        if (*end == '\0' && d >= 0 && d <= 3600)
            p->delay = d;
    }
    if (quiet)
        return;
    const char *env = getenv("SIMDGRAD_PROGRESS_FD");
    if (env && *env) {
        char *end;
        const long fd = strtol(env, &end, 10);
        /* Only a terminal: a stale or wrong number must not make us write into some file. */
        if (*end == '\0' && fd > 2 && fd < 1024 && isatty((int)fd)) {
            const int mine = dup((int)fd);
            if (mine >= 0 && (p->out = fdopen(mine, "w")) != NULL)
                p->owned = true;
            else if (mine >= 0)
                close(mine);
        }
        return;
    }
    if (isatty(STDERR_FILENO))
        p->out = stderr;
}

/* Columns of the terminal, so the line never wraps (a wrapped line cannot be erased with "\r"). */
static size_t width(FILE *f)
{
    struct winsize ws;
    if (ioctl(fileno(f), TIOCGWINSZ, &ws) == 0 && ws.ws_col > 8)
        return ws.ws_col;
    return 80;
}

bool sg_progress_due(const sg_progress *p, bool force)
{
    if (!p->out)
        return false;
    const double t = now();
    /* Nothing in the first second (a short run stays silent), then at most 4 lines a second. */
    return !(t - p->t0 < p->delay || (!force && p->drawn && t - p->shown < 0.25));
}

void sg_progress_update(sg_progress *p, double done, double total, const char *stage, bool force)
{
    if (!sg_progress_due(p, force))
        return;
    const double t = now();
    char line[512];
    sg_progress_format(line, sizeof line, p->label, stage, done, total, t - p->t0);
    for (char *c = line; *c; c++)
        if ((unsigned char)*c < 0x20 || *c == 0x7f)
            *c = '?'; /* a name from elsewhere must not move the cursor */
    const size_t w = width(p->out) - 1;
    if (strlen(line) > w)
        line[w] = '\0';
    fprintf(p->out, "\r%s\033[K", line);
    fflush(p->out);
    p->drawn = true;
    p->shown = t;
}

void sg_progress_clear(sg_progress *p)
{
    if (!p->out || !p->drawn)
        return;
    fputs("\r\033[K", p->out);
    fflush(p->out);
    p->drawn = false;
}

void sg_progress_end(sg_progress *p)
{
    sg_progress_clear(p);
    if (p->owned)
        fclose(p->out);
    p->out = NULL;
    p->owned = false;
}
