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
#include "tests/modelserver/msrv.h"
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
    ck_assert_msg(js_bool(g, "passed", false), "%zu violations",
                  json_array_size(js_arr(g, "violations")));
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
    ck_assert_msg(js_bool(g, "passed", false), "%zu violations",
                  json_array_size(js_arr(g, "violations")));
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


/* ---- with a scripted compiler model on the loopback server ---- */

static const char *REQS_OK =
    "{\"match\":{\"tool\":\"report_requirements\"},\"reply\":{\"tool_calls\":[{\"name\":"
    "\"report_requirements\",\"arguments\":{\"requirements\":[{\"primitive\":\"gen.code.python\","
    "\"level\":\"L3\",\"evidence\":\"Read `sales.csv` with pandas\"},{\"primitive\":"
    "\"reason.planning\",\"level\":\"L2\",\"evidence\":\"Then analyze the numbers\"}]}}]}}";

static const char *DEPS_OK =
    "{\"match\":{\"tool\":\"report_dependencies\"},\"reply\":{\"tool_calls\":[{\"name\":"
    "\"report_dependencies\",\"arguments\":{\"dependencies\":[{\"name\":\"Flask\",\"type\":"
    "\"pip\",\"module\":\"flask\"},{\"name\":\"json\",\"type\":\"pip\"}]}}]}}";

static const char *PLAN_OK =
    "{\"match\":{\"tool\":\"report_plan\"},\"reply\":{\"tool_calls\":[{\"name\":\"report_plan\","
    "\"arguments\":{\"steps\":[{\"id\":\"read_sales\",\"title\":\"Read sales\",\"line\":9},"
    "{\"id\":\"read_targets\",\"title\":\"Read targets\",\"line\":10},{\"id\":\"analyze\","
    "\"title\":\"Analyze\",\"depends_on\":[\"read_sales\",\"read_targets\"]},{\"id\":\"charts\","
    "\"title\":\"Charts\",\"depends_on\":[\"analyze\"]}],\"groups\":[{\"type\":\"ilp\",\"steps\":"
    "[\"read_sales\",\"read_targets\"],\"reason\":\"independent reads\"},{\"type\":\"ilp\","
    "\"steps\":[\"read_sales\",\"analyze\"]}]}}]}}";


/* The rewrite agent's script: write SKILL.md with FIND replaced by REP (and FIND2 by REP2),
 * then say it is done. */
static char *agent_rule(const char *skill_dir, const char *find, const char *rep,
                        const char *find2, const char *rep2)
{
    char *p = sk_path_join(skill_dir, "SKILL.md");
    char *text = NULL;
    ck_assert_int_eq(sk_read_file(p, 0, &text, NULL, NULL), SK_OK);
    free(p);
    const char *f[2] = {find, find2}, *r[2] = {rep, rep2};
    for (int i = 0; i < 2; i++) {
        if (!f[i])
            continue;
        char *hit = strstr(text, f[i]);
        ck_assert_ptr_nonnull(hit);
        char *t = sk_asprintf("%.*s%s%s", (int)(hit - text), text, r[i], hit + strlen(f[i]));
        free(text);
        text = t;
    }
    json_t *rule = json_pack("{s:{s:s},s:[{s:[{s:s,s:{s:s},s:s}]},{s:[{s:s,s:{s:s,s:s},s:s}]},"
                             "{s:s}]}",
                             "match", "tool", "write_file", "turns", "tool_calls", "name",
                             "read_file", "arguments", "path", "SKILL.md", "id", "c1",
                             "tool_calls", "name", "write_file", "arguments", "path",
                             "SKILL.md", "content", text, "id", "c2", "text", "done");
    free(text);
    char *out = js_dump_compact(rule);
    json_decref(rule);
    return out;
}

typedef struct ModelEnv {
    Msrv *m;
    const char *home;
    char *skill;
    char *profile;
} ModelEnv;

