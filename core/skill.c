/* skill.c: skill folder loading, frontmatter, bundle inventory and content hash. */
#include "core/skill.h"

#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "core/js.h"
#include "core/yaml_load.h"

/* ---- diagnostics ---- */

static void diag_free(void *p)
{
    SkillDiag *d = p;
    free(d->file);
    free(d->msg);
    free(d);
}

void skill_diag_add(Skill *s, const char *file, int line, SkillDiagLevel level,
                    const char *fmt, ...)
{
    SkillDiag *d = sk_malloc(sizeof *d);
    d->file = sk_strdup(file);
    d->line = line;
    d->level = level;
    va_list ap;
    va_start(ap, fmt);
    d->msg = sk_vasprintf(fmt, ap);
    va_end(ap);
    sk_vec_push(&s->diags, d);
}

size_t skill_diag_count(const Skill *s, SkillDiagLevel level)
{
    size_t n = 0;
    for (size_t i = 0; i < s->diags.len; i++)
        if (((SkillDiag *)s->diags.items[i])->level == level)
            n++;
    return n;
}

const char *skill_file_kind_name(SkillFileKind k)
{
    switch (k) {
    case SKILL_FILE_SCRIPT:
        return "script";
    case SKILL_FILE_REFERENCE:
        return "reference";
    case SKILL_FILE_ASSET:
        return "asset";
    default:
        return "other";
    }
}

static void file_free(void *p)
{
    SkillFile *f = p;
    free(f->path);
    free(f);
}

static Skill *skill_alloc(void)
{
    Skill *s = sk_calloc(1, sizeof *s);
    sk_vec_init(&s->files, file_free);
    sk_vec_init(&s->diags, diag_free);
    return s;
}

void skill_free(Skill *s)
{
    if (!s)
        return;
    free(s->dir);
    free(s->id);
    free(s->skill_path);
    free(s->content);
    json_decref(s->frontmatter);
    json_decref(s->fm_key_lines);
    free(s->line_off);
    sk_vec_done(&s->files);
    sk_vec_done(&s->diags);
    free(s);
}

/* ---- SKILL.md text ---- */

static void index_lines(Skill *s)
{
    size_t cap = 64, n = 0;
    s->line_off = sk_malloc(cap * sizeof *s->line_off);
    s->line_off[n++] = 0;
    for (size_t i = 0; i < s->content_len; i++) {
        if (s->content[i] == '\n' && i + 1 < s->content_len) {
            if (n == cap) {
                cap *= 2;
                s->line_off = sk_realloc(s->line_off, cap * sizeof *s->line_off);
            }
            s->line_off[n++] = i + 1;
        }
    }
    s->nlines = s->content_len ? n : 0;
}

const char *skill_line(const Skill *s, size_t n, size_t *len)
{
    if (n == 0 || n > s->nlines)
        return NULL;
    size_t a = s->line_off[n - 1];
    size_t b = n < s->nlines ? s->line_off[n] - 1 : s->content_len;
    if (b > a && s->content[b - 1] == '\n')
        b--;
    if (len)
        *len = b - a;
    return s->content + a;
}

/* Is line L (given by text/len) a frontmatter fence ("---" with optional trailing blanks)? */
static bool is_fence(const char *p, size_t len, bool closing)
{
    while (len && (p[len - 1] == ' ' || p[len - 1] == '\t'))
        len--;
    return (len == 3 && !memcmp(p, "---", 3)) || (closing && len == 3 && !memcmp(p, "...", 3));
}

