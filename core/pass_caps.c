/* pass_caps.c: compiler pass 1 (capabilities) and the guard (see pass_caps.h). */
#include "core/pass_caps.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/agent.h"
#include "core/analyzer.h"
#include "core/catalog.h"
#include "core/js.h"
#include "core/tcp.h"

#define MARK_BEGIN "<!-- skvm:begin "
#define MARK_END "<!-- skvm:end "

/* Length of the longest prefix of S of at most MAX bytes that ends on a UTF-8 boundary. */
static size_t utf8_prefix(const char *s, size_t max)
{
    size_t n = strnlen(s, max);
    if (s[n] == '\0')
        return n;
    while (n > 0 && ((unsigned char)s[n] & 0xC0) == 0x80)
        n--;
    return n;
}

/* ---- markdown line scanning ---- */

typedef struct Line {
    const char *p;
    size_t len;     /* without '\n' */
    size_t off;     /* offset in the text */
} Line;

static void split_lines(const char *text, SkVec *out)
{
    sk_vec_init(out, free);
    const char *p = text;
    while (*p) {
        const char *nl = strchr(p, '\n');
        Line *l = sk_malloc(sizeof *l);
        l->p = p;
        l->len = nl ? (size_t)(nl - p) : strlen(p);
        l->off = (size_t)(p - text);
        sk_vec_push(out, l);
        if (!nl)
            break;
        p = nl + 1;
    }
}

/* An opening/closing fence: up to 3 spaces, then 3+ '`' or '~'. */
static bool fence_of(const Line *l, char *ch, size_t *count)
{
    size_t i = 0;
    while (i < l->len && i < 3 && l->p[i] == ' ')
        i++;
    if (i >= l->len || (l->p[i] != '`' && l->p[i] != '~'))
        return false;
    char c = l->p[i];
    size_t n = 0;
    while (i + n < l->len && l->p[i + n] == c)
        n++;
    if (n < 3)
        return false;
    *ch = c;
    *count = n;
    return true;
}

static bool fence_closes(const Line *l, char ch, size_t count)
{
    char c;
    size_t n;
    if (!fence_of(l, &c, &n) || c != ch || n < count)
        return false;
    /* nothing but blanks after a closing fence */
    size_t i = 0;
    while (i < l->len && l->p[i] == ' ')
        i++;
    for (i += n; i < l->len; i++)
        if (!isspace((unsigned char)l->p[i]))
            return false;
    return true;
}

static bool is_heading(const Line *l)
{
    size_t i = 0;
    while (i < l->len && i < 3 && l->p[i] == ' ')
        i++;
    size_t h = 0;
    while (i + h < l->len && l->p[i + h] == '#')
        h++;
    return h >= 1 && h <= 6 && (i + h == l->len || l->p[i + h] == ' ' || l->p[i + h] == '\t');
}

static bool line_starts(const Line *l, const char *prefix)
{
    size_t n = strlen(prefix);
    return l->len >= n && !strncmp(l->p, prefix, n);
}

/* Per line: inside a fence (fence lines included)? inside a skvm section? */
typedef struct Scan {
    SkVec lines;
    bool *fenced;
    bool *skvm;
    int unbalanced; /* marker problems */
} Scan;

static void scan_text(const char *text, Scan *s)
{
    split_lines(text, &s->lines);
    size_t n = s->lines.len;
    s->fenced = sk_calloc(n + 1, 1);
    s->skvm = sk_calloc(n + 1, 1);
    s->unbalanced = 0;
    bool in_fence = false, in_skvm = false;
    char fch = 0;
    size_t fcount = 0;
    for (size_t i = 0; i < n; i++) {
        const Line *l = s->lines.items[i];
        if (in_fence) {
            s->fenced[i] = true;
            if (fence_closes(l, fch, fcount))
                in_fence = false;
        } else if (fence_of(l, &fch, &fcount)) {
            s->fenced[i] = true;
            in_fence = true;
        } else if (line_starts(l, MARK_BEGIN)) {
            if (in_skvm)
                s->unbalanced++;
            in_skvm = true;
        } else if (line_starts(l, MARK_END)) {
            if (!in_skvm)
                s->unbalanced++;
            s->skvm[i] = true;
            in_skvm = false;
            continue;
        }
        s->skvm[i] = in_skvm;
    }
    if (in_skvm)
        s->unbalanced++;
}

static void scan_done(Scan *s)
{
    sk_vec_done(&s->lines);
    free(s->fenced);
    free(s->skvm);
}

