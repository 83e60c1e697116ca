/* draw.h: shared drawing helpers. Panes say what to draw (text, style, column); these
 * helpers handle UTF-8, wide characters, tabs, truncation, alignment and box characters. */
#ifndef SKVM_UI_DRAW_H
#define SKVM_UI_DRAW_H

#include <curses.h>
#include <stddef.h>

#include "ui/theme.h"

/* Set the current style of W. */
void draw_style(WINDOW *w, StyleId s);
/* Draw N bytes of UTF-8 text S at (Y, X) in at most MAXW columns, skipping the first SKIP
 * columns (horizontal scrolling). Tabs expand to 4-column stops; control characters show as
 * '?'; a wide character that does not fit is replaced by a space. Returns columns used. */
int draw_text(WINDOW *w, int y, int x, int maxw, const char *s, size_t n, int skip, StyleId st);
/* draw_text of a NUL-terminated string with no skip. */
int draw_str(WINDOW *w, int y, int x, int maxw, const char *s, StyleId st);
/* printf into at most MAXW columns. */
int draw_printf(WINDOW *w, int y, int x, int maxw, StyleId st, const char *fmt, ...)
    ATTR_FORMAT(6, 7);
/* Fill WIDTH columns at (Y, X) with spaces in style ST. */
void draw_fill(WINDOW *w, int y, int x, int width, StyleId st);
/* Restyle WIDTH existing cells at (Y, X) keeping their characters. */
void draw_restyle(WINDOW *w, int y, int x, int width, StyleId st);
/* Draw a line-drawing box around W. */
void draw_box(WINDOW *w, StyleId st);
/* Horizontal line of WIDTH at (Y, X) with tee ends when TEES is true. */
void draw_hline(WINDOW *w, int y, int x, int width, StyleId st);
/* Display width of N bytes of UTF-8 (tabs count as to the next 4-column stop). */
int draw_width(const char *s, size_t n);
/* Draw "text" truncated with "…" to fit MAXW columns. */
int draw_str_ellipsis(WINDOW *w, int y, int x, int maxw, const char *s, StyleId st);
/* Word-wrap TEXT (newlines start new rows) into at most MAXLINES rows of WIDTH columns from
 * (Y, X); the last row ends with "…" when text remains. Returns the rows used. */
int draw_wrap(WINDOW *w, int y, int x, int width, int maxlines, const char *text, StyleId st);
/* Write a level bar "■■□" for LEVEL of MAX cells. */
int draw_bar(WINDOW *w, int y, int x, int level, int max, StyleId on, StyleId off);

#endif
