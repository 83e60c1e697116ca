/* test_compiler.c: the pass registry, the guard, and offline compiles end to end (a
 * fixture skill against a fixture profile; every reference skill against three shipped
 * profiles, committed and checked with git fsck). */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/compile.h"
#include "core/js.h"
#include "core/pass_caps.h"
#include "core/variants.h"
#include "tests/testlib.h"

START_TEST(test_registry)
{
    SkError err;
    ck_assert_int_eq(compile_registry_check(&err), SK_OK);
    size_t n;
    const CompilePass *p = compile_passes(&n);
    ck_assert_uint_eq(n, 3);
    ck_assert_str_eq(p[0].id, "capabilities");
    ck_assert(p[0].needs_profile);
    ck_assert(!p[1].needs_profile && !p[2].needs_profile);
    ck_assert_ptr_eq(compile_pass_find("2"), &p[1]);
    ck_assert_ptr_eq(compile_pass_find("bind-env"), &p[1]);
    ck_assert_ptr_eq(compile_pass_find("plan"), &p[2]);
    ck_assert_ptr_null(compile_pass_find("9"));
    int nums[COMPILE_MAX_PASSES];
    ck_assert_int_eq(compile_resolve_passes("3,1,plan", nums, &n, &err), SK_OK);
    ck_assert_uint_eq(n, 2);
    ck_assert_int_eq(nums[0], 1);
    ck_assert_int_eq(nums[1], 3);
    ck_assert_int_eq(compile_resolve_passes(NULL, nums, &n, &err), SK_OK);
    ck_assert_uint_eq(n, 3);
    ck_assert_int_eq(compile_resolve_passes("1,7,frob", nums, &n, &err), SK_ERR_INVALID);
    ck_assert_ptr_nonnull(strstr(err.msg, "'7', 'frob'"));
    ck_assert_ptr_nonnull(strstr(err.msg, "1 capabilities"));
    char *names = compile_artifact_names(p[0].produces);
    ck_assert_str_eq(names, "skill,requirements,gaps");
    free(names);
    ck_assert_int_eq(compile_line_budget(10), 40);
    ck_assert_int_eq(compile_line_budget(90), 180);
    ck_assert_int_eq(compile_line_budget(150), 150);
    ck_assert_int_eq(compile_line_budget(400), 200);
}
END_TEST

static const char *orig_md =
    "---\nname: g\ndescription: guard test\nlicense: MIT\n---\n# Guard\n\n## Steps\n\n"
    "1. Load the data with pandas\n2. Plot it\n\n```python\nimport pandas as pd\ndf = "
    "pd.read_csv('a.csv')\n```\n\n~~~ sh\n# not a heading\nls\n~~~\n\n## Notes\n\nEnd.\n";

static json_t *guard(const char *final, const json_t *reqs, int budget)
{
    return pass_caps_guard(orig_md, final, reqs, budget);
}

static bool violation_has(json_t *g, const char *what)
{
    size_t i;
    json_t *v;
    json_array_foreach(js_arr(g, "violations"), i, v) if (strstr(json_string_value(v), what))
        return true;
    return false;
}

static char *replace(const char *s, const char *a, const char *b)
{
    const char *p = strstr(s, a);
    ck_assert_ptr_nonnull(p);
    return sk_asprintf("%.*s%s%s", (int)(p - s), s, b, p + strlen(a));
}

