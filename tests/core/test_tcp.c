/* test_tcp.c: capability profiles (levels, slugs, lenient loading, serialization round
 * trips of every shipped profile, saving, the index and model lookup). */
#include <stdlib.h>
#include <string.h>

#include "core/catalog.h"
#include "core/js.h"
#include "core/tcp.h"
#include "core/util.h"
#include "tests/testlib.h"

/* A small profile of our own, in the reference layout. */
static const char *mini_profile(const char *model, const char *harness, const char *python)
{
    static char buf[2048];
    snprintf(buf, sizeof buf,
             "{\"version\":\"1.0\",\"model\":\"%s\",\"harness\":\"%s\","
             "\"profiledAt\":\"2026-05-01T10:20:30.456Z\","
             "\"capabilities\":{\"gen.code.python\":\"%s\",\"reason.logic\":\"L1\"},"
             "\"details\":[{\"primitiveId\":\"gen.code.python\",\"highestLevel\":\"%s\","
             "\"levelResults\":[{\"level\":\"L1\",\"passed\":true,\"passCount\":3,"
             "\"totalCount\":3,\"durationMs\":12.5,\"costUsd\":0,\"testDescription\":\"t\","
             "\"failureDetails\":[]}]}],"
             "\"cost\":{\"totalUsd\":0,\"totalTokens\":{\"input\":0,\"output\":0,"
             "\"cacheRead\":0,\"cacheWrite\":0},\"durationMs\":100},\"isPartial\":false}\n",
             model, harness, python, python);
    return buf;
}

START_TEST(test_levels_and_slug)
{
    ck_assert_int_eq(tcp_level_parse("L0"), 0);
    ck_assert_int_eq(tcp_level_parse("L3"), 3);
    ck_assert_int_eq(tcp_level_parse("l2"), 2);
    ck_assert_int_eq(tcp_level_parse("L4"), -1);
    ck_assert_int_eq(tcp_level_parse("L"), -1);
    ck_assert_int_eq(tcp_level_parse("L10"), -1);
    ck_assert_int_eq(tcp_level_parse("2"), -1);
    ck_assert_int_eq(tcp_level_parse(NULL), -1);
    ck_assert_str_eq(tcp_level_name(0), "L0");
    ck_assert_str_eq(tcp_level_name(3), "L3");
    ck_assert_str_eq(tcp_level_name(4), "L?");
    ck_assert_str_eq(tcp_level_name(-1), "L?");
    char *s = tcp_model_slug("openrouter/qwen/qwen3-30b");
    ck_assert_str_eq(s, "openrouter--qwen--qwen3-30b");
    free(s);
    s = tcp_model_slug("ollama:llama3.1:8b");
    ck_assert_str_eq(s, "ollama_llama3.1_8b");
    free(s);
    s = tcp_model_slug("local/m:q4");
    ck_assert_str_eq(s, "local--m_q4");
    free(s);
}
END_TEST

