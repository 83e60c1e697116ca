/* term.h: the terminal. The only module that calls newterm/endwin, installs signal handlers
 * and switches between a real terminal and a headless one (tests, benchmarks).
 *
 * The terminal is process-wide state (ncurses is global). term_restore() is idempotent and
 * safe to call from the fatal path: it is registered with sk_die_hook_add(), run from the
 * crash-signal handler (which then re-raises) and at normal exit. */
#ifndef SKVM_UI_TERM_H
#define SKVM_UI_TERM_H

#include <stdbool.h>

#include "core/util.h"

typedef struct TermOptions {
    bool headless;  /* newterm on /dev/null with a fixed size, no keyboard */
    int cols, rows; /* headless size (default 80x24) */
    bool mouse;     /* enable mouse reporting (real terminals) */
} TermOptions;

/* Start curses. Real mode needs a terminal on stdin/stdout; stderr is redirected to a log
 * file while curses is active and replayed by term_restore(). */
SkStatus term_init(const TermOptions *o, SkError *err);
/* Leave curses and restore the terminal (idempotent). */
void term_restore(void);
bool term_active(void);
bool term_headless(void);
/* The keyboard descriptor to poll, -1 when headless. */
int term_input_fd(void);
/* Resize the screen to COLS x ROWS (the :resize command; headless or real). */
void term_resize(int cols, int rows);
/* Pick up a real terminal's new size after SIGWINCH. Returns true when the size changed. */
bool term_check_resize(void);
/* Flags set by signal handlers, cleared when read. */
bool term_take_interrupt(void); /* SIGINT / SIGTERM / SIGHUP */
bool term_take_winch(void);
/* Descriptor that becomes readable when a signal arrived (self-pipe), for poll(). */
int term_signal_fd(void);
void term_signal_drain(void);

#endif
