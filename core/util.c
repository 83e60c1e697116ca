/* util.c: status codes, allocation, buffers, vectors, strings, files, clock, log, SHA-256. */
#include "core/util.h"

#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include <wchar.h>

#include "core/embed.h"

/* ---- status ---- */

static const char *const status_messages[] = {
#define SK_STATUS_MSG(id, msg) msg,
    SK_STATUS_INFO(SK_STATUS_MSG)
#undef SK_STATUS_MSG
};

static const char *const status_names[] = {
#define SK_STATUS_NAME(id, msg) #id,
    SK_STATUS_INFO(SK_STATUS_NAME)
#undef SK_STATUS_NAME
};

const char *sk_status_message(SkStatus s)
{
    if ((unsigned)s >= SK_STATUS_COUNT)
        return "unknown status";
    return status_messages[s];
}

const char *sk_status_name(SkStatus s)
{
    if ((unsigned)s >= SK_STATUS_COUNT)
        return "unknown";
    const char *n = status_names[s];
    if (sk_str_starts(n, "SK_ERR_"))
        return n + 7;
    return "ok";
}

SkStatus sk_error_set(SkError *err, SkStatus code, const char *fmt, ...)
{
    if (!err)
        return code;
    err->code = code;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(err->msg, sizeof err->msg, fmt, ap);
    va_end(ap);
    return code;
}

