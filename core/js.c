/* js.c: Jansson helpers. */
#include "core/js.h"

#include <stdlib.h>
#include <string.h>

SkStatus js_parse(const char *text, size_t len, json_t **out, SkError *err)
{
    json_error_t je;
    *out = json_loadb(text, len, JSON_ALLOW_NUL, &je);
    if (!*out)
        return sk_error_set(err, SK_ERR_PARSE, "line %d, column %d: %s", je.line, je.column,
                            je.text);
    return SK_OK;
}

SkStatus js_load_file(const char *path, size_t max, json_t **out, SkError *err)
{
    *out = NULL;
    char *text;
    size_t len;
    SkStatus s = sk_read_file(path, max ? max : (64u << 20), &text, &len, err);
    if (s != SK_OK)
        return s;
    s = js_parse(text, len, out, err);
    free(text);
    if (s != SK_OK)
        sk_error_prefix(err, "%s", path);
    return s;
}

SkStatus js_save_file(const char *path, const json_t *v, SkError *err)
{
    char *text = js_dump_pretty(v);
    SkStatus s = sk_write_file_atomic(path, text, strlen(text), err);
    free(text);
    return s;
}

const char *js_str(const json_t *obj, const char *key, const char *def)
{
    json_t *v = json_object_get(obj, key);
    return json_is_string(v) ? json_string_value(v) : def;
}

long long js_int(const json_t *obj, const char *key, long long def)
{
    json_t *v = json_object_get(obj, key);
    if (json_is_integer(v))
        return json_integer_value(v);
    if (json_is_real(v))
        return (long long)json_real_value(v);
    return def;
}

double js_num(const json_t *obj, const char *key, double def)
{
    json_t *v = json_object_get(obj, key);
    return json_is_number(v) ? json_number_value(v) : def;
}

bool js_bool(const json_t *obj, const char *key, bool def)
{
    json_t *v = json_object_get(obj, key);
    return json_is_boolean(v) ? json_is_true(v) : def;
}

json_t *js_obj(const json_t *obj, const char *key)
{
    json_t *v = json_object_get(obj, key);
    return json_is_object(v) ? v : NULL;
}

json_t *js_arr(const json_t *obj, const char *key)
{
    json_t *v = json_object_get(obj, key);
    return json_is_array(v) ? v : NULL;
}

static char *dump(const json_t *v, size_t flags)
{
    char *s = json_dumps(v, flags | JSON_ENCODE_ANY);
    if (!s)
        return sk_strdup("null");
    char *r = sk_strdup(s);
    free(s);
    return r;
}

char *js_dump_compact(const json_t *v)
{
    return dump(v, JSON_COMPACT | JSON_PRESERVE_ORDER);
}

char *js_dump_pretty(const json_t *v)
{
    char *s = dump(v, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
    char *r = sk_asprintf("%s\n", s);
    free(s);
    return r;
}

char *js_dump_canonical(const json_t *v)
{
    return dump(v, JSON_COMPACT | JSON_SORT_KEYS);
}