/* Length of the frontmatter block (through the closing '---' line), 0 when none. */
static size_t frontmatter_len(const char *text)
{
    if (strncmp(text, "---\n", 4) && strncmp(text, "---\r\n", 5))
        return 0;
    const char *p = strchr(text, '\n') + 1;
    while (*p) {
        const char *nl = strchr(p, '\n');
        size_t len = nl ? (size_t)(nl - p) : strlen(p);
        while (len > 0 && (p[len - 1] == '\r' || p[len - 1] == ' '))
            len--;
        if (len == 3 && !strncmp(p, "---", 3))
            return nl ? (size_t)(nl + 1 - text) : strlen(text);
        if (!nl)
            break;
        p = nl + 1;
    }
    return 0;
}

char *pass_caps_section(const char *name, const char *body)
{
    SkBuf b = SK_BUF_INIT;
    sk_buf_printf(&b, "\n%s%s -->\n%s", MARK_BEGIN, name, body);
    if (!sk_str_ends(body, "\n"))
        sk_buf_putc(&b, '\n');
    sk_buf_printf(&b, "%s%s -->\n", MARK_END, name);
    return sk_buf_steal(&b);
}

char *pass_caps_strip_sections(const char *text)
{
    Scan s;
    scan_text(text, &s);
    SkBuf b = SK_BUF_INIT;
    for (size_t i = 0; i < s.lines.len; i++) {
        const Line *l = s.lines.items[i];
        bool marker_begin = !s.fenced[i] && line_starts(l, MARK_BEGIN);
        if (s.skvm[i] || marker_begin) {
            /* drop the blank line we put before the section */
            if (marker_begin && b.len >= 2 && b.data[b.len - 1] == '\n' &&
                b.data[b.len - 2] == '\n')
                b.len--;
            continue;
        }
        sk_buf_append(&b, l->p, l->len);
        if (l->p[l->len] == '\n')
            sk_buf_putc(&b, '\n');
    }
    scan_done(&s);
    if (b.data)
        b.data[b.len] = '\0';
    return b.data ? sk_buf_steal(&b) : sk_strdup("");
}

/* ---- the guard ---- */

static void violation(json_t *v, const char *fmt, ...) ATTR_FORMAT(2, 3);
static void violation(json_t *v, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    char *m = sk_vasprintf(fmt, ap);
    va_end(ap);
    json_array_append_new(v, json_string(m));
    free(m);
}

static char *line_str(const Line *l, size_t max)
{
    size_t n = l->len;
    while (n > 0 && (l->p[n - 1] == '\r' || l->p[n - 1] == ' '))
        n--;
    if (n > max)
        n = max;
    return sk_strndup(l->p, n);
}

/* Lower-case words of 3+ letters/digits of T. */
static void words_of(const char *t, size_t n, SkVec *out)
{
    sk_vec_init(out, free);
    size_t i = 0;
    while (i < n) {
        while (i < n && !isalnum((unsigned char)t[i]))
            i++;
        size_t j = i;
        while (j < n && isalnum((unsigned char)t[j]))
            j++;
        if (j - i >= 3) {
            char *w = sk_strndup(t + i, j - i);
            for (char *c = w; *c; c++)
                *c = (char)tolower((unsigned char)*c);
            sk_vec_push(out, w);
        }
        i = j;
    }
}

/* Is EVIDENCE still there, reworded: some line of the final text (outside skvm sections)
 * holds at least two thirds of its words? A local rephrasing keeps the step; a deletion does not. */
static bool rephrased_in(const Scan *sf, const char *evidence)
{
    SkVec ew;
    words_of(evidence, strlen(evidence), &ew);
    bool found = false;
    for (size_t i = 0; i < sf->lines.len && !found && ew.len > 0; i++) {
        if (sf->skvm[i])
            continue;
        const Line *l = sf->lines.items[i];
        SkVec lw;
        words_of(l->p, l->len, &lw);
        size_t hit = 0;
        for (size_t a = 0; a < ew.len; a++)
            for (size_t b = 0; b < lw.len; b++)
                if (!strcmp(ew.items[a], lw.items[b])) {
                    hit++;
                    break;
                }
        found = hit * 3 >= ew.len * 2 && hit >= 2;
        sk_vec_done(&lw);
    }
    sk_vec_done(&ew);
    return found;
}

int compile_count_lines(const char *text)
{
    int n = 0;
    for (const char *p = text; *p; p++)
        if (*p == '\n')
            n++;
    size_t len = strlen(text);
    if (len > 0 && text[len - 1] != '\n')
        n++;
    return n;
}