SkStatus sk_error_prefix(SkError *err, const char *fmt, ...)
{
    if (!err)
        return SK_OK;
    char prefix[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(prefix, sizeof prefix, fmt, ap);
    va_end(ap);
    char *joined = sk_asprintf("%s: %s", prefix, err->msg);
    size_t n = SK_MIN(strlen(joined), sizeof err->msg - 1);
    memcpy(err->msg, joined, n);
    err->msg[n] = '\0';
    free(joined);
    return err->code;
}

void sk_error_clear(SkError *err)
{
    if (err) {
        err->code = SK_OK;
        err->msg[0] = '\0';
    }
}

/* ---- fatal path ---- */

#define DIE_HOOKS_MAX 8
static SkDieHook die_hooks[DIE_HOOKS_MAX];
static int die_hook_count;

void sk_die_hook_add(SkDieHook hook)
{
    if (die_hook_count < DIE_HOOKS_MAX)
        die_hooks[die_hook_count++] = hook;
}

void sk_die_run_hooks(void)
{
    static volatile int running;
    if (running)
        return;
    running = 1;
    for (int i = die_hook_count - 1; i >= 0; i--)
        die_hooks[i]();
}

void sk_die(const char *fmt, ...)
{
    sk_die_run_hooks();
    va_list ap;
    va_start(ap, fmt);
    fputs("skvm: fatal: ", stderr);
    vfprintf(stderr, fmt, ap);
    fputc('\n', stderr);
    va_end(ap);
    exit(70);
}

/* ---- allocation ---- */

void *sk_malloc(size_t n)
{
    void *p = malloc(n ? n : 1);
    if (!p)
        sk_die("out of memory (%zu bytes)", n);
    return p;
}

void *sk_calloc(size_t n, size_t size)
{
    void *p = calloc(n ? n : 1, size ? size : 1);
    if (!p)
        sk_die("out of memory (%zu x %zu bytes)", n, size);
    return p;
}

void *sk_realloc(void *p, size_t n)
{
    void *q = realloc(p, n ? n : 1);
    if (!q)
        sk_die("out of memory (%zu bytes)", n);
    return q;
}

char *sk_strdup(const char *s)
{
    return sk_strndup(s ? s : "", strlen(s ? s : ""));
}

char *sk_strndup(const char *s, size_t n)
{
    char *p = sk_malloc(n + 1);
    memcpy(p, s, n);
    p[n] = '\0';
    return p;
}

char *sk_vasprintf(const char *fmt, va_list ap)
{
    va_list ap2;
    va_copy(ap2, ap);
    int n = vsnprintf(NULL, 0, fmt, ap2);
    va_end(ap2);
    if (n < 0)
        n = 0;
    char *p = sk_malloc((size_t)n + 1);
    vsnprintf(p, (size_t)n + 1, fmt, ap);
    return p;
}

char *sk_asprintf(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    char *p = sk_vasprintf(fmt, ap);
    va_end(ap);
    return p;
}

/* ---- buffer ---- */

void sk_buf_init(SkBuf *b)
{
    b->data = NULL;
    b->len = b->cap = 0;
}

void sk_buf_done(SkBuf *b)
{
    free(b->data);
    sk_buf_init(b);
}

void sk_buf_reset(SkBuf *b)
{
    b->len = 0;
    if (b->data)
        b->data[0] = '\0';
}

void sk_buf_reserve(SkBuf *b, size_t extra)
{
    size_t need = b->len + extra + 1;
    if (need <= b->cap)
        return;
    size_t cap = b->cap ? b->cap : 64;
    while (cap < need)
        cap *= 2;
    b->data = sk_realloc(b->data, cap);
    b->cap = cap;
}

void sk_buf_append(SkBuf *b, const void *p, size_t n)
{
    sk_buf_reserve(b, n);
    if (n)
        memcpy(b->data + b->len, p, n);
    b->len += n;
    b->data[b->len] = '\0';
}

void sk_buf_puts(SkBuf *b, const char *s)
{
    sk_buf_append(b, s, strlen(s));
}

void sk_buf_putc(SkBuf *b, char c)
{
    sk_buf_append(b, &c, 1);
}

void sk_buf_vprintf(SkBuf *b, const char *fmt, va_list ap)
{
    va_list ap2;
    va_copy(ap2, ap);
    int n = vsnprintf(NULL, 0, fmt, ap2);
    va_end(ap2);
    if (n <= 0) {
        sk_buf_reserve(b, 0);
        return;
    }
    sk_buf_reserve(b, (size_t)n);
    vsnprintf(b->data + b->len, (size_t)n + 1, fmt, ap);
    b->len += (size_t)n;
}

void sk_buf_printf(SkBuf *b, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    sk_buf_vprintf(b, fmt, ap);
    va_end(ap);
}

char *sk_buf_steal(SkBuf *b)
{
    if (!b->data)
        return sk_strdup("");
    char *p = b->data;
    sk_buf_init(b);
    return p;
}

const char *sk_buf_cstr(const SkBuf *b)
{
    return b->data ? b->data : "";
}

/* ---- vector ---- */

void sk_vec_init(SkVec *v, SkFreeFn free_item)
{
    v->items = NULL;
    v->len = v->cap = 0;
    v->free_item = free_item;
}

void sk_vec_done(SkVec *v)
{
    if (v->free_item)
        for (size_t i = 0; i < v->len; i++)
            v->free_item(v->items[i]);
    free(v->items);
    v->items = NULL;
    v->len = v->cap = 0;
}

void sk_vec_push(SkVec *v, void *item)
{
    if (v->len == v->cap) {
        v->cap = v->cap ? v->cap * 2 : 8;
        v->items = sk_realloc(v->items, v->cap * sizeof *v->items);
    }
    v->items[v->len++] = item;
}

void *sk_vec_get(const SkVec *v, size_t i)
{
    return i < v->len ? v->items[i] : NULL;
}

void *sk_vec_take(SkVec *v, size_t i)
{
    if (i >= v->len)
        return NULL;
    void *p = v->items[i];
    memmove(v->items + i, v->items + i + 1, (v->len - i - 1) * sizeof *v->items);
    v->len--;
    return p;
}

void sk_vec_sort(SkVec *v, int (*cmp)(const void *a, const void *b))
{
    if (v->len > 1)
        qsort(v->items, v->len, sizeof *v->items, cmp);
}

/* ---- strings ---- */

bool sk_str_starts(const char *s, const char *prefix)
{
    return strncmp(s, prefix, strlen(prefix)) == 0;
}

bool sk_str_ends(const char *s, const char *suffix)
{
    size_t n = strlen(s), m = strlen(suffix);
    return n >= m && memcmp(s + n - m, suffix, m) == 0;
}

bool sk_str_eq(const char *a, const char *b)
{
    if (!a || !b)
        return a == b;
    return strcmp(a, b) == 0;
}

const char *sk_str_casestr(const char *hay, const char *needle)
{
    size_t n = strlen(needle);
    if (n == 0)
        return hay;
    for (const char *p = hay; *p; p++)
        if (strncasecmp(p, needle, n) == 0)
            return p;
    return NULL;
}

char *sk_str_trim(char *s)
{
    size_t n = strlen(s);
    while (n && isspace((unsigned char)s[n - 1]))
        s[--n] = '\0';
    size_t i = 0;
    while (s[i] && isspace((unsigned char)s[i]))
        i++;
    if (i)
        memmove(s, s + i, n - i + 1);
    return s;
}

/* Decode one UTF-8 sequence at P (N bytes left). Returns its length, 0 when invalid. */
static size_t utf8_decode(const unsigned char *p, size_t n, uint32_t *cp)
{
    unsigned char c = p[0];
    if (c < 0x80) {
        *cp = c;
        return 1;
    }
    size_t len;
    uint32_t v, min;
    if ((c & 0xE0) == 0xC0) {
        len = 2, v = c & 0x1F, min = 0x80;
    } else if ((c & 0xF0) == 0xE0) {
        len = 3, v = c & 0x0F, min = 0x800;
    } else if ((c & 0xF8) == 0xF0) {
        len = 4, v = c & 0x07, min = 0x10000;
    } else {
        return 0;
    }
    if (len > n)
        return 0;
    for (size_t i = 1; i < len; i++) {
        if ((p[i] & 0xC0) != 0x80)
            return 0;
        v = (v << 6) | (p[i] & 0x3F);
    }
    if (v < min || v > 0x10FFFF || (v >= 0xD800 && v <= 0xDFFF))
        return 0;
    *cp = v;
    return len;
}

bool sk_utf8_valid(const char *p, size_t n, size_t *bad_off)
{
    const unsigned char *u = (const unsigned char *)p;
    size_t i = 0;
    while (i < n) {
        uint32_t cp;
        size_t l = utf8_decode(u + i, n - i, &cp);
        if (!l) {
            if (bad_off)
                *bad_off = i;
            return false;
        }
        i += l;
    }
    return true;
}

/* East Asian wide ranges (a compact subset of Unicode's W/F classes). */
static int codepoint_width(uint32_t cp)
{
    if (cp == 0)
        return 0;
    if (cp < 0x20 || (cp >= 0x7F && cp < 0xA0))
        return 0;
    if ((cp >= 0x0300 && cp <= 0x036F) || cp == 0x200B || (cp >= 0xFE00 && cp <= 0xFE0F))
        return 0;
    if ((cp >= 0x1100 && cp <= 0x115F) || (cp >= 0x2E80 && cp <= 0x303E) ||
        (cp >= 0x3041 && cp <= 0x33FF) || (cp >= 0x3400 && cp <= 0x4DBF) ||
        (cp >= 0x4E00 && cp <= 0x9FFF) || (cp >= 0xA000 && cp <= 0xA4CF) ||
        (cp >= 0xAC00 && cp <= 0xD7A3) || (cp >= 0xF900 && cp <= 0xFAFF) ||
        (cp >= 0xFE30 && cp <= 0xFE4F) || (cp >= 0xFF00 && cp <= 0xFF60) ||
        (cp >= 0xFFE0 && cp <= 0xFFE6) || (cp >= 0x1F300 && cp <= 0x1F64F) ||
        (cp >= 0x1F900 && cp <= 0x1F9FF) || (cp >= 0x20000 && cp <= 0x3FFFD))
        return 2;
    return 1;
}

size_t sk_utf8_width(const char *s, size_t n)
{
    const unsigned char *u = (const unsigned char *)s;
    size_t i = 0, w = 0;
    while (i < n) {
        uint32_t cp;
        size_t l = utf8_decode(u + i, n - i, &cp);
        if (!l) {
            w++;
            i++;
            continue;
        }
        w += (size_t)codepoint_width(cp);
        i += l;
    }
    return w;
}

bool sk_glob_match(const char *pat, const char *s)
{
    const char *star = NULL, *ss = NULL;
    while (*s) {
        if (*pat == '*') {
            star = pat++;
            ss = s;
        } else if (*pat == '?' || *pat == *s) {
            pat++;
            s++;
        } else if (star) {
            pat = star + 1;
            s = ++ss;
        } else {
            return false;
        }
    }
    while (*pat == '*')
        pat++;
    return *pat == '\0';
}

size_t sk_estimate_tokens(const char *s, size_t n)
{
    size_t ascii = 0, wide = 0;
    const unsigned char *u = (const unsigned char *)s;
    size_t i = 0;
    while (i < n) {
        uint32_t cp;
        size_t l = utf8_decode(u + i, n - i, &cp);
        if (!l)
            l = 1, cp = '?';
        if (cp < 0x80)
            ascii++;
        else
            wide++;
        i += l;
    }
    return (ascii + 3) / 4 + wide;
}

/* ---- files ---- */

SkStatus sk_read_file(const char *path, size_t max, char **out, size_t *len, SkError *err)
{
    *out = NULL;
    if (len)
        *len = 0;
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return sk_error_set(err, errno == ENOENT ? SK_ERR_NOT_FOUND : SK_ERR_IO, "%s: %s", path,
                            strerror(errno));
    struct stat st;
    if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
        close(fd);
        return sk_error_set(err, SK_ERR_IO, "%s: not a regular file", path);
    }
    if (max && (size_t)st.st_size > max) {
        close(fd);
        return sk_error_set(err, SK_ERR_TOO_LARGE, "%s: %lld bytes is over the %zu byte limit",
                            path, (long long)st.st_size, max);
    }
    SkBuf b = SK_BUF_INIT;
    sk_buf_reserve(&b, (size_t)st.st_size);
    char chunk[65536];
    for (;;) {
        ssize_t r = read(fd, chunk, sizeof chunk);
        if (r < 0) {
            if (errno == EINTR)
                continue;
            int e = errno;
            close(fd);
            sk_buf_done(&b);
            return sk_error_set(err, SK_ERR_IO, "%s: %s", path, strerror(e));
        }
        if (r == 0)
            break;
        sk_buf_append(&b, chunk, (size_t)r);
        if (max && b.len > max) {
            close(fd);
            sk_buf_done(&b);
            return sk_error_set(err, SK_ERR_TOO_LARGE, "%s: over the %zu byte limit", path, max);
        }
    }
    close(fd);
    if (len)
        *len = b.len;
    *out = sk_buf_steal(&b);
    return SK_OK;
}

