/* sandbox.c: work directories, path confinement (openat2 RESOLVE_BENEATH) and the command
 * runner (process group, scrubbed environment, rlimits, pids cgroup, bwrap, timeout, capped
 * output). See sandbox.h for the guarantees. */
#define _GNU_SOURCE /* O_PATH, pipe2: must precede every system header */
#include "core/sandbox.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>
#if defined(__linux__) && __has_include(<linux/openat2.h>)
#include <linux/openat2.h>
#define SANDBOX_HAVE_OPENAT2 1
#endif

#define SANDBOX_DEFAULT_TIMEOUT_MS 30000
#define SANDBOX_DEFAULT_CPU 60
#define SANDBOX_DEFAULT_MEM ((int64_t)4 << 30)
#define SANDBOX_DEFAULT_FSIZE ((int64_t)256 << 20)
#define SANDBOX_DEFAULT_PROCS 128
#define SANDBOX_DEFAULT_OUTPUT (64u << 10)
#define SANDBOX_PIDS_V1 "/sys/fs/cgroup/pids"
#define SANDBOX_SAFE_PATH "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"

/* ---- work directories ---- */

SkStatus sandbox_workdir_create(const char *home_dir, const char *run_id, char **out,
                                SkError *err)
{
    *out = NULL;
    if (!run_id || !*run_id || strchr(run_id, '/') || strcmp(run_id, "..") == 0 ||
        strcmp(run_id, ".") == 0)
        return sk_error_set(err, SK_ERR_INVALID, "bad run id '%s'", run_id ? run_id : "");
    char *home = home_dir ? sk_strdup(home_dir) : sk_home_dir();
    char *path = sk_asprintf("%s/runs/%s/work", home, run_id);
    free(home);
    SkStatus st = sk_mkdir_p(path, err);
    if (st != SK_OK) {
        free(path);
        return st;
    }
    char real[PATH_MAX];
    if (!realpath(path, real)) {
        st = sk_error_set(err, SK_ERR_IO, "%s: %s", path, strerror(errno));
        free(path);
        return st;
    }
    free(path);
    *out = sk_strdup(real);
    return SK_OK;
}

/* ---- path confinement ---- */

/* Lexically normalize REL (relative, '/'-separated) into OUT; false when ".." climbs above
 * the start. */
static bool sandbox_normalize(const char *rel, SkBuf *out)
{
    SkVec parts;
    sk_vec_init(&parts, free);
    const char *p = rel;
    bool ok = true;
    while (*p) {
        while (*p == '/')
            p++;
        if (!*p)
            break;
        const char *e = strchr(p, '/');
        size_t n = e ? (size_t)(e - p) : strlen(p);
        if (n == 1 && p[0] == '.') {
            /* skip */
        } else if (n == 2 && p[0] == '.' && p[1] == '.') {
            if (parts.len == 0) {
                ok = false;
                break;
            }
            free(sk_vec_take(&parts, parts.len - 1));
        } else {
            sk_vec_push(&parts, sk_strndup(p, n));
        }
        p += n;
    }
    sk_buf_reset(out);
    for (size_t i = 0; ok && i < parts.len; i++) {
        if (i)
            sk_buf_putc(out, '/');
        sk_buf_puts(out, parts.items[i]);
    }
    if (ok && out->len == 0)
        sk_buf_puts(out, ".");
    sk_vec_done(&parts);
    return ok;
}

SkStatus sandbox_rel_path(const char *workdir, const char *path, char **out, SkError *err)
{
    *out = NULL;
    if (!path)
        path = ".";
    if (memchr(path, '\0', strlen(path) + 1) != path + strlen(path))
        return sk_error_set(err, SK_ERR_INVALID, "bad path");
    SkBuf b = SK_BUF_INIT;
    const char *rel = path;
    if (path[0] == '/') {
        /* Absolute: accept only paths inside the work directory (lexically). */
        SkBuf abs = SK_BUF_INIT, root = SK_BUF_INIT;
        bool ok1 = sandbox_normalize(path + 1, &abs);
        sandbox_normalize(workdir + (workdir[0] == '/'), &root);
        const char *a = sk_buf_cstr(&abs), *r = sk_buf_cstr(&root);
        size_t rl = strlen(r);
        bool inside = ok1 && (strcmp(a, r) == 0 || (strncmp(a, r, rl) == 0 && a[rl] == '/'));
        if (!inside) {
            sk_buf_done(&abs);
            sk_buf_done(&root);
            return sk_error_set(err, SK_ERR_SANDBOX,
                                "access denied: '%s' is outside the work directory (use a "
                                "path relative to the work directory %s)",
                                path, workdir);
        }
        char *tail = sk_strdup(strcmp(a, r) == 0 ? "." : a + rl + 1);
        sk_buf_done(&abs);
        sk_buf_done(&root);
        *out = tail;
        return SK_OK;
    }
    if (!sandbox_normalize(rel, &b)) {
        sk_buf_done(&b);
        return sk_error_set(err, SK_ERR_SANDBOX,
                            "access denied: '%s' leaves the work directory", path);
    }
    *out = sk_buf_steal(&b);
    return SK_OK;
}

