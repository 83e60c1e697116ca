/* test_task.c: task.json loading, fixtures, and every evaluator (script, file-check,
 * python-grade on the reference tasks' own graders and solutions, JUnit scoring, criteria
 * that cannot run). */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/js.h"
#include "core/sandbox.h"
#include "core/task.h"
#include "core/util.h"
#include "tests/testlib.h"

static char *new_workdir(void)
{
    static int seq;
    char id[32];
    snprintf(id, sizeof id, "run%d", ++seq);
    char *wd = NULL;
    ck_assert_int_eq(sandbox_workdir_create(tl_tmpdir(), id, &wd, NULL), SK_OK);
    return wd;
}

/* Whether DIR/REL is a regular file. */
static bool file_in(const char *dir, const char *rel)
{
    char *path = sk_path_join(dir, rel);
    bool yes = sk_is_file(path);
    free(path);
    return yes;
}

static Task *load_text(const char *json)
{
    const char *dir = tl_tmpdir();
    tl_write(dir, "task.json", json);
    Task *t = NULL;
    SkError e;
    ck_assert_msg(task_load(dir, &t, &e) == SK_OK, "%s", e.msg);
    return t;
}

static SkStatus load_err(const char *json, SkError *e)
{
    const char *dir = tl_tmpdir();
    tl_write(dir, "task.json", json);
    Task *t = NULL;
    SkStatus st = task_load(dir, &t, e);
    task_free(t);
    return st;
}

START_TEST(test_load_errors)
{
    SkError e;
    ck_assert_int_eq(task_load("/nonexistent/task", &(Task *){NULL}, &e), SK_ERR_NOT_FOUND);
    ck_assert_int_eq(load_err("{not json", &e), SK_ERR_PARSE);
    ck_assert_int_eq(load_err("{\"prompt\":\"p\",\"eval\":[{\"method\":\"script\","
                              "\"command\":\"true\"}]}",
                              &e),
                     SK_ERR_INVALID);
    ck_assert(strstr(e.msg, "'id'"));
    ck_assert_int_eq(load_err("{\"id\":\"x\",\"prompt\":\"p\",\"eval\":[]}", &e), SK_ERR_INVALID);
    ck_assert_int_eq(load_err("{\"id\":\"x\",\"prompt\":\"p\",\"eval\":[{\"method\":\"magic\"}]}",
                              &e),
                     SK_ERR_INVALID);
    ck_assert(strstr(e.msg, "unknown method"));
    ck_assert_int_eq(load_err("{\"id\":\"x\",\"prompt\":\"p\",\"eval\":[{\"method\":\"file-check\","
                              "\"path\":\"a\",\"mode\":\"fuzzy\"}]}",
                              &e),
                     SK_ERR_INVALID);
    /* junit weights must sum to 1, patterns must compile */
    ck_assert_int_eq(
        load_err("{\"id\":\"x\",\"prompt\":\"p\",\"eval\":[{\"method\":\"custom\",\"evaluatorId\":"
                 "\"junit-grade\",\"payload\":{\"testFile\":\"t.ts\",\"criteria\":[{\"id\":\"a\","
                 "\"weight\":0.5,\"testPattern\":\"x\"}]}}]}",
                 &e),
        SK_ERR_INVALID);
    ck_assert(strstr(e.msg, "sum to"));
    ck_assert_int_eq(
        load_err("{\"id\":\"x\",\"prompt\":\"p\",\"eval\":[{\"method\":\"custom\",\"evaluatorId\":"
                 "\"junit-grade\",\"payload\":{\"testFile\":\"t.ts\",\"criteria\":[{\"id\":\"a\","
                 "\"weight\":1,\"testPattern\":\"(unclosed\"}]}}]}",
                 &e),
        SK_ERR_INVALID);
    ck_assert(strstr(e.msg, "bad pattern"));
    ck_assert_int_eq(load_err("{\"id\":\"x\",\"prompt\":\"p\",\"eval\":[{\"method\":\"custom\","
                              "\"evaluatorId\":\"python-grade\"}]}",
                              &e),
                     SK_ERR_INVALID);
    ck_assert(strstr(e.msg, "grade.py"));
}
END_TEST

