/* pass_plan.c: compiler pass 3, concurrency extraction (see pass_plan.h). */
#include "core/pass_plan.h"

#include <ctype.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "core/js.h"
#include "core/pass_caps.h"

#define PLAN_MAX_STEPS 64

typedef struct PLine {
    const char *p;
    size_t len;
    bool fenced;
} PLine;

typedef struct Item {
    int num;          /* its number in the sequence */
    int line;         /* 1-based */
    int heading_level; /* 0 for a list item */
    char *title;
} Item;

typedef struct Seq {
    SkVec items;      /* Item * */
    char *under;      /* heading above the sequence */
    bool headings;    /* "Step N" headings */
} Seq;

typedef struct Step {
    char *id;
    char *title;
    int first, last;  /* source lines */
    SkBuf text;
    SkVec inputs, outputs; /* char * */
    bool gather, action, each, parallel_cue, seq_cue;
    bool removed;
    json_t *merged_from;
} Step;

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

/* ---- text helpers ---- */

static void plines(const char *text, SkVec *out)
{
    sk_vec_init(out, free);
    bool in_fence = false;
    char fch = 0;
    size_t fcount = 0;
    for (const char *p = text; *p;) {
        const char *nl = strchr(p, '\n');
        PLine *l = sk_calloc(1, sizeof *l);
        l->p = p;
        l->len = nl ? (size_t)(nl - p) : strlen(p);
        size_t i = 0;
        while (i < l->len && i < 3 && p[i] == ' ')
            i++;
        char c = i < l->len ? p[i] : 0;
        size_t n = 0;
        if (c == '`' || c == '~')
            while (i + n < l->len && p[i + n] == c)
                n++;
        if (in_fence) {
            l->fenced = true;
            if (n >= 3 && c == fch && n >= fcount)
                in_fence = false;
        } else if (n >= 3) {
            l->fenced = true;
            in_fence = true;
            fch = c;
            fcount = n;
        }
        sk_vec_push(out, l);
        if (!nl)
            break;
        p = nl + 1;
    }
}

static int heading_level(const PLine *l)
{
    if (l->fenced)
        return 0;
    size_t h = 0;
    while (h < l->len && l->p[h] == '#')
        h++;
    if (h < 1 || h > 6 || (h < l->len && l->p[h] != ' ' && l->p[h] != '\t'))
        return 0;
    return (int)h;
}

/* Plain title: markdown emphasis/code marks dropped, at most 100 bytes. */
static char *clean_title(const char *p, size_t n)
{
    SkBuf b = SK_BUF_INIT;
    for (size_t i = 0; i < n; i++) {
        char c = p[i];
        if (c == '*' || c == '`' || (c == '_' && (i == 0 || p[i - 1] == ' ')))
            continue;
        sk_buf_putc(&b, c);
    }
    char *s = b.data ? sk_buf_steal(&b) : sk_strdup("");
    sk_str_trim(s);
    if (strlen(s) > 100) {
        size_t k = 100;
        while (k > 0 && ((unsigned char)s[k] & 0xC0) == 0x80)
            k--;
        s[k] = '\0';
    }
    return s;
}

/* "1. text" / "1) text" at indent <= 3: number and start of text. */
static int list_number(const PLine *l, size_t *text_off)
{
    if (l->fenced)
        return 0;
    size_t i = 0;
    while (i < l->len && i < 3 && l->p[i] == ' ')
        i++;
    size_t d = i;
    while (d < l->len && isdigit((unsigned char)l->p[d]) && d - i < 3)
        d++;
    if (d == i || d >= l->len || (l->p[d] != '.' && l->p[d] != ')'))
        return 0;
    if (d + 1 < l->len && l->p[d + 1] != ' ' && l->p[d + 1] != '\t')
        return 0;
    *text_off = d + 1;
    return atoi(l->p + i);
}

/* "Step 3: title" / "3. title" / "Phase 2 - x" heading text: its number, else 0. */
static int heading_step_number(const char *t)
{
    while (*t == ' ')
        t++;
    if (!strncasecmp(t, "step ", 5) || !strncasecmp(t, "phase ", 6) ||
        !strncasecmp(t, "stage ", 6)) {
        t = strchr(t, ' ') + 1;
        return isdigit((unsigned char)*t) ? atoi(t) : 0;
    }
    if (isdigit((unsigned char)*t)) {
        const char *d = t;
        while (isdigit((unsigned char)*d))
            d++;
        if (*d == '.' || *d == ')' || *d == ':')
            return atoi(t);
    }
    return 0;
}

static void item_free(void *p)
{
    Item *it = p;
    free(it->title);
    free(it);
}

static void seq_free(void *p)
{
    Seq *s = p;
    sk_vec_done(&s->items);
    free(s->under);
    free(s);
}

static const char *const workflow_words[] = {
    "workflow", "steps", "step-by-step", "process", "procedure", "instructions", "how to",
    "usage", "quick start", "quickstart", "method", "approach", "pipeline",
};

static int seq_score(const Seq *s)
{
    int score = (int)s->items.len;
    if (s->under)
        for (size_t i = 0; i < SK_ARRAY_LEN(workflow_words); i++)
            if (sk_str_casestr(s->under, workflow_words[i]))
                score += 100;
    if (s->headings)
        score += 50;
    return score;
}

/* ---- I/O extraction ---- */

static const char *const file_exts[] = {
    "csv", "tsv", "json", "jsonl", "md", "txt", "py", "js", "ts", "html", "css", "xlsx", "xls",
    "docx", "pptx", "pdf", "png", "jpg", "jpeg", "svg", "gif", "yaml", "yml", "xml", "sh",
    "sql", "db", "zip", "log", "ipynb", "toml", "parquet", "mp4", "wav", "mp3", "ics", "env",
};

static bool known_ext(const char *e, size_t n)
{
    for (size_t i = 0; i < SK_ARRAY_LEN(file_exts); i++)
        if (strlen(file_exts[i]) == n && !strncasecmp(file_exts[i], e, n))
            return true;
    return false;
}

