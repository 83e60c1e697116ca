/* tools.c: read_file, write_file, list_directory, execute_command, web_fetch. */
#include "core/tools.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/http.h"
#include "core/js.h"

#define TOOLS_DEFAULT_OUTPUT 30000
#define TOOLS_DEFAULT_READ (10u << 20)
#define TOOLS_COMMAND_TIMEOUT_MS 30000

typedef struct ToolDef {
    const char *name;
    const char *description;
    const char *schema;
} ToolDef;

static const ToolDef tools_defs[] = {
    {"read_file", "Read the contents of a file in the working directory.",
     "{\"type\":\"object\",\"properties\":{\"path\":{\"type\":\"string\",\"description\":"
     "\"Path of the file, relative to the working directory\"}},\"required\":[\"path\"]}"},
    {"write_file",
     "Write content to a file in the working directory (parent folders are created; an "
     "existing file is overwritten).",
     "{\"type\":\"object\",\"properties\":{\"path\":{\"type\":\"string\",\"description\":"
     "\"Path of the file, relative to the working directory\"},\"content\":{\"type\":"
     "\"string\",\"description\":\"The full content to write\"}},\"required\":[\"path\","
     "\"content\"]}"},
    {"list_directory", "List the files and folders in a directory of the working directory.",
     "{\"type\":\"object\",\"properties\":{\"path\":{\"type\":\"string\",\"description\":"
     "\"Directory path, relative to the working directory (default: .)\"}}}"},
    {"execute_command",
     "Execute a shell command in the working directory and return its output and exit code.",
     "{\"type\":\"object\",\"properties\":{\"command\":{\"type\":\"string\",\"description\":"
     "\"The shell command to run\"}},\"required\":[\"command\"]}"},
    {"web_fetch", "Fetch a URL over HTTP and return the status and body.",
     "{\"type\":\"object\",\"properties\":{\"url\":{\"type\":\"string\"},\"method\":{\"type\":"
     "\"string\",\"description\":\"HTTP method (default GET)\"},\"headers\":{\"type\":"
     "\"object\"},\"body\":{\"type\":\"string\"}},\"required\":[\"url\"]}"},
};

void tools_config_init(ToolsConfig *cfg, const char *workdir)
{
    memset(cfg, 0, sizeof *cfg);
    cfg->workdir = workdir;
    sandbox_options_init(&cfg->sandbox, workdir);
    cfg->sandbox.limits.timeout_ms = TOOLS_COMMAND_TIMEOUT_MS;
}

void tool_result_done(ToolResult *r)
{
    if (!r)
        return;
    free(r->output);
    memset(r, 0, sizeof *r);
}

size_t tools_count(const ToolsConfig *cfg)
{
    return SK_ARRAY_LEN(tools_defs) - (cfg->allow_web ? 0 : 1);
}

const char *tools_name(const ToolsConfig *cfg, size_t i)
{
    return i < tools_count(cfg) ? tools_defs[i].name : NULL;
}

json_t *tools_definitions(const ToolsConfig *cfg)
{
    json_t *arr = json_array();
    for (size_t i = 0; i < tools_count(cfg); i++) {
        json_t *schema = json_loads(tools_defs[i].schema, 0, NULL);
        json_array_append_new(arr, json_pack("{s:s, s:s, s:o}", "name", tools_defs[i].name,
                                             "description", tools_defs[i].description,
                                             "input_schema", schema));
    }
    return arr;
}

/* ---- helpers ---- */

static void tools_set(const ToolsConfig *cfg, ToolResult *out, char *text, bool is_error)
{
    size_t max = cfg->max_output ? cfg->max_output : TOOLS_DEFAULT_OUTPUT;
    size_t len = strlen(text);
    out->output_bytes = len;
    if (len > max) {
        out->output = sandbox_cap_text(text, len, max);
        out->truncated = true;
        free(text);
    } else {
        out->output = text;
    }
    out->is_error = is_error;
    if (out->exit_code == -1)
        out->exit_code = is_error ? 1 : 0;
}

static void tools_fail(const ToolsConfig *cfg, ToolResult *out, const char *fmt, ...)
    ATTR_FORMAT(3, 4);
static void tools_fail(const ToolsConfig *cfg, ToolResult *out, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    char *m = sk_vasprintf(fmt, ap);
    va_end(ap);
    tools_set(cfg, out, m, true);
}

/* A string argument, or NULL. */
static const char *tools_arg(const json_t *args, const char *key)
{
    const json_t *v = json_object_get(args, key);
    return json_is_string(v) ? json_string_value(v) : NULL;
}

