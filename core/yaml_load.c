/* yaml_load.c: libyaml event stream -> Jansson tree. */
#include "core/yaml_load.h"

#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <yaml.h>

#define YAML_MAX_NODES 200000
#define YAML_MAX_DEPTH 256

typedef struct Anchor {
    char *name;
    json_t *value;
} Anchor;

typedef struct Loader {
    yaml_parser_t parser;
    int line_base;
    size_t nodes;
    SkVec anchors; /* Anchor * */
    SkError *err;
} Loader;

static void anchor_free(void *p)
{
    Anchor *a = p;
    free(a->name);
    json_decref(a->value);
    free(a);
}

static SkStatus loader_fail(Loader *l, const yaml_mark_t *m, const char *what)
{
    return sk_error_set(l->err, SK_ERR_PARSE, "line %d, column %d: %s",
                        (int)m->line + 1 + l->line_base, (int)m->column + 1, what);
}

static SkStatus parser_fail(Loader *l)
{
    const yaml_parser_t *p = &l->parser;
    const yaml_mark_t *m = p->problem ? &p->problem_mark : &p->context_mark;
    char what[512];
    if (p->context && p->problem)
        snprintf(what, sizeof what, "%s (%s that started at line %d, column %d)", p->problem,
                 p->context, (int)p->context_mark.line + 1 + l->line_base,
                 (int)p->context_mark.column + 1);
    else
        snprintf(what, sizeof what, "%s", p->problem ? p->problem : "invalid YAML");
    return loader_fail(l, m, what);
}

static bool next_event(Loader *l, yaml_event_t *ev)
{
    if (!yaml_parser_parse(&l->parser, ev)) {
        parser_fail(l);
        return false;
    }
    return true;
}

static bool is_all(const char *s, const char *set)
{
    return *s && strspn(s, set) == strlen(s);
}

/* Resolve a plain scalar per the YAML 1.2 core schema. */
static json_t *resolve_plain(const char *s)
{
    if (!*s || !strcmp(s, "~") || !strcmp(s, "null") || !strcmp(s, "Null") ||
        !strcmp(s, "NULL"))
        return json_null();
    if (!strcmp(s, "true") || !strcmp(s, "True") || !strcmp(s, "TRUE"))
        return json_true();
    if (!strcmp(s, "false") || !strcmp(s, "False") || !strcmp(s, "FALSE"))
        return json_false();
    const char *d = (*s == '-' || *s == '+') ? s + 1 : s;
    if (is_all(d, "0123456789") && strlen(d) < 19)
        return json_integer(strtoll(s, NULL, 10));
    if (sk_str_starts(s, "0x") && is_all(s + 2, "0123456789abcdefABCDEF") && strlen(s) < 17)
        return json_integer(strtoll(s + 2, NULL, 16));
    if (sk_str_starts(s, "0o") && is_all(s + 2, "01234567") && strlen(s) < 22)
        return json_integer(strtoll(s + 2, NULL, 8));
    if (is_all(d, "0123456789.eE+-") && strchr(d, '.') && (isdigit((unsigned char)*d) || *d == '.')) {
        char *end;
        errno = 0;
        double v = strtod(s, &end);
        if (*end == '\0' && errno == 0 && isfinite(v))
            return json_real(v);
    }
    return NULL;
}

static json_t *load_node(Loader *l, yaml_event_t *ev, int depth, json_t **key_lines);

static void remember_anchor(Loader *l, const yaml_char_t *anchor, json_t *v)
{
    if (!anchor)
        return;
    Anchor *a = sk_malloc(sizeof *a);
    a->name = sk_strdup((const char *)anchor);
    a->value = json_incref(v);
    sk_vec_push(&l->anchors, a);
}

static size_t count_nodes(json_t *v)
{
    size_t n = 1;
    if (json_is_object(v)) {
        const char *k;
        json_t *x;
        json_object_foreach(v, k, x) n += count_nodes(x);
    } else if (json_is_array(v)) {
        size_t i;
        json_t *x;
        json_array_foreach(v, i, x) n += count_nodes(x);
    }
    return n;
}

