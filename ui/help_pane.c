/* help_pane.c: the key and command reference, generated from ACTION_INFO and the keymap. */
#include <stdlib.h>
#include <string.h>

#include "ui/draw.h"
#include "ui/panes.h"
#include "ui/workbench.h"

typedef struct HelpRow {
    StyleId key_style;
    char *keys; /* may be "" */
    char *text;
    bool heading;
} HelpRow;

typedef struct HelpPane {
    Pane super;
    HelpRow *rows;
    size_t nrows, cap;
    PaneList list;
} HelpPane;

static void help_pane_add(HelpPane *hp, bool heading, const char *keys, const char *text)
{
    if (hp->nrows == hp->cap) {
        hp->cap = hp->cap ? hp->cap * 2 : 64;
        hp->rows = sk_realloc(hp->rows, hp->cap * sizeof *hp->rows);
    }
    hp->rows[hp->nrows++] = (HelpRow){STYLE_HELP_KEY, sk_strdup(keys), sk_strdup(text), heading};
}

static void help_pane_clear(HelpPane *hp)
{
    for (size_t i = 0; i < hp->nrows; i++) {
        free(hp->rows[i].keys);
        free(hp->rows[i].text);
    }
    hp->nrows = 0;
}

static void help_pane_build(HelpPane *hp)
{
    const Workbench *wb = hp->super.wb;
    help_pane_clear(hp);
    const char *scopes[16];
    size_t ns = keymap_scopes(wb->keymap, scopes, 16);
    for (size_t s = 0; s < ns; s++) {
        bool any = false;
        for (int a = 1; a < ACTION_COUNT; a++) {
            char keys[96];
            keymap_keys_for(wb->keymap, scopes[s], (Action)a, keys, sizeof keys);
            if (!*keys)
                continue;
            if (!any) {
                char *h = !strcmp(scopes[s], "generic")
                              ? sk_strdup("Keys everywhere")
                              : sk_asprintf("Keys in the %s pane", scopes[s]);
                if (hp->nrows)
                    help_pane_add(hp, false, "", "");
                help_pane_add(hp, true, "", h);
                free(h);
                any = true;
            }
            char *t = sk_asprintf("%-13s %s", keymap_action_name((Action)a),
                                  keymap_action_help((Action)a));
            help_pane_add(hp, false, keys, t);
            free(t);
        }
    }
    help_pane_add(hp, false, "", "");
    help_pane_add(hp, true, "", "Commands (type : then the command and Enter)");
    static const char *const cmds[][2] = {
        {":ACTION", "any action above by name, e.g. :heatmap, :next-model"},
        {"Tab  Up  Down", "in the command line: complete the word; earlier commands"},
        {":N", "jump to line N of the source"},
        {":search TEXT", "search the source (like /)"},
        {":model NAME", "make NAME (or a part of it) the target model"},
        {":select PRIMITIVE", "select a requirement, e.g. :select tool.exec"},
        {":pane NAME", "focus a pane (source, caps, log)"},
        {":file PATH", "show a bundle file in the source pane"},
        {":open PATH", "open another skill folder (no PATH: the picker)"},
        {":theme NAME", "switch theme (dark, light, mono, or a .yaml path)"},
        {":resize WxH", "resize the screen (tests)"},
        {":save-screen NAME", "write NAME.screen and NAME.styles (tests, screenshots)"},
        {":save-state NAME", "write NAME.state, the panes' semantic state"},
        {":echo TEXT", "log TEXT through the engine's event bus (shows in the messages)"},
        {":quit", "quit"},
    };
    for (size_t i = 0; i < SK_ARRAY_LEN(cmds); i++)
        help_pane_add(hp, false, cmds[i][0], cmds[i][1]);
    help_pane_add(hp, false, "", "");
    help_pane_add(hp, true, "", "Reading the capabilities pane");
    help_pane_add(hp, false, "✗",
                  "missing: the target model has L0 on a primitive the skill needs");
    help_pane_add(hp, false, "!",
                  "weak: it has a lower level than needed; guidance shows how to degrade");
    help_pane_add(hp, false, "✓", "the model meets the need");
    help_pane_add(hp, false, "▶", "in the source: an evidence line of the selected requirement");
    help_pane_add(hp, false, "", "");
    help_pane_add(hp, false, "",
                  "Keys are set in $SKVM_HOME/keys.yaml (same layout as the defaults).");
    hp->list.count = (int)hp->nrows;
}