static bool model_env(ModelEnv *e, const char *scenario)
{
    SkError err;
    e->m = msrv_start(scenario, &err);
    if (!e->m)
        return false;
    e->home = tl_fresh_home();
    char *y = sk_asprintf("providers:\n  routes:\n    - match: \"cm/*\"\n      kind: "
                          "openai-compatible\n      base_url: %s\n",
                          msrv_base_url(e->m, "openai"));
    tl_write(e->home, "config.yaml", y);
    free(y);
    e->skill = fixture_skill();
    e->profile = profile_file();
    return true;
}

static void model_env_done(ModelEnv *e)
{
    msrv_stop(e->m);
    free(e->skill);
    free(e->profile);
}

static void model_opts(ModelEnv *e, CompileOptions *o)
{
    memset(o, 0, sizeof *o);
    o->skill_dir = e->skill;
    o->model = "test/weak-1b";
    o->profile_path = e->profile;
    o->compiler_model = "cm/compiler";
}

START_TEST(test_cancelled_compile)
{
    const char *home = tl_fresh_home();
    char *sd = fixture_skill();
    char *prof = profile_file();
    volatile int cancel = 1;
    CompileOptions o = {0};
    o.skill_dir = sd;
    o.model = "test/weak-1b";
    o.profile_path = prof;
    o.cancel = &cancel;
    CompileResult r;
    SkError err;
    ck_assert_int_eq(compile_run(&o, &r, &err), SK_ERR_CANCELLED);
    ck_assert(!r.ok && !r.created);
    ck_assert_ptr_nonnull(strstr(err.msg, "cancelled"));
    compile_result_done(&r);
    /* nothing was stored: the skill has no variant */
    SkVec v;
    if (variants_list(home, "reporter", &v, &err) == SK_OK) {
        for (size_t i = 0; i < v.len; i++)
            ck_assert(((VariantInfo *)sk_vec_get(&v, i))->original);
        sk_vec_done(&v);
    }
    /* the same options without the flag compile */
    cancel = 0;
    ck_assert_int_eq(compile_run(&o, &r, &err), SK_OK);
    ck_assert(r.ok && r.created);
    compile_result_done(&r);
    free(sd);
    free(prof);
}
END_TEST