START_TEST(test_fixtures_and_setup)
{
    const char *dir = tl_tmpdir();
    tl_write(dir, "task.json",
             "{\"id\":\"fx\",\"prompt\":\"p\",\"timeoutMs\":5000,\"maxSteps\":7,"
             "\"fixtures\":{\"inline/a.txt\":\"inline text\"},"
             "\"eval\":[{\"method\":\"file-check\",\"path\":\"a.txt\",\"mode\":\"exact\","
             "\"expected\":\"x\"}],\"skill\":\"../skills/demo\"}");
    tl_write(dir, "fixtures/data/input.csv", "a,b\n1,2\n");
    tl_write(dir, "fixtures/_setup.sh", "echo made-by-setup > setup_out.txt\n");
    Task *t = NULL;
    ck_assert_int_eq(task_load(dir, &t, NULL), SK_OK);
    ck_assert_str_eq(t->id, "fx");
    ck_assert_int_eq(t->timeout_ms, 5000);
    ck_assert_int_eq(t->max_steps, 7);
    ck_assert(sk_str_ends(t->skill_dir, "/../skills/demo"));
    char *wd = new_workdir();
    SandboxOptions so;
    sandbox_options_init(&so, wd);
    char *note = NULL;
    ck_assert_int_eq(task_prepare(t, wd, &so, &note, NULL), SK_OK);
    ck_assert_str_eq(note, "_setup.sh ran");
    free(note);
    ck_assert(file_in(wd, "data/input.csv"));
    ck_assert(file_in(wd, "inline/a.txt"));
    ck_assert(file_in(wd, "setup_out.txt"));
    ck_assert(!file_in(wd, "_setup.sh"));
    task_free(t);
    /* an inline fixture that tries to escape is refused */
    tl_write(dir, "task.json",
             "{\"id\":\"fx\",\"prompt\":\"p\",\"fixtures\":{\"../../evil.txt\":\"x\"},"
             "\"eval\":[{\"method\":\"script\",\"command\":\"true\"}]}");
    char *setup = sk_path_join(dir, "fixtures/_setup.sh");
    ck_assert_int_eq(unlink(setup), 0);
    free(setup);
    ck_assert_int_eq(task_load(dir, &t, NULL), SK_OK);
    SkError e;
    ck_assert_int_eq(task_prepare(t, wd, &so, NULL, &e), SK_ERR_SANDBOX);
    task_free(t);
    free(wd);
}
END_TEST

static TaskEval eval_in(Task *t, const char *wd)
{
    TaskEvalOptions o;
    task_eval_options_init(&o, wd);
    TaskEval ev;
    ck_assert_int_eq(task_evaluate(t, &o, &ev, NULL), SK_OK);
    return ev;
}