static const char *const write_words[] = {
    "write", "save", "create", "generate", "output", "produce", "export", "render", "emit",
    "store", "record", "build", " to ", " into ", " as ", "-o ", "> ",
};
static const char *const gather_words[] = {
    "read", "fetch", "search", "load", "collect", "look up", "lookup", "check", "download",
    "list", "find", "gather", "query", "inspect", "open", "recall", "detect", "identify",
};
static const char *const seq_words[] = {
    "then", "after", "next", "once", "using the", "based on", "result", "output of",
    "previous", "above", "from step", "finally", "combine", "merge", "synthesi", "summar",
    "verify", "validate", "confirm",
};
static const char *const par_words[] = {
    "in parallel", "independently", "at the same time", "simultaneously", "concurrently",
    "meanwhile",
};
static const char *const each_words[] = {
    "for each", "each of the", "every file", "for every", "in bulk", "batch", "each file",
    "each item", "each url", "each page", "each row", "each record", "multiple files",
};

static bool has_any(const char *t, const char *const *words, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (sk_str_casestr(t, words[i]))
            return true;
    return false;
}

static bool vec_has(const SkVec *v, const char *s)
{
    for (size_t i = 0; i < v->len; i++)
        if (!strcmp(v->items[i], s))
            return true;
    return false;
}

static void extract_io(Step *st)
{
    const char *t = sk_buf_cstr(&st->text);
    size_t n = strlen(t);
    for (size_t i = 0; i < n; i++) {
        /* a file token: [A-Za-z0-9_./-]+ '.' ext, not preceded by a token char */
        if (!(isalnum((unsigned char)t[i]) || t[i] == '_' || t[i] == '.' || t[i] == '/'))
            continue;
        if (i > 0 && (isalnum((unsigned char)t[i - 1]) || strchr("_./-", t[i - 1])))
            continue;
        size_t j = i;
        while (j < n && (isalnum((unsigned char)t[j]) || strchr("_./-", t[j])))
            j++;
        size_t end = j;
        while (end > i && t[end - 1] == '.')
            end--;
        const char *dot = NULL;
        for (size_t k = end; k > i; k--)
            if (t[k - 1] == '.') {
                dot = t + k - 1;
                break;
            }
        if (dot && dot > t + i && known_ext(dot + 1, (size_t)(t + end - dot - 1)) &&
            !strchr("/", dot[-1])) {
            char *name = sk_strndup(t + i, end - i);
            /* output when a write word appears in the 40 bytes before it */
            size_t from = i > 40 ? i - 40 : 0;
            char *before = sk_strndup(t + from, i - from);
            char *nl = strrchr(before, '\n');
            const char *scope = nl ? nl + 1 : before;
            bool out = has_any(scope, write_words, SK_ARRAY_LEN(write_words));
            SkVec *v = out ? &st->outputs : &st->inputs;
            if (!vec_has(v, name) && !(!out && vec_has(&st->outputs, name)))
                sk_vec_push(v, name);
            else
                free(name);
            free(before);
        }
        i = j;
    }
    /* variables: $NAME (upper case) and {{name}} */
    for (size_t i = 0; i + 1 < n; i++) {
        if (t[i] == '$' && isupper((unsigned char)t[i + 1])) {
            size_t j = i + 1;
            while (j < n && (isupper((unsigned char)t[j]) || isdigit((unsigned char)t[j]) ||
                             t[j] == '_'))
                j++;
            char *name = sk_strndup(t + i, j - i);
            if (!vec_has(&st->inputs, name) && !vec_has(&st->outputs, name))
                sk_vec_push(&st->inputs, name);
            else
                free(name);
            i = j;
        } else if (t[i] == '{' && t[i + 1] == '{') {
            const char *e = strstr(t + i + 2, "}}");
            if (e && e - (t + i) < 40) {
                char *name = sk_strndup(t + i, (size_t)(e + 2 - (t + i)));
                if (!vec_has(&st->inputs, name))
                    sk_vec_push(&st->inputs, name);
                else
                    free(name);
                i = (size_t)(e - t) + 1;
            }
        }
    }
}

/* ---- building ---- */

static void step_free(Step *s)
{
    free(s->id);
    free(s->title);
    sk_buf_done(&s->text);
    sk_vec_done(&s->inputs);
    sk_vec_done(&s->outputs);
    json_decref(s->merged_from);
}

typedef struct Graph {
    Step *steps;
    int n;
    bool *adj; /* n*n: adj[i*n+j] edge i -> j */
    char **kind;
    char **via;
} Graph;

static void add_edge(Graph *g, int a, int b, const char *kind, const char *via)
{
    if (a == b || a < 0 || b < 0)
        return;
    if (g->adj[a * g->n + b])
        return;
    g->adj[a * g->n + b] = true;
    g->kind[a * g->n + b] = sk_strdup(kind);
    g->via[a * g->n + b] = via ? sk_strdup(via) : NULL;
}

static bool reaches(const Graph *g, int from, int to, bool *seen)
{
    if (from == to)
        return true;
    seen[from] = true;
    for (int k = 0; k < g->n; k++)
        if (g->adj[from * g->n + k] && !g->steps[k].removed && !seen[k] &&
            reaches(g, k, to, seen))
            return true;
    return false;
}

static bool ancestor(const Graph *g, int a, int b)
{
    bool *seen = sk_calloc((size_t)g->n, 1);
    bool r = reaches(g, a, b, seen);
    free(seen);
    return r;
}

static char *norm_title(const char *t)
{
    SkBuf b = SK_BUF_INIT;
    for (const char *c = t; *c; c++)
        if (isalnum((unsigned char)*c))
            sk_buf_putc(&b, (char)tolower((unsigned char)*c));
    return b.data ? sk_buf_steal(&b) : sk_strdup("");
}

static json_t *strvec_json(const SkVec *v)
{
    json_t *a = json_array();
    for (size_t i = 0; i < v->len; i++)
        json_array_append_new(a, json_string(v->items[i]));
    return a;
}

