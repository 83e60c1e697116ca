/* theme.h: semantic styles (STYLE_*) and colour themes loaded from themes/<name>.yaml.
 *
 * Drawing code uses STYLE_* ids only. A theme maps each style to a foreground, a background
 * and attributes. Every style gets its own colour pair (pair = style + 1), so the screen-dump
 * harness can read the style of any cell back from the pair number. Without colour support
 * or with NO_COLOR set, only the attributes are used (a clean monochrome rendering). */
#ifndef SKVM_UI_THEME_H
#define SKVM_UI_THEME_H

#include <stdbool.h>

#include "core/util.h"

/* _(id, config name, one-letter code for .styles dumps) */
#define STYLE_INFO(_)                                                                              \
    _(STYLE_DEFAULT, "default", ' ')                                                               \
    _(STYLE_BORDER, "border", 'b')                                                                 \
    _(STYLE_BORDER_FOCUS, "border-focus", 'B')                                                     \
    _(STYLE_PANE_TITLE, "title", 't')                                                              \
    _(STYLE_PANE_TITLE_FOCUS, "title-focus", 'T')                                                  \
    _(STYLE_SELECTION, "selection", 'S')                                                           \
    _(STYLE_SELECTION_DIM, "selection-unfocused", 's')                                             \
    _(STYLE_LINE_NUMBER, "line-number", 'n')                                                       \
    _(STYLE_FRONTMATTER, "frontmatter", 'f')                                                       \
    _(STYLE_FRONTMATTER_KEY, "frontmatter-key", 'k')                                               \
    _(STYLE_HEADING, "heading", 'h')                                                               \
    _(STYLE_LIST_MARK, "list-mark", 'l')                                                           \
    _(STYLE_CODE, "code", 'c')                                                                     \
    _(STYLE_CODE_INLINE, "code-inline", 'i')                                                       \
    _(STYLE_EVIDENCE, "evidence", 'E')                                                             \
    _(STYLE_EVIDENCE_MARK, "evidence-mark", 'e')                                                   \
    _(STYLE_SEARCH_MATCH, "search-match", 'M')                                                     \
    _(STYLE_LEVEL_0, "level-0", '0')                                                               \
    _(STYLE_LEVEL_1, "level-1", '1')                                                               \
    _(STYLE_LEVEL_2, "level-2", '2')                                                               \
    _(STYLE_LEVEL_3, "level-3", '3')                                                               \
    _(STYLE_GAP_MISSING, "gap-missing", 'X')                                                       \
    _(STYLE_GAP_WEAK, "gap-weak", 'W')                                                             \
    _(STYLE_GAP_OK, "gap-ok", 'O')                                                                 \
    _(STYLE_DIM, "dim", '.')                                                                       \
    _(STYLE_LABEL, "label", 'L')                                                                   \
    _(STYLE_STATUS, "status", 'u')                                                                 \
    _(STYLE_STATUS_KEY, "status-key", 'K')                                                         \
    _(STYLE_COMMAND, "command", ':')                                                               \
    _(STYLE_ERROR, "error", 'r')                                                                   \
    _(STYLE_WARNING, "warning", 'w')                                                               \
    _(STYLE_INFO, "info", 'I')                                                                     \
    _(STYLE_HELP_KEY, "help-key", 'H')                                                             \
    _(STYLE_PLAN_CRITICAL, "plan-critical", 'P')                                                   \
    _(STYLE_PLAN_GROUP, "plan-group", 'g')                                                         \
    _(STYLE_DIFF_ADDED, "diff-added", '+')                                                         \
    _(STYLE_DIFF_REMOVED, "diff-removed", '-')                                                     \
    _(STYLE_DIFF_CHANGED, "diff-changed", '~')

typedef enum StyleId {
#define STYLE_ENUM(id, name, code) id,
    STYLE_INFO(STYLE_ENUM)
#undef STYLE_ENUM
        STYLE_COUNT
} StyleId;

/* Attribute bits of a theme entry (independent of curses so themes load without a screen). */
enum { THEME_BOLD = 1, THEME_UNDERLINE = 2, THEME_REVERSE = 4, THEME_DIM = 8, THEME_ITALIC = 16 };

#define THEME_COLOR_DEFAULT (-1)

typedef struct ThemeStyle {
    short fg, bg;   /* 0..255, or THEME_COLOR_DEFAULT */
    unsigned attrs; /* THEME_* bits used with colours */
    unsigned mono;  /* THEME_* bits used without colours */
} ThemeStyle;

typedef struct Theme {
    char *name;
    ThemeStyle styles[STYLE_COUNT];
    SkVec problems; /* char *: "file: message" for entries that did not load */
} Theme;

/* Load theme NAME: a path to a .yaml file, else $SKVM_HOME/themes/NAME.yaml, else the built-in
 * themes/NAME.yaml. Bad entries keep their defaults and are listed in problems. Returns NULL
 * (with ERR) when no theme of that name exists or the file is not a YAML mapping. */
Theme *theme_load(const char *name, SkError *err);
/* The built-in monochrome theme; never fails. */
Theme *theme_new_mono(void);
void theme_free(Theme *t);
/* Names of the built-in themes (a NULL-terminated static list of "dark", "light", ...). */
const char *const *theme_builtin_names(void);

/* Set up curses colour pairs for T (call after the screen exists). MONO forces monochrome. */
void theme_apply(const Theme *t, bool mono);
/* Curses attributes and pair of STYLE for the applied theme. */
void theme_style(StyleId s, unsigned long *attrs, short *pair);
/* The one-letter dump code and config name of a style. */
char theme_style_code(StyleId s);
const char *theme_style_name(StyleId s);
/* Style id from a curses pair number (as stored in a cell); STYLE_DEFAULT when unknown. */
StyleId theme_style_from_pair(short pair);
/* True when the applied theme uses colours. */
bool theme_has_color(void);

#endif