START_TEST(test_script_and_file_check)
{
    Task *t = load_text(
        "{\"id\":\"s\",\"prompt\":\"p\",\"eval\":["
        "{\"id\":\"exit\",\"method\":\"script\",\"command\":\"test -f out.txt\",\"weight\":1},"
        "{\"id\":\"out\",\"method\":\"script\",\"command\":\"cat out.txt\","
        "\"expectedOutput\":\"hello world\",\"weight\":1},"
        "{\"id\":\"cps\",\"method\":\"script\",\"command\":\"echo noise; echo "
        "'{\\\"checkpoints\\\":[{\\\"name\\\":\\\"a\\\",\\\"score\\\":1},{\\\"name\\\":\\\"b\\\","
        "\\\"score\\\":0.5}]}'\",\"weight\":1},"
        "{\"id\":\"infra\",\"method\":\"script\",\"command\":\"echo "
        "'{\\\"infraError\\\":\\\"no db\\\"}'\",\"weight\":1},"
        "{\"id\":\"exact\",\"method\":\"file-check\",\"path\":\"out.txt\",\"mode\":\"exact\","
        "\"expected\":\"hello world\",\"weight\":1},"
        "{\"id\":\"contains\",\"method\":\"file-check\",\"path\":\"out.txt\",\"mode\":"
        "\"contains\",\"expected\":\"planet\",\"weight\":1},"
        "{\"id\":\"regex\",\"method\":\"file-check\",\"glob\":\"*.txt\",\"mode\":\"regex\","
        "\"expected\":\"^hello\\\\s+w\",\"weight\":1},"
        "{\"id\":\"schema\",\"method\":\"file-check\",\"path\":\"d.json\",\"mode\":"
        "\"json-schema\",\"expected\":{\"type\":\"object\",\"required\":[\"name\",\"age\"]},"
        "\"weight\":1},"
        "{\"id\":\"missing\",\"method\":\"file-check\",\"path\":\"nope.txt\",\"mode\":"
        "\"contains\",\"expected\":\"x\",\"weight\":1}]}");
    char *wd = new_workdir();
    tl_write(wd, "out.txt", "hello world\n");
    tl_write(wd, "d.json", "{\"name\":\"n\"}");
    TaskEval ev = eval_in(t, wd);
    ck_assert_uint_eq(ev.n, 9);
    double want[] = {1, 1, 0.75, -1, 1, 0, 1, 0, 0};
    for (size_t i = 0; i < ev.n; i++) {
        if (want[i] < 0) {
            ck_assert_int_eq(ev.items[i].status, TASK_CRIT_NOT_RUN);
            ck_assert(strstr(ev.items[i].detail, "no db"));
        } else {
            ck_assert_msg(ev.items[i].status == TASK_CRIT_SCORED, "%s", ev.items[i].id);
            ck_assert_msg(fabs(ev.items[i].score - want[i]) < 1e-9, "%s: %g (%s)",
                          ev.items[i].id, ev.items[i].score, ev.items[i].detail);
        }
    }
    ck_assert(!ev.items[2].pass || ev.items[2].score >= 0.5);
    ck_assert(strstr(ev.items[7].detail, "age"));
    /* 8 scored, weights equal: (1+1+.75+1+0+1+0+0)/8 */
    ck_assert(ev.score_known);
    ck_assert_double_eq_tol(ev.score, 4.75 / 8, 1e-9);
    ck_assert_ptr_nonnull(ev.note);
    ck_assert(strstr(ev.note, "infra"));
    json_t *j = task_eval_to_json(&ev);
    ck_assert_uint_eq(json_array_size(json_object_get(j, "criteria")), 9);
    json_decref(j);
    task_eval_done(&ev);
    task_free(t);
    free(wd);
}
END_TEST

START_TEST(test_not_run_criteria)
{
    Task *t = load_text(
        "{\"id\":\"n\",\"prompt\":\"p\",\"eval\":["
        "{\"id\":\"auto\",\"method\":\"file-check\",\"path\":\"a.txt\",\"mode\":\"contains\","
        "\"expected\":\"ok\",\"weight\":0.5},"
        "{\"id\":\"bun\",\"method\":\"custom\",\"evaluatorId\":\"junit-grade\",\"payload\":{"
        "\"testFile\":\"x.test.ts\",\"criteria\":[{\"id\":\"c\",\"weight\":1,\"testPattern\":"
        "\"x\"}]},\"weight\":0.2},"
        "{\"id\":\"judge\",\"method\":\"llm-judge\",\"rubric\":\"be good\",\"maxScore\":1,"
        "\"weight\":0.3}]}");
    setenv("SKVM_BUN", "/nonexistent/bun", 1);
    char *wd = new_workdir();
    tl_write(wd, "a.txt", "ok");
    TaskEval ev = eval_in(t, wd);
    unsetenv("SKVM_BUN");
    ck_assert_int_eq(ev.items[0].status, TASK_CRIT_SCORED);
    ck_assert_int_eq(ev.items[1].status, TASK_CRIT_NOT_RUN);
    ck_assert_str_eq(ev.items[1].detail, "cannot run: bun not installed");
    ck_assert_int_eq(ev.items[2].status, TASK_CRIT_NOT_RUN);
    ck_assert(strstr(ev.items[2].detail, "no judge model"));
    /* renormalized: only the file check counts; not a zero */
    ck_assert(ev.score_known);
    ck_assert_double_eq_tol(ev.score, 1.0, 1e-9);
    ck_assert_double_eq_tol(ev.weight_scored, 0.5, 1e-9);
    ck_assert(strstr(ev.note, "bun"));
    task_eval_done(&ev);
    task_free(t);
    free(wd);
}
END_TEST