json_t *pass_caps_guard(const char *orig, const char *final, const json_t *requirements,
                        int budget)
{
    json_t *v = json_array();
    /* frontmatter */
    size_t fl = frontmatter_len(orig);
    if (fl > 0 && (strlen(final) < fl || memcmp(orig, final, fl) != 0))
        violation(v, "frontmatter changed (it must stay byte for byte as written)");
    else if (fl == 0 && frontmatter_len(final) > 0)
        violation(v, "frontmatter added where the original had none");

    Scan so, sf;
    scan_text(orig, &so);
    scan_text(final, &sf);

    /* code blocks */
    for (size_t i = 0; i < so.lines.len; i++) {
        if (!so.fenced[i])
            continue;
        size_t j = i;
        while (j + 1 < so.lines.len && so.fenced[j + 1]) {
            /* a closing fence followed directly by an opening one: split blocks */
            const Line *cur = so.lines.items[j];
            char ch;
            size_t cnt;
            if (j > i && fence_of(cur, &ch, &cnt)) {
                const Line *first = so.lines.items[i];
                char fc;
                size_t fcnt;
                fence_of(first, &fc, &fcnt);
                if (fence_closes(cur, fc, fcnt))
                    break;
            }
            j++;
        }
        const Line *a = so.lines.items[i], *b = so.lines.items[j];
        size_t start = a->off, end = b->off + b->len;
        char *block = sk_strndup(orig + start, end - start);
        if (!strstr(final, block)) {
            char *first = line_str(a, 60);
            violation(v, "code block at line %zu (%s) was changed or removed", i + 1, first);
            free(first);
        }
        free(block);
        i = j;
    }

    /* headings */
    SkVec ho, hf;
    sk_vec_init(&ho, NULL);
    sk_vec_init(&hf, NULL);
    for (size_t i = 0; i < so.lines.len; i++)
        if (!so.fenced[i] && !so.skvm[i] && is_heading(so.lines.items[i]))
            sk_vec_push(&ho, so.lines.items[i]);
    for (size_t i = 0; i < sf.lines.len; i++)
        if (!sf.fenced[i] && !sf.skvm[i] && is_heading(sf.lines.items[i]))
            sk_vec_push(&hf, sf.lines.items[i]);
    size_t ia = 0, ib = 0;
    while (ia < ho.len || ib < hf.len) {
        char *x = ia < ho.len ? line_str(ho.items[ia], 200) : NULL;
        char *y = ib < hf.len ? line_str(hf.items[ib], 200) : NULL;
        if (x && y && !strcmp(x, y)) {
            ia++;
            ib++;
        } else if (x) {
            /* is x further down in the final list? then y was added */
            bool later = false;
            for (size_t k = ib; k < hf.len && !later; k++) {
                char *z = line_str(hf.items[k], 200);
                later = !strcmp(z, x);
                free(z);
            }
            if (later && y) {
                violation(v, "heading added outside a skvm section: %s", y);
                ib++;
            } else {
                violation(v, "heading removed or changed: %s", x);
                ia++;
            }
        } else {
            violation(v, "heading added outside a skvm section: %s", y);
            ib++;
        }
        free(x);
        free(y);
    }
    sk_vec_done(&ho);
    sk_vec_done(&hf);

    if (sf.unbalanced)
        violation(v, "skvm section markers are unbalanced");

    /* length */
    int added = compile_count_lines(final) - compile_count_lines(orig);
    if (added > budget)
        violation(v, "length: %d lines added (budget %d for %d original lines)", added, budget,
                  compile_count_lines(orig));

    /* scope: evidence lines still there, or the primitive addressed in a skvm section */
    SkBuf skvm_text = SK_BUF_INIT;
    for (size_t i = 0; i < sf.lines.len; i++)
        if (sf.skvm[i]) {
            const Line *l = sf.lines.items[i];
            sk_buf_append(&skvm_text, l->p, l->len);
            sk_buf_putc(&skvm_text, '\n');
        }
    size_t ri;
    json_t *req;
    if (json_is_array(requirements)) {
        json_array_foreach(requirements, ri, req) {
            const char *prim = js_str(req, "primitive", "");
            json_t *ev = js_arr(req, "evidence");
            size_t ei;
            json_t *e;
            json_array_foreach(ev, ei, e) {
                if (!sk_str_eq(js_str(e, "file", ""), "SKILL.md"))
                    continue;
                const char *t = js_str(e, "text", "");
                if (!*t || strstr(final, t) || rephrased_in(&sf, t))
                    continue;
                if (*prim && strstr(sk_buf_cstr(&skvm_text), prim))
                    continue;
                violation(v, "scope dropped: the %s evidence at line %lld (\"%.80s\") is gone "
                          "and not addressed",
                          prim, js_int(e, "line", 0), t);
            }
        }
    }
    sk_buf_done(&skvm_text);
    scan_done(&so);
    scan_done(&sf);

    json_t *o = json_object();
    json_object_set_new(o, "passed", json_boolean(json_array_size(v) == 0));
    json_object_set_new(o, "violations", v);
    json_object_set_new(o, "added_lines", json_integer(added));
    json_object_set_new(o, "budget", json_integer(budget));
    return o;
}

