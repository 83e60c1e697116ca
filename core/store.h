/* store.h: the SQLite database ($SKVM_HOME/skvm.db, WAL). The only module that includes
 * sqlite3.h. Other modules keep their SQL to themselves and run it through this thin
 * statement API; the schema and its migrations live in store.c.
 *
 * Each thread opens its own Store (connections are not shared across threads). */
#ifndef SKVM_CORE_STORE_H
#define SKVM_CORE_STORE_H

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
void store_reset(StoreStmt *s);
void store_finalize(StoreStmt *s);

int64_t store_last_insert_id(Store *st);
int store_changes(Store *st);

#endif
