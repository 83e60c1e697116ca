/* test_screens.c: screen-dump tests of the workbench (STYLE.md rule 31).
 *
 * Every folder tests/screens/<pane>/<scenario>/ with a `steps` file is one test case. The
 * workbench runs in-process on a headless ncurses screen, fed by the steps (plus a final
 * :quit); each file it saves (NAME.screen, NAME.styles, NAME.state) is compared with the
 * golden file of the same name in the scenario folder. A mismatch prints a unified diff;
 * actual files stay in $SKVM_BUILD_DIR/test-output/screens/<pane>/<scenario>/.
 * SKVM_UPDATE_GOLDEN=1 rewrites the goldens; SKVM_TEST_FILTER=<glob> selects scenarios.
 *
 * The optional `env` file has "key: value" lines:
 *   size: 80x24            screen size (default 80x24)
 *   theme: mono            theme (default mono; "default": what config or SKVM_THEME say)
 *   term: xterm-256color   TERM (default xterm-256color)
 *   skill: fixture:NAME    tests/screens/fixtures/skills/NAME (run from that folder, opened
 *                          by the relative path NAME); "reference:REL" under
 *                          ../shared/reference (the scenario is skipped when it is absent);
 *                          a path relative to the repository; "none" for the picker
 *   profiles: fixture      fixture profiles (default) or "shipped" (the repository's)
 *   model: ID              initial target model
 *   cwd: fixture:REL       run in tests/screens/fixtures/REL (default: a fresh empty folder)
 *   styles: yes            also record NAME.styles goldens when updating
 *   keys: FILE             copy tests/screens/fixtures/FILE to $SKVM_HOME/keys.yaml
 *   config: FILE           copy tests/screens/fixtures/FILE to $SKVM_HOME/config.yaml
 *   modelserver: FILE      start the loopback model server (tests/modelserver) on the
 *                          scenario file FILE of this folder and write a config.yaml whose
 *                          one route sends every model id to it (replaces `config`)
 *   home: DIR              copy tests/screens/fixtures/DIR into $SKVM_HOME; a skvm.sql in it
 *                          is run into $SKVM_HOME/skvm.db (past runs for the trace pane) */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/store.h"
#include "core/util.h"
#include "tests/modelserver/msrv.h"
#include "tests/testlib.h"
#include "ui/workbench.h"

typedef struct Scenario {
    char *name; /* "<pane>/<scenario>" */
    char *dir;
} Scenario;

static Scenario scenarios[256];
static int nscenarios;

static int scenario_cmp(const void *a, const void *b)
{
    return strcmp(((const Scenario *)a)->name, ((const Scenario *)b)->name);
}

static void find_scenarios(void)
{
    char *root = tl_source_path("tests/screens");
    const char *filter = getenv("SKVM_TEST_FILTER");
    DIR *d = opendir(root);
    struct dirent *de;
    while (d && (de = readdir(d))) {
        if (de->d_name[0] == '.' || !strcmp(de->d_name, "fixtures"))
            continue;
        char *pane = sk_path_join(root, de->d_name);
        DIR *d2 = opendir(pane);
        struct dirent *de2;
        while (d2 && (de2 = readdir(d2))) {
            if (de2->d_name[0] == '.')
                continue;
            char *dir = sk_path_join(pane, de2->d_name);
            char *steps = sk_path_join(dir, "steps");
            char *name = sk_asprintf("%s/%s", de->d_name, de2->d_name);
            if (sk_is_file(steps) && nscenarios < (int)SK_ARRAY_LEN(scenarios) &&
                (!filter || !*filter || sk_glob_match(filter, name))) {
                scenarios[nscenarios].name = name;
                scenarios[nscenarios].dir = dir;
                nscenarios++;
            } else {
                free(name);
                free(dir);
            }
            free(steps);
        }
        if (d2)
            closedir(d2);
        free(pane);
    }
    if (d)
        closedir(d);
    free(root);
    qsort(scenarios, (size_t)nscenarios, sizeof *scenarios, scenario_cmp);
}