/* ---- pass 1 ---- */

static json_t *evidence_json(const Evidence *e)
{
    json_t *o = json_object();
    json_object_set_new(o, "file", json_string(e->file));
    json_object_set_new(o, "line", json_integer(e->line));
    json_object_set_new(o, "text", json_string(e->text ? e->text : ""));
    return o;
}

static json_t *requirements_json(const Analysis *a)
{
    json_t *arr = json_array();
    for (size_t i = 0; i < a->reqs.len; i++) {
        const Requirement *r = a->reqs.items[i];
        json_t *o = json_object();
        json_object_set_new(o, "primitive", json_string(r->primitive));
        json_object_set_new(o, "level", json_string(tcp_level_name(r->level)));
        json_object_set_new(o, "why", json_string(r->why ? r->why : ""));
        json_t *ev = json_array();
        for (size_t k = 0; k < r->evidence.len; k++)
            json_array_append_new(ev, evidence_json(r->evidence.items[k]));
        json_object_set_new(o, "evidence", ev);
        json_object_set_new(o, "source", json_string("analyzer"));
        json_array_append_new(arr, o);
    }
    return arr;
}

/* "step 3 under "Processing"" for line LINE of TEXT (1-based), or "" */
static char *line_context(const CompileCtx *c, int line)
{
    const Skill *s = c->source;
    int step = -1;
    char *heading = NULL;
    for (int n = line; n >= 1; n--) {
        size_t len = 0;
        const char *p = skill_line(s, (size_t)n, &len);
        if (!p)
            break;
        size_t i = 0;
        while (i < len && p[i] == ' ')
            i++;
        if (step < 0 && i == 0 && i < len && isdigit((unsigned char)p[i])) {
            size_t k = i;
            while (k < len && isdigit((unsigned char)p[k]))
                k++;
            if (k < len && (p[k] == '.' || p[k] == ')'))
                step = atoi(p + i);
        }
        if (len > 0 && p[0] == '#') {
            size_t h = 0;
            while (h < len && p[h] == '#')
                h++;
            while (h < len && p[h] == ' ')
                h++;
            {
                size_t hn = len - h;
                if (hn > 60) {
                    hn = 60;
                    while (hn > 0 && ((unsigned char)p[h + hn] & 0xC0) == 0x80)
                        hn--;
                }
                heading = sk_strndup(p + h, hn);
            }
            break;
        }
    }
    char *r;
    if (step > 0 && heading)
        r = sk_asprintf(", step %d under \"%s\"", step, heading);
    else if (heading)
        r = sk_asprintf(", under \"%s\"", heading);
    else if (step > 0)
        r = sk_asprintf(", step %d", step);
    else
        r = sk_strdup("");
    free(heading);
    return r;
}

static char *guidance_for(const Primitive *p, int required, int have)
{
    SkBuf b = SK_BUF_INIT;
    if (required >= 3 && have < 3)
        sk_buf_puts(&b, p->degrade_3_2);
    if (required >= 2 && have < 2) {
        if (b.len)
            sk_buf_puts(&b, " If that is still too much: ");
        sk_buf_puts(&b, p->degrade_2_1 ? p->degrade_2_1
                                       : "there is no simpler way to do this part; keep it, "
                                         "do it in the smallest explicit steps and check the "
                                         "result.");
    }
    if (!b.len)
        sk_buf_puts(&b, "This model failed even the basic form of this in profiling: do this "
                        "part in the smallest explicit steps and check each result.");
    return sk_buf_steal(&b);
}

typedef struct GapItem {
    const Gap *gap;
    const Primitive *prim;
    const Requirement *req;
    int order;
} GapItem;

static int gap_item_cmp(const void *a, const void *b)
{
    const GapItem *x = *(GapItem *const *)a, *y = *(GapItem *const *)b;
    bool mx = x->gap->have == 0, my = y->gap->have == 0;
    if (mx != my)
        return mx ? -1 : 1;
    int dx = x->gap->required - x->gap->have, dy = y->gap->required - y->gap->have;
    if (dx != dy)
        return dy - dx;
    return x->order - y->order;
}