SkStatus sk_mkdir_p(const char *path, SkError *err)
{
    char *p = sk_strdup(path);
    size_t n = strlen(p);
    for (size_t i = 1; i <= n; i++) {
        if (p[i] == '/' || p[i] == '\0') {
            char c = p[i];
            p[i] = '\0';
            if (mkdir(p, 0755) != 0 && errno != EEXIST) {
                SkStatus s = sk_error_set(err, SK_ERR_IO, "mkdir %s: %s", p, strerror(errno));
                free(p);
                return s;
            }
            p[i] = c;
        }
    }
    free(p);
    if (!sk_is_dir(path))
        return sk_error_set(err, SK_ERR_IO, "%s: not a folder", path);
    return SK_OK;
}

SkStatus sk_write_file_atomic(const char *path, const void *data, size_t len, SkError *err)
{
    char *dir = sk_path_dir(path);
    SkStatus s = sk_mkdir_p(dir, err);
    free(dir);
    if (s != SK_OK)
        return s;
    char *tmp = sk_asprintf("%s.tmp.%ld", path, (long)getpid());
    int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (fd < 0) {
        s = sk_error_set(err, SK_ERR_IO, "%s: %s", tmp, strerror(errno));
        free(tmp);
        return s;
    }
    const char *p = data;
    size_t left = len;
    while (left) {
        ssize_t w = write(fd, p, left);
        if (w < 0) {
            if (errno == EINTR)
                continue;
            s = sk_error_set(err, SK_ERR_IO, "write %s: %s", tmp, strerror(errno));
            close(fd);
            unlink(tmp);
            free(tmp);
            return s;
        }
        p += w;
        left -= (size_t)w;
    }
    if (fsync(fd) != 0 || close(fd) != 0) {
        s = sk_error_set(err, SK_ERR_IO, "sync %s: %s", tmp, strerror(errno));
        unlink(tmp);
        free(tmp);
        return s;
    }
    if (rename(tmp, path) != 0) {
        s = sk_error_set(err, SK_ERR_IO, "rename to %s: %s", path, strerror(errno));
        unlink(tmp);
        free(tmp);
        return s;
    }
    free(tmp);
    return SK_OK;
}

