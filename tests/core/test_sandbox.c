/* test_sandbox.c: work dirs, path confinement and the command runner, including escape
 * attempts (absolute paths, "..", symlinks, environment secrets, a fork bomb, an endless
 * loop, an output flood, writes outside the work dir, the network). */
#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "core/sandbox.h"
#include "core/util.h"
#include "tests/testlib.h"

static char *make_workdir(void)
{
    const char *home = tl_tmpdir();
    char *wd = NULL;
    ck_assert_int_eq(sandbox_workdir_create(home, "r1", &wd, NULL), SK_OK);
    return wd;
}

START_TEST(test_workdir_layout)
{
    const char *home = tl_tmpdir();
    char *wd = NULL;
    ck_assert_int_eq(sandbox_workdir_create(home, "abc", &wd, NULL), SK_OK);
    ck_assert(sk_str_ends(wd, "/runs/abc/work"));
    ck_assert(sk_is_dir(wd));
    SkError e;
    char *bad = NULL;
    ck_assert_int_eq(sandbox_workdir_create(home, "../x", &bad, &e), SK_ERR_INVALID);
    free(wd);
}
END_TEST

START_TEST(test_rel_path)
{
    char *wd = make_workdir();
    char *r = NULL;
    SkError e;
    ck_assert_int_eq(sandbox_rel_path(wd, "a/./b/../c.txt", &r, NULL), SK_OK);
    ck_assert_str_eq(r, "a/c.txt");
    free(r);
    ck_assert_int_eq(sandbox_rel_path(wd, "", &r, NULL), SK_OK);
    ck_assert_str_eq(r, ".");
    free(r);
    char *inside = sk_asprintf("%s/sub/f", wd);
    ck_assert_int_eq(sandbox_rel_path(wd, inside, &r, NULL), SK_OK);
    ck_assert_str_eq(r, "sub/f");
    free(r);
    free(inside);
    ck_assert_int_eq(sandbox_rel_path(wd, "../../etc/passwd", &r, &e), SK_ERR_SANDBOX);
    ck_assert(strstr(e.msg, "leaves the work directory"));
    ck_assert_int_eq(sandbox_rel_path(wd, "a/../../x", &r, &e), SK_ERR_SANDBOX);
    ck_assert_int_eq(sandbox_rel_path(wd, "/etc/passwd", &r, &e), SK_ERR_SANDBOX);
    ck_assert(strstr(e.msg, "outside the work directory"));
    char *sibling = sk_asprintf("%sX/f", wd); /* prefix trick: /.../workX */
    ck_assert_int_eq(sandbox_rel_path(wd, sibling, &r, &e), SK_ERR_SANDBOX);
    free(sibling);
    free(wd);
}
END_TEST

START_TEST(test_open_confined)
{
    char *wd = make_workdir();
    SkError e;
    int fd = -1;
    /* create with parents */
    ck_assert_int_eq(sandbox_open(wd, "d1/d2/f.txt", O_WRONLY | O_CREAT | O_TRUNC, 0644, &fd, &e),
                     SK_OK);
    ck_assert_int_eq(write(fd, "hi", 2), 2);
    close(fd);
    char *made = sk_path_join(wd, "d1/d2/f.txt");
    ck_assert(sk_is_file(made));
    free(made);
    /* missing */
    ck_assert_int_eq(sandbox_open(wd, "nope.txt", O_RDONLY, 0, &fd, &e), SK_ERR_NOT_FOUND);
    ck_assert(strstr(e.msg, "File not found: nope.txt"));
    /* a symlink pointing out */
    char *secret_dir = (char *)tl_tmpdir();
    tl_write(secret_dir, "secret.txt", "top secret");
    char *link = sk_path_join(wd, "evil");
    char *secret = sk_path_join(secret_dir, "secret.txt");
    ck_assert_int_eq(symlink(secret, link), 0);
    free(link);
    ck_assert_int_eq(sandbox_open(wd, "evil", O_RDONLY, 0, &fd, &e), SK_ERR_SANDBOX);
    ck_assert(strstr(e.msg, "symbolic link"));
    /* writing through it is refused too (and the target is untouched) */
    ck_assert_int_eq(sandbox_open(wd, "evil", O_WRONLY | O_TRUNC | O_CREAT, 0644, &fd, &e),
                     SK_ERR_SANDBOX);
    char *txt = NULL;
    ck_assert_int_eq(sk_read_file(secret, 0, &txt, NULL, NULL), SK_OK);
    ck_assert_str_eq(txt, "top secret");
    free(txt);
    free(secret);
    /* a directory symlink pointing out, used as a parent */
    char *dlink = sk_path_join(wd, "outdir");
    ck_assert_int_eq(symlink(secret_dir, dlink), 0);
    free(dlink);
    ck_assert_int_eq(sandbox_open(wd, "outdir/secret.txt", O_RDONLY, 0, &fd, &e),
                     SK_ERR_SANDBOX);
    ck_assert_int_eq(sandbox_open(wd, "outdir/new/x.txt", O_WRONLY | O_CREAT, 0644, &fd, &e),
                     SK_ERR_SANDBOX);
    /* a symlink that stays inside is fine */
    char *good = sk_path_join(wd, "good");
    ck_assert_int_eq(symlink("d1/d2/f.txt", good), 0);
    free(good);
    ck_assert_int_eq(sandbox_open(wd, "good", O_RDONLY, 0, &fd, &e), SK_OK);
    char b[8] = {0};
    ck_assert_int_eq(read(fd, b, sizeof b), 2);
    ck_assert_str_eq(b, "hi");
    close(fd);
    /* absolute path inside the work dir */
    char *abs = sk_path_join(wd, "d1/d2/f.txt");
    ck_assert_int_eq(sandbox_open(wd, abs, O_RDONLY, 0, &fd, &e), SK_OK);
    close(fd);
    free(abs);
    ck_assert_int_eq(sandbox_open(wd, "/etc/passwd", O_RDONLY, 0, &fd, &e), SK_ERR_SANDBOX);
    free(wd);
}
END_TEST