START_TEST(test_junit_scoring)
{
    const char *xml =
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
        "<testsuites name=\"bun test\" tests=\"4\">\n"
        "  <testsuite name=\"x.test.ts\">\n"
        "    <testcase name=\"file exists\" classname=\"Output &amp; format\" time=\"0\"/>\n"
        "    <testcase name=\"has header\" classname=\"Output &amp; format\" time=\"0\">\n"
        "      <failure message=\"expected\" type=\"AssertionError\"/>\n"
        "    </testcase>\n"
        "    <testcase name=\"totals | sums\" classname=\"Math\" time=\"0\"></testcase>\n"
        "    <testcase name=\"skipped one\" classname=\"Math\"><skipped/></testcase>\n"
        "  </testsuite>\n"
        "</testsuites>\n";
    json_t *crit = json_loads(
        "[{\"id\":\"fmt\",\"weight\":0.5,\"testPattern\":\"output & format > \"},"
        "{\"id\":\"math\",\"weight\":0.3,\"testPattern\":\"totals \\\\| sums|nothing(a|b)\"},"
        "{\"id\":\"none\",\"weight\":0.2,\"testPattern\":\"no such test\"}]",
        0, NULL);
    double total = 0;
    json_t *per = NULL;
    ck_assert_int_eq(task_junit_score(xml, crit, &total, &per, NULL), SK_OK);
    ck_assert_double_eq_tol(total, 0.5 * 0.5 + 0.3 * 1.0 + 0, 1e-9);
    ck_assert_int_eq(js_int(json_array_get(per, 0), "matched", 0), 2);
    ck_assert_int_eq(js_int(json_array_get(per, 0), "passed", 0), 1);
    ck_assert_int_eq(js_int(json_array_get(per, 2), "matched", -1), 0);
    json_decref(per);
    SkError e;
    ck_assert_int_eq(task_junit_score("<testsuites/>", crit, &total, &per, &e), SK_ERR_PARSE);
    json_decref(crit);
}
END_TEST

START_TEST(test_grade_transcript_shape)
{
    json_t *steps = json_loads(
        "[{\"role\":\"assistant\",\"text\":\"I will write\",\"toolCalls\":[{\"id\":\"c1\","
        "\"name\":\"write_file\",\"input\":{\"path\":\"a\",\"content\":\"b\"}}]},"
        "{\"role\":\"tool\",\"toolCalls\":[{\"id\":\"c1\",\"name\":\"write_file\",\"input\":{},"
        "\"output\":\"File written: a\"}]}]",
        0, NULL);
    json_t *tr = task_grade_transcript(steps);
    ck_assert_uint_eq(json_array_size(tr), 2);
    json_t *m0 = json_object_get(json_array_get(tr, 0), "message");
    ck_assert_str_eq(js_str(m0, "role", ""), "assistant");
    json_t *content = json_object_get(m0, "content");
    ck_assert_str_eq(js_str(json_array_get(content, 1), "type", ""), "toolCall");
    ck_assert_str_eq(js_str(json_object_get(json_array_get(content, 1), "params"), "path", ""),
                     "a");
    json_t *m1 = json_object_get(json_array_get(tr, 1), "message");
    ck_assert_str_eq(js_str(m1, "role", ""), "toolResult");
    ck_assert_str_eq(js_str(json_array_get(json_object_get(m1, "content"), 0), "output", ""),
                     "File written: a");
    json_decref(tr);
    json_decref(steps);
}
END_TEST

