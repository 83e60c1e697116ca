/* test_probe.c: the profiler's generators and evaluators. The selftest (a correct answer
 * passes, at least two plausible mistakes fail) over every primitive and level and several
 * seeds; determinism; the fixes of the reference's false negatives; the runner, the
 * loopback server and the "no checkpoints is a failure" rule. */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/catalog.h"
#include "core/js.h"
#include "core/probe.h"
#include "tests/testlib.h"

static const char *cell_verdict(ProbeVerdict v)
{
    return v == PROBE_PASS ? "ok" : v == PROBE_SKIP ? "skip" : "FAIL";
}

/* Every cell over several seeds (cells that run interpreters are slow: two seeds for
 * them), two cells at a time. Cells whose tool is missing may skip, never fail. */
typedef struct CellJob {
    const char *id;
    int level;
    uint64_t seed;
    ProbeSelftestCell cell;
} CellJob;

typedef struct CellQueue {
    CellJob *jobs;
    size_t n, next;
    pthread_mutex_t mu;
} CellQueue;

static void *cell_worker(void *arg)
{
    CellQueue *q = arg;
    for (;;) {
        pthread_mutex_lock(&q->mu);
        size_t i = q->next < q->n ? q->next++ : (size_t)-1;
        pthread_mutex_unlock(&q->mu);
        if (i == (size_t)-1)
            return NULL;
        CellJob *j = &q->jobs[i];
        probe_selftest_cell(j->id, j->level, j->seed, tl_tmpdir(), &j->cell);
    }
}

START_TEST(test_selftest_all_cells)
{
    static const uint64_t seeds[] = {42, 1, 2, 3, 1234};
    size_t n = probe_primitive_count();
    ck_assert_uint_eq(n, CATALOG_COUNT);
    CellQueue q = {0};
    q.jobs = calloc(n * 3 * SK_ARRAY_LEN(seeds), sizeof *q.jobs);
    pthread_mutex_init(&q.mu, NULL);
    for (size_t i = 0; i < n; i++) {
        const char *id = probe_primitive_id(i);
        ck_assert_msg(probe_known(id), "no generator for %s", id);
        for (int level = 1; level <= 3; level++) {
            ck_assert_str_ne(probe_description(id, level), "");
            ProbeInstance *probe = NULL;
            probe_generate(id, level, 1, &probe, NULL);
            size_t nseeds = probe->needs_tool ? 2 : SK_ARRAY_LEN(seeds);
            probe_instance_free(probe);
            for (size_t s = 0; s < nseeds; s++)
                q.jobs[q.n++] = (CellJob){id, level, seeds[s], {0}};
        }
    }
    pthread_t th[2];
    for (int i = 0; i < 2; i++)
        ck_assert_int_eq(pthread_create(&th[i], NULL, cell_worker, &q), 0);
    for (int i = 0; i < 2; i++)
        pthread_join(th[i], NULL);
    int fails = 0, oks = 0, skips = 0;
    for (size_t i = 0; i < q.n; i++) {
        ProbeSelftestCell *c = &q.jobs[i].cell;
        if (c->verdict == PROBE_FAIL) {
            fprintf(stderr, "%s L%d seed %llu: %s: %s\n", q.jobs[i].id, q.jobs[i].level,
                    (unsigned long long)q.jobs[i].seed, cell_verdict(c->verdict), c->reason);
            fails++;
        } else if (c->verdict == PROBE_SKIP) {
            skips++;
        } else {
            oks++;
            ck_assert_int_ge(c->answers, 3);
        }
        probe_selftest_cell_done(c);
    }
    pthread_mutex_destroy(&q.mu);
    free(q.jobs);
    fprintf(stderr, "selftest: %d ok, %d skipped, %d failed\n", oks, skips, fails);
    ck_assert_int_eq(fails, 0);
    ck_assert_int_gt(oks, 200);
}
END_TEST

