/* pane.h: the Pane base class. Every pane of the workbench (source, capabilities, help, log,
 * picker, and later trace, profile, plan, compare) is a struct whose first member is a Pane
 * `super`, with a `const PaneClass <name>_pane_class` of function pointers.
 *
 * Handlers never draw: they change state and return PANE_* flags; the workbench loop redraws
 * dirty panes (needs_redraw) with wnoutrefresh and calls doupdate() once per iteration.
 * Adding a pane: see ui/panes.h. */
#ifndef SKVM_UI_PANE_H
#define SKVM_UI_PANE_H

#include <assert.h>
#include <curses.h>
#include <stdbool.h>

#include "core/trace.h"
#include "core/util.h"
#include "ui/keymap.h"

typedef struct Workbench Workbench;
typedef struct Pane Pane;

/* Result flags of a handler. */
enum {
    PANE_IGNORED = 0,
    PANE_HANDLED = 1 << 0,  /* the input was consumed */
    PANE_REDRAW = 1 << 1,   /* this pane needs drawing */
    PANE_RELAYOUT = 1 << 2, /* pane geometry or visibility changed */
    PANE_QUIT = 1 << 3,     /* close this pane (modal) or leave */
};
typedef unsigned PaneResult;

/* What changed in the shared workbench model (workbench_notify -> on_change). */
enum {
    PANE_CHANGE_SKILL = 1 << 0,       /* a skill (and its analysis) was loaded or reloaded */
    PANE_CHANGE_TARGET = 1 << 1,      /* the target model changed */
    PANE_CHANGE_REQUIREMENT = 1 << 2, /* the selected requirement changed */
    PANE_CHANGE_MESSAGES = 1 << 3,    /* a message was added */
    PANE_CHANGE_PROFILES = 1 << 4,    /* the profile index was reloaded */
};

/* How a registered pane takes part in the layout. */
typedef enum PaneRole {
    PANE_ROLE_TILE,        /* tiled at start */
    PANE_ROLE_TILE_HIDDEN, /* a tile shown on demand (log) */
    PANE_ROLE_MODAL,       /* covers the main area while open (help, picker) */
} PaneRole;

typedef struct PaneKey {
    int key;       /* keymap key code (see keymap.h) */
    Action action; /* the action bound in this pane's keymap (or generic); ACTION_NONE */
} PaneKey;

typedef enum PaneMouseKind {
    PANE_MOUSE_CLICK,
    PANE_MOUSE_WHEEL_UP,
    PANE_MOUSE_WHEEL_DOWN
} PaneMouseKind;

typedef struct PaneMouse {
    PaneMouseKind kind;
    int y, x; /* relative to the pane's body (inside the border) */
} PaneMouse;

typedef struct PaneClass {
    const char *name; /* "source": the :pane name, keymap scope and state-dump name */
    /* Draw the body; W is the body window of H rows and WIDTH columns, already erased. */
    void (*draw)(Pane *p, WINDOW *w, int h, int width);
    /* The title shown on the top border (e.g. "SKILL.md  12/243"). */
    void (*title)(Pane *p, SkBuf *out);
    PaneResult (*handle_key)(Pane *p, const PaneKey *k);
    PaneResult (*handle_mouse)(Pane *p, const PaneMouse *m); /* optional */
    PaneResult (*on_event)(Pane *p, const TraceEvent *ev);   /* optional: trace bus events */
    PaneResult (*on_change)(Pane *p, unsigned what);         /* optional: model changes */
    /* A command addressed to panes (":search foo", ":heatmap", ":line 42"): CMD is the first
     * word, ARGS the rest (may be ""). Return PANE_IGNORED when not this pane's. Optional. */
    PaneResult (*command)(Pane *p, const char *cmd, const char *args);
    /* Append the semantic state ("key value" lines) for :save-state. Optional. */
    void (*dump_state)(Pane *p, SkBuf *out);
    void (*free)(Pane *p); /* frees the subclass; must call pane_done */
} PaneClass;

struct Pane {
    const PaneClass *klass;
    Workbench *wb;
    PaneRole role;
    WINDOW *win;  /* frame (border + title); NULL while not placed */
    WINDOW *body; /* derived window inside the border */
    int y, x, h, w;
    bool visible; /* placed by the layout */
    bool focused;
    bool needs_redraw;
    bool shown; /* for PANE_ROLE_TILE_HIDDEN: currently wanted */
};

/* Initialise the base part of a subclass. */
void pane_init(Pane *p, const PaneClass *klass, Workbench *wb);
/* Release the base part (windows). */
void pane_done(Pane *p);
/* Free P through its class (NULL is a no-op). */
void pane_free(Pane *p);
/* Give P the rectangle (Y, X, H, W) or hide it (H or W <= 2). */
void pane_place(Pane *p, int y, int x, int h, int w);
void pane_hide(Pane *p);
/* Draw frame + body into the virtual screen (wnoutrefresh) when visible. */
void pane_render(Pane *p);
/* Body size (0 when hidden). */
int pane_body_height(const Pane *p);
int pane_body_width(const Pane *p);
static inline void pane_dirty(Pane *p)
{
    p->needs_redraw = true;
}

static inline PaneResult pane_handle_key(Pane *p, const PaneKey *k)
{
    assert(p->klass->handle_key);
    return p->klass->handle_key(p, k);
}

static inline PaneResult pane_handle_mouse(Pane *p, const PaneMouse *m)
{
    return p->klass->handle_mouse ? p->klass->handle_mouse(p, m) : PANE_IGNORED;
}

static inline PaneResult pane_on_event(Pane *p, const TraceEvent *ev)
{
    return p->klass->on_event ? p->klass->on_event(p, ev) : PANE_IGNORED;
}

static inline PaneResult pane_on_change(Pane *p, unsigned what)
{
    return p->klass->on_change ? p->klass->on_change(p, what) : PANE_IGNORED;
}

static inline PaneResult pane_command(Pane *p, const char *cmd, const char *args)
{
    return p->klass->command ? p->klass->command(p, cmd, args) : PANE_IGNORED;
}

static inline const char *pane_name(const Pane *p)
{
    return p->klass->name;
}

/* ---- a cursor over a list of rows, shared by list-like panes ---- */
typedef struct PaneList {
    int count;  /* rows */
    int cursor; /* selected row (0 when empty) */
    int top;    /* first visible row */
} PaneList;

/* Apply a movement action for a view of HEIGHT rows. Returns true when the cursor or the
 * scroll position changed; false when ACTION is not a movement. *HANDLED (optional) is set
 * when the action is a movement. */
bool pane_list_move(PaneList *l, Action a, int height, bool *handled);
/* Clamp the cursor and scroll so the cursor is visible in HEIGHT rows. */
void pane_list_clamp(PaneList *l, int height);
/* Put the cursor on ROW and scroll so that it is visible (centered when it was off-screen). */
void pane_list_select(PaneList *l, int row, int height);
/* Mouse: select the row under Y, or scroll by wheel. Returns true when changed. */
bool pane_list_mouse(PaneList *l, const PaneMouse *m, int height);

#endif
