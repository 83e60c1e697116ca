/* keymap.c: the action table and key bindings (defaults in ui/data/keys.yaml). */
#include "ui/keymap.h"

#include <curses.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "core/embed.h"
#include "core/yaml_load.h"

typedef struct Binding {
    int key;
    Action action;
} Binding;

typedef struct KeyScope {
    char *name;
    Binding *items;
    size_t len, cap;
} KeyScope;

struct Keymap {
    KeyScope scopes[16];
    size_t nscopes;
};

static const char *const action_names[ACTION_COUNT] = {
#define ACTION_NAME(id, name, help) name,
    ACTION_INFO(ACTION_NAME)
#undef ACTION_NAME
};

static const char *const action_helps[ACTION_COUNT] = {
#define ACTION_HELP_ENTRY(id, name, help) help,
    ACTION_INFO(ACTION_HELP_ENTRY)
#undef ACTION_HELP_ENTRY
};

static const struct {
    const char *name;
    int key;
} named_keys[] = {
    {"Enter", KEYMAP_ENTER},
    {"Esc", KEYMAP_ESC},
    {"Tab", KEYMAP_TAB},
    {"Space", ' '},
    {"S-Tab", KEYMAP_FN | KEY_BTAB},
    {"Backspace", KEYMAP_FN | KEY_BACKSPACE},
    {"Up", KEYMAP_FN | KEY_UP},
    {"Down", KEYMAP_FN | KEY_DOWN},
    {"Left", KEYMAP_FN | KEY_LEFT},
    {"Right", KEYMAP_FN | KEY_RIGHT},
    {"PgUp", KEYMAP_FN | KEY_PPAGE},
    {"PgDn", KEYMAP_FN | KEY_NPAGE},
    {"Home", KEYMAP_FN | KEY_HOME},
    {"End", KEYMAP_FN | KEY_END},
    {"Del", KEYMAP_FN | KEY_DC},
    {"Resize", KEYMAP_FN | KEY_RESIZE},
};

const char *keymap_action_name(Action a)
{
    return (int)a >= 0 && a < ACTION_COUNT ? action_names[a] : "?";
}

const char *keymap_action_help(Action a)
{
    return (int)a >= 0 && a < ACTION_COUNT ? action_helps[a] : "";
}

int keymap_action_find(const char *name)
{
    for (int i = 0; i < ACTION_COUNT; i++)
        if (!strcmp(action_names[i], name))
            return i;
    return -1;
}

/* Decode one UTF-8 code point; returns its length (0 when invalid). */
static size_t keymap_utf8_decode(const char *s, int *cp)
{
    const unsigned char *u = (const unsigned char *)s;
    if (u[0] < 0x80) {
        *cp = u[0];
        return u[0] ? 1 : 0;
    }
    size_t n = u[0] >= 0xF0 ? 4 : u[0] >= 0xE0 ? 3 : u[0] >= 0xC0 ? 2 : 0;
    if (!n)
        return 0;
    int c = u[0] & (0x3F >> (n - 1));
    for (size_t i = 1; i < n; i++) {
        if ((u[i] & 0xC0) != 0x80)
            return 0;
        c = (c << 6) | (u[i] & 0x3F);
    }
    *cp = c;
    return n;
}

int keymap_key_parse(const char *name)
{
    if (!name || !*name)
        return -1;
    for (size_t i = 0; i < SK_ARRAY_LEN(named_keys); i++)
        if (!strcasecmp(named_keys[i].name, name))
            return named_keys[i].key;
    if ((name[0] == 'C' || name[0] == 'c') && name[1] == '-' && name[2] && !name[3]) {
        char c = name[2];
        if (c >= 'a' && c <= 'z')
            return c - 'a' + 1;
        if (c >= 'A' && c <= 'Z')
            return c - 'A' + 1;
        return -1;
    }
    if ((name[0] == 'F' || name[0] == 'f') && name[1] >= '1' && name[1] <= '9') {
        int n = atoi(name + 1);
        if (n >= 1 && n <= 12)
            return KEYMAP_FN | KEY_F(n);
    }
    int cp;
    size_t n = keymap_utf8_decode(name, &cp);
    if (n && !name[n] && cp >= 32)
        return cp;
    return -1;
}

