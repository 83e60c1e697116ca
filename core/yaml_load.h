/* yaml_load.h: read YAML (libyaml) into Jansson values. The only file that includes yaml.h. */
#ifndef SKVM_CORE_YAML_LOAD_H
#define SKVM_CORE_YAML_LOAD_H

#include <jansson.h>
#include <stddef.h>

#include "core/util.h"

/* Parse the first YAML document in TEXT into *OUT (new reference; JSON null for an empty
 * document). Mappings become objects (keys kept in order; a duplicate key is an error),
 * sequences arrays. Plain scalars resolve as in YAML 1.2's core schema (null, true/false,
 * integers, floats); quoted and block scalars stay strings. Aliases are expanded, with a
 * cap on total nodes so an alias bomb fails cleanly. Errors are SK_ERR_PARSE with the
 * message "line L, column C: what" (1-based, LINE_BASE added to the line).
 * When KEY_LINES is non-NULL and the document is a mapping, *KEY_LINES gets an object
 * mapping each top-level key to its 1-based line (plus LINE_BASE). */
SkStatus yaml_load_string(const char *text, size_t len, int line_base, json_t **out,
                          json_t **key_lines, SkError *err);

/* Read and parse a YAML file (at most MAX bytes; 0 = 16 MiB). Messages start with PATH. */
SkStatus yaml_load_file(const char *path, size_t max, json_t **out, SkError *err);

#endif
