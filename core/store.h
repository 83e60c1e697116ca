/* store.h: the SQLite database ($SKVM_HOME/skvm.db, WAL). The only module that includes
 * sqlite3.h. Other modules keep their SQL to themselves and run it through this thin
 * statement API; the schema and its migrations live in store.c.
 *
 * Each thread opens its own Store (connections are not shared across threads). */
#ifndef SKVM_CORE_STORE_H
#define SKVM_CORE_STORE_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/util.h"

typedef struct Store Store;
typedef struct StoreStmt StoreStmt;

/* Open (creating and migrating as needed) the database at PATH (NULL: $SKVM_HOME/skvm.db).
 * A database whose schema is newer than this build fails with SK_ERR_UNSUPPORTED, a file
 * that is not a valid SQLite database with SK_ERR_DB; in both cases nothing is written. */
SkStatus store_open(const char *path, Store **out, SkError *err);
/* Open any SQLite file (or ":memory:") as is: no schema check, no migrations, no WAL switch,
 * foreign keys left at SQLite's default; only the busy timeout is set. READONLY opens it
 * read-only (the file must exist); otherwise it is created when missing. For scratch
 * databases (e.g. the profiler's SQL evaluators). store_schema_version() reports its
 * PRAGMA user_version. Close with store_close(). */
SkStatus store_open_raw(const char *path, bool readonly, Store **out, SkError *err);
/* Close (NULL is a no-op). Statements must be finalized first. */
void store_close(Store *st);
/* Schema version this build writes / the open database has. */
int store_schema_latest(void);
int store_schema_version(Store *st);
const char *store_path(const Store *st);

/* Run one or more statements with no results. */
SkStatus store_exec(Store *st, const char *sql, SkError *err);
/* BEGIN IMMEDIATE / COMMIT / ROLLBACK. */
SkStatus store_begin(Store *st, SkError *err);
SkStatus store_commit(Store *st, SkError *err);
void store_rollback(Store *st);

SkStatus store_prepare(Store *st, const char *sql, StoreStmt **out, SkError *err);
/* Bind by 1-based index. Text and blobs are copied. NULL text binds SQL NULL. */
void store_bind_text(StoreStmt *s, int i, const char *v);
void store_bind_int(StoreStmt *s, int i, int64_t v);
void store_bind_double(StoreStmt *s, int i, double v);
void store_bind_null(StoreStmt *s, int i);
void store_bind_blob(StoreStmt *s, int i, const void *p, size_t n);

typedef enum StoreStep { STORE_ROW, STORE_DONE, STORE_ERROR } StoreStep;
/* Step; on STORE_ERROR, ERR says why (SK_ERR_BUSY when locked past the busy timeout). */
StoreStep store_step(StoreStmt *s, SkError *err);
/* Column getters (0-based). Text is borrowed until the next step/reset/finalize; NULL for
 * SQL NULL. */
const char *store_col_text(StoreStmt *s, int i);
int64_t store_col_int(StoreStmt *s, int i);
double store_col_double(StoreStmt *s, int i);
bool store_col_is_null(StoreStmt *s, int i);
const void *store_col_blob(StoreStmt *s, int i, size_t *n);
/* Result shape: number of columns, column name (borrowed, as for text) and the SQL type of
 * the value in the current row. */
int store_col_count(StoreStmt *s);
const char *store_col_name(StoreStmt *s, int i);
typedef enum StoreType { STORE_INT, STORE_FLOAT, STORE_TEXT, STORE_BLOB, STORE_NULL } StoreType;
StoreType store_col_type(StoreStmt *s, int i);
/* Reset for another step and clear the bindings. */
void store_reset(StoreStmt *s);
void store_finalize(StoreStmt *s);

int64_t store_last_insert_id(Store *st);
int store_changes(Store *st);
/* Run SQL (one statement) with the bindings given as JSON (array for ?1.., or NULL) and
 * return every row as an array of arrays of JSON values (integer, real, string, null; blobs
 * as hex strings) in *ROWS (new ref) and the column names in *COLS (new ref; NULL to skip).
 * At most MAX_ROWS rows (0 = no limit); more is SK_ERR_TOO_LARGE. */
SkStatus store_query_json(Store *st, const char *sql, const json_t *params, size_t max_rows,
                          json_t **rows, json_t **cols, SkError *err);

#endif