#ifdef SANDBOX_HAVE_OPENAT2
static int sandbox_openat2(int dirfd, const char *rel, int flags, int mode)
{
    struct open_how how;
    memset(&how, 0, sizeof how);
    how.flags = (uint64_t)(flags | O_CLOEXEC);
    how.mode = (flags & O_CREAT) ? (uint64_t)mode : 0;
    how.resolve = RESOLVE_BENEATH | RESOLVE_NO_MAGICLINKS;
    return (int)syscall(SYS_openat2, dirfd, rel, &how, sizeof how);
}
#endif

/* Fallback confinement without openat2: the canonical path of the longest existing prefix
 * must stay under the canonical work directory. */
static int sandbox_open_checked(const char *root, const char *rel, int flags, int mode)
{
    char *full = sk_path_join(root, rel);
    char real[PATH_MAX];
    char *probe = sk_strdup(full);
    char *tail = NULL;
    while (!realpath(probe, real)) {
        if (errno != ENOENT) {
            free(probe);
            free(full);
            return -1;
        }
        char *slash = strrchr(probe, '/');
        if (!slash || slash == probe) {
            free(probe);
            free(full);
            errno = ENOENT;
            return -1;
        }
        *slash = '\0';
        tail = full + strlen(probe);
    }
    size_t rl = strlen(root);
    bool inside = strncmp(real, root, rl) == 0 && (real[rl] == '\0' || real[rl] == '/');
    int fd = -1;
    if (!inside) {
        errno = EXDEV;
    } else {
        char *target = sk_asprintf("%s%s", real, tail ? tail : "");
        fd = open(target, flags | O_CLOEXEC | (tail ? O_NOFOLLOW : 0), mode);
        free(target);
    }
    free(probe);
    free(full);
    return fd;
}

static int sandbox_open_beneath(int rootfd, const char *root, const char *rel, int flags,
                                int mode)
{
#ifdef SANDBOX_HAVE_OPENAT2
    int fd = sandbox_openat2(rootfd, rel, flags, mode);
    if (fd >= 0 || (errno != ENOSYS && errno != EPERM))
        return fd;
#else
    (void)rootfd;
#endif
    return sandbox_open_checked(root, rel, flags, mode);
}

static SkStatus sandbox_open_error(const char *path, int e, SkError *err)
{
    if (e == EXDEV || e == ELOOP)
        return sk_error_set(err, SK_ERR_SANDBOX,
                            "access denied: '%s' resolves (through a symbolic link) to a place "
                            "outside the work directory",
                            path);
    if (e == ENOENT)
        return sk_error_set(err, SK_ERR_NOT_FOUND, "File not found: %s", path);
    if (e == ENOTDIR)
        return sk_error_set(err, SK_ERR_NOT_FOUND, "Not a directory: %s", path);
    if (e == EISDIR)
        return sk_error_set(err, SK_ERR_INVALID, "Is a directory: %s", path);
    return sk_error_set(err, SK_ERR_IO, "%s: %s", path, strerror(e));
}

SkStatus sandbox_open(const char *workdir, const char *path, int flags, int mode, int *fd,
                      SkError *err)
{
    *fd = -1;
    char *rel = NULL;
    SkStatus st = sandbox_rel_path(workdir, path, &rel, err);
    if (st != SK_OK)
        return st;
    char root[PATH_MAX];
    if (!realpath(workdir, root)) {
        free(rel);
        return sk_error_set(err, SK_ERR_IO, "work directory %s: %s", workdir, strerror(errno));
    }
    int rootfd = open(root, O_PATH | O_DIRECTORY | O_CLOEXEC);
    if (rootfd < 0) {
        free(rel);
        return sk_error_set(err, SK_ERR_IO, "work directory %s: %s", root, strerror(errno));
    }
    if ((flags & O_CREAT) && strchr(rel, '/')) {
        /* Create missing parents one by one, each checked to stay beneath the root. */
        char *buf = sk_strdup(rel);
        for (char *s = strchr(buf, '/'); s; s = strchr(s + 1, '/')) {
            *s = '\0';
            int d = sandbox_open_beneath(rootfd, root, buf, O_PATH | O_DIRECTORY, 0);
            if (d < 0 && errno == ENOENT) {
                char *slash = strrchr(buf, '/');
                int parent = slash ? -1 : dup(rootfd);
                if (slash) {
                    *slash = '\0';
                    parent = sandbox_open_beneath(rootfd, root, buf, O_PATH | O_DIRECTORY, 0);
                    *slash = '/';
                }
                if (parent >= 0) {
                    if (mkdirat(parent, slash ? slash + 1 : buf, 0755) < 0 && errno != EEXIST) {
                        int e = errno;
                        close(parent);
                        free(buf);
                        free(rel);
                        close(rootfd);
                        return sandbox_open_error(path, e, err);
                    }
                    close(parent);
                }
                d = sandbox_open_beneath(rootfd, root, buf, O_PATH | O_DIRECTORY, 0);
            }
            if (d < 0) {
                int e = errno;
                free(buf);
                free(rel);
                close(rootfd);
                return sandbox_open_error(path, e, err);
            }
            close(d);
            *s = '/';
        }
        free(buf);
    }
    int f = sandbox_open_beneath(rootfd, root, rel, flags, mode);
    int e = errno;
    close(rootfd);
    free(rel);
    if (f < 0)
        return sandbox_open_error(path, e, err);
    *fd = f;
    return SK_OK;
}

