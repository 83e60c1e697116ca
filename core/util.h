/* util.h: status codes and errors, allocation, buffers, vectors, strings, files, clock, log.
 *
 * Every fallible core function returns SkStatus and, when given a non-NULL SkError *,
 * fills it with the code and a human-readable message. Core never prints and never exits,
 * except through sk_die() on an unrecoverable condition (out of memory). */
#ifndef SKVM_CORE_UTIL_H
#define SKVM_CORE_UTIL_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/compiler.h"

/* ---- status codes (X-macro: id, message) ---- */
#define SK_STATUS_INFO(_)                                                                          \
    _(SK_OK, "ok")                                                                                 \
    _(SK_ERR_IO, "input/output error")                                                             \
    _(SK_ERR_NOT_FOUND, "not found")                                                               \
    _(SK_ERR_PARSE, "parse error")                                                                 \
    _(SK_ERR_INVALID, "invalid input")                                                             \
    _(SK_ERR_TOO_LARGE, "too large")                                                               \
    _(SK_ERR_UNSUPPORTED, "unsupported")                                                           \
    _(SK_ERR_EXISTS, "already exists")                                                             \
    _(SK_ERR_CONFIG, "configuration error")                                                        \
    _(SK_ERR_DB, "database error")                                                                 \
    _(SK_ERR_GIT, "git error")                                                                     \
    _(SK_ERR_BUSY, "busy or locked")                                                               \
    _(SK_ERR_AUTH, "authentication failed")                                                        \
    _(SK_ERR_RATE_LIMIT, "rate limited")                                                           \
    _(SK_ERR_QUOTA, "quota exhausted")                                                             \
    _(SK_ERR_SERVER, "server error")                                                               \
    _(SK_ERR_NETWORK, "network error")                                                             \
    _(SK_ERR_TIMEOUT, "timed out")                                                                 \
    _(SK_ERR_BAD_RESPONSE, "bad response")                                                         \
    _(SK_ERR_BAD_REQUEST, "bad request")                                                           \
    _(SK_ERR_REFUSED, "refused by the model")                                                      \
    _(SK_ERR_CANCELLED, "cancelled")                                                               \
    _(SK_ERR_CACHE_MISS, "not in the replay cache")                                                \
    _(SK_ERR_SANDBOX, "sandbox violation")                                                         \
    _(SK_ERR_INTERNAL, "internal error")

typedef enum SkStatus {
#define SK_STATUS_ENUM(id, msg) id,
    SK_STATUS_INFO(SK_STATUS_ENUM)
#undef SK_STATUS_ENUM
        SK_STATUS_COUNT
} SkStatus;

/* Static message of a status code ("ok", "parse error", ...). Never NULL. */
const char *sk_status_message(SkStatus s);
/* Short stable name of a status code ("SK_ERR_PARSE" -> "PARSE", SK_OK -> "ok"). Never NULL. */
const char *sk_status_name(SkStatus s);

#define SK_ERROR_MSG_MAX 1024

typedef struct SkError {
    SkStatus code;
    char msg[SK_ERROR_MSG_MAX];
} SkError;

/* Fill ERR (when non-NULL) with CODE and a formatted message; returns CODE. */
SkStatus sk_error_set(SkError *err, SkStatus code, const char *fmt, ...) ATTR_FORMAT(3, 4);
/* Prefix the message already in ERR with "prefix: ". Returns err->code (SK_OK when NULL). */
SkStatus sk_error_prefix(SkError *err, const char *fmt, ...) ATTR_FORMAT(2, 3);
void sk_error_clear(SkError *err);

/* ---- allocation: never returns NULL; out of memory is fatal ---- */
void *sk_malloc(size_t n) ATTR_MALLOC;
void *sk_calloc(size_t n, size_t size) ATTR_MALLOC;
void *sk_realloc(void *p, size_t n);
char *sk_strdup(const char *s) ATTR_MALLOC;
char *sk_strndup(const char *s, size_t n) ATTR_MALLOC;
char *sk_asprintf(const char *fmt, ...) ATTR_FORMAT(1, 2) ATTR_MALLOC;
char *sk_vasprintf(const char *fmt, va_list ap) ATTR_MALLOC;

/* ---- the one fatal path ---- */
typedef void (*SkDieHook)(void);
/* Register a cleanup run by sk_die() before it prints (e.g. restore the terminal). */
void sk_die_hook_add(SkDieHook hook);
/* Run the cleanup hooks, print "skvm: fatal: ..." to stderr, exit(70). */
void sk_die(const char *fmt, ...) ATTR_FORMAT(1, 2) ATTR_NORETURN;
/* Run the cleanup hooks once (also used by crash-signal handlers). */
void sk_die_run_hooks(void);

/* ---- growable byte buffer, always NUL-terminated when data != NULL ---- */
typedef struct SkBuf {
    char *data;
    size_t len;
    size_t cap;
} SkBuf;

#define SK_BUF_INIT {NULL, 0, 0}
void sk_buf_init(SkBuf *b);
void sk_buf_done(SkBuf *b);
void sk_buf_reset(SkBuf *b); /* len = 0, keeps memory */
void sk_buf_reserve(SkBuf *b, size_t extra);
void sk_buf_append(SkBuf *b, const void *p, size_t n);
void sk_buf_puts(SkBuf *b, const char *s);
void sk_buf_putc(SkBuf *b, char c);
void sk_buf_printf(SkBuf *b, const char *fmt, ...) ATTR_FORMAT(2, 3);
void sk_buf_vprintf(SkBuf *b, const char *fmt, va_list ap);
/* Hand the contents to the caller (free() it); the buffer is left empty. Never NULL. */
char *sk_buf_steal(SkBuf *b);
/* The contents as a C string ("" when empty); borrowed. */
const char *sk_buf_cstr(const SkBuf *b);