START_TEST(test_lenient_load)
{
    /* no capabilities: taken from details; unknown ids kept; skipCount default 0;
     * highestLevel missing: computed from the passed levels */
    const char *text =
        "{\"model\":\"acme/x\",\"details\":["
        " {\"primitiveId\":\"tool.exec\",\"levelResults\":["
        "   {\"level\":\"L1\",\"passed\":true,\"passCount\":3,\"totalCount\":3},"
        "   {\"level\":\"L2\",\"passed\":false,\"passCount\":1,\"totalCount\":3,"
        "    \"failureDetails\":[\"boom\", {\"odd\":1}]},"
        "   {\"level\":\"L3\",\"passed\":true,\"passCount\":3,\"totalCount\":3,"
        "    \"skipCount\":1}]},"
        " {\"primitiveId\":\"future.thing\",\"highestLevel\":\"L2\",\"levelResults\":[]},"
        " {\"noId\":true}, 7]}";
    json_t *j = NULL;
    SkError err;
    ck_assert_int_eq(js_parse(text, strlen(text), &j, &err), SK_OK);
    Tcp *t = NULL;
    ck_assert_msg(tcp_from_json(j, &t, &err) == SK_OK, "%s", err.msg);
    json_decref(j);
    ck_assert_str_eq(t->model, "acme/x");
    ck_assert_ptr_null(t->harness);
    ck_assert_ptr_null(t->profiled_at);
    ck_assert(!t->is_partial);
    ck_assert_uint_eq(t->details.len, 2);
    ck_assert_int_eq(tcp_level(t, "tool.exec"), 3); /* not monotone: L3 passed */
    ck_assert_int_eq(tcp_level(t, "gen.code.python"), 0);
    ck_assert_int_eq(t->caps[catalog_index("gen.code.python")], -1);
    ck_assert_int_eq(tcp_level(t, "future.thing"), 2);
    const TcpDetail *d = tcp_detail(t, "tool.exec");
    ck_assert_ptr_nonnull(d);
    ck_assert_int_eq(d->nlevels, 3);
    ck_assert_int_eq(d->levels[0].skip_count, 0);
    ck_assert_int_eq(d->levels[2].skip_count, 1);
    ck_assert_int_eq(d->levels[1].pass_count, 1);
    ck_assert_uint_eq(d->levels[1].failure_details.len, 2);
    ck_assert_str_eq(sk_vec_get(&d->levels[1].failure_details, 0), "boom");
    ck_assert_str_eq(sk_vec_get(&d->levels[1].failure_details, 1), "{\"odd\":1}");
    ck_assert_ptr_null(d->levels[0].test_description);
    ck_assert_ptr_null(tcp_detail(t, "gen.code.python"));

    /* serialized: defaults written, unknown capability kept */
    json_t *out = tcp_to_json(t);
    ck_assert_str_eq(js_str(out, "version", ""), "1.0");
    ck_assert_str_eq(js_str(out, "harness", ""), "bare-agent");
    json_t *caps = js_obj(out, "capabilities");
    ck_assert_str_eq(js_str(caps, "tool.exec", ""), "L3");
    ck_assert_str_eq(js_str(caps, "future.thing", ""), "L2");
    ck_assert_uint_eq(json_object_size(caps), 2);
    json_decref(out);
    tcp_free(t);

    /* capabilities present but partial: details fill the gap, capabilities win otherwise */
    const char *t2 = "{\"capabilities\":{\"tool.exec\":\"L1\",\"x.y\":\"L3\",\"gen.regex\":7},"
                     "\"details\":[{\"primitiveId\":\"tool.exec\",\"highestLevel\":\"L2\"},"
                     "{\"primitiveId\":\"gen.regex\",\"highestLevel\":\"L2\"}]}";
    ck_assert_int_eq(js_parse(t2, strlen(t2), &j, &err), SK_OK);
    ck_assert_int_eq(tcp_from_json(j, &t, &err), SK_OK);
    json_decref(j);
    ck_assert_int_eq(tcp_level(t, "tool.exec"), 1);
    ck_assert_int_eq(tcp_level(t, "gen.regex"), 2); /* 7 is not a level */
    ck_assert_int_eq(tcp_level(t, "x.y"), 3);
    tcp_free(t);

    /* not a profile */
    const char *bad[] = {"[1,2]", "{\"model\":\"m\"}", "{\"details\":\"x\"}",
                         "{\"capabilities\":[],\"details\":{}}"};
    for (size_t i = 0; i < SK_ARRAY_LEN(bad); i++) {
        ck_assert_int_eq(js_parse(bad[i], strlen(bad[i]), &j, &err), SK_OK);
        t = (Tcp *)1;
        ck_assert_int_eq(tcp_from_json(j, &t, &err), SK_ERR_INVALID);
        ck_assert_ptr_null(t);
        ck_assert_msg(strstr(err.msg, "not a profile"), "%s", err.msg);
        json_decref(j);
    }
}
END_TEST

