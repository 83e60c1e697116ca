/* store.c: the SQLite database ($SKVM_HOME/skvm.db): opening, schema migrations and a thin
 * statement API. This is the only file that includes sqlite3.h.
 *
 * Opening is careful with data it did not write: an existing file is first inspected
 * read-only (SQLite header, readable schema, PRAGMA user_version, and PRAGMA quick_check
 * before any migration). A file that is not SQLite or is damaged fails with SK_ERR_DB, a
 * schema newer than this build with SK_ERR_UNSUPPORTED; in both cases nothing is written.
 *
 * ---- How to add a table or column (for any module) ----
 * Append a new string at the END of store_migrations[] below. Never edit or reorder a
 * string that has already been committed: databases in the field have applied it, and the
 * index of a string is the schema version it upgrades from (migration i takes the database
 * from user_version i to i+1). Each migration runs in one transaction together with the
 * user_version bump, so it applies completely or not at all. Prefer additive changes
 * (CREATE TABLE / CREATE INDEX / ALTER TABLE ... ADD COLUMN). Name your tables after your
 * module (e.g. "bench_results") and say in a comment which module owns them. */
#include "core/store.h"

#include <errno.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#define STORE_BUSY_TIMEOUT_MS 5000

/* ---- schema ---- */

static const char *const store_migrations[] = {
    /* v0 -> v1: the foundation (owner: store). Times are ms since the epoch. */
    "CREATE TABLE runs ("
    "  id TEXT PRIMARY KEY,"
    "  kind TEXT NOT NULL DEFAULT 'run'," /* run | profile | compile | bench | chat */
    "  skill TEXT, skill_hash TEXT, variant TEXT, model TEXT, harness TEXT,"
    "  task TEXT, prompt TEXT,"
    "  status TEXT NOT NULL DEFAULT 'pending',"
    "  started_at INTEGER, ended_at INTEGER, pid INTEGER, work_dir TEXT,"
    "  tokens_in INTEGER NOT NULL DEFAULT 0, tokens_out INTEGER NOT NULL DEFAULT 0,"
    "  tokens_cache_read INTEGER NOT NULL DEFAULT 0,"
    "  tokens_cache_write INTEGER NOT NULL DEFAULT 0,"
    "  cost_usd REAL," /* NULL = unknown */
    "  score REAL, final_text TEXT, error TEXT,"
    "  meta TEXT" /* JSON object */
    ");"
    "CREATE INDEX runs_started ON runs(started_at);"
    "CREATE INDEX runs_kind_started ON runs(kind, started_at);"
    "CREATE INDEX runs_skill_started ON runs(skill, started_at);"
    "CREATE INDEX runs_model ON runs(model, harness);"
    "CREATE INDEX runs_status ON runs(status);"
    "CREATE TABLE steps ("
    "  run_id TEXT NOT NULL REFERENCES runs(id) ON DELETE CASCADE,"
    "  idx INTEGER NOT NULL,"
    "  kind TEXT NOT NULL," /* llm | tool */
    "  name TEXT, started_at INTEGER, duration_ms INTEGER, ttft_ms INTEGER,"
    "  tokens_in INTEGER, tokens_out INTEGER, tokens_cache_read INTEGER,"
    "  tokens_cache_write INTEGER, cost_usd REAL,"
    "  args TEXT, output TEXT, exit_code INTEGER, output_bytes INTEGER, status TEXT,"
    "  PRIMARY KEY (run_id, idx)"
    ");"
    "CREATE TABLE events ("
    "  id INTEGER PRIMARY KEY,"
    "  run_id TEXT, ts INTEGER, kind TEXT, step INTEGER, text TEXT,"
    "  data TEXT" /* JSON */
    ");"
    "CREATE INDEX events_run ON events(run_id, id);"
    "CREATE TABLE scores ("
    "  run_id TEXT NOT NULL, criterion TEXT NOT NULL,"
    "  score REAL, weight REAL, status TEXT, detail TEXT,"
    "  PRIMARY KEY (run_id, criterion)"
    ");"
    "CREATE TABLE profile_instances ("
    "  profile_run TEXT, model TEXT NOT NULL, harness TEXT NOT NULL,"
    "  primitive TEXT NOT NULL, level INTEGER NOT NULL, instance INTEGER NOT NULL,"
    "  seed INTEGER NOT NULL,"
    "  status TEXT NOT NULL," /* pass | fail | skip | infra */
    "  checkpoints TEXT,"     /* JSON */
    "  duration_ms INTEGER, tokens_in INTEGER, tokens_out INTEGER, cost_usd REAL,"
    "  run_id TEXT, created_at INTEGER,"
    "  PRIMARY KEY (model, harness, primitive, level, instance, seed)"
    ");"
    "CREATE INDEX profile_instances_run ON profile_instances(profile_run);"
    "CREATE TABLE llm_cache ("
    "  key TEXT PRIMARY KEY,"
    "  model TEXT, created_at INTEGER, last_used INTEGER,"
    "  hits INTEGER NOT NULL DEFAULT 0,"
    "  request TEXT, response TEXT, bytes INTEGER"
    ");"
    "CREATE INDEX llm_cache_last_used ON llm_cache(last_used);"
    "CREATE INDEX llm_cache_model ON llm_cache(model);"
    "CREATE TABLE variants ("
    "  commit_id TEXT PRIMARY KEY,"
    "  skill TEXT, branch TEXT, model TEXT, harness TEXT, created_at INTEGER,"
    "  meta TEXT" /* JSON */
    ");"
    "CREATE INDEX variants_skill ON variants(skill, created_at);"
    "CREATE INDEX variants_target ON variants(model, harness);",
    /* Append new migrations here (see the top of this file). */
};

