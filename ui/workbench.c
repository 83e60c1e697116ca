/* workbench.c: the application: model, panes, input chain, commands and the poll loop. */
#include "ui/workbench.h"

#include <curses.h>
#include <errno.h>
#include <locale.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <wchar.h>

#include "core/js.h"
#include "core/util.h"
#include "core/yaml_load.h"
#include "ui/draw.h"
#include "ui/layout.h"
#include "ui/panes.h"
#include "ui/script.h"
#include "ui/status_bar.h"
#include "ui/term.h"

/* Monotonic time in milliseconds with sub-millisecond precision (benchmarks). */
static double wb_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

static void wb_message_free(void *p)
{
    WbMessage *m = p;
    free(m->text);
    free(m);
}

/* ---- model ---- */

static void wb_reload_profiles(Workbench *wb);

const Tcp *workbench_target(const Workbench *wb)
{
    if (!wb->profiles || wb->target == SIZE_MAX || wb->target >= tcp_index_count(wb->profiles))
        return NULL;
    return tcp_index_get(wb->profiles, wb->target);
}

size_t workbench_requirement_count(const Workbench *wb)
{
    return wb->analysis ? wb->analysis->reqs.len : 0;
}

const Requirement *workbench_requirement_at(const Workbench *wb, size_t i)
{
    return i < workbench_requirement_count(wb) ? sk_vec_get(&wb->analysis->reqs, i) : NULL;
}

const Requirement *workbench_requirement(const Workbench *wb)
{
    return wb->req >= 0 ? workbench_requirement_at(wb, (size_t)wb->req) : NULL;
}

void workbench_notify(Workbench *wb, unsigned what)
{
    for (size_t i = 0; i < wb->panes.len; i++) {
        Pane *p = sk_vec_get(&wb->panes, i);
        PaneResult r = pane_on_change(p, what);
        if (r & PANE_REDRAW)
            pane_dirty(p);
    }
    status_bar_dirty(wb->status);
}

void workbench_set_target(Workbench *wb, size_t index)
{
    size_t n = wb->profiles ? tcp_index_count(wb->profiles) : 0;
    wb->target = n ? index % n : SIZE_MAX;
    workbench_notify(wb, PANE_CHANGE_TARGET);
}

void workbench_set_requirement(Workbench *wb, int index)
{
    int n = (int)workbench_requirement_count(wb);
    int v = index >= 0 && index < n ? index : -1;
    if (v == wb->req)
        return;
    wb->req = v;
    workbench_notify(wb, PANE_CHANGE_REQUIREMENT);
}

bool workbench_load_skill(Workbench *wb, const char *path)
{
    SkError err;
    Skill *s = NULL;
    if (skill_load(path, &s, &err) != SK_OK) {
        free(wb->skill_error);
        wb->skill_error = sk_strdup(err.msg);
        workbench_message(wb, SK_LOG_ERROR, "cannot open skill: %s", err.msg);
        return false;
    }
    Analysis *a = NULL;
    if (analyzer_run(s, &a, &err) != SK_OK) {
        workbench_message(wb, SK_LOG_ERROR, "analysis of %s failed: %s", s->name, err.msg);
        a = NULL;
    }
    analyzer_free(wb->analysis);
    skill_free(wb->skill);
    free(wb->skill_error);
    wb->skill_error = NULL;
    wb->skill = s;
    wb->analysis = a;
    wb->req = workbench_requirement_count(wb) ? 0 : -1;
    size_t nerr = 0;
    for (size_t i = 0; i < s->diags.len; i++) {
        const SkillDiag *d = sk_vec_get(&s->diags, i);
        char where[64] = "";
        if (d->line > 0)
            snprintf(where, sizeof where, ":%d", d->line);
        workbench_message(wb, d->level == SKILL_DIAG_ERROR ? SK_LOG_ERROR : SK_LOG_WARN, "%s%s: %s",
                          d->file, where, d->msg);
        nerr += d->level == SKILL_DIAG_ERROR;
    }
    if (nerr) {
        Pane *log = workbench_pane(wb, "log");
        if (log && !log->shown) {
            log->shown = true;
            workbench_relayout(wb);
        }
    }
    workbench_notify(wb, PANE_CHANGE_SKILL | PANE_CHANGE_REQUIREMENT);
    return true;
}

/* ---- ui services ---- */

void workbench_message(Workbench *wb, SkLogLevel level, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    WbMessage *m = sk_calloc(1, sizeof *m);
    m->level = level;
    m->text = sk_vasprintf(fmt, ap);
    va_end(ap);
    sk_vec_push(&wb->messages, m);
    if (wb->status)
        status_bar_set_message(wb->status, level, m->text);
    workbench_notify(wb, PANE_CHANGE_MESSAGES);
}

Pane *workbench_pane(const Workbench *wb, const char *name)
{
    for (size_t i = 0; i < wb->panes.len; i++) {
        Pane *p = sk_vec_get(&wb->panes, i);
        if (!strcmp(pane_name(p), name))
            return p;
    }
    return NULL;
}