SkStatus sk_rm_rf(const char *path, SkError *err)
{
    struct stat st;
    if (lstat(path, &st) != 0)
        return errno == ENOENT ? SK_OK
                               : sk_error_set(err, SK_ERR_IO, "%s: %s", path, strerror(errno));
    if (S_ISDIR(st.st_mode)) {
        chmod(path, st.st_mode | S_IRWXU);
        DIR *d = opendir(path);
        if (!d)
            return sk_error_set(err, SK_ERR_IO, "%s: %s", path, strerror(errno));
        struct dirent *e;
        SkStatus s = SK_OK;
        while ((e = readdir(d))) {
            if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, ".."))
                continue;
            char *sub = sk_path_join(path, e->d_name);
            SkStatus r = sk_rm_rf(sub, err);
            if (r != SK_OK)
                s = r;
            free(sub);
        }
        closedir(d);
        if (s != SK_OK)
            return s;
        if (rmdir(path) != 0)
            return sk_error_set(err, SK_ERR_IO, "rmdir %s: %s", path, strerror(errno));
        return SK_OK;
    }
    if (unlink(path) != 0)
        return sk_error_set(err, SK_ERR_IO, "unlink %s: %s", path, strerror(errno));
    return SK_OK;
}

SkStatus sk_copy_tree(const char *src, const char *dst, SkError *err)
{
    struct stat st;
    if (lstat(src, &st) != 0)
        return sk_error_set(err, SK_ERR_IO, "%s: %s", src, strerror(errno));
    if (S_ISLNK(st.st_mode))
        return SK_OK;
    if (S_ISDIR(st.st_mode)) {
        SkStatus s = sk_mkdir_p(dst, err);
        if (s != SK_OK)
            return s;
        DIR *d = opendir(src);
        if (!d)
            return sk_error_set(err, SK_ERR_IO, "%s: %s", src, strerror(errno));
        struct dirent *e;
        while ((e = readdir(d))) {
            if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, ".."))
                continue;
            char *a = sk_path_join(src, e->d_name), *b = sk_path_join(dst, e->d_name);
            s = sk_copy_tree(a, b, err);
            free(a);
            free(b);
            if (s != SK_OK) {
                closedir(d);
                return s;
            }
        }
        closedir(d);
        return SK_OK;
    }
    if (!S_ISREG(st.st_mode))
        return SK_OK;
    char *data;
    size_t len;
    SkStatus s = sk_read_file(src, 0, &data, &len, err);
    if (s != SK_OK)
        return s;
    s = sk_write_file_atomic(dst, data, len, err);
    free(data);
    if (s == SK_OK)
        chmod(dst, st.st_mode & 07777);
    return s;
}