/* ---- private types ---- */

struct Store {
    sqlite3 *db;
    char *path;
    int version;
};

struct StoreStmt {
    sqlite3_stmt *stmt;
    Store *st;
};

/* ---- helpers ---- */

static SkStatus store_code_for(int rc)
{
    switch (rc & 0xff) {
    case SQLITE_BUSY:
    case SQLITE_LOCKED:
        return SK_ERR_BUSY;
    case SQLITE_NOMEM:
        sk_die("out of memory in SQLite");
    default:
        return SK_ERR_DB;
    }
}

static SkStatus store_fail(Store *st, int rc, SkError *err, const char *what)
{
    const char *msg = st && st->db ? sqlite3_errmsg(st->db) : sqlite3_errstr(rc);
    return sk_error_set(err, store_code_for(rc), "%s: %s", what, msg);
}

/* Short excerpt of SQL for error messages. */
static char *store_sql_excerpt(const char *sql)
{
    while (*sql == ' ' || *sql == '\n' || *sql == '\t')
        sql++;
    size_t n = strlen(sql);
    if (n <= 60)
        return sk_strdup(sql);
    char *s = sk_malloc(64);
    memcpy(s, sql, 57);
    memcpy(s + 57, "...", 4);
    return s;
}

static int store_migration_count(void)
{
    return (int)SK_ARRAY_LEN(store_migrations);
}

/* Read the first column of the first row of SQL as an integer (0 when no row). */
static SkStatus store_query_int(sqlite3 *db, const char *sql, int64_t *out, SkError *err)
{
    sqlite3_stmt *s = NULL;
    int rc = sqlite3_prepare_v2(db, sql, -1, &s, NULL);
    if (rc == SQLITE_OK) {
        rc = sqlite3_step(s);
        if (rc == SQLITE_ROW) {
            *out = sqlite3_column_int64(s, 0);
            rc = SQLITE_OK;
        } else if (rc == SQLITE_DONE) {
            *out = 0;
            rc = SQLITE_OK;
        }
    }
    SkStatus st = SK_OK;
    if (rc != SQLITE_OK)
        st = sk_error_set(err, store_code_for(rc), "%s", sqlite3_errmsg(db));
    sqlite3_finalize(s);
    return st;
}

static SkStatus store_open_handle(const char *path, int flags, sqlite3 **out, SkError *err)
{
    sqlite3 *db = NULL;
    int rc = sqlite3_open_v2(path, &db, flags, NULL);
    if (rc != SQLITE_OK) {
        SkStatus s = sk_error_set(err, store_code_for(rc), "%s: cannot open: %s", path,
                                  db ? sqlite3_errmsg(db) : sqlite3_errstr(rc));
        sqlite3_close_v2(db);
        return s;
    }
    sqlite3_busy_timeout(db, STORE_BUSY_TIMEOUT_MS);
    sqlite3_extended_result_codes(db, 1);
    *out = db;
    return SK_OK;
}