static void sandbox_cgroup_kill(const char *dir);

/* ---- bwrap probe ---- */

static pthread_once_t sandbox_probe_once = PTHREAD_ONCE_INIT;
static char *sandbox_bwrap_path;
static bool sandbox_bwrap_ok;
static bool sandbox_cgroup_ok;

static char *sandbox_find_exe(const char *name, const char *path_list)
{
    if (strchr(name, '/'))
        return access(name, X_OK) == 0 ? sk_strdup(name) : NULL;
    char *copy = sk_strdup(path_list);
    char *save = NULL;
    for (char *d = strtok_r(copy, ":", &save); d; d = strtok_r(NULL, ":", &save)) {
        char *p = sk_path_join(d, name);
        struct stat stt;
        if (stat(p, &stt) == 0 && S_ISREG(stt.st_mode) && access(p, X_OK) == 0) {
            free(copy);
            return p;
        }
        free(p);
    }
    free(copy);
    return NULL;
}

/* Remove empty pids cgroups left by skvm processes that died (skvm-<pid>-<n>). */
static void sandbox_cgroup_sweep(void)
{
    DIR *d = opendir(SANDBOX_PIDS_V1);
    if (!d)
        return;
    struct dirent *de;
    while ((de = readdir(d))) {
        long pid = 0;
        unsigned n = 0;
        if (sscanf(de->d_name, "skvm-%ld-%u", &pid, &n) != 2 || pid <= 0)
            continue;
        if (kill((pid_t)pid, 0) == 0 || errno != ESRCH)
            continue;
        char *p = sk_asprintf(SANDBOX_PIDS_V1 "/%s", de->d_name);
        sandbox_cgroup_kill(p);
        free(p);
    }
    closedir(d);
}

static void sandbox_probe(void)
{
    const char *no = getenv("SKVM_NO_BWRAP");
    sandbox_cgroup_ok = access(SANDBOX_PIDS_V1 "/cgroup.procs", W_OK) == 0;
    if (sandbox_cgroup_ok)
        sandbox_cgroup_sweep();
    if (no && *no && strcmp(no, "0") != 0)
        return;
    sandbox_bwrap_path = sandbox_find_exe("bwrap", SANDBOX_SAFE_PATH);
    if (!sandbox_bwrap_path)
        return;
    pid_t pid = fork();
    if (pid < 0)
        return;
    if (pid == 0) {
        int nul = open("/dev/null", O_RDWR);
        if (nul >= 0) {
            dup2(nul, 0);
            dup2(nul, 1);
            dup2(nul, 2);
        }
        char *args[16];
        int n = 0;
        args[n++] = sandbox_bwrap_path;
        args[n++] = (char *)"--ro-bind";
        args[n++] = (char *)"/";
        args[n++] = (char *)"/";
        args[n++] = (char *)"--unshare-net";
        args[n++] = (char *)"--unshare-pid";
        args[n++] = (char *)"--die-with-parent";
        if (geteuid() == 0) {
            args[n++] = (char *)"--cap-drop";
            args[n++] = (char *)"ALL";
        }
        args[n++] = (char *)"true";
        args[n] = NULL;
        char *envp[] = {(char *)"PATH=" SANDBOX_SAFE_PATH, NULL};
        execve(sandbox_bwrap_path, args, envp);
        _exit(127);
    }
    int status = 0;
    while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {
    }
    sandbox_bwrap_ok = WIFEXITED(status) && WEXITSTATUS(status) == 0;
}

bool sandbox_bwrap_available(void)
{
    pthread_once(&sandbox_probe_once, sandbox_probe);
    return sandbox_bwrap_ok;
}