/* Value of KEY in the scenario's env file (new string) or NULL. */
static char *env_get(const char *dir, const char *key)
{
    char *path = sk_path_join(dir, "env");
    char *text = NULL;
    size_t len = 0;
    char *out = NULL;
    if (sk_read_file(path, 0, &text, &len, NULL) == SK_OK) {
        for (char *line = strtok(text, "\n"); line && !out; line = strtok(NULL, "\n")) {
            char *sep = strpbrk(line, ":=");
            if (!sep || line[0] == '#')
                continue;
            *sep = '\0';
            if (!strcmp(sk_str_trim(line), key))
                out = sk_strdup(sk_str_trim(sep + 1));
        }
    }
    free(text);
    free(path);
    return out;
}

static bool file_equal(const char *a, const char *b)
{
    char *ta = NULL, *tb = NULL;
    size_t la = 0, lb = 0;
    bool eq = sk_read_file(a, 0, &ta, &la, NULL) == SK_OK &&
              sk_read_file(b, 0, &tb, &lb, NULL) == SK_OK && la == lb && !memcmp(ta, tb, la);
    free(ta);
    free(tb);
    return eq;
}

static void copy_file(const char *from, const char *to)
{
    char *t = NULL;
    size_t l = 0;
    ck_assert_msg(sk_read_file(from, 0, &t, &l, NULL) == SK_OK, "cannot read %s", from);
    ck_assert(sk_write_file_atomic(to, t, l, NULL) == SK_OK);
    free(t);
}

/* Compare the goldens of DIR with the actual files in OUT; returns the number of failures. */
static int compare_outputs(const char *name, const char *dir, const char *out, bool update,
                           bool want_styles)
{
    int failures = 0;
    /* Every actual output must have a golden (or get one when updating). */
    DIR *d = opendir(out);
    struct dirent *de;
    while (d && (de = readdir(d))) {
        const char *f = de->d_name;
        if (!sk_str_ends(f, ".screen") && !sk_str_ends(f, ".styles") && !sk_str_ends(f, ".state"))
            continue;
        char *actual = sk_path_join(out, f);
        char *golden = sk_path_join(dir, f);
        bool has_golden = sk_is_file(golden);
        if (update) {
            if (has_golden || !sk_str_ends(f, ".styles") || want_styles) {
                if (!has_golden || !file_equal(golden, actual)) {
                    copy_file(actual, golden);
                    fprintf(stderr, "updated %s/%s\n", name, f);
                }
            }
        } else if (has_golden && !file_equal(golden, actual)) {
            char *cmd = sk_asprintf("diff -u '%s' '%s'", golden, actual);
            char *diff = NULL;
            tl_run(cmd, true, &diff);
            fprintf(stderr, "FAIL %s/%s differs from the golden file:\n%s\n", name, f,
                    diff ? diff : "");
            free(diff);
            free(cmd);
            failures++;
        } else if (!has_golden && !sk_str_ends(f, ".styles")) {
            fprintf(stderr, "FAIL %s/%s has no golden file (run with SKVM_UPDATE_GOLDEN=1)\n", name,
                    f);
            failures++;
        }
        free(actual);
        free(golden);
    }
    if (d)
        closedir(d);
    /* Every golden must have been produced. */
    d = opendir(dir);
    while (!update && d && (de = readdir(d))) {
        const char *f = de->d_name;
        if (!sk_str_ends(f, ".screen") && !sk_str_ends(f, ".styles") && !sk_str_ends(f, ".state"))
            continue;
        char *actual = sk_path_join(out, f);
        if (!sk_is_file(actual)) {
            fprintf(stderr, "FAIL %s: the steps did not save %s\n", name, f);
            failures++;
        }
        free(actual);
    }
    if (d)
        closedir(d);
    return failures;
}

static char *fixture_path(const char *v)
{
    if (sk_str_starts(v, "fixture:")) {
        char *rel = sk_asprintf("tests/screens/fixtures/skills/%s", v + 8);
        char *p = tl_source_path(rel);
        free(rel);
        return p;
    }
    if (sk_str_starts(v, "reference:"))
        return tl_reference_path(v + 10);
    return tl_source_path(v);
}