static void parse_frontmatter(Skill *s)
{
    s->frontmatter = json_object();
    s->body_off = 0;
    s->body_line = 1;
    size_t len0;
    const char *l0 = skill_line(s, 1, &len0);
    if (!l0 || !is_fence(l0, len0, false)) {
        skill_diag_add(s, "SKILL.md", 1, SKILL_DIAG_ERROR,
                       "no frontmatter: SKILL.md must start with a '---' line, then YAML "
                       "with name and description, then '---'");
        return;
    }
    size_t close = 0;
    for (size_t n = 2; n <= s->nlines; n++) {
        size_t ln;
        const char *l = skill_line(s, n, &ln);
        if (is_fence(l, ln, true)) {
            close = n;
            break;
        }
    }
    if (!close) {
        skill_diag_add(s, "SKILL.md", 1, SKILL_DIAG_ERROR,
                       "frontmatter is not closed: no '---' line after the opening one");
        return;
    }
    s->fm_end_line = (int)close;
    s->body_line = (int)close + 1;
    s->body_off = close < s->nlines ? s->line_off[close] : s->content_len;
    size_t yaml_off = s->nlines >= 2 ? s->line_off[1] : s->content_len;
    size_t yaml_end = s->line_off[close - 1];
    json_t *fm = NULL, *lines = NULL;
    SkError err;
    if (yaml_load_string(s->content + yaml_off, yaml_end - yaml_off, 1, &fm, &lines, &err) !=
        SK_OK) {
        /* the message starts with "line L, column C: " */
        int line = 0;
        sscanf(err.msg, "line %d", &line);
        skill_diag_add(s, "SKILL.md", line ? line : 2, SKILL_DIAG_ERROR,
                       "invalid YAML in frontmatter: %s", err.msg);
        return;
    }
    if (json_is_null(fm)) {
        json_decref(fm);
        skill_diag_add(s, "SKILL.md", 1, SKILL_DIAG_ERROR, "frontmatter is empty");
        s->has_frontmatter = true;
        return;
    }
    if (!json_is_object(fm)) {
        skill_diag_add(s, "SKILL.md", 2, SKILL_DIAG_ERROR,
                       "frontmatter must be a YAML mapping (key: value lines), found a %s",
                       json_is_array(fm) ? "list" : "single value");
        json_decref(fm);
        return;
    }
    json_decref(s->frontmatter);
    s->frontmatter = fm;
    s->fm_key_lines = lines;
    s->has_frontmatter = true;
}

static SkStatus take_text(Skill *s, const char *text, size_t len, SkError *err)
{
    if (len >= 3 && !memcmp(text, "\xEF\xBB\xBF", 3)) {
        text += 3;
        len -= 3;
    }
    if (memchr(text, '\0', len))
        return sk_error_set(err, SK_ERR_INVALID,
                            "%s: looks like a binary file (it contains NUL bytes)",
                            s->skill_path);
    size_t bad;
    if (!sk_utf8_valid(text, len, &bad)) {
        size_t line = 1, col = 1;
        for (size_t i = 0; i < bad; i++) {
            if (text[i] == '\n')
                line++, col = 1;
            else
                col++;
        }
        return sk_error_set(err, SK_ERR_INVALID, "%s:%zu:%zu: invalid UTF-8 (byte 0x%02x)",
                            s->skill_path, line, col, (unsigned char)text[bad]);
    }
    SkBuf b = SK_BUF_INIT;
    sk_buf_reserve(&b, len);
    for (size_t i = 0; i < len; i++) {
        if (text[i] == '\r' && i + 1 < len && text[i + 1] == '\n') {
            s->had_crlf = true;
            continue;
        }
        sk_buf_putc(&b, text[i]);
    }
    s->content_len = b.len;
    s->content = sk_buf_steal(&b);
    index_lines(s);
    parse_frontmatter(s);
    const char *name = js_str(s->frontmatter, "name", NULL);
    s->name = name && *name ? name : s->id;
    s->description = js_str(s->frontmatter, "description", "");
    return SK_OK;
}

/* ---- bundle inventory ---- */

