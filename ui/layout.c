/* layout.c: tiling of the panes (side by side, stacked, or one at a time). */
#include "ui/layout.h"

#include <curses.h>

#include "ui/status_bar.h"

/* Height of an on-demand tile (the message log) when shown. */
#define LAYOUT_LOG_ROWS 7

void layout_apply(Workbench *wb)
{
    int rows = LINES, cols = COLS;
    int main_h = rows - 1;
    wb->small = cols < LAYOUT_MIN_COLS || rows < LAYOUT_MIN_ROWS;

    Pane *tiles[16];
    int ntiles = 0;
    for (size_t i = 0; i < wb->panes.len; i++) {
        Pane *p = sk_vec_get(&wb->panes, i);
        bool want = p->role == PANE_ROLE_TILE || (p->role == PANE_ROLE_TILE_HIDDEN && p->shown);
        if (want && ntiles < (int)SK_ARRAY_LEN(tiles))
            tiles[ntiles++] = p;
        else
            pane_hide(p);
        p->focused = false;
    }
    if (wb->focus && !(wb->focus->role == PANE_ROLE_TILE ||
                       (wb->focus->role == PANE_ROLE_TILE_HIDDEN && wb->focus->shown)))
        wb->focus = ntiles ? tiles[0] : NULL;
    if (!wb->focus && ntiles)
        wb->focus = tiles[0];

    if (wb->modal || wb->zoom || wb->small) {
        Pane *only = wb->modal ? wb->modal : wb->focus;
        for (int i = 0; i < ntiles; i++)
            if (tiles[i] != only)
                pane_hide(tiles[i]);
        if (only) {
            pane_place(only, 0, 0, main_h, cols);
            only->focused = true;
            only->needs_redraw = true;
        }
    } else if (cols >= LAYOUT_WIDE_COLS && rows >= LAYOUT_WIDE_ROWS && ntiles > 1) {
        int left_w = cols / 2;
        pane_place(tiles[0], 0, 0, main_h, left_w);
        /* Right column: on-demand tiles get a fixed height at the bottom. */
        int fixed = 0, flex = 0;
        for (int i = 1; i < ntiles; i++) {
            if (tiles[i]->role == PANE_ROLE_TILE_HIDDEN)
                fixed += LAYOUT_LOG_ROWS;
            else
                flex++;
        }
        int y = 0, flex_h = flex ? (main_h - fixed) / flex : 0;
        for (int i = 1; i < ntiles; i++) {
            bool fx = tiles[i]->role == PANE_ROLE_TILE_HIDDEN;
            int h = fx ? LAYOUT_LOG_ROWS : flex_h;
            if (i == ntiles - 1)
                h = main_h - y;
            pane_place(tiles[i], y, left_w, h, cols - left_w);
            y += h;
        }
    } else {
        int fixed = 0, flex = 0;
        for (int i = 0; i < ntiles; i++) {
            if (tiles[i]->role == PANE_ROLE_TILE_HIDDEN)
                fixed += LAYOUT_LOG_ROWS;
            else
                flex++;
        }
        int y = 0, flex_h = flex ? (main_h - fixed) / flex : 0;
        for (int i = 0; i < ntiles; i++) {
            bool fx = tiles[i]->role == PANE_ROLE_TILE_HIDDEN;
            int h = fx ? LAYOUT_LOG_ROWS : flex_h;
            if (i == ntiles - 1)
                h = main_h - y;
            pane_place(tiles[i], y, 0, h, cols);
            y += h;
        }
    }
    if (!wb->modal && wb->focus)
        wb->focus->focused = true;
    for (size_t i = 0; i < wb->panes.len; i++)
        ((Pane *)sk_vec_get(&wb->panes, i))->needs_redraw = true;
    status_bar_place(wb->status, rows - 1, cols);
    wb->full_redraw = true;
}

Pane *layout_pane_at(const Workbench *wb, int y, int x)
{
    for (size_t i = 0; i < wb->panes.len; i++) {
        Pane *p = sk_vec_get(&wb->panes, i);
        if (p->visible && y >= p->y && y < p->y + p->h && x >= p->x && x < p->x + p->w)
            return p;
    }
    return NULL;
}