START_TEST(test_deterministic_and_varied)
{
    size_t n = probe_primitive_count();
    for (size_t i = 0; i < n; i++) {
        const char *id = probe_primitive_id(i);
        for (int level = 1; level <= 3; level++) {
            ProbeInstance *a = NULL, *b = NULL;
            ck_assert_int_eq(probe_generate(id, level, 77, &a, NULL), SK_OK);
            ck_assert_int_eq(probe_generate(id, level, 77, &b, NULL), SK_OK);
            ck_assert_str_eq(a->prompt, b->prompt);
            ck_assert_uint_eq(a->seed, 77);
            char *ja = js_dump_canonical(a->expect), *jb = js_dump_canonical(b->expect);
            ck_assert_str_eq(ja, jb);
            free(ja);
            free(jb);
            ck_assert_uint_eq(a->setup.len, b->setup.len);
            ck_assert(strlen(a->prompt) > 20);
            probe_instance_free(a);
            probe_instance_free(b);
        }
        /* different seeds give different instances (at least somewhere across levels) */
        int differ = 0;
        for (int level = 1; level <= 3; level++) {
            for (uint64_t s = 1; s <= 6; s++) {
                ProbeInstance *a = NULL, *b = NULL;
                probe_generate(id, level, s, &a, NULL);
                probe_generate(id, level, s + 100, &b, NULL);
                char *ja = js_dump_canonical(a->expect), *jb = js_dump_canonical(b->expect);
                differ += strcmp(a->prompt, b->prompt) != 0 || strcmp(ja, jb) != 0;
                free(ja);
                free(jb);
                probe_instance_free(a);
                probe_instance_free(b);
            }
        }
        ck_assert_msg(differ > 0, "%s never varies with the seed", id);
    }
    ProbeInstance *x = NULL;
    SkError err = {0};
    ck_assert_int_eq(probe_generate("gen.nope", 1, 1, &x, &err), SK_ERR_NOT_FOUND);
    ck_assert_int_eq(probe_generate("gen.regex", 4, 1, &x, &err), SK_ERR_INVALID);
}
END_TEST

/* Evaluate RESPONSE (and optional file) against a fresh instance; returns the verdict. */
static ProbeVerdict eval_text(const ProbeInstance *in, const char *response, const char *file,
                              const char *content, char **summary)
{
    char *dir = sk_mkdtemp("skvm-probe-test-");
    ck_assert_ptr_nonnull(dir);
    ck_assert_int_eq(probe_setup(in, dir, NULL), SK_OK);
    if (file)
        tl_write(dir, file, content);
    ProbeResult r;
    probe_evaluate(in, dir, response, &r);
    ProbeVerdict v = r.verdict;
    if (summary)
        *summary = probe_result_summary(&r);
    probe_result_done(&r);
    sk_rm_rf(dir, NULL);
    free(dir);
    return v;
}

static ProbeInstance *gen(const char *id, int level, uint64_t seed)
{
    ProbeInstance *in = NULL;
    ck_assert_int_eq(probe_generate(id, level, seed, &in, NULL), SK_OK);
    return in;
}

