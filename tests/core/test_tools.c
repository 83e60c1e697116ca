/* test_tools.c: the five agent tools: texts compatible with the reference, confinement,
 * bad arguments, capping. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/http.h"
#include "core/sandbox.h"
#include "core/tools.h"
#include "core/util.h"
#include "tests/modelserver/msrv.h"
#include "tests/testlib.h"

static ToolsConfig cfg_new(void)
{
    char *wd = NULL;
    ck_assert_int_eq(sandbox_workdir_create(tl_tmpdir(), "t", &wd, NULL), SK_OK);
    ToolsConfig c;
    tools_config_init(&c, wd); /* wd is owned by the test: cfg_done() frees it */
    c.sandbox.limits.timeout_ms = 5000;
    return c;
}

static void cfg_done(ToolsConfig *c)
{
    free((char *)c->workdir);
    c->workdir = NULL;
}

static char *run(const ToolsConfig *c, const char *name, const char *args, ToolResult *r)
{
    tools_execute(c, name, args, r);
    return r->output;
}

START_TEST(test_definitions)
{
    ToolsConfig c = cfg_new();
    ck_assert_uint_eq(tools_count(&c), 4);
    ck_assert_str_eq(tools_name(&c, 0), "read_file");
    ck_assert_str_eq(tools_name(&c, 3), "execute_command");
    json_t *d = tools_definitions(&c);
    ck_assert_uint_eq(json_array_size(d), 4);
    json_t *req = json_object_get(json_object_get(json_array_get(d, 1), "input_schema"),
                                  "required");
    ck_assert_uint_eq(json_array_size(req), 2);
    json_decref(d);
    c.allow_web = true;
    ck_assert_uint_eq(tools_count(&c), 5);
    ck_assert_str_eq(tools_name(&c, 4), "web_fetch");
    cfg_done(&c);
}
END_TEST

START_TEST(test_write_read_list)
{
    ToolsConfig c = cfg_new();
    ToolResult r;
    ck_assert_str_eq(run(&c, "list_directory", "{}", &r), "(empty directory)");
    tool_result_done(&r);
    ck_assert_str_eq(run(&c, "write_file", "{\"path\":\"sub/a.txt\",\"content\":\"hello\\n\"}", &r),
                     "File written: sub/a.txt");
    ck_assert(!r.is_error);
    tool_result_done(&r);
    ck_assert_str_eq(run(&c, "read_file", "{\"path\":\"sub/a.txt\"}", &r), "hello\n");
    tool_result_done(&r);
    run(&c, "write_file", "{\"path\":\"b.txt\",\"content\":\"\"}", &r);
    tool_result_done(&r);
    ck_assert_str_eq(run(&c, "list_directory", "{\"path\":\".\"}", &r), "[file] b.txt\n[dir] sub");
    tool_result_done(&r);
    ck_assert_str_eq(run(&c, "read_file", "{\"path\":\"missing.txt\"}", &r),
                     "Error: File not found: missing.txt");
    ck_assert(r.is_error);
    tool_result_done(&r);
    ck_assert(strstr(run(&c, "list_directory", "{\"path\":\"nodir\"}", &r), "not found"));
    tool_result_done(&r);
    cfg_done(&c);
}
END_TEST

START_TEST(test_escapes_refused)
{
    ToolsConfig c = cfg_new();
    ToolResult r;
    ck_assert(strstr(run(&c, "read_file", "{\"path\":\"/etc/passwd\"}", &r), "access denied"));
    ck_assert(r.sandbox_denied);
    tool_result_done(&r);
    ck_assert(strstr(run(&c, "read_file", "{\"path\":\"../../../../etc/passwd\"}", &r),
                     "leaves the work directory"));
    tool_result_done(&r);
    ck_assert(strstr(run(&c, "write_file", "{\"path\":\"../evil.txt\",\"content\":\"x\"}", &r),
                     "access denied"));
    tool_result_done(&r);
    char *parent = sk_path_dir(c.workdir);
    char *evil = sk_path_join(parent, "evil.txt");
    ck_assert(!sk_is_file(evil));
    free(evil);
    free(parent);
    ck_assert(strstr(run(&c, "list_directory", "{\"path\":\"/\"}", &r), "access denied"));
    tool_result_done(&r);
    /* a symlink made by a command, then used by a file tool */
    run(&c, "execute_command", "{\"command\":\"ln -s /etc link_out\"}", &r);
    tool_result_done(&r);
    ck_assert(strstr(run(&c, "read_file", "{\"path\":\"link_out/passwd\"}", &r), "symbolic link"));
    ck_assert(r.sandbox_denied);
    tool_result_done(&r);
    ck_assert(strstr(run(&c, "execute_command", "{\"command\":\"pkill -9 sh\"}", &r),
                     "not allowed"));
    tool_result_done(&r);
    ck_assert(strstr(run(&c, "web_fetch", "{\"url\":\"http://example.com\"}", &r),
                     "not enabled"));
    tool_result_done(&r);
    cfg_done(&c);
}
END_TEST