START_TEST(test_python_grade_own)
{
    if (access("/usr/bin/python3", X_OK) != 0)
        TL_SKIP("python3 not installed");
    const char *dir = tl_tmpdir();
    tl_write(dir, "task.json",
             "{\"id\":\"py\",\"prompt\":\"p\",\"eval\":[{\"method\":\"custom\",\"evaluatorId\":"
             "\"python-grade\"}]}");
    tl_write(dir, "grade.py",
             "import os\n"
             "def grade(transcript, ws):\n"
             "    has = os.path.exists(os.path.join(ws, 'answer.txt'))\n"
             "    called = any(c.get('name') == 'write_file' for m in transcript\n"
             "                 for c in m['message']['content'] if c.get('type') == 'toolCall')\n"
             "    return [{'id': 'file', 'score': 1.0 if has else 0.0, 'weight': 0.6},\n"
             "            {'id': 'tool', 'score': 1.0 if called else 0.0, 'weight': 0.4}]\n");
    Task *t = NULL;
    ck_assert_int_eq(task_load(dir, &t, NULL), SK_OK);
    char *wd = new_workdir();
    tl_write(wd, "answer.txt", "42");
    TaskEvalOptions o;
    task_eval_options_init(&o, wd);
    json_t *steps = json_loads("[{\"role\":\"assistant\",\"toolCalls\":[{\"id\":\"1\",\"name\":"
                               "\"write_file\",\"input\":{}}]}]",
                               0, NULL);
    o.steps = steps;
    TaskEval ev;
    ck_assert_int_eq(task_evaluate(t, &o, &ev, NULL), SK_OK);
    ck_assert_msg(ev.items[0].status == TASK_CRIT_SCORED, "%s", ev.items[0].detail);
    ck_assert_double_eq_tol(ev.items[0].score, 1.0, 1e-9);
    ck_assert_uint_eq(json_array_size(ev.items[0].checkpoints), 2);
    task_eval_done(&ev);
    o.steps = NULL;
    ck_assert_int_eq(task_evaluate(t, &o, &ev, NULL), SK_OK);
    ck_assert_double_eq_tol(ev.items[0].score, 0.6, 1e-9);
    task_eval_done(&ev);
    /* a grader that raises, and one with bad weights: scored 0 with the reason */
    tl_write(dir, "grade.py", "def grade(t, ws):\n    raise ValueError('boom')\n");
    ck_assert_int_eq(task_evaluate(t, &o, &ev, NULL), SK_OK);
    ck_assert_int_eq(ev.items[0].status, TASK_CRIT_SCORED);
    ck_assert_double_eq(ev.items[0].score, 0);
    ck_assert(strstr(ev.items[0].detail, "boom"));
    task_eval_done(&ev);
    tl_write(dir, "grade.py",
             "def grade(t, ws):\n    return [{'id':'a','score':1,'weight':0.3}]\n");
    ck_assert_int_eq(task_evaluate(t, &o, &ev, NULL), SK_OK);
    ck_assert(strstr(ev.items[0].detail, "sum to 1"));
    task_eval_done(&ev);
    /* no python: not run */
    o.python = "/nonexistent/python3";
    ck_assert_int_eq(task_evaluate(t, &o, &ev, NULL), SK_OK);
    ck_assert_int_eq(ev.items[0].status, TASK_CRIT_NOT_RUN);
    ck_assert(!ev.score_known);
    task_eval_done(&ev);
    json_decref(steps);
    task_free(t);
    free(wd);
}
END_TEST

/* The reference python-grade tasks: their REFERENCE solution scores 1.0 through our
 * python-grade path; an empty work dir scores low. */