bool sk_is_dir(const char *path)
{
    struct stat st;
    return stat(path, &st) == 0 && S_ISDIR(st.st_mode);
}

bool sk_is_file(const char *path)
{
    struct stat st;
    return stat(path, &st) == 0 && S_ISREG(st.st_mode);
}

char *sk_path_join(const char *a, const char *b)
{
    if (!a || !*a)
        return sk_strdup(b);
    if (b[0] == '/')
        return sk_strdup(b);
    size_t n = strlen(a);
    return sk_asprintf("%s%s%s", a, (n && a[n - 1] == '/') ? "" : "/", b);
}

char *sk_path_base(const char *path)
{
    char *p = sk_strdup(path);
    size_t n = strlen(p);
    while (n > 1 && p[n - 1] == '/')
        p[--n] = '\0';
    char *slash = strrchr(p, '/');
    char *r = sk_strdup(slash && slash[1] ? slash + 1 : p);
    free(p);
    return r;
}

char *sk_path_dir(const char *path)
{
    char *p = sk_strdup(path);
    size_t n = strlen(p);
    while (n > 1 && p[n - 1] == '/')
        p[--n] = '\0';
    char *slash = strrchr(p, '/');
    if (!slash) {
        free(p);
        return sk_strdup(".");
    }
    if (slash == p)
        slash[1] = '\0';
    else
        *slash = '\0';
    return p;
}