/* First SKILL.md evidence of a requirement (else the first one). */
static const Evidence *best_evidence(const Requirement *r)
{
    if (!r)
        return NULL;
    for (size_t i = 0; i < r->evidence.len; i++) {
        const Evidence *e = r->evidence.items[i];
        if (sk_str_eq(e->file, "SKILL.md"))
            return e;
    }
    return r->evidence.len ? r->evidence.items[0] : NULL;
}

static char *clip(const char *s, size_t max)
{
    size_t n = strlen(s);
    if (n <= max)
        return sk_strdup(s);
    while (max > 0 && ((unsigned char)s[max] & 0xC0) == 0x80)
        max--;
    return sk_asprintf("%.*s...", (int)max, s);
}

/* ---- with a compiler model ---- */

static char *validate_reqs(json_t *v, void *ud)
{
    (void)ud;
    json_t *arr = js_arr(v, "requirements");
    if (!arr)
        return sk_strdup("missing the array \"requirements\"");
    size_t i;
    json_t *r;
    json_array_foreach(arr, i, r) {
        const char *prim = js_str(r, "primitive", NULL);
        if (!prim)
            return sk_asprintf("requirements[%zu] has no \"primitive\"", i);
        if (!catalog_find(prim))
            return sk_asprintf("requirements[%zu]: \"%s\" is not one of the 26 primitive ids",
                               i, prim);
        int lv = tcp_level_parse(js_str(r, "level", ""));
        if (lv < 1 || lv > 3)
            return sk_asprintf("requirements[%zu]: level must be \"L1\", \"L2\" or \"L3\"", i);
        if (!*js_str(r, "evidence", ""))
            return sk_asprintf("requirements[%zu]: evidence (a quote from SKILL.md) is missing",
                               i);
    }
    return NULL;
}

static void ev_free(void *p)
{
    Evidence *e = p;
    free(e->file);
    free(e->text);
    free(e);
}

/* The SKILL.md line that contains QUOTE (0 when none). */
static int find_line(const Skill *s, const char *quote)
{
    for (size_t n = 1; n <= s->nlines; n++) {
        size_t len = 0;
        const char *p = skill_line(s, n, &len);
        char *l = sk_strndup(p, len);
        bool hit = *quote && strstr(l, quote) != NULL;
        free(l);
        if (hit)
            return (int)n;
    }
    return 0;
}

static json_t *req_schema(void)
{
    return json_pack(
        "{s:s,s:{s:{s:s,s:{s:s,s:{s:{s:s},s:{s:s,s:[s,s,s]},s:{s:s},s:{s:s}},s:[s,s,s]}}},"
        "s:[s]}",
        "type", "object", "properties", "requirements", "type", "array", "items", "type",
        "object", "properties", "primitive", "type", "string", "level", "type", "string", "enum",
        "L1", "L2", "L3", "evidence", "type", "string", "why", "type", "string", "required",
        "primitive", "level", "evidence", "required", "requirements");
}

/* Ask the compiler model for requirements and merge them into A: a higher level wins, the
 * model's evidence is added; SOURCES gets primitive -> "model" / "analyzer+model". */
static SkStatus model_requirements(CompileCtx *c, Analysis *a, json_t *sources, SkError *err)
{
    SkBuf u = SK_BUF_INIT;
    sk_buf_puts(&u, "List the primitive capabilities this skill needs, each with the minimum "
                    "level and a quote from SKILL.md as evidence.\n\nPrimitives and levels:\n");
    size_t n;
    const Primitive *all = catalog_all(&n);
    for (size_t i = 0; i < n; i++)
        sk_buf_printf(&u, "- %s: L1 %s; L2 %s; L3 %s\n", all[i].id, all[i].level[0],
                      all[i].level[1], all[i].level[2]);
    sk_buf_printf(&u, "\n## SKILL.md\n\n```markdown\n%s\n```\n", c->source->content);
    json_t *schema = req_schema();
    json_t *v = NULL;
    SkStatus s = compile_ctx_ask_json(
        c, "report_requirements", "Report the skill's capability requirements", schema,
        "You are a precise skill compiler. Report only requirements the text supports, using "
        "the listed primitive ids exactly.",
        u.data, validate_reqs, NULL, &v, err);
    json_decref(schema);
    sk_buf_done(&u);
    if (s != SK_OK)
        return s;
    size_t i;
    json_t *r;
    size_t added = 0;
    json_array_foreach(js_arr(v, "requirements"), i, r) {
        const Primitive *p = catalog_find(js_str(r, "primitive", ""));
        int lv = tcp_level_parse(js_str(r, "level", "L1"));
        const char *quote = js_str(r, "evidence", "");
        Requirement *req = (Requirement *)analyzer_find(a, p->id);
        if (!req) {
            req = sk_calloc(1, sizeof *req);
            req->primitive = p->id;
            req->level = lv;
            req->why = sk_strdup(js_str(r, "why", "named by the compiler model"));
            sk_vec_init(&req->evidence, ev_free);
            sk_vec_push(&a->reqs, req);
            json_object_set_new(sources, p->id, json_string("model"));
            added++;
        } else {
            if (lv > req->level)
                req->level = lv;
            json_object_set_new(sources, p->id, json_string("analyzer+model"));
        }
        Evidence *e = sk_calloc(1, sizeof *e);
        e->file = sk_strdup("SKILL.md");
        e->line = find_line(c->source, quote);
        e->text = sk_strndup(quote, utf8_prefix(quote, 200));
        sk_vec_push(&req->evidence, e);
    }
    compile_ctx_log(c, "the compiler model named %zu requirements (%zu new to the analyzer)",
                    json_array_size(js_arr(v, "requirements")), added);
    json_decref(v);
    return SK_OK;
}