START_TEST(test_scenario)
{
    const Scenario *sc = &scenarios[_i];
    char *skill = env_get(sc->dir, "skill");
    if (skill && sk_str_starts(skill, "reference:") && !tl_reference_dir()) {
        free(skill);
        fprintf(stderr, "SKIP %s: ../shared/reference is not present\n", sc->name);
        return;
    }
    /* The environment of STYLE.md rule 31. */
    const char *home = tl_tmpdir();
    setenv("HOME", home, 1);
    char *skhome = sk_path_join(home, ".skvm");
    setenv("SKVM_HOME", skhome, 1);
    const char *copies[][2] = {{"keys", "keys.yaml"}, {"config", "config.yaml"}};
    for (size_t i = 0; i < SK_ARRAY_LEN(copies); i++) {
        char *v = env_get(sc->dir, copies[i][0]);
        if (v) {
            char *rel = sk_asprintf("tests/screens/fixtures/%s", v);
            char *from = tl_source_path(rel);
            char *to = sk_path_join(skhome, copies[i][1]);
            ck_assert(sk_mkdir_p(skhome, NULL) == SK_OK);
            copy_file(from, to);
            free(rel);
            free(from);
            free(to);
            free(v);
        }
    }
    /* Fixture home: files plus past runs as SQL into the store. */
    char *home_fx = env_get(sc->dir, "home");
    if (home_fx) {
        char *rel = sk_asprintf("tests/screens/fixtures/%s", home_fx);
        char *from = tl_source_path(rel);
        ck_assert(sk_mkdir_p(skhome, NULL) == SK_OK);
        ck_assert_msg(sk_copy_tree(from, skhome, NULL) == SK_OK, "cannot copy %s", from);
        char *sqlf = sk_path_join(skhome, "skvm.sql");
        char *sql = NULL;
        size_t sl = 0;
        if (sk_read_file(sqlf, 0, &sql, &sl, NULL) == SK_OK) {
            char *db = sk_path_join(skhome, "skvm.db");
            Store *stdb = NULL;
            SkError se;
            ck_assert_msg(store_open(db, &stdb, &se) == SK_OK, "%s", se.msg);
            ck_assert_msg(store_exec(stdb, sql, &se) == SK_OK, "%s: %s", sqlf, se.msg);
            store_close(stdb);
            free(db);
        }
        free(sql);
        free(sqlf);
        free(rel);
        free(from);
        free(home_fx);
    }
    /* The loopback model server behind every model id. */
    Msrv *msrv = NULL;
    char *ms = env_get(sc->dir, "modelserver");
    if (ms) {
        char *spath = sk_path_join(sc->dir, ms);
        SkError me;
        msrv = msrv_start(spath, &me);
        if (!msrv && me.code == SK_ERR_UNSUPPORTED) {
            fprintf(stderr, "SKIP %s: %s\n", sc->name, me.msg);
            free(spath);
            free(ms);
            free(skill);
            free(skhome);
            return;
        }
        ck_assert_msg(msrv != NULL, "%s: model server: %s", sc->name, me.msg);
        ck_assert(sk_mkdir_p(skhome, NULL) == SK_OK);
        msrv_write_route(msrv, skhome, "*");
        free(spath);
        free(ms);
    }
    setenv("TZ", "UTC", 1);
    setenv("LANG", "C.UTF-8", 1);
    setenv("LC_ALL", "C.UTF-8", 1);
    setenv("SKVM_TEST_NOW", "2026-11-25T10:00:00Z", 1);
    unsetenv("XDG_CONFIG_HOME");
    unsetenv("XDG_DATA_HOME");
    unsetenv("XDG_CACHE_HOME");
    unsetenv("NO_COLOR");
    unsetenv("SKVM_SCRIPT");
    unsetenv("SKVM_SIZE");
    unsetenv("SKVM_THEME");
    setenv("SKVM_HEADLESS", "1", 1);
    char *term = env_get(sc->dir, "term");
    setenv("TERM", term ? term : "xterm-256color", 1);
    char *profiles = env_get(sc->dir, "profiles");
    if (profiles && !strcmp(profiles, "shipped")) {
        unsetenv("SKVM_PROFILES_DIR");
    } else {
        char *p = tl_source_path("tests/screens/fixtures/profiles");
        setenv("SKVM_PROFILES_DIR", p, 1);
        free(p);
    }
    char *examples = tl_source_path("tests/screens/fixtures/examples");
    setenv("SKVM_EXAMPLES_DIR", examples, 1);
    char *cwd = env_get(sc->dir, "cwd");
    char *cwd_path = NULL;
    if (cwd && sk_str_starts(cwd, "fixture:")) {
        char *rel = sk_asprintf("tests/screens/fixtures/%s", cwd + 8);
        cwd_path = tl_source_path(rel);
        free(rel);
    } else if (skill && sk_str_starts(skill, "fixture:")) {
        /* Run beside the fixture skills and open them by a relative path, so that messages
         * quoting the path do not depend on where the repository is checked out. */
        cwd_path = tl_source_path("tests/screens/fixtures/skills");
    } else {
        cwd_path = sk_strdup(tl_tmpdir());
    }
    ck_assert_msg(chdir(cwd_path) == 0, "cannot enter %s", cwd_path);

    const char *bdir = getenv("SKVM_BUILD_DIR");
    char *out = sk_asprintf("%s/test-output/screens/%s", bdir && *bdir ? bdir : home, sc->name);
    sk_rm_rf(out, NULL);
    ck_assert(sk_mkdir_p(out, NULL) == SK_OK);

    /* The steps plus the final :quit. */
    char *steps_path = sk_path_join(sc->dir, "steps");
    char *steps = NULL;
    size_t len = 0;
    ck_assert(sk_read_file(steps_path, 0, &steps, &len, NULL) == SK_OK);
    char *full = sk_asprintf("%s%s:quit\n", steps, len && steps[len - 1] != '\n' ? "\n" : "");
    char *script = sk_path_join(home, "steps");
    ck_assert(sk_write_file_atomic(script, full, strlen(full), NULL) == SK_OK);

    WorkbenchOptions o = {0};
    o.headless = true;
    o.script = script;
    o.screen_dir = out;
    char *size = env_get(sc->dir, "size");
    o.cols = 80;
    o.rows = 24;
    if (size)
        ck_assert(sscanf(size, "%dx%d", &o.cols, &o.rows) == 2);
    char *theme = env_get(sc->dir, "theme");
    o.theme = !theme ? "mono" : !strcmp(theme, "default") ? NULL : theme;
    char *model = env_get(sc->dir, "model");
    o.model = model;
    char *skill_path = !skill || !strcmp(skill, "none")           ? NULL
                       : sk_str_starts(skill, "fixture:") && !cwd ? sk_strdup(skill + 8)
                                                                  : fixture_path(skill);
    o.skill_dir = skill_path;
    o.no_mouse = true;

    int rc = workbench_run(&o);
    msrv_stop(msrv);
    ck_assert_msg(rc == 0, "%s: the workbench exited with %d", sc->name, rc);

    const char *upd = getenv("SKVM_UPDATE_GOLDEN");
    char *st = env_get(sc->dir, "styles");
    int failures =
        compare_outputs(sc->name, sc->dir, out, upd && !strcmp(upd, "1"), st && !strcmp(st, "yes"));
    ck_assert_msg(failures == 0, "%s: %d dump(s) differ; actual files are in %s", sc->name,
                  failures, out);
    free(st);
    free(skill_path);
    free(model);
    free(theme);
    free(size);
    free(script);
    free(full);
    free(steps);
    free(steps_path);
    free(out);
    free(cwd_path);
    free(cwd);
    free(examples);
    free(profiles);
    free(term);
    free(skhome);
    free(skill);
}
END_TEST

static Suite *screens_suite(void)
{
    Suite *s = suite_create("screens");
    for (int i = 0; i < nscenarios; i++) {
        TCase *tc = tcase_create(scenarios[i].name);
        tcase_set_timeout(tc, 30);
        tcase_add_loop_test(tc, test_scenario, i, i + 1);
        suite_add_tcase(s, tc);
    }
    return s;
}

int main(void)
{
    find_scenarios();
    if (!nscenarios) {
        fprintf(stderr, "no screen scenarios found\n");
        return 1;
    }
    return tl_run_suite(screens_suite());
}
