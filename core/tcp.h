/* tcp.h: Target Capability Profiles (TCP), in the reference SkVM's JSON format.
 *
 * A profile says, for one model driven by one harness, the highest level (0-3) it reached
 * on each primitive, with per-level details. Profiles live in
 *   $SKVM_HOME/profiles/<harness>/<model-slug>/latest.json (+ v_<stamp>.json)
 * and the shipped ones in <repo>/profiles/<harness>/<model-slug>/latest.json.
 * Loading is lenient: missing fields are left empty, unknown fields are kept for saving. */
#ifndef SKVM_CORE_TCP_H
#define SKVM_CORE_TCP_H

#include <jansson.h>
#include <stdbool.h>

#include "core/catalog.h"
#include "core/util.h"

#define TCP_DEFAULT_HARNESS "bare-agent"

typedef struct TcpLevelResult {
    int level;              /* 1..3 */
    bool passed;
    int pass_count, total_count, skip_count;
    double duration_ms, cost_usd;
    char *test_description;
    SkVec failure_details;  /* char *, owned */
    json_t *failure_artifacts; /* array or NULL, kept as is */
} TcpLevelResult;

typedef struct TcpDetail {
    char *primitive_id;
    int highest;            /* 0..3 */
    TcpLevelResult levels[3];
    int nlevels;            /* how many of levels[] are filled, in file order */
    char *conv_log_dir;     /* may be NULL */
    char *calibration_note; /* may be NULL */
} TcpDetail;

typedef struct Tcp {
    char *version;          /* "1.0" */
    char *model;            /* "qwen/qwen3.5-9b" */
    char *harness;          /* "bare-agent" */
    char *profiled_at;      /* ISO-8601 */
    int caps[CATALOG_COUNT];  /* level per catalog primitive; -1 when the profile lacks it */
    json_t *extra_caps;     /* object: capabilities with ids outside the catalog */
    SkVec details;          /* TcpDetail *, owned */
    double total_usd, duration_ms;
    long long tokens_input, tokens_output, tokens_cache_read, tokens_cache_write;
    bool is_partial;
    char *source_path;      /* file it was loaded from (NULL when built in memory) */
    bool shipped;           /* loaded from the shipped profiles/ folder */
} Tcp;

/* "L2" -> 2; -1 when not a level string. */
int tcp_level_parse(const char *s);
/* 2 -> "L2" (static); "L?" out of range. */
const char *tcp_level_name(int level);
/* Model id -> folder slug: '/' -> "--", ':' -> '_'. New string. */
char *tcp_model_slug(const char *model);

Tcp *tcp_new(const char *model, const char *harness);
void tcp_free(Tcp *t);
/* Build from parsed JSON (lenient). Fails only when the value is not an object or has no
 * "capabilities" object and no "details" array (then it is not a profile). */
SkStatus tcp_from_json(const json_t *j, Tcp **out, SkError *err);
SkStatus tcp_load_file(const char *path, Tcp **out, SkError *err);
/* Serialize in the reference layout (field order as the reference writes it). New ref. */
json_t *tcp_to_json(const Tcp *t);
/* Write HOME/profiles/<harness>/<slug>/latest.json (HOME NULL = sk_home_dir()) and, for a
 * complete profile (is_partial false), the archive v_<stamp>.json beside it, stamp from
 * profiled_at ("2026-04-03T11:39:57.566Z" -> "20260403T113957Z"; now when missing). Both
 * files are written atomically; a partial profile (a checkpoint) only replaces latest.json,
 * as the reference does. */
SkStatus tcp_save(const Tcp *t, const char *home, SkError *err);

/* Level of PRIMITIVE in T (0 when absent). */
int tcp_level(const Tcp *t, const char *primitive);
/* Detail of PRIMITIVE, NULL when absent. Borrowed. */
const TcpDetail *tcp_detail(const Tcp *t, const char *primitive);

/* ---- the index of every known profile ---- */
typedef struct TcpIndex TcpIndex;

/* Folder of the shipped profiles: $SKVM_PROFILES_DIR, else <source>/profiles, else
 * <prefix>/share/skvm/profiles. New string. */
char *tcp_shipped_dir(void);
/* Load every profile under HOME/profiles (HOME NULL = sk_home_dir()) and the shipped
 * folder. A profile in HOME hides a shipped one with the same harness and model. Files that
 * fail to load are skipped and listed in the index's problems. */
SkStatus tcp_index_load(const char *home, TcpIndex **out, SkError *err);
void tcp_index_free(TcpIndex *idx);
size_t tcp_index_count(const TcpIndex *idx);
const Tcp *tcp_index_get(const TcpIndex *idx, size_t i); /* sorted by harness, model */
/* Find by model id and harness (NULL: bare-agent first, then the other harnesses in name
 * order). MODEL matches, in this order: the exact id; the folder slug
 * ("qwen--qwen3.5-9b"); the last path segments ("qwen3.5-9b" finds "qwen/qwen3.5-9b");
 * a case-insensitive substring of the id. The last two must be unique, counting an
 * "openrouter/<id>" copy as the same model as "<id>" (the plain id is returned). NULL when
 * nothing or more than one model matches; tcp_index_candidates() then says which. */
const Tcp *tcp_index_find(const TcpIndex *idx, const char *model, const char *harness);
/* Profiles whose model id contains MODEL (case-insensitive; every profile of HARNESS, or of
 * every harness when HARNESS is NULL, when nothing contains it), pushed onto OUT as borrowed
 * const Tcp * (OUT should not own its items). For "did you mean" messages. */
void tcp_index_candidates(const TcpIndex *idx, const char *model, const char *harness,
                          SkVec *out);
/* "path: message" lines for files that did not load. Borrowed vector of char *. */
const SkVec *tcp_index_problems(const TcpIndex *idx);

#endif