char *sk_mkdtemp(const char *prefix)
{
    const char *tmp = getenv("TMPDIR");
    char *t = sk_asprintf("%s/%sXXXXXX", tmp && *tmp ? tmp : "/tmp", prefix);
    if (!mkdtemp(t)) {
        free(t);
        return NULL;
    }
    return t;
}

char *sk_home_dir(void)
{
    const char *h = getenv("SKVM_HOME");
    if (h && *h)
        return sk_strdup(h);
    const char *home = getenv("HOME");
    return sk_path_join(home && *home ? home : "/tmp", ".skvm");
}

/* ---- clock ---- */

int64_t sk_now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static int64_t parse_test_now(const char *s)
{
    char *end;
    long long v = strtoll(s, &end, 10);
    if (*end == '\0')
        return (int64_t)v * 1000;
    struct tm tm;
    memset(&tm, 0, sizeof tm);
    if (sscanf(s, "%d-%d-%dT%d:%d:%d", &tm.tm_year, &tm.tm_mon, &tm.tm_mday, &tm.tm_hour,
               &tm.tm_min, &tm.tm_sec) >= 3) {
        tm.tm_year -= 1900;
        tm.tm_mon -= 1;
        return (int64_t)timegm(&tm) * 1000;
    }
    return -1;
}