START_TEST(test_guard)
{
    json_t *g = guard(orig_md, NULL, 40);
    ck_assert(js_bool(g, "passed", false));
    json_decref(g);

    /* an appended marked section with a heading passes */
    char *ok = sk_asprintf("%s%s", orig_md,
                           "\n<!-- skvm:begin target-notes -->\n## Notes for m\n- x\n"
                           "<!-- skvm:end target-notes -->\n");
    g = guard(ok, NULL, 40);
    ck_assert_msg(js_bool(g, "passed", false), "%s", js_dump_compact(g));
    json_decref(g);
    /* the same but over the budget */
    g = guard(ok, NULL, 3);
    ck_assert(!js_bool(g, "passed", true));
    ck_assert(violation_has(g, "length: 5 lines added (budget 3"));
    json_decref(g);
    free(ok);

    char *t = replace(orig_md, "license: MIT", "license: GPL");
    g = guard(t, NULL, 40);
    ck_assert(violation_has(g, "frontmatter changed"));
    json_decref(g);
    free(t);

    t = replace(orig_md, "df = pd.read_csv('a.csv')", "df = None");
    g = guard(t, NULL, 40);
    ck_assert(violation_has(g, "code block at line 13"));
    json_decref(g);
    free(t);

    t = replace(orig_md, "ls\n~~~", "ls -l\n~~~");
    g = guard(t, NULL, 40);
    ck_assert(violation_has(g, "code block at line 18"));
    json_decref(g);
    free(t);

    t = replace(orig_md, "## Notes\n", "## Remarks\n");
    g = guard(t, NULL, 40);
    ck_assert(violation_has(g, "heading removed or changed: ## Notes"));
    json_decref(g);
    free(t);

    t = replace(orig_md, "End.\n", "End.\n\n## Extra\n");
    g = guard(t, NULL, 40);
    ck_assert(violation_has(g, "heading added outside a skvm section: ## Extra"));
    json_decref(g);
    free(t);

    t = sk_asprintf("%s<!-- skvm:begin x -->\n## Open\n", orig_md);
    g = guard(t, NULL, 40);
    ck_assert(violation_has(g, "unbalanced"));
    json_decref(g);
    free(t);

    /* scope: an evidence line removed and not addressed */
    json_t *reqs = json_pack("[{s:s,s:[{s:s,s:i,s:s}]}]", "primitive", "gen.code.python",
                             "evidence", "file", "SKILL.md", "line", 10, "text",
                             "1. Load the data with pandas");
    t = replace(orig_md, "1. Load the data with pandas\n", "1. Load the data\n");
    g = guard(t, reqs, 40);
    ck_assert(violation_has(g, "scope dropped: the gen.code.python evidence at line 10"));
    json_decref(g);
    /* ... but addressed in a skvm section it is fine */
    char *t2 = sk_asprintf("%s\n<!-- skvm:begin target-notes -->\n- `gen.code.python`: use csv\n"
                           "<!-- skvm:end target-notes -->\n",
                           t);
    g = guard(t2, reqs, 40);
    ck_assert_msg(js_bool(g, "passed", false), "%s", js_dump_compact(g));
    json_decref(g);
    free(t2);
    free(t);
    json_decref(reqs);

    char *stripped = pass_caps_strip_sections("a\n\n<!-- skvm:begin n -->\nx\n<!-- skvm:end n -->\nb\n");
    ck_assert_str_eq(stripped, "a\nb\n");
    free(stripped);
}
END_TEST

static char *profile_file(void)
{
    char *path = sk_path_join(tl_tmpdir(), "weak-profile.json");
    const char *j =
        "{\"version\":\"1.0\",\"model\":\"test/weak-1b\",\"harness\":\"bare-agent\","
        "\"profiledAt\":\"2026-02-03T04:05:06.000Z\",\"capabilities\":{\"gen.code.python\":\"L1\","
        "\"tool.file.read\":\"L1\",\"tool.file.write\":\"L1\",\"tool.exec\":\"L1\","
        "\"follow.procedure\":\"L1\",\"reason.analysis\":\"L0\"},\"details\":[],"
        "\"isPartial\":false}";
    sk_write_file_atomic(path, j, strlen(j), NULL);
    return path;
}

static char *fixture_skill(void)
{
    char *sd = sk_path_join(tl_tmpdir(), "reporter");
    sk_rm_rf(sd, NULL);
    tl_write(sd, "SKILL.md",
             "---\nname: reporter\ndescription: Build a sales report from CSV files.\n---\n"
             "# Reporter\n\n## Workflow\n\n1. Read `sales.csv` with pandas\n"
             "2. Read `targets.csv`\n3. Then analyze the numbers and write report.md\n"
             "4. For each region, save a chart with matplotlib\n\n"
             "```python\nimport pandas as pd\nimport matplotlib.pyplot as plt\n"
             "df = pd.read_csv('sales.csv')\n```\n\nRun `jq . summary.json` to check.\n");
    tl_write(sd, "scripts/helper.py", "import yaml\n");
    return sd;
}