static SkillFileKind classify(const char *rel)
{
    static const struct {
        const char *prefix;
        SkillFileKind kind;
    } dirs[] = {
        {"scripts/", SKILL_FILE_SCRIPT},    {"bin/", SKILL_FILE_SCRIPT},
        {"references/", SKILL_FILE_REFERENCE}, {"reference/", SKILL_FILE_REFERENCE},
        {"docs/", SKILL_FILE_REFERENCE},    {"assets/", SKILL_FILE_ASSET},
        {"templates/", SKILL_FILE_ASSET},   {"fonts/", SKILL_FILE_ASSET},
        {"examples/", SKILL_FILE_REFERENCE},
    };
    for (size_t i = 0; i < SK_ARRAY_LEN(dirs); i++)
        if (sk_str_starts(rel, dirs[i].prefix))
            return dirs[i].kind;
    const char *dot = strrchr(rel, '.');
    const char *slash = strrchr(rel, '/');
    if (!dot || (slash && dot < slash))
        return SKILL_FILE_OTHER;
    static const char *const scripts[] = {".py", ".sh", ".bash", ".js", ".mjs", ".cjs", ".ts",
                                          ".rb", ".pl", ".php", ".lua", ".go", ".rs"};
    static const char *const refs[] = {".md", ".txt", ".rst", ".pdf", ".html", ".htm",
                                       ".adoc", ".org", ".tex"};
    static const char *const assets[] = {".png", ".jpg", ".jpeg", ".gif", ".svg", ".ttf",
                                         ".otf", ".woff", ".woff2", ".ico", ".webp",
                                         ".json", ".yaml", ".yml", ".csv", ".xlsx", ".docx",
                                         ".pptx", ".xml", ".xsd", ".css", ".zip"};
    for (size_t i = 0; i < SK_ARRAY_LEN(scripts); i++)
        if (!strcasecmp(dot, scripts[i]))
            return SKILL_FILE_SCRIPT;
    for (size_t i = 0; i < SK_ARRAY_LEN(refs); i++)
        if (!strcasecmp(dot, refs[i]))
            return SKILL_FILE_REFERENCE;
    for (size_t i = 0; i < SK_ARRAY_LEN(assets); i++)
        if (!strcasecmp(dot, assets[i]))
            return SKILL_FILE_ASSET;
    return SKILL_FILE_OTHER;
}

/* Is the resolved path REAL inside the folder ROOT (also resolved)? */
static bool path_inside(const char *root, const char *real)
{
    size_t n = strlen(root);
    return !strncmp(root, real, n) && (real[n] == '/' || real[n] == '\0');
}

static bool sniff_text(const char *path)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return false;
    char buf[65536];
    size_t n = fread(buf, 1, sizeof buf, f);
    fclose(f);
    if (memchr(buf, '\0', n))
        return false;
    /* a cut multi-byte sequence at the end is not a reason to call it binary */
    size_t bad;
    if (sk_utf8_valid(buf, n, &bad))
        return true;
    return n == sizeof buf && bad + 4 >= n;
}

typedef struct Walk {
    Skill *s;
    const char *root_real;
    int depth;
    bool capped;
} Walk;