static SandboxOptions opts_for(const char *wd, SandboxMode mode)
{
    SandboxOptions o;
    sandbox_options_init(&o, wd);
    o.mode = mode;
    o.limits.timeout_ms = 10000;
    return o;
}

static void basic_run(SandboxMode mode)
{
    char *wd = make_workdir();
    SandboxOptions o = opts_for(wd, mode);
    SandboxResult r;
    SkError e;
    ck_assert_int_eq(sandbox_run_shell("echo out; echo err >&2; pwd; exit 3", &o, &r, &e), SK_OK);
    ck_assert_int_eq(r.exit_code, 3);
    ck_assert(strstr(r.out, "out\n"));
    ck_assert(strstr(r.out, wd));
    ck_assert_str_eq(r.err, "err\n");
    ck_assert(!r.timed_out);
    sandbox_result_done(&r);
    /* stdin */
    o.stdin_text = "line one\nline two\n";
    ck_assert_int_eq(sandbox_run_shell("wc -l", &o, &r, &e), SK_OK);
    ck_assert(strstr(r.out, "2"));
    sandbox_result_done(&r);
    free(wd);
}

START_TEST(test_run_basic_plain)
{
    basic_run(SANDBOX_PLAIN);
}
END_TEST

START_TEST(test_run_basic_bwrap)
{
    if (!sandbox_bwrap_available())
        TL_SKIP("bwrap not available");
    basic_run(SANDBOX_BWRAP);
}
END_TEST

static void env_scrubbed(SandboxMode mode)
{
    char *wd = make_workdir();
    setenv("OPENAI_API_KEY", "sk-test-SECRET-123", 1);
    setenv("SKVM_SECRET_TOKEN", "skvm-SECRET-456", 1);
    SandboxOptions o = opts_for(wd, mode);
    const char *extra[] = {"MY_VAR=visible", NULL};
    o.env = extra;
    SandboxResult r;
    ck_assert_int_eq(sandbox_run_shell("env; cat /proc/$$/environ | tr '\\0' '\\n'", &o, &r, NULL),
                     SK_OK);
    ck_assert_int_eq(r.exit_code, 0);
    ck_assert(strstr(r.out, "MY_VAR=visible"));
    ck_assert(!strstr(r.out, "SECRET"));
    ck_assert(!strstr(r.out, "OPENAI_API_KEY"));
    ck_assert(strstr(r.out, "PATH="));
    sandbox_result_done(&r);
    /* the parent's environment is not reachable through /proc of the parent either when
     * bwrap gives the command its own pid namespace */
    if (mode == SANDBOX_BWRAP) {
        char *cmd = sk_asprintf("cat /proc/%ld/environ 2>&1 | tr '\\0' '\\n'", (long)getpid());
        ck_assert_int_eq(sandbox_run_shell(cmd, &o, &r, NULL), SK_OK);
        ck_assert(!strstr(r.out, "SECRET"));
        sandbox_result_done(&r);
        free(cmd);
    }
    unsetenv("OPENAI_API_KEY");
    unsetenv("SKVM_SECRET_TOKEN");
    free(wd);
}

START_TEST(test_env_scrubbed_plain)
{
    env_scrubbed(SANDBOX_PLAIN);
}
END_TEST

START_TEST(test_env_scrubbed_bwrap)
{
    if (!sandbox_bwrap_available())
        TL_SKIP("bwrap not available");
    env_scrubbed(SANDBOX_BWRAP);
}
END_TEST