const char *sandbox_describe(SandboxMode mode)
{
    pthread_once(&sandbox_probe_once, sandbox_probe);
    bool bw = mode != SANDBOX_PLAIN && sandbox_bwrap_ok;
    bool root = geteuid() == 0;
    if (bw)
        return sandbox_cgroup_ok ? "bwrap (no network, read-only root, writable work dir, "
                                   "private /tmp, own pid namespace); pids cgroup"
               : root ? "bwrap (no network, read-only root, writable work dir, private /tmp, "
                        "own pid namespace); process count NOT limited (root, no pids cgroup)"
                      : "bwrap (no network, read-only root, writable work dir, private /tmp, "
                        "own pid namespace); RLIMIT_NPROC";
    if (sandbox_cgroup_ok)
        return "no bwrap: network and file system NOT isolated (process group, rlimits, "
               "scrubbed environment, pids cgroup only)";
    return root ? "no bwrap: network and file system NOT isolated; process count NOT limited "
                  "(root, no pids cgroup); process group, rlimits, scrubbed environment only"
                : "no bwrap: network and file system NOT isolated (process group, rlimits, "
                  "RLIMIT_NPROC, scrubbed environment only)";
}

/* ---- output capture: head + ring tail ---- */

typedef struct Capture {
    char *head;
    size_t head_len, head_max;
    char *tail; /* ring */
    size_t tail_pos, tail_len, tail_max;
    size_t total;
} Capture;

static void capture_init(Capture *c, size_t max)
{
    memset(c, 0, sizeof *c);
    c->head_max = max - max / 4;
    c->tail_max = max / 4 ? max / 4 : 1;
    c->head = sk_malloc(c->head_max + 1);
    c->tail = sk_malloc(c->tail_max);
}

static void capture_add(Capture *c, const char *p, size_t n)
{
    c->total += n;
    size_t h = SK_MIN(n, c->head_max - c->head_len);
    memcpy(c->head + c->head_len, p, h);
    c->head_len += h;
    p += h;
    n -= h;
    if (n >= c->tail_max) {
        memcpy(c->tail, p + n - c->tail_max, c->tail_max);
        c->tail_pos = 0;
        c->tail_len = c->tail_max;
        return;
    }
    for (size_t i = 0; i < n; i++) {
        c->tail[(c->tail_pos + c->tail_len) % c->tail_max] = p[i];
        if (c->tail_len < c->tail_max)
            c->tail_len++;
        else
            c->tail_pos = (c->tail_pos + 1) % c->tail_max;
    }
}

/* Back up to a UTF-8 boundary: index of the first byte of the character at or before I. */
static size_t utf8_back(const char *s, size_t i)
{
    while (i > 0 && ((unsigned char)s[i] & 0xC0) == 0x80)
        i--;
    return i;
}

static size_t utf8_fwd(const char *s, size_t i, size_t n)
{
    while (i < n && ((unsigned char)s[i] & 0xC0) == 0x80)
        i++;
    return i;
}

static char *capture_finish(Capture *c, bool *cut)
{
    SkBuf b = SK_BUF_INIT;
    *cut = c->total > c->head_len + c->tail_len;
    if (!*cut) {
        sk_buf_append(&b, c->head, c->head_len);
        for (size_t i = 0; i < c->tail_len; i++)
            sk_buf_putc(&b, c->tail[(c->tail_pos + i) % c->tail_max]);
    } else {
        size_t hl = utf8_back(c->head, c->head_len);
        sk_buf_append(&b, c->head, hl);
        char *t = sk_malloc(c->tail_len + 1);
        for (size_t i = 0; i < c->tail_len; i++)
            t[i] = c->tail[(c->tail_pos + i) % c->tail_max];
        size_t ts = utf8_fwd(t, 0, c->tail_len);
        size_t omitted = c->total - hl - (c->tail_len - ts);
        sk_buf_printf(&b, "\n[... %zu bytes omitted (output was %zu bytes) ...]\n", omitted,
                      c->total);
        sk_buf_append(&b, t + ts, c->tail_len - ts);
        free(t);
    }
    free(c->head);
    free(c->tail);
    c->head = c->tail = NULL;
    char *s = sk_buf_steal(&b);
    return s;
}

char *sandbox_cap_text(const char *text, size_t len, size_t max)
{
    if (max < 64)
        max = 64;
    if (len <= max)
        return sk_strndup(text, len);
    Capture c;
    capture_init(&c, max);
    capture_add(&c, text, len);
    bool cut;
    return capture_finish(&c, &cut);
}

/* ---- the runner ---- */

void sandbox_options_init(SandboxOptions *o, const char *workdir)
{
    memset(o, 0, sizeof *o);
    o->workdir = workdir;
}

void sandbox_result_done(SandboxResult *r)
{
    if (!r)
        return;
    free(r->out);
    free(r->err);
    free(r->note);
    memset(r, 0, sizeof *r);
}

static atomic_uint sandbox_seq;