/* Inspect an existing, non-empty database file read-only, writing nothing. On success
 * *VERSION holds its user_version. PRAGMA quick_check runs only when a migration is due
 * (it reads the whole file, and a sound file stays sound between our own writes). */
static SkStatus store_inspect(const char *path, int *version, SkError *err)
{
    /* 1. the header: every SQLite 3 file starts with these 16 bytes */
    FILE *f = fopen(path, "rb");
    if (!f)
        return sk_error_set(err, SK_ERR_IO, "%s: %s", path, strerror(errno));
    unsigned char head[100];
    size_t n = fread(head, 1, sizeof head, f);
    fclose(f);
    if (n < sizeof head || memcmp(head, "SQLite format 3", 16) != 0)
        return sk_error_set(err, SK_ERR_DB,
                            "%s: not a skvm database (not an SQLite 3 file); move it away or "
                            "use another --home",
                            path);

    /* 2. open read-only: a readable schema and its version */
    sqlite3 *db = NULL;
    SkError e2;
    SkStatus s = store_open_handle(path, SQLITE_OPEN_READONLY, &db, &e2);
    if (s != SK_OK)
        return sk_error_set(err, SK_ERR_DB, "%s: not a skvm database (%s)", path, e2.msg);
    int64_t v = 0, tables = 0;
    s = store_query_int(db, "SELECT count(*) FROM sqlite_master", &tables, &e2);
    if (s == SK_OK)
        s = store_query_int(db, "PRAGMA user_version", &v, &e2);
    if (s == SK_ERR_BUSY) {
        sqlite3_close_v2(db);
        return sk_error_set(err, SK_ERR_BUSY, "%s: %s", path, e2.msg);
    }
    if (s != SK_OK) {
        sqlite3_close_v2(db);
        return sk_error_set(err, SK_ERR_DB, "%s: not a skvm database (%s)", path, e2.msg);
    }
    if (v > store_migration_count()) {
        sqlite3_close_v2(db);
        return sk_error_set(err, SK_ERR_UNSUPPORTED,
                            "%s: database schema version %lld is newer than this skvm "
                            "supports (%d); upgrade skvm or use another --home",
                            path, (long long)v, store_migration_count());
    }
    if (v == 0 && tables > 0) {
        sqlite3_close_v2(db);
        return sk_error_set(err, SK_ERR_DB,
                            "%s: not a skvm database (an SQLite file with %lld tables and "
                            "no skvm schema version)",
                            path, (long long)tables);
    }

    /* 3. before migrating, make sure the file is sound */
    if (v < store_migration_count() && tables > 0) {
        sqlite3_stmt *q = NULL;
        int rc = sqlite3_prepare_v2(db, "PRAGMA quick_check", -1, &q, NULL);
        const char *res = NULL;
        if (rc == SQLITE_OK && sqlite3_step(q) == SQLITE_ROW)
            res = (const char *)sqlite3_column_text(q, 0);
        if (!res || strcmp(res, "ok") != 0) {
            s = sk_error_set(err, SK_ERR_DB, "%s: not a skvm database (damaged: %s)", path,
                             res ? res : sqlite3_errmsg(db));
            sqlite3_finalize(q);
            sqlite3_close_v2(db);
            return s;
        }
        sqlite3_finalize(q);
    }
    sqlite3_close_v2(db);
    *version = (int)v;
    return SK_OK;
}

static SkStatus store_migrate(Store *st, SkError *err)
{
    int latest = store_migration_count();
    for (;;) {
        int64_t v = 0;
        SkStatus s = store_query_int(st->db, "PRAGMA user_version", &v, err);
        if (s != SK_OK)
            return sk_error_prefix(err, "%s", st->path);
        if (v > latest)
            return sk_error_set(err, SK_ERR_UNSUPPORTED,
                                "%s: database schema version %lld is newer than this skvm "
                                "supports (%d)",
                                st->path, (long long)v, latest);
        st->version = (int)v;
        if (v == latest)
            return SK_OK;
        s = store_begin(st, err);
        if (s != SK_OK)
            return sk_error_prefix(err, "%s: migration", st->path);
        /* another process may have migrated while we waited for the lock */
        s = store_query_int(st->db, "PRAGMA user_version", &v, err);
        if (s == SK_OK && v == st->version) {
            char *sql =
                sk_asprintf("%s;PRAGMA user_version = %d;", store_migrations[v], (int)v + 1);
            s = store_exec(st, sql, err);
            free(sql);
            if (s == SK_OK)
                s = store_commit(st, err);
        } else if (s == SK_OK) {
            s = store_commit(st, err);
        }
        if (s != SK_OK) {
            store_rollback(st);
            return sk_error_prefix(err, "%s: migration to schema version %lld", st->path,
                                   (long long)v + 1);
        }
    }
}

