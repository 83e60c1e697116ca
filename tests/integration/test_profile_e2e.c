/* test_profile_e2e.c: `skvm profile run` end to end against the loopback model server. The
 * scripted model answers correctly (the instance's known-good answer, through real tool
 * calls for file tasks) for a chosen set of primitive-levels and wrongly for the rest; the
 * written profile must match that set exactly, load in `skvm profile show`, and a second
 * run must resume from the store without calling the model. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/js.h"
#include "core/probe.h"
#include "core/profiler.h"
#include "tests/modelserver/msrv.h"
#include "tests/testlib.h"

static const char *const prims[] = {"reason.arithmetic", "follow.procedure", "tool.file.write",
                                    "gen.regex"};
static const char *const good[] = {"reason.arithmetic:1", "reason.arithmetic:2",
                                   "reason.arithmetic:3", "follow.procedure:1",
                                   "tool.file.write:1",   "tool.file.write:2",
                                   "gen.regex:2"};
#define SEED 5
#define INSTANCES 2

static bool is_good(const char *p, int level)
{
    char key[64];
    snprintf(key, sizeof key, "%s:%d", p, level);
    for (size_t i = 0; i < SK_ARRAY_LEN(good); i++)
        if (!strcmp(good[i], key))
            return true;
    return false;
}

/* One rule per distinct prompt: the answer as text, or write_file calls then "Done." */
static json_t *scenario(void)
{
    json_t *rules = json_array();
    json_t *seen = json_object();
    for (size_t p = 0; p < SK_ARRAY_LEN(prims); p++)
        for (int l = 1; l <= 3; l++)
            for (int i = 0; i < INSTANCES; i++) {
                ProbeInstance *in = NULL;
                ck_assert_int_eq(probe_generate(prims[p], l, profiler_instance_seed(SEED, prims[p], l, i),
                                                &in, NULL), SK_OK);
                const ProbeAnswer *a = in->answers.items[is_good(prims[p], l) ? 0 : 1];
                json_t *reply;
                if (a->files.len) {
                    json_t *calls = json_array();
                    for (size_t f = 0; f < a->files.len; f++) {
                        const ProbeFile *pf = a->files.items[f];
                        json_array_append_new(calls, json_pack("{s:s,s:{s:s,s:s}}", "name", "write_file",
                                                               "arguments", "path", pf->path,
                                                               "content", pf->content));
                    }
                    reply = json_pack("{s:[{s:o},{s:s}]}", "turns", "tool_calls", calls, "text", "Done.");
                } else {
                    reply = json_pack("{s:{s:s}}", "reply", "text", a->response ? a->response : "");
                }
                json_object_set_new(reply, "match", json_pack("{s:s}", "last_user", in->prompt));
                char *dump = js_dump_canonical(reply);
                const char *prev = js_str(seen, in->prompt, NULL);
                if (prev)
                    ck_assert_msg(!strcmp(prev, dump), "two instances share a prompt but not an answer");
                else
                    json_array_append(rules, reply);
                json_object_set_new(seen, in->prompt, json_string(dump));
                free(dump);
                json_decref(reply);
                probe_instance_free(in);
            }
    json_decref(seen);
    return json_pack("{s:o,s:{s:{s:s}}}", "rules", rules, "default", "reply", "text", "I do not know.");
}

static int run_show(bool json, char **out)
{
    char *cmd = sk_asprintf("'%s' profile show loop/scripted%s", tl_skvm_bin(), json ? " --json" : "");
    int rc = tl_run(cmd, false, out);
    free(cmd);
    return rc;
}