START_TEST(test_execute_command_text)
{
    ToolsConfig c = cfg_new();
    ToolResult r;
    ck_assert_str_eq(run(&c, "execute_command", "{\"command\":\"echo hi; echo oops >&2; exit 2\"}",
                         &r),
                     "stdout:\nhi\n\nstderr:\noops\n\nexit code: 2");
    ck_assert_int_eq(r.exit_code, 2);
    tool_result_done(&r);
    ck_assert_str_eq(run(&c, "execute_command", "{\"command\":\"true\"}", &r), "exit code: 0");
    ck_assert_int_eq(r.exit_code, 0);
    tool_result_done(&r);
    c.sandbox.limits.timeout_ms = 500;
    ck_assert(sk_str_starts(run(&c, "execute_command", "{\"command\":\"sleep 20\"}", &r),
                            "Error: command timed out after 1s"));
    tool_result_done(&r);
    cfg_done(&c);
}
END_TEST

START_TEST(test_bad_arguments)
{
    ToolsConfig c = cfg_new();
    ToolResult r;
    ck_assert(strstr(run(&c, "read_file", "{not json", &r), "invalid arguments for read_file"));
    ck_assert(r.is_error);
    tool_result_done(&r);
    ck_assert(strstr(run(&c, "read_file", "[1,2]", &r), "invalid arguments"));
    tool_result_done(&r);
    ck_assert(strstr(run(&c, "write_file", "{\"path\":\"x\"}", &r), "needs string arguments"));
    tool_result_done(&r);
    ck_assert_str_eq(run(&c, "rm_rf", "{}", &r), "Unknown tool: rm_rf");
    tool_result_done(&r);
    ck_assert(strstr(run(&c, "execute_command", "{\"command\":42}", &r), "needs a string"));
    tool_result_done(&r);
    cfg_done(&c);
}
END_TEST

START_TEST(test_output_capped)
{
    ToolsConfig c = cfg_new();
    c.max_output = 2000;
    ToolResult r;
    run(&c, "execute_command", "{\"command\":\"seq 1 100000\"}", &r);
    ck_assert(r.truncated);
    ck_assert_uint_lt(strlen(r.output), 2300);
    ck_assert(strstr(r.output, "bytes omitted"));
    ck_assert(sk_str_ends(r.output, "exit code: 0"));
    tool_result_done(&r);
    /* a big file read is cut too, with the marker */
    SkBuf b = SK_BUF_INIT;
    for (int i = 0; i < 1000; i++)
        sk_buf_printf(&b, "line %d\n", i);
    tl_write(c.workdir, "big.txt", b.data);
    sk_buf_done(&b);
    run(&c, "read_file", "{\"path\":\"big.txt\"}", &r);
    ck_assert(r.truncated);
    ck_assert(strstr(r.output, "bytes omitted"));
    ck_assert(strstr(r.output, "line 999"));
    tool_result_done(&r);
    /* binary */
    char *bin = sk_path_join(c.workdir, "bin.dat");
    FILE *f = fopen(bin, "wb");
    free(bin);
    ck_assert_ptr_nonnull(f);
    fwrite("\x00\xff\x01", 1, 3, f);
    fclose(f);
    ck_assert(strstr(run(&c, "read_file", "{\"path\":\"bin.dat\"}", &r), "binary"));
    tool_result_done(&r);
    cfg_done(&c);
}
END_TEST

START_TEST(test_web_fetch_allowed)
{
    Msrv *m = NULL;
    MSRV_START_OR_SKIP(m, NULL);
    ToolsConfig c = cfg_new();
    c.allow_web = true;
    ToolResult r;
    /* allowed but no engine: an error text, not a crash */
    char *url = sk_asprintf("%s/_health", msrv_base_url(m, "anthropic"));
    char *args = sk_asprintf("{\"url\":\"%s\"}", url);
    run(&c, "web_fetch", args, &r);
    ck_assert(r.is_error);
    ck_assert(!r.crashed);
    tool_result_done(&r);
    c.http = http_engine_new(NULL);
    ck_assert_ptr_nonnull(c.http);
    run(&c, "web_fetch", args, &r);
    ck_assert_msg(sk_str_starts(r.output, "HTTP 200\n"), "%s", r.output);
    tool_result_done(&r);
    ck_assert(strstr(run(&c, "web_fetch", "{\"url\":\"file:///etc/passwd\"}", &r), "http"));
    tool_result_done(&r);
    http_engine_free(c.http);
    free(args);
    free(url);
    cfg_done(&c);
    msrv_stop(m);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("tools");
    TCase *tc = tcase_create("core");
    tcase_set_timeout(tc, 60);
    tcase_add_test(tc, test_definitions);
    tcase_add_test(tc, test_write_read_list);
    tcase_add_test(tc, test_escapes_refused);
    tcase_add_test(tc, test_execute_command_text);
    tcase_add_test(tc, test_bad_arguments);
    tcase_add_test(tc, test_output_capped);
    tcase_add_test(tc, test_web_fetch_allowed);
    suite_add_tcase(s, tc);
    return tl_run_suite(s);
}