START_TEST(test_offline_compile)
{
    const char *home = tl_fresh_home();
    char *sd = fixture_skill();
    char *prof = profile_file();
    CompileOptions o = {0};
    o.skill_dir = sd;
    o.model = "test/weak-1b";
    o.profile_path = prof;
    CompileResult r;
    SkError err;
    SkStatus s = compile_run(&o, &r, &err);
    ck_assert_msg(s == SK_OK, "%s", err.msg);
    ck_assert(r.ok && r.created && !r.rejected);
    ck_assert_str_eq(r.skill, "reporter");
    ck_assert_str_eq(r.branch, "bare-agent/test--weak-1b");
    ck_assert(js_bool(r.guard, "passed", false));
    json_t *gaps = js_arr(js_obj(r.artifacts, "gaps"), "gaps");
    ck_assert_uint_ge(json_array_size(gaps), 2);
    ck_assert_uint_eq(json_array_size(r.passes), 3);
    char commit[41];
    memcpy(commit, r.commit, 41);
    compile_result_done(&r);

    /* the variant: notes pointing at the skill's own lines, artifacts, plan section */
    char *md = NULL;
    ck_assert_int_eq(variants_read_file(home, "reporter", commit, "SKILL.md", &md, &err), SK_OK);
    ck_assert_ptr_nonnull(strstr(md, "<!-- skvm:begin target-notes -->"));
    ck_assert_ptr_nonnull(strstr(md, "## Notes for test/weak-1b (added by skvm)"));
    ck_assert_ptr_nonnull(strstr(md, "(`gen.code.python`: needs L3, this model has L1), line 9, "
                                     "step 1 under \"Workflow\""));
    ck_assert_ptr_nonnull(strstr(md, "<!-- skvm:begin plan -->"));
    ck_assert(sk_str_starts(md, "---\nname: reporter\n"));
    free(md);
    char *log = NULL;
    ck_assert_int_eq(variants_read_file(home, "reporter", commit, "_artifacts/pass-log.json",
                                        &log, &err),
                     SK_OK);
    ck_assert_ptr_null(strstr(log, "duration_ms")); /* deterministic */
    free(log);
    const char *arts[] = {"requirements.json", "gaps.json", "dependencies.json", "plan.json",
                          "env-setup.sh"};
    for (size_t i = 0; i < SK_ARRAY_LEN(arts); i++) {
        char *p = sk_asprintf("_artifacts/%s", arts[i]);
        char *x = NULL;
        ck_assert_msg(variants_read_file(home, "reporter", commit, p, &x, &err) == SK_OK, "%s",
                      p);
        free(x);
        free(p);
    }
    VariantInfo *vi = NULL;
    ck_assert_int_eq(variants_get(home, "reporter", commit, &vi, &err), SK_OK);
    ck_assert_str_eq(vi->prov.profile_version, "2026-02-03T04:05:06.000Z");
    ck_assert_str_eq(vi->prov.passes, "1,2,3");
    ck_assert_str_eq(vi->prov.compiler_model, "offline");
    variants_info_free(vi);

    /* unchanged: up to date, no new commit (and --force gives the same tree: no commit) */
    s = compile_run(&o, &r, &err);
    ck_assert_int_eq(s, SK_OK);
    ck_assert(r.up_to_date && !r.created);
    ck_assert_str_eq(r.commit, commit);
    compile_result_done(&r);
    o.force = true;
    s = compile_run(&o, &r, &err);
    ck_assert_int_eq(s, SK_OK);
    ck_assert(!r.created);
    ck_assert_str_eq(r.commit, commit);
    compile_result_done(&r);
    o.force = false;

    /* an edited skill: a new commit on the same branch */
    tl_write(sd, "notes.md", "extra file\n");
    s = compile_run(&o, &r, &err);
    ck_assert_int_eq(s, SK_OK);
    ck_assert(r.created);
    ck_assert_str_ne(r.commit, commit);
    compile_result_done(&r);

    /* passes 2,3 need no profile; an unknown model with pass 1 fails before any side effect */
    o.profile_path = NULL;
    o.model = "nobody/unknown-model";
    s = compile_run(&o, &r, &err);
    ck_assert_int_eq(s, SK_ERR_NOT_FOUND);
    ck_assert_ptr_nonnull(strstr(err.msg, "--passes 2,3"));
    compile_result_done(&r);
    char *repo = variants_repo_dir(home, "reporter");
    SkVec list;
    ck_assert_int_eq(variants_list(home, "reporter", &list, &err), SK_OK);
    size_t before = list.len;
    sk_vec_done(&list);
    o.passes = "2,3";
    s = compile_run(&o, &r, &err);
    ck_assert_msg(s == SK_OK, "%s", err.msg);
    ck_assert(r.created);
    ck_assert_ptr_null(json_object_get(r.artifacts, "gaps"));
    compile_result_done(&r);
    ck_assert_int_eq(variants_list(home, "reporter", &list, &err), SK_OK);
    ck_assert_uint_eq(list.len, before + 1);
    sk_vec_done(&list);

    /* bad input */
    o.skill_dir = "/nonexistent/skill";
    ck_assert_int_eq(compile_run(&o, &r, &err), SK_ERR_NOT_FOUND);
    compile_result_done(&r);
    o.skill_dir = sd;
    o.passes = "4";
    ck_assert_int_eq(compile_run(&o, &r, &err), SK_ERR_INVALID);
    compile_result_done(&r);
    free(repo);
    free(prof);
    free(sd);
}
END_TEST

