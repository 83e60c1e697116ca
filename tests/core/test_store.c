/* test_store.c: the SQLite store (open, migrations, refusal of foreign files, statements,
 * transactions, concurrent writers). Real SQLite files in a temporary folder. */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/store.h"
#include "core/util.h"
#include "tests/testlib.h"

static int64_t query_int(Store *st, const char *sql)
{
    StoreStmt *s = NULL;
    SkError err;
    ck_assert_msg(store_prepare(st, sql, &s, &err) == SK_OK, "%s", err.msg);
    ck_assert_int_eq(store_step(s, &err), STORE_ROW);
    int64_t v = store_col_int(s, 0);
    store_finalize(s);
    return v;
}

static char *query_text(Store *st, const char *sql)
{
    StoreStmt *s = NULL;
    SkError err;
    ck_assert_msg(store_prepare(st, sql, &s, &err) == SK_OK, "%s", err.msg);
    ck_assert_int_eq(store_step(s, &err), STORE_ROW);
    char *v = sk_strdup(store_col_text(s, 0) ? store_col_text(s, 0) : "(null)");
    store_finalize(s);
    return v;
}

static char *read_all(const char *path, size_t *len)
{
    char *data = NULL;
    SkError err;
    ck_assert_msg(sk_read_file(path, 0, &data, len, &err) == SK_OK, "%s", err.msg);
    return data;
}

START_TEST(test_create)
{
    const char *dir = tl_tmpdir();
    char *path = sk_path_join(dir, "a.db");
    Store *st = NULL;
    SkError err;
    ck_assert_msg(store_open(path, &st, &err) == SK_OK, "%s", err.msg);
    ck_assert_int_ge(store_schema_latest(), 1);
    ck_assert_int_eq(store_schema_version(st), store_schema_latest());
    ck_assert_str_eq(store_path(st), path);
    ck_assert_int_eq(query_int(st, "PRAGMA user_version"), store_schema_latest());
    ck_assert_int_eq(query_int(st, "PRAGMA foreign_keys"), 1);
    char *mode = query_text(st, "PRAGMA journal_mode");
    ck_assert_str_eq(mode, "wal");
    free(mode);
    const char *tables[] = {"runs",      "steps",   "events", "scores", "profile_instances",
                            "llm_cache", "variants"};
    for (size_t i = 0; i < SK_ARRAY_LEN(tables); i++) {
        char *sql = sk_asprintf(
            "SELECT count(*) FROM sqlite_master WHERE type='table' AND name='%s'", tables[i]);
        ck_assert_msg(query_int(st, sql) == 1, "table %s missing", tables[i]);
        free(sql);
    }
    ck_assert_int_ge(query_int(st, "SELECT count(*) FROM sqlite_master WHERE type='index' "
                                   "AND name NOT LIKE 'sqlite_%'"),
                     5);
    store_close(st);
    store_close(NULL);
    free(path);
}
END_TEST

START_TEST(test_default_path_and_reopen)
{
    const char *home = tl_fresh_home();
    Store *st = NULL;
    SkError err;
    ck_assert_msg(store_open(NULL, &st, &err) == SK_OK, "%s", err.msg);
    char *expect = sk_path_join(home, "skvm.db");
    ck_assert_str_eq(store_path(st), expect);
    ck_assert_int_eq(store_exec(st,
                                "INSERT INTO runs(id, kind, status, started_at) "
                                "VALUES ('r1', 'run', 'ok', 1000)",
                                &err),
                     SK_OK);
    store_close(st);

    /* reopen: same version, data intact, no migration re-run (it would fail: the tables
     * exist) */
    ck_assert_msg(store_open(expect, &st, &err) == SK_OK, "%s", err.msg);
    ck_assert_int_eq(store_schema_version(st), store_schema_latest());
    ck_assert_int_eq(query_int(st, "SELECT started_at FROM runs WHERE id='r1'"), 1000);
    ck_assert_int_eq(query_int(st, "SELECT count(*) FROM runs"), 1);
    store_close(st);
    free(expect);
}
END_TEST

