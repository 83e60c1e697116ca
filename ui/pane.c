/* pane.c: the Pane base class (frame, title, placement) and the shared row cursor. */
#include "ui/pane.h"

#include <stdlib.h>
#include <string.h>

#include "ui/draw.h"
#include "ui/workbench.h"

void pane_init(Pane *p, const PaneClass *klass, Workbench *wb)
{
    memset(p, 0, sizeof *p);
    p->klass = klass;
    p->wb = wb;
    p->needs_redraw = true;
}

void pane_done(Pane *p)
{
    pane_hide(p);
}

void pane_free(Pane *p)
{
    if (!p)
        return;
    assert(p->klass->free);
    p->klass->free(p);
}

void pane_hide(Pane *p)
{
    if (p->body)
        delwin(p->body);
    if (p->win)
        delwin(p->win);
    p->body = p->win = NULL;
    p->visible = false;
    p->h = p->w = 0;
}

void pane_place(Pane *p, int y, int x, int h, int w)
{
    if (h <= 2 || w <= 2) {
        pane_hide(p);
        return;
    }
    if (p->win && p->y == y && p->x == x && p->h == h && p->w == w) {
        p->visible = true;
        return;
    }
    pane_hide(p);
    p->win = newwin(h, w, y, x);
    if (!p->win)
        return;
    p->body = derwin(p->win, h - 2, w - 2, 1, 1);
    p->y = y;
    p->x = x;
    p->h = h;
    p->w = w;
    p->visible = true;
    p->needs_redraw = true;
}

int pane_body_height(const Pane *p)
{
    return p->visible && p->body ? p->h - 2 : 0;
}

int pane_body_width(const Pane *p)
{
    return p->visible && p->body ? p->w - 2 : 0;
}

void pane_render(Pane *p)
{
    if (!p->visible || !p->win)
        return;
    if (p->needs_redraw) {
        draw_style(p->body, STYLE_DEFAULT);
        werase(p->body);
        assert(p->klass->draw);
        p->klass->draw(p, p->body, p->h - 2, p->w - 2);
        draw_box(p->win, p->focused ? STYLE_BORDER_FOCUS : STYLE_BORDER);
        SkBuf title;
        sk_buf_init(&title);
        if (p->klass->title)
            p->klass->title(p, &title);
        else
            sk_buf_puts(&title, p->klass->name);
        if (title.len && p->w > 6) {
            StyleId st = p->focused ? STYLE_PANE_TITLE_FOCUS : STYLE_PANE_TITLE;
            int used = draw_str(p->win, 0, 2, 1, " ", st);
            used += draw_str_ellipsis(p->win, 0, 2 + used, p->w - 6, sk_buf_cstr(&title), st);
            draw_str(p->win, 0, 2 + used, 1, " ", st);
        }
        sk_buf_done(&title);
        touchwin(p->win);
        p->needs_redraw = false;
    }
    wnoutrefresh(p->win);
}

/* ---- PaneList ---- */

void pane_list_clamp(PaneList *l, int height)
{
    if (height < 1)
        height = 1;
    if (l->count <= 0) {
        l->cursor = l->top = 0;
        return;
    }
    if (l->cursor >= l->count)
        l->cursor = l->count - 1;
    if (l->cursor < 0)
        l->cursor = 0;
    if (l->cursor < l->top)
        l->top = l->cursor;
    if (l->cursor >= l->top + height)
        l->top = l->cursor - height + 1;
    if (l->top > l->count - height)
        l->top = SK_MAX(0, l->count - height);
    if (l->top < 0)
        l->top = 0;
}

void pane_list_select(PaneList *l, int row, int height)
{
    if (height < 1)
        height = 1;
    bool offscreen = row < l->top || row >= l->top + height;
    l->cursor = row;
    if (offscreen)
        l->top = row - height / 3;
    pane_list_clamp(l, height);
}

bool pane_list_move(PaneList *l, Action a, int height, bool *handled)
{
    int oc = l->cursor, ot = l->top;
    int page = SK_MAX(1, height - 1);
    bool h = true;
    switch (a) {
    case ACTION_MOVE_DOWN:
        l->cursor++;
        break;
    case ACTION_MOVE_UP:
        l->cursor--;
        break;
    case ACTION_PAGE_DOWN:
        l->cursor += page;
        l->top += page;
        break;
    case ACTION_PAGE_UP:
        l->cursor -= page;
        l->top -= page;
        break;
    case ACTION_MOVE_FIRST:
        l->cursor = 0;
        break;
    case ACTION_MOVE_LAST:
        l->cursor = l->count - 1;
        break;
    default:
        h = false;
        break;
    }
    if (handled)
        *handled = h;
    if (!h)
        return false;
    pane_list_clamp(l, height);
    return l->cursor != oc || l->top != ot;
}

bool pane_list_mouse(PaneList *l, const PaneMouse *m, int height)
{
    int oc = l->cursor, ot = l->top;
    if (m->kind == PANE_MOUSE_WHEEL_DOWN) {
        l->top += 3;
        if (l->top > l->count - height)
            l->top = SK_MAX(0, l->count - height);
        if (l->cursor < l->top)
            l->cursor = l->top;
    } else if (m->kind == PANE_MOUSE_WHEEL_UP) {
        l->top = SK_MAX(0, l->top - 3);
        if (l->cursor >= l->top + height)
            l->cursor = l->top + height - 1;
    } else if (m->y >= 0 && l->top + m->y < l->count) {
        l->cursor = l->top + m->y;
    }
    pane_list_clamp(l, height);
    return l->cursor != oc || l->top != ot;
}