/* Switch to WAL (persistent in the file). Changing the journal mode needs an exclusive
 * lock and SQLite does not always run the busy handler for it, so retry for the busy
 * timeout when another connection is opening the same fresh file. */
static SkStatus store_set_wal(Store *st, SkError *err)
{
    int64_t start = sk_now_ms();
    for (;;) {
        sqlite3_stmt *q = NULL;
        int rc = sqlite3_prepare_v2(st->db, "PRAGMA journal_mode = WAL", -1, &q, NULL);
        if (rc == SQLITE_OK)
            rc = sqlite3_step(q);
        sqlite3_finalize(q);
        if (rc == SQLITE_ROW || rc == SQLITE_DONE)
            return SK_OK;
        if (store_code_for(rc) != SK_ERR_BUSY || sk_now_ms() - start > STORE_BUSY_TIMEOUT_MS)
            return sk_error_set(err, store_code_for(rc), "%s: switching to WAL: %s", st->path,
                                sqlite3_errmsg(st->db));
        struct timespec ts = {0, 10 * 1000 * 1000};
        nanosleep(&ts, NULL);
    }
}

static Store *store_wrap(sqlite3 *db, const char *path)
{
    Store *st = sk_calloc(1, sizeof *st);
    st->db = db;
    st->path = sk_strdup(path);
    return st;
}

/* ---- public functions ---- */

int store_schema_latest(void)
{
    return store_migration_count();
}

SkStatus store_open(const char *path, Store **out, SkError *err)
{
    *out = NULL;
    char *owned = NULL;
    if (!path) {
        char *home = sk_home_dir();
        SkStatus s = sk_mkdir_p(home, err);
        owned = sk_path_join(home, "skvm.db");
        free(home);
        if (s != SK_OK) {
            free(owned);
            return s;
        }
        path = owned;
    }

    struct stat sb;
    int version = 0;
    if (stat(path, &sb) == 0) {
        if (!S_ISREG(sb.st_mode)) {
            SkStatus s = sk_error_set(err, SK_ERR_DB, "%s: not a skvm database (not a file)", path);
            free(owned);
            return s;
        }
        if (sb.st_size > 0) {
            SkStatus s = store_inspect(path, &version, err);
            if (s != SK_OK) {
                free(owned);
                return s;
            }
        }
    } else if (errno != ENOENT) {
        SkStatus s = sk_error_set(err, SK_ERR_IO, "%s: %s", path, strerror(errno));
        free(owned);
        return s;
    } else if (strcmp(path, ":memory:") != 0) {
        char *parent = sk_path_dir(path);
        SkStatus s = sk_mkdir_p(parent, err);
        free(parent);
        if (s != SK_OK) {
            free(owned);
            return s;
        }
    }

    sqlite3 *db = NULL;
    SkStatus s = store_open_handle(path, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, &db, err);
    if (s != SK_OK) {
        free(owned);
        return s;
    }
    Store *st = store_wrap(db, path);
    st->version = version;
    free(owned);

    s = store_set_wal(st, err);
    if (s == SK_OK)
        s = store_exec(st, "PRAGMA synchronous = NORMAL; PRAGMA foreign_keys = ON", err);
    if (s == SK_OK)
        s = store_migrate(st, err);
    if (s != SK_OK) {
        store_close(st);
        return s;
    }
    *out = st;
    return SK_OK;
}