START_TEST(test_too_new_untouched)
{
    const char *dir = tl_tmpdir();
    char *path = sk_path_join(dir, "new.db");
    Store *raw = NULL;
    SkError err;
    ck_assert_msg(store_open_raw(path, false, &raw, &err) == SK_OK, "%s", err.msg);
    ck_assert_int_eq(store_exec(raw,
                                "CREATE TABLE future(x); INSERT INTO future VALUES (1);"
                                "PRAGMA user_version = 999",
                                &err),
                     SK_OK);
    store_close(raw);
    size_t n0 = 0, n1 = 0;
    char *before = read_all(path, &n0);

    Store *st = (Store *)1;
    SkStatus s = store_open(path, &st, &err);
    ck_assert_int_eq(s, SK_ERR_UNSUPPORTED);
    ck_assert_ptr_null(st);
    ck_assert_msg(strstr(err.msg, "999") && strstr(err.msg, "newer"), "%s", err.msg);

    char *after = read_all(path, &n1);
    ck_assert_uint_eq(n0, n1);
    ck_assert(memcmp(before, after, n0) == 0);
    char *wal = sk_asprintf("%s-wal", path);
    ck_assert(!sk_is_file(wal));
    free(wal);

    /* the raw opener still reads it, read-only */
    ck_assert_msg(store_open_raw(path, true, &raw, &err) == SK_OK, "%s", err.msg);
    ck_assert_int_eq(store_schema_version(raw), 999);
    ck_assert_int_ne(store_exec(raw, "INSERT INTO future VALUES (2)", &err), SK_OK);
    store_close(raw);
    free(before);
    free(after);
    free(path);

    /* one of ours (WAL mode) from a future skvm */
    path = sk_path_join(dir, "ours.db");
    ck_assert_msg(store_open(path, &st, &err) == SK_OK, "%s", err.msg);
    ck_assert_int_eq(store_exec(st, "INSERT INTO runs(id) VALUES ('a')", &err), SK_OK);
    store_close(st);
    ck_assert_int_eq(store_open_raw(path, false, &raw, &err), SK_OK);
    ck_assert_int_eq(store_exec(raw, "PRAGMA user_version = 1000", &err), SK_OK);
    store_close(raw);
    before = read_all(path, &n0);
    ck_assert_int_eq(store_open(path, &st, &err), SK_ERR_UNSUPPORTED);
    ck_assert_msg(strstr(err.msg, "1000"), "%s", err.msg);
    after = read_all(path, &n1);
    ck_assert_uint_eq(n0, n1);
    ck_assert(memcmp(before, after, n0) == 0);
    free(before);
    free(after);
    free(path);
}
END_TEST

static void check_refused(const char *path, const void *data, size_t len)
{
    SkError err;
    ck_assert_int_eq(sk_write_file_atomic(path, data, len, &err), SK_OK);
    Store *st = NULL;
    SkStatus s = store_open(path, &st, &err);
    ck_assert_int_eq(s, SK_ERR_DB);
    ck_assert_ptr_null(st);
    ck_assert_msg(strstr(err.msg, "not a skvm database ("), "%s", err.msg);
    ck_assert_msg(strstr(err.msg, path), "%s", err.msg);
    size_t n = 0;
    char *after = read_all(path, &n);
    ck_assert_uint_eq(n, len);
    ck_assert(memcmp(after, data, len) == 0);
    free(after);
}

START_TEST(test_garbage_untouched)
{
    const char *dir = tl_tmpdir();
    char *p1 = sk_path_join(dir, "text.db");
    const char *text = "this is a text file, not a database at all\n"
                       "with a few lines of content in it so it is longer than a header\n"
                       "and one more line to be sure.\n";
    check_refused(p1, text, strlen(text));

    /* right magic, garbage after it */
    char *p2 = sk_path_join(dir, "magic.db");
    size_t n = 8192;
    unsigned char *junk = sk_malloc(n);
    uint32_t x = 12345;
    for (size_t i = 0; i < n; i++) {
        x = x * 1103515245u + 12345u;
        junk[i] = (unsigned char)(x >> 16);
    }
    memcpy(junk, "SQLite format 3", 16);
    check_refused(p2, junk, n);
    free(junk);

    /* a real SQLite file that is someone else's database */
    char *p3 = sk_path_join(dir, "other.db");
    Store *raw = NULL;
    SkError err;
    ck_assert(store_open_raw(p3, false, &raw, &err) == SK_OK);
    ck_assert(store_exec(raw, "CREATE TABLE contacts(name TEXT)", &err) == SK_OK);
    store_close(raw);
    size_t len = 0;
    char *bytes = read_all(p3, &len);
    check_refused(p3, bytes, len);
    free(bytes);

    /* a folder in the way */
    char *p4 = sk_path_join(dir, "folder.db");
    sk_mkdir_p(p4, NULL);
    Store *st = NULL;
    ck_assert_int_eq(store_open(p4, &st, &err), SK_ERR_DB);
    free(p1);
    free(p2);
    free(p3);
    free(p4);
}
END_TEST

