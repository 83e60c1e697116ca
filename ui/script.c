/* script.c: parse steps files into key, mouse and command items. */
#include "ui/script.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ui/keymap.h"
#include "ui/pane.h"

struct Script {
    ScriptItem *items;
    size_t len, cap, pos;
};

static ScriptItem *script_push(Script *s)
{
    if (s->len == s->cap) {
        s->cap = s->cap ? s->cap * 2 : 64;
        s->items = sk_realloc(s->items, s->cap * sizeof *s->items);
    }
    ScriptItem *it = &s->items[s->len++];
    memset(it, 0, sizeof *it);
    return it;
}

static bool script_mouse(const char *name, ScriptItem *it)
{
    static const struct {
        const char *prefix;
        int kind;
    } kinds[] = {{"Click:", PANE_MOUSE_CLICK},
                 {"WheelUp:", PANE_MOUSE_WHEEL_UP},
                 {"WheelDown:", PANE_MOUSE_WHEEL_DOWN}};
    for (size_t i = 0; i < SK_ARRAY_LEN(kinds); i++) {
        if (!sk_str_starts(name, kinds[i].prefix))
            continue;
        int y, x;
        if (sscanf(name + strlen(kinds[i].prefix), "%d,%d", &y, &x) != 2)
            return false;
        it->kind = SCRIPT_MOUSE;
        it->mouse_kind = kinds[i].kind;
        it->y = y;
        it->x = x;
        return true;
    }
    return false;
}

SkStatus script_parse(const char *text, const char *name, Script **out, SkError *err)
{
    Script *s = sk_calloc(1, sizeof *s);
    int lineno = 0;
    const char *p = text;
    while (*p) {
        const char *eol = strchr(p, '\n');
        size_t n = eol ? (size_t)(eol - p) : strlen(p);
        char *line = sk_strndup(p, n);
        p += n + (eol ? 1 : 0);
        lineno++;
        size_t ln = strlen(line);
        if (ln && line[ln - 1] == '\r')
            line[--ln] = '\0';
        if (!ln || line[0] == '#') {
            free(line);
            continue;
        }
        if (line[0] == ':') {
            ScriptItem *it = script_push(s);
            it->kind = SCRIPT_COMMAND;
            it->command = sk_strdup(line + 1);
            it->line = lineno;
            free(line);
            continue;
        }
        for (size_t i = 0; i < ln;) {
            if (line[i] == '<' && strchr(line + i, '>') && strchr(line + i, '>') > line + i + 1) {
                const char *end = strchr(line + i, '>');
                char *kn = sk_strndup(line + i + 1, (size_t)(end - line - i - 1));
                ScriptItem tmp = {0};
                int key = keymap_key_parse(kn);
                if (key >= 0) {
                    ScriptItem *it = script_push(s);
                    it->kind = SCRIPT_KEY;
                    it->key = key;
                    it->line = lineno;
                } else if (script_mouse(kn, &tmp)) {
                    ScriptItem *it = script_push(s);
                    *it = tmp;
                    it->line = lineno;
                } else if (!strcmp(kn, "Lt")) {
                    ScriptItem *it = script_push(s);
                    it->kind = SCRIPT_KEY;
                    it->key = '<';
                    it->line = lineno;
                } else {
                    sk_error_set(err, SK_ERR_PARSE, "%s:%d: unknown key <%s>", name, lineno, kn);
                    free(kn);
                    free(line);
                    script_free(s);
                    return SK_ERR_PARSE;
                }
                free(kn);
                i = (size_t)(end - line) + 1;
                continue;
            }
            /* One UTF-8 character. */
            unsigned char c = (unsigned char)line[i];
            size_t len = c >= 0xF0 ? 4 : c >= 0xE0 ? 3 : c >= 0xC0 ? 2 : 1;
            if (i + len > ln)
                len = 1;
            char ch[5] = {0};
            memcpy(ch, line + i, len);
            int key = keymap_key_parse(ch);
            if (key < 0)
                key = c;
            ScriptItem *it = script_push(s);
            it->kind = SCRIPT_KEY;
            it->key = key;
            it->line = lineno;
            i += len;
        }
        free(line);
    }
    *out = s;
    return SK_OK;
}

SkStatus script_load(const char *path, Script **out, SkError *err)
{
    char *text = NULL;
    size_t len = 0;
    if (sk_read_file(path, 1 << 20, &text, &len, err) != SK_OK)
        return err ? err->code : SK_ERR_IO;
    SkStatus st = script_parse(text, path, out, err);
    free(text);
    return st;
}

void script_free(Script *s)
{
    if (!s)
        return;
    for (size_t i = 0; i < s->len; i++)
        free(s->items[i].command);
    free(s->items);
    free(s);
}

const ScriptItem *script_next(Script *s)
{
    return s->pos < s->len ? &s->items[s->pos++] : NULL;
}

bool script_done(const Script *s)
{
    return s->pos >= s->len;
}