START_TEST(test_profile_matches_script)
{
    const char *home = tl_fresh_home();
    json_t *sc = scenario();
    char *text = js_dump_compact(sc);
    json_decref(sc);
    Msrv *m = NULL;
    MSRV_START_OR_SKIP(m, text);
    free(text);
    char *cfg = sk_asprintf("providers:\n  routes:\n    - match: \"loop/*\"\n      kind: openai-compatible\n"
                            "      base_url: %s\n", msrv_base_url(m, "openai"));
    tl_write(home, "config.yaml", cfg);
    free(cfg);
    char *list = sk_asprintf("%s,%s,%s,%s", prims[0], prims[1], prims[2], prims[3]);
    char *out = NULL;
    char *cmd = sk_asprintf("'%s' profile run loop/scripted --primitives %s --instances %d --seed %d "
                            "--concurrency 4 --json 2>/dev/null",
                            tl_skvm_bin(), list, INSTANCES, SEED);
    int rc = tl_run(cmd, false, &out);
    free(cmd);
    ck_assert_msg(rc == 0, "profile run exit %d: %s", rc, out);
    json_t *j = NULL;
    ck_assert_int_eq(js_parse(out, strlen(out), &j, NULL), SK_OK);
    free(out);
    json_t *caps = json_object_get(json_object_get(j, "profile"), "capabilities");
    ck_assert_str_eq(js_str(caps, "reason.arithmetic", ""), "L3");
    ck_assert_str_eq(js_str(caps, "follow.procedure", ""), "L1");
    ck_assert_str_eq(js_str(caps, "tool.file.write", ""), "L2");
    ck_assert_str_eq(js_str(caps, "gen.regex", ""), "L2"); /* L1 failed: an inversion */
    /* a failed level names its instances and keeps the conversation and work dir */
    size_t di;
    json_t *det;
    bool seen_regex = false;
    json_array_foreach(json_object_get(json_object_get(j, "profile"), "details"), di, det) {
        if (strcmp(js_str(det, "primitiveId", ""), "gen.regex") != 0)
            continue;
        seen_regex = true;
        ck_assert_ptr_nonnull(strstr(js_str(det, "calibrationNote", ""), "L2 passed but L1 failed"));
        json_t *l1 = json_array_get(json_object_get(det, "levelResults"), 0);
        ck_assert(!js_bool(l1, "passed", true));
        ck_assert_uint_eq(json_array_size(json_object_get(l1, "failureDetails")), INSTANCES);
        json_t *art = json_array_get(json_object_get(l1, "failureArtifacts"), 0);
        ck_assert_msg(sk_is_file(js_str(art, "convLog", "")), "no conversation log kept");
        ck_assert(sk_is_dir(js_str(art, "workDir", "")));
    }
    ck_assert(seen_regex);
    json_t *sum = json_object_get(j, "summary");
    ck_assert_int_eq(js_int(sum, "passed", -1), (long long)SK_ARRAY_LEN(good) * INSTANCES);
    ck_assert_int_eq(js_int(sum, "failed", -1), (12 - (long long)SK_ARRAY_LEN(good)) * INSTANCES);
    ck_assert_int_eq(js_int(sum, "infra", -1), 0);
    ck_assert_int_eq(js_int(sum, "inversions", -1), 1);
    json_decref(j);
    json_t *reqs = msrv_requests(m);
    size_t calls = json_array_size(reqs);
    json_decref(reqs);
    ck_assert_uint_ge(calls, 24);

    /* skvm profile show loads what was written */
    ck_assert_int_eq(run_show(true, &out), 0);
    ck_assert_ptr_nonnull(strstr(out, "tool.file.write"));
    free(out);
    ck_assert_int_eq(run_show(false, &out), 0);
    free(out);

    /* resume: nothing is asked again */
    msrv_reset(m);
    cmd = sk_asprintf("'%s' profile run loop/scripted --primitives %s --instances %d --seed %d "
                      "--json 2>/dev/null", tl_skvm_bin(), list, INSTANCES, SEED);
    ck_assert_int_eq(tl_run(cmd, false, &out), 0);
    free(cmd);
    ck_assert_int_eq(js_parse(out, strlen(out), &j, NULL), SK_OK);
    free(out);
    ck_assert_int_eq(js_int(json_object_get(j, "summary"), "reused", -1), 24);
    json_decref(j);
    reqs = msrv_requests(m);
    ck_assert_uint_eq(json_array_size(reqs), 0);
    json_decref(reqs);
    free(list);
    msrv_stop(m);
}
END_TEST

START_TEST(test_model_service_down_is_infra)
{
    const char *home = tl_fresh_home();
    /* a route to a port where nothing listens: every call fails with a network error */
    tl_write(home, "config.yaml", "providers:\n  routes:\n    - match: \"dead/*\"\n"
                                  "      kind: openai-compatible\n      base_url: http://127.0.0.1:9/v1\n");
    char *out = NULL;
    char *cmd = sk_asprintf("'%s' profile run dead/model --primitives follow.format --instances 1 "
                            "--retries 0 --concurrency 3 --json 2>/dev/null", tl_skvm_bin());
    int rc = tl_run(cmd, false, &out);
    free(cmd);
    ck_assert_int_eq(rc, 3);
    json_t *j = NULL;
    ck_assert_int_eq(js_parse(out, strlen(out), &j, NULL), SK_OK);
    free(out);
    json_t *sum = json_object_get(j, "summary");
    ck_assert_int_eq(js_int(sum, "infra", -1), 3);
    ck_assert_int_eq(js_int(sum, "failed", -1), 0);
    ck_assert(js_bool(json_object_get(j, "profile"), "isPartial", false));
    /* never measured: no capability entry claiming L0 */
    ck_assert_ptr_null(json_object_get(json_object_get(json_object_get(j, "profile"), "capabilities"),
                                       "follow.format"));
    json_decref(j);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("profile_e2e");
    TCase *tc = tcase_create("profile_e2e");
    tcase_set_timeout(tc, 300);
    tcase_add_test(tc, test_profile_matches_script);
    tcase_add_test(tc, test_model_service_down_is_infra);
    suite_add_tcase(s, tc);
    return tl_run_suite(s);
}