START_TEST(test_empty_file_is_created)
{
    const char *dir = tl_tmpdir();
    tl_write(dir, "empty.db", "");
    char *path = sk_path_join(dir, "empty.db");
    Store *st = NULL;
    SkError err;
    ck_assert_msg(store_open(path, &st, &err) == SK_OK, "%s", err.msg);
    ck_assert_int_eq(store_schema_version(st), store_schema_latest());
    store_close(st);
    free(path);
}
END_TEST

START_TEST(test_statements)
{
    const char *dir = tl_tmpdir();
    char *path = sk_path_join(dir, "s.db");
    Store *st = NULL;
    SkError err;
    ck_assert_msg(store_open(path, &st, &err) == SK_OK, "%s", err.msg);
    ck_assert_int_eq(store_exec(st, "CREATE TABLE t(a TEXT, b INTEGER, c REAL, d, e BLOB)", &err),
                     SK_OK);
    StoreStmt *s = NULL;
    ck_assert_int_eq(store_prepare(st, "INSERT INTO t VALUES (?1, ?2, ?3, ?4, ?5)", &s, &err),
                     SK_OK);
    char text[] = "héllo 漢字 'quoted'";
    store_bind_text(s, 1, text);
    store_bind_int(s, 2, INT64_C(9007199254740993));
    store_bind_double(s, 3, -2.5e-3);
    store_bind_null(s, 4);
    const unsigned char blob[] = {0, 1, 2, 0xff, 0};
    store_bind_blob(s, 5, blob, sizeof blob);
    text[0] = 'X'; /* bound text was copied */
    ck_assert_int_eq(store_step(s, &err), STORE_DONE);
    ck_assert_int_eq(store_changes(st), 1);
    ck_assert_int_eq(store_last_insert_id(st), 1);
    store_reset(s);
    store_bind_text(s, 1, NULL);
    store_bind_int(s, 2, -1);
    store_bind_blob(s, 5, NULL, 0);
    ck_assert_int_eq(store_step(s, &err), STORE_DONE);
    store_finalize(s);

    ck_assert_int_eq(store_prepare(st, "SELECT a, b, c, d, e FROM t ORDER BY rowid", &s, &err),
                     SK_OK);
    ck_assert_int_eq(store_col_count(s), 5);
    ck_assert_str_eq(store_col_name(s, 2), "c");
    ck_assert_int_eq(store_step(s, &err), STORE_ROW);
    ck_assert_str_eq(store_col_text(s, 0), "héllo 漢字 'quoted'");
    ck_assert_int_eq(store_col_type(s, 0), STORE_TEXT);
    ck_assert(store_col_int(s, 1) == INT64_C(9007199254740993));
    ck_assert_int_eq(store_col_type(s, 1), STORE_INT);
    ck_assert(store_col_double(s, 2) == -2.5e-3);
    ck_assert_int_eq(store_col_type(s, 2), STORE_FLOAT);
    ck_assert(store_col_is_null(s, 3));
    ck_assert_ptr_null(store_col_text(s, 3));
    ck_assert_int_eq(store_col_type(s, 3), STORE_NULL);
    size_t n = 0;
    const unsigned char *b = store_col_blob(s, 4, &n);
    ck_assert_uint_eq(n, sizeof blob);
    ck_assert(memcmp(b, blob, n) == 0);
    ck_assert_int_eq(store_col_type(s, 4), STORE_BLOB);
    ck_assert_int_eq(store_step(s, &err), STORE_ROW);
    ck_assert(store_col_is_null(s, 0));
    ck_assert_int_eq(store_col_int(s, 1), -1);
    ck_assert(!store_col_is_null(s, 4)); /* empty blob, not NULL */
    store_col_blob(s, 4, &n);
    ck_assert_uint_eq(n, 0);
    ck_assert_int_eq(store_step(s, &err), STORE_DONE);
    store_finalize(s);

    /* errors name the problem and the SQL */
    ck_assert_int_eq(store_prepare(st, "SELEC nonsense", &s, &err), SK_ERR_DB);
    ck_assert_ptr_null(s);
    ck_assert_msg(strstr(err.msg, "SELEC nonsense"), "%s", err.msg);
    ck_assert_int_eq(store_exec(st, "INSERT INTO missing VALUES (1)", &err), SK_ERR_DB);
    ck_assert_msg(strstr(err.msg, "missing"), "%s", err.msg);
    ck_assert_int_eq(store_prepare(st, "  ", &s, &err), SK_ERR_INVALID);
    /* constraint failure is a step error */
    ck_assert_int_eq(store_prepare(st, "INSERT INTO runs(id) VALUES ('x')", &s, &err), SK_OK);
    ck_assert_int_eq(store_step(s, &err), STORE_DONE);
    store_reset(s);
    ck_assert_int_eq(store_step(s, &err), STORE_ERROR);
    ck_assert_int_eq(err.code, SK_ERR_DB);
    ck_assert_msg(strstr(err.msg, "UNIQUE"), "%s", err.msg);
    store_finalize(s);
    store_finalize(NULL);

    /* JSON query helper */
    json_t *rows = NULL, *cols = NULL;
    json_t *params = json_pack("[i]", 0);
    ck_assert_int_eq(store_query_json(st, "SELECT a, b, c, d, e FROM t WHERE b > ?1", params, 0,
                                      &rows, &cols, &err),
                     SK_OK);
    ck_assert_uint_eq(json_array_size(rows), 1);
    json_t *r0 = json_array_get(rows, 0);
    ck_assert_str_eq(json_string_value(json_array_get(r0, 0)), "héllo 漢字 'quoted'");
    ck_assert(json_integer_value(json_array_get(r0, 1)) == INT64_C(9007199254740993));
    ck_assert(json_is_null(json_array_get(r0, 3)));
    ck_assert_str_eq(json_string_value(json_array_get(r0, 4)), "000102ff00");
    ck_assert_str_eq(json_string_value(json_array_get(cols, 1)), "b");
    json_decref(rows);
    json_decref(cols);
    ck_assert_int_eq(store_query_json(st, "SELECT * FROM t", NULL, 1, &rows, NULL, &err),
                     SK_ERR_TOO_LARGE);
    ck_assert_ptr_null(rows);
    json_decref(params);
    store_close(st);
    free(path);
}
END_TEST

