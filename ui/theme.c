/* theme.c: load colour themes (themes/NAME.yaml) and map semantic styles to curses pairs. */
#include "ui/theme.h"

#include <curses.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/embed.h"
#include "core/js.h"
#include "core/yaml_load.h"

static const char *const style_names[STYLE_COUNT] = {
#define STYLE_NAME(id, name, code) name,
    STYLE_INFO(STYLE_NAME)
#undef STYLE_NAME
};

static const char style_codes[STYLE_COUNT] = {
#define STYLE_CODE_ENTRY(id, name, code) code,
    STYLE_INFO(STYLE_CODE_ENTRY)
#undef STYLE_CODE_ENTRY
};

static const char *const builtin_names[] = {"dark", "light", "mono", NULL};

/* The applied theme, resolved to curses values. */
static attr_t applied_attrs[STYLE_COUNT];
static bool applied_color;

static const char *const color_names[] = {"black", "red",     "green", "yellow",
                                          "blue",  "magenta", "cyan",  "white"};

static bool theme_parse_color(const json_t *v, short *out)
{
    if (json_is_integer(v)) {
        long long n = json_integer_value(v);
        if (n < -1 || n > 255)
            return false;
        *out = (short)n;
        return true;
    }
    if (!json_is_string(v))
        return false;
    const char *s = json_string_value(v);
    if (!strcmp(s, "default") || !strcmp(s, "none")) {
        *out = THEME_COLOR_DEFAULT;
        return true;
    }
    int bright = 0;
    if (sk_str_starts(s, "bright-")) {
        bright = 8;
        s += 7;
    }
    for (int i = 0; i < 8; i++)
        if (!strcmp(s, color_names[i])) {
            *out = (short)(i + bright);
            return true;
        }
    return false;
}

static bool theme_parse_attrs(const json_t *v, unsigned *out)
{
    static const struct {
        const char *name;
        unsigned bit;
    } names[] = {{"bold", THEME_BOLD}, {"underline", THEME_UNDERLINE}, {"reverse", THEME_REVERSE},
                 {"dim", THEME_DIM},   {"italic", THEME_ITALIC},       {"normal", 0}};
    json_t *arr;
    bool own = false;
    if (json_is_string(v)) {
        arr = json_array();
        json_array_append_new(arr, json_string(json_string_value(v)));
        own = true;
    } else {
        arr = json_deep_copy(v);
        own = arr != NULL;
    }
    if (!json_is_array(arr))
        return false;
    unsigned bits = 0;
    bool ok = true;
    size_t i;
    json_t *it;
    json_array_foreach(arr, i, it)
    {
        const char *s = json_string_value(it);
        bool found = false;
        for (size_t k = 0; s && k < SK_ARRAY_LEN(names); k++)
            if (!strcmp(s, names[k].name)) {
                bits |= names[k].bit;
                found = true;
            }
        if (!found)
            ok = false;
    }
    if (own)
        json_decref(arr);
    *out = bits;
    return ok;
}

/* Defaults every theme starts from: readable in monochrome. */
static void theme_defaults(Theme *t)
{
    for (int i = 0; i < STYLE_COUNT; i++)
        t->styles[i] = (ThemeStyle){THEME_COLOR_DEFAULT, THEME_COLOR_DEFAULT, 0, 0};
    t->styles[STYLE_BORDER_FOCUS].mono = THEME_BOLD;
    t->styles[STYLE_PANE_TITLE].mono = 0;
    t->styles[STYLE_PANE_TITLE_FOCUS].mono = THEME_REVERSE | THEME_BOLD;
    t->styles[STYLE_SELECTION].mono = THEME_REVERSE;
    t->styles[STYLE_SELECTION_DIM].mono = THEME_UNDERLINE;
    t->styles[STYLE_HEADING].mono = THEME_BOLD;
    t->styles[STYLE_FRONTMATTER_KEY].mono = THEME_BOLD;
    t->styles[STYLE_EVIDENCE].mono = THEME_BOLD;
    t->styles[STYLE_EVIDENCE_MARK].mono = THEME_BOLD;
    t->styles[STYLE_SEARCH_MATCH].mono = THEME_UNDERLINE | THEME_BOLD;
    t->styles[STYLE_GAP_MISSING].mono = THEME_BOLD | THEME_REVERSE;
    t->styles[STYLE_GAP_WEAK].mono = THEME_BOLD;
    t->styles[STYLE_LEVEL_0].mono = THEME_REVERSE;
    t->styles[STYLE_LEVEL_3].mono = THEME_BOLD;
    t->styles[STYLE_DIM].mono = THEME_DIM;
    t->styles[STYLE_LINE_NUMBER].mono = THEME_DIM;
    t->styles[STYLE_LABEL].mono = THEME_BOLD;
    t->styles[STYLE_STATUS].mono = THEME_REVERSE;
    t->styles[STYLE_STATUS_KEY].mono = THEME_REVERSE | THEME_BOLD;
    t->styles[STYLE_ERROR].mono = THEME_BOLD | THEME_REVERSE;
    t->styles[STYLE_WARNING].mono = THEME_BOLD;
    t->styles[STYLE_HELP_KEY].mono = THEME_BOLD;
    for (int i = 0; i < STYLE_COUNT; i++)
        t->styles[i].attrs = t->styles[i].mono;
}