SkStatus store_open_raw(const char *path, bool readonly, Store **out, SkError *err)
{
    *out = NULL;
    int flags = readonly ? SQLITE_OPEN_READONLY : SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE;
    sqlite3 *db = NULL;
    SkStatus s = store_open_handle(path, flags, &db, err);
    if (s != SK_OK)
        return s;
    Store *st = store_wrap(db, path);
    int64_t v = 0;
    if (store_query_int(db, "PRAGMA user_version", &v, NULL) == SK_OK)
        st->version = (int)v;
    *out = st;
    return SK_OK;
}

void store_close(Store *st)
{
    if (!st)
        return;
    sqlite3_close_v2(st->db);
    free(st->path);
    free(st);
}

int store_schema_version(Store *st)
{
    return st->version;
}

const char *store_path(const Store *st)
{
    return st->path;
}

SkStatus store_exec(Store *st, const char *sql, SkError *err)
{
    char *msg = NULL;
    int rc = sqlite3_exec(st->db, sql, NULL, NULL, &msg);
    if (rc == SQLITE_OK)
        return SK_OK;
    char *ex = store_sql_excerpt(sql);
    SkStatus s =
        sk_error_set(err, store_code_for(rc), "%s (in \"%s\")", msg ? msg : sqlite3_errstr(rc), ex);
    free(ex);
    sqlite3_free(msg);
    return s;
}

SkStatus store_begin(Store *st, SkError *err)
{
    return store_exec(st, "BEGIN IMMEDIATE", err);
}

SkStatus store_commit(Store *st, SkError *err)
{
    return store_exec(st, "COMMIT", err);
}

void store_rollback(Store *st)
{
    if (!sqlite3_get_autocommit(st->db))
        sqlite3_exec(st->db, "ROLLBACK", NULL, NULL, NULL);
}

SkStatus store_prepare(Store *st, const char *sql, StoreStmt **out, SkError *err)
{
    *out = NULL;
    sqlite3_stmt *stmt = NULL;
    int rc = sqlite3_prepare_v2(st->db, sql, -1, &stmt, NULL);
    if (rc != SQLITE_OK) {
        char *ex = store_sql_excerpt(sql);
        SkStatus s =
            sk_error_set(err, store_code_for(rc), "%s (in \"%s\")", sqlite3_errmsg(st->db), ex);
        free(ex);
        sqlite3_finalize(stmt);
        return s;
    }
    if (!stmt) {
        char *ex = store_sql_excerpt(sql);
        SkStatus s = sk_error_set(err, SK_ERR_INVALID, "no SQL statement in \"%s\"", ex);
        free(ex);
        return s;
    }
    StoreStmt *s = sk_calloc(1, sizeof *s);
    s->stmt = stmt;
    s->st = st;
    *out = s;
    return SK_OK;
}

void store_bind_text(StoreStmt *s, int i, const char *v)
{
    if (v)
        sqlite3_bind_text(s->stmt, i, v, -1, SQLITE_TRANSIENT);
    else
        sqlite3_bind_null(s->stmt, i);
}

void store_bind_int(StoreStmt *s, int i, int64_t v)
{
    sqlite3_bind_int64(s->stmt, i, v);
}

void store_bind_double(StoreStmt *s, int i, double v)
{
    sqlite3_bind_double(s->stmt, i, v);
}

void store_bind_null(StoreStmt *s, int i)
{
    sqlite3_bind_null(s->stmt, i);
}

void store_bind_blob(StoreStmt *s, int i, const void *p, size_t n)
{
    sqlite3_bind_blob64(s->stmt, i, n ? p : "", n, SQLITE_TRANSIENT);
}

StoreStep store_step(StoreStmt *s, SkError *err)
{
    int rc = sqlite3_step(s->stmt);
    if (rc == SQLITE_ROW)
        return STORE_ROW;
    if (rc == SQLITE_DONE)
        return STORE_DONE;
    store_fail(s->st, rc, err, "SQL");
    return STORE_ERROR;
}

const char *store_col_text(StoreStmt *s, int i)
{
    return (const char *)sqlite3_column_text(s->stmt, i);
}

int64_t store_col_int(StoreStmt *s, int i)
{
    return sqlite3_column_int64(s->stmt, i);
}

double store_col_double(StoreStmt *s, int i)
{
    return sqlite3_column_double(s->stmt, i);
}

bool store_col_is_null(StoreStmt *s, int i)
{
    return sqlite3_column_type(s->stmt, i) == SQLITE_NULL;
}