START_TEST(test_model_all_passes)
{
    if (!msrv_available())
        TL_SKIP("python3 for the model server is not installed");
    ModelEnv e;
    ck_assert(model_env(&e, NULL));
    char *agent = agent_rule(e.skill, "1. Read `sales.csv` with pandas",
                             "1. Read `sales.csv` with the csv module (csv.reader), one row at a "
                             "time",
                             NULL, NULL);
    char *scen = sk_asprintf("{\"rules\":[%s,%s,%s,%s]}", REQS_OK, agent, DEPS_OK, PLAN_OK);
    ck_assert_msg(msrv_set_script(e.m, scen) == SK_OK, "%s", msrv_last_error(e.m));
    free(scen);
    free(agent);
    CompileOptions o;
    model_opts(&e, &o);
    CompileResult r;
    SkError err;
    SkStatus s = compile_run(&o, &r, &err);
    ck_assert_msg(s == SK_OK && r.ok, "%s / %s", err.msg, r.error ? r.error : "");
    ck_assert(r.created);
    /* pass 1: merged requirements, the model's edit applied, the guard passed */
    json_t *rq = js_arr(js_obj(r.artifacts, "requirements"), "requirements");
    bool planning = false, merged = false;
    size_t i;
    json_t *x;
    json_array_foreach(rq, i, x) {
        if (sk_str_eq(js_str(x, "primitive", ""), "reason.planning"))
            planning = sk_str_eq(js_str(x, "source", ""), "model") ||
                       sk_str_eq(js_str(x, "source", ""), "analyzer+model");
        if (sk_str_eq(js_str(x, "primitive", ""), "gen.code.python"))
            merged = sk_str_eq(js_str(x, "source", ""), "analyzer+model");
    }
    ck_assert(planning && merged);
    ck_assert(js_bool(r.guard, "passed", false));
    char *md = NULL;
    ck_assert_int_eq(variants_read_file(e.home, "reporter", r.commit, "SKILL.md", &md, &err),
                     SK_OK);
    ck_assert_ptr_nonnull(strstr(md, "with the csv module (csv.reader)"));
    free(md);
    /* pass 2: the model's dependency merged (normalized), stdlib dropped */
    json_t *deps = js_arr(js_obj(r.artifacts, "dependencies"), "dependencies");
    bool flask = false, json = false;
    json_array_foreach(deps, i, x) {
        flask |= sk_str_eq(js_str(x, "name", ""), "flask") &&
                 sk_str_eq(js_str(x, "source", ""), "model");
        json |= sk_str_eq(js_str(x, "name", ""), "json");
    }
    ck_assert(flask && !json);
    /* pass 3: the model's DAG, with the dependent "group" dropped */
    json_t *plan = js_obj(r.artifacts, "plan");
    ck_assert_str_eq(js_str(plan, "source", ""), "model");
    ck_assert(js_bool(plan, "acyclic", false));
    ck_assert_uint_eq(json_array_size(js_arr(plan, "groups")), 1);
    ck_assert_int_eq(js_int(plan, "critical_weight", 0), 3);
    ck_assert(js_num(plan, "ideal_speedup", 0) > 1.3);
    /* provenance */
    VariantInfo *vi = NULL;
    ck_assert_int_eq(variants_get(e.home, "reporter", r.commit, &vi, &err), SK_OK);
    ck_assert_str_eq(vi->prov.compiler_model, "cm/compiler");
    variants_info_free(vi);
    /* requirements, three agent turns, dependencies, plan */
    json_t *reqs = msrv_requests(e.m);
    ck_assert_uint_eq(json_array_size(reqs), 6);
    json_decref(reqs);
    compile_result_done(&r);
    model_env_done(&e);
}
END_TEST