static bool preds_equal(const Graph *g, int a, int b)
{
    for (int k = 0; k < g->n; k++)
        if (!g->steps[k].removed && g->adj[k * g->n + a] != g->adj[k * g->n + b])
            return false;
    return true;
}

static bool harness_has_subagents(const char *h)
{
    return h && (!strcmp(h, "claude-code") || !strcmp(h, "openclaw") || !strcmp(h, "opencode"));
}

json_t *pass_plan_build(const char *skill_text, const char *harness)
{
    if (!harness)
        harness = "bare-agent";
    char *text = pass_caps_strip_sections(skill_text);
    SkVec L;
    plines(text, &L);
    int body_start = 0;
    /* skip the frontmatter */
    if (L.len > 0 && ((PLine *)L.items[0])->len == 3 && !strncmp(((PLine *)L.items[0])->p, "---", 3))
        for (size_t i = 1; i < L.len; i++) {
            PLine *l = L.items[i];
            if (l->len >= 3 && !strncmp(l->p, "---", 3)) {
                body_start = (int)i + 1;
                break;
            }
        }
    for (int i = 0; i < body_start; i++)
        ((PLine *)L.items[i])->fenced = true; /* out of reach of the scanners */

    /* candidate sequences */
    SkVec seqs;
    sk_vec_init(&seqs, seq_free);
    Seq *cur_list = NULL, *cur_head = NULL;
    char *under = NULL;
    for (size_t i = 0; i < L.len; i++) {
        PLine *l = L.items[i];
        int h = heading_level(l);
        if (h) {
            char *t = clean_title(l->p + h, l->len - (size_t)h);
            int num = heading_step_number(t);
            if (num > 0) {
                if (!cur_head || num != ((Item *)cur_head->items.items[cur_head->items.len - 1])->num + 1) {
                    cur_head = sk_calloc(1, sizeof *cur_head);
                    sk_vec_init(&cur_head->items, item_free);
                    cur_head->under = under ? sk_strdup(under) : NULL;
                    cur_head->headings = true;
                    sk_vec_push(&seqs, cur_head);
                }
                Item *it = sk_calloc(1, sizeof *it);
                it->num = num;
                it->line = (int)i + 1;
                it->heading_level = h;
                it->title = t;
                sk_vec_push(&cur_head->items, it);
            } else {
                free(under);
                under = t;
                /* a same-or-higher heading ends a heading sequence */
                if (cur_head && h <= ((Item *)cur_head->items.items[0])->heading_level)
                    cur_head = NULL;
            }
            cur_list = NULL;
            continue;
        }
        size_t off = 0;
        int num = list_number(l, &off);
        if (num > 0) {
            if (!cur_list ||
                num != ((Item *)cur_list->items.items[cur_list->items.len - 1])->num + 1) {
                cur_list = sk_calloc(1, sizeof *cur_list);
                sk_vec_init(&cur_list->items, item_free);
                cur_list->under = under ? sk_strdup(under) : NULL;
                sk_vec_push(&seqs, cur_list);
            }
            Item *it = sk_calloc(1, sizeof *it);
            it->num = num;
            it->line = (int)i + 1;
            it->title = clean_title(l->p + off, l->len - off);
            sk_vec_push(&cur_list->items, it);
        }
    }
    free(under);

    const Seq *best = NULL;
    for (size_t i = 0; i < seqs.len; i++) {
        const Seq *s = seqs.items[i];
        if (s->items.len < 2)
            continue;
        if (!best || seq_score(s) > seq_score(best))
            best = s;
    }

    /* steps from the sequence, else from the sections */
    SkVec items; /* Item * borrowed or owned */
    sk_vec_init(&items, NULL);
    SkVec owned;
    sk_vec_init(&owned, item_free);
    const char *strategy;
    if (best) {
        for (size_t i = 0; i < best->items.len && i < PLAN_MAX_STEPS; i++)
            sk_vec_push(&items, best->items.items[i]);
        strategy = best->headings ? "step headings" : "numbered list";
    } else {
        int want = 2;
        size_t count2 = 0;
        for (size_t i = 0; i < L.len; i++)
            if (heading_level(L.items[i]) == 2)
                count2++;
        if (count2 < 2)
            want = 3;
        for (size_t i = 0; i < L.len && items.len < PLAN_MAX_STEPS; i++) {
            PLine *l = L.items[i];
            int h = heading_level(l);
            if (h && h <= want && h >= 2) {
                Item *it = sk_calloc(1, sizeof *it);
                it->line = (int)i + 1;
                it->heading_level = h;
                it->title = clean_title(l->p + h, l->len - (size_t)h);
                sk_vec_push(&owned, it);
                sk_vec_push(&items, it);
            }
        }
        strategy = "sections";
        if (items.len < 2) {
            sk_vec_done(&owned);
            sk_vec_init(&owned, item_free);
            sk_vec_init(&items, NULL);
            Item *it = sk_calloc(1, sizeof *it);
            it->line = body_start + 1;
            it->title = sk_strdup("Follow SKILL.md");
            sk_vec_push(&owned, it);
            sk_vec_push(&items, it);
            strategy = "whole skill";
        }
    }

    Graph g;
    g.n = (int)items.len;
    g.steps = sk_calloc((size_t)g.n, sizeof *g.steps);
    g.adj = sk_calloc((size_t)(g.n * g.n), sizeof *g.adj);
    g.kind = sk_calloc((size_t)(g.n * g.n), sizeof *g.kind);
    g.via = sk_calloc((size_t)(g.n * g.n), sizeof *g.via);
    for (int i = 0; i < g.n; i++) {
        const Item *it = items.items[(size_t)i];
        Step *st = &g.steps[i];
        st->id = sk_asprintf("s%d", i + 1);
        st->title = sk_strdup(it->title);
        st->first = it->line;
        /* last line: before the next item, or the end of the section */
        int last = (int)L.len;
        if (i + 1 < g.n)
            last = ((const Item *)items.items[(size_t)i + 1])->line - 1;
        for (int k = it->line; k < last; k++) {
            int h = heading_level(L.items[(size_t)k]);
            if (h && (it->heading_level == 0 || h <= it->heading_level)) {
                last = k;
                break;
            }
        }
        while (last > it->line && ((PLine *)L.items[(size_t)last - 1])->len == 0)
            last--;
        st->last = last < it->line ? it->line : last;
        sk_buf_init(&st->text);
        sk_vec_init(&st->inputs, free);
        sk_vec_init(&st->outputs, free);
        for (int k = st->first; k <= st->last && k <= (int)L.len; k++) {
            PLine *l = L.items[(size_t)k - 1];
            sk_buf_append(&st->text, l->p, l->len);
            sk_buf_putc(&st->text, '\n');
        }
        const char *t = sk_buf_cstr(&st->text);
        extract_io(st);
        st->gather = has_any(st->title, gather_words, SK_ARRAY_LEN(gather_words));
        st->seq_cue = has_any(st->title, seq_words, SK_ARRAY_LEN(seq_words));
        st->parallel_cue = has_any(t, par_words, SK_ARRAY_LEN(par_words));
        st->each = has_any(t, each_words, SK_ARRAY_LEN(each_words));
        st->action = st->last - st->first <= 1;
    }

    /* edges: data flow, explicit references, then written order */
    for (int j = 0; j < g.n; j++) {
        Step *sj = &g.steps[j];
        for (size_t x = 0; x < sj->inputs.len; x++)
            for (int i = j - 1; i >= 0; i--)
                if (vec_has(&g.steps[i].outputs, sj->inputs.items[x])) {
                    add_edge(&g, i, j, "data", sj->inputs.items[x]);
                    break;
                }
        const char *t = sk_buf_cstr(&sj->text);
        for (const char *p = sk_str_casestr(t, "step "); p; p = sk_str_casestr(p + 5, "step ")) {
            int num = atoi(p + 5);
            if (num >= 1 && num <= j && best && (size_t)num <= best->items.len)
                add_edge(&g, num - 1, j, "ref", NULL);
        }
    }
    SkVec group; /* indices of the current sibling run */
    sk_vec_init(&group, NULL);
    for (int j = 1; j < g.n; j++) {
        Step *a = &g.steps[j - 1], *b = &g.steps[j];
        bool data_link = g.adj[(j - 1) * g.n + j];
        /* conservative (false negatives are cheap): an explicit cue, or two look-up steps
         * that each name their own inputs, with none in common */
        bool disjoint = a->inputs.len > 0 && b->inputs.len > 0;
        for (size_t x = 0; disjoint && x < b->inputs.len; x++)
            disjoint = !vec_has(&a->inputs, b->inputs.items[x]) &&
                       !vec_has(&a->outputs, b->inputs.items[x]);
        bool independent = !data_link && !b->seq_cue &&
                           (b->parallel_cue || (a->gather && b->gather && !a->seq_cue && disjoint));
        bool has_in = false;
        for (int k = 0; k < j; k++)
            has_in |= g.adj[k * g.n + j];
        if (independent) {
            /* same predecessors as the previous step */
            for (int k = 0; k < j - 1; k++)
                if (g.adj[k * g.n + (j - 1)])
                    add_edge(&g, k, j, "order", NULL);
            if (group.len == 0)
                sk_vec_push(&group, (void *)(intptr_t)(j - 1));
            sk_vec_push(&group, (void *)(intptr_t)j);
        } else {
            if (group.len > 0) {
                for (size_t k = 0; k < group.len; k++)
                    add_edge(&g, (int)(intptr_t)group.items[k], j, "order", NULL);
                group.len = 0;
            } else if (!has_in || !data_link) {
                add_edge(&g, j - 1, j, "order", NULL);
            }
        }
    }
    sk_vec_done(&group);

    /* merge duplicate steps (same normalized title) unless that makes a cycle */
    for (int i = 0; i < g.n; i++) {
        if (g.steps[i].removed)
            continue;
        char *ni = norm_title(g.steps[i].title);
        for (int j = i + 1; j < g.n && *ni; j++) {
            if (g.steps[j].removed)
                continue;
            char *nj = norm_title(g.steps[j].title);
            bool same = !strcmp(ni, nj);
            free(nj);
            if (!same)
                continue;
            /* would redirecting j's edges to i create a cycle? j's successors must not reach
             * i, and i must not reach j's predecessors other than through j */
            bool cycle = false;
            for (int k = 0; k < g.n && !cycle; k++) {
                if (g.steps[k].removed || k == i || k == j)
                    continue;
                if (g.adj[j * g.n + k] && ancestor(&g, k, i))
                    cycle = true;
                if (g.adj[k * g.n + j] && ancestor(&g, i, k))
                    cycle = true;
            }
            if (cycle)
                continue;
            for (int k = 0; k < g.n; k++) {
                if (g.adj[j * g.n + k])
                    add_edge(&g, i, k, g.kind[j * g.n + k], g.via[j * g.n + k]);
                if (g.adj[k * g.n + j])
                    add_edge(&g, k, i, g.kind[k * g.n + j], g.via[k * g.n + j]);
                g.adj[j * g.n + k] = g.adj[k * g.n + j] = false;
            }
            g.adj[i * g.n + i] = false;
            g.steps[j].removed = true;
            if (!g.steps[i].merged_from)
                g.steps[i].merged_from = json_array();
            json_array_append_new(g.steps[i].merged_from, json_string(g.steps[j].id));
            for (size_t x = 0; x < g.steps[j].inputs.len; x++)
                if (!vec_has(&g.steps[i].inputs, g.steps[j].inputs.items[x]))
                    sk_vec_push(&g.steps[i].inputs, sk_strdup(g.steps[j].inputs.items[x]));
            for (size_t x = 0; x < g.steps[j].outputs.len; x++)
                if (!vec_has(&g.steps[i].outputs, g.steps[j].outputs.items[x]))
                    sk_vec_push(&g.steps[i].outputs, sk_strdup(g.steps[j].outputs.items[x]));
        }
        free(ni);
    }

    /* JSON */
    json_t *plan = json_object();
    json_object_set_new(plan, "version", json_integer(1));
    json_object_set_new(plan, "source", json_string("offline"));
    json_object_set_new(plan, "strategy", json_string(strategy));
    if (best && best->under)
        json_object_set_new(plan, "under", json_string(best->under));
    json_object_set_new(plan, "harness", json_string(harness));
    json_t *steps = json_array();
    for (int i = 0; i < g.n; i++) {
        Step *s = &g.steps[i];
        if (s->removed)
            continue;
        json_t *o = json_object();
        json_object_set_new(o, "id", json_string(s->id));
        json_object_set_new(o, "title", json_string(s->title));
        json_object_set_new(o, "file", json_string("SKILL.md"));
        json_object_set_new(o, "lines", json_pack("[i,i]", s->first, s->last));
        json_object_set_new(o, "inputs", strvec_json(&s->inputs));
        json_object_set_new(o, "outputs", strvec_json(&s->outputs));
        if (s->merged_from)
            json_object_set(o, "merged_from", s->merged_from);
        json_array_append_new(steps, o);
    }
    json_object_set_new(plan, "steps", steps);
    json_t *edges = json_array();
    for (int i = 0; i < g.n; i++)
        for (int j = 0; j < g.n; j++)
            if (g.adj[i * g.n + j] && !g.steps[i].removed && !g.steps[j].removed) {
                json_t *e = json_pack("{s:s,s:s,s:s}", "from", g.steps[i].id, "to",
                                      g.steps[j].id, "kind", g.kind[i * g.n + j]);
                if (g.via[i * g.n + j])
                    json_object_set_new(e, "via", json_string(g.via[i * g.n + j]));
                json_array_append_new(edges, e);
            }
    json_object_set_new(plan, "edges", edges);

    /* groups */
    json_t *groups = json_array();
    bool *used = sk_calloc((size_t)g.n + 1, 1);
    int gid = 0;
    for (int i = 0; i < g.n; i++) {
        if (g.steps[i].removed || used[i])
            continue;
        SkVec mem;
        sk_vec_init(&mem, NULL);
        sk_vec_push(&mem, (void *)(intptr_t)i);
        for (int j = i + 1; j < g.n; j++) {
            if (g.steps[j].removed || used[j] || !preds_equal(&g, i, j))
                continue;
            bool indep = true;
            for (size_t k = 0; k < mem.len && indep; k++) {
                int m = (int)(intptr_t)mem.items[k];
                indep = !ancestor(&g, m, j) && !ancestor(&g, j, m);
            }
            if (indep)
                sk_vec_push(&mem, (void *)(intptr_t)j);
        }
        if (mem.len >= 2) {
            bool all_action = true;
            json_t *ids = json_array();
            for (size_t k = 0; k < mem.len; k++) {
                int m = (int)(intptr_t)mem.items[k];
                used[m] = true;
                all_action &= g.steps[m].action;
                json_array_append_new(ids, json_string(g.steps[m].id));
            }
            const char *type = all_action ? "ilp" : "tlp";
            json_t *gr = json_object();
            char *gname = sk_asprintf("g%d", ++gid);
            json_object_set_new(gr, "id", json_string(gname));
            free(gname);
            json_object_set_new(gr, "type", json_string(type));
            json_object_set_new(gr, "steps", ids);
            json_object_set_new(gr, "mechanism",
                                json_string(all_action ? "batched tool calls in one turn"
                                                       : "one sub-agent per step, then merge"));
            json_object_set_new(gr, "reason",
                                json_string("the steps share their inputs and none needs "
                                            "another's result"));
            json_object_set_new(gr, "harness_supported",
                                json_boolean(all_action || harness_has_subagents(harness)));
            json_array_append_new(groups, gr);
        }
        sk_vec_done(&mem);
    }
    for (int i = 0; i < g.n; i++) {
        if (g.steps[i].removed || !g.steps[i].each)
            continue;
        json_t *gr = json_object();
        char *gname = sk_asprintf("g%d", ++gid);
        json_object_set_new(gr, "id", json_string(gname));
        free(gname);
        json_object_set_new(gr, "type", json_string("dlp"));
        json_object_set_new(gr, "steps", json_pack("[s]", g.steps[i].id));
        json_object_set_new(gr, "mechanism",
                            json_string("one operation over all items at once (xargs -P, a "
                                        "worker pool, Promise.all), then merge"));
        json_object_set_new(gr, "reason",
                            json_string("the step applies the same operation to many items"));
        json_object_set_new(gr, "harness_supported", json_true());
        json_array_append_new(groups, gr);
    }
    free(used);
    json_object_set_new(plan, "groups", groups);

    /* topological order, critical path (unit weights) */
    json_t *order = json_array();
    bool acyclic = pass_plan_acyclic(plan, order);
    json_object_set_new(plan, "acyclic", json_boolean(acyclic));
    json_object_set_new(plan, "topo_order", order);
    int *dist = sk_calloc((size_t)g.n + 1, sizeof *dist);
    int *prev = sk_calloc((size_t)g.n + 1, sizeof *prev);
    int total = 0, best_end = -1;
    size_t oi;
    json_t *ov;
    json_array_foreach(order, oi, ov) {
        int j = atoi(json_string_value(ov) + 1) - 1;
        total++;
        dist[j] = 1;
        prev[j] = -1;
        for (int i = 0; i < g.n; i++)
            if (g.adj[i * g.n + j] && !g.steps[i].removed && dist[i] + 1 > dist[j]) {
                dist[j] = dist[i] + 1;
                prev[j] = i;
            }
        if (best_end < 0 || dist[j] > dist[best_end])
            best_end = j;
    }
    json_t *cp = json_array();
    for (int k = best_end; k >= 0; k = prev[k])
        json_array_insert_new(cp, 0, json_string(g.steps[k].id));
    int crit = best_end >= 0 ? dist[best_end] : 0;
    json_object_set_new(plan, "critical_path", cp);
    json_object_set_new(plan, "total_weight", json_integer(total));
    json_object_set_new(plan, "critical_weight", json_integer(crit));
    json_object_set_new(plan, "ideal_speedup",
                        json_real(crit > 0 ? (double)((int)(100.0 * total / crit + 0.5)) / 100.0
                                           : 1.0));
    free(dist);
    free(prev);

    for (int i = 0; i < g.n * g.n; i++) {
        free(g.kind[i]);
        free(g.via[i]);
    }
    for (int i = 0; i < g.n; i++)
        step_free(&g.steps[i]);
    free(g.steps);
    free(g.adj);
    free(g.kind);
    free(g.via);
    sk_vec_done(&items);
    sk_vec_done(&owned);
    sk_vec_done(&seqs);
    sk_vec_done(&L);
    free(text);
    return plan;
}