void workbench_relayout(Workbench *wb)
{
    layout_apply(wb);
}

void workbench_focus(Workbench *wb, Pane *p)
{
    if (!p)
        return;
    if (p->role == PANE_ROLE_MODAL) {
        workbench_open_modal(wb, pane_name(p));
        return;
    }
    if (p->role == PANE_ROLE_TILE_HIDDEN)
        p->shown = true;
    if (wb->focus == p && p->visible && !wb->modal)
        return;
    wb->modal = NULL;
    wb->focus = p;
    workbench_relayout(wb);
}

void workbench_open_modal(Workbench *wb, const char *name)
{
    Pane *p = workbench_pane(wb, name);
    if (!p || p->role != PANE_ROLE_MODAL)
        return;
    wb->modal = p;
    pane_on_change(p, PANE_CHANGE_SKILL);
    workbench_relayout(wb);
}

void workbench_close_modal(Workbench *wb)
{
    if (!wb->modal)
        return;
    pane_hide(wb->modal);
    wb->modal = NULL;
    workbench_relayout(wb);
}

void workbench_keys_for(const Workbench *wb, const char *scope, Action a, char *out, size_t size)
{
    char all[128];
    keymap_keys_for(wb->keymap, scope, a, all, sizeof all);
    if (!*all && strcmp(scope, "generic"))
        keymap_keys_for(wb->keymap, "generic", a, all, sizeof all);
    char *sp = strchr(all, ' ');
    if (sp)
        *sp = '\0';
    snprintf(out, size, "%s", all);
}

/* ---- screen and state dumps ---- */

static void wb_append_utf8(SkBuf *b, wchar_t c)
{
    char tmp[8];
    mbstate_t st;
    memset(&st, 0, sizeof st);
    size_t n = wcrtomb(tmp, c, &st);
    if (n == (size_t)-1)
        sk_buf_putc(b, '?');
    else
        sk_buf_append(b, tmp, n);
}

static void wb_trim_line(SkBuf *b, size_t line_start)
{
    while (b->len > line_start && b->data[b->len - 1] == ' ')
        b->len--;
    if (b->data)
        b->data[b->len] = '\0';
}

static SkStatus wb_save_screen(Workbench *wb, const char *name, SkError *err)
{
    SkBuf scr, sty;
    sk_buf_init(&scr);
    sk_buf_init(&sty);
    bool used[STYLE_COUNT] = {0};
    for (int y = 0; y < LINES; y++) {
        size_t ls = scr.len, lt = sty.len;
        for (int x = 0; x < COLS;) {
            cchar_t cc;
            wchar_t wch[CCHARW_MAX + 1] = {0};
            attr_t attrs = 0;
            short pair = 0;
            int width = 1;
            if (mvwin_wch(curscr, y, x, &cc) == OK &&
                getcchar(&cc, wch, &attrs, &pair, NULL) != ERR && wch[0]) {
                int cw = wcwidth(wch[0]);
                width = cw > 0 ? cw : 1;
                for (int k = 0; wch[k] && k < CCHARW_MAX; k++)
                    wb_append_utf8(&scr, wch[k]);
            } else {
                sk_buf_putc(&scr, ' ');
            }
            StyleId st = theme_style_from_pair(pair);
            used[st] = true;
            for (int k = 0; k < width; k++)
                sk_buf_putc(&sty, theme_style_code(st));
            x += width;
        }
        wb_trim_line(&scr, ls);
        wb_trim_line(&sty, lt);
        sk_buf_putc(&scr, '\n');
        sk_buf_putc(&sty, '\n');
    }
    sk_buf_puts(&sty, "--\n");
    for (int i = 0; i < STYLE_COUNT; i++)
        if (used[i])
            sk_buf_printf(&sty, "%c %s\n", theme_style_code((StyleId)i),
                          theme_style_name((StyleId)i));
    char *f1 = sk_asprintf("%s/%s.screen", wb->screen_dir, name);
    char *f2 = sk_asprintf("%s/%s.styles", wb->screen_dir, name);
    SkStatus s = sk_write_file_atomic(f1, scr.data ? scr.data : "", scr.len, err);
    if (s == SK_OK)
        s = sk_write_file_atomic(f2, sty.data ? sty.data : "", sty.len, err);
    free(f1);
    free(f2);
    sk_buf_done(&scr);
    sk_buf_done(&sty);
    return s;
}