START_TEST(test_malformed_file)
{
    const char *dir = tl_tmpdir();
    tl_write(dir, "bad.json", "{\n  \"model\": \"a\",\n  \"capabilities\": {\"x\": \"L1\",}\n}\n");
    char *path = sk_path_join(dir, "bad.json");
    Tcp *t = NULL;
    SkError err;
    ck_assert_int_eq(tcp_load_file(path, &t, &err), SK_ERR_PARSE);
    ck_assert_ptr_null(t);
    ck_assert_msg(strstr(err.msg, path) && strstr(err.msg, "line 3"), "%s", err.msg);
    free(path);

    path = sk_path_join(dir, "missing.json");
    ck_assert_int_eq(tcp_load_file(path, &t, &err), SK_ERR_NOT_FOUND);
    free(path);

    tl_write(dir, "notprofile.json", "{\"name\": \"a skill\"}");
    path = sk_path_join(dir, "notprofile.json");
    ck_assert_int_eq(tcp_load_file(path, &t, &err), SK_ERR_INVALID);
    ck_assert_msg(strstr(err.msg, path) && strstr(err.msg, "not a profile"), "%s", err.msg);
    free(path);
}
END_TEST

/* Compare TCP values field by field. */
static void assert_same(const Tcp *a, const Tcp *b, const char *what)
{
    ck_assert_msg(sk_str_eq(a->model, b->model), "%s: model", what);
    ck_assert_msg(sk_str_eq(a->harness, b->harness), "%s: harness", what);
    ck_assert_msg(sk_str_eq(a->profiled_at, b->profiled_at), "%s: profiledAt", what);
    for (int i = 0; i < CATALOG_COUNT; i++)
        ck_assert_msg(a->caps[i] == b->caps[i], "%s: capability %d", what, i);
    ck_assert_msg(json_equal(a->extra_caps, b->extra_caps), "%s: extra caps", what);
    ck_assert_msg(a->details.len == b->details.len, "%s: details", what);
    for (size_t i = 0; i < a->details.len; i++) {
        const TcpDetail *x = sk_vec_get(&a->details, i), *y = sk_vec_get(&b->details, i);
        ck_assert_msg(!strcmp(x->primitive_id, y->primitive_id), "%s: detail %zu", what, i);
        ck_assert_msg(x->highest == y->highest && x->nlevels == y->nlevels, "%s: %s", what,
                      x->primitive_id);
        ck_assert_msg(sk_str_eq(x->conv_log_dir, y->conv_log_dir), "%s: convLogDir", what);
        for (int k = 0; k < x->nlevels; k++) {
            const TcpLevelResult *p = &x->levels[k], *q = &y->levels[k];
            ck_assert_msg(p->level == q->level && p->passed == q->passed &&
                              p->pass_count == q->pass_count && p->total_count == q->total_count &&
                              p->skip_count == q->skip_count && p->duration_ms == q->duration_ms &&
                              p->cost_usd == q->cost_usd,
                          "%s: %s level %d", what, x->primitive_id, k);
            ck_assert(sk_str_eq(p->test_description ? p->test_description : "",
                                q->test_description ? q->test_description : ""));
            ck_assert(p->failure_details.len == q->failure_details.len);
            for (size_t m = 0; m < p->failure_details.len; m++)
                ck_assert(!strcmp(sk_vec_get(&p->failure_details, m),
                                  sk_vec_get(&q->failure_details, m)));
            ck_assert(json_equal(p->failure_artifacts, q->failure_artifacts) ||
                      (!p->failure_artifacts && !q->failure_artifacts));
        }
    }
    ck_assert(a->duration_ms == b->duration_ms && a->total_usd == b->total_usd);
    ck_assert(a->is_partial == b->is_partial);
}

/* Drop "skipCount": 0 where the original has no skipCount, so JSON compares equal. */
static void drop_default_skips(json_t *details)
{
    size_t i, k;
    json_t *d, *lr;
    json_array_foreach(details, i, d)
    {
        json_array_foreach(js_arr(d, "levelResults"), k, lr)
        {
            if (js_int(lr, "skipCount", -1) == 0)
                json_object_del(lr, "skipCount");
        }
    }
}