static void tools_sandbox_error(const ToolsConfig *cfg, ToolResult *out, const SkError *e)
{
    if (e->code == SK_ERR_SANDBOX)
        out->sandbox_denied = true;
    tools_fail(cfg, out, "Error: %s", e->msg);
}

/* ---- the tools ---- */

static void tool_read_file(const ToolsConfig *cfg, const json_t *args, ToolResult *out)
{
    const char *path = tools_arg(args, "path");
    if (!path) {
        tools_fail(cfg, out, "Error: read_file needs a string argument 'path'");
        return;
    }
    SkError e;
    int fd;
    if (sandbox_open(cfg->workdir, path, O_RDONLY, 0, &fd, &e) != SK_OK) {
        tools_sandbox_error(cfg, out, &e);
        return;
    }
    struct stat st;
    if (fstat(fd, &st) == 0 && S_ISDIR(st.st_mode)) {
        close(fd);
        tools_fail(cfg, out, "Error: %s is a directory (use list_directory)", path);
        return;
    }
    size_t max = cfg->max_read ? cfg->max_read : TOOLS_DEFAULT_READ;
    SkBuf b = SK_BUF_INIT;
    char buf[65536];
    ssize_t n;
    bool too_big = false;
    while ((n = read(fd, buf, sizeof buf)) > 0) {
        if (b.len + (size_t)n > max) {
            too_big = true;
            break;
        }
        sk_buf_append(&b, buf, (size_t)n);
    }
    close(fd);
    if (too_big) {
        sk_buf_done(&b);
        tools_fail(cfg, out, "Error: %s is larger than %zu bytes; read part of it with "
                             "execute_command (head, sed -n)", path, max);
        return;
    }
    size_t bad;
    if (b.len && (!sk_utf8_valid(b.data, b.len, &bad) || memchr(b.data, '\0', b.len))) {
        size_t len = b.len;
        sk_buf_done(&b);
        tools_fail(cfg, out, "Error: %s is a binary file (%zu bytes), not text", path, len);
        return;
    }
    if (!b.data)
        sk_buf_puts(&b, "");
    tools_set(cfg, out, sk_buf_steal(&b), false);
}

static void tool_write_file(const ToolsConfig *cfg, const json_t *args, ToolResult *out)
{
    const char *path = tools_arg(args, "path");
    const json_t *cv = json_object_get(args, "content");
    if (!path || !json_is_string(cv)) {
        tools_fail(cfg, out, "Error: write_file needs string arguments 'path' and 'content'");
        return;
    }
    SkError e;
    int fd;
    if (sandbox_open(cfg->workdir, path, O_WRONLY | O_CREAT | O_TRUNC, 0644, &fd, &e) != SK_OK) {
        tools_sandbox_error(cfg, out, &e);
        return;
    }
    const char *p = json_string_value(cv);
    size_t left = json_string_length(cv);
    while (left > 0) {
        ssize_t w = write(fd, p, left);
        if (w < 0) {
            if (errno == EINTR)
                continue;
            int er = errno;
            close(fd);
            tools_fail(cfg, out, "Error: writing %s: %s", path, strerror(er));
            return;
        }
        p += w;
        left -= (size_t)w;
    }
    close(fd);
    tools_set(cfg, out, sk_asprintf("File written: %s", path), false);
}

static int tools_cmp_str(const void *a, const void *b)
{
    const char *const *x = a, *const *y = b;
    return strcmp(*x + 1, *y + 1); /* skip the kind prefix byte */
}

