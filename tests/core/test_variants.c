/* test_variants.c: the variant store: commits with provenance, unchanged recompiles, refs,
 * show, diff, accept, the store table, concurrent writers (threads and processes), stale
 * locks; the repositories are checked with the real git command line. */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "core/js.h"
#include "core/store.h"
#include "core/variants.h"
#include "tests/testlib.h"

static const char *home;

static void make_skill(const char *dir, const char *extra)
{
    sk_rm_rf(dir, NULL);
    char *t = sk_asprintf("---\nname: demo\ndescription: a demo\n---\n# Demo\n\n1. Read a.csv\n"
                          "2. Write b.json\n%s",
                          extra ? extra : "");
    tl_write(dir, "SKILL.md", t);
    free(t);
    tl_write(dir, "scripts/x.py", "import yaml\n");
}

static void make_compiled(const char *dir, const char *src_extra, const char *gaps_json)
{
    make_skill(dir, src_extra);
    tl_write(dir, "_artifacts/gaps.json", gaps_json);
    tl_write(dir, "_artifacts/plan.json",
             "{\"steps\": [{\"id\": \"s1\"}, {\"id\": \"s2\"}], \"groups\": [], "
             "\"ideal_speedup\": 1.0}");
}

static VariantProvenance prov_for(const char *model, const char *input)
{
    VariantProvenance p = {0};
    p.source_hash = (char *)"abc123";
    p.passes = (char *)"1,2,3";
    p.model = (char *)model;
    p.harness = (char *)"bare-agent";
    p.compiler_model = (char *)"offline";
    p.profile_version = (char *)"2026-04-08T13:37:07.083Z";
    p.guard = (char *)"pass";
    p.input = (char *)input;
    p.skvm_version = (char *)"test";
    return p;
}

static SkStatus do_commit(const char *skill, const char *src, const char *compiled,
                          const char *model, const char *input, VariantCommitResult *res,
                          SkError *err)
{
    VariantProvenance p = prov_for(model, input);
    VariantCommit c = {.home = home,
                       .skill = skill,
                       .source_dir = src,
                       .compiled_dir = compiled,
                       .prov = &p,
                       .summary = "compile demo",
                       .body = "Pass 1 capabilities: ok\n"};
    return variants_commit(&c, res, err);
}

static int git_ok(const char *repo, const char *args, char **out)
{
    char *cmd = sk_asprintf("git -C '%s' %s", repo, args);
    int rc = tl_run(cmd, true, out);
    free(cmd);
    return rc;
}