START_TEST(test_shipped_round_trip)
{
    char *root = tl_source_path("profiles");
    const char *tmp = tl_tmpdir();
    int n = 0;
    const char *hs[] = {"bare-agent", "openclaw", "hermes"};
    for (size_t h = 0; h < SK_ARRAY_LEN(hs); h++) {
        char *hdir = sk_path_join(root, hs[h]);
        char *cmd = sk_asprintf("ls '%s'", hdir);
        char *list = NULL;
        ck_assert_int_eq(tl_run(cmd, false, &list), 0);
        free(cmd);
        for (char *line = strtok(list, "\n"); line; line = strtok(NULL, "\n")) {
            char *path = sk_asprintf("%s/%s/latest.json", hdir, line);
            Tcp *a = NULL, *b = NULL;
            SkError err;
            ck_assert_msg(tcp_load_file(path, &a, &err) == SK_OK, "%s", err.msg);
            ck_assert_str_eq(a->harness, hs[h]);
            char *slug = tcp_model_slug(a->model);
            ck_assert_str_eq(slug, line);
            free(slug);

            /* serialize, write, reload, compare */
            json_t *orig = NULL;
            ck_assert_int_eq(js_load_file(path, 0, &orig, &err), SK_OK);
            json_t *ser = tcp_to_json(a);
            ck_assert(json_equal(js_obj(orig, "capabilities"), js_obj(ser, "capabilities")));
            json_t *det = json_deep_copy(js_arr(ser, "details"));
            drop_default_skips(det);
            ck_assert_msg(json_equal(js_arr(orig, "details"), det), "%s: details differ", path);
            ck_assert(json_equal(js_obj(orig, "cost"), js_obj(ser, "cost")));
            /* key order of the top level matches the reference file */
            const char *k1, *k2;
            json_t *v;
            void *it = json_object_iter(ser);
            json_object_foreach(orig, k1, v)
            {
                ck_assert_ptr_nonnull(it);
                k2 = json_object_iter_key(it);
                ck_assert_str_eq(k1, k2);
                it = json_object_iter_next(ser, it);
            }
            char *out = sk_asprintf("%s/%s-%s.json", tmp, hs[h], line);
            ck_assert_int_eq(js_save_file(out, ser, &err), SK_OK);
            ck_assert_msg(tcp_load_file(out, &b, &err) == SK_OK, "%s", err.msg);
            assert_same(a, b, path);
            json_decref(orig);
            json_decref(ser);
            json_decref(det);
            tcp_free(a);
            tcp_free(b);
            free(out);
            free(path);
            n++;
        }
        free(list);
        free(hdir);
    }
    ck_assert_int_eq(n, 44);
    free(root);
}
END_TEST

START_TEST(test_missing_tool_web)
{
    char *path = tl_source_path("profiles/bare-agent/qwen--qwen3.5-9b/latest.json");
    Tcp *t = NULL;
    SkError err;
    ck_assert_msg(tcp_load_file(path, &t, &err) == SK_OK, "%s", err.msg);
    ck_assert_str_eq(t->model, "qwen/qwen3.5-9b");
    ck_assert_int_eq(t->caps[catalog_index("tool.web")], -1);
    ck_assert_int_eq(tcp_level(t, "tool.web"), 0);
    ck_assert_int_eq(tcp_level(t, "gen.code.python"), 3);
    ck_assert_int_eq(tcp_level(t, "follow.delegation"), 0);
    ck_assert_int_eq(tcp_level(t, "follow.style"), 2);
    const TcpDetail *d = tcp_detail(t, "follow.delegation");
    ck_assert_ptr_nonnull(d);
    ck_assert_int_eq(d->levels[0].level, 1);
    ck_assert(!d->levels[0].passed);
    ck_assert_int_eq(d->levels[0].total_count, 3);
    ck_assert_uint_eq(d->levels[0].failure_details.len, 3);
    ck_assert_str_eq(d->levels[0].test_description,
                     "Write and execute a Python script to compute the product of a list of "
                     "numbers instead of computing it mentally");
    tcp_free(t);
    free(path);
}
END_TEST

