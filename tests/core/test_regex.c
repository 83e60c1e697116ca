/* test_regex.c: PCRE2 wrapper (errors, search, fullmatch, find all, backtracking limit). */
#include <stdlib.h>
#include <string.h>

#include "core/regex.h"
#include "tests/testlib.h"

START_TEST(test_compile_error)
{
    Regex *re = NULL;
    SkError err = {0};
    ck_assert_int_eq(regex_compile("a(b", 0, &re, &err), SK_ERR_PARSE);
    ck_assert_ptr_null(re);
    ck_assert_ptr_nonnull(strstr(err.msg, "offset 3"));
    ck_assert_int_eq(regex_compile(NULL, 0, &re, &err), SK_ERR_INVALID);
}
END_TEST

START_TEST(test_search_groups)
{
    Regex *re = NULL;
    ck_assert_int_eq(regex_compile("(?<k>\\w+)=(\\d+)", 0, &re, NULL), SK_OK);
    ck_assert_int_eq(regex_group_count(re), 2);
    const char *s = "x: alpha=42;";
    bool found = false;
    RegexMatch g[3];
    ck_assert_int_eq(regex_search(re, s, strlen(s), 0, &found, g, 3, NULL), SK_OK);
    ck_assert(found);
    ck_assert_uint_eq(g[0].start, 3);
    ck_assert_uint_eq(g[1].end, 8);
    ck_assert_uint_eq(g[2].start, 9);
    ck_assert_int_eq(regex_search(re, s, strlen(s), 11, &found, NULL, 0, NULL), SK_OK);
    ck_assert(!found);
    regex_free(re);
    ck_assert(regex_test("^err", REGEX_CASELESS, "ERROR here"));
    ck_assert(!regex_test("^err", 0, "ERROR here"));
    ck_assert(regex_test("^b", REGEX_MULTILINE, "a\nb"));
    ck_assert(!regex_test("((", 0, "(("));
    ck_assert(regex_test("(?<!\\w)log(?!\\w)", 0, "the log file"));
    ck_assert(!regex_test("(?<!\\w)log(?!\\w)", 0, "blogger"));
}
END_TEST

START_TEST(test_fullmatch)
{
    Regex *re = NULL;
    ck_assert_int_eq(regex_compile("\\d{4}-\\d{2}", 0, &re, NULL), SK_OK);
    bool m = false;
    ck_assert_int_eq(regex_fullmatch(re, "2024-01", 7, &m, NULL), SK_OK);
    ck_assert(m);
    ck_assert_int_eq(regex_fullmatch(re, "2024-011", 8, &m, NULL), SK_OK);
    ck_assert(!m);
    ck_assert_int_eq(regex_fullmatch(re, "x2024-01", 8, &m, NULL), SK_OK);
    ck_assert(!m);
    regex_free(re);
    /* alternation must be tried as a whole, like Python's fullmatch */
    ck_assert_int_eq(regex_compile("a|ab", 0, &re, NULL), SK_OK);
    ck_assert_int_eq(regex_fullmatch(re, "ab", 2, &m, NULL), SK_OK);
    ck_assert(m);
    regex_free(re);
}
END_TEST

START_TEST(test_find_all)
{
    Regex *re = NULL;
    ck_assert_int_eq(regex_compile("\\d+", 0, &re, NULL), SK_OK);
    RegexMatch *v = NULL;
    size_t n = 0;
    const char *s = "1 22 333 héllo 4444";
    ck_assert_int_eq(regex_find_all(re, s, strlen(s), &v, &n, NULL), SK_OK);
    ck_assert_uint_eq(n, 4);
    ck_assert_uint_eq(v[3].end - v[3].start, 4);
    free(v);
    regex_free(re);
    ck_assert_int_eq(regex_compile("x*", 0, &re, NULL), SK_OK);
    ck_assert_int_eq(regex_find_all(re, "aé", strlen("aé"), &v, &n, NULL), SK_OK);
    ck_assert_uint_eq(n, 3); /* empty matches before a, before é, at the end */
    free(v);
    regex_free(re);
}
END_TEST

START_TEST(test_backtracking_limit)
{
    Regex *re = NULL;
    ck_assert_int_eq(regex_compile("^(a+)+$", 0, &re, NULL), SK_OK);
    char s[64];
    memset(s, 'a', 40);
    s[40] = '!';
    s[41] = 0;
    bool found = true;
    SkError err = {0};
    SkStatus st = regex_search(re, s, strlen(s), 0, &found, NULL, 0, &err);
    ck_assert_int_eq(st, SK_ERR_TOO_LARGE);
    ck_assert(!found);
    ck_assert(!regex_test("^(a+)+$", 0, s));
    regex_free(re);
}
END_TEST

START_TEST(test_bad_utf8_subject)
{
    Regex *re = NULL;
    ck_assert_int_eq(regex_compile("a", 0, &re, NULL), SK_OK);
    bool found = false;
    SkError err = {0};
    ck_assert_int_eq(regex_search(re, "\xff" "a", 2, 0, &found, NULL, 0, &err), SK_ERR_INVALID);
    regex_free(re);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("regex");
    TCase *tc = tcase_create("regex");
    tcase_add_test(tc, test_compile_error);
    tcase_add_test(tc, test_search_groups);
    tcase_add_test(tc, test_fullmatch);
    tcase_add_test(tc, test_find_all);
    tcase_add_test(tc, test_backtracking_limit);
    tcase_add_test(tc, test_bad_utf8_subject);
    suite_add_tcase(s, tc);
    return tl_run_suite(s);
}