int64_t sk_wall_ms(void)
{
    const char *t = getenv("SKVM_TEST_NOW");
    if (t && *t) {
        int64_t v = parse_test_now(t);
        if (v >= 0)
            return v;
    }
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

void sk_iso8601(int64_t ms, char *out, size_t size)
{
    time_t t = (time_t)(ms / 1000);
    struct tm tm;
    gmtime_r(&t, &tm);
    char base[32];
    strftime(base, sizeof base, "%Y-%m-%dT%H:%M:%S", &tm);
    snprintf(out, size, "%s.%03dZ", base, (int)(ms % 1000));
}

void sk_stamp(int64_t ms, char *out, size_t size)
{
    time_t t = (time_t)(ms / 1000);
    struct tm tm;
    gmtime_r(&t, &tm);
    strftime(out, size, "%Y%m%dT%H%M%SZ", &tm);
}

/* ---- log ---- */

static SkLogSink log_sink;
static void *log_ud;
static pthread_mutex_t log_lock = PTHREAD_MUTEX_INITIALIZER;

void sk_log_set_sink(SkLogSink sink, void *ud)
{
    pthread_mutex_lock(&log_lock);
    log_sink = sink;
    log_ud = ud;
    pthread_mutex_unlock(&log_lock);
}

void sk_log(SkLogLevel level, const char *fmt, ...)
{
    pthread_mutex_lock(&log_lock);
    SkLogSink sink = log_sink;
    void *ud = log_ud;
    pthread_mutex_unlock(&log_lock);
    if (!sink)
        return;
    va_list ap;
    va_start(ap, fmt);
    char *msg = sk_vasprintf(fmt, ap);
    va_end(ap);
    sink(level, msg, ud);
    free(msg);
}

/* ---- embedded data ---- */

const SkEmbedded *sk_embedded_find(const SkEmbedded *table, const char *name)
{
    for (const SkEmbedded *e = table; e->name; e++)
        if (!strcmp(e->name, name))
            return e;
    return NULL;
}

/* ---- SHA-256 (FIPS 180-4) ---- */

static const uint32_t sha_k[64] = {
    0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4,
    0xab1c5ed5, 0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe,
    0x9bdc06a7, 0xc19bf174, 0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f,
    0x4a7484aa, 0x5cb0a9dc, 0x76f988da, 0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7,
    0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967, 0x27b70a85, 0x2e1b2138, 0x4d2c6dfc,
    0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85, 0xa2bfe8a1, 0xa81a664b,
    0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070, 0x19a4c116,
    0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3,
    0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7,
    0xc67178f2};

#define ROTR(x, n) (((x) >> (n)) | ((x) << (32 - (n))))

static void sha256_block(SkSha256 *c, const unsigned char *p)
{
    uint32_t w[64];
    for (int i = 0; i < 16; i++)
        w[i] = (uint32_t)p[4 * i] << 24 | (uint32_t)p[4 * i + 1] << 16 |
               (uint32_t)p[4 * i + 2] << 8 | p[4 * i + 3];
    for (int i = 16; i < 64; i++) {
        uint32_t s0 = ROTR(w[i - 15], 7) ^ ROTR(w[i - 15], 18) ^ (w[i - 15] >> 3);
        uint32_t s1 = ROTR(w[i - 2], 17) ^ ROTR(w[i - 2], 19) ^ (w[i - 2] >> 10);
        w[i] = w[i - 16] + s0 + w[i - 7] + s1;
    }
    uint32_t a = c->h[0], b = c->h[1], cc = c->h[2], d = c->h[3], e = c->h[4], f = c->h[5],
             g = c->h[6], h = c->h[7];
    for (int i = 0; i < 64; i++) {
        uint32_t S1 = ROTR(e, 6) ^ ROTR(e, 11) ^ ROTR(e, 25);
        uint32_t ch = (e & f) ^ (~e & g);
        uint32_t t1 = h + S1 + ch + sha_k[i] + w[i];
        uint32_t S0 = ROTR(a, 2) ^ ROTR(a, 13) ^ ROTR(a, 22);
        uint32_t maj = (a & b) ^ (a & cc) ^ (b & cc);
        uint32_t t2 = S0 + maj;
        h = g, g = f, f = e, e = d + t1, d = cc, cc = b, b = a, a = t1 + t2;
    }
    c->h[0] += a, c->h[1] += b, c->h[2] += cc, c->h[3] += d;
    c->h[4] += e, c->h[5] += f, c->h[6] += g, c->h[7] += h;
}

void sk_sha256_init(SkSha256 *c)
{
    static const uint32_t iv[8] = {0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a,
                                   0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19};
    memcpy(c->h, iv, sizeof iv);
    c->total = 0;
    c->used = 0;
}

void sk_sha256_update(SkSha256 *c, const void *data, size_t n)
{
    const unsigned char *p = data;
    c->total += n;
    while (n) {
        size_t take = SK_MIN(n, 64 - c->used);
        memcpy(c->block + c->used, p, take);
        c->used += take;
        p += take;
        n -= take;
        if (c->used == 64) {
            sha256_block(c, c->block);
            c->used = 0;
        }
    }
}

void sk_sha256_final(SkSha256 *c, unsigned char out[32])
{
    uint64_t bits = c->total * 8;
    unsigned char pad = 0x80;
    sk_sha256_update(c, &pad, 1);
    unsigned char zero = 0;
    while (c->used != 56)
        sk_sha256_update(c, &zero, 1);
    unsigned char len[8];
    for (int i = 0; i < 8; i++)
        len[i] = (unsigned char)(bits >> (56 - 8 * i));
    sk_sha256_update(c, len, 8);
    for (int i = 0; i < 8; i++) {
        out[4 * i] = (unsigned char)(c->h[i] >> 24);
        out[4 * i + 1] = (unsigned char)(c->h[i] >> 16);
        out[4 * i + 2] = (unsigned char)(c->h[i] >> 8);
        out[4 * i + 3] = (unsigned char)c->h[i];
    }
}

void sk_hex(const unsigned char *in, size_t n, char *out)
{
    static const char digits[] = "0123456789abcdef";
    for (size_t i = 0; i < n; i++) {
        out[2 * i] = digits[in[i] >> 4];
        out[2 * i + 1] = digits[in[i] & 15];
    }
    out[2 * n] = '\0';
}

void sk_sha256_hex(const void *data, size_t n, char out[65])
{
    SkSha256 c;
    unsigned char d[32];
    sk_sha256_init(&c);
    sk_sha256_update(&c, data, n);
    sk_sha256_final(&c, d);
    sk_hex(d, 32, out);
}