static void walk_dir(Walk *w, const char *abs, const char *rel)
{
    if (w->depth > 32)
        return;
    DIR *d = opendir(abs);
    if (!d) {
        skill_diag_add(w->s, rel[0] ? rel : ".", 0, SKILL_DIAG_WARNING,
                       "cannot list folder: %s", strerror(errno));
        return;
    }
    struct dirent *e;
    while ((e = readdir(d))) {
        const char *nm = e->d_name;
        if (!strcmp(nm, ".") || !strcmp(nm, "..") || !strcmp(nm, ".git") ||
            !strcmp(nm, ".DS_Store"))
            continue;
        if (!rel[0] && !strcmp(nm, "SKILL.md"))
            continue;
        char *a = sk_path_join(abs, nm);
        char *r = rel[0] ? sk_asprintf("%s/%s", rel, nm) : sk_strdup(nm);
        struct stat lst, st;
        if (lstat(a, &lst) != 0) {
            free(a), free(r);
            continue;
        }
        bool skipped = false;
        if (S_ISLNK(lst.st_mode)) {
            char real[PATH_MAX];
            if (!realpath(a, real) || !path_inside(w->root_real, real) || stat(a, &st) != 0) {
                skipped = true;
                skill_diag_add(w->s, r, 0, SKILL_DIAG_WARNING,
                               "symlink points outside the skill folder (or nowhere); "
                               "not followed");
            }
        } else {
            st = lst;
        }
        if (!skipped && S_ISDIR(st.st_mode)) {
            if (S_ISLNK(lst.st_mode)) {
                skill_diag_add(w->s, r, 0, SKILL_DIAG_WARNING,
                               "symlinked folder inside the skill; not followed");
            } else {
                w->depth++;
                walk_dir(w, a, r);
                w->depth--;
            }
        } else if (skipped || S_ISREG(st.st_mode)) {
            if (w->s->files.len >= SKILL_MAX_BUNDLE_FILES) {
                if (!w->capped)
                    skill_diag_add(w->s, ".", 0, SKILL_DIAG_WARNING,
                                   "more than %d bundle files; the rest are not listed",
                                   SKILL_MAX_BUNDLE_FILES);
                w->capped = true;
            } else {
                SkillFile *f = sk_calloc(1, sizeof *f);
                f->path = r;
                r = NULL;
                f->skipped = skipped;
                f->size = skipped ? 0 : (long long)st.st_size;
                f->kind = classify(f->path);
                f->is_text = !skipped && sniff_text(a);
                sk_vec_push(&w->s->files, f);
            }
        }
        free(a);
        free(r);
    }
    closedir(d);
}

static int file_cmp(const void *a, const void *b)
{
    const SkillFile *x = *(SkillFile *const *)a, *y = *(SkillFile *const *)b;
    return strcmp(x->path, y->path);
}

const SkillFile *skill_find_file(const Skill *s, const char *relpath)
{
    for (size_t i = 0; i < s->files.len; i++) {
        SkillFile *f = s->files.items[i];
        if (!strcmp(f->path, relpath))
            return f;
    }
    return NULL;
}

SkStatus skill_read_file(const Skill *s, const char *relpath, size_t max, char **out,
                         size_t *len, SkError *err)
{
    *out = NULL;
    if (relpath[0] == '/' || strstr(relpath, "..") || !relpath[0])
        return sk_error_set(err, SK_ERR_SANDBOX, "%s: path must stay inside the skill folder",
                            relpath);
    if (strcmp(relpath, "SKILL.md") != 0) {
        const SkillFile *f = skill_find_file(s, relpath);
        if (!f)
            return sk_error_set(err, SK_ERR_NOT_FOUND, "%s: no such bundle file", relpath);
        if (f->skipped)
            return sk_error_set(err, SK_ERR_SANDBOX, "%s: symlink leaving the skill folder",
                                relpath);
    }
    char *p = sk_path_join(s->dir, relpath);
    SkStatus st = sk_read_file(p, max ? max : SKILL_MAX_BUNDLE_READ, out, len, err);
    free(p);
    return st;
}

static void compute_hash(Skill *s)
{
    SkSha256 c;
    sk_sha256_init(&c);
    sk_sha256_update(&c, "SKILL.md", 9);
    sk_sha256_update(&c, s->content, s->content_len);
    for (size_t i = 0; i < s->files.len; i++) {
        SkillFile *f = s->files.items[i];
        sk_sha256_update(&c, "\0", 1);
        sk_sha256_update(&c, f->path, strlen(f->path) + 1);
        if (f->skipped) {
            sk_sha256_update(&c, "->outside", 9);
            continue;
        }
        char *p = sk_path_join(s->dir, f->path);
        FILE *fp = fopen(p, "rb");
        free(p);
        if (!fp)
            continue;
        char buf[65536];
        size_t n;
        while ((n = fread(buf, 1, sizeof buf, fp)) > 0)
            sk_sha256_update(&c, buf, n);
        fclose(fp);
    }
    unsigned char d[32];
    sk_sha256_final(&c, d);
    sk_hex(d, 32, s->hash);
}

