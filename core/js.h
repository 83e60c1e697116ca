/* js.h: small helpers over Jansson (loading with SkError, typed getters, dumping). */
#ifndef SKVM_CORE_JS_H
#define SKVM_CORE_JS_H

#include <jansson.h>
#include <stdbool.h>

#include "core/util.h"

/* Parse JSON text; on failure SK_ERR_PARSE "line L, column C: what". New reference. */
SkStatus js_parse(const char *text, size_t len, json_t **out, SkError *err);
/* Read and parse a JSON file (at most MAX bytes, 0 = 64 MiB); messages start with PATH. */
SkStatus js_load_file(const char *path, size_t max, json_t **out, SkError *err);
/* Write V as pretty JSON (2-space indent, keys in insertion order) atomically to PATH. */
SkStatus js_save_file(const char *path, const json_t *v, SkError *err);

/* Typed getters: return DEF when the key is absent or of another type. Borrowed strings. */
const char *js_str(const json_t *obj, const char *key, const char *def);
long long js_int(const json_t *obj, const char *key, long long def);
double js_num(const json_t *obj, const char *key, double def); /* integer or real */
bool js_bool(const json_t *obj, const char *key, bool def);
json_t *js_obj(const json_t *obj, const char *key); /* borrowed; NULL unless an object */
json_t *js_arr(const json_t *obj, const char *key); /* borrowed; NULL unless an array */

/* Compact one-line dump (keys in insertion order). New string, free() it. */
char *js_dump_compact(const json_t *v);
/* Pretty dump with a trailing newline. New string. */
char *js_dump_pretty(const json_t *v);
/* Canonical dump (sorted keys, compact) for hashing. New string. */
char *js_dump_canonical(const json_t *v);

#endif