START_TEST(test_transactions)
{
    const char *dir = tl_tmpdir();
    char *path = sk_path_join(dir, "tx.db");
    Store *st = NULL;
    SkError err;
    ck_assert_msg(store_open(path, &st, &err) == SK_OK, "%s", err.msg);
    ck_assert_int_eq(store_begin(st, &err), SK_OK);
    ck_assert_int_eq(store_exec(st, "INSERT INTO runs(id) VALUES ('keep')", &err), SK_OK);
    ck_assert_int_eq(store_commit(st, &err), SK_OK);

    ck_assert_int_eq(store_begin(st, &err), SK_OK);
    ck_assert_int_eq(store_exec(st, "INSERT INTO runs(id) VALUES ('gone')", &err), SK_OK);
    ck_assert_int_eq(query_int(st, "SELECT count(*) FROM runs"), 2);
    store_rollback(st);
    ck_assert_int_eq(query_int(st, "SELECT count(*) FROM runs"), 1);
    store_rollback(st); /* no transaction: harmless */
    ck_assert_int_ne(store_commit(st, &err), SK_OK);

    /* foreign keys: steps need their run, and go with it */
    ck_assert_int_eq(
        store_exec(st, "INSERT INTO steps(run_id, idx, kind) VALUES ('nope', 0, 'llm')", &err),
        SK_ERR_DB);
    ck_assert_int_eq(store_exec(st,
                                "INSERT INTO steps(run_id, idx, kind) VALUES ('keep', 0, 'llm');"
                                "INSERT INTO steps(run_id, idx, kind) VALUES ('keep', 1, 'tool')",
                                &err),
                     SK_OK);
    ck_assert_int_eq(query_int(st, "SELECT count(*) FROM steps"), 2);
    ck_assert_int_eq(store_exec(st, "DELETE FROM runs WHERE id='keep'", &err), SK_OK);
    ck_assert_int_eq(query_int(st, "SELECT count(*) FROM steps"), 0);
    store_close(st);
    free(path);
}
END_TEST

typedef struct Writer {
    const char *path;
    int id;
    int done;
    char error[SK_ERROR_MSG_MAX + 64];
} Writer;

#define WRITES 150

