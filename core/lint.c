/* lint.c: the Agent Skills specification checks.
 *
 * Rules (open spec, agentskills.io; see ../shared/notes/ecosystem.md section 1):
 *   name           required, 1-64 chars, [a-z0-9-], no leading/trailing/double '-',
 *                  equal to the folder name; "anthropic"/"claude" and XML tags warned
 *   description    required, non-empty string, at most 1024 chars; XML tags warned;
 *                  a description that never says when to use the skill is warned
 *   license        string
 *   compatibility  string of 1-500 chars
 *   metadata       mapping of string keys to string values
 *   allowed-tools  string (space separated) or list of strings
 *   other keys     error ("not allowed by the spec"); Claude Code's own keys are warnings
 *                  unless strict
 *   body           empty body warned; over 500 lines or about 5000 tokens warned
 *   references     relative links and backticked paths into scripts/, references/,
 *                  assets/ ... that name a missing bundle file are errors
 */
#include "core/lint.h"

#include <ctype.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "core/js.h"

static void diag_free(void *p)
{
    SkillDiag *d = p;
    free(d->file);
    free(d->msg);
    free(d);
}

void lint_diags_init(SkVec *v)
{
    sk_vec_init(v, diag_free);
}

size_t lint_count(const SkVec *v, SkillDiagLevel level)
{
    size_t n = 0;
    for (size_t i = 0; i < v->len; i++)
        if (((SkillDiag *)v->items[i])->level == level)
            n++;
    return n;
}

static void add(SkVec *out, const char *file, int line, SkillDiagLevel level, const char *fmt,
                ...) ATTR_FORMAT(5, 6);

static void add(SkVec *out, const char *file, int line, SkillDiagLevel level, const char *fmt,
                ...)
{
    SkillDiag *d = sk_malloc(sizeof *d);
    d->file = sk_strdup(file);
    d->line = line;
    d->level = level;
    va_list ap;
    va_start(ap, fmt);
    d->msg = sk_vasprintf(fmt, ap);
    va_end(ap);
    sk_vec_push(out, d);
}

static int key_line(const Skill *s, const char *key)
{
    json_t *l = s->fm_key_lines ? json_object_get(s->fm_key_lines, key) : NULL;
    return json_is_integer(l) ? (int)json_integer_value(l) : 1;
}

static size_t utf8_chars(const char *s)
{
    size_t n = 0;
    for (; *s; s++)
        if (((unsigned char)*s & 0xC0) != 0x80)
            n++;
    return n;
}

static bool has_xml_tag(const char *s)
{
    for (const char *p = strchr(s, '<'); p; p = strchr(p + 1, '<')) {
        const char *q = p + 1;
        if (*q == '/')
            q++;
        if (!isalpha((unsigned char)*q))
            continue;
        while (isalnum((unsigned char)*q) || *q == '-' || *q == '_')
            q++;
        if (*q == '>' || *q == ' ' || *q == '/')
            return true;
    }
    return false;
}

static void check_name(const Skill *s, SkVec *out)
{
    json_t *v = json_object_get(s->frontmatter, "name");
    if (!v) {
        add(out, "SKILL.md", 1, SKILL_DIAG_ERROR, "missing required field 'name'");
        return;
    }
    int line = key_line(s, "name");
    if (!json_is_string(v)) {
        add(out, "SKILL.md", line, SKILL_DIAG_ERROR, "'name' must be a string");
        return;
    }
    const char *name = json_string_value(v);
    size_t n = strlen(name);
    if (n == 0) {
        add(out, "SKILL.md", line, SKILL_DIAG_ERROR, "'name' is empty");
        return;
    }
    if (utf8_chars(name) > LINT_NAME_MAX)
        add(out, "SKILL.md", line, SKILL_DIAG_ERROR, "'name' is %zu characters; the limit is %d",
            utf8_chars(name), LINT_NAME_MAX);
    bool bad_char = false;
    for (const char *p = name; *p; p++)
        if (!(islower((unsigned char)*p) || isdigit((unsigned char)*p) || *p == '-'))
            bad_char = true;
    if (bad_char)
        add(out, "SKILL.md", line, SKILL_DIAG_ERROR,
            "'name' may only contain lowercase letters a-z, digits and '-' (got \"%s\")", name);
    if (name[0] == '-' || name[n - 1] == '-')
        add(out, "SKILL.md", line, SKILL_DIAG_ERROR, "'name' must not start or end with '-'");
    if (strstr(name, "--"))
        add(out, "SKILL.md", line, SKILL_DIAG_ERROR, "'name' must not contain '--'");
    if (strcmp(name, s->id) != 0)
        add(out, "SKILL.md", line, SKILL_DIAG_ERROR,
            "'name' is \"%s\" but the folder is \"%s\": they must be equal", name, s->id);
    if (strstr(name, "anthropic") || strstr(name, "claude"))
        add(out, "SKILL.md", line, SKILL_DIAG_WARNING,
            "'name' contains a reserved word (anthropic, claude): Claude's hosted surfaces "
            "reject it");
    if (has_xml_tag(name))
        add(out, "SKILL.md", line, SKILL_DIAG_WARNING, "'name' contains an XML tag");
}