static void help_pane_draw(Pane *p, WINDOW *w, int h, int width)
{
    HelpPane *hp = (HelpPane *)p;
    pane_list_clamp(&hp->list, h);
    int kw = 16;
    for (int row = 0; row < h; row++) {
        size_t i = (size_t)(hp->list.top + row);
        if (i >= hp->nrows)
            break;
        const HelpRow *r = &hp->rows[i];
        if (r->heading) {
            draw_str(w, row, 1, width - 1, r->text, STYLE_HEADING);
            continue;
        }
        draw_str_ellipsis(w, row, 2, kw - 1, r->keys, r->key_style);
        draw_str_ellipsis(w, row, 2 + kw, width - 2 - kw, r->text, STYLE_DEFAULT);
    }
}

static void help_pane_title(Pane *p, SkBuf *out)
{
    (void)p;
    sk_buf_puts(out, "Help · q or Esc closes");
}

static PaneResult help_pane_handle_key(Pane *p, const PaneKey *k)
{
    HelpPane *hp = (HelpPane *)p;
    bool handled = false;
    if (pane_list_move(&hp->list, k->action, pane_body_height(p), &handled) || handled) {
        /* Scroll rather than move a cursor: the help has no selection. */
        return PANE_HANDLED | PANE_REDRAW;
    }
    if (k->action == ACTION_QUIT || k->action == ACTION_CANCEL || k->action == ACTION_HELP ||
        k->action == ACTION_ENTER)
        return PANE_HANDLED | PANE_QUIT;
    return PANE_IGNORED;
}

static PaneResult help_pane_handle_mouse(Pane *p, const PaneMouse *m)
{
    HelpPane *hp = (HelpPane *)p;
    return pane_list_mouse(&hp->list, m, pane_body_height(p)) ? PANE_HANDLED | PANE_REDRAW
                                                              : PANE_HANDLED;
}

static PaneResult help_pane_on_change(Pane *p, unsigned what)
{
    HelpPane *hp = (HelpPane *)p;
    if (what & PANE_CHANGE_SKILL) { /* sent when opened */
        help_pane_build(hp);
        hp->list.cursor = hp->list.top = 0;
        return PANE_REDRAW;
    }
    return PANE_IGNORED;
}

static void help_pane_dump_state(Pane *p, SkBuf *out)
{
    HelpPane *hp = (HelpPane *)p;
    if (p->visible) /* the row count changes with every new action: only when open */
        sk_buf_printf(out, "rows %zu\ntop %d\n", hp->nrows, hp->list.top + 1);
}

static void help_pane_free(Pane *p)
{
    HelpPane *hp = (HelpPane *)p;
    pane_done(p);
    help_pane_clear(hp);
    free(hp->rows);
    free(hp);
}

static const PaneClass help_pane_class = {
    .name = "help",
    .draw = help_pane_draw,
    .title = help_pane_title,
    .handle_key = help_pane_handle_key,
    .handle_mouse = help_pane_handle_mouse,
    .on_change = help_pane_on_change,
    .dump_state = help_pane_dump_state,
    .free = help_pane_free,
};

Pane *help_pane_new(Workbench *wb)
{
    HelpPane *hp = sk_calloc(1, sizeof *hp);
    pane_init(&hp->super, &help_pane_class, wb);
    return &hp->super;
}