START_TEST(test_timeout_kills_group)
{
    char *wd = make_workdir();
    SandboxOptions o = opts_for(wd, SANDBOX_AUTO);
    o.limits.timeout_ms = 700;
    SandboxResult r;
    int64_t t0 = sk_now_ms();
    /* an endless loop plus a background child that would outlive the shell */
    ck_assert_int_eq(sandbox_run_shell("(while :; do :; done) & while :; do :; done", &o, &r,
                                       NULL),
                     SK_OK);
    int64_t took = sk_now_ms() - t0;
    ck_assert(r.timed_out);
    ck_assert_int_ne(r.exit_code, 0);
    ck_assert_int_lt(took, 5000);
    sandbox_result_done(&r);
    /* no process of that loop survives: pgrep would show a busy sh; use ps on our children */
    char *out = NULL;
    tl_run("sleep 0.2; ps -eo stat,args | grep 'while :; do :; done' | grep -v grep | "
           "grep -v ' Z' | wc -l",
           false, &out);
    ck_assert_int_eq(atoi(out), 0);
    free(out);
    free(wd);
}
END_TEST

START_TEST(test_cancel)
{
    char *wd = make_workdir();
    SandboxOptions o = opts_for(wd, SANDBOX_AUTO);
    volatile int cancel = 1;
    o.cancel = &cancel;
    SandboxResult r;
    ck_assert_int_eq(sandbox_run_shell("sleep 30", &o, &r, NULL), SK_OK);
    ck_assert(r.cancelled);
    ck_assert_int_lt(r.duration_ms, 5000);
    sandbox_result_done(&r);
    free(wd);
}
END_TEST

START_TEST(test_output_flood_capped)
{
    char *wd = make_workdir();
    SandboxOptions o = opts_for(wd, SANDBOX_AUTO);
    o.limits.max_output = 4096;
    SandboxResult r;
    ck_assert_int_eq(sandbox_run_shell("yes 'flood of output' | head -c 20000000; echo END", &o,
                                       &r, NULL),
                     SK_OK);
    ck_assert_int_eq(r.exit_code, 0);
    ck_assert(r.out_cut);
    ck_assert_uint_ge(r.out_total, 20000000);
    ck_assert_uint_lt(strlen(r.out), 4096 + 200);
    ck_assert(strstr(r.out, "bytes omitted"));
    ck_assert(sk_str_ends(r.out, "END\n"));
    sandbox_result_done(&r);
    free(wd);
}
END_TEST

START_TEST(test_fork_bomb_contained)
{
    char *wd = make_workdir();
    SandboxOptions o = opts_for(wd, SANDBOX_AUTO);
    o.limits.max_procs = 24;
    o.limits.timeout_ms = 3000;
    SandboxResult r;
    ck_assert_int_eq(sandbox_run_shell("bomb() { bomb | bomb & }; bomb; sleep 5", &o, &r, NULL),
                     SK_OK);
    if (!r.procs_limited) {
        sandbox_result_done(&r);
        free(wd);
        TL_SKIP("no process-count limit possible here (root without a pids cgroup)");
    }
    ck_assert_int_lt(r.duration_ms, 8000);
    sandbox_result_done(&r);
    /* the machine can still fork */
    ck_assert_int_eq(system("true"), 0);
    free(wd);
}
END_TEST

START_TEST(test_file_size_limit)
{
    char *wd = make_workdir();
    SandboxOptions o = opts_for(wd, SANDBOX_AUTO);
    o.limits.file_bytes = 100000;
    SandboxResult r;
    ck_assert_int_eq(sandbox_run_shell("head -c 1000000 /dev/zero > big.bin", &o, &r, NULL),
                     SK_OK);
    ck_assert_int_ne(r.exit_code, 0);
    ck_assert(r.file_limit);
    sandbox_result_done(&r);
    free(wd);
}
END_TEST

START_TEST(test_cpu_limit)
{
    char *wd = make_workdir();
    SandboxOptions o = opts_for(wd, SANDBOX_AUTO);
    o.limits.cpu_seconds = 1;
    o.limits.timeout_ms = 20000;
    SandboxResult r;
    ck_assert_int_eq(sandbox_run_shell("while :; do :; done", &o, &r, NULL), SK_OK);
    ck_assert(!r.timed_out);
    ck_assert_int_ne(r.exit_code, 0);
    ck_assert_int_lt(r.duration_ms, 10000);
    sandbox_result_done(&r);
    free(wd);
}
END_TEST