static void check_description(const Skill *s, SkVec *out)
{
    json_t *v = json_object_get(s->frontmatter, "description");
    if (!v) {
        add(out, "SKILL.md", 1, SKILL_DIAG_ERROR, "missing required field 'description'");
        return;
    }
    int line = key_line(s, "description");
    if (!json_is_string(v)) {
        add(out, "SKILL.md", line, SKILL_DIAG_ERROR, "'description' must be a string");
        return;
    }
    const char *d = json_string_value(v);
    char *copy = sk_strdup(d);
    sk_str_trim(copy);
    bool empty = !*copy;
    free(copy);
    if (empty) {
        add(out, "SKILL.md", line, SKILL_DIAG_ERROR, "'description' is empty");
        return;
    }
    size_t n = utf8_chars(d);
    if (n > LINT_DESCRIPTION_MAX)
        add(out, "SKILL.md", line, SKILL_DIAG_ERROR,
            "'description' is %zu characters; the limit is %d (strict clients reject it)", n,
            LINT_DESCRIPTION_MAX);
    if (has_xml_tag(d))
        add(out, "SKILL.md", line, SKILL_DIAG_WARNING,
            "'description' contains an XML tag; Claude's hosted surfaces reject it");
    static const char *const when[] = {"use when", "use this", "use for", "when ", "whenever",
                                       "used for", "for ", "if the user", "trigger"};
    bool says_when = false;
    for (size_t i = 0; i < SK_ARRAY_LEN(when) && !says_when; i++)
        says_when = sk_str_casestr(d, when[i]) != NULL;
    if (!says_when && n < 400)
        add(out, "SKILL.md", line, SKILL_DIAG_WARNING,
            "'description' does not say when to use the skill; agents pick skills by it "
            "(add \"Use when ...\")");
}

