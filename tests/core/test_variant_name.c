/* test_variant_name.c: the store name of a skill matches what the compiler stores under. */
#include <stdlib.h>
#include <string.h>

#include "core/compile.h"
#include "core/skill.h"
#include "core/variant_name.h"
#include "tests/testlib.h"

#define SKILL_TEXT                                                                                 \
    "---\nname: %s\ndescription: A test skill.\n---\n\n"                                      \
    "# Test\n\n1. Read `in.txt`.\n2. Write `out.txt`.\n"

/* A skill in folder DIR (under the temp dir) with frontmatter NAME; its store name. */
static char *store_name(const char *dir, const char *name, Skill **out)
{
    char *path = sk_path_join(tl_tmpdir(), dir);
    char *text = sk_asprintf(SKILL_TEXT, name);
    tl_write(path, "SKILL.md", text);
    free(text);
    Skill *s = NULL;
    SkError err;
    ck_assert_msg(skill_load(path, &s, &err) == SK_OK, "%s", err.msg);
    free(path);
    char *r = variant_name_of_skill(s);
    if (out)
        *out = s;
    else
        skill_free(s);
    return r;
}

START_TEST(test_rules)
{
    char *n = store_name("good-name", "other", NULL);
    ck_assert_str_eq(n, "good-name"); /* the folder name wins when valid */
    free(n);
    n = store_name("has space", "weekly-digest", NULL);
    ck_assert_str_eq(n, "weekly-digest"); /* else the frontmatter name */
    free(n);
    n = store_name("bad name!", "also bad", NULL);
    ck_assert_str_eq(n, "bad-name-"); /* else the folder name, cleaned */
    free(n);
}
END_TEST

/* The compiler stores a skill under the same name (a real offline compile). */
START_TEST(test_matches_compile)
{
    char *home = sk_path_join(tl_tmpdir(), "home");
    setenv("SKVM_HOME", home, 1);
    Skill *s = NULL;
    char *n = store_name("odd folder", "odd-skill", &s);
    char *profile = tl_source_path(
        "tests/screens/fixtures/profiles/bare-agent/example--middle-model/latest.json");
    CompileOptions o = {0};
    o.skill_dir = s->dir;
    o.model = "example/middle-model";
    o.profile_path = profile;
    o.home = home;
    o.passes = "3";
    CompileResult r;
    SkError err;
    ck_assert_msg(compile_run(&o, &r, &err) == SK_OK, "%s", err.msg);
    ck_assert_msg(r.ok, "%s", r.error ? r.error : "?");
    ck_assert_str_eq(r.skill, n);
    compile_result_done(&r);
    free(profile);
    free(n);
    skill_free(s);
    free(home);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("variant_name");
    TCase *tc = tcase_create("variant_name");
    tcase_set_timeout(tc, 60);
    tcase_add_test(tc, test_rules);
    tcase_add_test(tc, test_matches_compile);
    suite_add_tcase(s, tc);
    return tl_run_suite(s);
}