START_TEST(test_model_invalid_output)
{
    if (!msrv_available())
        TL_SKIP("python3 for the model server is not installed");
    /* the first answer names an unknown primitive; the repair is valid */
    const char *bad = "{\"match\":{\"tool\":\"report_requirements\"},\"times\":1,\"reply\":{"
                      "\"tool_calls\":[{\"name\":\"report_requirements\",\"arguments\":{"
                      "\"requirements\":[{\"primitive\":\"gen.magic\",\"level\":\"L9\","
                      "\"evidence\":\"x\"}]}}]}}";
    ModelEnv e;
    ck_assert(model_env(&e, NULL));
    char *agent = agent_rule(e.skill, "Then analyze", "Then compute totals per region and analyze",
                             NULL, NULL);
    char *scen = sk_asprintf("{\"rules\":[%s,%s,%s,%s,%s]}", bad, REQS_OK, agent, DEPS_OK,
                             PLAN_OK);
    ck_assert_msg(msrv_set_script(e.m, scen) == SK_OK, "%s", msrv_last_error(e.m));
    free(scen);
    free(agent);
    CompileOptions o;
    model_opts(&e, &o);
    o.passes = "1";
    CompileResult r;
    SkError err;
    SkStatus s = compile_run(&o, &r, &err);
    ck_assert_msg(s == SK_OK && r.ok, "%s / %s", err.msg, r.error ? r.error : "");
    json_t *msgs = js_arr(json_array_get(r.passes, 0), "messages");
    char *mtext = js_dump_compact(msgs);
    ck_assert_ptr_nonnull(strstr(mtext, "asking once for a repair"));
    free(mtext);
    json_t *reqs = msrv_requests(e.m);
    ck_assert_uint_eq(json_array_size(reqs), 5); /* bad, repaired, three agent turns */
    char *second = js_dump_compact(json_array_get(reqs, 1));
    ck_assert_ptr_nonnull(strstr(second, "not one of the 26 primitive ids"));
    free(second);
    json_decref(reqs);
    compile_result_done(&r);

    /* garbage twice: the pass fails with a clear report, nothing is committed */
    o.force = true;
    /* (an edited skill, so the request cache cannot answer) */
    char *md_path = sk_path_join(e.skill, "SKILL.md");
    char *md = NULL;
    sk_read_file(md_path, 0, &md, NULL, NULL);
    char *md2 = sk_asprintf("%sEdited.\n", md);
    sk_write_file_atomic(md_path, md2, strlen(md2), NULL);
    free(md);
    free(md2);
    free(md_path);
    /* the model server failing: an infrastructure status, not a skill verdict */
    ck_assert_int_eq(msrv_set_script(e.m, "{\"rules\":[{\"fault\":\"unauthorized\"}]}"), SK_OK);
    s = compile_run(&o, &r, &err);
    ck_assert_int_eq(s, SK_ERR_AUTH);
    ck_assert_int_eq(r.failed_pass, 1);
    compile_result_done(&r);
    ck_assert_int_eq(msrv_set_script(e.m, "{\"rules\":[{\"match\":{\"tool\":"
                                          "\"report_requirements\"},\"reply\":{\"text\":"
                                          "\"I think it needs python\"}}]}"),
                     SK_OK);
    s = compile_run(&o, &r, &err);
    ck_assert_int_eq(s, SK_ERR_BAD_RESPONSE);
    ck_assert_int_eq(r.failed_pass, 1);
    ck_assert_ptr_nonnull(strstr(r.error, "invalid after one repair attempt"));
    ck_assert_str_eq(r.commit, "");
    compile_result_done(&r);

    model_env_done(&e);
}
END_TEST

START_TEST(test_model_guard_rejects)
{
    if (!msrv_available())
        TL_SKIP("python3 for the model server is not installed");
    /* the rewrite agent deletes a heading and a line of a code block */
    ModelEnv e;
    ck_assert(model_env(&e, NULL));
    char *agent = agent_rule(e.skill, "## Workflow\n", "", "import matplotlib.pyplot as plt\n",
                             "");
    char *scen = sk_asprintf("{\"rules\":[%s,%s]}", REQS_OK, agent);
    ck_assert_msg(msrv_set_script(e.m, scen) == SK_OK, "%s", msrv_last_error(e.m));
    free(scen);
    free(agent);
    CompileOptions o;
    model_opts(&e, &o);
    o.passes = "1";
    CompileResult r;
    SkError err;
    SkStatus s = compile_run(&o, &r, &err);
    ck_assert_msg(s == SK_OK, "%s", err.msg);
    ck_assert(r.rejected && !r.ok);
    ck_assert_str_eq(r.commit, "");
    ck_assert_ptr_nonnull(strstr(r.error, "heading removed or changed: ## Workflow"));
    ck_assert_ptr_nonnull(strstr(r.error, "code block at line"));
    ck_assert_ptr_nonnull(r.keep_dir);
    char *kept = sk_path_join(r.keep_dir, "_artifacts/pass-log.json");
    ck_assert(sk_is_file(kept));
    free(kept);
    SkVec list;
    ck_assert_int_eq(variants_list(e.home, "reporter", &list, &err), SK_ERR_NOT_FOUND);
    sk_vec_done(&list);
    compile_result_done(&r);
    model_env_done(&e);
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
    tcase_add_test(tc, test_cancelled_compile);
    tcase_add_test(tc, test_model_all_passes);
    tcase_add_test(tc, test_model_invalid_output);
    tcase_add_test(tc, test_model_guard_rejects);
    tcase_add_test(tc, test_reference_sweep);
    suite_add_tcase(s, tc);
    return tl_run_suite(s);
}