void keymap_key_name(int key, char *out, size_t size)
{
    for (size_t i = 0; i < SK_ARRAY_LEN(named_keys); i++)
        if (named_keys[i].key == key) {
            snprintf(out, size, "%s", named_keys[i].name);
            return;
        }
    if (key & KEYMAP_FN) {
        int k = key & ~KEYMAP_FN;
        if (k >= KEY_F(1) && k <= KEY_F(12))
            snprintf(out, size, "F%d", k - KEY_F(0));
        else
            snprintf(out, size, "key-%d", k);
        return;
    }
    if (key >= 1 && key <= 26) {
        snprintf(out, size, "C-%c", 'a' + key - 1);
        return;
    }
    char buf[8] = {0};
    if (key < 0x80)
        buf[0] = (char)key;
    else if (key < 0x800) {
        buf[0] = (char)(0xC0 | (key >> 6));
        buf[1] = (char)(0x80 | (key & 0x3F));
    } else if (key < 0x10000) {
        buf[0] = (char)(0xE0 | (key >> 12));
        buf[1] = (char)(0x80 | ((key >> 6) & 0x3F));
        buf[2] = (char)(0x80 | (key & 0x3F));
    } else {
        buf[0] = (char)(0xF0 | (key >> 18));
        buf[1] = (char)(0x80 | ((key >> 12) & 0x3F));
        buf[2] = (char)(0x80 | ((key >> 6) & 0x3F));
        buf[3] = (char)(0x80 | (key & 0x3F));
    }
    snprintf(out, size, "%s", buf);
}

int keymap_key_normalize(int key, bool is_function)
{
    if (is_function) {
        if (key == KEY_ENTER)
            return KEYMAP_ENTER;
        return KEYMAP_FN | key;
    }
    if (key == '\n' || key == '\r')
        return KEYMAP_ENTER;
    if (key == 127 || key == 8)
        return KEYMAP_FN | KEY_BACKSPACE;
    return key;
}

static KeyScope *keymap_scope(Keymap *km, const char *name, bool create)
{
    for (size_t i = 0; i < km->nscopes; i++)
        if (!strcmp(km->scopes[i].name, name))
            return &km->scopes[i];
    if (!create || km->nscopes >= SK_ARRAY_LEN(km->scopes))
        return NULL;
    KeyScope *s = &km->scopes[km->nscopes++];
    memset(s, 0, sizeof *s);
    s->name = sk_strdup(name);
    return s;
}

static const KeyScope *keymap_scope_c(const Keymap *km, const char *name)
{
    for (size_t i = 0; i < km->nscopes; i++)
        if (!strcmp(km->scopes[i].name, name))
            return &km->scopes[i];
    return NULL;
}

/* Bind KEY in SCOPE; returns the action it replaced (-1 when the key was free). */
static int keymap_bind(KeyScope *s, int key, Action a)
{
    for (size_t i = 0; i < s->len; i++)
        if (s->items[i].key == key) {
            int old = (int)s->items[i].action;
            s->items[i].action = a;
            return old;
        }
    if (s->len == s->cap) {
        s->cap = s->cap ? s->cap * 2 : 32;
        s->items = sk_realloc(s->items, s->cap * sizeof *s->items);
    }
    s->items[s->len++] = (Binding){key, a};
    return -1;
}

static void keymap_problem(SkVec *problems, const char *fmt, ...) ATTR_FORMAT(2, 3);
static void keymap_problem(SkVec *problems, const char *fmt, ...)
{
    if (!problems)
        return;
    va_list ap;
    va_start(ap, fmt);
    sk_vec_push(problems, sk_vasprintf(fmt, ap));
    va_end(ap);
}

/* Load one key file; USER marks overrides (reported when they replace a binding). */
static void keymap_read(Keymap *km, const char *file, const char *text, size_t len, bool user,
                        SkVec *problems)
{
    json_t *doc = NULL, *lines = NULL;
    SkError err;
    if (yaml_load_string(text, len, 0, &doc, &lines, &err) != SK_OK) {
        keymap_problem(problems, "%s: %s", file, err.msg);
        return;
    }
    if (!json_is_object(doc)) {
        if (!json_is_null(doc))
            keymap_problem(problems, "%s: expected a mapping of keymap names", file);
        json_decref(doc);
        json_decref(lines);
        return;
    }
    const char *scope_name;
    json_t *scope_v;
    json_object_foreach(doc, scope_name, scope_v)
    {
        long long line = json_integer_value(json_object_get(lines, scope_name));
        if (!json_is_object(scope_v)) {
            keymap_problem(problems, "%s:%lld: keymap '%s' must map keys to actions", file, line,
                           scope_name);
            continue;
        }
        KeyScope *s = keymap_scope(km, scope_name, true);
        if (!s) {
            keymap_problem(problems, "%s:%lld: too many keymaps", file, line);
            continue;
        }
        const char *kname;
        json_t *av;
        json_object_foreach(scope_v, kname, av)
        {
            int key = keymap_key_parse(kname);
            const char *aname = json_string_value(av);
            int a = aname ? keymap_action_find(aname) : -1;
            if (key < 0) {
                keymap_problem(problems, "%s: %s: unknown key name '%s'", file, scope_name, kname);
                continue;
            }
            if (a < 0) {
                keymap_problem(problems, "%s: %s: '%s': unknown action '%s'", file, scope_name,
                               kname, aname ? aname : "(not a string)");
                continue;
            }
            int old = keymap_bind(s, key, (Action)a);
            if (user && old >= 0 && old != a)
                keymap_problem(problems, "%s: %s: '%s' was '%s', now '%s'", file, scope_name, kname,
                               action_names[old], action_names[a]);
        }
    }
    json_decref(doc);
    json_decref(lines);
}