static SkStatus agent_rewrite(CompileCtx *c, const SkVec *items, char **out, SkError *err);

SkStatus pass_caps_run(CompileCtx *c, SkError *err)
{
    Analysis *a = NULL;
    SkStatus s = analyzer_run(c->source, &a, err);
    if (s != SK_OK)
        return sk_error_prefix(err, "requirements");
    json_t *sources = json_object();
    if (c->llm) {
        s = model_requirements(c, a, sources, err);
        if (s != SK_OK) {
            json_decref(sources);
            analyzer_free(a);
            return s;
        }
    }
    json_t *reqs = requirements_json(a);
    size_t ri;
    json_t *rq;
    json_array_foreach(reqs, ri, rq) {
        json_t *src = json_object_get(sources, js_str(rq, "primitive", ""));
        if (src)
            json_object_set(rq, "source", src);
    }
    json_decref(sources);
    json_t *rdoc = json_object();
    json_object_set_new(rdoc, "skill", json_string(c->source->id));
    json_object_set_new(rdoc, "source", json_string(c->llm ? "analyzer+model" : "analyzer"));
    json_object_set_new(rdoc, "requirements", reqs);
    json_object_set(c->artifacts, "requirements", rdoc);
    json_decref(rdoc);
    compile_ctx_log(c, "%zu requirements from the offline analyzer", json_array_size(reqs));

    SkVec gaps;
    analyzer_gaps(a, c->profile, &gaps);
    SkVec items;
    sk_vec_init(&items, free);
    for (size_t i = 0; i < gaps.len; i++) {
        GapItem *it = sk_calloc(1, sizeof *it);
        it->gap = gaps.items[i];
        it->prim = catalog_find(it->gap->primitive);
        it->req = analyzer_find(a, it->gap->primitive);
        it->order = (int)i;
        if (!it->prim) {
            free(it);
            continue;
        }
        sk_vec_push(&items, it);
    }
    sk_vec_sort(&items, gap_item_cmp);

    /* room under the guard's budget: keep some for pass 3's plan section */
    int room = compile_ctx_lines_left(c);
    if (c->selected & (1u << 3))
        room -= 10;
    const int overhead = 7; /* blank, begin, heading, blank, intro, blank, end */
    int bullets = room - overhead;
    size_t own = 0; /* gaps with their own bullet */
    if (bullets >= 1)
        own = items.len <= (size_t)bullets ? items.len : (size_t)(bullets - 1);

    json_t *garr = json_array();
    SkBuf body = SK_BUF_INIT;
    char *model = sk_strdup(c->opts->model);
    sk_buf_printf(&body, "## Notes for %s (added by skvm)\n\n", model);
    sk_buf_printf(&body,
                  "skvm compiled this skill for %s on %s. Its capability profile is below "
                  "what this skill asks for in %zu area%s; where the skill relies on them, "
                  "work as these notes say:\n\n",
                  model, c->harness, items.len, items.len == 1 ? "" : "s");
    SkBuf rest = SK_BUF_INIT;
    size_t nrest = 0;
    for (size_t i = 0; i < items.len; i++) {
        GapItem *it = items.items[i];
        const Gap *g = it->gap;
        char *guide = guidance_for(it->prim, g->required, g->have);
        const Evidence *e = best_evidence(it->req);
        json_t *go = json_object();
        json_object_set_new(go, "primitive", json_string(g->primitive));
        json_object_set_new(go, "title", json_string(it->prim->title));
        json_object_set_new(go, "required", json_string(tcp_level_name(g->required)));
        json_object_set_new(go, "have", json_string(tcp_level_name(g->have)));
        json_object_set_new(go, "kind", json_string(g->kind == GAP_MISSING ? "missing" : "weak"));
        json_object_set_new(go, "guidance", json_string(guide));
        json_object_set_new(go, "evidence", e ? evidence_json(e) : json_null());
        bool addressed = i < own || (bullets >= 1 && own < items.len);
        json_object_set_new(go, "addressed", json_boolean(addressed));
        json_array_append_new(garr, go);
        if (i < own) {
            sk_buf_printf(&body, "- **%s** (`%s`: needs %s, this model has %s)", it->prim->title,
                          g->primitive, tcp_level_name(g->required), tcp_level_name(g->have));
            if (e) {
                char *ctxs = sk_str_eq(e->file, "SKILL.md") ? line_context(c, e->line)
                                                             : sk_strdup("");
                char *t = clip(e->text ? e->text : "", 80);
                if (sk_str_eq(e->file, "SKILL.md"))
                    sk_buf_printf(&body, ", line %d%s (\"%s\")", e->line, ctxs, t);
                else
                    sk_buf_printf(&body, ", %s:%d (\"%s\")", e->file, e->line, t);
                free(t);
                free(ctxs);
            }
            sk_buf_printf(&body, ": %s\n", guide);
        } else {
            sk_buf_printf(&rest, "%s`%s` (needs %s, has %s)", nrest ? ", " : "", g->primitive,
                          tcp_level_name(g->required), tcp_level_name(g->have));
            nrest++;
        }
        free(guide);
    }
    if (nrest && bullets >= 1)
        sk_buf_printf(&body,
                      "- Also below what the skill asks: %s. Keep those parts as plain and "
                      "explicit as possible, one small step at a time, and check each result.\n",
                      sk_buf_cstr(&rest));
    sk_buf_done(&rest);

    json_t *gdoc = json_object();
    json_t *target = json_object();
    json_object_set_new(target, "model", json_string(c->opts->model));
    json_object_set_new(target, "harness", json_string(c->harness));
    json_object_set_new(target, "profiled_at",
                        json_string(c->profile && c->profile->profiled_at
                                        ? c->profile->profiled_at
                                        : ""));
    json_object_set_new(gdoc, "target", target);
    json_object_set_new(gdoc, "gaps", garr);
    json_object_set(c->artifacts, "gaps", gdoc);
    json_decref(gdoc);
    json_object_set_new(c->summary, "requirements", json_integer((json_int_t)a->reqs.len));
    json_object_set_new(c->summary, "gaps", json_integer((json_int_t)items.len));

    char *edited = NULL;
    if (items.len > 0 && c->llm) {
        s = agent_rewrite(c, &items, &edited, err);
        if (s != SK_OK)
            goto done;
    }
    if (edited) {
        s = compile_ctx_set_text(c, edited, err);
        free(edited);
    } else if (items.len == 0) {
        compile_ctx_log(c, "no gaps against %s: SKILL.md left unchanged", model);
    } else if (bullets < 1) {
        compile_ctx_log(c, "%zu gaps, but no room under the length budget for guidance: "
                        "SKILL.md left unchanged",
                        items.len);
    } else {
        char *sec = pass_caps_section("target-notes", body.data);
        SkBuf t = SK_BUF_INIT;
        sk_buf_puts(&t, c->text);
        if (t.len && t.data[t.len - 1] != '\n')
            sk_buf_putc(&t, '\n');
        sk_buf_puts(&t, sec);
        s = compile_ctx_set_text(c, t.data, err);
        sk_buf_done(&t);
        free(sec);
        compile_ctx_log(c, "%zu gaps: added a marked notes section (%zu with their own "
                        "guidance%s)",
                        items.len, own, nrest ? ", the rest grouped" : "");
    }
    json_object_set_new(c->summary, "addressed",
                        json_integer((json_int_t)(bullets >= 1 ? items.len : 0)));
done:
    free(model);
    sk_buf_done(&body);
    sk_vec_done(&items);
    sk_vec_done(&gaps);
    analyzer_free(a);
    return s;
}