bool pass_plan_acyclic(const json_t *plan, json_t *order)
{
    json_t *steps = js_arr(plan, "steps"), *edges = js_arr(plan, "edges");
    size_t n = json_array_size(steps);
    int *indeg = sk_calloc(n + 1, sizeof *indeg);
    bool *done = sk_calloc(n + 1, 1);
    size_t i;
    json_t *e;
    /* index of a step id */
#define STEP_INDEX(id, out)                                                                        \
    do {                                                                                           \
        out = -1;                                                                                  \
        for (size_t q = 0; q < n; q++)                                                             \
            if (sk_str_eq(js_str(json_array_get(steps, q), "id", ""), id))                         \
                out = (int)q;                                                                      \
    } while (0)
    json_array_foreach(edges, i, e) {
        int to;
        STEP_INDEX(js_str(e, "to", ""), to);
        if (to >= 0)
            indeg[to]++;
    }
    size_t emitted = 0;
    bool progress = true;
    while (progress) {
        progress = false;
        for (size_t k = 0; k < n; k++) {
            if (done[k] || indeg[k] > 0)
                continue;
            done[k] = true;
            emitted++;
            progress = true;
            const char *id = js_str(json_array_get(steps, k), "id", "");
            if (order)
                json_array_append_new(order, json_string(id));
            json_array_foreach(edges, i, e) {
                if (!sk_str_eq(js_str(e, "from", ""), id))
                    continue;
                int to;
                STEP_INDEX(js_str(e, "to", ""), to);
                if (to >= 0)
                    indeg[to]--;
            }
            break; /* restart from the first: stable order */
        }
    }
#undef STEP_INDEX
    free(indeg);
    free(done);
    return emitted == n;
}