START_TEST(test_save)
{
    const char *home = tl_tmpdir();
    const char *text = mini_profile("acme/m:q4", "bare-agent", "L2");
    json_t *j = NULL;
    SkError err;
    ck_assert_int_eq(js_parse(text, strlen(text), &j, &err), SK_OK);
    Tcp *t = NULL;
    ck_assert_int_eq(tcp_from_json(j, &t, &err), SK_OK);
    json_decref(j);
    ck_assert_msg(tcp_save(t, home, &err) == SK_OK, "%s", err.msg);
    char *latest = sk_asprintf("%s/profiles/bare-agent/acme--m_q4/latest.json", home);
    char *arch = sk_asprintf("%s/profiles/bare-agent/acme--m_q4/v_20260501T102030Z.json", home);
    ck_assert(sk_is_file(latest));
    ck_assert(sk_is_file(arch));
    char *a = NULL, *b = NULL;
    size_t na, nb;
    ck_assert_int_eq(sk_read_file(latest, 0, &a, &na, &err), SK_OK);
    ck_assert_int_eq(sk_read_file(arch, 0, &b, &nb, &err), SK_OK);
    ck_assert_str_eq(a, b);
    ck_assert_msg(strstr(a, "\n  \"model\": \"acme/m:q4\","), "%s", a); /* 2-space indent */
    Tcp *r = NULL;
    ck_assert_int_eq(tcp_load_file(latest, &r, &err), SK_OK);
    assert_same(t, r, "saved");
    tcp_free(r);
    free(a);
    free(b);

    /* a partial checkpoint replaces latest only */
    t->is_partial = true;
    free(t->profiled_at);
    t->profiled_at = sk_strdup("2026-05-02T00:00:00.000Z");
    ck_assert_int_eq(tcp_save(t, home, &err), SK_OK);
    char *arch2 = sk_asprintf("%s/profiles/bare-agent/acme--m_q4/v_20260502T000000Z.json", home);
    ck_assert(!sk_is_file(arch2));
    ck_assert_int_eq(tcp_load_file(latest, &r, &err), SK_OK);
    ck_assert(r->is_partial);
    tcp_free(r);

    /* refuses ids that cannot name a folder */
    free(t->model);
    t->model = sk_strdup("..");
    ck_assert_int_eq(tcp_save(t, home, &err), SK_ERR_INVALID);
    tcp_free(t);
    free(latest);
    free(arch);
    free(arch2);
}
END_TEST

START_TEST(test_index_precedence_and_find)
{
    const char *home = tl_tmpdir();
    char *shipped = tl_source_path("profiles");
    setenv("SKVM_PROFILES_DIR", shipped, 1);
    /* the user's own profile of a shipped model hides the shipped one */
    tl_write(home, "profiles/bare-agent/qwen--qwen3.5-9b/latest.json",
             mini_profile("qwen/qwen3.5-9b", "bare-agent", "L1"));
    /* a new model, a broken file, a folder without latest.json */
    tl_write(home, "profiles/bare-agent/acme--tiny/latest.json",
             mini_profile("acme/tiny", "bare-agent", "L3"));
    tl_write(home, "profiles/bare-agent/broken--one/latest.json", "{\"capabilities\": {\n");
    tl_write(home, "profiles/bare-agent/empty--dir/notes.txt", "nothing");

    TcpIndex *idx = NULL;
    SkError err;
    ck_assert_int_eq(tcp_index_load(home, &idx, &err), SK_OK);
    ck_assert_uint_eq(tcp_index_count(idx), 45); /* 44 shipped + acme/tiny */
    const SkVec *probs = tcp_index_problems(idx);
    ck_assert_uint_eq(probs->len, 1);
    ck_assert_msg(strstr(sk_vec_get(probs, 0), "broken--one/latest.json"), "%s",
                  (char *)sk_vec_get(probs, 0));

    /* sorted by harness then model */
    for (size_t i = 1; i < tcp_index_count(idx); i++) {
        const Tcp *p = tcp_index_get(idx, i - 1), *q = tcp_index_get(idx, i);
        int c = strcmp(p->harness, q->harness);
        ck_assert(c < 0 || (c == 0 && strcmp(p->model, q->model) < 0));
    }
    ck_assert_ptr_null(tcp_index_get(idx, 1000));

    const Tcp *t = tcp_index_find(idx, "qwen/qwen3.5-9b", "bare-agent");
    ck_assert_ptr_nonnull(t);
    ck_assert(!t->shipped);
    ck_assert_int_eq(tcp_level(t, "gen.code.python"), 1); /* ours, not the shipped L3 */
    t = tcp_index_find(idx, "qwen/qwen3.5-9b", "openclaw");
    ck_assert_ptr_nonnull(t);
    ck_assert(t->shipped);
    ck_assert_str_eq(t->harness, "openclaw");

    /* lookups: slug, unique suffix (openrouter copy counts as the same model), substring */
    t = tcp_index_find(idx, "qwen3.5-9b", NULL);
    ck_assert_ptr_nonnull(t);
    ck_assert_str_eq(t->model, "qwen/qwen3.5-9b");
    ck_assert_str_eq(t->harness, "bare-agent");
    t = tcp_index_find(idx, "openrouter--qwen--qwen3.5-9b", "bare-agent");
    ck_assert_ptr_nonnull(t);
    ck_assert_str_eq(t->model, "openrouter/qwen/qwen3.5-9b");
    t = tcp_index_find(idx, "GPT-5.4", "openclaw");
    ck_assert_ptr_nonnull(t);
    ck_assert_str_eq(t->model, "openai/gpt-5.4");
    t = tcp_index_find(idx, "haiku", NULL); /* only measured with openclaw */
    ck_assert_ptr_nonnull(t);
    ck_assert_str_eq(t->model, "anthropic/claude-haiku-4.5");
    ck_assert_str_eq(t->harness, "openclaw");
    t = tcp_index_find(idx, "v4-flash", "hermes");
    ck_assert_ptr_nonnull(t);
    ck_assert_str_eq(t->harness, "hermes");
    t = tcp_index_find(idx, "tiny", NULL);
    ck_assert_ptr_nonnull(t);
    ck_assert_str_eq(t->model, "acme/tiny");
    ck_assert_ptr_null(tcp_index_find(idx, "qwen3.5", NULL)); /* ambiguous */
    ck_assert_ptr_null(tcp_index_find(idx, "no-such-model", NULL));
    ck_assert_ptr_null(tcp_index_find(idx, "tiny", "openclaw"));
    ck_assert_ptr_null(tcp_index_find(idx, "", NULL));

    SkVec c;
    sk_vec_init(&c, NULL);
    tcp_index_candidates(idx, "qwen3.5", "bare-agent", &c);
    ck_assert_uint_eq(c.len, 6); /* 3 models x (plain + openrouter), ours included */
    sk_vec_done(&c);
    sk_vec_init(&c, NULL);
    tcp_index_candidates(idx, "zzz", "hermes", &c);
    ck_assert_uint_eq(c.len, 2); /* nothing contains it: every hermes profile */
    sk_vec_done(&c);
    tcp_index_free(idx);
    tcp_index_free(NULL);
    unsetenv("SKVM_PROFILES_DIR");
    free(shipped);
}
END_TEST

