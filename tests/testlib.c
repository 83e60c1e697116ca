/* testlib.c: helpers shared by the Check suites. */
#include "tests/testlib.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "core/util.h"

static char *tmp_root;
static SkVec tmp_dirs; /* char *, handed out by tl_tmpdir(), freed at exit */

static void cleanup_tmp(void)
{
    if (tmp_root && !getenv("SKVM_KEEP_TMP"))
        sk_rm_rf(tmp_root, NULL);
    free(tmp_root);
    tmp_root = NULL;
    sk_vec_done(&tmp_dirs);
}

const char *tl_source_dir(void)
{
    const char *e = getenv("SKVM_SOURCE_DIR");
    return e && *e ? e : SKVM_SOURCE_DIR;
}

char *tl_source_path(const char *rel)
{
    return sk_path_join(tl_source_dir(), rel);
}

static char *reference_dir;

static void free_reference_dir(void)
{
    free(reference_dir);
    reference_dir = NULL;
}

const char *tl_reference_dir(void)
{
    static bool looked;
    if (!looked) {
        looked = true;
        const char *e = getenv("SKVM_REFERENCE_DIR");
        char *d = e && *e ? sk_strdup(e) : sk_path_join(tl_source_dir(), "../shared/reference");
        if (sk_is_dir(d)) {
            reference_dir = d;
            atexit(free_reference_dir);
        } else {
            free(d);
        }
    }
    return reference_dir;
}

char *tl_reference_path(const char *rel)
{
    const char *d = tl_reference_dir();
    return d ? sk_path_join(d, rel) : NULL;
}

const char *tl_tmpdir(void)
{
    if (!tmp_root) {
        tmp_root = sk_mkdtemp("skvm-test-");
        if (!tmp_root)
            sk_die("cannot make a temporary folder");
        sk_vec_init(&tmp_dirs, free);
        atexit(cleanup_tmp);
    }
    static int seq;
    char name[32];
    snprintf(name, sizeof name, "t%d", ++seq);
    char *p = sk_path_join(tmp_root, name);
    sk_mkdir_p(p, NULL);
    sk_vec_push(&tmp_dirs, p);
    return p; /* valid until exit */
}

void tl_write(const char *dir, const char *rel, const char *text)
{
    char *p = sk_path_join(dir, rel);
    SkError err;
    if (sk_write_file_atomic(p, text, strlen(text), &err) != SK_OK)
        sk_die("tl_write: %s", err.msg);
    free(p);
}

const char *tl_fresh_home(void)
{
    const char *h = tl_tmpdir();
    setenv("SKVM_HOME", h, 1);
    return h;
}

int tl_run(const char *cmd, bool merge, char **out)
{
    char *full = merge ? sk_asprintf("(%s) 2>&1", cmd) : sk_strdup(cmd);
    FILE *p = popen(full, "r");
    free(full);
    if (!p)
        sk_die("popen failed");
    SkBuf b = SK_BUF_INIT;
    char buf[4096];
    size_t n;
    while ((n = fread(buf, 1, sizeof buf, p)) > 0)
        sk_buf_append(&b, buf, n);
    int st = pclose(p);
    if (out)
        *out = sk_buf_steal(&b);
    else
        sk_buf_done(&b);
    if (WIFEXITED(st))
        return WEXITSTATUS(st);
    if (WIFSIGNALED(st))
        return 128 + WTERMSIG(st);
    return -1;
}

const char *tl_skvm_bin(void)
{
    const char *b = getenv("SKVM_BIN");
    return b && *b ? b : "skvm";
}

int tl_run_suite(Suite *s)
{
    SRunner *r = srunner_create(s);
    srunner_run_all(r, CK_NORMAL);
    int failed = srunner_ntests_failed(r);
    srunner_free(r);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
