/* layout.h: place the panes on the screen. Reached on start, on KEY_RESIZE / :resize, and
 * when zoom, a modal pane or a hidden tile changes.
 *
 *  - comfortable (>= 120 columns and >= 30 rows): the first tile on the left (half), the
 *    other visible tiles stacked in the right column;
 *  - narrower (>= 80x24): all visible tiles stacked top to bottom;
 *  - smaller than 80x24, zoom, or a modal pane: one pane fills the main area.
 * The status bar always takes the last row. */
#ifndef SKVM_UI_LAYOUT_H
#define SKVM_UI_LAYOUT_H

#include "ui/workbench.h"

#define LAYOUT_MIN_COLS  80
#define LAYOUT_MIN_ROWS  24
#define LAYOUT_WIDE_COLS 120
#define LAYOUT_WIDE_ROWS 30

void layout_apply(Workbench *wb);
/* The pane at screen position (Y, X), NULL when none. */
Pane *layout_pane_at(const Workbench *wb, int y, int x);

#endif
