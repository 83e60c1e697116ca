/* term.c: curses set-up and tear-down, signals, headless terminals. Modelled on htop CRT.c. */
#include "ui/term.h"

#include <curses.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

static SCREEN *screen;
static FILE *screen_out, *screen_in;
static bool active, headless;
static volatile sig_atomic_t got_interrupt, got_winch;
static int sig_pipe[2] = {-1, -1};
static int saved_stderr = -1;
static char *stderr_log;
static bool hooks_done;

static void term_wake(void)
{
    if (sig_pipe[1] >= 0) {
        int saved = errno;
        ssize_t r = write(sig_pipe[1], "x", 1);
        (void)r;
        errno = saved;
    }
}

static void term_on_interrupt(int sig)
{
    (void)sig;
    got_interrupt = 1;
    term_wake();
}

static void term_on_winch(int sig)
{
    (void)sig;
    got_winch = 1;
    term_wake();
}

static void term_on_crash(int sig)
{
    term_restore();
    signal(sig, SIG_DFL);
    raise(sig);
}

static void term_redirect_stderr(void)
{
    char *dir = sk_mkdtemp("skvm-stderr-");
    if (!dir)
        return;
    stderr_log = sk_path_join(dir, "stderr.log");
    free(dir);
    int fd = open(stderr_log, O_WRONLY | O_CREAT | O_TRUNC, 0600);
    if (fd < 0)
        return;
    fflush(stderr);
    saved_stderr = dup(STDERR_FILENO);
    dup2(fd, STDERR_FILENO);
    close(fd);
}

static void term_replay_stderr(void)
{
    if (saved_stderr < 0)
        return;
    fflush(stderr);
    dup2(saved_stderr, STDERR_FILENO);
    close(saved_stderr);
    saved_stderr = -1;
    if (stderr_log) {
        char *text = NULL;
        size_t len = 0;
        if (sk_read_file(stderr_log, 1 << 20, &text, &len, NULL) == SK_OK && len)
            fwrite(text, 1, len, stderr);
        free(text);
        char *dir = sk_path_dir(stderr_log);
        sk_rm_rf(dir, NULL);
        free(dir);
        free(stderr_log);
        stderr_log = NULL;
    }
}

static void term_install_signals(void)
{
    if (sig_pipe[0] < 0 && pipe(sig_pipe) == 0) {
        for (int i = 0; i < 2; i++) {
            fcntl(sig_pipe[i], F_SETFL, fcntl(sig_pipe[i], F_GETFL) | O_NONBLOCK);
            fcntl(sig_pipe[i], F_SETFD, FD_CLOEXEC);
        }
    }
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sigemptyset(&sa.sa_mask);
    sa.sa_handler = term_on_interrupt;
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);
    sigaction(SIGHUP, &sa, NULL);
    sa.sa_handler = term_on_winch;
    sigaction(SIGWINCH, &sa, NULL);
    sa.sa_handler = term_on_crash;
    sa.sa_flags = SA_RESETHAND;
    sigaction(SIGSEGV, &sa, NULL);
    sigaction(SIGABRT, &sa, NULL);
    sigaction(SIGBUS, &sa, NULL);
    sigaction(SIGFPE, &sa, NULL);
    sigaction(SIGILL, &sa, NULL);
}

static void term_default_signals(void)
{
    int sigs[] = {SIGINT, SIGTERM, SIGHUP, SIGWINCH, SIGSEGV, SIGABRT, SIGBUS, SIGFPE, SIGILL};
    for (size_t i = 0; i < SK_ARRAY_LEN(sigs); i++)
        signal(sigs[i], SIG_DFL);
}