static void theme_problem(Theme *t, const char *file, const char *fmt, ...) ATTR_FORMAT(3, 4);
static void theme_problem(Theme *t, const char *file, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    char *msg = sk_vasprintf(fmt, ap);
    va_end(ap);
    sk_vec_push(&t->problems, sk_asprintf("%s: %s", file, msg));
    free(msg);
}

static int theme_style_index(const char *name)
{
    for (int i = 0; i < STYLE_COUNT; i++)
        if (!strcmp(style_names[i], name))
            return i;
    return -1;
}

static void theme_read_entry(Theme *t, const char *file, const char *key, const json_t *v)
{
    int idx = theme_style_index(key);
    if (idx < 0) {
        theme_problem(t, file, "unknown style '%s'", key);
        return;
    }
    if (!json_is_object(v)) {
        theme_problem(t, file, "style '%s': expected a mapping with fg, bg, attrs", key);
        return;
    }
    ThemeStyle *st = &t->styles[idx];
    /* An entry replaces the colour attributes; without "attrs" it has none (the built-in
     * monochrome attributes only apply when colours are off). */
    if (!json_object_get(v, "attrs"))
        st->attrs = 0;
    const char *k;
    json_t *val;
    json_object_foreach((json_t *)v, k, val)
    {
        if (!strcmp(k, "fg") || !strcmp(k, "bg")) {
            short c;
            if (!theme_parse_color(val, &c)) {
                char *d = js_dump_compact(val);
                theme_problem(t, file, "style '%s': unknown colour %s", key, d);
                free(d);
            } else if (k[0] == 'f')
                st->fg = c;
            else
                st->bg = c;
        } else if (!strcmp(k, "attrs") || !strcmp(k, "mono")) {
            unsigned bits = 0;
            if (!theme_parse_attrs(val, &bits))
                theme_problem(t, file, "style '%s': unknown attribute in %s", key, k);
            if (k[0] == 'a')
                st->attrs = bits;
            else
                st->mono = bits;
        } else {
            theme_problem(t, file, "style '%s': unknown field '%s'", key, k);
        }
    }
}

static Theme *theme_from_text(const char *name, const char *file, const char *text, size_t len,
                              SkError *err)
{
    json_t *doc = NULL;
    if (yaml_load_string(text, len, 0, &doc, NULL, err) != SK_OK) {
        sk_error_prefix(err, "%s", file);
        return NULL;
    }
    if (!json_is_object(doc)) {
        json_decref(doc);
        sk_error_set(err, SK_ERR_INVALID, "%s: a theme is a YAML mapping with 'styles'", file);
        return NULL;
    }
    Theme *t = sk_calloc(1, sizeof *t);
    sk_vec_init(&t->problems, free);
    theme_defaults(t);
    const char *n = json_string_value(json_object_get(doc, "name"));
    t->name = sk_strdup(n ? n : name);
    json_t *styles = json_object_get(doc, "styles");
    if (!json_is_object(styles)) {
        theme_problem(t, file, "no 'styles' mapping; using monochrome defaults");
    } else {
        const char *k;
        json_t *v;
        json_object_foreach(styles, k, v) theme_read_entry(t, file, k, v);
    }
    json_decref(doc);
    return t;
}