static void check_optional(const Skill *s, const LintOptions *opt, SkVec *out)
{
    static const char *const spec_keys[] = {"name", "description", "license", "compatibility",
                                            "metadata", "allowed-tools"};
    static const char *const client_keys[] = {
        "argument-hint", "disable-model-invocation", "user-invocable", "model", "effort",
        "context", "agent", "hooks", "paths", "shell", "version"};
    const char *key;
    json_t *v;
    json_object_foreach(s->frontmatter, key, v)
    {
        int line = key_line(s, key);
        bool spec = false, client = false;
        for (size_t i = 0; i < SK_ARRAY_LEN(spec_keys); i++)
            spec = spec || !strcmp(key, spec_keys[i]);
        for (size_t i = 0; i < SK_ARRAY_LEN(client_keys); i++)
            client = client || !strcmp(key, client_keys[i]);
        if (!spec) {
            if (client && !opt->strict)
                add(out, "SKILL.md", line, SKILL_DIAG_WARNING,
                    "key '%s' is not in the open spec (a client extension); strict clients "
                    "and upload paths reject it",
                    key);
            else
                add(out, "SKILL.md", line, SKILL_DIAG_ERROR,
                    "key '%s' is not allowed by the spec (allowed: name, description, license, "
                    "compatibility, metadata, allowed-tools)",
                    key);
            continue;
        }
        if (!strcmp(key, "license") && !json_is_string(v))
            add(out, "SKILL.md", line, SKILL_DIAG_ERROR, "'license' must be a string");
        if (!strcmp(key, "compatibility")) {
            if (!json_is_string(v))
                add(out, "SKILL.md", line, SKILL_DIAG_ERROR, "'compatibility' must be a string");
            else if (!*json_string_value(v) ||
                     utf8_chars(json_string_value(v)) > LINT_COMPATIBILITY_MAX)
                add(out, "SKILL.md", line, SKILL_DIAG_ERROR,
                    "'compatibility' must be 1-%d characters", LINT_COMPATIBILITY_MAX);
        }
        if (!strcmp(key, "metadata")) {
            if (!json_is_object(v)) {
                add(out, "SKILL.md", line, SKILL_DIAG_ERROR,
                    "'metadata' must be a mapping of string keys to string values");
            } else {
                const char *mk;
                json_t *mv;
                json_object_foreach(v, mk, mv) if (!json_is_string(mv))
                    add(out, "SKILL.md", line, SKILL_DIAG_ERROR,
                        "'metadata.%s' must be a string (quote it)", mk);
            }
        }
        if (!strcmp(key, "allowed-tools")) {
            bool ok = json_is_string(v);
            if (json_is_array(v)) {
                ok = true;
                size_t i;
                json_t *t;
                json_array_foreach(v, i, t) ok = ok && json_is_string(t);
            }
            if (!ok)
                add(out, "SKILL.md", line, SKILL_DIAG_ERROR,
                    "'allowed-tools' must be a space-separated string or a list of strings");
        }
    }
}

static void check_body(const Skill *s, SkVec *out)
{
    const char *body = s->content + s->body_off;
    size_t len = s->content_len - s->body_off;
    bool blank = true;
    for (size_t i = 0; i < len && blank; i++)
        blank = isspace((unsigned char)body[i]);
    if (blank) {
        add(out, "SKILL.md", s->body_line, SKILL_DIAG_WARNING,
            "the body is empty: the instructions are what the agent follows");
        return;
    }
    size_t lines = s->nlines >= (size_t)s->body_line ? s->nlines - (size_t)s->body_line + 1 : 0;
    if (lines > LINT_BODY_LINES_ADVICE)
        add(out, "SKILL.md", s->body_line, SKILL_DIAG_WARNING,
            "the body has %zu lines; the spec advises under %d (move detail into references/)",
            lines, LINT_BODY_LINES_ADVICE);
    size_t tokens = sk_estimate_tokens(body, len);
    if (tokens > LINT_BODY_TOKENS_ADVICE)
        add(out, "SKILL.md", s->body_line, SKILL_DIAG_WARNING,
            "the body is about %zu tokens; the spec advises under %d", tokens,
            LINT_BODY_TOKENS_ADVICE);
}

/* Does REF look like a path into the skill folder (not a URL, anchor, or absolute path)? */
static bool looks_local(const char *ref)
{
    if (!*ref || ref[0] == '#' || ref[0] == '/' || ref[0] == '~' || strstr(ref, "://") ||
        sk_str_starts(ref, "mailto:") || sk_str_starts(ref, "data:") || strchr(ref, ' ') ||
        strchr(ref, '*') || strchr(ref, '$') || strchr(ref, '{') || strchr(ref, '<'))
        return false;
    return true;
}

static bool is_bundle_dir_path(const char *ref)
{
    static const char *const dirs[] = {"scripts/", "references/", "reference/", "assets/",
                                       "templates/", "examples/", "docs/"};
    for (size_t i = 0; i < SK_ARRAY_LEN(dirs); i++)
        if (sk_str_starts(ref, dirs[i]) && strlen(ref) > strlen(dirs[i]))
            return true;
    return false;
}