SkStatus term_init(const TermOptions *o, SkError *err)
{
    if (active)
        return SK_OK;
    headless = o->headless;
    const char *termname = getenv("TERM");
    if (!termname || !*termname || !strcmp(termname, "dumb"))
        termname = headless ? "xterm-256color" : NULL;
    if (headless) {
        int cols = o->cols > 0 ? o->cols : 80, rows = o->rows > 0 ? o->rows : 24;
        char num[16];
        snprintf(num, sizeof num, "%d", cols);
        setenv("COLUMNS", num, 1);
        snprintf(num, sizeof num, "%d", rows);
        setenv("LINES", num, 1);
        screen_out = fopen("/dev/null", "w");
        screen_in = fopen("/dev/null", "r");
        if (!screen_out || !screen_in)
            return sk_error_set(err, SK_ERR_IO, "cannot open /dev/null for a headless screen");
        screen = newterm(termname, screen_out, screen_in);
        if (!screen)
            screen = newterm("xterm", screen_out, screen_in);
        if (!screen)
            return sk_error_set(err, SK_ERR_UNSUPPORTED, "no terminal description for '%s'",
                                termname ? termname : "?");
        resizeterm(rows, cols);
    } else {
        if (!isatty(STDIN_FILENO) || !isatty(STDOUT_FILENO))
            return sk_error_set(err, SK_ERR_UNSUPPORTED,
                                "the workbench needs a terminal (use the headless commands, "
                                "or SKVM_HEADLESS=1 with --script)");
        if (!termname)
            return sk_error_set(
                err, SK_ERR_UNSUPPORTED,
                "TERM is not set or is 'dumb'; the workbench needs a real terminal");
        screen = newterm(NULL, stdout, stdin);
        if (!screen)
            return sk_error_set(err, SK_ERR_UNSUPPORTED, "cannot start curses for TERM=%s",
                                getenv("TERM"));
        term_redirect_stderr();
    }
    set_term(screen);
    active = true;
    if (!hooks_done) {
        sk_die_hook_add(term_restore);
        atexit(term_restore);
        hooks_done = true;
    }
    term_install_signals();
    cbreak();
    noecho();
    nonl();
    curs_set(0);
    keypad(stdscr, TRUE);
    nodelay(stdscr, TRUE); /* the poll loop waits; reads never block */
    set_escdelay(25);
    if (!headless && o->mouse) {
        mousemask(BUTTON1_CLICKED | BUTTON1_PRESSED | BUTTON4_PRESSED | BUTTON5_PRESSED, NULL);
        mouseinterval(0);
    }
    return SK_OK;
}

void term_restore(void)
{
    if (!active)
        return;
    active = false;
    if (!headless) {
        curs_set(1);
        mousemask(0, NULL);
    }
    endwin();
    if (screen) {
        delscreen(screen);
        screen = NULL;
    }
    if (screen_out) {
        fclose(screen_out);
        screen_out = NULL;
    }
    if (screen_in) {
        fclose(screen_in);
        screen_in = NULL;
    }
    term_default_signals();
    term_replay_stderr();
}

bool term_active(void)
{
    return active;
}

bool term_headless(void)
{
    return headless;
}

int term_input_fd(void)
{
    return active && !headless ? STDIN_FILENO : -1;
}

void term_resize(int cols, int rows)
{
    if (!active)
        return;
    resizeterm(rows, cols);
}

bool term_check_resize(void)
{
    if (!active || headless)
        return false;
    struct winsize ws;
    if (ioctl(STDOUT_FILENO, TIOCGWINSZ, &ws) != 0 || ws.ws_row == 0 || ws.ws_col == 0)
        return false;
    if (ws.ws_row == LINES && ws.ws_col == COLS)
        return false;
    resizeterm(ws.ws_row, ws.ws_col);
    return true;
}

bool term_take_interrupt(void)
{
    bool r = got_interrupt != 0;
    got_interrupt = 0;
    return r;
}

bool term_take_winch(void)
{
    bool r = got_winch != 0;
    got_winch = 0;
    return r;
}

int term_signal_fd(void)
{
    return sig_pipe[0];
}

void term_signal_drain(void)
{
    char buf[64];
    while (sig_pipe[0] >= 0 && read(sig_pipe[0], buf, sizeof buf) > 0) {
    }
}