static void tool_list_directory(const ToolsConfig *cfg, const json_t *args, ToolResult *out)
{
    const char *path = tools_arg(args, "path");
    if (!path || !*path)
        path = ".";
    SkError e;
    int fd;
    if (sandbox_open(cfg->workdir, path, O_RDONLY | O_DIRECTORY, 0, &fd, &e) != SK_OK) {
        if (e.code == SK_ERR_NOT_FOUND)
            tools_fail(cfg, out, "Error: Directory not found: %s", path);
        else
            tools_sandbox_error(cfg, out, &e);
        return;
    }
    DIR *d = fdopendir(fd);
    if (!d) {
        close(fd);
        tools_fail(cfg, out, "Error: %s is not a directory", path);
        return;
    }
    SkVec names;
    sk_vec_init(&names, free);
    struct dirent *de;
    while ((de = readdir(d))) {
        if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
            continue;
        bool is_dir = de->d_type == DT_DIR;
        if (de->d_type == DT_UNKNOWN) {
            struct stat st;
            is_dir = fstatat(dirfd(d), de->d_name, &st, AT_SYMLINK_NOFOLLOW) == 0 &&
                     S_ISDIR(st.st_mode);
        }
        sk_vec_push(&names, sk_asprintf("%c%s", is_dir ? 'd' : 'f', de->d_name));
    }
    closedir(d);
    if (names.len == 0) {
        sk_vec_done(&names);
        tools_set(cfg, out, sk_strdup("(empty directory)"), false);
        return;
    }
    qsort(names.items, names.len, sizeof(void *), tools_cmp_str);
    SkBuf b = SK_BUF_INIT;
    for (size_t i = 0; i < names.len; i++) {
        const char *n = names.items[i];
        sk_buf_printf(&b, "%s%s %s", i ? "\n" : "", n[0] == 'd' ? "[dir]" : "[file]", n + 1);
    }
    sk_vec_done(&names);
    tools_set(cfg, out, sk_buf_steal(&b), false);
}

/* Whole-word match of WORD in S. */
static bool tools_has_word(const char *s, const char *word)
{
    size_t n = strlen(word);
    for (const char *p = strstr(s, word); p; p = strstr(p + 1, word)) {
        bool left = p == s || !(p[-1] == '_' || p[-1] == '-' || (p[-1] >= 'a' && p[-1] <= 'z') ||
                                (p[-1] >= 'A' && p[-1] <= 'Z') || (p[-1] >= '0' && p[-1] <= '9'));
        char c = p[n];
        bool right = !(c == '_' || c == '-' || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
                       (c >= '0' && c <= '9'));
        if (left && right)
            return true;
    }
    return false;
}

static void tool_execute_command(const ToolsConfig *cfg, const json_t *args, ToolResult *out)
{
    const char *cmd = tools_arg(args, "command");
    if (!cmd || !*cmd) {
        tools_fail(cfg, out, "Error: execute_command needs a string argument 'command'");
        return;
    }
    if (tools_has_word(cmd, "pkill") || tools_has_word(cmd, "killall")) {
        out->sandbox_denied = true;
        tools_fail(cfg, out, "Error: commands using pkill or killall are not allowed");
        return;
    }
    SandboxOptions so = cfg->sandbox;
    so.workdir = cfg->workdir;
    size_t max = cfg->max_output ? cfg->max_output : TOOLS_DEFAULT_OUTPUT;
    if (!so.limits.max_output)
        so.limits.max_output = max;
    SandboxResult r;
    SkError e;
    SkStatus st = sandbox_run_shell(cmd, &so, &r, &e);
    if (st != SK_OK) {
        out->crashed = st != SK_ERR_NOT_FOUND;
        sandbox_result_done(&r);
        tools_fail(cfg, out, "Error: %s", e.msg);
        out->exit_code = -1;
        return;
    }
    SkBuf b = SK_BUF_INIT;
    if (r.timed_out) {
        int secs = (so.limits.timeout_ms + 999) / 1000;
        sk_buf_printf(&b, "Error: command timed out after %ds", secs);
    }
    if (r.cancelled)
        sk_buf_puts(&b, "Error: command cancelled");
    if (r.out[0])
        sk_buf_printf(&b, "%sstdout:\n%s", b.len ? "\n" : "", r.out);
    if (r.err[0])
        sk_buf_printf(&b, "%sstderr:\n%s", b.len ? "\n" : "", r.err);
    if (r.cpu_limit)
        sk_buf_printf(&b, "%s[killed: CPU time limit reached]", b.len ? "\n" : "");
    if (r.file_limit)
        sk_buf_printf(&b, "%s[killed: file size limit reached]", b.len ? "\n" : "");
    if (!r.timed_out && !r.cancelled)
        sk_buf_printf(&b, "%sexit code: %d", b.len ? "\n" : "", r.exit_code);
    out->exit_code = r.exit_code;
    bool r_timed_out_or_cancelled = r.timed_out || r.cancelled;
    bool cut = r.out_cut || r.err_cut;
    size_t total = r.out_total + r.err_total;
    sandbox_result_done(&r);
    /* a command that ran is not a tool error, whatever its exit code (the model reads it) */
    tools_set(cfg, out, sk_buf_steal(&b), r_timed_out_or_cancelled);
    if (cut) {
        out->truncated = true;
        out->output_bytes = SK_MAX(out->output_bytes, total);
    }
}