START_TEST(test_commit_list_show_diff_accept)
{
    char *src = sk_path_join(tl_tmpdir(), "v1/src");
    char *c1 = sk_path_join(tl_tmpdir(), "v1/c1");
    char *c2 = sk_path_join(tl_tmpdir(), "v1/c2");
    make_skill(src, NULL);
    make_compiled(c1, "\n<!-- skvm:begin target-notes -->\nnote one\n<!-- skvm:end target-notes -->\n",
                  "{\"gaps\": [{\"primitive\": \"gen.code.python\"}, {\"primitive\": \"tool.web\"}]}");
    make_compiled(c2, "\n<!-- skvm:begin target-notes -->\nnote two\n<!-- skvm:end target-notes -->\n",
                  "{\"gaps\": [{\"primitive\": \"gen.code.python\"}]}");
    VariantCommitResult r1, r2, r3, r4;
    SkError err;
    ck_assert_msg(do_commit("demo", src, c1, "qwen/qwen3.5-9b", "in1", &r1, &err) == SK_OK,
                  "%s", err.msg);
    ck_assert(r1.created);
    ck_assert_str_eq(r1.branch, "bare-agent/qwen--qwen3.5-9b");
    /* the same input and tree: no new commit */
    ck_assert_int_eq(do_commit("demo", src, c1, "qwen/qwen3.5-9b", "in1", &r2, &err), SK_OK);
    ck_assert(!r2.created);
    ck_assert_str_eq(r2.commit, r1.commit);
    /* new input: a new commit on the same branch */
    ck_assert_int_eq(do_commit("demo", src, c2, "qwen/qwen3.5-9b", "in2", &r3, &err), SK_OK);
    ck_assert(r3.created);
    ck_assert_str_ne(r3.commit, r1.commit);
    ck_assert_str_eq(r3.original, r1.original);
    /* another target: another branch */
    ck_assert_int_eq(do_commit("demo", src, c2, "openai/gpt-5.4", "in3", &r4, &err), SK_OK);
    ck_assert_str_eq(r4.branch, "bare-agent/openai--gpt-5.4");

    char found[41];
    ck_assert_int_eq(variants_find_input(home, "demo", "bare-agent", "qwen/qwen3.5-9b", "in1",
                                         found, &err),
                     SK_OK);
    ck_assert_str_eq(found, r1.commit);
    ck_assert_int_eq(variants_find_input(home, "demo", "bare-agent", "qwen/qwen3.5-9b", "zz",
                                         found, &err),
                     SK_ERR_NOT_FOUND);

    SkVec list;
    ck_assert_int_eq(variants_list(home, "demo", &list, &err), SK_OK);
    ck_assert_uint_eq(list.len, 4); /* original + 2 on qwen + 1 on gpt */
    const VariantInfo *orig = list.items[0];
    ck_assert(orig->original);
    ck_assert_str_eq(orig->branch, "main");
    const VariantInfo *v = list.items[2]; /* branches in name order: openai first */
    ck_assert_str_eq(v->branch, "bare-agent/qwen--qwen3.5-9b");
    ck_assert_str_eq(v->prov.model, "qwen/qwen3.5-9b");
    ck_assert_str_eq(v->prov.guard, "pass");
    ck_assert_str_eq(v->prov.input, "in2");
    sk_vec_done(&list);

    /* refs */
    char *skill = NULL, *rev = NULL;
    ck_assert_int_eq(variants_parse_ref(home, "demo:bare-agent/qwen--qwen3.5-9b~1", &skill,
                                        &rev, &err),
                     SK_OK);
    ck_assert_str_eq(skill, "demo");
    VariantInfo *vi = NULL;
    ck_assert_int_eq(variants_get(home, skill, rev, &vi, &err), SK_OK);
    ck_assert_str_eq(vi->commit, r1.commit);
    ck_assert_str_eq(vi->branch, "bare-agent/qwen--qwen3.5-9b");
    variants_info_free(vi);
    free(skill);
    free(rev);
    char abbrev[10];
    snprintf(abbrev, sizeof abbrev, "%.9s", r3.commit);
    ck_assert_int_eq(variants_parse_ref(home, abbrev, &skill, &rev, &err), SK_OK);
    ck_assert_str_eq(skill, "demo");
    ck_assert_str_eq(rev, r3.commit);
    free(skill);
    free(rev);
    ck_assert_int_eq(variants_parse_ref(home, "demo", &skill, &rev, &err), SK_OK);
    ck_assert_str_eq(rev, "main");
    free(skill);
    free(rev);
    ck_assert_int_eq(variants_parse_ref(home, "nosuchskill", &skill, &rev, &err),
                     SK_ERR_NOT_FOUND);
    ck_assert_int_eq(variants_get(home, "demo", "nosuchbranch", &vi, &err), SK_ERR_NOT_FOUND);

    /* show */
    json_t *sh = NULL;
    ck_assert_int_eq(variants_show(home, "demo", r3.commit, &sh, &err), SK_OK);
    ck_assert_uint_eq(json_array_size(js_arr(js_obj(js_obj(sh, "artifacts"), "gaps.json"),
                                             "gaps")),
                      1);
    ck_assert_str_eq(js_str(js_obj(js_obj(sh, "variant"), "provenance"), "compiler_model", ""),
                     "offline");
    json_decref(sh);

    /* diff */
    json_t *d = NULL;
    ck_assert_int_eq(variants_diff(home, "demo", r1.commit, r3.commit, &d, &err), SK_OK);
    json_t *md = js_obj(d, "skill_md");
    ck_assert_int_eq(js_int(md, "added", 0), 1);
    ck_assert_int_eq(js_int(md, "removed", 0), 1);
    ck_assert_ptr_nonnull(strstr(js_str(md, "unified", ""), "+note two"));
    json_t *gaps = js_obj(js_obj(d, "artifacts"), "gaps");
    ck_assert_str_eq(json_string_value(json_array_get(js_arr(gaps, "only_a"), 0)), "tool.web");
    ck_assert(json_is_null(json_object_get(js_obj(d, "runs"), "delta")));
    json_decref(d);

    /* runs recorded for both variants give deltas */
    char *db = sk_asprintf("%s/skvm.db", home);
    Store *st = NULL;
    ck_assert_int_eq(store_open(db, &st, &err), SK_OK);
    char *sql = sk_asprintf("INSERT INTO runs(id, variant, score, tokens_in, tokens_out, "
                            "started_at, ended_at) VALUES ('r1', '%s', 0.5, 100, 50, 0, 1000),"
                            "('r2', '%.12s', 0.9, 80, 20, 0, 500)",
                            r1.commit, r3.commit);
    ck_assert_msg(store_exec(st, sql, &err) == SK_OK, "%s", err.msg);
    free(sql);
    /* the variants table got the commits */
    json_t *rows = NULL;
    ck_assert_int_eq(store_query_json(st, "SELECT count(*) FROM variants WHERE skill='demo'",
                                      NULL, 0, &rows, NULL, &err),
                     SK_OK);
    ck_assert_int_eq(json_integer_value(json_array_get(json_array_get(rows, 0), 0)), 3);
    json_decref(rows);
    store_close(st);
    free(db);
    ck_assert_int_eq(variants_diff(home, "demo", r1.commit, r3.commit, &d, &err), SK_OK);
    json_t *delta = json_object_get(js_obj(d, "runs"), "delta");
    ck_assert(json_is_object(delta));
    ck_assert(js_num(delta, "score", 0) > 0.39 && js_num(delta, "score", 0) < 0.41);
    ck_assert(js_num(delta, "tokens", 0) < -49 && js_num(delta, "tokens", 0) > -51);
    json_decref(d);

    /* accept */
    char *tag = NULL;
    ck_assert_int_eq(variants_accept(home, "demo", r1.commit, &tag, &err), SK_OK);
    ck_assert_str_eq(tag, "accepted/bare-agent/qwen--qwen3.5-9b");
    free(tag);
    ck_assert_int_eq(variants_accept(home, "demo", "bare-agent/qwen--qwen3.5-9b", &tag, &err),
                     SK_OK);
    free(tag);
    ck_assert_int_eq(variants_get(home, "demo", "accepted/bare-agent/qwen--qwen3.5-9b", &vi,
                                  &err),
                     SK_OK);
    ck_assert_str_eq(vi->commit, r3.commit);
    ck_assert(vi->accepted);
    variants_info_free(vi);
    ck_assert_int_eq(variants_accept(home, "demo", "main", &tag, &err), SK_ERR_INVALID);

    /* checkout gives a runnable folder */
    char *co = sk_path_join(tl_tmpdir(), "v1/checkout");
    ck_assert_int_eq(variants_checkout(home, "demo", "accepted/bare-agent/qwen--qwen3.5-9b", co,
                                       &err),
                     SK_OK);
    char *skmd = sk_path_join(co, "SKILL.md");
    ck_assert(sk_is_file(skmd));
    free(skmd);
    free(co);

    /* plain git reads it */
    char *repo = variants_repo_dir(home, "demo");
    char *out = NULL;
    ck_assert_int_eq(git_ok(repo, "fsck --strict", &out), 0);
    free(out);
    ck_assert_int_eq(git_ok(repo, "log --format=%B bare-agent/qwen--qwen3.5-9b", &out), 0);
    ck_assert_ptr_nonnull(strstr(out, "Skvm-Target-Model: qwen/qwen3.5-9b"));
    ck_assert_ptr_nonnull(strstr(out, "Skvm-Guard: pass"));
    ck_assert_ptr_nonnull(strstr(out, "original: demo"));
    free(out);
    free(repo);

    variants_commit_result_done(&r1);
    variants_commit_result_done(&r2);
    variants_commit_result_done(&r3);
    variants_commit_result_done(&r4);
    free(src);
    free(c1);
    free(c2);
}
END_TEST