static bool bundle_has(const Skill *s, const char *ref)
{
    char *p = sk_strdup(ref);
    char *hash = strchr(p, '#');
    if (hash)
        *hash = '\0';
    while (sk_str_starts(p, "./"))
        memmove(p, p + 2, strlen(p + 2) + 1);
    size_t n = strlen(p);
    while (n && p[n - 1] == '/')
        p[--n] = '\0';
    bool found = !strcmp(p, "SKILL.md") || skill_find_file(s, p) != NULL;
    if (!found) /* a folder reference: any file below it */
        for (size_t i = 0; i < s->files.len && !found; i++) {
            const char *fp = ((SkillFile *)s->files.items[i])->path;
            found = !strncmp(fp, p, n) && fp[n] == '/';
        }
    free(p);
    return found;
}

static void check_ref(const Skill *s, SkVec *out, int line, const char *ref, size_t n,
                      bool from_link)
{
    char *r = sk_strndup(ref, n);
    sk_str_trim(r);
    if (looks_local(r) && (from_link || is_bundle_dir_path(r)) && !strstr(r, "..") &&
        !bundle_has(s, r)) {
        if (!s->files.len && !sk_is_dir(s->dir))
            ; /* in-memory skill: nothing to compare with */
        else
            add(out, "SKILL.md", line, SKILL_DIAG_ERROR,
                "references '%s', which is not in the skill folder", r);
    }
    free(r);
}

static void check_references(const Skill *s, SkVec *out)
{
    bool in_fence = false;
    for (size_t ln = (size_t)s->body_line; ln <= s->nlines; ln++) {
        size_t len;
        const char *l = skill_line(s, ln, &len);
        size_t i = 0;
        while (i < len && (l[i] == ' ' || l[i] == '\t'))
            i++;
        if (len - i >= 3 && (!strncmp(l + i, "```", 3) || !strncmp(l + i, "~~~", 3))) {
            in_fence = !in_fence;
            continue;
        }
        if (in_fence)
            continue;
        for (size_t k = 0; k + 1 < len; k++) {
            if (l[k] == ']' && l[k + 1] == '(') { /* [text](target) */
                const char *t = l + k + 2;
                const char *e = memchr(t, ')', len - (size_t)(t - l));
                if (e) {
                    const char *sp = memchr(t, ' ', (size_t)(e - t)); /* [x](p "title") */
                    check_ref(s, out, (int)ln, t, (size_t)((sp ? sp : e) - t), true);
                }
            } else if (l[k] == '`' && (k == 0 || l[k - 1] != '`')) {
                const char *t = l + k + 1;
                const char *e = memchr(t, '`', len - (size_t)(t - l));
                if (e && e > t) {
                    check_ref(s, out, (int)ln, t, (size_t)(e - t), false);
                    k = (size_t)(e - l);
                }
            }
        }
    }
}

static int diag_cmp(const void *a, const void *b)
{
    const SkillDiag *x = *(SkillDiag *const *)a, *y = *(SkillDiag *const *)b;
    bool xs = !strcmp(x->file, "SKILL.md"), ys = !strcmp(y->file, "SKILL.md");
    if (xs != ys)
        return xs ? -1 : 1;
    int c = strcmp(x->file, y->file);
    if (c)
        return c;
    return (x->line > y->line) - (x->line < y->line);
}

void lint_run(const Skill *s, const LintOptions *opt, SkVec *out)
{
    LintOptions defaults = {0};
    if (!opt)
        opt = &defaults;
    size_t first = out->len;
    for (size_t i = 0; i < s->diags.len; i++) {
        const SkillDiag *d = s->diags.items[i];
        add(out, d->file, d->line, d->level, "%s", d->msg);
    }
    if (s->had_crlf)
        add(out, "SKILL.md", 1, SKILL_DIAG_WARNING,
            "CRLF line endings; some clients misread the frontmatter (use LF)");
    if (s->has_frontmatter) {
        check_name(s, out);
        check_description(s, out);
        check_optional(s, opt, out);
    }
    check_body(s, out);
    check_references(s, out);
    /* stable sort of the new part: insertion sort keeps equal lines in discovery order */
    for (size_t i = first + 1; i < out->len; i++) {
        void *x = out->items[i];
        size_t j = i;
        while (j > first && diag_cmp(&out->items[j - 1], &x) > 0) {
            out->items[j] = out->items[j - 1];
            j--;
        }
        out->items[j] = x;
    }
}