typedef struct FetchCtx {
    SkBuf body;
    size_t cap;
    size_t total;
} FetchCtx;

static bool tools_fetch_data(const char *data, size_t n, int64_t t_ms, void *ud)
{
    (void)t_ms;
    FetchCtx *c = ud;
    c->total += n;
    if (c->body.len < c->cap)
        sk_buf_append(&c->body, data, SK_MIN(n, c->cap - c->body.len));
    return c->total < c->cap * 4; /* stop a very large download early */
}

static void tool_web_fetch(const ToolsConfig *cfg, const json_t *args, ToolResult *out)
{
    if (!cfg->allow_web) {
        out->sandbox_denied = true;
        tools_fail(cfg, out, "Error: web_fetch is not enabled for this run");
        return;
    }
    const char *url = tools_arg(args, "url");
    if (!url || !(sk_str_starts(url, "http://") || sk_str_starts(url, "https://"))) {
        tools_fail(cfg, out, "Error: web_fetch needs an http:// or https:// 'url'");
        return;
    }
    if (!cfg->http) {
        tools_fail(cfg, out, "Error: web_fetch is not available (no HTTP engine)");
        return;
    }
    SkVec hdrs;
    sk_vec_init(&hdrs, free);
    const json_t *h = json_object_get(args, "headers");
    const char *k;
    json_t *v;
    if (json_is_object(h))
        json_object_foreach((json_t *)h, k, v) if (json_is_string(v) && !strpbrk(k, "\r\n:") &&
                                                   !strpbrk(json_string_value(v), "\r\n"))
            sk_vec_push(&hdrs, sk_asprintf("%s: %s", k, json_string_value(v)));
    FetchCtx ctx;
    memset(&ctx, 0, sizeof ctx);
    ctx.cap = (cfg->max_output ? cfg->max_output : TOOLS_DEFAULT_OUTPUT) * 4;
    HttpRequest req;
    memset(&req, 0, sizeof req);
    req.method = tools_arg(args, "method");
    req.url = url;
    req.headers = (const char *const *)hdrs.items;
    req.n_headers = hdrs.len;
    req.body = tools_arg(args, "body");
    req.body_len = req.body ? strlen(req.body) : 0;
    req.connect_timeout_ms = 10000;
    req.total_timeout_ms = 30000;
    req.cancel = cfg->sandbox.cancel;
    req.on_data = tools_fetch_data;
    req.ud = &ctx;
    HttpResult res;
    http_result_init(&res);
    SkError e;
    SkStatus st = http_perform(cfg->http, &req, &res, &e);
    sk_vec_done(&hdrs);
    if (st != SK_OK) {
        http_result_done(&res);
        sk_buf_done(&ctx.body);
        tools_fail(cfg, out, "Error: %s", e.msg);
        return;
    }
    char *text = sk_asprintf("HTTP %d\n%s", res.status, sk_buf_cstr(&ctx.body));
    http_result_done(&res);
    sk_buf_done(&ctx.body);
    tools_set(cfg, out, text, res.status >= 400);
}

void tools_execute(const ToolsConfig *cfg, const char *name, const char *arguments,
                   ToolResult *out)
{
    memset(out, 0, sizeof *out);
    out->exit_code = -1;
    int64_t t0 = sk_now_ms();
    json_t *args = NULL;
    SkError e;
    const char *a = arguments && *arguments ? arguments : "{}";
    if (!name)
        name = "";
    bool known = false;
    for (size_t i = 0; i < SK_ARRAY_LEN(tools_defs); i++)
        known = known || strcmp(tools_defs[i].name, name) == 0;
    if (!known) {
        tools_fail(cfg, out, "Unknown tool: %s", name);
    } else if (js_parse(a, strlen(a), &args, &e) != SK_OK || !json_is_object(args)) {
        tools_fail(cfg, out, "Error: invalid arguments for %s (expected a JSON object): %s",
                   name, args ? "not an object" : e.msg);
    } else if (strcmp(name, "read_file") == 0) {
        tool_read_file(cfg, args, out);
    } else if (strcmp(name, "write_file") == 0) {
        tool_write_file(cfg, args, out);
    } else if (strcmp(name, "list_directory") == 0) {
        tool_list_directory(cfg, args, out);
    } else if (strcmp(name, "execute_command") == 0) {
        tool_execute_command(cfg, args, out);
    } else {
        tool_web_fetch(cfg, args, out);
    }
    json_decref(args);
    if (!out->output)
        out->output = sk_strdup("");
    out->duration_ms = sk_now_ms() - t0;
}