char *pass_plan_section(const json_t *plan, int max_lines)
{
    json_t *groups = js_arr(plan, "groups");
    json_t *steps = js_arr(plan, "steps");
    SkBuf g = SK_BUF_INIT;
    int ng = 0;
    size_t i;
    json_t *gr;
    json_array_foreach(groups, i, gr) {
        if (!js_bool(gr, "harness_supported", false))
            continue;
        const char *type = js_str(gr, "type", "");
        json_t *ids = js_arr(gr, "steps");
        sk_buf_puts(&g, json_array_size(ids) > 1 ? "- Steps " : "- Step ");
        size_t k;
        json_t *id;
        json_array_foreach(ids, k, id) {
            const char *sid = json_string_value(id);
            const char *title = "";
            long long line = 0;
            size_t q;
            json_t *st;
            json_array_foreach(steps, q, st) if (sk_str_eq(js_str(st, "id", ""), sid)) {
                title = js_str(st, "title", "");
                line = json_integer_value(json_array_get(js_arr(st, "lines"), 0));
            }
            char *t = sk_strndup(title, utf8_prefix(title, 50));
            sk_buf_printf(&g, "%s%s (\"%s\", line %lld)",
                          k == 0 ? "" : (k + 1 == json_array_size(ids) ? " and " : ", "), sid,
                          t, line);
            free(t);
        }
        if (!strcmp(type, "ilp"))
            sk_buf_puts(&g, ": independent tool calls; issue them together in one turn and "
                            "use each result where it is needed.\n");
        else if (!strcmp(type, "tlp"))
            sk_buf_puts(&g, ": independent subtasks; give each its own sub-agent once their "
                            "shared inputs are ready, then merge the results.\n");
        else
            sk_buf_puts(&g, ": the same operation over many items; run it over all items at "
                            "once (xargs -P, a worker pool, Promise.all), then merge.\n");
        ng++;
    }
    if (ng == 0 || max_lines < ng + 7) {
        sk_buf_done(&g);
        return NULL;
    }
    SkBuf b = SK_BUF_INIT;
    sk_buf_puts(&b, "## Execution plan (added by skvm)\n\n");
    sk_buf_printf(&b,
                  "Of the %zu steps above (s1 is the first), these can run at the same time "
                  "when the harness allows it; otherwise keep the written order:\n",
                  json_array_size(steps));
    sk_buf_puts(&b, g.data);
    sk_buf_puts(&b, "Critical path: ");
    json_t *cp = js_arr(plan, "critical_path");
    size_t k;
    json_t *id;
    json_array_foreach(cp, k, id) sk_buf_printf(&b, "%s%s", k ? " -> " : "", json_string_value(id));
    sk_buf_printf(&b, " (ideal speed-up %.2fx).\n", js_num(plan, "ideal_speedup", 1.0));
    sk_buf_done(&g);
    char *sec = pass_caps_section("plan", b.data);
    sk_buf_done(&b);
    return sec;
}