void skill_short_hash(const Skill *s, char out[17])
{
    memcpy(out, s->hash, 16);
    out[16] = '\0';
}

/* ---- entry points ---- */

SkStatus skill_load(const char *path, Skill **out, SkError *err)
{
    *out = NULL;
    if (!path || !*path)
        return sk_error_set(err, SK_ERR_INVALID, "no skill folder given");
    char *dir;
    struct stat st;
    if (stat(path, &st) != 0)
        return sk_error_set(err, SK_ERR_NOT_FOUND, "%s: no such file or folder", path);
    if (S_ISREG(st.st_mode)) {
        char *base = sk_path_base(path);
        bool is_md = sk_str_ends(base, ".md");
        free(base);
        if (!is_md)
            return sk_error_set(err, SK_ERR_INVALID,
                                "%s: not a skill folder or a SKILL.md file", path);
        dir = sk_path_dir(path);
    } else if (S_ISDIR(st.st_mode)) {
        dir = sk_strdup(path);
        size_t n = strlen(dir);
        while (n > 1 && dir[n - 1] == '/')
            dir[--n] = '\0';
    } else {
        return sk_error_set(err, SK_ERR_INVALID, "%s: not a folder", path);
    }
    Skill *s = skill_alloc();
    s->dir = dir;
    char real[PATH_MAX];
    s->id = realpath(dir, real) ? sk_path_base(real) : sk_path_base(dir);
    s->skill_path = S_ISREG(st.st_mode) ? sk_strdup(path) : sk_path_join(dir, "SKILL.md");
    if (!sk_is_file(s->skill_path)) {
        char *lower = sk_path_join(dir, "skill.md");
        bool has_lower = sk_is_file(lower);
        free(lower);
        sk_error_set(err, SK_ERR_NOT_FOUND, "%s: no SKILL.md in this folder%s", dir,
                     has_lower ? " (found skill.md: the name must be upper case SKILL.md)" : "");
        skill_free(s);
        return SK_ERR_NOT_FOUND;
    }
    char *text;
    size_t len;
    SkError rerr;
    SkStatus rs = sk_read_file(s->skill_path, SKILL_MAX_BYTES, &text, &len, &rerr);
    if (rs != SK_OK) {
        if (rs == SK_ERR_TOO_LARGE)
            sk_error_set(err, rs, "%s: SKILL.md is larger than %u KiB; skvm does not load it "
                         "(the spec advises a body under 500 lines)", s->skill_path,
                         SKILL_MAX_BYTES >> 10);
        else
            sk_error_set(err, rs, "%s", rerr.msg);
        skill_free(s);
        return rs;
    }
    SkStatus ts = take_text(s, text, len, err);
    free(text);
    if (ts != SK_OK) {
        skill_free(s);
        return ts;
    }
    if (realpath(dir, real)) {
        Walk w = {.s = s, .root_real = real};
        walk_dir(&w, dir, "");
    }
    sk_vec_sort(&s->files, file_cmp);
    compute_hash(s);
    *out = s;
    return SK_OK;
}

SkStatus skill_load_text(const char *text, size_t len, const char *id, Skill **out,
                         SkError *err)
{
    *out = NULL;
    Skill *s = skill_alloc();
    s->dir = sk_strdup(".");
    s->id = sk_strdup(id ? id : "skill");
    s->skill_path = sk_strdup("SKILL.md");
    if (len > SKILL_MAX_BYTES) {
        skill_free(s);
        return sk_error_set(err, SK_ERR_TOO_LARGE, "SKILL.md is larger than %u KiB",
                            SKILL_MAX_BYTES >> 10);
    }
    SkStatus st = take_text(s, text, len, err);
    if (st != SK_OK) {
        skill_free(s);
        return st;
    }
    compute_hash(s);
    *out = s;
    return SK_OK;
}