START_TEST(test_bad_input)
{
    VariantCommitResult r;
    SkError err;
    ck_assert_int_eq(do_commit("../evil", "/nonexistent", "/nonexistent", "m", "i", &r, &err),
                     SK_ERR_INVALID);
    variants_commit_result_done(&r);
    ck_assert(!variants_valid_skill_name(".hidden"));
    ck_assert(!variants_valid_skill_name("a/b"));
    ck_assert(variants_valid_skill_name("web-research_2.0"));
    SkVec l;
    ck_assert_int_eq(variants_list(home, "never-compiled", &l, &err), SK_ERR_NOT_FOUND);
    ck_assert_ptr_nonnull(strstr(err.msg, "skvm compile"));
    sk_vec_done(&l);
    char *b = variants_branch("bare-agent", "openrouter/qwen/qwen3.5-9b:free");
    ck_assert_str_eq(b, "bare-agent/openrouter--qwen--qwen3.5-9b_free");
    free(b);
}
END_TEST

typedef struct Job {
    const char *src, *compiled, *model;
    SkStatus status;
    char msg[SK_ERROR_MSG_MAX + 8];
} Job;

static void *job_run(void *p)
{
    Job *j = p;
    VariantCommitResult r;
    SkError err;
    sk_error_clear(&err);
    j->status = do_commit("conc", j->src, j->compiled, j->model, j->model, &r, &err);
    snprintf(j->msg, sizeof j->msg, "%s", err.msg);
    variants_commit_result_done(&r);
    return NULL;
}