/* ---- with a compiler model ---- */

static json_t *find_by_id(json_t *arr, const char *id)
{
    size_t i;
    json_t *x;
    json_array_foreach(arr, i, x) if (sk_str_eq(js_str(x, "id", ""), id)) return x;
    return NULL;
}

static char *validate_plan(json_t *v, void *ud)
{
    (void)ud;
    json_t *steps = js_arr(v, "steps");
    if (!steps || json_array_size(steps) == 0)
        return sk_strdup("\"steps\" must be a non-empty array");
    if (json_array_size(steps) > PLAN_MAX_STEPS)
        return sk_asprintf("at most %d steps", PLAN_MAX_STEPS);
    size_t i, k;
    json_t *st, *d;
    json_array_foreach(steps, i, st) {
        const char *id = js_str(st, "id", "");
        if (!*id || !*js_str(st, "title", ""))
            return sk_asprintf("steps[%zu] needs an \"id\" and a \"title\"", i);
        for (size_t j = 0; j < i; j++)
            if (sk_str_eq(js_str(json_array_get(steps, j), "id", ""), id))
                return sk_asprintf("step id \"%s\" is used twice", id);
    }
    json_array_foreach(steps, i, st) {
        json_array_foreach(js_arr(st, "depends_on"), k, d) {
            const char *dep = json_string_value(d);
            if (!dep || !find_by_id(steps, dep))
                return sk_asprintf("step \"%s\" depends on an unknown step",
                                   js_str(st, "id", ""));
            if (sk_str_eq(dep, js_str(st, "id", "")))
                return sk_asprintf("step \"%s\" depends on itself", js_str(st, "id", ""));
        }
    }
    /* acyclic */
    json_t *probe = json_pack("{s:O,s:[]}", "steps", steps, "edges");
    json_array_foreach(steps, i, st) json_array_foreach(js_arr(st, "depends_on"), k, d)
        json_array_append_new(js_arr(probe, "edges"),
                              json_pack("{s:O,s:s}", "from", d, "to", js_str(st, "id", "")));
    bool ok = pass_plan_acyclic(probe, NULL);
    json_decref(probe);
    if (!ok)
        return sk_strdup("the step dependencies form a cycle");
    json_t *g;
    json_array_foreach(js_arr(v, "groups"), i, g) {
        const char *t = js_str(g, "type", "");
        if (strcmp(t, "dlp") && strcmp(t, "ilp") && strcmp(t, "tlp"))
            return sk_asprintf("groups[%zu]: type must be dlp, ilp or tlp", i);
        json_t *ids = js_arr(g, "steps");
        if (!ids || json_array_size(ids) < (strcmp(t, "dlp") ? 2u : 1u))
            return sk_asprintf("groups[%zu]: %s needs %s", i, t,
                               strcmp(t, "dlp") ? "two or more steps" : "a step");
        json_array_foreach(ids, k, d) if (!json_string_value(d) ||
                                          !find_by_id(steps, json_string_value(d)))
            return sk_asprintf("groups[%zu] names an unknown step", i);
    }
    return NULL;
}