START_TEST(test_shipped_dir)
{
    setenv("SKVM_PROFILES_DIR", "/some/where", 1);
    char *d = tcp_shipped_dir();
    ck_assert_str_eq(d, "/some/where");
    free(d);
    unsetenv("SKVM_PROFILES_DIR");
    d = tcp_shipped_dir();
    ck_assert(sk_str_ends(d, "/profiles"));
    ck_assert(sk_is_dir(d));
    free(d);

    /* an empty home still lists every shipped profile, without problems */
    TcpIndex *idx = NULL;
    ck_assert_int_eq(tcp_index_load(tl_tmpdir(), &idx, NULL), SK_OK);
    ck_assert_uint_eq(tcp_index_count(idx), 44);
    ck_assert_uint_eq(tcp_index_problems(idx)->len, 0);
    size_t partial = 0, shipped = 0;
    for (size_t i = 0; i < tcp_index_count(idx); i++) {
        partial += tcp_index_get(idx, i)->is_partial;
        shipped += tcp_index_get(idx, i)->shipped;
    }
    ck_assert_uint_eq(partial, 4);
    ck_assert_uint_eq(shipped, 44);
    tcp_index_free(idx);
}
END_TEST

static Suite *tcp_suite(void)
{
    Suite *s = suite_create("tcp");
    TCase *tc = tcase_create("core");
    tcase_set_timeout(tc, 60);
    tcase_add_test(tc, test_levels_and_slug);
    tcase_add_test(tc, test_lenient_load);
    tcase_add_test(tc, test_malformed_file);
    tcase_add_test(tc, test_shipped_round_trip);
    tcase_add_test(tc, test_missing_tool_web);
    tcase_add_test(tc, test_save);
    tcase_add_test(tc, test_index_precedence_and_find);
    tcase_add_test(tc, test_shipped_dir);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    return tl_run_suite(tcp_suite());
}
