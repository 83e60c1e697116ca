/* log_pane.c: messages (errors, warnings, info) and log lines from the trace bus. */
#include <stdlib.h>
#include <string.h>

#include "core/js.h"
#include "ui/draw.h"
#include "ui/panes.h"
#include "ui/workbench.h"

typedef struct LogPane {
    Pane super;
    PaneList list;
    bool follow; /* keep the newest message in view */
} LogPane;

static void log_pane_draw(Pane *p, WINDOW *w, int h, int width)
{
    LogPane *lp = (LogPane *)p;
    const Workbench *wb = p->wb;
    lp->list.count = (int)wb->messages.len;
    if (lp->follow && lp->list.count)
        lp->list.cursor = lp->list.count - 1;
    pane_list_clamp(&lp->list, h);
    if (!wb->messages.len)
        draw_str(w, 0, 1, width - 1, "No messages.", STYLE_DIM);
    for (int row = 0; row < h; row++) {
        size_t i = (size_t)(lp->list.top + row);
        if (i >= wb->messages.len)
            break;
        const WbMessage *m = sk_vec_get(&wb->messages, i);
        StyleId st = m->level >= SK_LOG_ERROR  ? STYLE_GAP_MISSING
                     : m->level == SK_LOG_WARN ? STYLE_GAP_WEAK
                                               : STYLE_DIM;
        const char *tag = m->level >= SK_LOG_ERROR  ? "error"
                          : m->level == SK_LOG_WARN ? "warn "
                                                    : "info ";
        int x = draw_printf(w, row, 1, width - 1, st, "%s ", tag);
        draw_str_ellipsis(w, row, 1 + x, width - 1 - x, m->text, STYLE_DEFAULT);
        if ((int)i == lp->list.cursor && p->focused)
            draw_restyle(w, row, 0, width, STYLE_SELECTION);
    }
}

static void log_pane_title(Pane *p, SkBuf *out)
{
    sk_buf_printf(out, "Messages (%zu)", p->wb->messages.len);
}

static PaneResult log_pane_handle_key(Pane *p, const PaneKey *k)
{
    LogPane *lp = (LogPane *)p;
    bool handled = false;
    lp->list.count = (int)p->wb->messages.len;
    if (pane_list_move(&lp->list, k->action, pane_body_height(p), &handled) || handled) {
        lp->follow = lp->list.cursor == lp->list.count - 1;
        return PANE_HANDLED | PANE_REDRAW;
    }
    if (k->action == ACTION_QUIT) {
        p->shown = false;
        return PANE_HANDLED | PANE_RELAYOUT;
    }
    return PANE_IGNORED;
}

static PaneResult log_pane_handle_mouse(Pane *p, const PaneMouse *m)
{
    LogPane *lp = (LogPane *)p;
    lp->follow = false;
    return pane_list_mouse(&lp->list, m, pane_body_height(p)) ? PANE_HANDLED | PANE_REDRAW
                                                              : PANE_HANDLED;
}

static PaneResult log_pane_on_event(Pane *p, const TraceEvent *ev)
{
    if (ev->kind == TRACE_LOG && ev->text) {
        int level = (int)js_int(ev->data, "level", SK_LOG_INFO);
        workbench_message(p->wb, (SkLogLevel)level, "%s", ev->text);
        return PANE_REDRAW;
    }
    if ((ev->kind == TRACE_LLM_ERROR) && ev->text) {
        /* a request the user cancelled is no error, and the pane that started it already
         * says it was cancelled */
        if (sk_str_eq(js_str(ev->data, "status", NULL), "CANCELLED"))
            return PANE_IGNORED;
        workbench_message(p->wb, SK_LOG_ERROR, "%s", ev->text);
        return PANE_REDRAW;
    }
    return PANE_IGNORED;
}

static PaneResult log_pane_on_change(Pane *p, unsigned what)
{
    return what & PANE_CHANGE_MESSAGES ? PANE_REDRAW : PANE_IGNORED;
}

static void log_pane_dump_state(Pane *p, SkBuf *out)
{
    for (size_t i = 0; i < p->wb->messages.len; i++) {
        const WbMessage *m = sk_vec_get(&p->wb->messages, i);
        sk_buf_printf(out, "message %d %s\n", (int)m->level, m->text);
    }
}

static void log_pane_free(Pane *p)
{
    pane_done(p);
    free(p);
}

static const PaneClass log_pane_class = {
    .name = "log",
    .draw = log_pane_draw,
    .title = log_pane_title,
    .handle_key = log_pane_handle_key,
    .handle_mouse = log_pane_handle_mouse,
    .on_event = log_pane_on_event,
    .on_change = log_pane_on_change,
    .dump_state = log_pane_dump_state,
    .free = log_pane_free,
};

Pane *log_pane_new(Workbench *wb)
{
    LogPane *lp = sk_calloc(1, sizeof *lp);
    pane_init(&lp->super, &log_pane_class, wb);
    lp->follow = true;
    return &lp->super;
}