/* ---- the rewrite agent: the compiler model with file tools on a copy of the skill ---- */

static const char agent_rewrite_system[] =
    "You are a pass-1 compensation editor for agent skills. The skill in the working "
    "directory was written for a stronger model; the target model is weaker in the "
    "capabilities listed by the user. Lower the skill's demand where it relies on them, with "
    "the fewest local edits (at most 3 regions): a default path instead of an open choice, "
    "one explicit operation at a time, simpler output shapes, exact commands. Forbidden: new "
    "sections or headings, removing checks, steps or required outputs, changing the "
    "frontmatter or any code block, a wholesale rewrite, generic advice. Read SKILL.md with "
    "read_file, then write the whole edited SKILL.md once with write_file, then stop. Making "
    "no edit is fine when no gap has a local, concrete fix.";

typedef struct SeedCtx {
    const char *src;
    bool seeded;
    SkStatus status;
    SkError err;
} SeedCtx;

static void seed_hook(const AgentHookCtx *h, void *ud)
{
    SeedCtx *sc = ud;
    if (!sc->seeded) {
        sc->seeded = true;
        sc->status = sk_copy_tree(sc->src, h->workdir, &sc->err);
        char *a = sk_path_join(h->workdir, "_artifacts");
        sk_rm_rf(a, NULL);
        free(a);
    }
    llm_request_set_system(h->request, agent_rewrite_system);
}