Theme *theme_load(const char *name, SkError *err)
{
    if (!name || !*name)
        name = "dark";
    char *path = NULL;
    if (strchr(name, '/') || sk_str_ends(name, ".yaml")) {
        path = sk_strdup(name);
    } else {
        char *home = sk_home_dir();
        char *fname = sk_asprintf("themes/%s.yaml", name);
        path = sk_path_join(home, fname);
        free(home);
        free(fname);
        if (!sk_is_file(path)) {
            free(path);
            path = NULL;
        }
    }
    if (path) {
        char *text = NULL;
        size_t len = 0;
        if (sk_read_file(path, 1 << 20, &text, &len, err) != SK_OK) {
            free(path);
            return NULL;
        }
        Theme *t = theme_from_text(name, path, text, len, err);
        free(text);
        free(path);
        return t;
    }
    char *fname = sk_asprintf("%s.yaml", name);
    const SkEmbedded *e = sk_embedded_find(ui_data, fname);
    Theme *t = NULL;
    if (!e)
        sk_error_set(err, SK_ERR_NOT_FOUND,
                     "no theme '%s' (built in: dark, light, mono; or a path to a .yaml file)",
                     name);
    else
        t = theme_from_text(name, fname, e->data, e->size, err);
    free(fname);
    return t;
}

Theme *theme_new_mono(void)
{
    Theme *t = sk_calloc(1, sizeof *t);
    sk_vec_init(&t->problems, free);
    theme_defaults(t);
    t->name = sk_strdup("mono");
    return t;
}

void theme_free(Theme *t)
{
    if (!t)
        return;
    free(t->name);
    sk_vec_done(&t->problems);
    free(t);
}

const char *const *theme_builtin_names(void)
{
    return builtin_names;
}

static attr_t theme_curses_attrs(unsigned bits)
{
    attr_t a = A_NORMAL;
    if (bits & THEME_BOLD)
        a |= A_BOLD;
    if (bits & THEME_UNDERLINE)
        a |= A_UNDERLINE;
    if (bits & THEME_REVERSE)
        a |= A_REVERSE;
    if (bits & THEME_DIM)
        a |= A_DIM;
#ifdef A_ITALIC
    if (bits & THEME_ITALIC)
        a |= A_ITALIC;
#endif
    return a;
}

/* Map a 0..255 colour to what the terminal has; *bold is set when brightness is lost. */
static short theme_degrade(short c, bool *bold)
{
    if (c < 0 || c < COLORS)
        return c;
    if (c < 16) {
        *bold = true;
        return (short)(c - 8);
    }
    if (c >= 232) { /* grey ramp */
        int level = c - 232;
        if (level > 16)
            *bold = true;
        return level > 12 ? COLOR_WHITE : COLOR_BLACK;
    }
    int i = c - 16, r = i / 36, g = (i / 6) % 6, b = i % 6;
    int max = SK_MAX(r, SK_MAX(g, b));
    if (max >= 4)
        *bold = true;
    int thr = max > 1 ? max - 1 : 1;
    short out = (short)((r >= thr ? 1 : 0) | (g >= thr ? 2 : 0) | (b >= thr ? 4 : 0));
    if (max == 0)
        out = COLOR_BLACK;
    return out;
}

void theme_apply(const Theme *t, bool mono)
{
    applied_color = !mono && has_colors();
    if (has_colors()) {
        start_color();
        use_default_colors();
    }
    for (int i = 0; i < STYLE_COUNT; i++) {
        const ThemeStyle *st = &t->styles[i];
        if (applied_color) {
            bool bold = false;
            short fg = theme_degrade(st->fg, &bold), bg = theme_degrade(st->bg, &bold);
            init_pair((short)(i + 1), fg, bg);
            applied_attrs[i] = theme_curses_attrs(st->attrs) | (bold && st->fg >= 8 ? A_BOLD : 0);
        } else {
            if (has_colors())
                init_pair((short)(i + 1), -1, -1);
            applied_attrs[i] = theme_curses_attrs(st->mono);
        }
    }
}

void theme_style(StyleId s, unsigned long *attrs, short *pair)
{
    if ((int)s < 0 || s >= STYLE_COUNT)
        s = STYLE_DEFAULT;
    *attrs = applied_attrs[s];
    *pair = (short)(s + 1);
}

char theme_style_code(StyleId s)
{
    return (int)s >= 0 && s < STYLE_COUNT ? style_codes[s] : '?';
}

const char *theme_style_name(StyleId s)
{
    return (int)s >= 0 && s < STYLE_COUNT ? style_names[s] : "?";
}

StyleId theme_style_from_pair(short pair)
{
    if (pair >= 1 && pair <= STYLE_COUNT)
        return (StyleId)(pair - 1);
    return STYLE_DEFAULT;
}

bool theme_has_color(void)
{
    return applied_color;
}