START_TEST(test_concurrent)
{
    char *src = sk_path_join(tl_tmpdir(), "conc/src");
    char *cd = sk_path_join(tl_tmpdir(), "conc/compiled");
    make_skill(src, NULL);
    make_compiled(cd, "extra\n", "{\"gaps\": []}");
    /* threads */
    enum { N = 6 };
    pthread_t th[N];
    Job jobs[N];
    char models[N][32];
    for (int i = 0; i < N; i++) {
        snprintf(models[i], sizeof models[i], "t/model-%d", i);
        jobs[i] = (Job){.src = src, .compiled = cd, .model = models[i]};
        pthread_create(&th[i], NULL, job_run, &jobs[i]);
    }
    for (int i = 0; i < N; i++) {
        pthread_join(th[i], NULL);
        ck_assert_msg(jobs[i].status == SK_OK, "%s", jobs[i].msg);
    }
    /* processes */
    pid_t pids[N];
    for (int i = 0; i < N; i++) {
        pids[i] = fork();
        if (pids[i] == 0) {
            char m[32];
            snprintf(m, sizeof m, "p/model-%d", i);
            Job j = {.src = src, .compiled = cd, .model = m};
            job_run(&j);
            _exit(j.status == SK_OK ? 0 : 1);
        }
    }
    for (int i = 0; i < N; i++) {
        int st = 0;
        waitpid(pids[i], &st, 0);
        ck_assert(WIFEXITED(st) && WEXITSTATUS(st) == 0);
    }
    SkVec list;
    SkError err;
    ck_assert_int_eq(variants_list(home, "conc", &list, &err), SK_OK);
    ck_assert_uint_eq(list.len, 1 + 2 * N); /* one original, no duplicates */
    sk_vec_done(&list);
    char *repo = variants_repo_dir(home, "conc");
    char *out = NULL;
    ck_assert_int_eq(git_ok(repo, "fsck --strict", &out), 0);
    free(out);
    ck_assert_int_eq(git_ok(repo, "branch --list", &out), 0);
    ck_assert_ptr_nonnull(strstr(out, "bare-agent/p--model-5"));
    ck_assert_ptr_nonnull(strstr(out, "bare-agent/t--model-0"));
    free(out);

    /* a stale lock is reported with the way out, and nothing is written */
    pid_t dead = fork();
    if (dead == 0)
        _exit(0);
    waitpid(dead, NULL, 0);
    char *lock = sk_asprintf("%s.lock", repo);
    char *pid = sk_asprintf("%d\n", (int)dead);
    sk_write_file_atomic(lock, pid, strlen(pid), NULL);
    VariantCommitResult r;
    SkStatus s = do_commit("conc", src, cd, "x/late", "late", &r, &err);
    ck_assert_int_eq(s, SK_ERR_BUSY);
    ck_assert_ptr_nonnull(strstr(err.msg, "stale lock"));
    ck_assert_ptr_nonnull(strstr(err.msg, lock));
    variants_commit_result_done(&r);
    unlink(lock);
    ck_assert_int_eq(do_commit("conc", src, cd, "x/late", "late", &r, &err), SK_OK);
    variants_commit_result_done(&r);
    free(lock);
    free(pid);
    free(repo);
    free(src);
    free(cd);
}
END_TEST

int main(void)
{
    home = tl_fresh_home();
    Suite *s = suite_create("variants");
    TCase *tc = tcase_create("core");
    tcase_set_timeout(tc, 120);
    tcase_add_test(tc, test_commit_list_show_diff_accept);
    tcase_add_test(tc, test_bad_input);
    tcase_add_test(tc, test_concurrent);
    suite_add_tcase(s, tc);
    return tl_run_suite(s);
}
