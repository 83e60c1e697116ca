/* test_util.c: util module (buffers, strings, UTF-8, files, SHA-256, clock). */
#include <stdlib.h>
#include <string.h>

#include "core/util.h"
#include "tests/testlib.h"

START_TEST(test_buf)
{
    SkBuf b = SK_BUF_INIT;
    ck_assert_str_eq(sk_buf_cstr(&b), "");
    sk_buf_puts(&b, "abc");
    sk_buf_printf(&b, "-%d-", 42);
    sk_buf_putc(&b, 'z');
    ck_assert_str_eq(b.data, "abc-42-z");
    ck_assert_uint_eq(b.len, 8);
    for (int i = 0; i < 1000; i++)
        sk_buf_puts(&b, "0123456789");
    ck_assert_uint_eq(b.len, 10008);
    char *s = sk_buf_steal(&b);
    ck_assert_ptr_null(b.data);
    ck_assert_uint_eq(strlen(s), 10008);
    free(s);
}
END_TEST

static int cmp_str_items(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

START_TEST(test_vec)
{
    SkVec v;
    sk_vec_init(&v, free);
    for (int i = 0; i < 100; i++)
        sk_vec_push(&v, sk_asprintf("%03d", 99 - i));
    sk_vec_sort(&v, cmp_str_items);
    ck_assert_str_eq(sk_vec_get(&v, 0), "000");
    ck_assert_str_eq(sk_vec_get(&v, 99), "099");
    ck_assert_ptr_null(sk_vec_get(&v, 100));
    char *first = sk_vec_take(&v, 0);
    ck_assert_str_eq(first, "000");
    ck_assert_str_eq(sk_vec_get(&v, 0), "001");
    ck_assert_uint_eq(v.len, 99);
    free(first);
    sk_vec_done(&v);
}
END_TEST

START_TEST(test_strings)
{
    ck_assert(sk_str_starts("gen.code.python", "gen."));
    ck_assert(!sk_str_starts("gen", "gen."));
    ck_assert(sk_str_ends("SKILL.md", ".md"));
    ck_assert(sk_glob_match("local/*", "local/qwen3"));
    ck_assert(sk_glob_match("*", ""));
    ck_assert(!sk_glob_match("openai/*", "anthropic/x"));
    ck_assert(sk_glob_match("a?c*", "abcdef"));
    char t[] = "  hi there \n";
    ck_assert_str_eq(sk_str_trim(t), "hi there");
    ck_assert_ptr_nonnull(sk_str_casestr("Use PANDAS here", "pandas"));
}
END_TEST

START_TEST(test_utf8)
{
    size_t bad = 99;
    ck_assert(sk_utf8_valid("héllo 漢字", strlen("héllo 漢字"), NULL));
    ck_assert(!sk_utf8_valid("ab\xC0\xAF", 4, &bad)); /* overlong '/' */
    ck_assert_uint_eq(bad, 2);
    ck_assert(!sk_utf8_valid("\xED\xA0\x80", 3, NULL)); /* surrogate */
    ck_assert(!sk_utf8_valid("\xE6\xBC", 2, NULL));     /* cut */
    ck_assert_uint_eq(sk_utf8_width("漢字ab", strlen("漢字ab")), 6);
}
END_TEST

START_TEST(test_sha256)
{
    char hex[65];
    sk_sha256_hex("", 0, hex);
    ck_assert_str_eq(hex, "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
    sk_sha256_hex("abc", 3, hex);
    ck_assert_str_eq(hex, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
    const char *two = "abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq";
    sk_sha256_hex(two, strlen(two), hex);
    ck_assert_str_eq(hex, "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");
}
END_TEST

START_TEST(test_files)
{
    const char *d = tl_tmpdir();
    char *p = sk_path_join(d, "a/b/c.txt");
    SkError err;
    ck_assert_int_eq(sk_write_file_atomic(p, "hello", 5, &err), SK_OK);
    char *data;
    size_t len;
    ck_assert_int_eq(sk_read_file(p, 0, &data, &len, &err), SK_OK);
    ck_assert_str_eq(data, "hello");
    free(data);
    ck_assert_int_eq(sk_read_file(p, 3, &data, &len, &err), SK_ERR_TOO_LARGE);
    ck_assert_ptr_null(data);
    char *missing = sk_path_join(d, "nope");
    ck_assert_int_eq(sk_read_file(missing, 0, &data, &len, &err), SK_ERR_NOT_FOUND);
    ck_assert_ptr_nonnull(strstr(err.msg, "nope"));
    char *copy = sk_path_join(d, "copy");
    char *src = sk_path_join(d, "a");
    ck_assert_int_eq(sk_copy_tree(src, copy, &err), SK_OK);
    char *cp = sk_path_join(copy, "b/c.txt");
    ck_assert(sk_is_file(cp));
    ck_assert_int_eq(sk_rm_rf(copy, &err), SK_OK);
    ck_assert(!sk_is_dir(copy));
    char *base = sk_path_base("/x/y/z/"), *dir = sk_path_dir("/x/y/z");
    ck_assert_str_eq(base, "z");
    ck_assert_str_eq(dir, "/x/y");
    free(base), free(dir), free(cp), free(src), free(copy), free(missing), free(p);
}
END_TEST

START_TEST(test_clock)
{
    setenv("SKVM_TEST_NOW", "2026-11-25T10:00:00Z", 1);
    char iso[40];
    sk_iso8601(sk_wall_ms(), iso, sizeof iso);
    ck_assert_str_eq(iso, "2026-11-25T10:00:00.000Z");
    char stamp[32];
    sk_stamp(sk_wall_ms(), stamp, sizeof stamp);
    ck_assert_str_eq(stamp, "20261125T100000Z");
    unsetenv("SKVM_TEST_NOW");
    ck_assert_int_gt(sk_wall_ms(), 1700000000000LL);
}
END_TEST

START_TEST(test_status)
{
    SkError err;
    ck_assert_int_eq(sk_error_set(&err, SK_ERR_PARSE, "x=%d", 1), SK_ERR_PARSE);
    sk_error_prefix(&err, "file.json");
    ck_assert_str_eq(err.msg, "file.json: x=1");
    ck_assert_str_eq(sk_status_name(SK_ERR_RATE_LIMIT), "RATE_LIMIT");
    ck_assert_str_eq(sk_status_message(SK_OK), "ok");
}
END_TEST

int main(void)
{
    Suite *s = suite_create("util");
    TCase *tc = tcase_create("util");
    tcase_add_test(tc, test_buf);
    tcase_add_test(tc, test_vec);
    tcase_add_test(tc, test_strings);
    tcase_add_test(tc, test_utf8);
    tcase_add_test(tc, test_sha256);
    tcase_add_test(tc, test_files);
    tcase_add_test(tc, test_clock);
    tcase_add_test(tc, test_status);
    suite_add_tcase(s, tc);
    return tl_run_suite(s);
}
