/* msrv.c: start, script, query and stop the loopback model server from C tests. */
#include "tests/modelserver/msrv.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "core/js.h"

struct Msrv {
    pid_t pid;
    int lifeline;  /* write end of the server's stdin; closing it stops the server */
    int port;
    char *dir;     /* scratch folder: scenario file, server stderr */
    char *url_openai;
    char *url_anthropic;
    char last_error[SK_ERROR_MSG_MAX];
};

#define MSRV_START_TIMEOUT_MS 20000
#define MSRV_IO_TIMEOUT_S 30

/* The interpreter to run: $SKVM_PYTHON when set, else python3 found on PATH. New string or
 * NULL. */
static char *msrv_find_python(void)
{
    const char *env = getenv("SKVM_PYTHON");
    if (env && *env)
        return access(env, X_OK) == 0 ? sk_strdup(env) : NULL;
    const char *path = getenv("PATH");
    if (!path || !*path)
        path = "/usr/local/bin:/usr/bin:/bin";
    char *copy = sk_strdup(path);
    char *save = NULL;
    char *found = NULL;
    for (char *dir = strtok_r(copy, ":", &save); dir; dir = strtok_r(NULL, ":", &save)) {
        char *cand = sk_path_join(*dir ? dir : ".", "python3");
        struct stat st;
        if (stat(cand, &st) == 0 && S_ISREG(st.st_mode) && access(cand, X_OK) == 0) {
            found = cand;
            break;
        }
        free(cand);
    }
    free(copy);
    return found;
}

bool msrv_available(void)
{
    char *p = msrv_find_python();
    bool ok = p != NULL;
    free(p);
    return ok;
}

static void msrv_cloexec(int fd)
{
    int flags = fcntl(fd, F_GETFD);
    if (flags >= 0)
        fcntl(fd, F_SETFD, flags | FD_CLOEXEC);
}

static bool msrv_is_json_text(const char *s)
{
    while (*s == ' ' || *s == '\t' || *s == '\n' || *s == '\r')
        s++;
    return *s == '{' || *s == '[';
}

/* Reap PID, waiting up to MS milliseconds. True when it was reaped. */
static bool msrv_reap(pid_t pid, int ms, int *status)
{
    for (int waited = 0;; waited += 10) {
        pid_t r = waitpid(pid, status, WNOHANG);
        if (r == pid || (r < 0 && errno == ECHILD))
            return true;
        if (waited >= ms)
            return false;
        struct timespec ts = {0, 10 * 1000 * 1000};
        nanosleep(&ts, NULL);
    }
}

static void msrv_kill(pid_t pid)
{
    int status;
    kill(pid, SIGTERM);
    if (!msrv_reap(pid, 5000, &status)) {
        kill(pid, SIGKILL);
        msrv_reap(pid, 5000, &status);
    }
}

/* The server's stderr (trimmed, at most a few hundred bytes) for error messages. */
static char *msrv_stderr_text(const Msrv *m)
{
    char *path = sk_path_join(m->dir, "stderr.txt");
    char *text = NULL;
    size_t len = 0;
    if (sk_read_file(path, 1 << 20, &text, &len, NULL) != SK_OK)
        text = sk_strdup("");
    free(path);
    sk_str_trim(text);
    if (strlen(text) > 600)
        text[600] = '\0';
    return text;
}

static void msrv_free(Msrv *m)
{
    if (!m)
        return;
    if (m->lifeline >= 0)
        close(m->lifeline);
    if (m->dir) {
        sk_rm_rf(m->dir, NULL);
        free(m->dir);
    }
    free(m->url_openai);
    free(m->url_anthropic);
    free(m);
}

