/* test_compare_runs.c: the compare view shows each variant's runs from the store (count,
 * mean score, tokens and latency) and "no runs yet" where there are none. A real offline
 * compile makes the variant, real runs rows (SQLite through core/store) point at it, and
 * the workbench runs headless on a script. */
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/compile.h"
#include "core/store.h"
#include "tests/testlib.h"
#include "ui/workbench.h"

START_TEST(test_runs_in_compare)
{
    const char *home = tl_tmpdir();
    setenv("HOME", home, 1);
    char *skhome = sk_path_join(home, ".skvm");
    setenv("SKVM_HOME", skhome, 1);
    char *profiles = tl_source_path("tests/screens/fixtures/profiles");
    setenv("SKVM_PROFILES_DIR", profiles, 1);
    setenv("SKVM_TEST_NOW", "2026-11-25T10:00:00Z", 1);
    setenv("TZ", "UTC", 1);
    setenv("LANG", "C.UTF-8", 1);
    setenv("LC_ALL", "C.UTF-8", 1);
    setenv("TERM", "xterm-256color", 1);
    setenv("SKVM_HEADLESS", "1", 1);
    unsetenv("NO_COLOR");
    unsetenv("SKVM_SIZE");

    /* The variant: an offline compile of the fixture skill. */
    char *skills = tl_source_path("tests/screens/fixtures/skills");
    ck_assert_int_eq(chdir(skills), 0);
    CompileOptions o = {0};
    o.skill_dir = "plan-parallel";
    o.model = "example/middle-model";
    o.passes = "1,3";
    CompileResult r;
    SkError err;
    ck_assert_msg(compile_run(&o, &r, &err) == SK_OK, "%s", err.msg);
    ck_assert_msg(r.ok && r.commit[0], "%s", r.error ? r.error : "no commit");
    char commit[41];
    memcpy(commit, r.commit, sizeof commit);
    compile_result_done(&r);

    /* Two finished runs of that variant: scores 0.5 and 1.0, 1000 and 2000 tokens, 1.5 s
     * and 2.5 s. */
    char *db = sk_path_join(skhome, "skvm.db");
    Store *st = NULL;
    ck_assert_msg(store_open(db, &st, &err) == SK_OK, "%s", err.msg);
    char *sql = sk_asprintf(
        "INSERT INTO runs (id, skill, variant, model, status, started_at, ended_at, tokens_in, "
        "tokens_out, score) VALUES "
        "('r1', 'plan-parallel', '%s', 'example/middle-model', 'done', 1000, 2500, 600, 400, "
        "0.5), "
        "('r2', 'plan-parallel', '%.12s', 'example/middle-model', 'done', 5000, 7500, 1500, "
        "500, 1.0)",
        commit, commit);
    ck_assert_msg(store_exec(st, sql, &err) == SK_OK, "%s", err.msg);
    free(sql);
    store_close(st);

    char *script = sk_path_join(home, "steps");
    char *steps = sk_asprintf(":compare %s\n:save-screen runs\n:save-state runs\n:quit\n", commit);
    tl_write(home, "steps", steps);
    free(steps);
    WorkbenchOptions w = {0};
    w.headless = true;
    w.script = script;
    w.screen_dir = home;
    w.cols = 100;
    w.rows = 30;
    w.theme = "mono";
    w.no_mouse = true;
    w.skill_dir = "plan-parallel";
    w.model = "example/middle-model";
    ck_assert_int_eq(workbench_run(&w), 0);

    char *screen = NULL, *state = NULL;
    size_t len;
    char *f = sk_path_join(home, "runs.screen");
    ck_assert(sk_read_file(f, 0, &screen, &len, NULL) == SK_OK);
    free(f);
    f = sk_path_join(home, "runs.state");
    ck_assert(sk_read_file(f, 0, &state, &len, NULL) == SK_OK);
    free(f);
    ck_assert_msg(strstr(state, "mode diff\n"), "%s", state);
    const char *row = strstr(screen, "runs  no runs yet");
    ck_assert_msg(row, "%s", screen);
    char *line = sk_strndup(row, strcspn(row, "\n"));
    ck_assert_msg(strstr(line, "2 runs · score 0.75 · 1500 tokens · 2.0 s"), "%s", line);
    free(line);
    free(screen);
    free(state);
    free(script);
    free(db);
    free(skills);
    free(profiles);
    free(skhome);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("compare_runs");
    TCase *tc = tcase_create("compare_runs");
    tcase_set_timeout(tc, 60);
    tcase_add_test(tc, test_runs_in_compare);
    suite_add_tcase(s, tc);
    return tl_run_suite(s);
}