/* Count the processes whose real uid is UID (for RLIMIT_NPROC headroom). */
static long sandbox_count_procs(uid_t uid)
{
    long n = 0;
    DIR *d = opendir("/proc");
    if (!d)
        return 0;
    struct dirent *de;
    while ((de = readdir(d))) {
        if (de->d_name[0] < '0' || de->d_name[0] > '9')
            continue;
        char path[300];
        snprintf(path, sizeof path, "/proc/%s/status", de->d_name);
        FILE *f = fopen(path, "r");
        if (!f)
            continue;
        char line[256];
        while (fgets(line, sizeof line, f)) {
            unsigned long ruid;
            if (sscanf(line, "Uid: %lu", &ruid) == 1) {
                if ((uid_t)ruid == uid)
                    n++;
                break;
            }
        }
        fclose(f);
    }
    closedir(d);
    return n;
}

/* Kill every process listed in a cgroup until it is empty, then remove it. */
static void sandbox_cgroup_kill(const char *dir)
{
    char *procs = sk_asprintf("%s/cgroup.procs", dir);
    for (int round = 0; round < 200; round++) {
        FILE *f = fopen(procs, "r");
        if (!f)
            break;
        int n = 0;
        long pid;
        while (fscanf(f, "%ld", &pid) == 1) {
            kill((pid_t)pid, SIGKILL);
            n++;
        }
        fclose(f);
        if (n == 0 && rmdir(dir) == 0)
            break;
        struct timespec ts = {0, 5 * 1000 * 1000};
        nanosleep(&ts, NULL);
    }
    rmdir(dir);
    free(procs);
}

static void sandbox_child_fail(int fd, const char *what)
{
    /* async-signal-safe error report through the status pipe */
    int e = errno;
    char buf[256];
    size_t n = 0;
    for (const char *p = what; *p && n < 200; p++)
        buf[n++] = *p;
    buf[n++] = ':';
    buf[n++] = ' ';
    const char *m = strerror(e); /* not strictly AS-safe, but glibc's is fine here */
    for (const char *p = m; *p && n < sizeof buf - 1; p++)
        buf[n++] = *p;
    ssize_t w = write(fd, buf, n);
    (void)w;
    _exit(127);
}

static void sandbox_set_limit(int res, int64_t v)
{
    if (v < 0)
        return;
    struct rlimit rl;
    rl.rlim_cur = rl.rlim_max = (rlim_t)v;
    setrlimit(res, &rl);
}

static int64_t lim_or(int64_t v, int64_t def)
{
    return v == 0 ? def : v;
}