START_TEST(test_reference_python_tasks)
{
    TL_REQUIRE_REFERENCE();
    const char *names[] = {"calendar_task_01", "calendar_task_02", "schema-markup-generator_task_01",
                           "schema-markup-generator_task_02"};
    for (size_t i = 0; i < SK_ARRAY_LEN(names); i++) {
        char *rel = sk_asprintf("tasks/%s", names[i]);
        char *dir = tl_reference_path(rel);
        free(rel);
        if (!sk_is_dir(dir)) {
            free(dir);
            continue;
        }
        Task *t = NULL;
        SkError e;
        ck_assert_msg(task_load(dir, &t, &e) == SK_OK, "%s", e.msg);
        char *wd = new_workdir();
        SandboxOptions so;
        sandbox_options_init(&so, wd);
        ck_assert_int_eq(task_prepare(t, wd, &so, NULL, NULL), SK_OK);
        /* bad run: nothing produced */
        TaskEval ev = eval_in(t, wd);
        size_t py = 0;
        for (size_t k = 0; k < ev.n; k++)
            if (!strcmp(ev.items[k].method, "python-grade"))
                py = k;
        ck_assert_int_eq(ev.items[py].status, TASK_CRIT_SCORED);
        ck_assert_msg(ev.items[py].score < 0.5, "%s empty: %g", names[i], ev.items[py].score);
        task_eval_done(&ev);
        /* good run: the reference solution */
        char *cmd = sk_asprintf("bash %s/REFERENCE/run.sh", dir);
        const char *ro[] = {dir, NULL};
        so.ro_paths = ro;
        SandboxResult r;
        ck_assert_int_eq(sandbox_run_shell(cmd, &so, &r, NULL), SK_OK);
        ck_assert_msg(r.exit_code == 0, "%s: %s", names[i], r.err);
        sandbox_result_done(&r);
        free(cmd);
        ev = eval_in(t, wd);
        ck_assert_msg(fabs(ev.items[py].score - 1.0) < 1e-6, "%s: %g (%s)", names[i],
                      ev.items[py].score, ev.items[py].detail);
        /* the judge is not run (no model): reported, and the score is renormalized */
        ck_assert(ev.score_known);
        ck_assert_double_eq_tol(ev.score, 1.0, 1e-6);
        ck_assert_ptr_nonnull(ev.note);
        task_eval_done(&ev);
        task_free(t);
        free(wd);
        free(dir);
    }
}
END_TEST

START_TEST(test_reference_tasks_all_load)
{
    TL_REQUIRE_REFERENCE();
    char *tasks = tl_reference_path("tasks");
    char *out = NULL;
    char *cmd = sk_asprintf("ls %s", tasks);
    tl_run(cmd, false, &out);
    free(cmd);
    int n = 0;
    for (char *line = strtok(out, "\n"); line; line = strtok(NULL, "\n")) {
        char *dir = sk_path_join(tasks, line);
        Task *t = NULL;
        SkError e;
        ck_assert_msg(task_load(dir, &t, &e) == SK_OK, "%s: %s", line, e.msg);
        ck_assert_int_gt(t->max_steps, 0);
        task_free(t);
        free(dir);
        n++;
    }
    ck_assert_int_gt(n, 10);
    free(out);
    free(tasks);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("task");
    TCase *tc = tcase_create("core");
    tcase_set_timeout(tc, 120);
    tcase_add_test(tc, test_load_errors);
    tcase_add_test(tc, test_fixtures_and_setup);
    tcase_add_test(tc, test_script_and_file_check);
    tcase_add_test(tc, test_not_run_criteria);
    tcase_add_test(tc, test_junit_scoring);
    tcase_add_test(tc, test_grade_transcript_shape);
    tcase_add_test(tc, test_python_grade_own);
    tcase_add_test(tc, test_reference_python_tasks);
    tcase_add_test(tc, test_reference_tasks_all_load);
    suite_add_tcase(s, tc);
    return tl_run_suite(s);
}