static SkStatus agent_rewrite(CompileCtx *c, const SkVec *items, char **out, SkError *err)
{
    *out = NULL;
    SkBuf u = SK_BUF_INIT;
    sk_buf_printf(&u, "Target model: %s on %s. SKILL.md and its bundle files are in the "
                      "working directory.\n\n## Capability gaps (%zu)\n\n",
                  c->opts->model, c->harness, items->len);
    for (size_t i = 0; i < items->len; i++) {
        const GapItem *it = items->items[i];
        char *guide = guidance_for(it->prim, it->gap->required, it->gap->have);
        const Evidence *e = best_evidence(it->req);
        sk_buf_printf(&u, "- %s (%s): needs %s, the model has %s. The skill uses it at %s:%d "
                          "\"%s\". Degradation guidance: %s\n",
                      it->gap->primitive, it->prim->title, tcp_level_name(it->gap->required),
                      tcp_level_name(it->gap->have), e ? e->file : "-", e ? e->line : 0,
                      e && e->text ? e->text : "", guide);
        free(guide);
    }
    sk_buf_puts(&u, "\nFor each gap: find where SKILL.md exercises it and whether the guidance "
                    "implies one local wording change; edit only then. Write the full "
                    "SKILL.md once with write_file and stop.\n");
    SeedCtx sc = {.src = c->work_dir};
    AgentOptions ao;
    agent_options_init(&ao);
    ao.model = c->compiler_model;
    ao.client = c->llm;
    ao.home = c->opts->home;
    ao.db_path = "";
    ao.prompt = u.data;
    ao.max_steps = 15;
    ao.timeout_ms = 300000;
    ao.cancel = c->opts->cancel;
    ao.max_tokens = 32768;
    ao.keep_workdir = true;
    ao.hooks.before_llm = seed_hook;
    ao.hooks.ud = &sc;
    AgentResult *res = NULL;
    SkStatus s = agent_run(&ao, &res, err);
    sk_buf_done(&u);
    if (s != SK_OK)
        return sk_error_prefix(err, "rewrite agent");
    if (sc.status != SK_OK) {
        s = sk_error_set(err, sc.status, "rewrite agent: copying the skill: %s", sc.err.msg);
    } else if (res->status == AGENT_MODEL_ERROR || res->status == AGENT_TOOL_CRASH ||
               res->status == AGENT_INTERRUPTED || res->status == AGENT_CANCELLED) {
        /* never a silent "ok": a failed agent fails the pass */
        s = sk_error_set(err, res->status == AGENT_MODEL_ERROR ? SK_ERR_SERVER : SK_ERR_INTERNAL,
                         "rewrite agent ended with %s: %s", agent_status_name(res->status),
                         res->status_detail);
    } else {
        char *p = sk_path_join(res->workdir, "SKILL.md");
        char *text = NULL;
        SkError rerr;
        if (sk_read_file(p, SKILL_MAX_BYTES, &text, NULL, &rerr) != SK_OK) {
            s = sk_error_set(err, SK_ERR_BAD_RESPONSE, "rewrite agent: SKILL.md is gone from "
                             "its copy (%s)", rerr.msg);
        } else if (!strcmp(text, c->text)) {
            compile_ctx_log(c, "the rewrite agent made no edit (%s after %d model calls)",
                            agent_status_name(res->status), res->steps);
            free(text);
        } else {
            compile_ctx_log(c, "the rewrite agent edited SKILL.md (%d model calls, %d tool "
                            "calls, %s)",
                            res->steps, res->tool_calls, agent_status_name(res->status));
            *out = text;
        }
        free(p);
        c->tokens_in += res->tokens.input_tokens + res->tokens.cache_read_tokens +
                        res->tokens.cache_write_tokens;
        c->tokens_out += res->tokens.output_tokens;
    }
    if (res->run_dir)
        sk_rm_rf(res->run_dir, NULL);
    agent_result_free(res);
    return s;
}