/* Every reference skill, offline, for three shipped profiles: ok, guard passed, acyclic
 * plan, env script validated, repositories valid for git fsck. */
START_TEST(test_reference_sweep)
{
    TL_REQUIRE_REFERENCE();
    const char *home = tl_fresh_home();
    /* the system python answers presence probes fastest (version-manager shims are slow) */
    const char *path = getenv("PATH");
    char *np = sk_asprintf("/usr/bin:%s", path ? path : "");
    setenv("PATH", np, 1);
    free(np);
    const char *models[] = {"qwen/qwen3.5-9b", "deepseek/deepseek-v3.2", "minimax/minimax-m2.5"};
    /* the shipped profiles, loaded once */
    TcpIndex *idx = NULL;
    SkError ierr;
    ck_assert_msg(tcp_index_load(home, &idx, &ierr) == SK_OK, "%s", ierr.msg);
    const Tcp *profiles[3];
    for (size_t m = 0; m < 3; m++) {
        profiles[m] = tcp_index_find(idx, models[m], "bare-agent");
        ck_assert_msg(profiles[m] && profiles[m]->shipped, "no shipped profile for %s",
                      models[m]);
    }
    const char *sets[] = {"skills", "skills-anthropic"};
    int compiled = 0;
    for (size_t k = 0; k < 2; k++) {
        char *root = tl_reference_path(sets[k]);
        DIR *d = opendir(root);
        struct dirent *de;
        while (d && (de = readdir(d)) != NULL) {
            if (de->d_name[0] == '.')
                continue;
            char *dir = sk_path_join(root, de->d_name);
            char *md = sk_path_join(dir, "SKILL.md");
            if (!sk_is_file(md)) {
                free(md);
                free(dir);
                continue;
            }
            for (size_t m = 0; m < SK_ARRAY_LEN(models); m++) {
                CompileOptions o = {0};
                o.skill_dir = dir;
                o.model = models[m];
                o.profile = profiles[m];
                CompileResult r;
                SkError err;
                SkStatus s = compile_run(&o, &r, &err);
                ck_assert_msg(s == SK_OK && r.ok, "%s for %s: %s", de->d_name, models[m],
                              err.msg);
                ck_assert(js_bool(r.guard, "passed", false));
                json_t *plan = js_obj(r.artifacts, "plan");
                ck_assert(js_bool(plan, "acyclic", false));
                json_t *val = js_obj(js_obj(r.artifacts, "dependencies"), "validation");
                ck_assert_str_eq(js_str(val, "bash_n", ""), "ok");
                ck_assert(js_bool(val, "ok", false));
                compile_result_done(&r);
                compiled++;
            }
            char *repo = variants_repo_dir(home, de->d_name);
            char *cmd = sk_asprintf("git -C '%s' fsck --strict && git -C '%s' log --all "
                                    "--oneline | wc -l",
                                    repo, repo);
            char *out = NULL;
            ck_assert_msg(tl_run(cmd, true, &out) == 0, "%s: %s", repo, out);
            ck_assert_int_eq(atoi(out), 4); /* the original + one variant per model */
            free(out);
            free(cmd);
            free(repo);
            free(md);
            free(dir);
        }
        if (d)
            closedir(d);
        free(root);
    }
    ck_assert_int_ge(compiled, 30);
    tcp_index_free(idx);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("compiler");
    TCase *tc = tcase_create("core");
    tcase_set_timeout(tc, 300);
    tcase_add_test(tc, test_registry);
    tcase_add_test(tc, test_guard);
    tcase_add_test(tc, test_offline_compile);
    tcase_add_test(tc, test_reference_sweep);
    suite_add_tcase(s, tc);
    return tl_run_suite(s);
}