SkStatus sandbox_run(const char *const *argv, const SandboxOptions *opts, SandboxResult *r,
                     SkError *err)
{
    memset(r, 0, sizeof *r);
    r->exit_code = -1;
    r->out = sk_strdup("");
    r->err = sk_strdup("");
    if (!argv || !argv[0] || !opts || !opts->workdir)
        return sk_error_set(err, SK_ERR_INVALID, "sandbox_run: no command or work directory");
    pthread_once(&sandbox_probe_once, sandbox_probe);
    bool use_bwrap = opts->mode != SANDBOX_PLAIN && sandbox_bwrap_ok;
    if (opts->mode == SANDBOX_BWRAP && !use_bwrap)
        return sk_error_set(err, SK_ERR_UNSUPPORTED,
                            "bubblewrap (bwrap) is required but not available");
    char workdir[PATH_MAX];
    if (!realpath(opts->workdir, workdir))
        return sk_error_set(err, SK_ERR_IO, "work directory %s: %s", opts->workdir,
                            strerror(errno));

    int timeout_ms = (int)lim_or(opts->limits.timeout_ms, SANDBOX_DEFAULT_TIMEOUT_MS);
    int64_t cpu = lim_or(opts->limits.cpu_seconds, SANDBOX_DEFAULT_CPU);
    int64_t mem = lim_or(opts->limits.mem_bytes, SANDBOX_DEFAULT_MEM);
    int64_t fsz = lim_or(opts->limits.file_bytes, SANDBOX_DEFAULT_FSIZE);
    int64_t procs = lim_or(opts->limits.max_procs, SANDBOX_DEFAULT_PROCS);
    size_t max_out = opts->limits.max_output ? opts->limits.max_output : SANDBOX_DEFAULT_OUTPUT;
    if (max_out < 64)
        max_out = 64;

    /* environment, from scratch */
    SkVec env;
    sk_vec_init(&env, free);
    sk_vec_push(&env, opts->extra_path && *opts->extra_path
                          ? sk_asprintf("PATH=%s:%s", opts->extra_path, SANDBOX_SAFE_PATH)
                          : sk_strdup("PATH=" SANDBOX_SAFE_PATH));
    sk_vec_push(&env, sk_asprintf("HOME=%s", workdir));
    sk_vec_push(&env, sk_asprintf("PWD=%s", workdir));
    sk_vec_push(&env, sk_strdup("LANG=C.UTF-8"));
    sk_vec_push(&env, sk_strdup("LC_ALL=C.UTF-8"));
    sk_vec_push(&env, sk_strdup("TERM=dumb"));
    sk_vec_push(&env, sk_strdup("USER=sandbox"));
    sk_vec_push(&env, sk_strdup("SHELL=/bin/sh"));
    sk_vec_push(&env, sk_strdup("PYTHONDONTWRITEBYTECODE=1"));
    char *tmpdir = NULL;
    if (use_bwrap) {
        sk_vec_push(&env, sk_strdup("TMPDIR=/tmp"));
    } else {
        /* a per-run tmp beside the work dir, so at least temp files stay with the run */
        char *parent = sk_path_dir(workdir);
        tmpdir = sk_path_join(parent, "tmp");
        free(parent);
        sk_mkdir_p(tmpdir, NULL);
        sk_vec_push(&env, sk_asprintf("TMPDIR=%s", tmpdir));
    }
    for (size_t i = 0; opts->env && opts->env[i]; i++)
        if (strchr(opts->env[i], '='))
            sk_vec_push(&env, sk_strdup(opts->env[i]));
    sk_vec_push(&env, NULL);
    env.len--; /* keep the terminating NULL in the array */
    const char *path_value = ((char *)env.items[0]) + 5;

    /* argv */
    SkVec args;
    sk_vec_init(&args, free);
    char *exe = NULL;
    if (use_bwrap) {
        exe = sk_strdup(sandbox_bwrap_path);
        const char *fixed[] = {"bwrap", "--ro-bind", "/", "/", "--dev", "/dev", "--proc", "/proc",
                               "--tmpfs", "/tmp"};
        for (size_t i = 0; i < SK_ARRAY_LEN(fixed); i++)
            sk_vec_push(&args, sk_strdup(fixed[i]));
        for (size_t i = 0; opts->ro_paths && opts->ro_paths[i]; i++) {
            sk_vec_push(&args, sk_strdup("--ro-bind-try"));
            sk_vec_push(&args, sk_strdup(opts->ro_paths[i]));
            sk_vec_push(&args, sk_strdup(opts->ro_paths[i]));
        }
        const char *more[] = {"--bind", workdir, workdir, "--unshare-pid", "--unshare-ipc",
                              "--unshare-uts", "--die-with-parent", "--new-session", "--chdir",
                              workdir};
        for (size_t i = 0; i < SK_ARRAY_LEN(more); i++)
            sk_vec_push(&args, sk_strdup(more[i]));
        if (!opts->allow_network)
            sk_vec_push(&args, sk_strdup("--unshare-net"));
        if (geteuid() == 0) {
            sk_vec_push(&args, sk_strdup("--cap-drop"));
            sk_vec_push(&args, sk_strdup("ALL"));
        }
        sk_vec_push(&args, sk_strdup("--"));
        for (size_t i = 0; argv[i]; i++)
            sk_vec_push(&args, sk_strdup(argv[i]));
    } else {
        exe = sandbox_find_exe(argv[0], path_value);
        if (!exe) {
            sk_vec_done(&args);
            sk_vec_done(&env);
            free(tmpdir);
            return sk_error_set(err, SK_ERR_NOT_FOUND, "%s: command not found", argv[0]);
        }
        for (size_t i = 0; argv[i]; i++)
            sk_vec_push(&args, sk_strdup(argv[i]));
    }
    sk_vec_push(&args, NULL);
    args.len--;

    /* process-count limit: a pids cgroup when possible, else RLIMIT_NPROC */
    char *cg_dir = NULL, *cg_procs = NULL;
    int64_t nproc_limit = -1;
    if (procs > 0) {
        if (sandbox_cgroup_ok) {
            cg_dir = sk_asprintf(SANDBOX_PIDS_V1 "/skvm-%ld-%u", (long)getpid(),
                                 atomic_fetch_add(&sandbox_seq, 1));
            char *maxf = sk_asprintf("%s/pids.max", cg_dir);
            char num[32];
            snprintf(num, sizeof num, "%lld", (long long)procs + (use_bwrap ? 2 : 0));
            bool ok = mkdir(cg_dir, 0755) == 0;
            if (ok) {
                int fd = open(maxf, O_WRONLY | O_CLOEXEC);
                ok = fd >= 0 && write(fd, num, strlen(num)) == (ssize_t)strlen(num);
                if (fd >= 0)
                    close(fd);
                if (!ok)
                    rmdir(cg_dir);
            }
            free(maxf);
            if (ok) {
                cg_procs = sk_asprintf("%s/cgroup.procs", cg_dir);
                r->procs_limited = true;
            } else {
                free(cg_dir);
                cg_dir = NULL;
            }
        }
        if (!cg_dir && geteuid() != 0) {
            nproc_limit = sandbox_count_procs(getuid()) + procs;
            r->procs_limited = true;
        }
    }
    if (!use_bwrap)
        r->note = sk_strdup("no bwrap: network and file system not isolated");
    if (!r->procs_limited && procs > 0) {
        char *n = sk_asprintf("%s%sprocess count not limited (root without a pids cgroup)",
                              r->note ? r->note : "", r->note ? "; " : "");
        free(r->note);
        r->note = n;
    }

    int outp[2] = {-1, -1}, errp[2] = {-1, -1}, inp[2] = {-1, -1}, stp[2] = {-1, -1};
    if (pipe2(outp, O_CLOEXEC) < 0 || pipe2(errp, O_CLOEXEC) < 0 || pipe2(stp, O_CLOEXEC) < 0 ||
        (opts->stdin_text && pipe2(inp, O_CLOEXEC) < 0)) {
        sk_error_set(err, SK_ERR_IO, "pipe: %s", strerror(errno));
        int all[] = {outp[0], outp[1], errp[0], errp[1], stp[0], stp[1], inp[0], inp[1]};
        for (size_t i = 0; i < SK_ARRAY_LEN(all); i++)
            if (all[i] >= 0)
                close(all[i]);
        goto out_free;
    }
    int64_t t0 = sk_now_ms();
    pid_t pid = fork();
    if (pid < 0) {
        sk_error_set(err, SK_ERR_IO, "fork: %s", strerror(errno));
        close(outp[0]);
        close(outp[1]);
        close(errp[0]);
        close(errp[1]);
        close(stp[0]);
        close(stp[1]);
        if (inp[0] >= 0) {
            close(inp[0]);
            close(inp[1]);
        }
        goto out_free;
    }
    if (pid == 0) {
        /* child: only async-signal-safe calls from here on */
        setsid();
        sigset_t all;
        sigemptyset(&all);
        sigprocmask(SIG_SETMASK, &all, NULL);
        signal(SIGPIPE, SIG_DFL);
        signal(SIGXFSZ, SIG_DFL);
        signal(SIGXCPU, SIG_DFL);
        int in = inp[0] >= 0 ? inp[0] : open("/dev/null", O_RDONLY);
        if (in < 0 || dup2(in, 0) < 0 || dup2(outp[1], 1) < 0 || dup2(errp[1], 2) < 0)
            sandbox_child_fail(stp[1], "dup2");
        if (cg_procs) {
            int fd = open(cg_procs, O_WRONLY);
            char num[24];
            int n = 0;
            long v = (long)getpid();
            char tmp[24];
            int k = 0;
            do {
                tmp[k++] = (char)('0' + v % 10);
                v /= 10;
            } while (v);
            while (k)
                num[n++] = tmp[--k];
            if (fd < 0 || write(fd, num, (size_t)n) != n)
                sandbox_child_fail(stp[1], "joining the pids cgroup");
            close(fd);
        }
        if (chdir(workdir) < 0)
            sandbox_child_fail(stp[1], "chdir");
        sandbox_set_limit(RLIMIT_CPU, cpu);
        sandbox_set_limit(RLIMIT_AS, mem);
        sandbox_set_limit(RLIMIT_FSIZE, fsz);
        sandbox_set_limit(RLIMIT_CORE, 0);
        sandbox_set_limit(RLIMIT_NOFILE, 1024);
        if (nproc_limit > 0)
            sandbox_set_limit(RLIMIT_NPROC, nproc_limit);
#ifdef SYS_close_range
        syscall(SYS_close_range, 3, ~0U, 0);
#endif
        execve(exe, (char *const *)args.items, (char *const *)env.items);
        sandbox_child_fail(stp[1], "exec");
    }
    close(outp[1]);
    close(errp[1]);
    close(stp[1]);
    if (inp[0] >= 0)
        close(inp[0]);

    Capture co, ce;
    capture_init(&co, max_out);
    capture_init(&ce, max_out);
    SkBuf stbuf = SK_BUF_INIT;
    const char *in_p = opts->stdin_text;
    size_t in_left = in_p ? strlen(in_p) : 0;
    if (inp[1] >= 0) {
        fcntl(inp[1], F_SETFL, O_NONBLOCK);
        if (in_left == 0) {
            close(inp[1]);
            inp[1] = -1;
        }
    }
    int fds[4] = {outp[0], errp[0], stp[0], inp[1]};
    bool exited = false;
    int status = 0;
    int64_t killed_at = -1;
    char buf[65536];
    for (;;) {
        int64_t now = sk_now_ms();
        if (!exited && killed_at < 0) {
            if (timeout_ms > 0 && now - t0 >= timeout_ms)
                r->timed_out = true;
            if (opts->cancel && *opts->cancel)
                r->cancelled = true;
            if (r->timed_out || r->cancelled) {
                kill(-pid, SIGKILL);
                kill(pid, SIGKILL);
                if (cg_dir) {
                    /* kill escapees that left the process group */
                    char *p = sk_asprintf("%s/cgroup.procs", cg_dir);
                    FILE *f = fopen(p, "r");
                    long q;
                    while (f && fscanf(f, "%ld", &q) == 1)
                        kill((pid_t)q, SIGKILL);
                    if (f)
                        fclose(f);
                    free(p);
                }
                killed_at = now;
            }
        }
        if (!exited) {
            pid_t w = waitpid(pid, &status, WNOHANG);
            if (w == pid) {
                exited = true;
                /* no leftovers: background processes of the command die with it */
                kill(-pid, SIGKILL);
                if (killed_at < 0)
                    killed_at = now;
            }
        }
        bool open_any = false;
        struct pollfd pfd[4];
        int np = 0;
        int map[4];
        for (int i = 0; i < 4; i++) {
            if (fds[i] < 0)
                continue;
            open_any = open_any || i < 3;
            pfd[np].fd = fds[i];
            pfd[np].events = i == 3 ? POLLOUT : POLLIN;
            pfd[np].revents = 0;
            map[np++] = i;
        }
        if (exited && (!open_any || (killed_at >= 0 && now - killed_at > 500)))
            break;
        if (!open_any && !exited) {
            struct timespec ts = {0, 10 * 1000 * 1000};
            nanosleep(&ts, NULL);
            continue;
        }
        int wait_ms = 50;
        int pr = poll(pfd, (nfds_t)np, wait_ms);
        if (pr < 0 && errno != EINTR)
            break;
        for (int k = 0; k < np && pr > 0; k++) {
            int i = map[k];
            if (!pfd[k].revents)
                continue;
            if (i == 3) {
                ssize_t w = write(fds[3], in_p, in_left);
                if (w > 0) {
                    in_p += w;
                    in_left -= (size_t)w;
                }
                if ((w < 0 && errno != EAGAIN) || in_left == 0 ||
                    (pfd[k].revents & (POLLERR | POLLHUP))) {
                    close(fds[3]);
                    fds[3] = -1;
                }
                continue;
            }
            ssize_t n = read(fds[i], buf, sizeof buf);
            if (n > 0) {
                if (i == 0)
                    capture_add(&co, buf, (size_t)n);
                else if (i == 1)
                    capture_add(&ce, buf, (size_t)n);
                else if (stbuf.len < 1024)
                    sk_buf_append(&stbuf, buf, (size_t)n);
            } else if (n == 0 || (errno != EINTR && errno != EAGAIN)) {
                close(fds[i]);
                fds[i] = -1;
            }
        }
    }
    for (int i = 0; i < 4; i++)
        if (fds[i] >= 0)
            close(fds[i]);
    if (!exited) {
        kill(-pid, SIGKILL);
        while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {
        }
    }
    if (cg_dir)
        sandbox_cgroup_kill(cg_dir);
    r->duration_ms = sk_now_ms() - t0;
    r->bwrap = use_bwrap;
    free(r->out);
    free(r->err);
    r->out = capture_finish(&co, &r->out_cut);
    r->err = capture_finish(&ce, &r->err_cut);
    r->out_total = co.total;
    r->err_total = ce.total;
    if (WIFEXITED(status)) {
        r->exit_code = WEXITSTATUS(status);
        /* bwrap reports a signal death of its child as 128+signal */
        if (use_bwrap && r->exit_code > 128 && r->exit_code < 128 + 65)
            r->term_signal = r->exit_code - 128;
    } else if (WIFSIGNALED(status)) {
        r->term_signal = WTERMSIG(status);
        r->exit_code = 128 + r->term_signal;
    }
    if (r->term_signal == SIGXCPU)
        r->cpu_limit = true;
    if (r->term_signal == SIGXFSZ)
        r->file_limit = true;
    if (stbuf.len > 0) {
        SkStatus st = sk_error_set(err, SK_ERR_IO, "cannot start %s: %s", argv[0],
                                   sk_buf_cstr(&stbuf));
        sk_buf_done(&stbuf);
        r->exit_code = -1;
        free(cg_dir);
        free(cg_procs);
        free(exe);
        free(tmpdir);
        sk_vec_done(&args);
        sk_vec_done(&env);
        return st;
    }
    sk_buf_done(&stbuf);
    free(cg_dir);
    free(cg_procs);
    free(exe);
    free(tmpdir);
    sk_vec_done(&args);
    sk_vec_done(&env);
    return SK_OK;

out_free:
    if (cg_dir)
        sandbox_cgroup_kill(cg_dir);
    free(cg_dir);
    free(cg_procs);
    free(exe);
    free(tmpdir);
    sk_vec_done(&args);
    sk_vec_done(&env);
    return err ? err->code : SK_ERR_IO;
}

SkStatus sandbox_run_shell(const char *command, const SandboxOptions *opts, SandboxResult *r,
                           SkError *err)
{
    const char *argv[] = {"/bin/sh", "-c", command ? command : "", NULL};
    return sandbox_run(argv, opts, r, err);
}