/* The reference's false negatives, each pinned. */
START_TEST(test_false_negative_fixes)
{
    /* trailing newline, CRLF and a code fence around a copied file */
    ProbeInstance *in = gen("tool.file.read", 1, 5);
    char *want = sk_strdup(json_string_value(json_object_get(in->expect, "want")));
    ck_assert_int_eq(eval_text(in, NULL, "result.txt", want, NULL), PROBE_PASS);
    SkBuf crlf = SK_BUF_INIT;
    sk_buf_puts(&crlf, "```\n");
    for (const char *p = want; *p; p++) {
        if (*p == '\n')
            sk_buf_putc(&crlf, '\r');
        sk_buf_putc(&crlf, *p);
    }
    sk_buf_puts(&crlf, "```\n\n");
    ck_assert_int_eq(eval_text(in, NULL, "result.txt", crlf.data, NULL), PROBE_PASS);
    sk_buf_done(&crlf);
    free(want);
    probe_instance_free(in);

    /* numbers: "1,234", "$" and "42.0" where an integer is expected */
    in = gen("reason.arithmetic", 1, 9);
    double v = json_number_value(json_object_get(in->expect, "value"));
    char *grouped = NULL;
    if (v >= 1000 && v == (long long)v) {
        char raw[64];
        snprintf(raw, sizeof raw, "%lld", (long long)v);
        size_t n = strlen(raw);
        SkBuf b = SK_BUF_INIT;
        for (size_t i = 0; i < n; i++) {
            if (i && (n - i) % 3 == 0)
                sk_buf_putc(&b, ',');
            sk_buf_putc(&b, raw[i]);
        }
        grouped = sk_buf_steal(&b);
    } else {
        grouped = sk_asprintf("%.2f", v);
    }
    char *resp = sk_asprintf("So the result is **%s**", grouped);
    ck_assert_int_eq(eval_text(in, resp, NULL, NULL, NULL), PROBE_PASS);
    free(resp);
    resp = sk_asprintf("%.1f", v);
    ck_assert_int_eq(eval_text(in, resp, NULL, NULL, NULL), PROBE_PASS);
    free(resp);
    free(grouped);
    probe_instance_free(in);

    /* a precision remark or an exponent after the answer is not the answer */
    in = gen("reason.arithmetic", 2, 4);
    v = json_number_value(json_object_get(in->expect, "value"));
    resp = sk_asprintf("The final total is $%.2f (rounded to 2 decimal places).", v);
    ck_assert_int_eq(eval_text(in, resp, NULL, NULL, NULL), PROBE_PASS);
    free(resp);
    resp = sk_asprintf("The final total is $%.2f, to 2 decimals.", v);
    ck_assert_int_eq(eval_text(in, resp, NULL, NULL, NULL), PROBE_PASS);
    free(resp);
    probe_instance_free(in);
    for (uint64_t seed = 1; seed < 50; seed++) {
        in = gen("reason.spatial", 2, seed);
        if (strstr(in->prompt, "its area")) {
            v = json_number_value(json_object_get(in->expect, "value"));
            resp = sk_asprintf("Area = %.2f cm^2", v);
            ck_assert_int_eq(eval_text(in, resp, NULL, NULL, NULL), PROBE_PASS);
            free(resp);
            probe_instance_free(in);
            break;
        }
        probe_instance_free(in);
    }

    /* reason.logic L2: the first name of the answer line is the answer */
    in = gen("reason.logic", 2, 6);
    const char *who = json_string_value(json_object_get(in->expect, "answer"));
    const char *other = NULL;
    size_t ni;
    json_t *nm;
    json_array_foreach(json_object_get(in->expect, "names"), ni, nm)
        if (strcmp(json_string_value(nm), who) != 0)
            other = json_string_value(nm);
    resp = sk_asprintf("Working through the clues...\n%s (because %s has a fixed seat).", who, other);
    ck_assert_int_eq(eval_text(in, resp, NULL, NULL, NULL), PROBE_PASS);
    free(resp);
    resp = sk_asprintf("%s (because %s has a fixed seat).", other, who);
    ck_assert_int_eq(eval_text(in, resp, NULL, NULL, NULL), PROBE_FAIL);
    free(resp);
    probe_instance_free(in);

    /* reason.analysis L1: an equivalent description counts ("triangular number") */
    for (uint64_t seed = 1; seed < 200; seed++) {
        in = gen("reason.analysis", 1, seed);
        if (strstr(in->prompt, "n * (n + 1)")) {
            ck_assert_int_eq(eval_text(in, "Computes the n-th triangular number.", NULL, NULL, NULL),
                             PROBE_PASS);
            ck_assert_int_eq(eval_text(in, "Computes a factorial.", NULL, NULL, NULL), PROBE_FAIL);
            probe_instance_free(in);
            break;
        }
        probe_instance_free(in);
    }

    /* reason.spatial L3: a decimal distance is read whole (the reference read "3") */
    in = gen("reason.spatial", 3, 3);
    v = json_number_value(json_object_get(in->expect, "value"));
    resp = sk_asprintf("The great-circle distance is approximately %.1f km.", v + 0.3);
    ck_assert_int_eq(eval_text(in, resp, NULL, NULL, NULL), PROBE_PASS);
    free(resp);
    probe_instance_free(in);

    /* reason.analysis L3: reasoning before the two answer lines is fine */
    in = gen("reason.analysis", 3, 1);
    const char *file = json_string_value(json_object_get(in->expect, "file"));
    long long line = json_integer_value(json_object_get(in->expect, "line"));
    resp = sk_asprintf("Let me trace main.py first.\nIt calls into %s.\n\n%s\n%lld", file, file, line);
    ck_assert_int_eq(eval_text(in, resp, NULL, NULL, NULL), PROBE_PASS);
    free(resp);
    resp = sk_asprintf("Let me trace main.py first.\n\nmain.py\n%lld", line + 40);
    ck_assert_int_eq(eval_text(in, resp, NULL, NULL, NULL), PROBE_FAIL);
    free(resp);
    probe_instance_free(in);

    /* follow.constraint L3: "mighty" is not the hedge "might" */
    in = gen("follow.constraint", 3, 2);
    json_t *ph = json_array_get(json_object_get(in->expect, "phrases"), 0);
    resp = sk_asprintf("It is a fact: %s. A mighty truth.", json_string_value(ph));
    ck_assert_int_eq(eval_text(in, resp, NULL, NULL, NULL), PROBE_PASS);
    free(resp);
    resp = sk_asprintf("It might be that %s.", json_string_value(ph));
    ck_assert_int_eq(eval_text(in, resp, NULL, NULL, NULL), PROBE_FAIL);
    free(resp);
    probe_instance_free(in);

    /* follow.style L1: "US" is the country; "I'm" is a contraction (the reference missed it) */
    in = gen("follow.style", 1, 1);
    ck_assert_int_eq(eval_text(in, "Trains matter across the US. They are widely used.", NULL, NULL, NULL),
                     PROBE_PASS);
    ck_assert_int_eq(eval_text(in, "Trains help us all. They are widely used.", NULL, NULL, NULL),
                     PROBE_FAIL);
    ck_assert_int_eq(eval_text(in, "I'm sure trains matter. They are widely used.", NULL, NULL, NULL),
                     PROBE_FAIL);
    ck_assert_int_eq(eval_text(in, "It\xE2\x80\x99s true that trains matter. They are widely used.", NULL,
                               NULL, NULL), PROBE_FAIL);
    probe_instance_free(in);

    /* follow.style L2: "paradigms" does not trip the jargon word "paradigm" */
    in = gen("follow.style", 2, 1);
    ck_assert_int_eq(eval_text(in, "Wow! Old paradigms fade. It is fun to see.", NULL, NULL, NULL), PROBE_PASS);
    ck_assert_int_eq(eval_text(in, "Wow! The paradigm is simple.", NULL, NULL, NULL), PROBE_FAIL);
    probe_instance_free(in);

    /* reason.planning L1: capitals in the prose ("I", "First") do not break the order */
    in = gen("reason.planning", 1, 4);
    int n = (int)json_integer_value(json_object_get(in->expect, "n"));
    SkBuf o = SK_BUF_INIT;
    sk_buf_puts(&o, "First I looked at the graph. Then I ordered it.\n");
    for (int i = 0; i < n; i++)
        sk_buf_printf(&o, "%s%c", i ? " -> " : "", 'A' + i);
    ck_assert_int_eq(eval_text(in, o.data, NULL, NULL, NULL), PROBE_PASS);
    sk_buf_puts(&o, "\nThis order respects every dependency.");
    ck_assert_int_eq(eval_text(in, o.data, NULL, NULL, NULL), PROBE_PASS);
    sk_buf_done(&o);
    probe_instance_free(in);

    /* gen.regex: a pattern inside /.../g or backticks, and a Python raw string */
    in = gen("gen.regex", 1, 8);
    ProbeAnswer *good = in->answers.items[0];
    char *bare = sk_strndup(good->response + 1, strlen(good->response) - 2);
    char *slashed = sk_asprintf("/%s/g", bare), *raw = sk_asprintf("r'%s'", bare);
    ck_assert_int_eq(eval_text(in, slashed, NULL, NULL, NULL), PROBE_PASS);
    ck_assert_int_eq(eval_text(in, raw, NULL, NULL, NULL), PROBE_PASS);
    ck_assert_int_eq(eval_text(in, "(unclosed", NULL, NULL, NULL), PROBE_FAIL);
    free(bare), free(slashed), free(raw);
    probe_instance_free(in);

    /* tool.call.format: a numeric string given as a number is the same value */
    for (uint64_t seed = 1; seed < 100; seed++) {
        in = gen("tool.call.format", 1, seed);
        json_t *call = json_deep_copy(json_object_get(in->expect, "call"));
        if (strcmp(js_str(call, "function", ""), "set_config") != 0) {
            json_decref(call);
            probe_instance_free(in);
            continue;
        }
        json_t *args = json_object_get(call, "arguments");
        long long val = strtoll(js_str(args, "value", "0"), NULL, 10);
        json_object_set_new(args, "value", json_integer(val));
        char *txt = js_dump_compact(call);
        ck_assert_int_eq(eval_text(in, txt, NULL, NULL, NULL), PROBE_PASS);
        json_object_set_new(args, "value", json_integer(val + 1));
        free(txt);
        txt = js_dump_compact(call);
        ck_assert_int_eq(eval_text(in, txt, NULL, NULL, NULL), PROBE_FAIL);
        free(txt);
        json_decref(call);
        probe_instance_free(in);
        break;
    }

    /* gen.code.shell: a script whose last command exits 1 (grep found nothing) is still
     * judged by its output */
    if (probe_have_tool("bash")) {
        in = gen("gen.code.shell", 1, 13);
        const char *pfx = strstr(in->prompt, "START with \"") + 12;
        char *script = sk_asprintf("grep -c '^%.*s' data.txt > result.txt\ngrep -q NO_SUCH_LINE data.txt\n",
                                   (int)(strchr(pfx, '"') - pfx), pfx);
        char *sum = NULL;
        ck_assert_msg(eval_text(in, NULL, "solution.sh", script, &sum) == PROBE_PASS, "%s", sum);
        free(sum);
        free(script);
        probe_instance_free(in);
    }

    /* gen.text.structured: a fenced JSON answer with prose around it */
    in = gen("gen.text.structured", 1, 3);
    char *obj = js_dump_compact(json_object_get(in->expect, "object"));
    resp = sk_asprintf("Sure! Here it is:\n```json\n%s\n```\nHope this helps.", obj);
    ck_assert_int_eq(eval_text(in, resp, NULL, NULL, NULL), PROBE_PASS);
    free(resp);
    free(obj);
    probe_instance_free(in);
}
END_TEST