START_TEST(test_bwrap_isolation)
{
    if (!sandbox_bwrap_available())
        TL_SKIP("bwrap not available");
    char *wd = make_workdir();
    SandboxOptions o = opts_for(wd, SANDBOX_BWRAP);
    SandboxResult r;
    /* outside the work dir is read-only, the work dir is writable */
    char *victim_dir = (char *)tl_tmpdir();
    char *cmd = sk_asprintf("touch %s/escaped 2>&1; echo rc=$?; touch inside && echo ok", victim_dir);
    ck_assert_int_eq(sandbox_run_shell(cmd, &o, &r, NULL), SK_OK);
    ck_assert(strstr(r.out, "ok"));
    ck_assert(!strstr(r.out, "rc=0"));
    char *escaped = sk_path_join(victim_dir, "escaped");
    ck_assert(!sk_is_file(escaped));
    free(escaped);
    char *inside = sk_path_join(wd, "inside");
    ck_assert(sk_is_file(inside));
    free(inside);
    sandbox_result_done(&r);
    free(cmd);
    /* no network: a listening loopback socket of ours cannot be reached */
    int s = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in a;
    memset(&a, 0, sizeof a);
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    ck_assert_int_eq(bind(s, (struct sockaddr *)&a, sizeof a), 0);
    ck_assert_int_eq(listen(s, 4), 0);
    socklen_t al = sizeof a;
    getsockname(s, (struct sockaddr *)&a, &al);
    cmd = sk_asprintf("python3 -c \"import socket; socket.create_connection(('127.0.0.1', %d), "
                      "2); print('CONNECTED')\" 2>&1",
                      ntohs(a.sin_port));
    ck_assert_int_eq(sandbox_run_shell(cmd, &o, &r, NULL), SK_OK);
    ck_assert(!strstr(r.out, "CONNECTED"));
    ck_assert_int_ne(r.exit_code, 0);
    sandbox_result_done(&r);
    close(s);
    free(cmd);
    ck_assert(strstr(sandbox_describe(SANDBOX_AUTO), "bwrap"));
    free(wd);
}
END_TEST

START_TEST(test_plain_mode_says_so)
{
    char *wd = make_workdir();
    SandboxOptions o = opts_for(wd, SANDBOX_PLAIN);
    SandboxResult r;
    ck_assert_int_eq(sandbox_run_shell("true", &o, &r, NULL), SK_OK);
    ck_assert(!r.bwrap);
    ck_assert_ptr_nonnull(r.note);
    ck_assert(strstr(r.note, "no bwrap"));
    ck_assert(strstr(sandbox_describe(SANDBOX_PLAIN), "NOT isolated"));
    sandbox_result_done(&r);
    SkError e;
    const char *argv[] = {"definitely-not-a-command-xyz", NULL};
    ck_assert_int_eq(sandbox_run(argv, &o, &r, &e), SK_ERR_NOT_FOUND);
    sandbox_result_done(&r);
    free(wd);
}
END_TEST

START_TEST(test_cap_text)
{
    char big[1000];
    memset(big, 'a', sizeof big);
    memcpy(big + 990, "TAILTAIL\n", 9);
    big[999] = 'z';
    char *c = sandbox_cap_text(big, sizeof big, 200);
    ck_assert(strstr(c, "bytes omitted"));
    ck_assert(sk_str_ends(c, "TAILTAIL\nz"));
    free(c);
    c = sandbox_cap_text("short", 5, 200);
    ck_assert_str_eq(c, "short");
    free(c);
    /* UTF-8 boundaries are respected */
    SkBuf b = SK_BUF_INIT;
    for (int i = 0; i < 300; i++)
        sk_buf_puts(&b, "é");
    c = sandbox_cap_text(b.data, b.len, 101);
    ck_assert(sk_utf8_valid(c, strlen(c), NULL));
    free(c);
    sk_buf_done(&b);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("sandbox");
    TCase *tc = tcase_create("core");
    tcase_set_timeout(tc, 60);
    tcase_add_test(tc, test_workdir_layout);
    tcase_add_test(tc, test_rel_path);
    tcase_add_test(tc, test_open_confined);
    tcase_add_test(tc, test_run_basic_plain);
    tcase_add_test(tc, test_run_basic_bwrap);
    tcase_add_test(tc, test_env_scrubbed_plain);
    tcase_add_test(tc, test_env_scrubbed_bwrap);
    tcase_add_test(tc, test_timeout_kills_group);
    tcase_add_test(tc, test_cancel);
    tcase_add_test(tc, test_output_flood_capped);
    tcase_add_test(tc, test_fork_bomb_contained);
    tcase_add_test(tc, test_file_size_limit);
    tcase_add_test(tc, test_cpu_limit);
    tcase_add_test(tc, test_bwrap_isolation);
    tcase_add_test(tc, test_plain_mode_says_so);
    tcase_add_test(tc, test_cap_text);
    suite_add_tcase(s, tc);
    return tl_run_suite(s);
}