/* Topological order, critical path and speed-up of a plan's steps and edges. */
static void plan_finish(json_t *plan)
{
    json_t *order = json_array();
    bool acyclic = pass_plan_acyclic(plan, order);
    json_object_set_new(plan, "acyclic", json_boolean(acyclic));
    json_t *steps = js_arr(plan, "steps"), *edges = js_arr(plan, "edges");
    json_t *dist = json_object(), *prev = json_object();
    const char *best = NULL;
    long long bestd = 0;
    size_t i, k;
    json_t *id, *e;
    json_array_foreach(order, i, id) {
        const char *sid = json_string_value(id);
        long long d = 1;
        const char *from = NULL;
        json_array_foreach(edges, k, e) {
            if (!sk_str_eq(js_str(e, "to", ""), sid))
                continue;
            long long pd = json_integer_value(json_object_get(dist, js_str(e, "from", "")));
            if (pd + 1 > d) {
                d = pd + 1;
                from = js_str(e, "from", "");
            }
        }
        json_object_set_new(dist, sid, json_integer(d));
        if (from)
            json_object_set_new(prev, sid, json_string(from));
        if (d > bestd) {
            bestd = d;
            best = sid;
        }
    }
    json_t *cp = json_array();
    for (const char *c = best; c; c = js_str(prev, c, NULL))
        json_array_insert_new(cp, 0, json_string(c));
    size_t total = json_array_size(steps);
    json_object_set_new(plan, "topo_order", order);
    json_object_set_new(plan, "critical_path", cp);
    json_object_set_new(plan, "total_weight", json_integer((json_int_t)total));
    json_object_set_new(plan, "critical_weight", json_integer(bestd));
    json_object_set_new(plan, "ideal_speedup",
                        json_real(bestd > 0 ? (double)((int)(100.0 * (double)total / (double)bestd +
                                                            0.5)) /
                                                  100.0
                                            : 1.0));
    json_decref(dist);
    json_decref(prev);
}

static bool edge_path(json_t *edges, const char *from, const char *to, int depth)
{
    if (sk_str_eq(from, to))
        return true;
    if (depth > PLAN_MAX_STEPS)
        return false;
    size_t i;
    json_t *e;
    json_array_foreach(edges, i, e) if (sk_str_eq(js_str(e, "from", ""), from) &&
                                        edge_path(edges, js_str(e, "to", ""), to, depth + 1))
        return true;
    return false;
}