static json_t *load_alias(Loader *l, yaml_event_t *ev)
{
    const char *name = (const char *)ev->data.alias.anchor;
    for (size_t i = l->anchors.len; i-- > 0;) {
        Anchor *a = l->anchors.items[i];
        if (!strcmp(a->name, name)) {
            l->nodes += count_nodes(a->value);
            if (l->nodes > YAML_MAX_NODES) {
                loader_fail(l, &ev->start_mark, "too many nodes (alias expansion)");
                return NULL;
            }
            return json_deep_copy(a->value);
        }
    }
    loader_fail(l, &ev->start_mark, "unknown alias");
    return NULL;
}

static json_t *load_scalar(Loader *l, yaml_event_t *ev)
{
    const char *s = (const char *)ev->data.scalar.value;
    size_t n = ev->data.scalar.length;
    if (strlen(s) != n) {
        loader_fail(l, &ev->start_mark, "scalar contains a NUL byte");
        return NULL;
    }
    json_t *v = NULL;
    if (ev->data.scalar.style == YAML_PLAIN_SCALAR_STYLE && !ev->data.scalar.tag)
        v = resolve_plain(s);
    if (!v)
        v = json_stringn(s, n);
    if (!v) {
        loader_fail(l, &ev->start_mark, "scalar is not valid UTF-8");
        return NULL;
    }
    remember_anchor(l, ev->data.scalar.anchor, v);
    return v;
}

static json_t *load_sequence(Loader *l, yaml_event_t *start, int depth)
{
    json_t *arr = json_array();
    yaml_char_t *anchor = start->data.sequence_start.anchor;
    for (;;) {
        yaml_event_t ev;
        if (!next_event(l, &ev))
            goto fail;
        if (ev.type == YAML_SEQUENCE_END_EVENT) {
            yaml_event_delete(&ev);
            break;
        }
        json_t *item = load_node(l, &ev, depth + 1, NULL);
        yaml_event_delete(&ev);
        if (!item)
            goto fail;
        json_array_append_new(arr, item);
    }
    remember_anchor(l, anchor, arr);
    return arr;
fail:
    json_decref(arr);
    return NULL;
}

static json_t *load_mapping(Loader *l, yaml_event_t *start, int depth, json_t **key_lines)
{
    json_t *obj = json_object();
    json_t *lines = key_lines ? json_object() : NULL;
    yaml_char_t *anchor = start->data.mapping_start.anchor;
    for (;;) {
        yaml_event_t kev;
        if (!next_event(l, &kev))
            goto fail;
        if (kev.type == YAML_MAPPING_END_EVENT) {
            yaml_event_delete(&kev);
            break;
        }
        yaml_mark_t kmark = kev.start_mark;
        json_t *key = load_node(l, &kev, depth + 1, NULL);
        yaml_event_delete(&kev);
        if (!key)
            goto fail;
        char *kstr;
        if (json_is_string(key))
            kstr = sk_strdup(json_string_value(key));
        else if (json_is_null(key))
            kstr = sk_strdup("null");
        else if (json_is_integer(key))
            kstr = sk_asprintf("%lld", (long long)json_integer_value(key));
        else if (json_is_boolean(key))
            kstr = sk_strdup(json_is_true(key) ? "true" : "false");
        else if (json_is_real(key))
            kstr = sk_asprintf("%g", json_real_value(key));
        else {
            json_decref(key);
            loader_fail(l, &kmark, "mapping keys must be scalars");
            goto fail;
        }
        json_decref(key);
        yaml_event_t vev;
        if (!next_event(l, &vev)) {
            free(kstr);
            goto fail;
        }
        json_t *val = load_node(l, &vev, depth + 1, NULL);
        yaml_event_delete(&vev);
        if (!val) {
            free(kstr);
            goto fail;
        }
        if (!strcmp(kstr, "<<") && json_is_object(val)) {
            /* merge key: copy entries that are not already set */
            const char *mk;
            json_t *mv;
            json_object_foreach(val, mk, mv) if (!json_object_get(obj, mk))
                json_object_set(obj, mk, mv);
            json_decref(val);
            free(kstr);
            continue;
        }
        if (json_object_get(obj, kstr)) {
            char what[300];
            snprintf(what, sizeof what, "duplicate key \"%.200s\"", kstr);
            json_decref(val);
            free(kstr);
            loader_fail(l, &kmark, what);
            goto fail;
        }
        json_object_set_new(obj, kstr, val);
        if (lines)
            json_object_set_new(lines, kstr, json_integer((json_int_t)kmark.line + 1 + l->line_base));
        free(kstr);
    }
    remember_anchor(l, anchor, obj);
    if (key_lines)
        *key_lines = lines;
    return obj;
fail:
    json_decref(obj);
    json_decref(lines);
    return NULL;
}