Msrv *msrv_start(const char *scenario, SkError *err)
{
    char *python = msrv_find_python();
    if (!python) {
        sk_error_set(err, SK_ERR_UNSUPPORTED, "python3 is not installed (needed by the model server)");
        return NULL;
    }
    char *script = tl_source_path("tests/modelserver/modelserver.py");
    if (!sk_is_file(script)) {
        sk_error_set(err, SK_ERR_NOT_FOUND, "model server script not found: %s", script);
        free(script);
        free(python);
        return NULL;
    }
    Msrv *m = sk_calloc(1, sizeof *m);
    m->lifeline = -1;
    m->pid = -1;
    m->dir = sk_mkdtemp("skvm-msrv-");
    if (!m->dir) {
        sk_error_set(err, SK_ERR_IO, "cannot make a temporary folder for the model server");
        goto fail;
    }
    char *scenario_path = NULL;
    if (scenario && *scenario) {
        if (msrv_is_json_text(scenario)) {
            scenario_path = sk_path_join(m->dir, "scenario.json");
            if (sk_write_file_atomic(scenario_path, scenario, strlen(scenario), err) != SK_OK) {
                free(scenario_path);
                goto fail;
            }
        } else {
            scenario_path = sk_strdup(scenario);
        }
    }
    char *err_path = sk_path_join(m->dir, "stderr.txt");

    int in_pipe[2], out_pipe[2];
    if (pipe(in_pipe) != 0) {
        sk_error_set(err, SK_ERR_IO, "pipe: %s", strerror(errno));
        free(scenario_path);
        free(err_path);
        goto fail;
    }
    if (pipe(out_pipe) != 0) {
        sk_error_set(err, SK_ERR_IO, "pipe: %s", strerror(errno));
        close(in_pipe[0]);
        close(in_pipe[1]);
        free(scenario_path);
        free(err_path);
        goto fail;
    }
    msrv_cloexec(in_pipe[1]);
    msrv_cloexec(out_pipe[0]);

    fflush(NULL);
    pid_t pid = fork();
    if (pid == 0) {
        int efd = open(err_path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
        dup2(in_pipe[0], 0);
        dup2(out_pipe[1], 1);
        if (efd >= 0)
            dup2(efd, 2);
        close(in_pipe[0]);
        close(out_pipe[1]);
        if (efd > 2)
            close(efd);
        signal(SIGPIPE, SIG_DFL);
        char *argv[8];
        int n = 0;
        argv[n++] = python;
        argv[n++] = script;
        argv[n++] = (char *)"--stdin-lifeline";
        if (scenario_path) {
            argv[n++] = (char *)"--scenario";
            argv[n++] = scenario_path;
        }
        argv[n] = NULL;
        execv(python, argv);
        _exit(127);
    }
    close(in_pipe[0]);
    close(out_pipe[1]);
    free(scenario_path);
    free(err_path);
    if (pid < 0) {
        sk_error_set(err, SK_ERR_IO, "fork: %s", strerror(errno));
        close(in_pipe[1]);
        close(out_pipe[0]);
        goto fail;
    }
    m->pid = pid;
    m->lifeline = in_pipe[1];

    /* Wait for "PORT <n>\n". */
    char line[128];
    size_t got = 0;
    int64_t deadline = sk_now_ms() + MSRV_START_TIMEOUT_MS;
    bool have_line = false;
    while (!have_line && got < sizeof line - 1) {
        int64_t left = deadline - sk_now_ms();
        if (left <= 0)
            break;
        struct pollfd p = {out_pipe[0], POLLIN, 0};
        int r = poll(&p, 1, (int)left);
        if (r < 0 && errno == EINTR)
            continue;
        if (r <= 0)
            break;
        ssize_t k = read(out_pipe[0], line + got, sizeof line - 1 - got);
        if (k < 0 && errno == EINTR)
            continue;
        if (k <= 0)
            break;
        got += (size_t)k;
        line[got] = '\0';
        have_line = strchr(line, '\n') != NULL;
    }
    close(out_pipe[0]);
    line[got] = '\0';
    if (!have_line || sscanf(line, "PORT %d", &m->port) != 1 || m->port <= 0) {
        int status = 0;
        bool exited = msrv_reap(m->pid, 500, &status);
        if (!exited)
            msrv_kill(m->pid);
        m->pid = -1;
        char *why = msrv_stderr_text(m);
        if (exited && WIFEXITED(status) && WEXITSTATUS(status) == 2)
            sk_error_set(err, SK_ERR_INVALID, "model server rejected its scenario: %s", why);
        else
            sk_error_set(err, SK_ERR_IO, "model server did not report a port%s%s",
                         *why ? ": " : "", why);
        free(why);
        goto fail;
    }
    m->url_openai = sk_asprintf("http://127.0.0.1:%d/v1", m->port);
    m->url_anthropic = sk_asprintf("http://127.0.0.1:%d", m->port);
    free(python);
    free(script);
    return m;

fail:
    free(python);
    free(script);
    if (m->pid > 0)
        msrv_kill(m->pid);
    msrv_free(m);
    return NULL;
}

int msrv_port(const Msrv *m)
{
    return m->port;
}

const char *msrv_base_url(const Msrv *m, const char *protocol)
{
    return protocol && strcmp(protocol, "openai") == 0 ? m->url_openai : m->url_anthropic;
}

const char *msrv_last_error(const Msrv *m)
{
    return m->last_error;
}

static bool msrv_send_all(int fd, const char *p, size_t n)
{
    while (n > 0) {
        ssize_t k = send(fd, p, n, MSG_NOSIGNAL);
        if (k < 0 && errno == EINTR)
            continue;
        if (k <= 0)
            return false;
        p += k;
        n -= (size_t)k;
    }
    return true;
}

/* Decode a chunked body in place-ish: returns a new string. */
static char *msrv_dechunk(const char *p, const char *end)
{
    SkBuf out = SK_BUF_INIT;
    while (p < end) {
        char *q = NULL;
        unsigned long size = strtoul(p, &q, 16);
        const char *eol = strstr(p, "\r\n");
        if (!eol || eol >= end || q == p)
            break;
        p = eol + 2;
        if (size == 0)
            break;
        if ((size_t)(end - p) < size) {
            sk_buf_append(&out, p, (size_t)(end - p)); /* cut short: keep what came */
            break;
        }
        sk_buf_append(&out, p, size);
        p += size;
        if (end - p >= 2 && p[0] == '\r' && p[1] == '\n')
            p += 2;
    }
    return sk_buf_steal(&out);
}

SkStatus msrv_http(Msrv *m, const char *method, const char *path, const char *extra_headers,
                   const char *body, int *status, char **response, SkError *err)
{
    *status = 0;
    if (response)
        *response = NULL;
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    if (fd < 0)
        return sk_error_set(err, SK_ERR_NETWORK, "socket: %s", strerror(errno));
    msrv_cloexec(fd);
    struct timeval tv = {MSRV_IO_TIMEOUT_S, 0};
    setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
    struct sockaddr_in sa;
    memset(&sa, 0, sizeof sa);
    sa.sin_family = AF_INET;
    sa.sin_port = htons((uint16_t)m->port);
    sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (connect(fd, (struct sockaddr *)&sa, sizeof sa) != 0) {
        int e = errno;
        close(fd);
        return sk_error_set(err, SK_ERR_NETWORK, "connect to model server port %d: %s", m->port,
                            strerror(e));
    }
    SkBuf req = SK_BUF_INIT;
    sk_buf_printf(&req, "%s %s HTTP/1.1\r\nHost: 127.0.0.1:%d\r\nConnection: close\r\n", method,
                  path, m->port);
    if (extra_headers)
        sk_buf_puts(&req, extra_headers);
    if (body)
        sk_buf_printf(&req, "Content-Type: application/json\r\nContent-Length: %zu\r\n",
                      strlen(body));
    sk_buf_puts(&req, "\r\n");
    if (body)
        sk_buf_puts(&req, body);
    bool sent = msrv_send_all(fd, req.data, req.len);
    sk_buf_done(&req);
    if (!sent) {
        int e = errno;
        close(fd);
        return sk_error_set(err, SK_ERR_NETWORK, "send to model server: %s", strerror(e));
    }
    SkBuf in = SK_BUF_INIT;
    char tmp[16384];
    for (;;) {
        ssize_t k = recv(fd, tmp, sizeof tmp, 0);
        if (k < 0 && errno == EINTR)
            continue;
        if (k < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
            close(fd);
            sk_buf_done(&in);
            return sk_error_set(err, SK_ERR_TIMEOUT, "model server did not answer %s %s in %d s",
                                method, path, MSRV_IO_TIMEOUT_S);
        }
        if (k <= 0)
            break; /* EOF, or reset by an injected fault: report what came */
        sk_buf_append(&in, tmp, (size_t)k);
    }
    close(fd);
    const char *all = sk_buf_cstr(&in);
    const char *hend = strstr(all, "\r\n\r\n");
    int code = 0;
    if (hend && sscanf(all, "HTTP/1.%*d %d", &code) == 1)
        *status = code;
    if (response) {
        if (!hend) {
            *response = sk_strdup("");
        } else {
            const char *b = hend + 4;
            const char *end = all + in.len;
            char *head = sk_strndup(all, (size_t)(hend - all));
            for (char *h = head; *h; h++)
                if (*h >= 'A' && *h <= 'Z')
                    *h = (char)(*h - 'A' + 'a');
            const char *te = strstr(head, "\r\ntransfer-encoding:");
            bool chunked = false;
            if (te) {
                const char *eol = strstr(te + 2, "\r\n");
                const char *ch = strstr(te, "chunked");
                chunked = ch && (!eol || ch < eol);
            }
            free(head);
            *response = chunked ? msrv_dechunk(b, end) : sk_strndup(b, (size_t)(end - b));
        }
    }
    sk_buf_done(&in);
    return SK_OK;
}

/* POST/GET a control endpoint; on success returns the body (free() it). */
static char *msrv_control(Msrv *m, const char *method, const char *path, const char *body)
{
    SkError e;
    sk_error_clear(&e);
    int status = 0;
    char *resp = NULL;
    if (msrv_http(m, method, path, NULL, body, &status, &resp, &e) != SK_OK) {
        snprintf(m->last_error, sizeof m->last_error, "%.1000s", e.msg);
        return NULL;
    }
    if (status != 200) {
        snprintf(m->last_error, sizeof m->last_error, "%s %s: HTTP %d: %s", method, path, status,
                 resp ? resp : "");
        free(resp);
        return NULL;
    }
    m->last_error[0] = '\0';
    return resp;
}

SkStatus msrv_set_script(Msrv *m, const char *json_text)
{
    char *r = msrv_control(m, "POST", "/_script", json_text ? json_text : "{}");
    if (!r)
        return SK_ERR_INVALID;
    free(r);
    return SK_OK;
}

SkStatus msrv_reset(Msrv *m)
{
    char *r = msrv_control(m, "POST", "/_reset", "");
    if (!r)
        return SK_ERR_IO;
    free(r);
    return SK_OK;
}

json_t *msrv_requests(Msrv *m)
{
    char *r = msrv_control(m, "GET", "/_requests", NULL);
    if (!r)
        return NULL;
    json_t *v = NULL;
    SkError e;
    sk_error_clear(&e);
    if (js_parse(r, strlen(r), &v, &e) != SK_OK || !json_is_array(v)) {
        snprintf(m->last_error, sizeof m->last_error, "GET /_requests: %.900s",
                 v ? "not an array" : e.msg);
        json_decref(v);
        v = NULL;
    }
    free(r);
    return v;
}

void msrv_stop(Msrv *m)
{
    if (!m)
        return;
    if (m->lifeline >= 0) {
        close(m->lifeline);
        m->lifeline = -1;
    }
    if (m->pid > 0) {
        int status;
        if (!msrv_reap(m->pid, 2000, &status))
            msrv_kill(m->pid);
        m->pid = -1;
    }
    msrv_free(m);
}

void msrv_write_route(const Msrv *m, const char *home, const char *match)
{
    char *y = sk_asprintf("providers:\n  routes:\n    - match: \"%s\"\n"
                          "      kind: openai-compatible\n      base_url: %s\n",
                          match, msrv_base_url(m, "openai"));
    char *path = sk_path_join(home, "config.yaml");
    if (sk_write_file_atomic(path, y, strlen(y), NULL) != SK_OK)
        sk_die("msrv_write_route: cannot write %s", path);
    free(path);
    free(y);
}