static SkStatus model_plan(CompileCtx *c, json_t **out, SkError *err)
{
    *out = NULL;
    char *own = pass_caps_strip_sections(c->text);
    char *user = sk_asprintf(
        "Decompose this skill's workflow into 2-12 steps with their inputs, outputs and "
        "dependencies, and name groups of steps that can run in parallel: dlp (one step, the "
        "same operation over many items), ilp (independent single tool calls, one turn), tlp "
        "(independent multi-step subtasks, sub-agents). Prefer false negatives: a linear "
        "workflow has no groups. Give each step the SKILL.md line where it starts.\n\n"
        "```markdown\n%s\n```\n",
        own);
    free(own);
    json_t *schema = json_pack(
        "{s:s,s:{s:{s:s,s:{s:s,s:{s:{s:s},s:{s:s},s:{s:s},s:{s:s},s:{s:s},s:{s:s}},s:[s,s]}},"
        "s:{s:s,s:{s:s,s:{s:{s:s},s:{s:s},s:{s:s}}}}},s:[s]}",
        "type", "object", "properties", "steps", "type", "array", "items", "type", "object",
        "properties", "id", "type", "string", "title", "type", "string", "depends_on", "type",
        "array", "inputs", "type", "array", "outputs", "type", "array", "line", "type",
        "integer", "required", "id", "title", "groups", "type", "array", "items", "type",
        "object", "properties", "type", "type", "string", "steps", "type", "array", "reason",
        "type", "string", "required", "steps");
    json_t *v = NULL;
    SkStatus s = compile_ctx_ask_json(c, "report_plan", "The skill's workflow as a DAG", schema,
                                      "You are a precise skill compiler extracting the "
                                      "workflow of an agent skill.",
                                      user, validate_plan, NULL, &v, err);
    json_decref(schema);
    free(user);
    if (s != SK_OK)
        return s;
    json_t *plan = json_object();
    json_object_set_new(plan, "version", json_integer(1));
    json_object_set_new(plan, "source", json_string("model"));
    json_object_set_new(plan, "strategy", json_string("compiler model"));
    json_object_set_new(plan, "harness", json_string(c->harness));
    json_t *steps = json_array(), *edges = json_array(), *groups = json_array();
    size_t i, k;
    json_t *st, *d;
    json_array_foreach(js_arr(v, "steps"), i, st) {
        long long line = js_int(st, "line", 0);
        if (line < 1 || line > (long long)c->source->nlines)
            line = 0;
        json_t *o = json_pack("{s:s,s:s,s:s,s:[I,I]}", "id", js_str(st, "id", ""), "title",
                              js_str(st, "title", ""), "file", "SKILL.md", "lines",
                              (json_int_t)line, (json_int_t)line);
        json_t *ins = js_arr(st, "inputs"), *outs = js_arr(st, "outputs");
        json_object_set_new(o, "inputs", ins ? json_deep_copy(ins) : json_array());
        json_object_set_new(o, "outputs", outs ? json_deep_copy(outs) : json_array());
        json_array_append_new(steps, o);
        json_array_foreach(js_arr(st, "depends_on"), k, d)
            json_array_append_new(edges, json_pack("{s:O,s:s,s:s}", "from", d, "to",
                                                   js_str(st, "id", ""), "kind", "model"));
    }
    json_object_set_new(plan, "steps", steps);
    json_object_set_new(plan, "edges", edges);
    json_t *g;
    int gid = 0;
    json_array_foreach(js_arr(v, "groups"), i, g) {
        /* keep a group only when no member depends on another, even transitively */
        json_t *ids = js_arr(g, "steps");
        bool indep = true;
        for (size_t a = 0; a < json_array_size(ids) && indep; a++)
            for (size_t b = 0; b < json_array_size(ids) && indep; b++)
                if (a != b && edge_path(edges, json_string_value(json_array_get(ids, a)),
                                        json_string_value(json_array_get(ids, b)), 0))
                    indep = false;
        if (!indep) {
            compile_ctx_log(c, "dropped the model's group %zu: its steps depend on each other",
                            i + 1);
            continue;
        }
        const char *type = js_str(g, "type", "");
        char *gname = sk_asprintf("g%d", ++gid);
        json_t *o = json_pack("{s:s,s:s,s:O,s:s,s:s,s:b}", "id", gname, "type", type, "steps",
                              ids, "mechanism",
                              !strcmp(type, "ilp")   ? "batched tool calls in one turn"
                              : !strcmp(type, "tlp") ? "one sub-agent per step, then merge"
                                                     : "one operation over all items at once",
                              "reason", js_str(g, "reason", ""), "harness_supported",
                              strcmp(type, "tlp") || harness_has_subagents(c->harness));
        free(gname);
        json_array_append_new(groups, o);
    }
    json_object_set_new(plan, "groups", groups);
    plan_finish(plan);
    json_decref(v);
    *out = plan;
    return SK_OK;
}

SkStatus pass_plan_run(CompileCtx *c, SkError *err)
{
    json_t *plan = NULL;
    if (c->llm) {
        SkStatus ms = model_plan(c, &plan, err);
        if (ms != SK_OK)
            return ms;
    } else {
        plan = pass_plan_build(c->text, c->harness);
    }
    if (!js_bool(plan, "acyclic", false)) {
        json_decref(plan);
        return sk_error_set(err, SK_ERR_INTERNAL, "the plan graph has a cycle");
    }
    size_t nsteps = json_array_size(js_arr(plan, "steps"));
    size_t ngroups = json_array_size(js_arr(plan, "groups"));
    compile_ctx_log(c, "%zu steps (%s), %zu edges, %zu parallel groups, critical path %lld, "
                    "ideal speed-up %.2fx",
                    nsteps, js_str(plan, "strategy", ""),
                    json_array_size(js_arr(plan, "edges")), ngroups,
                    js_int(plan, "critical_weight", 0), js_num(plan, "ideal_speedup", 1.0));
    json_object_set(c->artifacts, "plan", plan);
    json_object_set_new(c->summary, "steps", json_integer((json_int_t)nsteps));
    json_object_set_new(c->summary, "groups", json_integer((json_int_t)ngroups));
    json_object_set_new(c->summary, "ideal_speedup", json_real(js_num(plan, "ideal_speedup", 1)));
    SkStatus s = SK_OK;
    char *sec = pass_plan_section(plan, compile_ctx_lines_left(c));
    if (sec) {
        SkBuf t = SK_BUF_INIT;
        sk_buf_puts(&t, c->text);
        if (t.len && t.data[t.len - 1] != '\n')
            sk_buf_putc(&t, '\n');
        sk_buf_puts(&t, sec);
        s = compile_ctx_set_text(c, t.data, err);
        sk_buf_done(&t);
        compile_ctx_log(c, "added a marked \"Execution plan\" section to SKILL.md");
    } else if (ngroups > 0) {
        compile_ctx_log(c, "no Execution plan section: no group this harness can use, or no "
                        "room under the length budget");
    }
    free(sec);
    json_decref(plan);
    return s;
}