static SkStatus wb_save_state(Workbench *wb, const char *name, SkError *err)
{
    SkBuf b;
    sk_buf_init(&b);
    const Tcp *t = workbench_target(wb);
    const Requirement *r = workbench_requirement(wb);
    sk_buf_printf(&b, "screen %dx%d\n", COLS, LINES);
    sk_buf_printf(&b, "skill %s\n", wb->skill ? wb->skill->name : "-");
    sk_buf_printf(&b, "target %s\n", t ? t->model : "-");
    sk_buf_printf(&b, "requirement %s\n", r ? r->primitive : "-");
    sk_buf_printf(&b, "focus %s\n", wb->focus ? pane_name(wb->focus) : "-");
    sk_buf_printf(&b, "modal %s\n", wb->modal ? pane_name(wb->modal) : "-");
    sk_buf_printf(&b, "zoom %s\n", wb->zoom ? "yes" : "no");
    sk_buf_printf(&b, "theme %s%s\n", wb->theme ? wb->theme->name : "-",
                  theme_has_color() ? "" : " (no colour)");
    sk_buf_printf(&b, "messages %zu\n", wb->messages.len);
    for (size_t i = 0; i < wb->panes.len; i++) {
        Pane *p = sk_vec_get(&wb->panes, i);
        /* On-demand and modal panes appear only while shown, so registering a new pane does
         * not change every golden state file. */
        if (!p->visible && p->role != PANE_ROLE_TILE)
            continue;
        sk_buf_printf(&b, "\n[%s]\nvisible %s\n", pane_name(p), p->visible ? "yes" : "no");
        if (p->visible)
            sk_buf_printf(&b, "rect %d,%d %dx%d\n", p->y, p->x, p->w, p->h);
        if (p->klass->dump_state)
            p->klass->dump_state(p, &b);
    }
    char *f = sk_asprintf("%s/%s.state", wb->screen_dir, name);
    SkStatus s = sk_write_file_atomic(f, b.data ? b.data : "", b.len, err);
    free(f);
    sk_buf_done(&b);
    return s;
}

/* Benchmarks: draw each visible pane N times (draw + composition + doupdate) and append
 * "<pane>[:<mode>] <ms per frame>" lines to SCREEN_DIR/redraw-times.txt. */
static SkStatus wb_time_redraw(Workbench *wb, int n, SkError *err)
{
    SkBuf b;
    sk_buf_init(&b);
    for (size_t i = 0; i < wb->panes.len; i++) {
        Pane *p = sk_vec_get(&wb->panes, i);
        if (!p->visible)
            continue;
        double t0 = wb_now();
        for (int k = 0; k < n; k++) {
            pane_dirty(p);
            pane_render(p);
            doupdate();
        }
        double ms = (wb_now() - t0) / n;
        SkBuf mode;
        sk_buf_init(&mode);
        if (p->klass->title)
            p->klass->title(p, &mode);
        sk_buf_printf(&b, "%-8s %8.3f ms  (%dx%d, %s)\n", pane_name(p), ms, p->w, p->h,
                      sk_buf_cstr(&mode));
        sk_buf_done(&mode);
    }
    char *f = sk_asprintf("%s/redraw-times.txt", wb->screen_dir);
    char *old = NULL;
    size_t olen = 0;
    sk_read_file(f, 0, &old, &olen, NULL);
    SkBuf all;
    sk_buf_init(&all);
    if (old)
        sk_buf_append(&all, old, olen);
    sk_buf_append(&all, b.data ? b.data : "", b.len);
    SkStatus s = sk_write_file_atomic(f, all.data ? all.data : "", all.len, err);
    free(old);
    free(f);
    sk_buf_done(&all);
    sk_buf_done(&b);
    return s;
}

/* ---- actions and commands ---- */

static void wb_cycle_focus(Workbench *wb, int dir)
{
    Pane *tiles[16];
    int n = 0, cur = 0;
    for (size_t i = 0; i < wb->panes.len && n < 16; i++) {
        Pane *p = sk_vec_get(&wb->panes, i);
        if (p->role == PANE_ROLE_TILE || (p->role == PANE_ROLE_TILE_HIDDEN && p->shown)) {
            if (p == wb->focus)
                cur = n;
            tiles[n++] = p;
        }
    }
    if (!n)
        return;
    wb->focus = tiles[(cur + dir + n) % n];
    workbench_relayout(wb);
}

/* Forward a pane-specific command to the panes (focused one first). */
static bool wb_pane_command(Workbench *wb, const char *cmd, const char *args)
{
    Pane *first = wb->modal ? wb->modal : wb->focus;
    PaneResult r = first ? pane_command(first, cmd, args) : PANE_IGNORED;
    for (size_t i = 0; !(r & PANE_HANDLED) && i < wb->panes.len; i++) {
        Pane *p = sk_vec_get(&wb->panes, i);
        if (p != first) {
            r = pane_command(p, cmd, args);
            first = p;
        }
    }
    if (!(r & PANE_HANDLED))
        return false;
    if (r & PANE_REDRAW)
        pane_dirty(first);
    if (r & PANE_RELAYOUT)
        workbench_relayout(wb);
    return true;
}