Keymap *keymap_load(const char *path, SkVec *problems)
{
    Keymap *km = sk_calloc(1, sizeof *km);
    keymap_scope(km, "generic", true);
    const SkEmbedded *e = sk_embedded_find(ui_data, "keys.yaml");
    if (e)
        keymap_read(km, "keys.yaml (built in)", e->data, e->size, false, problems);
    if (path && sk_is_file(path)) {
        char *text = NULL;
        size_t len = 0;
        SkError err;
        /* Messages name the file as the user knows it: $SKVM_HOME/keys.yaml. */
        char *home = sk_home_dir();
        size_t hl = strlen(home);
        char *label = !strncmp(path, home, hl) && path[hl] == '/'
                          ? sk_asprintf("$SKVM_HOME%s", path + hl)
                          : sk_strdup(path);
        free(home);
        if (sk_read_file(path, 1 << 20, &text, &len, &err) == SK_OK)
            keymap_read(km, label, text, len, true, problems);
        else
            keymap_problem(problems, "%s", err.msg);
        free(text);
        free(label);
    }
    /* A pane binding that hides a generic one is intended; a generic action that loses all
     * its keys is a conflict worth reporting. */
    const KeyScope *g = keymap_scope_c(km, "generic");
    for (int a = 1; a < ACTION_COUNT; a++) {
        bool bound = false;
        for (size_t i = 0; g && i < g->len && !bound; i++)
            bound = g->items[i].action == (Action)a;
        for (size_t s = 1; s < km->nscopes && !bound; s++)
            for (size_t i = 0; i < km->scopes[s].len && !bound; i++)
                bound = km->scopes[s].items[i].action == (Action)a;
        if (!bound && a != ACTION_QUIT_ALL && path && sk_is_file(path))
            keymap_problem(problems, "keys.yaml: action '%s' has no key left (use :%s)",
                           action_names[a], action_names[a]);
    }
    return km;
}

void keymap_free(Keymap *km)
{
    if (!km)
        return;
    for (size_t i = 0; i < km->nscopes; i++) {
        free(km->scopes[i].name);
        free(km->scopes[i].items);
    }
    free(km);
}

Action keymap_lookup(const Keymap *km, const char *scope, int key)
{
    const KeyScope *s = scope ? keymap_scope_c(km, scope) : NULL;
    for (size_t i = 0; s && i < s->len; i++)
        if (s->items[i].key == key)
            return s->items[i].action;
    s = keymap_scope_c(km, "generic");
    for (size_t i = 0; s && i < s->len; i++)
        if (s->items[i].key == key)
            return s->items[i].action;
    return ACTION_NONE;
}

void keymap_keys_for(const Keymap *km, const char *scope, Action a, char *out, size_t size)
{
    out[0] = '\0';
    const KeyScope *s = keymap_scope_c(km, scope);
    size_t used = 0;
    for (size_t i = 0; s && i < s->len; i++) {
        if (s->items[i].action != a)
            continue;
        char name[24];
        keymap_key_name(s->items[i].key, name, sizeof name);
        int n = snprintf(out + used, size - used, "%s%s", used ? " " : "", name);
        if (n < 0 || (size_t)n >= size - used)
            break;
        used += (size_t)n;
    }
}

size_t keymap_scopes(const Keymap *km, const char **out, size_t max)
{
    size_t n = 0;
    for (size_t i = 0; i < km->nscopes && n < max; i++)
        out[n++] = km->scopes[i].name;
    return n;
}