/* Cells where the reference produced false negatives for some draws (password minimum
 * length 11-12, "salmo"/"fis" singulars, SQL ties, decimal distances, marker words inside
 * other words): many seeds, every one must pass its correct answer and fail its mistakes. */
START_TEST(test_reference_bugs_over_many_seeds)
{
    static const struct {
        const char *id;
        int level;
    } cells[] = {{"gen.regex", 3}, {"reason.logic", 1}, {"gen.code.sql", 2}, {"gen.code.sql", 3},
                 {"reason.spatial", 3}, {"follow.style", 3}, {"reason.planning", 1},
                 {"tool.file.write", 3}};
    int lengths_seen[13] = {0};
    for (size_t c = 0; c < SK_ARRAY_LEN(cells); c++) {
        for (uint64_t seed = 100; seed < 140; seed++) {
            ProbeSelftestCell cell;
            probe_selftest_cell(cells[c].id, cells[c].level, seed, tl_tmpdir(), &cell);
            ck_assert_msg(cell.verdict == PROBE_PASS, "%s L%d seed %llu: %s", cells[c].id,
                          cells[c].level, (unsigned long long)seed, cell.reason);
            probe_selftest_cell_done(&cell);
            if (!strcmp(cells[c].id, "gen.regex")) {
                ProbeInstance *in = gen("gen.regex", 3, seed);
                const char *p = strstr(in->prompt, "at least ");
                int len = p ? atoi(p + 9) : 0;
                if (len >= 8 && len <= 12)
                    lengths_seen[len]++;
                probe_instance_free(in);
            }
        }
    }
    ck_assert_msg(lengths_seen[11] + lengths_seen[12] > 0, "no draw with minimum length 11 or 12");
}
END_TEST