static void wb_action(Workbench *wb, Action a)
{
    switch (a) {
    case ACTION_NONE:
        break;
    case ACTION_QUIT:
        if (wb->modal)
            workbench_close_modal(wb);
        else if (wb->zoom) {
            wb->zoom = false;
            workbench_relayout(wb);
        } else
            wb->quit = true;
        break;
    case ACTION_QUIT_ALL:
        wb->quit = true;
        break;
    case ACTION_CANCEL:
        if (wb->modal)
            workbench_close_modal(wb);
        else if (wb->zoom) {
            wb->zoom = false;
            workbench_relayout(wb);
        }
        status_bar_clear_message(wb->status);
        break;
    case ACTION_NEXT_PANE:
        wb_cycle_focus(wb, 1);
        break;
    case ACTION_PREV_PANE:
        wb_cycle_focus(wb, -1);
        break;
    case ACTION_FOCUS_SOURCE:
        workbench_focus(wb, workbench_pane(wb, "source"));
        break;
    case ACTION_FOCUS_CAPS:
        workbench_focus(wb, workbench_pane(wb, "caps"));
        break;
    case ACTION_ZOOM:
        wb->zoom = !wb->zoom;
        workbench_relayout(wb);
        break;
    case ACTION_HELP:
        if (wb->modal && !strcmp(pane_name(wb->modal), "help"))
            workbench_close_modal(wb);
        else
            workbench_open_modal(wb, "help");
        break;
    case ACTION_PICKER:
        workbench_open_modal(wb, "picker");
        break;
    case ACTION_COMMAND:
        status_bar_prompt(wb->status, STATUS_PROMPT_COMMAND);
        break;
    case ACTION_SEARCH:
        status_bar_prompt(wb->status, STATUS_PROMPT_SEARCH);
        break;
    case ACTION_GOTO_LINE:
        status_bar_prompt(wb->status, STATUS_PROMPT_LINE);
        break;
    case ACTION_NEXT_MODEL:
    case ACTION_PREV_MODEL: {
        size_t n = wb->profiles ? tcp_index_count(wb->profiles) : 0;
        if (!n) {
            workbench_message(wb, SK_LOG_WARN,
                              "no model profiles: add them to profiles/ or run 'skvm profile'");
            break;
        }
        size_t cur = wb->target == SIZE_MAX ? 0 : wb->target;
        workbench_set_target(wb, a == ACTION_NEXT_MODEL ? cur + 1 : cur + n - 1);
        break;
    }
    case ACTION_LOG: {
        Pane *log = workbench_pane(wb, "log");
        if (log) {
            log->shown = !log->shown;
            if (!log->shown && wb->focus == log)
                wb->focus = NULL;
            workbench_relayout(wb);
        }
        break;
    }
    case ACTION_RELOAD:
        wb_reload_profiles(wb);
        if (wb->skill) {
            char *dir = sk_strdup(wb->skill->dir);
            if (workbench_load_skill(wb, dir))
                workbench_message(wb, SK_LOG_INFO, "reloaded %s and the profiles", dir);
            free(dir);
        }
        break;
    case ACTION_REDRAW:
        clearok(curscr, TRUE); /* repaint every cell of the real terminal */
        wb->full_redraw = true;
        workbench_relayout(wb);
        break;
    default:
        /* Pane-specific actions pressed where no pane took them: offer them to the panes. */
        if (!wb_pane_command(wb, keymap_action_name(a), ""))
            workbench_message(wb, SK_LOG_INFO, "'%s' does nothing here", keymap_action_name(a));
        break;
    }
}

