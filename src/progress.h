/* One progress line on a terminal for long runs (simdgrad bench, ci-check --mode time, train, and
 * any later long command): what is running, how far, time elapsed and an estimate of the rest.
 *
 * It is drawn only when its stream is a terminal and the caller is not quiet, and it is redrawn in
 * place ("\r", erase to end of line), never scrolled, cut to the terminal's width so it cannot
 * wrap. A caller that writes anything else to the same terminal calls sg_progress_clear() first;
 * the next update draws the line again. Output that goes to a file or a pipe never sees it. */
#ifndef SG_PROGRESS_H
#define SG_PROGRESS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

typedef struct sg_progress {
    FILE *out;        /* NULL: disabled */
    bool owned;       /* out was opened here (SIMDGRAD_PROGRESS_FD) and is closed by sg_progress_end */
    bool drawn;       /* a line is on the screen now */
    double t0, shown; /* monotonic seconds: start, last draw */
    double delay;     /* seconds of silence after the start: 1, or SIMDGRAD_PROGRESS_DELAY */
    char label[48];
} sg_progress;

/* Starts the clock. The line goes to stderr, or to the descriptor named by SIMDGRAD_PROGRESS_FD (how
   a parent such as ci-check lends its terminal to a child whose stderr is a log file); it is enabled
   only when quiet is false and that stream is a terminal. label begins every line ("bench"). */
void sg_progress_start(sg_progress *p, const char *label, bool quiet);
static inline bool sg_progress_on(const sg_progress *p) { return p->out != NULL; }

/* done of total units are finished (any unit, as long as it is the same for both); stage says what
   runs now ("family 3 of 14: relu_grad"). Draws nothing in the first second after the start (short
   runs stay silent), then at most 4 times a second, unless force. */
void sg_progress_update(sg_progress *p, double done, double total, const char *stage, bool force);

/* Whether sg_progress_update would draw now (to skip preparing a line that would not be shown). */
bool sg_progress_due(const sg_progress *p, bool force);

/* Erases the line (before other output to the same terminal). */
void sg_progress_clear(sg_progress *p);
/* Erases the line for good and releases the stream. */
void sg_progress_end(sg_progress *p);

/* The text of one line, without control characters: "<label>: <stage>, <pct>%, <m:ss> elapsed, ~<m:ss>
   left". The estimate is elapsed * (total - done) / done: the pace so far, applied to what remains;
   with nothing finished yet there is none ("estimating"). Returns buf. */
char *sg_progress_format(char *buf, size_t len, const char *label, const char *stage, double done,
                         double total, double elapsed);

/* Seconds as "m:ss", or "h:mm:ss" from one hour. */
char *sg_progress_duration(char *buf, size_t len, double seconds);

#endif