const void *store_col_blob(StoreStmt *s, int i, size_t *n)
{
    const void *p = sqlite3_column_blob(s->stmt, i);
    if (n)
        *n = (size_t)sqlite3_column_bytes(s->stmt, i);
    return p;
}

int store_col_count(StoreStmt *s)
{
    return sqlite3_column_count(s->stmt);
}

const char *store_col_name(StoreStmt *s, int i)
{
    return sqlite3_column_name(s->stmt, i);
}

StoreType store_col_type(StoreStmt *s, int i)
{
    switch (sqlite3_column_type(s->stmt, i)) {
    case SQLITE_INTEGER:
        return STORE_INT;
    case SQLITE_FLOAT:
        return STORE_FLOAT;
    case SQLITE_TEXT:
        return STORE_TEXT;
    case SQLITE_BLOB:
        return STORE_BLOB;
    default:
        return STORE_NULL;
    }
}

void store_reset(StoreStmt *s)
{
    sqlite3_reset(s->stmt);
    sqlite3_clear_bindings(s->stmt);
}

void store_finalize(StoreStmt *s)
{
    if (!s)
        return;
    sqlite3_finalize(s->stmt);
    free(s);
}

int64_t store_last_insert_id(Store *st)
{
    return sqlite3_last_insert_rowid(st->db);
}

int store_changes(Store *st)
{
    return sqlite3_changes(st->db);
}

static json_t *store_col_json(StoreStmt *s, int i)
{
    switch (store_col_type(s, i)) {
    case STORE_INT:
        return json_integer((json_int_t)store_col_int(s, i));
    case STORE_FLOAT:
        return json_real(store_col_double(s, i));
    case STORE_TEXT: {
        const char *t = store_col_text(s, i);
        size_t n = (size_t)sqlite3_column_bytes(s->stmt, i);
        json_t *v = json_stringn(t, n);
        return v ? v : json_string("<invalid UTF-8>");
    }
    case STORE_BLOB: {
        size_t n = 0;
        const unsigned char *p = store_col_blob(s, i, &n);
        char *hex = sk_malloc(2 * n + 1);
        sk_hex(p, n, hex);
        json_t *v = json_string(hex);
        free(hex);
        return v;
    }
    default:
        return json_null();
    }
}

SkStatus store_query_json(Store *st, const char *sql, const json_t *params, size_t max_rows,
                          json_t **rows, json_t **cols, SkError *err)
{
    *rows = NULL;
    if (cols)
        *cols = NULL;
    StoreStmt *s = NULL;
    SkStatus rc = store_prepare(st, sql, &s, err);
    if (rc != SK_OK)
        return rc;
    size_t pi;
    json_t *pv;
    if (json_is_array(params)) {
        json_array_foreach(params, pi, pv)
        {
            int k = (int)pi + 1;
            if (json_is_integer(pv))
                store_bind_int(s, k, json_integer_value(pv));
            else if (json_is_real(pv))
                store_bind_double(s, k, json_real_value(pv));
            else if (json_is_string(pv))
                store_bind_text(s, k, json_string_value(pv));
            else if (json_is_true(pv) || json_is_false(pv))
                store_bind_int(s, k, json_is_true(pv));
            else
                store_bind_null(s, k);
        }
    }
    json_t *out = json_array();
    int nc = store_col_count(s);
    StoreStep r;
    while ((r = store_step(s, err)) == STORE_ROW) {
        if (max_rows && json_array_size(out) >= max_rows) {
            json_decref(out);
            store_finalize(s);
            return sk_error_set(err, SK_ERR_TOO_LARGE, "query returned more than %zu rows",
                                max_rows);
        }
        json_t *row = json_array();
        for (int i = 0; i < nc; i++)
            json_array_append_new(row, store_col_json(s, i));
        json_array_append_new(out, row);
    }
    if (r == STORE_ERROR) {
        json_decref(out);
        SkStatus code = err ? err->code : SK_ERR_DB;
        store_finalize(s);
        return code;
    }
    if (cols) {
        *cols = json_array();
        for (int i = 0; i < nc; i++) {
            const char *name = store_col_name(s, i);
            json_array_append_new(*cols, json_string(name ? name : ""));
        }
    }
    store_finalize(s);
    *rows = out;
    return SK_OK;
}