START_TEST(test_empty_response_and_summary)
{
    /* nothing answered: every primitive fails with reasons, never passes vacuously */
    size_t n = probe_primitive_count();
    for (size_t i = 0; i < n; i++) {
        ProbeInstance *in = gen(probe_primitive_id(i), 2, 11);
        char *sum = NULL;
        ProbeVerdict v = eval_text(in, "", NULL, NULL, &sum);
        ck_assert_msg(v != PROBE_PASS, "%s passes an empty attempt", in->primitive);
        ck_assert(strlen(sum) > 3);
        free(sum);
        probe_instance_free(in);
    }
    ProbeResult r;
    probe_result_init(&r);
    ck_assert_int_eq(r.verdict, PROBE_FAIL);
    json_t *j = probe_result_to_json(&r);
    ck_assert_str_eq(js_str(j, "verdict", ""), "fail");
    json_decref(j);
    probe_result_done(&r);
}
END_TEST

START_TEST(test_reasons_are_specific)
{
    ProbeInstance *in = gen("tool.file.read", 3, 2);
    ProbeAnswer *bad = in->answers.items[1];
    char *sum = NULL;
    ProbeFile *f = bad->files.items[0];
    ck_assert_int_eq(eval_text(in, NULL, f->path, f->content, &sum), PROBE_FAIL);
    ck_assert_msg(strstr(sum, "line 1 is") && strstr(sum, "expected"), "vague reason: %s", sum);
    free(sum);
    probe_instance_free(in);
}
END_TEST