void workbench_command(Workbench *wb, const char *line)
{
    char *buf = sk_strdup(line);
    char *cmd = sk_str_trim(buf);
    char *args = cmd;
    while (*args && *args != ' ')
        args++;
    if (*args)
        *args++ = '\0';
    args = sk_str_trim(args);
    SkError err;
    if (!*cmd) {
        /* empty */
    } else if (cmd[0] >= '0' && cmd[0] <= '9' && strspn(cmd, "0123456789") == strlen(cmd)) {
        if (!wb_pane_command(wb, "line", cmd))
            workbench_message(wb, SK_LOG_WARN, "no pane shows lines");
    } else if (!strcmp(cmd, "q") || !strcmp(cmd, "quit") || !strcmp(cmd, "q!")) {
        wb->quit = true;
    } else if (!strcmp(cmd, "save-screen") || !strcmp(cmd, "save-state")) {
        if (!*args)
            workbench_message(wb, SK_LOG_ERROR, "%s needs a NAME", cmd);
        else if ((cmd[5] == 's' && cmd[6] == 'c' ? wb_save_screen(wb, args, &err)
                                                 : wb_save_state(wb, args, &err)) != SK_OK)
            workbench_message(wb, SK_LOG_ERROR, "%s: %s", cmd, err.msg);
    } else if (!strcmp(cmd, "echo")) {
        /* Through the core log sink and the trace bus, like an engine job's log line. */
        sk_log(SK_LOG_INFO, "%s", args);
    } else if (!strcmp(cmd, "time-redraw")) {
        int n = atoi(args);
        if (wb_time_redraw(wb, n > 0 ? n : 100, &err) != SK_OK)
            workbench_message(wb, SK_LOG_ERROR, "time-redraw: %s", err.msg);
    } else if (!strcmp(cmd, "resize")) {
        int w, h;
        if (sscanf(args, "%dx%d", &w, &h) != 2 || w < 10 || h < 4 || w > 1000 || h > 500) {
            workbench_message(wb, SK_LOG_ERROR, "resize needs WxH, e.g. :resize 80x24");
        } else {
            term_resize(w, h);
            workbench_relayout(wb);
        }
    } else if (!strcmp(cmd, "pane")) {
        Pane *p = workbench_pane(wb, args);
        if (!p)
            workbench_message(wb, SK_LOG_ERROR, "no pane '%s'", args);
        else
            workbench_focus(wb, p);
    } else if (!strcmp(cmd, "model")) {
        size_t n = wb->profiles ? tcp_index_count(wb->profiles) : 0;
        size_t found = SIZE_MAX;
        for (size_t i = 0; i < n && found == SIZE_MAX; i++)
            if (!strcmp(tcp_index_get(wb->profiles, i)->model, args))
                found = i;
        for (size_t i = 0; i < n && found == SIZE_MAX; i++)
            if (strstr(tcp_index_get(wb->profiles, i)->model, args))
                found = i;
        if (found == SIZE_MAX || !*args)
            workbench_message(wb, SK_LOG_ERROR, "no profile for model '%s'", args);
        else
            workbench_set_target(wb, found);
    } else if (!strcmp(cmd, "theme")) {
        Theme *t = theme_load(args, &err);
        if (!t) {
            workbench_message(wb, SK_LOG_ERROR, "theme: %s", err.msg);
        } else {
            theme_free(wb->theme);
            wb->theme = t;
            theme_apply(t, wb->mono);
            for (size_t i = 0; i < t->problems.len; i++)
                workbench_message(wb, SK_LOG_WARN, "%s", (char *)sk_vec_get(&t->problems, i));
            workbench_relayout(wb);
        }
    } else if (!strcmp(cmd, "open")) {
        if (!*args)
            workbench_open_modal(wb, "picker");
        else if (workbench_load_skill(wb, args))
            workbench_close_modal(wb);
    } else if (!strcmp(cmd, "select")) {
        int found = -1;
        for (size_t i = 0; i < workbench_requirement_count(wb) && found < 0; i++)
            if (!strcmp(workbench_requirement_at(wb, i)->primitive, args))
                found = (int)i;
        if (found < 0)
            workbench_message(wb, SK_LOG_ERROR, "the skill does not require '%s'", args);
        else
            workbench_set_requirement(wb, found);
    } else if (wb_pane_command(wb, cmd, args)) {
        /* done by a pane */
    } else if (keymap_action_find(cmd) >= 0) {
        wb_action(wb, (Action)keymap_action_find(cmd));
    } else {
        workbench_message(wb, SK_LOG_ERROR, "unknown command '%s' (press ? for the list)", cmd);
    }
    free(buf);
}

/* ---- input ---- */

/* Command words for completion: built-in commands, then every action name. */
static const char *const wb_builtin_commands[] = {
    "quit", "save-screen", "save-state", "resize",      "pane",   "model", "theme",
    "open", "select",      "echo",       "time-redraw", "search", "line",  "file"};

static void wb_complete(Workbench *wb)
{
    const char *words[SK_ARRAY_LEN(wb_builtin_commands) + ACTION_COUNT];
    size_t n = 0;
    for (size_t i = 0; i < SK_ARRAY_LEN(wb_builtin_commands); i++)
        words[n++] = wb_builtin_commands[i];
    for (int a = 1; a < ACTION_COUNT; a++)
        words[n++] = keymap_action_name((Action)a);
    status_bar_complete(wb->status, words, n);
}

static void wb_key(Workbench *wb, int key)
{
    if (status_bar_prompting(wb->status) == STATUS_PROMPT_COMMAND && key == KEYMAP_TAB) {
        wb_complete(wb);
        return;
    }
    if (status_bar_prompting(wb->status)) {
        char *text = NULL;
        StatusPrompt k = status_bar_key(wb->status, key, &text);
        if (k == STATUS_PROMPT_COMMAND)
            workbench_command(wb, text);
        else if (k == STATUS_PROMPT_SEARCH) {
            if (!wb_pane_command(wb, "search", text))
                workbench_message(wb, SK_LOG_WARN, "nothing to search here");
        } else if (k == STATUS_PROMPT_LINE)
            wb_pane_command(wb, "line", text);
        free(text);
        return;
    }
    if (key == (KEYMAP_FN | KEY_RESIZE)) {
        workbench_relayout(wb);
        return;
    }
    Pane *p = wb->modal ? wb->modal : wb->focus;
    Action a = keymap_lookup(wb->keymap, p ? pane_name(p) : "generic", key);
    PaneResult r = PANE_IGNORED;
    if (p) {
        PaneKey k = {key, a};
        r = pane_handle_key(p, &k);
        if (r & PANE_REDRAW)
            pane_dirty(p);
        if (r & PANE_RELAYOUT)
            workbench_relayout(wb);
        if (r & PANE_QUIT) {
            if (p == wb->modal)
                workbench_close_modal(wb);
            else
                wb->quit = true;
        }
    }
    if (!(r & PANE_HANDLED))
        wb_action(wb, a);
}