/* ---- pointer vector ---- */
typedef void (*SkFreeFn)(void *);
typedef struct SkVec {
    void **items;
    size_t len;
    size_t cap;
    SkFreeFn free_item; /* when non-NULL the vector owns its items */
} SkVec;

void sk_vec_init(SkVec *v, SkFreeFn free_item);
void sk_vec_done(SkVec *v); /* frees items when owning, then the array */
void sk_vec_push(SkVec *v, void *item);
void *sk_vec_get(const SkVec *v, size_t i);
/* Remove and return item I without freeing it (ownership moves to the caller). */
void *sk_vec_take(SkVec *v, size_t i);
void sk_vec_sort(SkVec *v, int (*cmp)(const void *a, const void *b));

/* ---- strings ---- */
bool sk_str_starts(const char *s, const char *prefix);
bool sk_str_ends(const char *s, const char *suffix);
bool sk_str_eq(const char *a, const char *b); /* NULL-safe */
/* Case-insensitive ASCII substring search; NULL when absent. */
const char *sk_str_casestr(const char *hay, const char *needle);
/* Trim ASCII white space in place; returns S. */
char *sk_str_trim(char *s);
/* True when [p, p+n) is valid UTF-8 (no overlongs, no surrogates, <= U+10FFFF). On failure
 * *bad_off (when non-NULL) gets the offset of the first bad byte. */
bool sk_utf8_valid(const char *p, size_t n, size_t *bad_off);
/* Display width in terminal columns of UTF-8 text (wide CJK = 2). */
size_t sk_utf8_width(const char *s, size_t n);
/* Glob match with '*' and '?' (no path semantics). */
bool sk_glob_match(const char *pattern, const char *s);
/* Rough token estimate of a text (about 4 bytes a token for ASCII, 1 per CJK char). */
size_t sk_estimate_tokens(const char *s, size_t n);

/* ---- files ---- */
/* Read a whole file into *out (NUL-terminated, free() it). Fails with SK_ERR_TOO_LARGE when
 * larger than MAX bytes (0 = no limit), SK_ERR_NOT_FOUND when missing. */
SkStatus sk_read_file(const char *path, size_t max, char **out, size_t *len, SkError *err);
/* Write via a temporary file + fsync + rename, creating parent folders. */
SkStatus sk_write_file_atomic(const char *path, const void *data, size_t len, SkError *err);
SkStatus sk_mkdir_p(const char *path, SkError *err);
/* Remove a file or a folder tree (does not follow symlinks). Missing is not an error. */
SkStatus sk_rm_rf(const char *path, SkError *err);
/* Copy a folder tree (regular files and folders; symlinks are skipped). */
SkStatus sk_copy_tree(const char *src, const char *dst, SkError *err);
bool sk_is_dir(const char *path);
bool sk_is_file(const char *path);
char *sk_path_join(const char *a, const char *b) ATTR_MALLOC;
/* Base name / parent folder of PATH as new strings. */
char *sk_path_base(const char *path) ATTR_MALLOC;
char *sk_path_dir(const char *path) ATTR_MALLOC;
/* Make a fresh temporary folder "<TMPDIR>/<prefix>XXXXXX"; NULL on failure. */
char *sk_mkdtemp(const char *prefix);
/* $SKVM_HOME, else $HOME/.skvm. New string. */
char *sk_home_dir(void) ATTR_MALLOC;

/* ---- clock ---- */
/* Monotonic milliseconds (for durations). */
int64_t sk_now_ms(void);
/* Wall clock in ms since the epoch; SKVM_TEST_NOW (seconds or ISO-8601) pins it for tests. */
int64_t sk_wall_ms(void);
/* Format MS (wall clock) as "2026-11-25T10:00:00.000Z" into OUT (>= 32 bytes). */
void sk_iso8601(int64_t ms, char *out, size_t size);
/* Format MS as "20261125T100000Z" (for file names). */
void sk_stamp(int64_t ms, char *out, size_t size);

/* ---- log sink: core never writes to the terminal ---- */
typedef enum SkLogLevel { SK_LOG_DEBUG, SK_LOG_INFO, SK_LOG_WARN, SK_LOG_ERROR } SkLogLevel;
typedef void (*SkLogSink)(SkLogLevel level, const char *msg, void *ud);
/* Install the process-wide sink (NULL drops everything, the default). */
void sk_log_set_sink(SkLogSink sink, void *ud);
void sk_log(SkLogLevel level, const char *fmt, ...) ATTR_FORMAT(2, 3);

/* ---- hashing ---- */
typedef struct SkSha256 {
    uint32_t h[8];
    uint64_t total;
    unsigned char block[64];
    size_t used;
} SkSha256;

void sk_sha256_init(SkSha256 *c);
void sk_sha256_update(SkSha256 *c, const void *data, size_t n);
void sk_sha256_final(SkSha256 *c, unsigned char out[32]);
/* Hex SHA-256 of DATA into OUT (65 bytes). */
void sk_sha256_hex(const void *data, size_t n, char out[65]);
void sk_hex(const unsigned char *in, size_t n, char *out); /* out: 2n+1 bytes */

#endif