START_TEST(test_exec_timeout_and_cap)
{
    if (!probe_have_tool("bash"))
        TL_SKIP("bash missing");
    const char *dir = tl_tmpdir();
    const char *argv[] = {"bash", "-c", "sleep 30 & yes | head -c 200000; sleep 30", NULL};
    ProbeExecResult r;
    int64_t t0 = sk_now_ms();
    ck_assert_int_eq(probe_exec(dir, argv, 1500, 1000, &r, NULL), SK_OK);
    ck_assert(r.timed_out);
    ck_assert_int_lt(sk_now_ms() - t0, 15000);
    ck_assert(r.truncated);
    ck_assert_uint_le(strlen(r.output), 1200);
    probe_exec_result_done(&r);
    const char *env[] = {"bash", "-c", "echo \"key=${OPENAI_API_KEY:-none}\"; pwd", NULL};
    setenv("OPENAI_API_KEY", "sk-secret", 1);
    ck_assert_int_eq(probe_exec(dir, env, 5000, 4096, &r, NULL), SK_OK);
    ck_assert_int_eq(r.exit_code, 0);
    ck_assert_ptr_nonnull(strstr(r.output, "key=none"));
    probe_exec_result_done(&r);
    unsetenv("OPENAI_API_KEY");
    const char *nope[] = {"no-such-program-skvm", NULL};
    ck_assert_int_eq(probe_exec(dir, nope, 1000, 100, &r, NULL), SK_ERR_NOT_FOUND);
}
END_TEST