static json_t *load_node(Loader *l, yaml_event_t *ev, int depth, json_t **key_lines)
{
    if (depth > YAML_MAX_DEPTH) {
        loader_fail(l, &ev->start_mark, "nesting too deep");
        return NULL;
    }
    if (++l->nodes > YAML_MAX_NODES) {
        loader_fail(l, &ev->start_mark, "too many nodes");
        return NULL;
    }
    switch (ev->type) {
    case YAML_SCALAR_EVENT:
        return load_scalar(l, ev);
    case YAML_SEQUENCE_START_EVENT:
        return load_sequence(l, ev, depth);
    case YAML_MAPPING_START_EVENT:
        return load_mapping(l, ev, depth, key_lines);
    case YAML_ALIAS_EVENT:
        return load_alias(l, ev);
    default:
        loader_fail(l, &ev->start_mark, "unexpected YAML event");
        return NULL;
    }
}

SkStatus yaml_load_string(const char *text, size_t len, int line_base, json_t **out,
                          json_t **key_lines, SkError *err)
{
    *out = NULL;
    if (key_lines)
        *key_lines = NULL;
    Loader l;
    memset(&l, 0, sizeof l);
    l.err = err;
    l.line_base = line_base;
    sk_vec_init(&l.anchors, anchor_free);
    if (!yaml_parser_initialize(&l.parser))
        sk_die("libyaml: cannot initialise a parser");
    yaml_parser_set_input_string(&l.parser, (const unsigned char *)text, len);
    yaml_parser_set_encoding(&l.parser, YAML_UTF8_ENCODING);

    SkStatus st = SK_ERR_PARSE;
    json_t *result = NULL;
    yaml_event_t ev;
    bool in_doc = false;
    for (;;) {
        if (!next_event(&l, &ev))
            goto done;
        yaml_event_type_t t = ev.type;
        if (t == YAML_STREAM_END_EVENT) {
            yaml_event_delete(&ev);
            break;
        }
        if (t == YAML_DOCUMENT_START_EVENT) {
            in_doc = true;
        } else if (t == YAML_DOCUMENT_END_EVENT) {
            yaml_event_delete(&ev);
            break; /* only the first document */
        } else if (in_doc && !result &&
                   (t == YAML_SCALAR_EVENT || t == YAML_SEQUENCE_START_EVENT ||
                    t == YAML_MAPPING_START_EVENT || t == YAML_ALIAS_EVENT)) {
            result = load_node(&l, &ev, 0, key_lines);
            if (!result) {
                yaml_event_delete(&ev);
                goto done;
            }
        }
        yaml_event_delete(&ev);
    }
    *out = result ? result : json_null();
    result = NULL;
    st = SK_OK;
done:
    json_decref(result);
    if (st != SK_OK && key_lines && *key_lines) {
        json_decref(*key_lines);
        *key_lines = NULL;
    }
    yaml_parser_delete(&l.parser);
    sk_vec_done(&l.anchors);
    return st;
}

SkStatus yaml_load_file(const char *path, size_t max, json_t **out, SkError *err)
{
    *out = NULL;
    char *text;
    size_t len;
    SkStatus s = sk_read_file(path, max ? max : (16u << 20), &text, &len, err);
    if (s != SK_OK)
        return s;
    s = yaml_load_string(text, len, 0, out, NULL, err);
    free(text);
    if (s != SK_OK)
        sk_error_prefix(err, "%s", path);
    return s;
}