static void wb_mouse(Workbench *wb, PaneMouseKind kind, int y, int x)
{
    Pane *p = layout_pane_at(wb, y, x);
    if (!p)
        return;
    if (p != wb->focus && p != wb->modal && kind == PANE_MOUSE_CLICK)
        workbench_focus(wb, p);
    PaneMouse m = {kind, y - p->y - 1, x - p->x - 1};
    PaneResult r = pane_handle_mouse(p, &m);
    if (r & PANE_REDRAW)
        pane_dirty(p);
}

static void wb_read_keyboard(Workbench *wb)
{
    for (;;) {
        wint_t ch;
        int rc = wget_wch(stdscr, &ch);
        if (rc == ERR)
            break;
        if (rc == KEY_CODE_YES && ch == KEY_MOUSE) {
            MEVENT me;
            if (getmouse(&me) == OK) {
                if (me.bstate & BUTTON4_PRESSED)
                    wb_mouse(wb, PANE_MOUSE_WHEEL_UP, me.y, me.x);
                else if (me.bstate & (BUTTON5_PRESSED))
                    wb_mouse(wb, PANE_MOUSE_WHEEL_DOWN, me.y, me.x);
                else if (me.bstate & (BUTTON1_CLICKED | BUTTON1_PRESSED))
                    wb_mouse(wb, PANE_MOUSE_CLICK, me.y, me.x);
            }
            continue;
        }
        wb_key(wb, keymap_key_normalize((int)ch, rc == KEY_CODE_YES));
        if (wb->quit)
            break;
    }
}

/* ---- render ---- */

static bool wb_dirty(const Workbench *wb)
{
    if (wb->full_redraw || status_bar_needs_redraw(wb->status))
        return true;
    for (size_t i = 0; i < wb->panes.len; i++) {
        const Pane *p = sk_vec_get(&wb->panes, i);
        if (p->visible && p->needs_redraw)
            return true;
    }
    return false;
}

static void wb_render(Workbench *wb)
{
    if (!wb_dirty(wb))
        return;
    if (wb->full_redraw) {
        draw_style(stdscr, STYLE_DEFAULT);
        werase(stdscr);
        wnoutrefresh(stdscr);
        for (size_t i = 0; i < wb->panes.len; i++)
            pane_dirty(sk_vec_get(&wb->panes, i));
        status_bar_dirty(wb->status);
    }
    /* Tiles first, the modal pane last (on top). */
    for (size_t i = 0; i < wb->panes.len; i++) {
        Pane *p = sk_vec_get(&wb->panes, i);
        if (p != wb->modal && p->visible && (p->needs_redraw || wb->full_redraw))
            pane_render(p);
    }
    if (wb->modal)
        pane_render(wb->modal);
    status_bar_render(wb->status, wb);
    doupdate();
    wb->full_redraw = false;
}

/* ---- trace bus and log sink ---- */

static void wb_log_sink(SkLogLevel level, const char *msg, void *ud)
{
    TraceBus *bus = ud;
    json_t *data = json_pack("{s:i}", "level", (int)level);
    trace_bus_publish(bus, trace_event_new(TRACE_LOG, NULL, -1, msg, data));
}

/* Load the profile index again (a profiling run wrote a new one, or the user asked),
 * keeping the same target model and harness when it is still known. Panes read profiles
 * through workbench_target() on every draw, so swapping the index is safe here, on the UI
 * thread, between events. */
static void wb_reload_profiles(Workbench *wb)
{
    const Tcp *cur = workbench_target(wb);
    char *model = cur && cur->model ? sk_strdup(cur->model) : NULL;
    char *harness = cur && cur->harness ? sk_strdup(cur->harness) : NULL;
    TcpIndex *idx = NULL;
    SkError err;
    if (tcp_index_load(NULL, &idx, &err) != SK_OK) {
        workbench_message(wb, SK_LOG_WARN, "profiles: %s", err.msg);
        free(model);
        free(harness);
        return;
    }
    tcp_index_free(wb->profiles);
    wb->profiles = idx;
    size_t n = tcp_index_count(idx);
    wb->target = n ? 0 : SIZE_MAX;
    const Tcp *t = model ? tcp_index_find(idx, model, harness) : NULL;
    for (size_t i = 0; t && i < n; i++)
        if (tcp_index_get(idx, i) == t)
            wb->target = i;
    /* the same model stays the target: only its numbers changed */
    bool same = t && sk_str_eq(t->model, model) && sk_str_eq(t->harness, harness);
    free(model);
    free(harness);
    workbench_notify(wb, PANE_CHANGE_PROFILES | (same ? 0 : PANE_CHANGE_TARGET));
}

