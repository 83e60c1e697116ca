/* panes.h: the list of panes of the workbench. One line per pane:
 *   _(constructor, role)
 * The constructor has the signature `Pane *<name>_pane_new(Workbench *wb)` and lives in
 * ui/<name>_pane.c. Tiles are laid out in list order (the first one is the main, widest
 * tile); modal panes cover the main area while open.
 *
 * To add a pane: write ui/<name>_pane.c (a struct with `Pane super` first, a const
 * PaneClass <name>_pane_class, and <name>_pane_new), then add its line below. Nothing else:
 * the layout, focus cycling (Tab), `:pane <name>`, mouse focus, trace events (on_event),
 * :save-state and the help pane pick it up from here. */
#ifndef SKVM_UI_PANES_H
#define SKVM_UI_PANES_H

#include "ui/pane.h"

#define PANE_REGISTRY(_)                                                                           \
    _(source_pane_new, PANE_ROLE_TILE)                                                             \
    _(caps_pane_new, PANE_ROLE_TILE)                                                               \
    _(log_pane_new, PANE_ROLE_TILE_HIDDEN)                                                         \
    _(trace_pane_new, PANE_ROLE_TILE_HIDDEN)                                                       \
    _(help_pane_new, PANE_ROLE_MODAL)                                                              \
    _(picker_pane_new, PANE_ROLE_MODAL)                                                            \
    _(profile_pane_new, PANE_ROLE_MODAL)                                                           \
    _(plan_pane_new, PANE_ROLE_MODAL)                                                              \
    _(compare_pane_new, PANE_ROLE_MODAL)

#define PANE_REGISTRY_DECL(ctor, role) Pane *ctor(Workbench *wb);
PANE_REGISTRY(PANE_REGISTRY_DECL)
#undef PANE_REGISTRY_DECL

#endif