static void *writer_main(void *arg)
{
    Writer *w = arg;
    Store *st = NULL;
    SkError err;
    if (store_open(w->path, &st, &err) != SK_OK) {
        snprintf(w->error, sizeof w->error, "open: %s", err.msg);
        return NULL;
    }
    StoreStmt *s = NULL;
    for (int i = 0; i < WRITES; i++) {
        if (store_begin(st, &err) != SK_OK)
            goto fail;
        if (store_prepare(st, "INSERT INTO events(run_id, ts, kind, step) VALUES (?1,?2,?3,?4)", &s,
                          &err) != SK_OK)
            goto fail;
        char rid[16];
        snprintf(rid, sizeof rid, "w%d", w->id);
        store_bind_text(s, 1, rid);
        store_bind_int(s, 2, i);
        store_bind_text(s, 3, "log");
        store_bind_int(s, 4, i);
        if (store_step(s, &err) != STORE_DONE)
            goto fail;
        store_finalize(s);
        s = NULL;
        if (store_commit(st, &err) != SK_OK)
            goto fail;
        w->done++;
    }
    store_close(st);
    return NULL;
fail:
    snprintf(w->error, sizeof w->error, "write %d: %s", w->done, err.msg);
    store_finalize(s);
    store_rollback(st);
    store_close(st);
    return NULL;
}

START_TEST(test_concurrent_writers)
{
    const char *dir = tl_tmpdir();
    char *path = sk_path_join(dir, "c.db");
    Writer w[3] = {{path, 0, 0, ""}, {path, 1, 0, ""}, {path, 2, 0, ""}};
    pthread_t th[3];
    /* the first two open a fresh file at the same time (both may try to migrate) */
    for (int i = 0; i < 3; i++)
        pthread_create(&th[i], NULL, writer_main, &w[i]);
    for (int i = 0; i < 3; i++)
        pthread_join(th[i], NULL);
    for (int i = 0; i < 3; i++) {
        ck_assert_msg(w[i].error[0] == '\0', "writer %d: %s", i, w[i].error);
        ck_assert_int_eq(w[i].done, WRITES);
    }
    Store *st = NULL;
    SkError err;
    ck_assert_msg(store_open(path, &st, &err) == SK_OK, "%s", err.msg);
    ck_assert_int_eq(query_int(st, "SELECT count(*) FROM events"), 3 * WRITES);
    ck_assert_int_eq(query_int(st, "SELECT count(DISTINCT run_id) FROM events"), 3);
    store_close(st);
    free(path);
}
END_TEST

START_TEST(test_memory_and_new_folder)
{
    Store *st = NULL;
    SkError err;
    ck_assert_msg(store_open(":memory:", &st, &err) == SK_OK, "%s", err.msg);
    ck_assert_int_eq(store_schema_version(st), store_schema_latest());
    ck_assert_int_eq(query_int(st, "SELECT count(*) FROM runs"), 0);
    store_close(st);
    char *path = sk_path_join(tl_tmpdir(), "a/b/c.db");
    ck_assert_msg(store_open(path, &st, &err) == SK_OK, "%s", err.msg);
    store_close(st);
    ck_assert(sk_is_file(path));
    free(path);
}
END_TEST

START_TEST(test_raw)
{
    const char *dir = tl_tmpdir();
    char *path = sk_path_join(dir, "missing.db");
    Store *st = NULL;
    SkError err;
    ck_assert_int_ne(store_open_raw(path, true, &st, &err), SK_OK);
    ck_assert_ptr_null(st);
    ck_assert(!sk_is_file(path));
    ck_assert_int_eq(store_open_raw(":memory:", false, &st, &err), SK_OK);
    ck_assert_int_eq(store_schema_version(st), 0);
    ck_assert_int_eq(query_int(st, "SELECT count(*) FROM sqlite_master"), 0); /* no schema */
    ck_assert_int_eq(store_exec(st, "CREATE TABLE t(x); INSERT INTO t VALUES (41)", &err), SK_OK);
    ck_assert_int_eq(query_int(st, "SELECT x + 1 FROM t"), 42);
    store_close(st);
    free(path);
}
END_TEST

static Suite *store_suite(void)
{
    Suite *s = suite_create("store");
    TCase *tc = tcase_create("core");
    tcase_set_timeout(tc, 60);
    tcase_add_test(tc, test_create);
    tcase_add_test(tc, test_default_path_and_reopen);
    tcase_add_test(tc, test_too_new_untouched);
    tcase_add_test(tc, test_garbage_untouched);
    tcase_add_test(tc, test_empty_file_is_created);
    tcase_add_test(tc, test_statements);
    tcase_add_test(tc, test_transactions);
    tcase_add_test(tc, test_concurrent_writers);
    tcase_add_test(tc, test_memory_and_new_folder);
    tcase_add_test(tc, test_raw);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    return tl_run_suite(store_suite());
}