static size_t wb_drain_events(Workbench *wb)
{
    SkVec evs;
    sk_vec_init(&evs, (SkFreeFn)trace_event_free);
    size_t n = trace_bus_drain(wb->bus, &evs);
    for (size_t i = 0; i < evs.len; i++) {
        const TraceEvent *ev = sk_vec_get(&evs, i);
        for (size_t k = 0; k < wb->panes.len; k++) {
            Pane *p = sk_vec_get(&wb->panes, k);
            PaneResult r = pane_on_event(p, ev);
            if (r & PANE_REDRAW)
                pane_dirty(p);
        }
        /* a profiling job that finished has written a new profile: show it (a cancelled or
         * failed run leaves a partial one, which `:profile` resumes; keep the old until then) */
        if (ev->kind == TRACE_JOB_END && sk_str_eq(js_str(ev->data, "kind", NULL), "profile") &&
            sk_str_eq(js_str(ev->data, "state", NULL), "done"))
            wb_reload_profiles(wb);
    }
    sk_vec_done(&evs);
    return n;
}

static void wb_run_script_item(Workbench *wb, const ScriptItem *it)
{
    switch (it->kind) {
    case SCRIPT_KEY:
        wb_key(wb, it->key);
        break;
    case SCRIPT_COMMAND:
        workbench_command(wb, it->command);
        break;
    case SCRIPT_MOUSE:
        wb_mouse(wb, (PaneMouseKind)it->mouse_kind, it->y, it->x);
        break;
    }
}

static void wb_loop(Workbench *wb, const WorkbenchOptions *o, double t0)
{
    bool first = true;
    while (!wb->quit) {
        if (term_take_interrupt()) {
            wb->quit = true;
            break;
        }
        if (term_take_winch() && term_check_resize())
            workbench_relayout(wb);
        size_t nev = wb_drain_events(wb);
        wb_render(wb);
        if (first) {
            first = false;
            if (o->first_frame_ms)
                *o->first_frame_ms = wb_now() - t0;
        }
        /* Scripted input only when quiescent: nothing queued, nothing running, all drawn. */
        if (wb->script && !script_done(wb->script)) {
            if (nev == 0 && wb->busy == 0 && jobs_holding_script(wb->jobs) == 0 && !wb_dirty(wb)) {
                const ScriptItem *it = script_next(wb->script);
                if (it)
                    wb_run_script_item(wb, it);
                continue;
            }
        } else if (term_headless() && wb->busy == 0 && jobs_active(wb->jobs) == 0 && nev == 0) {
            break; /* a headless run ends with its script */
        }
        struct pollfd fds[3];
        int nfds = 0;
        if (term_input_fd() >= 0)
            fds[nfds++] = (struct pollfd){term_input_fd(), POLLIN, 0};
        fds[nfds++] = (struct pollfd){trace_bus_fd(wb->bus), POLLIN, 0};
        if (term_signal_fd() >= 0)
            fds[nfds++] = (struct pollfd){term_signal_fd(), POLLIN, 0};
        int timeout = nev ? 0 : (wb->busy || jobs_active(wb->jobs) ? 100 : 1000);
        int rc = poll(fds, (nfds_t)nfds, timeout);
        if (rc < 0 && errno != EINTR)
            break;
        term_signal_drain();
        if (term_input_fd() >= 0)
            wb_read_keyboard(wb);
    }
}

/* ---- start and stop ---- */

static char *wb_find_start_skill(const WorkbenchOptions *o)
{
    if (o->skill_dir)
        return sk_strdup(o->skill_dir);
    if (sk_is_file("SKILL.md"))
        return sk_strdup(".");
    return NULL;
}