START_TEST(test_web_server)
{
    if (!probe_have_tool("python3"))
        TL_SKIP("python3 missing");
    for (int level = 1; level <= 3; level++) {
        ProbeInstance *in = gen("tool.web", level, 6);
        ck_assert(in->needs_server);
        ProbeServer *s = NULL;
        ck_assert_int_eq(probe_server_start(in, &s, NULL), SK_OK);
        int port = probe_server_port(s);
        ck_assert_int_gt(port, 0);
        char *prompt = probe_render_prompt(in, port);
        ck_assert_ptr_null(strstr(prompt, "{{PORT}}"));
        /* a real client solves the task against the server: the evaluator must pass it */
        char *dir = sk_mkdtemp("skvm-web-");
        const char *py =
            level == 1 ? "import json,sys,urllib.request as u\n"
                         "d=json.load(u.urlopen(sys.argv[1]+'/info'))\nopen('got.json','w').write(json.dumps(d))\n"
            : level == 2 ? "import json,sys,urllib.request as u\n"
                           "out={}\nfor c in ['books','tools','games','music']:\n"
                           "  out[c]=json.load(u.urlopen(sys.argv[1]+'/items?category='+c))\n"
                           "open('got.json','w').write(json.dumps(out))\n"
                         : "import json,sys,urllib.request as u\nv=[];p=1\nwhile True:\n"
                           "  d=json.load(u.urlopen(sys.argv[1]+'/items?page=%d'%p))\n"
                           "  if not d['items']: break\n  v+=[i['value'] for i in d['items']];p+=1\n"
                           "open('result.json','w').write(json.dumps(v))\n";
        tl_write(dir, "client.py", py);
        char *url = sk_asprintf("http://127.0.0.1:%d", port);
        char *cmd = sk_asprintf("cd %s && python3 client.py %s", dir, url);
        char *out = NULL;
        ck_assert_int_eq(tl_run(cmd, true, &out), 0);
        free(out);
        ck_assert_int_gt(probe_server_hits(s), 0);
        if (level == 3) {
            ProbeResult r;
            probe_evaluate(in, dir, "", &r);
            char *sum = probe_result_summary(&r);
            ck_assert_msg(r.verdict == PROBE_PASS, "%s", sum);
            free(sum);
            probe_result_done(&r);
        }
        free(cmd), free(url), free(prompt);
        sk_rm_rf(dir, NULL);
        free(dir);
        probe_server_stop(s);
        probe_instance_free(in);
    }
}
END_TEST

START_TEST(test_code_cells_really_run)
{
    /* the evaluator re-runs the model's script: a script that loops forever fails by timeout */
    if (!probe_have_tool("python3"))
        TL_SKIP("python3 missing");
    ProbeInstance *in = gen("gen.code.python", 1, 3);
    char *sum = NULL;
    probe_set_code_timeout_ms(2000);
    int64_t t0 = sk_now_ms();
    ProbeVerdict v = eval_text(in, NULL, "solution.py", "while True:\n    pass\n", &sum);
    ck_assert_int_eq(v, PROBE_FAIL);
    ck_assert_msg(strstr(sum, "did not finish"), "%s", sum);
    ck_assert_int_lt(sk_now_ms() - t0, 15000);
    probe_set_code_timeout_ms(0);
    ck_assert_int_eq(probe_code_timeout_ms(), 20000);
    free(sum);
    probe_instance_free(in);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("probe");
    TCase *tc = tcase_create("probe");
    tcase_set_timeout(tc, 300);
    tcase_add_test(tc, test_deterministic_and_varied);
    tcase_add_test(tc, test_false_negative_fixes);
    tcase_add_test(tc, test_empty_response_and_summary);
    tcase_add_test(tc, test_reference_bugs_over_many_seeds);
    tcase_add_test(tc, test_reasons_are_specific);
    tcase_add_test(tc, test_exec_timeout_and_cap);
    tcase_add_test(tc, test_web_server);
    tcase_add_test(tc, test_code_cells_really_run);
    tcase_add_test(tc, test_selftest_all_cells);
    suite_add_tcase(s, tc);
    return tl_run_suite(s);
}
