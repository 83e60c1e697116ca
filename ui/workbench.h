/* workbench.h: the workbench application: the shared model the panes read (skill, analysis,
 * profiles, target model, selected requirement), the pane list, and the poll loop.
 *
 * Panes read the model through these fields (read-only) and change it only through the
 * workbench_* functions, which notify every pane (on_change). */
#ifndef SKVM_UI_WORKBENCH_H
#define SKVM_UI_WORKBENCH_H

#include <stdbool.h>
#include <stddef.h>

#include "core/analyzer.h"
#include "core/jobs.h"
#include "core/skill.h"
#include "core/tcp.h"
#include "core/trace.h"
#include "core/util.h"
#include "ui/keymap.h"
#include "ui/pane.h"
#include "ui/theme.h"

typedef struct WorkbenchOptions {
    const char *skill_dir;  /* NULL: the current folder when it has SKILL.md, else picker */
    const char *theme;      /* NULL: $SKVM_THEME, config, else "dark" */
    const char *model;      /* initial target model id (NULL: the first profile) */
    const char *script;     /* steps file (NULL: $SKVM_SCRIPT) */
    const char *screen_dir; /* where :save-screen writes (NULL: $SKVM_SCREEN_DIR, else ".") */
    bool headless;          /* also when $SKVM_HEADLESS=1 */
    int cols, rows;         /* headless size (default 80x24; $SKVM_SIZE=WxH) */
    bool no_mouse;
    bool mono; /* --no-color; NO_COLOR also forces it */
    /* Benchmarks: milliseconds from start to the first complete frame (when non-NULL). */
    double *first_frame_ms;
} WorkbenchOptions;

typedef struct WbMessage {
    SkLogLevel level;
    char *text;
} WbMessage;

typedef struct Script Script;
typedef struct StatusBar StatusBar;

struct Workbench {
    /* ---- model (engine objects; borrowed by panes) ---- */
    Skill *skill;       /* NULL when none is loaded */
    char *skill_error;  /* why the last load failed (NULL when fine) */
    Analysis *analysis; /* NULL when no skill */
    TcpIndex *profiles; /* never NULL after start (may be empty) */
    size_t target;      /* index into profiles; SIZE_MAX when there are none */
    int req;            /* selected requirement index in analysis->reqs, -1 when none */
    /* ---- ui ---- */
    Keymap *keymap;
    Theme *theme;
    bool mono;
    SkVec panes; /* Pane *, owned, in PANE_REGISTRY order */
    Pane *focus; /* focused tile */
    Pane *modal; /* open modal pane (help, picker) or NULL */
    bool zoom;   /* focused tile fills the main area */
    bool small;  /* below the comfortable size: one tile at a time */
    StatusBar *status;
    SkVec messages; /* WbMessage *, owned, oldest first */
    TraceBus *bus;
    Script *script;
    char *screen_dir;
    bool quit;
    int exit_code;
    bool full_redraw;
    int busy; /* running jobs; scripted input waits while > 0 */
    Jobs *jobs; /* background jobs (chat, runs, profiles, compiles) on the bus; owned */
};

/* Run the workbench until the user quits. Returns a CLI exit code (0 ok, 2 bad arguments or
 * unreadable skill in headless mode, 3 when no terminal is available). */
int workbench_run(const WorkbenchOptions *o);

/* ---- model accessors and changes ---- */
const Tcp *workbench_target(const Workbench *wb);
const Requirement *workbench_requirement(const Workbench *wb);
size_t workbench_requirement_count(const Workbench *wb);
const Requirement *workbench_requirement_at(const Workbench *wb, size_t i);
void workbench_set_target(Workbench *wb, size_t index);
void workbench_set_requirement(Workbench *wb, int index);
/* Load (or reload) a skill folder; errors become messages. Returns true on success. */
bool workbench_load_skill(Workbench *wb, const char *path);
/* Tell every pane that WHAT changed (PANE_CHANGE_*). */
void workbench_notify(Workbench *wb, unsigned what);

/* ---- ui services for panes ---- */
void workbench_message(Workbench *wb, SkLogLevel level, const char *fmt, ...) ATTR_FORMAT(3, 4);
Pane *workbench_pane(const Workbench *wb, const char *name);
void workbench_focus(Workbench *wb, Pane *p);
/* Open a modal pane by name (help, picker) / close the open one. */
void workbench_open_modal(Workbench *wb, const char *name);
void workbench_close_modal(Workbench *wb);
/* Run a command line ("save-screen x", "model qwen", "42"). */
void workbench_command(Workbench *wb, const char *line);
/* Keys of ACTION in the scope of pane NAME (with generic), for hints: "m". */
void workbench_keys_for(const Workbench *wb, const char *scope, Action a, char *out, size_t size);
/* Recompute pane geometry (on resize, zoom, a pane shown or hidden). */
void workbench_relayout(Workbench *wb);

#endif