int workbench_run(const WorkbenchOptions *opts)
{
    WorkbenchOptions o = *opts;
    double t0 = wb_now();
    setlocale(LC_ALL, "");
    const char *e;
    if ((e = getenv("SKVM_HEADLESS")) && *e && strcmp(e, "0"))
        o.headless = true;
    if (!o.script && (e = getenv("SKVM_SCRIPT")) && *e)
        o.script = e;
    if (!o.theme && (e = getenv("SKVM_THEME")) && *e)
        o.theme = e;
    if ((e = getenv("SKVM_SIZE")) && *e && !o.cols)
        sscanf(e, "%dx%d", &o.cols, &o.rows);
    if ((e = getenv("NO_COLOR")) && *e)
        o.mono = true;
    /* $SKVM_HOME/config.yaml may say  ui: {theme: light, mouse: false, color: false}. */
    json_t *cfg = NULL;
    {
        char *h = sk_home_dir();
        char *cpath = sk_path_join(h, "config.yaml");
        if (sk_is_file(cpath) && yaml_load_file(cpath, 0, &cfg, NULL) != SK_OK)
            cfg = NULL; /* `skvm config doctor` reports a broken file */
        free(h);
        free(cpath);
    }
    json_t *ui_cfg = json_object_get(cfg, "ui");
    if (!o.theme && json_is_string(json_object_get(ui_cfg, "theme")))
        o.theme = json_string_value(json_object_get(ui_cfg, "theme"));
    if (json_is_false(json_object_get(ui_cfg, "mouse")))
        o.no_mouse = true;
    if (json_is_false(json_object_get(ui_cfg, "color")))
        o.mono = true;

    Workbench *wb = sk_calloc(1, sizeof *wb);
    wb->target = SIZE_MAX;
    wb->req = -1;
    sk_vec_init(&wb->panes, (SkFreeFn)pane_free);
    sk_vec_init(&wb->messages, wb_message_free);
    wb->mono = o.mono;
    const char *sd = o.screen_dir ? o.screen_dir : getenv("SKVM_SCREEN_DIR");
    wb->screen_dir = sk_strdup(sd && *sd ? sd : ".");
    wb->bus = trace_bus_new();
    trace_bus_enable_queue(wb->bus, true);
    sk_log_set_sink(wb_log_sink, wb->bus);
    wb->jobs = jobs_new(2, wb->bus); /* jobs: before the panes, freed before them */

    SkError err;
    int rc = 0;
    if (o.script && script_load(o.script, &wb->script, &err) != SK_OK) {
        fprintf(stderr, "skvm: error: %s\n", err.msg);
        json_decref(cfg);
        rc = 2;
        goto out_early;
    }
    /* Problems found before the screen exists are shown once it does. */
    SkVec early;
    sk_vec_init(&early, free);
    char *home = sk_home_dir();
    char *keys = sk_path_join(home, "keys.yaml");
    wb->keymap = keymap_load(keys, &early);
    free(keys);
    free(home);
    wb->theme = theme_load(o.theme ? o.theme : "dark", &err);
    json_decref(cfg); /* o.theme is no longer needed */
    o.theme = NULL;
    if (!wb->theme) {
        sk_vec_push(&early, sk_asprintf("%s; using the monochrome theme", err.msg));
        wb->theme = theme_new_mono();
    }
    for (size_t i = 0; i < wb->theme->problems.len; i++)
        sk_vec_push(&early, sk_strdup(sk_vec_get(&wb->theme->problems, i)));
    if (tcp_index_load(NULL, &wb->profiles, &err) != SK_OK) {
        sk_vec_push(&early, sk_asprintf("profiles: %s", err.msg));
        wb->profiles = NULL;
    }

    TermOptions to = {.headless = o.headless, .cols = o.cols, .rows = o.rows, .mouse = !o.no_mouse};
    if (term_init(&to, &err) != SK_OK) {
        fprintf(stderr, "skvm: error: %s\n", err.msg);
        sk_vec_done(&early);
        rc = 3;
        goto out_early;
    }
    theme_apply(wb->theme, wb->mono);
    wb->status = status_bar_new();
#define PANE_REGISTRY_NEW(ctor, r)                                                                 \
    do {                                                                                           \
        Pane *np = ctor(wb);                                                                       \
        np->role = r;                                                                              \
        sk_vec_push(&wb->panes, np);                                                               \
    } while (0);
    PANE_REGISTRY(PANE_REGISTRY_NEW)
#undef PANE_REGISTRY_NEW
    layout_apply(wb);

    for (size_t i = 0; i < early.len; i++)
        workbench_message(wb, SK_LOG_WARN, "%s", (char *)sk_vec_get(&early, i));
    sk_vec_done(&early);
    if (wb->profiles) {
        const SkVec *probs = tcp_index_problems(wb->profiles);
        for (size_t i = 0; probs && i < probs->len; i++)
            workbench_message(wb, SK_LOG_WARN, "%s", (char *)sk_vec_get(probs, i));
        size_t n = tcp_index_count(wb->profiles);
        if (n) {
            const Tcp *t = o.model ? tcp_index_find(wb->profiles, o.model, NULL) : NULL;
            size_t pick = 0;
            for (size_t i = 0; t && i < n; i++)
                if (tcp_index_get(wb->profiles, i) == t)
                    pick = i;
            if (o.model && !t)
                workbench_message(wb, SK_LOG_WARN, "no profile for model '%s'", o.model);
            wb->target = pick;
        }
    }
    char *start = wb_find_start_skill(&o);
    if (start) {
        workbench_load_skill(wb, start);
        free(start);
    } else {
        workbench_open_modal(wb, "picker");
    }
    workbench_notify(wb, PANE_CHANGE_PROFILES | PANE_CHANGE_TARGET);
    status_bar_dirty(wb->status);

    wb_loop(wb, &o, t0);
    rc = wb->exit_code;
    jobs_free(wb->jobs); /* jobs: cancel and join before the panes they report to go */
    wb->jobs = NULL;

    /* Windows go before the screen. */
    sk_vec_done(&wb->panes);
    status_bar_free(wb->status);
    term_restore();
out_early:
    jobs_free(wb->jobs); /* jobs: NULL unless we left early */
    sk_log_set_sink(NULL, NULL);
    script_free(wb->script);
    keymap_free(wb->keymap);
    theme_free(wb->theme);
    tcp_index_free(wb->profiles);
    analyzer_free(wb->analysis);
    skill_free(wb->skill);
    free(wb->skill_error);
    sk_vec_done(&wb->messages);
    trace_bus_free(wb->bus);
    free(wb->screen_dir);
    free(wb);
    return rc;
}
